#include "wharf/util/lazy_library.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace wharf {

namespace {

[[noreturn]] void die(const Error& error) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", error.message.c_str());
  if (!error.hint.empty()) std::fprintf(stderr, "  hint: %s\n", error.hint.c_str());
  std::fflush(stderr);
  // Other threads may be inside the library's callers; do not run static
  // destructors under them.
  std::_Exit(1);
}

std::string loader_reason() {
  const char* text = dlerror();
  return text != nullptr && *text != '\0' ? text : "unknown reason";
}

}  // namespace

LazyLibrary::LazyLibrary(std::string soname, std::string purpose, std::string project)
    : m_soname(std::move(soname)), m_purpose(std::move(purpose)), m_project(std::move(project)) {}

Result<void> LazyLibrary::load() {
  std::call_once(m_once, [this] {
    // RTLD_LOCAL: the library's symbols serve only lazy_symbol<>(); a copy
    // already loaded (the tests link some of these directly) is shared.
    m_handle = dlopen(m_soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (m_handle == nullptr) {
      m_error =
          Error{ErrorKind::Failure,
                "wharf needs " + m_soname + " " + m_purpose +
                    ", but it cannot be loaded: " + loader_reason(),
                "install " + m_project + " (the system package that provides " + m_soname + ")"};
    }
  });
  if (m_handle == nullptr) return std::unexpected(m_error);
  return {};
}

void* LazyLibrary::symbol(const char* name) {
  if (auto loaded = load(); !loaded) die(loaded.error());
  dlerror();
  void* address = dlsym(m_handle, name);
  if (address == nullptr) {
    die(Error{ErrorKind::Failure,
              m_soname + " has no function " + name + " (" + loader_reason() +
                  "); wharf was built against a newer version",
              "install the version of the library wharf was built with, or rebuild wharf"});
  }
  return address;
}

}  // namespace wharf
