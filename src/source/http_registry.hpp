// HTTP(S) registries (private to src/source/): see http_registry.cpp.
#pragma once

#include <memory>
#include <string>

#include "wharf/source/registry.hpp"

namespace wharf::source {

// `base_url` is the registry URL without a trailing slash. Does no network
// work; fails only on a bad WHARF_CONCURRENCY.
Result<std::unique_ptr<Registry>> open_http_registry(const std::string& name,
                                                     const std::string& url,
                                                     const std::string& base_url,
                                                     const RegistryOptions& options);

}  // namespace wharf::source
