// Pieces shared by the operations in src/ops/; not a public header.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wharf/install/installer.hpp"
#include "wharf/lockfile/lockfile.hpp"
#include "wharf/manifest/manifest.hpp"
#include "wharf/ops/ops.hpp"
#include "wharf/solve/derivation.hpp"
#include "wharf/source/direct.hpp"
#include "wharf/source/registry.hpp"
#include "wharf/store/store.hpp"
#include "wharf/util/fs.hpp"

namespace wharf::ops {

// The registries a manifest declares, opened lazily and looked up by name or URL.
// With a cache folder, parsed index files are kept under `<cache>/index-cache`.
class RegistrySet {
 public:
  RegistrySet(std::filesystem::path manifest_root, std::vector<manifest::RegistryDecl> decls,
              source::RegistryOptions options = {})
      : m_root(std::move(manifest_root)),
        m_decls(std::move(decls)),
        m_options(std::move(options)) {}
  const std::vector<manifest::RegistryDecl>& decls() const { return m_decls; }
  // The cache and network policy for sources (git mirrors, url downloads).
  const source::RegistryOptions& options() const { return m_options; }
  Result<source::Registry*> by_name(const std::string& name);
  // For lockfile entries: the registry with this URL (opened even when the
  // manifest no longer declares it, so --frozen needs only the lock).
  Result<source::Registry*> by_url(const std::string& url);
  // The registry index behind a lockfile entry: nullptr for git, url and
  // path packages (they have none) and when the registry lacks the package.
  Result<std::shared_ptr<const manifest::PackageIndex>> index_of(
      const lockfile::LockedPackage& package);
  // The registries opened so far, in URL order.
  std::vector<const source::Registry*> opened() const {
    std::vector<const source::Registry*> out;
    for (const auto& [url, registry] : m_open) out.push_back(registry.get());
    return out;
  }

 private:
  std::filesystem::path m_root;
  std::vector<manifest::RegistryDecl> m_decls;
  source::RegistryOptions m_options;
  std::map<std::string, std::unique_ptr<source::Registry>> m_open;  // by URL
};

// What registries opened for this operation may use: the cache, --offline, -j.
source::RegistryOptions registry_options(const Context& context);

// With -v: per registry that fetched index files, how many were fresh in the
// cache, revalidated, downloaded (and not found).
void report_index_stats(Reporter& reporter, const RegistrySet& registries);

// Solves the manifest for every locked platform and every environment and
// returns the new lockfile. `previous` supplies locked preferences.
Result<lockfile::Lockfile> resolve_lockfile(const manifest::Manifest& manifest,
                                            RegistrySet& registries,
                                            const lockfile::Lockfile* previous,
                                            const LockOptions& options);

// Error::details of a failed solve, as JSON text (schemas/unsatisfiable.schema.json):
//   {"kind": "unsatisfiable", "project", "platform", "explanation" (the text
//    printed), "root" (id of the final node), "nodes": [{"id", "kind" (root |
//    no_versions | dependency | derived), "text" (the node's own sentence),
//    "terms": [{"package", "positive", "versions"}], "line" (its "(N)" in the
//    explanation, or null), "causes" ([id, id] for derived, else []),
//    "package", "versions", "dependency", "constraint" (external facts)}]}
// Causes come before the nodes they explain.
std::string unsolvable_details(const solve::Unsolvable& unsolvable, const std::string& project,
                               const std::string& platform);

// The platforms a manifest locks: its `platforms:` or the current one.
std::vector<std::string> locked_platforms(const manifest::Manifest& manifest);

// Reports +/~/- lines for the difference between two locks (a git package's
// version is shown with its commit).
void report_lock_changes(Reporter& reporter, const lockfile::Lockfile* before,
                         const lockfile::Lockfile& after);

// What wharf.lock says environment `env` holds on this platform, as an
// install request over the store's trees (which may not be unpacked yet).
// `locked[i]` is the lock entry and artifact of `request.packages[i]`.
struct LockedEnvironment {
  struct Entry {
    const lockfile::LockedPackage* package;
    const lockfile::LockedArtifact* artifact;
    // Git and path packages lock no artifact: this one stands in, its sha256
    // being the package's store key (tree id), and `artifact` points to it.
    std::shared_ptr<const lockfile::LockedArtifact> store_key = nullptr;
  };
  std::vector<Entry> locked;
  install::Request request;
};
Result<LockedEnvironment> locked_environment(const Context& context, const lockfile::Lockfile& lock,
                                             const std::string& env, const store::Store& store);

// The sync stamp (stamp.cpp): lets a no-op sync or run skip parsing wharf.yaml
// and wharf.lock (FileIdentity: util/fs.hpp).
struct ProjectFiles {
  FileIdentity manifest, lock;
};
// wharf.yaml and wharf.lock of a project; take it BEFORE reading them.
ProjectFiles project_files(const std::filesystem::path& project_dir);
struct SyncStamp {
  std::string environment_digest;
  std::vector<std::pair<std::string, std::string>> env;  // the manifest's `env:`
};
// The stamp of `env` when it proves the environment matches wharf.yaml and
// wharf.lock as they are now; nullopt means "do the full check".
std::optional<SyncStamp> read_valid_stamp(const std::filesystem::path& project_dir,
                                          const std::string& env);
// Records that `env` is in sync with the files identified by `files` (taken
// before they were read). Best effort: a failure only costs the fast path.
void write_stamp(const std::filesystem::path& project_dir, const std::string& env,
                 const ProjectFiles& files,
                 const std::vector<std::pair<std::string, std::string>>& manifest_env);
void remove_stamp(const std::filesystem::path& project_dir, const std::string& env);

// ---- git, url and path packages (src/ops/direct.cpp) ----------------------

// A direct package resolved for the solve: one fixed candidate, and what
// wharf.lock records of its source.
struct ResolvedDirect {
  source::DirectPackage package;
  lockfile::LockedSource source;
  std::optional<lockfile::LockedArtifact> artifact;  // url packages only
};
using DirectPackages = std::map<std::string, ResolvedDirect>;

// Resolves every git, url and path dependency of the environments (env ->
// dependencies): git refs to commits (keeping the commit `previous` locked
// for the same URL and ref unless the package is named by `--update`), url
// archives downloaded into the store and checked against their sha256, path
// folders read. A name may have one source across all environments.
Result<DirectPackages> resolve_direct_packages(
    const manifest::Manifest& manifest,
    const std::map<std::string, std::vector<manifest::DependencySpec>>& env_deps,
    const lockfile::Lockfile* previous, const LockOptions& options,
    const source::RegistryOptions& cache);

// Why a lock that matches the manifest is still stale because of a path
// dependency: its wharf-package.yaml now gives another version, layout or
// set of dependencies than the lock recorded. nullopt when nothing changed
// (or the folder cannot be read: the install step reports that).
std::optional<std::string> path_sources_changed(const manifest::Manifest& manifest,
                                                const lockfile::Lockfile& lock);

// Fills the install entry of a locked git, url or path package: its store
// key (git-<commit>, the archive's sha256, path-<content hash>), tree path
// and layout (prefix root, or share/<name>/) when it can be known without
// fetching (else the root, until fetch_direct_packages() settles it). Reads
// path folders (to hash them) but writes nothing.
Result<void> describe_locked_direct(const Context& context, LockedEnvironment::Entry& entry,
                                    install::PackageTree& tree, const store::Store& store);

// Puts the trees of the git, url and path packages among `locked` into the
// store when they are missing (fetching mirrors, downloading and verifying
// archives, copying folders) and sets their layout from the tree. Registry
// packages are left alone. `request.packages[i]` belongs to `locked[i]`.
Result<void> fetch_direct_packages(const Context& context,
                                   const std::vector<LockedEnvironment::Entry>& locked,
                                   install::Request& request, store::Store& store);

// report_lock_changes() with the reason for each change when `reporter` is
// an ExplainingReporter: why a package was added, changed or removed, judged
// from the manifest, the options of this lock and the registries' indexes
// (src/ops/lock_changes.cpp, as is the plain overload above).
struct ChangeCauses {
  const manifest::Manifest& manifest;
  RegistrySet& registries;
  const LockOptions& options;
};
void report_lock_changes(Reporter& reporter, const lockfile::Lockfile* before,
                         const lockfile::Lockfile& after, const ChangeCauses& causes);

// "12 ms", "1.3 s"
std::string format_duration(std::chrono::steady_clock::duration elapsed);
// "3 packages", "1 package"
std::string plural(std::size_t n, const char* word);

}  // namespace wharf::ops
