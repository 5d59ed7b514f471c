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

// The index a registry read for `package` from `where` (a file or URL, for
// messages): checks that it names that package, and joins its relative
// artifact URLs onto `index/<package>.yaml`. Shared by the file and HTTP
// registries.
Result<manifest::PackageIndex> finish_index(manifest::PackageIndex parsed,
                                            const std::string& package, const std::string& where);

}  // namespace wharf::source
