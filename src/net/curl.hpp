// libcurl for src/net/ only: its header, and its functions called through
// WHARF_CURL(name), which resolves them on first use when the build loads
// libcurl lazily (WHARF_LAZY_LIBS, wharf/util/lazy_library.hpp) and is the
// plain function otherwise.
#pragma once

#include <curl/curl.h>

#include <type_traits>

#include "wharf/util/error.hpp"
#include "wharf/util/lazy_library.hpp"

namespace wharf::net::detail {

#if WHARF_LAZY_CURL
// The libcurl the build was linked against, by soname.
LazyLibrary& curl_library();
#endif

// Loads libcurl (when lazy) and runs curl_global_init, once per process and
// thread-safe. Fails when libcurl cannot be loaded or initialised; later
// calls return the first outcome. Call before any other libcurl function.
Result<void> ensure_curl();

}  // namespace wharf::net::detail

// WHARF_CURL(curl_easy_init)() calls curl_easy_init. When lazy, the name is
// never followed by `(` in the expansion, so curl's type-checking macros of
// the same name (typecheck-gcc.h) are not expanded (they would call the
// function directly), and decltype does not odr-use the function, so nothing
// links against libcurl. Linked as usual, it is the plain name and curl's
// type checks of curl_easy_setopt() and friends apply as before.
#if WHARF_LAZY_CURL
#define WHARF_CURL(name)                                            \
  (::wharf::lazy_symbol<&::wharf::net::detail::curl_library, #name, \
                        std::add_pointer_t<decltype(::name)>>())
#else
#define WHARF_CURL(name) name
#endif
