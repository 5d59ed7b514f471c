// Private RAII wrappers for libgit2 handles. Only src/git/ includes git2.h;
// the public header stays C-free. libgit2's functions are called through
// WHARF_GIT(name), which resolves them on first use when the build loads
// libgit2 lazily (WHARF_LAZY_LIBS, wharf/util/lazy_library.hpp).
#pragma once

#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>

#include "wharf/util/error.hpp"
#include "wharf/util/lazy_library.hpp"

namespace wharf::git::detail {

#if WHARF_LAZY_GIT2
// The libgit2 the build was linked against, by soname.
LazyLibrary& git2_library();
#endif

}  // namespace wharf::git::detail

// WHARF_GIT(git_commit_lookup)(...) calls git_commit_lookup; decltype does
// not odr-use the function, so nothing links against libgit2.
#if WHARF_LAZY_GIT2
#define WHARF_GIT(name)                                             \
  (::wharf::lazy_symbol<&::wharf::git::detail::git2_library, #name, \
                        std::add_pointer_t<decltype(::name)>>())
#else
#define WHARF_GIT(name) name
#endif

namespace wharf::git::detail {

// Loads libgit2 (when lazy) and initializes it, once per process and
// thread-safe; later calls return the first outcome. Call before any use.
Result<void> ensure_init();

// A unique_ptr deleter `Name` calling `free_function` on a non-null handle.
#define WHARF_GIT_DELETER(Name, type, free_function)           \
  struct Name {                                                \
    void operator()(type* handle) const {                      \
      if (handle != nullptr) WHARF_GIT(free_function)(handle); \
    }                                                          \
  }
WHARF_GIT_DELETER(RepoFree, git_repository, git_repository_free);
WHARF_GIT_DELETER(RemoteFree, git_remote, git_remote_free);
WHARF_GIT_DELETER(ReferenceFree, git_reference, git_reference_free);
WHARF_GIT_DELETER(ObjectFree, git_object, git_object_free);
WHARF_GIT_DELETER(CommitFree, git_commit, git_commit_free);
WHARF_GIT_DELETER(TreeFree, git_tree, git_tree_free);
WHARF_GIT_DELETER(TreeEntryFree, git_tree_entry, git_tree_entry_free);
WHARF_GIT_DELETER(BlobFree, git_blob, git_blob_free);
WHARF_GIT_DELETER(ConfigFree, git_config, git_config_free);
WHARF_GIT_DELETER(RefIterFree, git_reference_iterator, git_reference_iterator_free);
#undef WHARF_GIT_DELETER

using RepoPtr = std::unique_ptr<git_repository, RepoFree>;
using RemotePtr = std::unique_ptr<git_remote, RemoteFree>;
using ReferencePtr = std::unique_ptr<git_reference, ReferenceFree>;
using ObjectPtr = std::unique_ptr<git_object, ObjectFree>;
using CommitPtr = std::unique_ptr<git_commit, CommitFree>;
using TreePtr = std::unique_ptr<git_tree, TreeFree>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, TreeEntryFree>;
using BlobPtr = std::unique_ptr<git_blob, BlobFree>;
using ConfigPtr = std::unique_ptr<git_config, ConfigFree>;
using RefIterPtr = std::unique_ptr<git_reference_iterator, RefIterFree>;

// A git_buf disposed on destruction.
struct Buf {
  git_buf buf = GIT_BUF_INIT;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { WHARF_GIT(git_buf_dispose)(&buf); }
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
