// The operations users run, composed from the core modules.
//
// Data flows one way (ARCHITECTURE.md): manifest -> resolve (registries as the
// solver's provider) -> lockfile -> store (verified, unpacked artifacts) ->
// install (the environment prefix). Each operation reports what it does
// through a Reporter supplied by the caller and returns a Result; nothing
// here prints or exits, so tests can drive it and `cli` decides the output.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::ops {

enum class ChangeKind { Added, Removed, Changed };

// One download's progress, for progress bars (cli draws them on a terminal).
struct TransferProgress {
  std::size_t id = 0;       // distinct among the transfers of one fetch
  std::string label;        // "hello 1.2.0"
  std::uint64_t bytes = 0;  // received so far
  std::uint64_t total = 0;  // expected bytes, 0 when unknown
  bool done = false;        // the last event of this transfer (finished or failed)
};

// Receives what an operation does. The default implementation ignores it all.
class Reporter {
 public:
  virtual ~Reporter() = default;
  // One line per step: verb ("Resolved", "Installed") and detail.
  virtual void step(std::string_view verb, std::string_view detail) { (void)verb, (void)detail; }
  // A package that was added, removed or changed version.
  virtual void change(ChangeKind kind, std::string_view name, std::string_view old_version,
                      std::string_view new_version) {
    (void)kind, (void)name, (void)old_version, (void)new_version;
  }
  virtual void warning(std::string_view message) { (void)message; }
  // Extra detail shown with -v.
  virtual void detail(std::string_view message) { (void)message; }
  // Downloads in flight; called often (about ten times a second per
  // transfer), always from the thread that runs the operation.
  virtual void progress(const TransferProgress& event) { (void)event; }
};

struct Context {
  // The folder holding wharf.yaml (cli finds it by searching upward).
  std::filesystem::path project_dir;
  // Root of the global cache (store::default_root() unless overridden).
  std::filesystem::path cache_dir;
  Reporter* reporter = nullptr;  // never null when an operation runs
  // --offline: only the cache (and file: sources) may be read.
  bool offline = false;
  // Parallel transfers; 0 means $WHARF_CONCURRENCY, else 16.
  int jobs = 0;
};

// Searches `start` and its parents for wharf.yaml; Failure when none.
Result<std::filesystem::path> find_project(const std::filesystem::path& start);

enum class Resolution { Highest, Lowest, LowestDirect };
enum class Prereleases { IfNamed, Allow };

struct LockOptions {
  Resolution resolution = Resolution::Highest;
  Prereleases prereleases = Prereleases::IfNamed;
  std::set<std::string> update;  // `--update NAME`: move only these (and what they must)
  bool update_all = false;       // `--update` without names: ignore every locked version
  bool check = false;            // `--check`: exit 1 when stale, write nothing
  bool dry_run = false;          // compute and report, write nothing
  bool refresh = false;          // `--refresh`: revalidate cached index files even while fresh
};

struct LockResult {
  bool changed = false;   // the lockfile's bytes changed (or would, with dry_run)
  bool resolved = false;  // the solver ran (the lock was stale or an update was asked)
  std::size_t package_count = 0;
};

Result<LockResult> lock(const Context& context, const LockOptions& options);

enum class LockMode {
  Auto,    // re-lock when stale
  Locked,  // fail (exit 1) when the lock would change
  Frozen,  // install exactly what the lock says; do not read the manifest's constraints
};

struct SyncOptions {
  LockMode mode = LockMode::Auto;
  LockOptions lock;
  std::vector<std::string> environments;  // empty: "default"
  bool all_environments = false;
  bool repair = false;
  std::set<std::string> reinstall;
};

struct SyncResult {
  bool lock_changed = false;
  bool environment_changed = false;
};

Result<SyncResult> sync(const Context& context, const SyncOptions& options);

// The variables `wharf run` and `wharf shell` set, given the current ones.
Result<std::map<std::string, std::string>> activation_environment(
    const Context& context, const std::string& environment,
    const std::map<std::string, std::string>& current);

// The prefix of an environment: <project>/.wharf/envs/<env>.
std::filesystem::path environment_prefix(const std::filesystem::path& project_dir,
                                         const std::string& environment);

// `wharf init`: writes a starter wharf.yaml in `dir` (Failure when one exists).
Result<std::filesystem::path> init(const std::filesystem::path& dir, const std::string& name);

// `wharf pack SRC -o DIR`: archives a package folder (with wharf-package.yaml)
// as DIR/<name>-<version>-<platform>.<ext>.
struct PackOptions {
  std::string format = "tar.gz";  // tar.gz, tar.xz, tar.zst, tar.bz2, zip
};
Result<std::filesystem::path> pack(const std::filesystem::path& source_dir,
                                   const std::filesystem::path& output_dir,
                                   const PackOptions& options);

// `wharf registry index DIR`: writes registry.yaml and index/<name>.yaml for
// every package archive found under DIR.
struct IndexSummary {
  std::size_t packages = 0;
  std::size_t versions = 0;
};
Result<IndexSummary> registry_index(const std::filesystem::path& dir, const std::string& name);

}  // namespace wharf::ops

namespace wharf::ops {

// `wharf verify`: problems found in an environment, checked against its
// record of installed files and against wharf.lock.
struct FileIssue {
  std::string kind;  // "modified", "missing", "extra", "type-changed", "stale"
  std::string path;  // prefix-relative (empty for "stale")
  std::string package;
};
Result<std::vector<FileIssue>> verify(const Context& context, const std::string& environment);

// `wharf cache ...`
struct CacheReport {
  std::size_t removed_entries = 0;
  std::uint64_t freed_bytes = 0;
};
Result<CacheReport> cache_clean(const std::filesystem::path& cache_dir);
Result<CacheReport> cache_prune(const std::filesystem::path& cache_dir,
                                std::chrono::seconds max_age);

}  // namespace wharf::ops

namespace wharf::ops {

// `wharf tree`, `wharf why`, `wharf outdated`: looking at a locked environment.
//
// All three read wharf.lock (Failure when there is none: "run `wharf lock`")
// and wharf.yaml (for the project's direct dependencies and their
// constraints). A stale lock is shown as it is, with a warning through the
// reporter. The platform is the current one unless `platform` names another
// locked one (Input error otherwise, with the locked platforms as the hint);
// an unknown environment is an Input error with "did you mean".

struct InspectOptions {
  std::string environment = "default";
  std::string platform;  // empty: the current platform
};

// One node of a dependency tree. The root is the project (version empty) in
// a normal tree, or the inverted package in `--invert`.
struct TreeNode {
  std::string name;
  std::string version;  // the project's own version may be empty
  bool is_project = false;
  bool repeated = false;           // shown before with its dependencies: children elided ("(*)")
  bool truncated = false;          // has dependencies that --depth cut off
  std::vector<TreeNode> children;  // sorted by name
};

struct TreeOptions {
  InspectOptions inspect;
  int depth = -1;      // levels below the root to show; -1: all
  std::string invert;  // non-empty: who depends on this package, up to the project
};

struct Tree {
  std::string project;
  std::string environment;
  std::string platform;
  TreeNode root;
};

Result<Tree> tree(const Context& context, const TreeOptions& options);

// One step of a path from the project to a package: the package and the
// constraint its parent put on it (empty for the project; empty when the
// registry's index cannot be read).
struct PathStep {
  std::string name;
  std::string version;
  std::string constraint;
};

struct WhyReport {
  std::string project;
  std::string environment;
  std::string platform;
  std::string package;
  std::string version;
  std::vector<std::vector<PathStep>> paths;  // each starts with the project
  bool truncated = false;                    // more paths than kMaxWhyPaths exist
};
inline constexpr std::size_t kMaxWhyPaths = 100;

// Every path from the project to `name`; Input error with "did you mean" (or
// "it is in environment X") when `name` is not in the environment.
Result<WhyReport> why(const Context& context, const std::string& name,
                      const InspectOptions& options);

struct OutdatedPackage {
  std::string name;
  std::string locked;   // the version in wharf.lock
  std::string allowed;  // what `wharf lock --update` would pick (empty: it would be dropped)
  std::string latest;   // the newest non-yanked release with an artifact for the platform
  bool direct = false;  // a dependency wharf.yaml names
  bool outdated() const { return locked != allowed || locked != latest; }
};

struct OutdatedReport {
  std::string project;
  std::string platform;
  std::vector<OutdatedPackage> packages;  // every locked package on the platform, by name
};

// Solves the manifest as `wharf lock --update` would (writing nothing) and
// reads each package's index from its registry.
Result<OutdatedReport> outdated(const Context& context, const InspectOptions& options);

// Reporter extension: a change with the reason for it ("new dependency of
// demo", "--update", "constraint changed in wharf.yaml", "no longer
// required"). The default forwards to change() without the reason.
class ExplainingReporter : public Reporter {
 public:
  // Whether explained_change() will show the reason; finding one costs index
  // lookups, so it is not worked out when it would be dropped.
  virtual bool wants_reasons() const { return true; }
  virtual void explained_change(ChangeKind kind, std::string_view name,
                                std::string_view old_version, std::string_view new_version,
                                std::string_view reason) {
    (void)reason;
    change(kind, name, old_version, new_version);
  }
};

}  // namespace wharf::ops
