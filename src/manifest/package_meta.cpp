#include "wharf/manifest/package_meta.hpp"

#include <algorithm>

#include "wharf/manifest/manifest.hpp"
#include "wharf/util/strings.hpp"
#include "yaml_support.hpp"

namespace wharf::manifest {

namespace {

using yaml::error_at;
using yaml::location_of;
using yaml::ticked;

}  // namespace

Result<PackageMeta> parse_package_meta(std::string_view text, const std::string& file_label) {
  yaml::Source source{file_label, {}};
  auto root = WHARF_TRY(yaml::load(source, text));
  Location top{file_label, 1, 1};
  if (root && !root.IsNull() && !root.IsMap())
    return error_at(
        source, location_of(source, root, top),
        std::string("package metadata must be a map of keys, found ") + yaml::type_name(root),
        "start the file with `name: <package>` and `version: <version>`");
  PackageMeta meta;
  bool has_name = false, has_version = false;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, root, {"name", "version", "platform", "dependencies", "private"},
      "the package metadata",
      [&](const std::string& key, const Location& where, const YAML::Node& value) -> Result<void> {
        Location value_where = location_of(source, value, where);
        if (key == "name") {
          auto name = *WHARF_TRY(yaml::expect_nonempty(source, value, "`name`", where));
          if (!is_valid_package_name(name))
            return error_at(source, value_where, "invalid package name " + ticked(name),
                            "package names use lower-case letters, digits, `.`, `_` and `-`, "
                            "starting with a letter or digit");
          meta.name = std::move(name);
          has_name = true;
        } else if (key == "version") {
          auto text = WHARF_TRY(yaml::expect_string(source, value, "`version`", where));
          auto parsed = version::Version::parse(*text);
          if (!parsed)
            return error_at(source, value_where, "`version`: " + parsed.error().message,
                            "write a version like `1.2.0`");
          meta.version = *std::move(parsed);
          has_version = true;
        } else if (key == "platform") {
          auto platform = *WHARF_TRY(yaml::expect_nonempty(source, value, "`platform`", where));
          if (!is_valid_artifact_platform(platform)) {
            std::vector<std::string> candidates = known_platforms();
            candidates.push_back("any");
            auto close = closest_match(platform, candidates);
            return error_at(source, value_where, "unknown platform " + ticked(platform),
                            close ? "did you mean `" + *close + "`?"
                                  : "known platforms: " + join(candidates, ", "));
          }
          meta.platform = std::move(platform);
        } else if (key == "private") {
          WHARF_TRY_VOID(yaml::expect_list(source, value, "`private`", where,
                                           "`private: [etc/app.conf, \"share/app/*.ini\"]`"));
          if (!value || value.IsNull()) return {};
          for (const auto& item : value) {
            Location item_where = location_of(source, item, where);
            auto pattern =
                *WHARF_TRY(yaml::expect_nonempty(source, item, "a private path", item_where));
            bool escapes = pattern.front() == '/';
            for (auto part : split(pattern, '/')) escapes = escapes || part == "..";
            if (escapes)
              return error_at(source, item_where,
                              "private path " + ticked(pattern) + " leaves the package",
                              "write a path inside the package, such as `etc/app.conf`");
            meta.private_files.push_back(std::move(pattern));
          }
        } else {
          meta.dependencies =
              WHARF_TRY(yaml::constraint_pairs(source, value, where, "`dependencies`"));
        }
        return {};
      }));
  if (!has_name)
    return error_at(source, top, "missing `name`", "add `name: <package>` to the file");
  if (!has_version)
    return error_at(source, top, "missing `version`", "add `version: <version>` such as `1.0.0`");
  return meta;
}

std::string write_package_meta(const PackageMeta& meta) {
  std::string out;
  out += "name: " + yaml::scalar(meta.name) + "\n";
  out += "version: " + yaml::double_quoted(meta.version.to_string()) + "\n";
  out += "platform: " + yaml::scalar(meta.platform) + "\n";
  if (meta.dependencies.empty()) {
    out += "dependencies: {}\n";
  } else {
    auto deps = meta.dependencies;
    std::stable_sort(deps.begin(), deps.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    out += "dependencies:\n";
    for (const auto& [name, constraint] : deps)
      out += "  " + yaml::scalar(name) + ": " + yaml::double_quoted(constraint.text()) + "\n";
  }
  if (!meta.private_files.empty()) {
    out += "private:\n";
    for (const auto& pattern : meta.private_files)
      out += "  - " + yaml::double_quoted(pattern) + "\n";
  }
  return out;
}

}  // namespace wharf::manifest
