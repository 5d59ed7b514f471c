// Shared libraries opened on first use instead of at process start.
//
// Mapping libcurl, libgit2 and libarchive (and the ~40 libraries they pull
// in) costs several milliseconds at every start of wharf, while most of the
// commands that must be quick (`run`, a no-op `sync`, `lock` against a file
// registry, `--version`) never use them. So the build may leave them out of
// the executable's NEEDED entries (CMake option WHARF_LAZY_LIBS) and the
// modules that wrap them call their C functions through lazy_symbol<>():
//
//   - a module declares one LazyLibrary per C library, named by the soname
//     the build found (never guessed), with what it is needed for;
//   - its public entry points call load() first, so a missing library comes
//     back as an Error ("wharf needs libcurl.so.4 to download over HTTP: ...")
//     that main() reports with exit 1;
//   - each call site reads the function through lazy_symbol<>(), which looks
//     the symbol up once per process and caches it; the function pointer has
//     the exact type of the C declaration (variadic ones included), so the
//     call has the real ABI.
//
// A library is never closed: its functions stay valid until the process ends.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <string>

#include "wharf/util/error.hpp"

namespace wharf {

class LazyLibrary {
 public:
  // `soname` as the linker records it ("libcurl.so.4"); `purpose` completes
  // "wharf needs <soname> ..." ("to download over HTTP"); `project` names
  // what to install when it is missing ("libcurl").
  LazyLibrary(std::string soname, std::string purpose, std::string project);
  LazyLibrary(const LazyLibrary&) = delete;
  LazyLibrary& operator=(const LazyLibrary&) = delete;

  // Opens the library on the first call; thread-safe, and later calls return
  // the first outcome without trying again. Fails (ErrorKind::Failure) with
  // the soname, what it is needed for and the loader's reason.
  Result<void> load();

  // The address of the function `name`, opening the library first if needed.
  // Callers get here only after an entry point's load() succeeded, so a
  // failure is not expected; when the library cannot be opened or lacks the
  // symbol, it prints the error to stderr and ends the process with exit
  // status 1, since no caller could go on without the function.
  void* symbol(const char* name);

  const std::string& soname() const { return m_soname; }

 private:
  std::string m_soname;
  std::string m_purpose;
  std::string m_project;
  std::once_flag m_once;
  void* m_handle = nullptr;
  Error m_error;
};

// A string literal as a template argument: lazy_symbol<..., "curl_easy_init", ...>.
template <std::size_t N>
struct SymbolName {
  constexpr SymbolName(const char (&text)[N]) { std::copy_n(text, N, chars); }
  char chars[N]{};
};

// The function `Name` of `Library()` as a `Fn`; looked up on the first call
// (thread-safe), then returned from a cache shared by every call site.
// Modules wrap it in a macro that derives `Fn` from the C declaration, e.g.
// WHARF_CURL(curl_easy_init)() in src/net/curl.hpp.
template <LazyLibrary& (*Library)(), SymbolName Name, class Fn>
Fn lazy_symbol() {
  static const Fn function = reinterpret_cast<Fn>(Library().symbol(Name.chars));
  return function;
}

}  // namespace wharf
