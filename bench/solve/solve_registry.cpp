// bench_solve_registry: solve a project against a wharf file registry, the
// way `wharf lock` would, and time it.
//
//   bench_solve_registry PROJECT_DIR [--quiet] [--index-cache DIR]
//
// Reads PROJECT_DIR/wharf.yaml (its dependencies and its first registry, which
// must be a `file:` registry), then solves with wharf::solve::solve(); the
// provider reads and parses `index/<name>.yaml` the first time the solver
// asks about a package, so the time includes index reading as wharf pays it.
// With --index-cache, index files are read through the cache of parsed
// indexes that `wharf lock` keeps under its cache folder
// (manifest/index_cache.hpp); run once to fill it, then time the warm run.
// Prints one JSON object on stdout:
//
//   {"status": "solved"|"unsolvable", "versions": {name: version},
//    "explanation": "...", "packages_read": N, "decisions": N, "conflicts": N,
//    "ms": {"manifest": ., "index": ., "solve": ., "total": .},
//    "cpu_ms": {"index": ., "solve": ., "total": .}}
//
// "ms" is wall time, "cpu_ms" the process's CPU time (steadier on a shared
// machine); "solve" excludes the time spent reading and parsing index files.
// Exit codes: 0 solved or unsolvable (both are answers), 1 failure, 2 usage or
// invalid input.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <variant>

#include "wharf/manifest/index_cache.hpp"
#include "wharf/manifest/manifest.hpp"
#include "wharf/manifest/registry_index.hpp"
#include "wharf/solve/solver.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/heap.hpp"

namespace {

using namespace wharf;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the process so far: steadier than the wall clock on a shared
// machine.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// The pre-release versions a constraint names (FORMATS.md: they opt their
// releases' pre-releases in), so the bench sees the same requirements as wharf.
std::vector<version::Version> named_prereleases(const version::Constraint& constraint) {
  std::vector<version::Version> out;
  if (constraint.text().find('-') == std::string::npos) return out;  // none without a `-`
  std::string piece;
  for (char c : constraint.text() + " ") {
    if (std::string_view("<>=!^~,| ").find(c) != std::string_view::npos) {
      if (auto v = version::Version::parse(piece); !piece.empty() && v && v->is_prerelease())
        out.push_back(*v);
      piece.clear();
    } else {
      piece += c;
    }
  }
  return out;
}

solve::Requirement to_requirement(const std::string& name, const version::Constraint& c) {
  return solve::Requirement{name, c.set(), c.text(), named_prereleases(c)};
}

class FileRegistryProvider final : public solve::Provider {
 public:
  FileRegistryProvider(fs::path root, manifest::IndexCache cache)
      : m_root(std::move(root)), m_index(m_root / "index", std::move(cache)) {}

  Result<std::vector<solve::Candidate>> candidates(const std::string& name) override {
    const manifest::PackageIndex* index = WHARF_TRY(load(name));
    std::vector<solve::Candidate> out;
    if (index)
      for (const auto& v : index->versions) out.push_back({v.version, v.yanked});
    return out;
  }

  Result<std::vector<solve::Requirement>> dependencies(const std::string& name,
                                                       const version::Version& v) override {
    const manifest::PackageIndex* index = WHARF_TRY(load(name));
    if (index) {
      for (const auto& entry : index->versions) {
        if (entry.version != v) continue;
        std::vector<solve::Requirement> out;
        out.reserve(entry.dependencies.size());
        for (const auto& [dep, constraint] : entry.dependencies)
          out.push_back(to_requirement(dep, constraint));
        return out;
      }
    }
    return fail(fmt::format("{}: no version {} of {}", m_root.string(), v.to_string(), name));
  }

  double index_ms() const { return m_index_ms; }
  double index_cpu_ms() const { return m_index_cpu_ms; }
  std::size_t packages_read() const { return m_read; }

 private:
  // nullptr when the registry has no such package.
  Result<const manifest::PackageIndex*> load(const std::string& name) {
    if (auto it = m_cache.find(name); it != m_cache.end())
      return it->second ? &*it->second : nullptr;
    auto start = Clock::now();
    double cpu_start = cpu_ms();
    std::optional<manifest::PackageIndex> parsed = WHARF_TRY(m_index.load(name + ".yaml"));
    if (parsed) ++m_read;
    m_index_ms += ms_since(start);
    m_index_cpu_ms += cpu_ms() - cpu_start;
    auto& slot = m_cache[name] = std::move(parsed);
    return slot ? &*slot : nullptr;
  }

  fs::path m_root;
  manifest::IndexFolder m_index;
  std::unordered_map<std::string, std::optional<manifest::PackageIndex>> m_cache;
  double m_index_ms = 0;
  double m_index_cpu_ms = 0;
  std::size_t m_read = 0;
};

Result<fs::path> file_registry_root(const manifest::Manifest& m) {
  if (m.registries.empty())
    return fail_input(fmt::format("{}: no registry", m.file.string()),
                      "add `registries: [{name: bench, url: file:./registry}]`");
  const std::string& url = m.registries.front().url;
  std::string path;
  if (url.starts_with("file://"))
    path = url.substr(7);
  else if (url.starts_with("file:"))
    path = url.substr(5);
  else
    return fail_input(
        fmt::format("{}: registry `{}` is not a file: registry", m.file.string(), url),
        "the benchmark reads local registries only (made by gen_universe.py)");
  return absolute_from(m.root, path);
}

Result<nlohmann::json> run(const fs::path& project, const manifest::IndexCache& cache) {
  auto total_start = Clock::now();
  auto start = Clock::now();
  manifest::Manifest m = WHARF_TRY(manifest::load_manifest(project / "wharf.yaml"));
  fs::path registry = WHARF_TRY(file_registry_root(m));
  std::string root_text = WHARF_TRY(read_file(registry / "registry.yaml"));
  WHARF_TRY(manifest::parse_registry_root(root_text, (registry / "registry.yaml").string()));
  solve::Root root{.name = m.name};
  for (const auto& dep : m.dependencies) {
    if (dep.kind != manifest::SourceKind::Registry)
      return fail_input(
          fmt::format("{}: dependency {} is not a registry dependency", m.file.string(), dep.name));
    root.requirements.push_back(to_requirement(dep.name, dep.constraint));
  }
  double manifest_ms = ms_since(start);

  FileRegistryProvider provider(registry, cache);
  start = Clock::now();
  double solve_cpu_start = cpu_ms();
  solve::SolveStats stats;
  solve::Outcome outcome = WHARF_TRY(solve::solve(provider, root, {}, &stats));
  double solve_and_index_ms = ms_since(start);
  double solve_and_index_cpu_ms = cpu_ms() - solve_cpu_start;

  nlohmann::json out;
  if (auto* solution = std::get_if<solve::Solution>(&outcome)) {
    out["status"] = "solved";
    nlohmann::json versions = nlohmann::json::object();
    for (const auto& [name, v] : solution->versions) versions[name] = v.to_string();
    out["versions"] = std::move(versions);
  } else {
    out["status"] = "unsolvable";
    out["explanation"] = std::get<solve::Unsolvable>(outcome).explanation;
  }
  out["packages_read"] = provider.packages_read();
  out["decisions"] = stats.decisions;
  out["conflicts"] = stats.conflicts;
  out["ms"] = {{"manifest", manifest_ms},
               {"index", provider.index_ms()},
               {"solve", solve_and_index_ms - provider.index_ms()},
               {"total", ms_since(total_start)}};
  out["cpu_ms"] = {{"index", provider.index_cpu_ms()},
                   {"solve", solve_and_index_cpu_ms - provider.index_cpu_ms()},
                   {"total", cpu_ms()}};
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  wharf::prepare_heap();  // as the wharf binary does
  std::optional<fs::path> project;
  bool quiet = false;
  manifest::IndexCache cache;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--index-cache" && i + 1 < argc) {
      cache.dir = argv[++i];
    } else if (arg.starts_with("-") || project) {
      std::fprintf(stderr,
                   "usage: bench_solve_registry PROJECT_DIR [--quiet] [--index-cache DIR]\n"
                   "  PROJECT_DIR holds wharf.yaml with a file: registry (gen_universe.py "
                   "writes one under OUT/wharf)\n");
      return 2;
    } else {
      project = arg;
    }
  }
  if (!project) {
    std::fprintf(stderr, "usage: bench_solve_registry PROJECT_DIR [--quiet] [--index-cache DIR]\n");
    return 2;
  }
  auto result = run(*project, cache);
  if (!result) {
    std::fprintf(stderr, "bench_solve_registry: %s\n", result.error().message.c_str());
    if (!result.error().hint.empty()) std::fprintf(stderr, "  %s\n", result.error().hint.c_str());
    return result.error().exit_code();
  }
  if (quiet) {
    (*result).erase("versions");
    (*result).erase("explanation");
  }
  std::printf("%s\n", result->dump().c_str());
  return 0;
}
