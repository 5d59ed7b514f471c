#include "wharf/manifest/registry_index.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>
#include <unordered_map>

#include "wharf/manifest/manifest.hpp"
#include "wharf/util/hash.hpp"
#include "yaml_support.hpp"

namespace wharf::manifest {

namespace {

using yaml::error_at;
using yaml::location_of;
using yaml::Source;
using yaml::ticked;

Result<IndexArtifact> parse_artifact(const Source& source, const YAML::Node& node,
                                     const Location& where, const std::string& what) {
  if (!node.IsMap())
    return error_at(source, where,
                    "an artifact of " + what + " must be a map, found " + yaml::type_name(node),
                    "give `platform`, `url`, `sha256` and `size`");
  IndexArtifact artifact;
  bool has_platform = false, has_url = false, has_sha = false;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, node, {"platform", "url", "sha256", "size"}, "an artifact of " + what,
      [&](const std::string& key, const Location& key_where,
          const YAML::Node& value) -> Result<void> {
        Location value_where = location_of(source, value, key_where);
        if (key == "size") {
          artifact.size = WHARF_TRY(yaml::expect_unsigned(source, value, "`size`", key_where));
          return {};
        }
        const std::string& text =
            *WHARF_TRY(yaml::expect_nonempty(source, value, "`" + key + "`", key_where));
        if (key == "platform") {
          if (!is_valid_artifact_platform(text))
            return error_at(source, value_where, "unknown platform " + ticked(text),
                            "known platforms: " + join(known_platforms(), ", ") + ", any");
          artifact.platform = text;
          has_platform = true;
        } else if (key == "url") {
          artifact.url = text;
          has_url = true;
        } else {
          if (!is_sha256_hex(text))
            return error_at(source, value_where,
                            "`sha256` must be 64 lower-case hex characters, found " + ticked(text),
                            "regenerate the index with `wharf registry index`");
          artifact.sha256 = text;
          has_sha = true;
        }
        return {};
      }));
  const char* missing = !has_platform ? "platform"
                        : !has_url    ? "url"
                        : !has_sha    ? "sha256"
                                      : nullptr;
  if (missing)
    return error_at(source, where, "an artifact of " + what + " has no `" + missing + "`",
                    "every artifact needs `platform`, `url` and `sha256`");
  return artifact;
}

Result<IndexVersion> parse_version(const Source& source, const YAML::Node& node,
                                   const Location& where, const std::string& package) {
  if (!node.IsMap())
    return error_at(source, where,
                    std::string("a version entry must be a map, found ") + yaml::type_name(node),
                    "write `- version: 1.0.0` followed by its `dependencies` and `artifacts`");
  IndexVersion entry;
  bool has_version = false;
  YAML::Node dependencies, artifacts;
  Location dependencies_where, artifacts_where;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, node, {"version", "dependencies", "artifacts", "yanked"}, "a version entry",
      [&](const std::string& key, const Location& key_where,
          const YAML::Node& value) -> Result<void> {
        if (key == "version") {
          auto text = WHARF_TRY(yaml::expect_string(source, value, "`version`", key_where));
          auto parsed = version::Version::parse(*text);
          if (!parsed)
            return error_at(source, location_of(source, value, key_where),
                            "`version`: " + parsed.error().message,
                            "fix the version, or regenerate the index with `wharf registry index`");
          entry.version = *std::move(parsed);
          has_version = true;
        } else if (key == "yanked") {
          entry.yanked = WHARF_TRY(yaml::expect_bool(source, value, "`yanked`", key_where));
        } else if (key == "dependencies") {
          dependencies = value;
          dependencies_where = key_where;
        } else {
          artifacts = value;
          artifacts_where = key_where;
        }
        return {};
      }));
  if (!has_version)
    return error_at(source, where, "a version entry of `" + package + "` has no `version`",
                    "add `version: 1.0.0`");
  const std::string what = "`" + package + "` " + entry.version.to_string();
  if (dependencies)
    entry.dependencies = WHARF_TRY(yaml::constraint_pairs(source, dependencies, dependencies_where,
                                                          "`dependencies` of " + what));
  if (artifacts) {
    WHARF_TRY_VOID(yaml::expect_list(source, artifacts, "`artifacts` of " + what, artifacts_where));
    if (artifacts.IsSequence()) {
      entry.artifacts.reserve(artifacts.size());
      for (const auto& item : artifacts)
        entry.artifacts.push_back(WHARF_TRY(
            parse_artifact(source, item, location_of(source, item, artifacts_where), what)));
    }
  }
  return entry;
}

}  // namespace

// ---- the fast path: the canonical layout of write_package_index() ----------

namespace {

// Lets the memo below be searched by a text's view, without a string made
// for each lookup.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

// Registries repeat a few constraint texts (`*`, `^1.2`) and version texts
// thousands of times, and copying a parsed value (which shares its parse) is
// several times cheaper than parsing it; nullptr for an invalid text. Per
// thread and per type (Version, Constraint), bounded.
template <class T>
const T* parsed(std::string_view text) {
  thread_local std::unordered_map<std::string, std::optional<T>, TextHash, std::equal_to<>> memo;
  if (auto it = memo.find(text); it != memo.end()) return it->second ? &*it->second : nullptr;
  if (memo.size() >= 4096) memo.clear();
  auto value = T::parse(text);
  auto& slot = memo[std::string(text)];
  if (value) slot = *std::move(value);
  return slot ? &*slot : nullptr;
}

// Counted ahead so that the parser allocates each list once: the dependency
// lines at the start of `text` (six spaces in, not a list item), and the
// `  - version: ` lines in all of it.
std::size_t count_dependency_lines(std::string_view text) {
  std::size_t n = 0;
  while (text.starts_with("      ") && !text.starts_with("      -")) {
    ++n;
    auto end = text.find('\n');
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return n;
}

std::size_t count_version_lines(std::string_view text) {
  std::size_t n = 0;
  for (auto at = text.find("\n  - version: "); at != std::string_view::npos;
       at = text.find("\n  - version: ", at + 1))
    ++n;
  return n;
}

}  // namespace

std::optional<PackageIndex> parse_canonical_package_index(std::string_view text) {
  if (text.find('\r') != std::string_view::npos || text.find('\t') != std::string_view::npos)
    return std::nullopt;
  yaml::LineReader lines(text);
  PackageIndex index;
  auto name = yaml::canonical_field(lines.peek(), "name: ");
  if (!name || !is_valid_package_name(*name)) return std::nullopt;
  index.name = *name;
  lines.skip();
  if (lines.peek() == "versions: []") {
    lines.skip();
    return lines.at_end() ? std::optional<PackageIndex>(std::move(index)) : std::nullopt;
  }
  if (lines.peek() != "versions:") return std::nullopt;
  lines.skip();
  index.versions.reserve(count_version_lines(text));
  while (!lines.at_end()) {
    IndexVersion entry;
    auto version_text = yaml::canonical_field(lines.peek(), "  - version: ");
    if (!version_text) return std::nullopt;
    const auto* version = parsed<version::Version>(*version_text);
    if (!version) return std::nullopt;
    entry.version = *version;
    lines.skip();

    if (lines.peek() == "    dependencies:") {
      lines.skip();
      entry.dependencies.reserve(count_dependency_lines(lines.rest()));
      while (lines.peek().starts_with("      ") && !lines.peek().starts_with("      -")) {
        auto line = lines.peek().substr(6);
        auto colon = line.find(": ");
        if (colon == std::string_view::npos) return std::nullopt;
        auto dep_name = line.substr(0, colon);
        auto constraint_text = yaml::canonical_scalar(line.substr(colon + 2));
        if (!is_valid_package_name(dep_name) || !constraint_text) return std::nullopt;
        const auto* constraint = parsed<version::Constraint>(*constraint_text);
        if (!constraint) return std::nullopt;
        for (const auto& [existing, c] : entry.dependencies)
          if (existing == dep_name) return std::nullopt;
        entry.dependencies.emplace_back(std::string(dep_name), *constraint);
        lines.skip();
      }
    } else if (lines.peek() == "    dependencies: {}") {
      lines.skip();
    } else {
      return std::nullopt;
    }

    if (lines.peek() == "    artifacts:") {
      lines.skip();
      while (lines.peek().starts_with("      - platform: ")) {
        IndexArtifact artifact;
        auto platform = yaml::canonical_field(lines.peek(), "      - platform: ");
        if (!platform || !is_valid_artifact_platform(*platform)) return std::nullopt;
        artifact.platform = *platform;
        lines.skip();
        auto read = yaml::canonical_artifact(lines);
        if (!read) return std::nullopt;
        artifact.url = read->url;
        artifact.sha256 = read->sha256;
        artifact.size = read->size;
        entry.artifacts.push_back(std::move(artifact));
      }
    } else if (lines.peek() == "    artifacts: []") {
      lines.skip();
    } else {
      return std::nullopt;
    }

    if (lines.peek() == "    yanked: true")
      entry.yanked = true;
    else if (lines.peek() != "    yanked: false")
      return std::nullopt;
    lines.skip();
    // Canonical indexes are sorted and unique; anything else takes the slow path.
    if (!index.versions.empty() && !(index.versions.back().version < entry.version))
      return std::nullopt;
    index.versions.push_back(std::move(entry));
  }
  return index;
}

Result<PackageIndex> parse_package_index(std::string_view text, const std::string& file_label) {
  // Indexes written by `wharf registry index` take a line-based fast path
  // (yaml-cpp dominates solve time otherwise); anything else, including
  // every invalid file, goes through yaml-cpp for located errors.
  if (auto fast = parse_canonical_package_index(text)) return *std::move(fast);
  Source source{file_label, {}};
  auto root = WHARF_TRY(yaml::load(source, text));
  Location top{file_label, 1, 1};
  if (!root || root.IsNull() || !root.IsMap())
    return error_at(
        source, location_of(source, root, top),
        std::string("a package index must be a map with `name` and `versions`, found ") +
            yaml::type_name(root),
        "regenerate it with `wharf registry index`");
  PackageIndex index;
  bool has_name = false, has_versions = false;
  YAML::Node versions;
  Location versions_where;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, root, {"name", "versions"}, "the package index",
      [&](const std::string& key, const Location& where, const YAML::Node& value) -> Result<void> {
        if (key == "name") {
          const auto& name = *WHARF_TRY(yaml::expect_nonempty(source, value, "`name`", where));
          if (!is_valid_package_name(name))
            return error_at(source, location_of(source, value, where),
                            "invalid package name " + ticked(name),
                            "package names use lower-case letters, digits, `.`, `_` and `-`");
          index.name = name;
          has_name = true;
        } else {
          WHARF_TRY_VOID(yaml::expect_list(source, value, "`versions`", where,
                                           "a list of `- version: ...` entries"));
          versions = value;
          versions_where = where;
          has_versions = true;
        }
        return {};
      }));
  if (!has_name) return error_at(source, top, "missing `name`", "add `name: <package>`");
  if (!has_versions)
    return error_at(source, top, "missing `versions`", "add `versions:` (a list, may be `[]`)");

  std::vector<Location> locations;
  if (versions.IsSequence()) {
    index.versions.reserve(versions.size());
    locations.reserve(versions.size());
    for (const auto& item : versions) {
      Location where = location_of(source, item, versions_where);
      index.versions.push_back(WHARF_TRY(parse_version(source, item, where, index.name)));
      locations.push_back(where);
    }
  }
  // Sort ascending (most indexes are already sorted: check first).
  auto by_version = [](const IndexVersion& a, const IndexVersion& b) {
    return a.version < b.version;
  };
  if (!std::is_sorted(index.versions.begin(), index.versions.end(), by_version)) {
    std::vector<std::size_t> order(index.versions.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return index.versions[a].version < index.versions[b].version;
    });
    std::vector<IndexVersion> sorted;
    std::vector<Location> sorted_locations;
    sorted.reserve(order.size());
    for (auto i : order) {
      sorted.push_back(std::move(index.versions[i]));
      sorted_locations.push_back(std::move(locations[i]));
    }
    index.versions = std::move(sorted);
    locations = std::move(sorted_locations);
  }
  for (std::size_t i = 1; i < index.versions.size(); ++i)
    if (index.versions[i].version == index.versions[i - 1].version)
      return error_at(source, locations[i],
                      "version " + index.versions[i].version.to_string() + " of `" + index.name +
                          "` is listed twice",
                      "remove one entry, or regenerate the index with `wharf registry index`");
  return index;
}

// ---- the binary form: for wharf's own cache --------------------------------

namespace {

void put_count(std::string& out, std::uint64_t n) {  // LEB128
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

void put_text(std::string& out, std::string_view text) {
  put_count(out, text.size());
  out += text;
}

// Reads what put_count() and put_text() wrote; once anything is out of
// bounds `ok` stays false and every read returns zero or empty.
struct BinaryReader {
  std::string_view rest;
  bool ok = true;

  std::uint64_t count() {
    std::uint64_t n = 0;
    for (int shift = 0; ok && shift < 64; shift += 7) {
      if (rest.empty()) break;
      auto byte = static_cast<unsigned char>(rest.front());
      rest.remove_prefix(1);
      n |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return n;
    }
    ok = false;
    return 0;
  }
  std::string_view text() {
    std::uint64_t n = count();
    if (!ok || n > rest.size()) {
      ok = false;
      return {};
    }
    auto out = rest.substr(0, n);
    rest.remove_prefix(n);
    return out;
  }
  // A list length, bounded by the bytes left (each entry takes at least one).
  std::size_t length() {
    std::uint64_t n = count();
    if (n > rest.size()) ok = false;
    return ok ? static_cast<std::size_t>(n) : 0;
  }
};

}  // namespace

std::string encode_package_index(const PackageIndex& index) {
  std::string out;
  put_text(out, index.name);
  put_count(out, index.versions.size());
  for (const auto& v : index.versions) {
    put_text(out, v.version.to_string());
    out += v.yanked ? '\1' : '\0';
    put_count(out, v.dependencies.size());
    for (const auto& [name, constraint] : v.dependencies) {
      put_text(out, name);
      put_text(out, constraint.text());
    }
    put_count(out, v.artifacts.size());
    for (const auto& a : v.artifacts) {
      put_text(out, a.platform);
      put_text(out, a.url);
      put_text(out, a.sha256);
      put_count(out, a.size);
    }
  }
  return out;
}

std::optional<PackageIndex> decode_package_index(std::string_view bytes) {
  BinaryReader in{bytes};
  PackageIndex index;
  index.name = in.text();
  index.versions.resize(in.length());
  for (auto& v : index.versions) {
    const auto* version = parsed<version::Version>(in.text());
    if (!version || !in.ok || in.rest.empty()) return std::nullopt;
    v.version = *version;
    v.yanked = in.rest.front() == '\1';
    in.rest.remove_prefix(1);
    std::size_t dependencies = in.length();
    v.dependencies.reserve(dependencies);
    for (; dependencies > 0 && in.ok; --dependencies) {
      auto name = in.text();
      const auto* constraint = parsed<version::Constraint>(in.text());
      if (!constraint) return std::nullopt;
      v.dependencies.emplace_back(std::string(name), *constraint);
    }
    std::size_t artifacts = in.length();
    v.artifacts.reserve(artifacts);
    for (; artifacts > 0 && in.ok; --artifacts) {
      // Braced initialisers run in order: platform, url, sha256, size.
      v.artifacts.push_back(IndexArtifact{std::string(in.text()), std::string(in.text()),
                                          std::string(in.text()), in.count()});
    }
    if (!in.ok) return std::nullopt;
  }
  if (!in.ok || !in.rest.empty()) return std::nullopt;
  return index;
}

std::string write_package_index(const PackageIndex& index) {
  std::vector<const IndexVersion*> versions;
  versions.reserve(index.versions.size());
  for (const auto& v : index.versions) versions.push_back(&v);
  std::stable_sort(
      versions.begin(), versions.end(),
      [](const IndexVersion* a, const IndexVersion* b) { return a->version < b->version; });
  std::string out;
  out += "name: " + yaml::scalar(index.name) + "\n";
  if (versions.empty()) {
    out += "versions: []\n";
    return out;
  }
  out += "versions:\n";
  for (const auto* v : versions) {
    out += "  - version: " + yaml::double_quoted(v->version.to_string()) + "\n";
    if (v->dependencies.empty()) {
      out += "    dependencies: {}\n";
    } else {
      auto deps = v->dependencies;
      std::stable_sort(deps.begin(), deps.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out += "    dependencies:\n";
      for (const auto& [name, constraint] : deps)
        out += "      " + yaml::scalar(name) + ": " + yaml::double_quoted(constraint.text()) + "\n";
    }
    if (v->artifacts.empty()) {
      out += "    artifacts: []\n";
    } else {
      auto artifacts = v->artifacts;
      std::stable_sort(
          artifacts.begin(), artifacts.end(),
          [](const IndexArtifact& a, const IndexArtifact& b) { return a.platform < b.platform; });
      out += "    artifacts:\n";
      for (const auto& a : artifacts) {
        out += "      - platform: " + yaml::scalar(a.platform) + "\n";
        out += "        url: " + yaml::scalar(a.url) + "\n";
        out += "        sha256: " + yaml::double_quoted(a.sha256) + "\n";
        out += "        size: " + std::to_string(a.size) + "\n";
      }
    }
    out += std::string("    yanked: ") + (v->yanked ? "true" : "false") + "\n";
  }
  return out;
}

Result<RegistryRoot> parse_registry_root(std::string_view text, const std::string& file_label) {
  Source source{file_label, {}};
  auto root = WHARF_TRY(yaml::load(source, text));
  Location top{file_label, 1, 1};
  if (!root || root.IsNull() || !root.IsMap())
    return error_at(source, location_of(source, root, top),
                    std::string("registry.yaml must be a map with `format` and `name`, found ") +
                        yaml::type_name(root),
                    "write `format: 1` and `name: <registry>`");
  RegistryRoot out;
  bool has_format = false, has_name = false;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, root, {"format", "name"}, "registry.yaml",
      [&](const std::string& key, const Location& where, const YAML::Node& value) -> Result<void> {
        if (key == "format") {
          auto format = WHARF_TRY(yaml::expect_unsigned(source, value, "`format`", where));
          if (format > static_cast<std::uint64_t>(kRegistryFormat))
            return error_at(source, location_of(source, value, where),
                            "registry format " + std::to_string(format) +
                                " was written by a newer wharf (this one reads up to " +
                                std::to_string(kRegistryFormat) + ")",
                            "upgrade wharf");
          if (format < 1)
            return error_at(source, location_of(source, value, where),
                            "registry format must be at least 1, found 0",
                            "regenerate it with `wharf registry index`");
          out.format = static_cast<int>(format);
          has_format = true;
        } else {
          out.name = *WHARF_TRY(yaml::expect_nonempty(source, value, "`name`", where));
          has_name = true;
        }
        return {};
      }));
  if (!has_format) return error_at(source, top, "missing `format`", "add `format: 1`");
  if (!has_name) return error_at(source, top, "missing `name`", "add `name: <registry>`");
  return out;
}

std::string write_registry_root(const RegistryRoot& root) {
  return "format: " + std::to_string(root.format) + "\nname: " + yaml::scalar(root.name) + "\n";
}

}  // namespace wharf::manifest
