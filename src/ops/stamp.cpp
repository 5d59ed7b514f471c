// The sync stamp: how a no-op `wharf sync` or `wharf run` answers "up to
// date" with a few stat(2) calls and two small reads, without parsing
// wharf.yaml or wharf.lock (see internal.hpp).
//
// A stamp (.wharf/stamps/<env>) records, after a successful sync, the
// identity (device, inode, size, mtime, ctime) of wharf.yaml and wharf.lock as
// they were read, the digest of the environment the installer recorded, and
// the manifest's `env:` (what `wharf run` needs). It is trusted only when:
//
//   - both files still have the recorded identity (an edit changes ctime,
//     which users cannot set; a rename changes the inode);
//   - both files' ctimes are older than the stamp itself: a file changed in
//     the same clock tick as the stamp was written could keep the recorded
//     identity ("racily clean", as git calls it), so such a stamp is not
//     trusted, and the full check that follows rewrites it;
//   - the environment's prefix still holds the recorded digest (another
//     process, or `--frozen`, may have installed something else since);
//   - it was written by this version of wharf for this platform.
//
// Anything else (no stamp, an unreadable one) means "do the full check".
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.hpp"
#include "wharf/install/installer.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader = "wharf-sync-stamp 1";

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      char n = text[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      out += text[i];
    }
  }
  return out;
}

fs::path stamp_path(const fs::path& project_dir, const std::string& env) {
  return project_dir / ".wharf" / "stamps" / env;
}

std::string stamp_key(const std::string& env, const FileIdentity& manifest,
                      const FileIdentity& lock) {
  return sha256_hex(std::string(WHARF_VERSION) + '\0' + manifest::current_platform() + '\0' + env +
                    '\0' + identity_text(manifest) + '\0' + identity_text(lock));
}

}  // namespace

ProjectFiles project_files(const fs::path& project_dir) {
  return ProjectFiles{file_identity(project_dir / "wharf.yaml"),
                      file_identity(project_dir / "wharf.lock")};
}

std::optional<SyncStamp> read_valid_stamp(const fs::path& project_dir, const std::string& env) {
  fs::path path = stamp_path(project_dir, env);
  FileIdentity stamp_id = file_identity(path);
  if (!stamp_id.exists || stamp_id.size > (1u << 20)) return std::nullopt;
  auto files = project_files(project_dir);
  if (!files.manifest.exists || !files.lock.exists) return std::nullopt;
  if (files.manifest.ctime_ns >= stamp_id.mtime_ns || files.lock.ctime_ns >= stamp_id.mtime_ns)
    return std::nullopt;
  auto text = read_file(path);
  if (!text) return std::nullopt;

  SyncStamp stamp;
  std::string key;
  auto lines = split(*text, '\n');
  bool header_seen = !lines.empty() && lines.front() == kHeader;
  if (!header_seen) return std::nullopt;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.starts_with("key ")) {
      key = line.substr(4);
    } else if (line.starts_with("digest ")) {
      stamp.environment_digest = line.substr(7);
    } else if (line.starts_with("env ")) {
      auto tab = line.find('\t', 4);
      if (tab == std::string_view::npos) return std::nullopt;
      stamp.env.emplace_back(unescape(line.substr(4, tab - 4)), unescape(line.substr(tab + 1)));
    }
  }
  if (key != stamp_key(env, files.manifest, files.lock)) return std::nullopt;
  if (stamp.environment_digest.size() != 64 ||
      install::installed_digest(environment_prefix(project_dir, env)) != stamp.environment_digest)
    return std::nullopt;
  return stamp;
}

void write_stamp(const fs::path& project_dir, const std::string& env, const ProjectFiles& files,
                 const std::vector<std::pair<std::string, std::string>>& manifest_env) {
  std::string digest = install::installed_digest(environment_prefix(project_dir, env));
  fs::path path = stamp_path(project_dir, env);
  std::error_code ec;
  if (digest.empty() || !files.manifest.exists || !files.lock.exists) {
    fs::remove(path, ec);
    return;
  }
  std::string text = std::string(kHeader) + "\n";
  text += "key " + stamp_key(env, files.manifest, files.lock) + "\n";
  text += "digest " + digest + "\n";
  for (const auto& [name, value] : manifest_env)
    text += "env " + escape(name) + "\t" + escape(value) + "\n";
  fs::create_directories(path.parent_path(), ec);
  // Best effort: without a stamp the next sync only takes the longer path.
  if (!write_file_atomic(path, text, Durability::CacheOnly)) fs::remove(path, ec);
}

void remove_stamp(const fs::path& project_dir, const std::string& env) {
  std::error_code ec;
  fs::remove(stamp_path(project_dir, env), ec);
}

}  // namespace wharf::ops
