#include "wharf/install/installer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "link.hpp"
#include "wharf/util/file_lock.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::install {

namespace fs = std::filesystem;
using json = nlohmann::json;
using detail::errno_text;
using detail::LinkMode;

std::string to_string(FileProblem::Kind kind) {
  switch (kind) {
    case FileProblem::Kind::Modified:
      return "modified";
    case FileProblem::Kind::Missing:
      return "missing";
    case FileProblem::Kind::Extra:
      return "extra";
    case FileProblem::Kind::TypeChanged:
      return "type changed";
  }
  return "?";
}

namespace {

constexpr int kFormat = 1;
constexpr std::string_view kMetaDir = ".wharf";

// ---------------------------------------------------------------------------
// Test hook: SIGKILL at the n-th step (WHARF_TEST_CRASH_AFTER).

std::atomic<long> g_crash_after{-1};
std::atomic<long> g_steps{0};

void init_crash_hook() {
  g_steps = 0;
  g_crash_after = -1;
  if (const char* value = std::getenv("WHARF_TEST_CRASH_AFTER"); value && *value)
    g_crash_after = std::strtol(value, nullptr, 10);
}

void crash_step() {
  long after = g_crash_after.load(std::memory_order_relaxed);
  if (after >= 0 && ++g_steps >= after) ::raise(SIGKILL);
}

// ---------------------------------------------------------------------------
// Paths of one environment.

struct EnvPaths {
  fs::path prefix;  // envs/<env>, the symlink
  fs::path envs;
  std::string env;

  fs::path lock() const { return envs / ("." + env + ".lock"); }
  fs::path journal() const { return envs / ("." + env + ".journal"); }
  fs::path temp_link() const { return envs / ("." + env + ".link-tmp"); }
  std::string generation_name(std::size_t n) const { return "." + env + "-" + std::to_string(n); }
  fs::path generation(std::size_t n) const { return envs / generation_name(n); }

  std::optional<std::size_t> parse_generation(std::string_view name) const {
    std::string head = "." + env + "-";
    if (!name.starts_with(head) || name.size() == head.size()) return std::nullopt;
    std::size_t n = 0;
    for (char c : name.substr(head.size())) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
  }
};

Result<EnvPaths> env_paths(const fs::path& prefix) {
  fs::path p = prefix.lexically_normal();
  if (!p.empty() && !p.has_filename()) p = p.parent_path();
  if (p.empty() || p.filename() == "." || p.filename() == ".." || p == p.root_path())
    return fail_input("`" + prefix.string() + "` is not a valid environment prefix",
                      "pass a path such as .wharf/envs/default");
  EnvPaths paths;
  paths.prefix = p;
  paths.envs = p.has_parent_path() ? p.parent_path() : fs::path(".");
  paths.env = p.filename().string();
  return paths;
}

enum class PrefixKind { Missing, Generation, Directory };

struct Current {
  PrefixKind kind = PrefixKind::Missing;
  std::size_t generation = 0;  // when kind == Generation
  fs::path root;               // folder holding the installed files; empty when Missing
};

Result<Current> current_state(const EnvPaths& paths) {
  struct stat st {};
  Current current;
  if (::lstat(paths.prefix.c_str(), &st) != 0) {
    if (errno == ENOENT) return current;
    return fail("cannot read " + paths.prefix.string() + ": " + errno_text(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    current.kind = PrefixKind::Directory;
    current.root = paths.prefix;
    return current;
  }
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    auto target = fs::read_symlink(paths.prefix, ec);
    if (!ec && target.parent_path().empty()) {
      if (auto n = paths.parse_generation(target.string())) {
        current.kind = PrefixKind::Generation;
        current.generation = *n;
        current.root = paths.generation(*n);
        return current;
      }
    }
  }
  return fail(paths.prefix.string() + " exists but is not an environment managed by wharf",
              "move it away (wharf manages " + paths.prefix.string() + " as a symlink to " +
                  paths.generation_name(1) + ", ...) and run again");
}

// ---------------------------------------------------------------------------
// State (small, for the fast path) and record (every file).

struct StatePackage {
  std::string name, version, id, subdir;
  std::vector<std::string> skip;
};

struct State {
  std::size_t generation = 0;
  std::string digest;
  std::string link_mode;
  std::size_t entries = 0;
  std::vector<StatePackage> packages;
};

enum class EntryType { File, Symlink, Dir };

struct RecordedEntry {
  std::string package;
  EntryType type = EntryType::File;
  unsigned mode = 0;
  std::uint64_t size = 0;
  std::string data;  // sha256 for files, target for symlinks
};

struct Record {
  std::map<std::string, RecordedEntry> entries;  // by prefix-relative path
};

fs::path state_path(const fs::path& root) {
  return root / kMetaDir / "state.json";
}
fs::path digest_path(const fs::path& root) {
  return root / kMetaDir / "digest";
}
fs::path record_path(const fs::path& root) {
  return root / kMetaDir / "record.json";
}

Result<std::optional<State>> read_state(const fs::path& root) {
  auto file = state_path(root);
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<State>{};
  auto text = WHARF_TRY(read_file(file));
  try {
    auto doc = json::parse(text);
    State state;
    state.generation = doc.at("generation").get<std::size_t>();
    state.digest = doc.at("digest").get<std::string>();
    state.link_mode = doc.value("link_mode", "");
    state.entries = doc.value("entries", std::size_t{0});
    for (const auto& p : doc.at("packages")) {
      StatePackage package;
      package.name = p.at("name").get<std::string>();
      package.version = p.at("version").get<std::string>();
      package.id = p.at("id").get<std::string>();
      package.subdir = p.at("subdir").get<std::string>();
      package.skip = p.at("skip").get<std::vector<std::string>>();
      state.packages.push_back(std::move(package));
    }
    return std::optional<State>(std::move(state));
  } catch (const json::exception& e) {
    return fail("the environment state " + file.string() + " is corrupt: " + e.what(),
                "delete " + root.string() + " and run `wharf sync` again");
  }
}

Result<Record> read_record(const fs::path& root) {
  auto file = record_path(root);
  std::error_code ec;
  if (!fs::exists(file, ec))
    return fail("no environment is installed at " + root.string() + " (no " + file.string() + ")",
                "run `wharf sync` to create it");
  auto text = WHARF_TRY(read_file(file));
  try {
    auto doc = json::parse(text);
    Record record;
    for (const auto& p : doc.at("packages")) {
      auto name = p.at("name").get<std::string>();
      for (const auto& f : p.at("files")) {
        RecordedEntry entry;
        entry.package = name;
        auto code = f.at(1).get<std::string>();
        entry.type = code == "d"   ? EntryType::Dir
                     : code == "l" ? EntryType::Symlink
                                   : EntryType::File;
        entry.mode = f.at(2).get<unsigned>();
        entry.size = f.at(3).get<std::uint64_t>();
        entry.data = f.at(4).get<std::string>();
        record.entries.emplace(f.at(0).get<std::string>(), std::move(entry));
      }
    }
    return record;
  } catch (const json::exception& e) {
    return fail("the environment record " + file.string() + " is corrupt: " + e.what(),
                "run `wharf sync --repair`, or delete the environment and sync again");
  }
}

// ---------------------------------------------------------------------------
// The desired content, from walking the package trees.

struct Entry {
  EntryType type = EntryType::File;
  unsigned mode = 0;
  std::uint64_t size = 0;
  std::string sha256;  // files; known or computed during apply
  std::string target;  // symlinks
  fs::path source;     // absolute path in the package tree
  std::size_t package = 0;
  bool private_copy = false;  // files matching the package's private_files
};

// A tree-relative path against a `private_files` pattern: a glob whose `*`
// stays within one folder, or a folder that stands for everything under it.
bool matches_private(const std::string& pattern_raw, const std::string& rel) {
  std::string pattern = pattern_raw;
  while (pattern.starts_with("./")) pattern.erase(0, 2);
  while (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
  if (pattern.empty()) return false;
  if (::fnmatch(pattern.c_str(), rel.c_str(), FNM_PATHNAME) == 0) return true;
  // A folder (or a glob naming folders) covers what lies below it.
  for (auto slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
    if (::fnmatch(pattern.c_str(), rel.substr(0, slash).c_str(), FNM_PATHNAME) == 0) return true;
  return false;
}

std::string normalize_relative(std::string_view text) {
  std::string out = fs::path(std::string(text)).lexically_normal().generic_string();
  while (out.starts_with("./")) out.erase(0, 2);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (out == ".") out.clear();
  return out;
}

bool is_safe_relative(const std::string& path) {
  if (path.empty()) return true;
  if (path.front() == '/') return false;
  for (auto part : split(path, '/'))
    if (part == "..") return false;
  return true;
}

bool is_reserved(const std::string& path) {
  return path == kMetaDir || path.starts_with(std::string(kMetaDir) + "/");
}

enum class Kind { Add, Replace, Keep };

struct Planned {
  InstallPlan plan;
  std::string digest;
  std::vector<Kind> kinds;                               // per request package
  std::map<std::string, Entry> files;                    // files and symlinks, by prefix path
  std::map<std::string, std::vector<std::size_t>> dirs;  // folders and their packages
};

struct Walker {
  const Request& request;
  Planned& planned;
  // Every claimant of a non-folder path, to detect clashes after the walk.
  std::map<std::string, std::vector<Entry>> claims;

  Result<void> add_dir(const std::string& path, std::size_t package) {
    auto& owners = planned.dirs[path];
    if (owners.empty() || owners.back() != package) owners.push_back(package);
    return {};
  }

  Result<void> walk(std::size_t index) {
    const auto& pkg = request.packages[index];
    std::string subdir = normalize_relative(pkg.subdir);
    if (!is_safe_relative(subdir) || is_reserved(subdir))
      return fail_input("package `" + pkg.name + "`: install folder `" + pkg.subdir +
                            "` must be a relative path inside the prefix, not `.wharf`",
                        "use a folder such as share/" + pkg.name);
    std::set<std::string> skip;
    for (const auto& s : pkg.skip) skip.insert(normalize_relative(s));
    struct stat st {};
    if (::stat(pkg.tree.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail("package `" + pkg.name + "` " + pkg.version + ": its tree " + pkg.tree.string() +
                      " is missing or not a folder",
                  "run `wharf sync` again to fetch it (or `wharf cache verify`)");
    if (!subdir.empty()) {
      std::string path;
      for (auto part : split(subdir, '/')) {
        path += (path.empty() ? "" : "/") + std::string(part);
        WHARF_TRY_VOID(add_dir(path, index));
      }
    }
    return walk_dir(index, pkg, subdir, skip, pkg.tree, "");
  }

  Result<void> walk_dir(std::size_t index, const PackageTree& pkg, const std::string& subdir,
                        const std::set<std::string>& skip, const fs::path& dir,
                        const std::string& tree_rel) {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr)
      return fail("package `" + pkg.name + "`: cannot read " + dir.string() + ": " +
                  errno_text(errno));
    std::vector<std::pair<std::string, struct stat>> children;
    while (auto* de = ::readdir(handle)) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(handle), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        auto message = errno_text(errno);
        ::closedir(handle);
        return fail("package `" + pkg.name + "`: cannot read " + (dir / name).string() + ": " +
                    message);
      }
      children.emplace_back(std::move(name), st);
    }
    ::closedir(handle);
    for (auto& [name, st] : children) {
      std::string rel = tree_rel.empty() ? name : tree_rel + "/" + name;
      if (skip.contains(rel)) continue;
      std::string path = subdir.empty() ? rel : subdir + "/" + rel;
      if (is_reserved(path))
        return fail("package `" + pkg.name + "` " + pkg.version + " contains `" + path +
                        "`, a name wharf reserves for its own metadata",
                    "the package must not ship a top-level .wharf folder");
      fs::path source = dir / name;
      if (S_ISDIR(st.st_mode)) {
        WHARF_TRY_VOID(add_dir(path, index));
        WHARF_TRY_VOID(walk_dir(index, pkg, subdir, skip, source, rel));
        continue;
      }
      Entry entry;
      entry.package = index;
      entry.source = source;
      if (S_ISREG(st.st_mode)) {
        entry.type = EntryType::File;
        entry.mode = st.st_mode & 0777;
        entry.size = static_cast<std::uint64_t>(st.st_size);
        if (auto it = pkg.known_sha256.find(rel); it != pkg.known_sha256.end())
          entry.sha256 = it->second;
        for (const auto& pattern : pkg.private_files)
          if (matches_private(pattern, rel)) entry.private_copy = true;
        // A private copy is the user's to edit: owner-writable.
        if (entry.private_copy) entry.mode |= 0200;
      } else if (S_ISLNK(st.st_mode)) {
        std::error_code ec;
        auto target = fs::read_symlink(source, ec);
        if (ec)
          return fail("package `" + pkg.name + "`: cannot read the symlink " + source.string() +
                      ": " + ec.message());
        entry.type = EntryType::Symlink;
        entry.target = target.string();
      } else {
        return fail("package `" + pkg.name + "` " + pkg.version + " contains `" + rel +
                        "`, a device, fifo or socket, which wharf does not install",
                    "rebuild the package without special files");
      }
      claims[path].push_back(std::move(entry));
    }
    return {};
  }

  Result<void> settle() {
    for (auto& [path, entries] : claims) {
      if (auto dir = planned.dirs.find(path); dir != planned.dirs.end()) {
        const auto& file_pkg = request.packages[entries.front().package];
        const auto& dir_pkg = request.packages[dir->second.front()];
        return fail("file clash: `" + path + "` is a file in package `" + file_pkg.name + "` " +
                        file_pkg.version + " but a folder in package `" + dir_pkg.name + "` " +
                        dir_pkg.version,
                    "these packages cannot be installed in the same environment; remove one");
      }
      if (entries.size() == 1) {
        planned.files.emplace(path, std::move(entries.front()));
        continue;
      }
      auto winner = request.clash_winners.find(path);
      if (winner != request.clash_winners.end()) {
        auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
          return request.packages[e.package].name == winner->second;
        });
        if (it != entries.end()) {
          planned.plan.clashes_won.emplace(path, winner->second);
          planned.files.emplace(path, std::move(*it));
          continue;
        }
      }
      const auto& a = request.packages[entries[0].package];
      const auto& b = request.packages[entries[1].package];
      std::string hint = "remove one of them, or declare which package wins `" + path + "`";
      if (winner != request.clash_winners.end())
        hint = "the declared winner `" + winner->second + "` does not install `" + path +
               "`; name `" + a.name + "` or `" + b.name + "`";
      return fail("file clash: packages `" + a.name + "` " + a.version + " and `" + b.name + "` " +
                      b.version + " both install `" + path + "`",
                  hint);
    }
    return {};
  }
};

std::string request_digest(const Request& request) {
  std::vector<const PackageTree*> sorted;
  for (const auto& p : request.packages) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const PackageTree* a, const PackageTree* b) { return a->name < b->name; });
  std::string text = "wharf-install " + std::to_string(kFormat) + "\n";
  for (const auto* p : sorted) {
    text += "package " + p->name + '\0' + p->version + '\0' + p->id + '\0' +
            normalize_relative(p->subdir) + '\0';
    std::vector<std::string> skip;
    for (const auto& s : p->skip) skip.push_back(normalize_relative(s));
    std::sort(skip.begin(), skip.end());
    for (const auto& s : skip) text += s + '\0';
    for (const auto& pattern : p->private_files) text += "private " + pattern + '\0';
    text += '\n';
  }
  for (const auto& [path, name] : request.clash_winners)
    text += "winner " + normalize_relative(path) + '\0' + name + '\n';
  return sha256_hex(text);
}

Result<void> validate(const Request& request) {
  std::set<std::string> names;
  for (const auto& p : request.packages) {
    if (p.name.empty()) return fail_input("a package to install has an empty name");
    if (!names.insert(p.name).second)
      return fail_input("package `" + p.name + "` is listed twice for " + request.prefix.string(),
                        "each package may be installed once per environment");
  }
  for (const auto& name : request.reinstall)
    if (!names.contains(name)) {
      std::vector<std::string> candidates(names.begin(), names.end());
      auto close = closest_match(name, candidates);
      return fail_input("cannot reinstall `" + name + "`: it is not in the environment",
                        close ? "did you mean `" + *close + "`?" : "");
    }
  return {};
}

bool same_skip(std::vector<std::string> a, const std::vector<std::string>& b_raw) {
  std::vector<std::string> b;
  for (const auto& s : b_raw) b.push_back(normalize_relative(s));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

Result<Planned> make_plan(const Request& request, const std::optional<State>& state,
                          bool legacy_directory) {
  WHARF_TRY_VOID(validate(request));
  Planned planned;
  planned.digest = request_digest(request);
  std::map<std::string, const StatePackage*> installed;
  if (state)
    for (const auto& p : state->packages) installed.emplace(p.name, &p);
  for (const auto& p : request.packages) {
    auto it = installed.find(p.name);
    Kind kind = Kind::Add;
    if (it != installed.end()) {
      const auto& old = *it->second;
      bool same = old.version == p.version && old.id == p.id &&
                  old.subdir == normalize_relative(p.subdir) && same_skip(old.skip, p.skip);
      kind = same && !request.reinstall.contains(p.name) ? Kind::Keep : Kind::Replace;
    }
    planned.kinds.push_back(kind);
    (kind == Kind::Add    ? planned.plan.add
     : kind == Kind::Keep ? planned.plan.keep
                          : planned.plan.replace)
        .push_back(p.name);
  }
  std::set<std::string> desired;
  for (const auto& p : request.packages) desired.insert(p.name);
  for (const auto& [name, _] : installed)
    if (!desired.contains(name)) planned.plan.remove.push_back(name);
  for (auto* list :
       {&planned.plan.add, &planned.plan.remove, &planned.plan.replace, &planned.plan.keep})
    std::sort(list->begin(), list->end());

  planned.plan.up_to_date = state && !legacy_directory && state->digest == planned.digest &&
                            request.repair == Request::Repair::None && request.reinstall.empty();
  if (planned.plan.up_to_date) {
    planned.plan.entries = state->entries;
    return planned;
  }
  Walker walker{request, planned, {}};
  for (std::size_t i = 0; i < request.packages.size(); ++i) WHARF_TRY_VOID(walker.walk(i));
  WHARF_TRY_VOID(walker.settle());
  planned.plan.entries = planned.files.size() + planned.dirs.size();
  return planned;
}

// ---------------------------------------------------------------------------
// Writing the record and state of a new generation.

std::string state_json(const Request& request, const Planned& planned, std::size_t generation,
                       const std::string& link_mode) {
  json doc;
  doc["format"] = kFormat;
  doc["generation"] = generation;
  doc["digest"] = planned.digest;
  doc["link_mode"] = link_mode;
  doc["entries"] = planned.plan.entries;
  json packages = json::array();
  std::vector<const PackageTree*> sorted;
  for (const auto& p : request.packages) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const PackageTree* a, const PackageTree* b) { return a->name < b->name; });
  for (const auto* p : sorted) {
    std::vector<std::string> skip;
    for (const auto& s : p->skip) skip.push_back(normalize_relative(s));
    std::sort(skip.begin(), skip.end());
    packages.push_back({{"name", p->name},
                        {"version", p->version},
                        {"id", p->id},
                        {"subdir", normalize_relative(p->subdir)},
                        {"skip", skip}});
  }
  doc["packages"] = std::move(packages);
  return doc.dump(1) + "\n";
}

std::string record_json(const Request& request, const Planned& planned, std::size_t generation,
                        const std::string& link_mode) {
  std::vector<json> files(request.packages.size(), json::array());
  for (const auto& [path, owners] : planned.dirs)
    for (auto owner : owners) files[owner].push_back({path, "d", 0755, 0, ""});
  for (const auto& [path, e] : planned.files) {
    if (e.type == EntryType::File)
      files[e.package].push_back({path, "f", e.mode, e.size, e.sha256});
    else
      files[e.package].push_back({path, "l", 0, 0, e.target});
  }
  json doc;
  doc["format"] = kFormat;
  doc["generation"] = generation;
  doc["link_mode"] = link_mode;
  json packages = json::array();
  std::vector<std::size_t> order(request.packages.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return request.packages[a].name < request.packages[b].name;
  });
  for (auto i : order) {
    const auto& p = request.packages[i];
    packages.push_back(
        {{"name", p.name}, {"version", p.version}, {"id", p.id}, {"files", std::move(files[i])}});
  }
  doc["packages"] = std::move(packages);
  return doc.dump() + "\n";
}

// Files of a generation that is not visible yet need no temporary name: the
// swap publishes them. They are flushed so that a power loss right after the
// swap cannot leave an empty record (one journal commit on ext4).
Result<void> write_metadata(const fs::path& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot write " + path.string() + ": " + errno_text(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto message = errno_text(errno);
      ::close(fd);
      return fail("cannot write " + path.string() + ": " + message);
    }
    done += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  int saved = errno;
  if (::close(fd) != 0 || !synced)
    return fail("cannot write " + path.string() + ": " + errno_text(synced ? errno : saved));
  return {};
}

// ---------------------------------------------------------------------------
// Recovery and the swap.

Result<void> point_prefix_at(const EnvPaths& paths, std::size_t generation) {
  fs::path temp = paths.temp_link();
  ::unlink(temp.c_str());
  if (::symlink(paths.generation_name(generation).c_str(), temp.c_str()) != 0)
    return fail("cannot create " + temp.string() + ": " + errno_text(errno));
  crash_step();
  if (::rename(temp.c_str(), paths.prefix.c_str()) != 0)
    return fail("cannot switch " + paths.prefix.string() +
                " to its new generation: " + errno_text(errno));
  sync_directory(paths.envs);
  return {};
}

Result<void> recover_locked(const EnvPaths& paths) {
  std::error_code ec;
  if (!fs::exists(paths.envs, ec)) return {};
  // A prefix missing while a journal names a complete generation means the
  // very first swap was interrupted: finish it.
  struct stat st {};
  bool prefix_missing = ::lstat(paths.prefix.c_str(), &st) != 0 && errno == ENOENT;
  if (prefix_missing && fs::exists(paths.journal(), ec)) {
    auto text = read_file(paths.journal());
    if (text) {
      try {
        auto doc = json::parse(*text);
        auto next = paths.parse_generation(doc.at("new").get<std::string>());
        if (next && fs::exists(state_path(paths.generation(*next)), ec))
          WHARF_TRY_VOID(point_prefix_at(paths, *next));
      } catch (const json::exception&) {
        // An unreadable journal: nothing was swapped, roll back below.
      }
    }
  }
  auto current = WHARF_TRY(current_state(paths));
  // A temporary symlink, or the old directory swapped out of a legacy prefix.
  fs::path temp = paths.temp_link();
  if (::lstat(temp.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      detail::remove_tree(temp);
    else
      ::unlink(temp.c_str());
  }
  std::vector<fs::path> stale;
  for (auto it = fs::directory_iterator(paths.envs, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    auto n = paths.parse_generation(it->path().filename().string());
    if (n && !(current.kind == PrefixKind::Generation && *n == current.generation))
      stale.push_back(it->path());
  }
  for (const auto& dir : stale)
    if (!detail::remove_tree(dir))
      return fail("cannot remove the stale environment generation " + dir.string(),
                  "check its permissions and remove it by hand");
  ::unlink(paths.journal().c_str());
  return {};
}

// ---------------------------------------------------------------------------
// Building a generation.

bool content_matches(const fs::path& file, const RecordedEntry& recorded) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) return false;
  if (recorded.type == EntryType::Symlink) {
    if (!S_ISLNK(st.st_mode)) return false;
    std::error_code ec;
    return fs::read_symlink(file, ec).string() == recorded.data && !ec;
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0777) != recorded.mode ||
      static_cast<std::uint64_t>(st.st_size) != recorded.size)
    return false;
  auto digest = detail::hash_file(file);
  return digest && *digest == recorded.data;
}

struct Builder {
  const Request& request;
  Planned& planned;
  const Current& current;
  const Record& old_record;
  fs::path root;  // the new generation
  LinkMode mode = LinkMode::Hardlink;
  std::atomic<std::size_t> linked{0};
  std::atomic<std::size_t> kept{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> wrote_data{false};
  std::mutex error_mutex;
  std::optional<Error> error;

  void set_error(Error e) {
    std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
    failed = true;
  }

  // Hard-links the old generation's entry when it still holds the package's
  // bytes; returns false when the entry must come from the tree instead.
  bool carry(const std::string& path, Entry& entry) {
    if (current.root.empty() || planned.kinds[entry.package] != Kind::Keep) return false;
    auto it = old_record.entries.find(path);
    if (it == old_record.entries.end() || it->second.type != entry.type ||
        it->second.package != request.packages[entry.package].name)
      return false;
    fs::path old_file = current.root / path;
    if (request.repair == Request::Repair::All) {
      if (!content_matches(old_file, it->second)) return false;
    }
    if (::link(old_file.c_str(), (root / path).c_str()) != 0) return false;
    if (entry.type == EntryType::File) entry.sha256 = it->second.data;
    return true;
  }

  Result<void> place(const std::string& path, Entry& entry) {
    fs::path dest = root / path;
    if (entry.type == EntryType::Symlink) {
      if (::symlink(entry.target.c_str(), dest.c_str()) != 0)
        return fail("cannot create the symlink " + dest.string() + ": " + errno_text(errno));
      return {};
    }
    // A private copy is never a hard link into the cache (a reflink is a
    // private copy already: the first write unshares it).
    LinkMode file_mode = entry.private_copy && mode == LinkMode::Hardlink ? LinkMode::Copy : mode;
    auto fallback = WHARF_TRY(detail::place_file(entry.source, dest, file_mode, entry.mode));
    if (file_mode != LinkMode::Hardlink || fallback == detail::Fallback::Copied) wrote_data = true;
    if (entry.sha256.empty()) entry.sha256 = WHARF_TRY(detail::hash_file(entry.source));
    return {};
  }

  void run(std::vector<std::pair<const std::string*, Entry*>>& work) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (;;) {
        if (failed) return;
        std::size_t i = next.fetch_add(1);
        if (i >= work.size()) return;
        auto& [path, entry] = work[i];
        if (carry(*path, *entry)) {
          ++kept;
        } else {
          auto placed = place(*path, *entry);
          if (!placed) {
            set_error(placed.error());
            return;
          }
          ++linked;
        }
        crash_step();
      }
    };
    unsigned threads = std::clamp(std::thread::hardware_concurrency(), 2u, 4u);
    if (work.size() < 64) threads = 1;
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
};

// Hard-links (or copies) into the new generation every file of the old one
// that the record does not list: what the user added. Returns the paths a
// package now occupies, whose user version was dropped.
void carry_user_files(const fs::path& old_root, const fs::path& new_root, const Record& record,
                      const Planned& planned, const std::string& rel,
                      std::vector<std::string>& dropped) {
  std::error_code ec;
  fs::path dir = rel.empty() ? old_root : old_root / rel;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (rel.empty() && name == kMetaDir) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    auto recorded = record.entries.find(path);
    if (S_ISDIR(st.st_mode)) {
      bool known = planned.dirs.contains(path) ||
                   (recorded != record.entries.end() && recorded->second.type == EntryType::Dir);
      if (!known) {
        fs::path made = new_root / path;
        std::error_code parent_ec;
        fs::create_directories(made.parent_path(), parent_ec);
        if (::mkdir(made.c_str(), st.st_mode & 07777) != 0) {
          if (errno != EEXIST) continue;
          struct stat made_st {};
          if (::lstat(made.c_str(), &made_st) != 0 || !S_ISDIR(made_st.st_mode)) {
            dropped.push_back(path);
            continue;
          }
        }
      }
      carry_user_files(old_root, new_root, record, planned, path, dropped);
      continue;
    }
    if (recorded != record.entries.end()) continue;
    if (planned.files.contains(path)) {
      dropped.push_back(path);
      continue;
    }
    fs::path dest = new_root / path;
    std::error_code made;
    fs::create_directories(dest.parent_path(), made);
    if (::link(it->path().c_str(), dest.c_str()) != 0) {
      if (S_ISREG(st.st_mode) && detail::copy_file(it->path(), dest, st.st_mode & 07777)) continue;
      dropped.push_back(path);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API.

std::string installed_digest(const fs::path& prefix) {
  auto paths = env_paths(prefix);
  if (!paths) return {};
  struct stat st {};
  if (::lstat(paths->prefix.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return {};
  // The digest file is written with the state; 64 bytes, no parsing.
  int fd = ::open(digest_path(paths->prefix).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buffer[128];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n < 64) return {};
  return std::string(buffer, 64);
}

std::string request_digest_of(const Request& request) {
  return request_digest(request);
}

Result<bool> is_up_to_date(const Request& request) {
  if (request.repair != Request::Repair::None || !request.reinstall.empty()) return false;
  WHARF_TRY(env_paths(request.prefix));
  auto installed = installed_digest(request.prefix);
  return !installed.empty() && installed == request_digest(request);
}

Result<InstallPlan> plan(const Request& request) {
  auto paths = WHARF_TRY(env_paths(request.prefix));
  auto current = WHARF_TRY(current_state(paths));
  std::optional<State> state;
  if (!current.root.empty()) state = WHARF_TRY(read_state(current.root));
  auto planned = WHARF_TRY(make_plan(request, state, current.kind == PrefixKind::Directory));
  return std::move(planned.plan);
}

Result<void> recover(const fs::path& prefix) {
  auto paths = WHARF_TRY(env_paths(prefix));
  std::error_code ec;
  if (!fs::exists(paths.envs, ec)) return {};
  auto lock = WHARF_TRY(FileLock::acquire(paths.lock()));
  return recover_locked(paths);
}

Result<ApplyReport> apply(const Request& request) {
  init_crash_hook();
  auto paths = WHARF_TRY(env_paths(request.prefix));
  std::error_code ec;
  fs::create_directories(paths.envs, ec);
  if (ec)
    return fail("cannot create " + paths.envs.string() + ": " + ec.message(),
                "check that the project folder is writable");
  auto lock = WHARF_TRY(FileLock::acquire(paths.lock()));
  WHARF_TRY_VOID(recover_locked(paths));
  auto current = WHARF_TRY(current_state(paths));
  std::optional<State> state;
  if (!current.root.empty()) state = WHARF_TRY(read_state(current.root));
  auto planned = WHARF_TRY(make_plan(request, state, current.kind == PrefixKind::Directory));

  ApplyReport report;
  report.generation = current.generation;
  if (planned.plan.up_to_date) {
    report.plan = std::move(planned.plan);
    report.link_mode = state ? state->link_mode : "";
    return report;
  }

  Record old_record;
  if (current.kind == PrefixKind::Generation) {
    auto record = read_record(current.root);
    if (record) old_record = std::move(*record);  // a lost record: everything is relinked
  }

  std::size_t generation = current.generation + 1;
  fs::path root = paths.generation(generation);
  detail::remove_tree(root);
  if (::mkdir(root.c_str(), 0755) != 0)
    return fail("cannot create " + root.string() + ": " + errno_text(errno));
  crash_step();
  auto cleanup_on_error = [&](Error error) -> Result<ApplyReport> {
    detail::remove_tree(root);
    return std::unexpected(std::move(error));
  };

  for (const auto& [path, _] : planned.dirs) {
    fs::path dir = root / path;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return cleanup_on_error(
          Error{ErrorKind::Failure, "cannot create " + dir.string() + ": " + errno_text(errno)});
  }
  ::mkdir((root / kMetaDir).c_str(), 0755);

  Builder builder{request, planned, current, old_record, root};
  builder.mode = LinkMode::Copy;
  std::string link_mode = state ? state->link_mode : "";
  std::vector<std::pair<const std::string*, Entry*>> work;
  work.reserve(planned.files.size());
  const Entry* first_new = nullptr;
  for (auto& [path, entry] : planned.files) {
    work.emplace_back(&path, &entry);
    if (!first_new && entry.type == EntryType::File && planned.kinds[entry.package] != Kind::Keep)
      first_new = &entry;
  }
  if (first_new == nullptr)
    for (auto& [path, entry] : planned.files)
      if (entry.type == EntryType::File) {
        first_new = &entry;
        break;
      }
  if (first_new != nullptr) {
    auto mode = detail::probe_link_mode(first_new->source, root / kMetaDir);
    if (!mode) return cleanup_on_error(mode.error());
    builder.mode = *mode;
  }
  builder.run(work);
  if (builder.error) return cleanup_on_error(*builder.error);
  if (builder.linked > 0) link_mode = detail::to_string(builder.mode);

  if (!current.root.empty())
    carry_user_files(current.root, root, old_record, planned, "", report.user_files_replaced);

  auto written =
      write_metadata(record_path(root), record_json(request, planned, generation, link_mode));
  if (!written) return cleanup_on_error(written.error());
  crash_step();
  written = write_metadata(state_path(root), state_json(request, planned, generation, link_mode));
  if (!written) return cleanup_on_error(written.error());
  written = write_metadata(digest_path(root), planned.digest + "\n");
  if (!written) return cleanup_on_error(written.error());
  crash_step();
  if (builder.wrote_data) {
    // Make copied bytes durable before the generation becomes visible. Hard
    // links and renames are metadata, which journaling file systems commit in
    // order, so a hard-linked generation needs no flush of the whole disk.
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::syncfs(fd);
      ::close(fd);
    }
  }

  json journal;
  journal["old"] = current.kind == PrefixKind::Generation
                       ? paths.generation_name(current.generation)
                       : std::string();
  journal["new"] = paths.generation_name(generation);
  written = write_file_atomic(paths.journal(), journal.dump() + "\n");
  if (!written) return cleanup_on_error(written.error());
  crash_step();

  if (current.kind == PrefixKind::Directory) {
    // An unmanaged folder (its files were carried over as user files): swap
    // it out atomically, then delete it.
    fs::path temp = paths.temp_link();
    ::unlink(temp.c_str());
    if (::symlink(paths.generation_name(generation).c_str(), temp.c_str()) != 0 ||
        ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, paths.prefix.c_str(), RENAME_EXCHANGE) != 0)
      return cleanup_on_error(Error{ErrorKind::Failure,
                                    "cannot replace the folder " + paths.prefix.string() +
                                        " with a managed environment: " + errno_text(errno),
                                    "move the folder away and run again"});
    sync_directory(paths.envs);
    crash_step();
    detail::remove_tree(temp);
  } else {
    auto swapped = point_prefix_at(paths, generation);
    if (!swapped) return cleanup_on_error(swapped.error());
    crash_step();
    if (current.kind == PrefixKind::Generation) detail::remove_tree_parallel(current.root);
  }
  crash_step();
  ::unlink(paths.journal().c_str());

  report.plan = std::move(planned.plan);
  report.files_linked = builder.linked;
  report.files_kept = builder.kept;
  report.link_mode = link_mode;
  report.generation = generation;
  return report;
}

Result<VerifyReport> verify(const fs::path& prefix) {
  auto paths = WHARF_TRY(env_paths(prefix));
  // A shared lock: verify waits for a running apply() instead of reading a
  // generation that is being deleted.
  std::optional<FileLock> lock;
  std::error_code ec;
  if (fs::exists(paths.envs, ec))
    lock.emplace(WHARF_TRY(FileLock::acquire(paths.lock(), FileLock::Mode::Shared)));
  auto record = WHARF_TRY(read_record(paths.prefix));
  VerifyReport report;
  std::vector<std::pair<const std::string*, const RecordedEntry*>> entries;
  for (const auto& [path, entry] : record.entries) entries.emplace_back(&path, &entry);
  std::vector<std::optional<FileProblem::Kind>> results(entries.size());

  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= entries.size()) return;
      const auto& [path, recorded] = entries[i];
      fs::path file = paths.prefix / *path;
      struct stat st {};
      if (::lstat(file.c_str(), &st) != 0) {
        results[i] = FileProblem::Kind::Missing;
        continue;
      }
      bool type_ok = recorded->type == EntryType::Dir       ? S_ISDIR(st.st_mode)
                     : recorded->type == EntryType::Symlink ? S_ISLNK(st.st_mode)
                                                            : S_ISREG(st.st_mode);
      if (!type_ok) {
        results[i] = FileProblem::Kind::TypeChanged;
        continue;
      }
      if (recorded->type != EntryType::Dir && !content_matches(file, *recorded))
        results[i] = FileProblem::Kind::Modified;
    }
  };
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 2u, 4u);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  std::set<std::string> reported_dirs;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].second->type != EntryType::Dir) ++report.files_checked;
    if (!results[i]) continue;
    // Below a missing or retyped folder, everything is missing: report the folder.
    bool below = false;
    for (const auto& dir : reported_dirs)
      if (entries[i].first->starts_with(dir + "/")) below = true;
    if (below) continue;
    if (entries[i].second->type == EntryType::Dir) reported_dirs.insert(*entries[i].first);
    report.problems.push_back({*results[i], *entries[i].first, entries[i].second->package});
  }

  ec.clear();
  fs::path root = paths.prefix;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = it->path().lexically_relative(root).generic_string();
    if (rel == kMetaDir) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code type_ec;
    bool is_dir = it->is_directory(type_ec) && !it->is_symlink(type_ec);
    auto recorded = record.entries.find(rel);
    if (recorded != record.entries.end()) {
      if (is_dir && recorded->second.type != EntryType::Dir) it.disable_recursion_pending();
      continue;
    }
    bool under_reported = false;
    for (const auto& dir : reported_dirs)
      if (rel.starts_with(dir + "/")) under_reported = true;
    if (under_reported) continue;
    if (!is_dir) report.problems.push_back({FileProblem::Kind::Extra, rel, ""});
  }
  std::sort(report.problems.begin(), report.problems.end(),
            [](const FileProblem& a, const FileProblem& b) { return a.path < b.path; });
  return report;
}

}  // namespace wharf::install
