// Getting the trees an environment needs into the store (private to src/ops/).
//
// fetch_trees() takes one TreeJob per package: what it is, how to get its
// tree (today a registry artifact, local or remote; other kinds of source go
// beside ArtifactSource), and returns with every job's `tree` set to its
// unpacked tree in the store. It works in one parallel phase:
//
//   - a tree already in the store costs nothing;
//   - a download already in the store, or a local artifact (file:
//     registries, imported and verified), is unpacked by a small thread pool;
//   - remote artifacts are downloaded by one net::Client (at most
//     Context::jobs at once, else $WHARF_CONCURRENCY, else 16), each streamed
//     to a temporary file in the store and sha256-verified as it arrives;
//     as soon as one has arrived it is adopted into the store and unpacked by
//     the pool while the other transfers go on. Each download is first
//     claimed with a lock in the store; one that another wharf process is
//     downloading is waited for afterwards and its file used (fetched only
//     if that process failed), so processes sharing a cache fetch a file once.
//
// With Context::offline a remote artifact that is not cached is an error
// naming every such artifact; nothing is downloaded. A failure of any job
// fails the call with the first failing job's error (in job order); what
// other jobs stored is complete and verified, so the cache stays valid, and
// a failed download leaves no entry and no temporary file behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "wharf/ops/ops.hpp"
#include "wharf/store/store.hpp"

namespace wharf::ops {

// A registry artifact, as wharf.lock records it.
struct ArtifactSource {
  std::string location;    // a local file, or an http(s):// URL
  std::string sha256;      // what the bytes must hash to
  std::uint64_t size = 0;  // expected bytes; 0 when unknown
  std::string auth_name;   // whose credentials to send (a registry name), or empty
  std::string origin;      // "registry `main` (https://...)", for messages
};

struct TreeJob {
  std::string package;         // the package name, for hints
  std::string label;           // "hello 1.2.0", for messages and progress
  ArtifactSource artifact;     // how to get the tree
  std::filesystem::path tree;  // set by fetch_trees(): the tree in the store
};

struct FetchSummary {
  std::size_t fetched = 0;     // jobs whose tree was not in the store yet
  std::size_t downloaded = 0;  // of those, downloaded over the network
  std::uint64_t bytes = 0;     // bytes downloaded
};

Result<FetchSummary> fetch_trees(const Context& context, store::Store& store,
                                 std::vector<TreeJob>& jobs);

// http:// or https://
bool is_remote_location(const std::string& location);

}  // namespace wharf::ops
