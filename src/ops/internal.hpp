// Pieces shared by the operations in src/ops/; not a public header.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wharf/install/installer.hpp"
#include "wharf/lockfile/lockfile.hpp"
#include "wharf/manifest/manifest.hpp"
#include "wharf/ops/ops.hpp"
#include "wharf/solve/derivation.hpp"
#include "wharf/source/registry.hpp"
#include "wharf/store/store.hpp"

namespace wharf::ops {

// The registries a manifest declares, opened lazily and looked up by name or URL.
// With a cache folder, parsed index files are kept under `<cache>/index-cache`.
class RegistrySet {
 public:
  RegistrySet(std::filesystem::path manifest_root, std::vector<manifest::RegistryDecl> decls,
              std::filesystem::path cache_dir = {})
      : m_root(std::move(manifest_root)),
        m_decls(std::move(decls)),
        m_cache_dir(std::move(cache_dir)) {}
  const std::vector<manifest::RegistryDecl>& decls() const { return m_decls; }
  Result<source::Registry*> by_name(const std::string& name);
  // For lockfile entries: the registry with this URL (opened even when the
  // manifest no longer declares it, so --frozen needs only the lock).
  Result<source::Registry*> by_url(const std::string& url);

 private:
  std::filesystem::path m_root;
  std::vector<manifest::RegistryDecl> m_decls;
  std::filesystem::path m_cache_dir;
  std::map<std::string, std::unique_ptr<source::Registry>> m_open;  // by URL
};

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

// Reports +/~/- lines for the difference between two locks.
void report_lock_changes(Reporter& reporter, const lockfile::Lockfile* before,
                         const lockfile::Lockfile& after);

// What wharf.lock says environment `env` holds on this platform, as an
// install request over the store's trees (which may not be unpacked yet).
// `locked[i]` is the lock entry and artifact of `request.packages[i]`.
struct LockedEnvironment {
  struct Entry {
    const lockfile::LockedPackage* package;
    const lockfile::LockedArtifact* artifact;
  };
  std::vector<Entry> locked;
  install::Request request;
};
Result<LockedEnvironment> locked_environment(const Context& context, const lockfile::Lockfile& lock,
                                             const std::string& env, const store::Store& store);

// "12 ms", "1.3 s"
std::string format_duration(std::chrono::steady_clock::duration elapsed);

}  // namespace wharf::ops
