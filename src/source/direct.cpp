#include "wharf/source/direct.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>

#include "wharf/archive/archive.hpp"
#include "wharf/manifest/package_meta.hpp"
#include "wharf/net/client.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::source {

namespace fs = std::filesystem;

Result<DirectPackage> describe_package(const std::string& name,
                                       const std::optional<std::string>& meta_text,
                                       const std::string& label) {
  DirectPackage out;
  out.name = name;
  if (!meta_text) {
    out.version = WHARF_TRY(version::Version::parse("0.0.0"));
    return out;
  }
  auto meta = WHARF_TRY(manifest::parse_package_meta(*meta_text, label));
  if (meta.name != name)
    return fail_input(
        label + " names package `" + meta.name + "`, but wharf.yaml calls it `" + name + "`",
        "rename the dependency in wharf.yaml to `" + meta.name + "`");
  out.version = meta.version;
  out.platform = meta.platform;
  out.dependencies = meta.dependencies;
  out.layout = LayoutKind::Root;
  return out;
}

Result<void> check_version(const DirectPackage& package, const version::Constraint& constraint,
                           const std::string& what) {
  if (constraint.text() == "*") return {};
  if (package.layout == LayoutKind::Leaf)
    return fail_input(what + " has no " + kPackageMetaFile + ", so its `version: \"" +
                          constraint.text() + "\"` cannot be checked",
                      "remove `version:` from the dependency, or add a wharf-package.yaml");
  if (!constraint.set().contains(package.version))
    return fail(what + " is version " + package.version.to_string() +
                    ", which does not match `version: \"" + constraint.text() + "\"` in wharf.yaml",
                "change `version:` in wharf.yaml, or point the dependency at another version");
  return {};
}

std::string install_subdir(const std::string& name, LayoutKind layout) {
  return layout == LayoutKind::Leaf ? "share/" + name : std::string();
}

// ---- git --------------------------------------------------------------------

git::Ref git_ref_of(const manifest::DependencySpec& dep) {
  if (!dep.branch.empty()) return {git::RefKind::Branch, dep.branch};
  if (!dep.tag.empty()) return {git::RefKind::Tag, dep.tag};
  if (!dep.rev.empty()) return {git::RefKind::Rev, dep.rev};
  return {};
}

std::string encode_reference(const git::Ref& ref) {
  switch (ref.kind) {
    case git::RefKind::Branch:
      return "branch=" + ref.name;
    case git::RefKind::Tag:
      return "tag=" + ref.name;
    case git::RefKind::Rev:
      return "rev=" + ref.name;
    case git::RefKind::Default:
      break;
  }
  return {};
}

std::string git_fetch_url(const std::string& url, const fs::path& manifest_root) {
  if (url.find("://") != std::string::npos) return url;
  auto colon = url.find(':');
  auto slash = url.find('/');
  // scp-like "git@host:org/repo.git": a colon before any slash.
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) return url;
  return absolute_from(manifest_root, url).string();
}

namespace {

// URLs whose mirror this process already fetched: a lock followed by a sync
// in one run, or several packages from one repository, fetch it once.
std::mutex fetched_mutex;
std::set<std::string> fetched_urls;

Result<fs::path> fetch_now(const std::string& url, const fs::path& mirrors_dir) {
  auto mirror = WHARF_TRY(git::ensure_mirror(url, mirrors_dir, git::FetchPolicy::Always));
  std::lock_guard guard(fetched_mutex);
  fetched_urls.insert(url);
  return mirror;
}

Result<fs::path> fetch_once(const std::string& url, const fs::path& mirrors_dir) {
  {
    std::lock_guard guard(fetched_mutex);
    if (fetched_urls.count(url))
      return git::ensure_mirror(url, mirrors_dir, git::FetchPolicy::IfMissing);
  }
  return fetch_now(url, mirrors_dir);
}

}  // namespace

Result<fs::path> fetched_mirror(const std::string& fetch_url, const fs::path& mirrors_dir,
                                bool offline) {
  if (offline) return git::ensure_mirror(fetch_url, mirrors_dir, git::FetchPolicy::Never);
  return fetch_once(fetch_url, mirrors_dir);
}

Result<fs::path> mirror_with_commit(const std::string& fetch_url, const std::string& commit,
                                    const fs::path& mirrors_dir, bool offline) {
  auto policy = offline ? git::FetchPolicy::Never : git::FetchPolicy::IfMissing;
  auto mirror = WHARF_TRY(git::ensure_mirror(fetch_url, mirrors_dir, policy));
  if (git::has_commit(mirror, commit)) return mirror;
  if (offline)
    return fail("commit " + commit + " of " + git::redact_url(fetch_url) +
                    " is not in the cached mirror, and fetching is off (--offline)",
                "run once without --offline to fetch it");
  // Fetched even when this process fetched it before: the commit is needed.
  mirror = WHARF_TRY(fetch_now(fetch_url, mirrors_dir));
  if (git::has_commit(mirror, commit)) return mirror;
  return fail("commit " + commit + " of " + git::redact_url(fetch_url) +
                  " is no longer in that repository (a force-push or a deleted branch?)",
              "run `wharf lock --update NAME` to lock a commit that exists");
}

Result<GitPin> pin_git(const std::string& fetch_url, const git::Ref& ref,
                       const std::optional<std::string>& locked_commit, const fs::path& mirrors_dir,
                       bool offline) {
  if (locked_commit) {
    auto mirror = mirror_with_commit(fetch_url, *locked_commit, mirrors_dir, offline);
    if (!mirror) {
      auto error = mirror.error();
      error.message = "the locked " + error.message;
      return std::unexpected(error);
    }
    return GitPin{*mirror, *locked_commit};
  }
  fs::path mirror;
  if (offline) {
    mirror = WHARF_TRY(git::ensure_mirror(fetch_url, mirrors_dir, git::FetchPolicy::Never));
  } else if (ref.kind == git::RefKind::Rev) {
    // A commit id cannot move: a mirror that already has it needs no fetch.
    mirror = WHARF_TRY(git::ensure_mirror(fetch_url, mirrors_dir, git::FetchPolicy::IfMissing));
    if (!git::has_commit(mirror, ref.name)) mirror = WHARF_TRY(fetch_now(fetch_url, mirrors_dir));
  } else {
    mirror = WHARF_TRY(fetch_once(fetch_url, mirrors_dir));
  }
  auto commit = WHARF_TRY(git::resolve(mirror, ref, fetch_url));
  return GitPin{mirror, commit};
}

Result<DirectPackage> describe_git(const std::string& name, const GitPin& pin,
                                   const std::string& url_for_messages) {
  auto text = WHARF_TRY(git::read_file_at(pin.mirror, pin.commit, kPackageMetaFile));
  return describe_package(
      name, text,
      git::redact_url(url_for_messages) + "@" + pin.commit.substr(0, 12) + ":" + kPackageMetaFile);
}

// ---- url --------------------------------------------------------------------

namespace {

// file:///abs or file:PATH (relative to the manifest's folder); nullopt for
// any other scheme.
std::optional<fs::path> local_file_of(const std::string& url, const fs::path& manifest_root) {
  if (starts_with(url, "file://")) return fs::path(url.substr(7));
  if (starts_with(url, "file:")) return absolute_from(manifest_root, url.substr(5));
  return std::nullopt;
}

Result<FetchedFile> copy_hashing(const fs::path& from, const fs::path& dest,
                                 const std::string& url) {
  std::ifstream in(from, std::ios::binary);
  if (!in)
    return fail("cannot read " + url + " (" + from.string() + "): " + std::strerror(errno),
                "check the `url` of the dependency in wharf.yaml");
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  RemoveOnFailure cleanup(dest);
  std::ofstream out(dest, std::ios::binary | std::ios::trunc);
  if (!out) return fail("cannot write " + dest.string() + ": " + std::strerror(errno));
  Sha256 hasher;
  FetchedFile fetched;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    auto n = static_cast<std::size_t>(in.gcount());
    hasher.update(buffer, n);
    out.write(buffer, static_cast<std::streamsize>(n));
    fetched.size += n;
  }
  out.close();
  if (in.bad() || !out) return fail("cannot copy " + from.string() + " to " + dest.string());
  fetched.sha256 = hasher.hex_digest();
  cleanup.dismiss();
  return fetched;
}

}  // namespace

Result<FetchedFile> fetch_file(const std::string& url, const fs::path& manifest_root,
                               const fs::path& dest, bool offline) {
  if (auto local = local_file_of(url, manifest_root)) return copy_hashing(*local, dest, url);
  if (!starts_with(url, "http://") && !starts_with(url, "https://"))
    return fail_input("url `" + url + "` has no supported scheme",
                      "use https://..., http://..., file:///ABS or file:PATH");
  if (offline)
    return fail(net::redact_credentials(url) +
                    " is not in the cache, and fetching is off "
                    "(--offline)",
                "run once without --offline to download it");
  auto options = WHARF_TRY(net::options_from_env());
  net::Client client(options);
  net::Request request;
  request.url = url;
  request.destination = dest;
  request.label = net::redact_credentials(url);
  // The archive's bytes are what sha256 covers; never let a server re-encode them.
  request.encoding = net::Encoding::Identity;
  auto response = WHARF_TRY(client.fetch(request));
  return FetchedFile{response.sha256, response.bytes};
}

Result<DirectPackage> describe_archive(const std::string& name, const fs::path& archive_file,
                                       const std::string& url_for_messages) {
  auto text = WHARF_TRY(archive::read_member(archive_file, kPackageMetaFile));
  return describe_package(name, text,
                          net::redact_credentials(url_for_messages) + "!" + kPackageMetaFile);
}

// ---- path -------------------------------------------------------------------

Result<fs::path> path_folder(const std::string& path, const fs::path& manifest_root) {
  auto dir = absolute_from(manifest_root, path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail("path dependency `" + path + "`: " + dir.string() + " is not a folder",
                "check the `path` of the dependency in wharf.yaml (relative to its folder)");
  return dir;
}

bool is_excluded_from_folder(const std::string& top_level_name) {
  // Version-control and wharf's own state are not the package's content.
  return top_level_name == ".git" || top_level_name == ".wharf";
}

Result<DirectPackage> describe_folder(const std::string& name, const fs::path& dir) {
  auto meta_file = dir / kPackageMetaFile;
  std::error_code ec;
  std::optional<std::string> text;
  if (fs::exists(meta_file, ec)) text = WHARF_TRY(read_file(meta_file));
  return describe_package(name, text, meta_file.string());
}

namespace {

struct FolderEntry {
  std::string relative;  // generic, '/'-separated
  fs::file_type type;
  bool executable = false;
};

// Every entry below `dir`, sorted by relative path, excluded names left out.
Result<std::vector<FolderEntry>> list_folder(const fs::path& dir) {
  std::vector<FolderEntry> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = it->path().lexically_relative(dir).generic_string();
    if (it.depth() == 0 && is_excluded_from_folder(it->path().filename().string())) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    auto status = it->symlink_status(ec);
    if (ec) break;
    FolderEntry entry{rel, status.type(), false};
    switch (status.type()) {
      case fs::file_type::directory:
      case fs::file_type::symlink:
        break;
      case fs::file_type::regular:
        entry.executable = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
        break;
      default:
        return fail("path dependency folder " + dir.string() + ": " + rel +
                        " is not a file, folder or symlink",
                    "remove it from the folder (sockets, fifos and devices cannot be installed)");
    }
    entries.push_back(std::move(entry));
  }
  if (ec) return fail("cannot read folder " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const FolderEntry& a, const FolderEntry& b) { return a.relative < b.relative; });
  return entries;
}

}  // namespace

Result<std::string> hash_folder(const fs::path& dir) {
  auto entries = WHARF_TRY(list_folder(dir));
  Sha256 hasher;
  hasher.update(std::string_view("wharf-folder-1\n"));
  for (const auto& entry : entries) {
    std::string line;
    switch (entry.type) {
      case fs::file_type::directory:
        line = "d " + entry.relative;
        break;
      case fs::file_type::symlink: {
        std::error_code ec;
        auto target = fs::read_symlink(dir / entry.relative, ec);
        if (ec) return fail("cannot read symlink " + (dir / entry.relative).string());
        line = "l " + entry.relative + " -> " + target.string();
        break;
      }
      default:
        line = std::string(entry.executable ? "x " : "f ") + entry.relative + " " +
               WHARF_TRY(sha256_file(dir / entry.relative));
        break;
    }
    // Lengths first, so that no name can imitate another entry's line.
    hasher.update(std::to_string(line.size()) + ":" + line + "\n");
  }
  return hasher.hex_digest();
}

Result<void> copy_folder(const fs::path& dir, const fs::path& dest) {
  auto entries = WHARF_TRY(list_folder(dir));
  for (const auto& entry : entries) {
    auto from = dir / entry.relative;
    auto to = dest / entry.relative;
    std::error_code ec;
    switch (entry.type) {
      case fs::file_type::directory:
        fs::create_directory(to, ec);
        break;
      case fs::file_type::symlink:
        fs::copy_symlink(from, to, ec);
        break;
      default:
        fs::copy_file(from, to, ec);
        if (!ec)
          fs::permissions(to, entry.executable ? fs::perms(0755) : fs::perms(0644),
                          fs::perm_options::replace, ec);
        break;
    }
    if (ec)
      return fail("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  }
  return {};
}

}  // namespace wharf::source
