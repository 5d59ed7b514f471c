// Registries held in a git repository (`git+https://...`, `git+file://...`);
// private to src/source/ (see open_registry() in wharf/source/registry.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "wharf/source/registry.hpp"

namespace wharf::source {

// `git_url` is the manifest's URL without `git+`, possibly ending in `#REF`.
Result<std::unique_ptr<Registry>> open_git_registry(const std::string& name, const std::string& url,
                                                    const std::string& git_url,
                                                    const std::filesystem::path& manifest_root,
                                                    const RegistryOptions& cache);

}  // namespace wharf::source
