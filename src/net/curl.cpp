#include "curl.hpp"

#include <string>

namespace wharf::net::detail {

#if WHARF_LAZY_CURL
LazyLibrary& curl_library() {
  static LazyLibrary library(WHARF_CURL_SONAME, "to download over HTTP", "libcurl");
  return library;
}
#endif

Result<void> ensure_curl() {
  // curl_global_init is not thread-safe before libcurl 7.84; once is enough.
  static const Result<void> ready = []() -> Result<void> {
#if WHARF_LAZY_CURL
    WHARF_TRY_VOID(curl_library().load());
#endif
    if (CURLcode code = WHARF_CURL(curl_global_init)(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
      return fail(std::string("libcurl could not be initialised: ") +
                  WHARF_CURL(curl_easy_strerror)(code));
    }
    return {};
  }();
  return ready;
}

}  // namespace wharf::net::detail
