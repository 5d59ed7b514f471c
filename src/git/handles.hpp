// Private RAII wrappers for libgit2 handles. Only src/git/ includes git2.h;
// the public header stays C-free.
#pragma once

#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>

#include "wharf/util/error.hpp"

namespace wharf::git::detail {

// Initializes libgit2 once per process (thread-safe); call before any use.
void ensure_init();

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* handle) const {
    if (handle != nullptr) Free(handle);
  }
};

using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ReferencePtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using ConfigPtr = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;
using RefIterPtr = std::unique_ptr<git_reference_iterator,
                                   Deleter<git_reference_iterator, git_reference_iterator_free>>;

// A git_buf disposed on destruction.
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr != nullptr ? std::string(buf.ptr, buf.size) : ""; }
};

// libgit2's last error message for this thread, never empty.
std::string last_error_text();

// Opens a bare mirror; fails naming the path.
Result<RepoPtr> open_mirror(const std::filesystem::path& mirror);

// Looks up a commit by full or short hex id; nullptr when absent or not a commit.
// Sets *error_code (when given) to 0, GIT_ENOTFOUND or GIT_EAMBIGUOUS.
CommitPtr find_commit(git_repository* repo, const std::string& id, int* error_code);

// Lower-case hex of an object id.
std::string oid_hex(const git_oid* oid);

}  // namespace wharf::git::detail
