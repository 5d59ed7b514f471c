// wharf's rules (candidates, yanked, pre-releases, overrides, constraints,
// strategies, preferences) on top of the generic PubGrub core.
#include "wharf/solve/solver.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "wharf/solve/pubgrub.hpp"
#include "wharf/util/heap.hpp"

namespace wharf::solve {
namespace {

using version::Version;
using version::VersionSet;

class Adapter final : public pubgrub::Source<VersionSet, Version> {
 public:
  Adapter(Provider& provider, const Root& root, const Options& options)
      : m_provider(provider), m_root(root), m_options(options) {
    for (const auto& r : root.requirements) m_direct.insert(r.name);
  }

  Result<pubgrub::PackageVersions<Version>> versions(pubgrub::PackageId id,
                                                     const std::string& name) override {
    pubgrub::PackageVersions<Version> out;
    if (id == 0) {
      out.versions.push_back(Version());
      return out;
    }
    Entry& entry = *WHARF_TRY(candidates(name));
    const std::vector<Version>& list = entry.list;
    // Registry versions usually share dependencies with their neighbours, and
    // reading them is cheap once the index is fetched.
    out.neighbours = pubgrub::PackageVersions<Version>::Neighbours::Scan;
    bool lowest = m_options.resolution == Resolution::Lowest ||
                  (m_options.resolution == Resolution::LowestDirect && m_direct.contains(name));
    out.order = lowest ? pubgrub::Order::LowestFirst : pubgrub::Order::HighestFirst;
    if (std::optional<Version> preferred = preference(name)) {
      auto it = std::lower_bound(list.begin(), list.end(), *preferred);
      if (it != list.end() && *it == *preferred)
        out.preferred = static_cast<std::size_t>(it - list.begin());
    }
    // versions() is asked once per package, and dependencies() reads a
    // package's list again only when it has pre-releases.
    if (entry.any_prerelease)
      out.versions = list;
    else
      out.versions = std::move(entry.list);
    return out;
  }

  Result<std::vector<pubgrub::Dependency<VersionSet>>> dependencies(pubgrub::PackageId id,
                                                                    const std::string& name,
                                                                    const Version& v) override {
    std::vector<Requirement> requirements;
    if (id == 0)
      requirements = m_root.requirements;
    else
      requirements = WHARF_TRY(m_provider.dependencies(name, v));

    // One lookup per requirement; the entries stay put (unordered_map nodes).
    std::vector<std::string> fresh;
    m_entries.clear();
    for (const auto& r : requirements) {
      Entry& entry = m_packages[r.name];
      m_entries.push_back(&entry);
      if (!entry.announced) {
        entry.announced = true;
        fresh.push_back(r.name);
      }
    }
    if (!fresh.empty()) m_provider.prefetch(fresh);

    std::vector<pubgrub::Dependency<VersionSet>> out;
    out.reserve(requirements.size());
    for (std::size_t i = 0; i < requirements.size(); ++i) {
      Requirement& r = requirements[i];
      apply_options(r);
      std::string text = r.text.empty() ? r.set.to_string() : std::move(r.text);
      if (m_options.prereleases == Prereleases::IfNamed) {
        const Entry& entry = *WHARF_TRY(load(r.name, *m_entries[i]));
        if (entry.any_prerelease) {
          for (const Version& c : entry.list) {
            if (!c.is_prerelease() || !r.set.contains(c) || opted_in(r, c)) continue;
            r.set = r.set.difference(VersionSet::exactly(c));
          }
        }
      }
      out.emplace_back(std::move(r.name), std::move(r.set), std::move(text));
    }
    return out;
  }

 private:
  std::optional<Version> preference(const std::string& name) const {
    if (m_options.unlock_all || m_options.unlock.contains(name)) return std::nullopt;
    auto it = m_options.preferences.find(name);
    if (it == m_options.preferences.end()) return std::nullopt;
    return it->second;
  }

  static bool opted_in(const Requirement& r, const Version& prerelease) {
    Version release = prerelease.without_prerelease();
    return std::any_of(r.prerelease_opt_in.begin(), r.prerelease_opt_in.end(),
                       [&](const Version& named) { return named.without_prerelease() == release; });
  }

  void apply_options(Requirement& r) const {
    if (m_options.overrides.empty() && m_options.constraints.empty()) return;
    if (auto it = m_options.overrides.find(r.name); it != m_options.overrides.end()) {
      std::string name = std::move(r.name);
      r = it->second;
      r.name = std::move(name);
    }
    if (auto it = m_options.constraints.find(r.name); it != m_options.constraints.end()) {
      const Requirement& c = it->second;
      std::string a = r.text.empty() ? r.set.to_string() : r.text;
      std::string b = c.text.empty() ? c.set.to_string() : c.text;
      r.set = r.set.intersect(c.set);
      bool plain = a.find("||") == std::string::npos && b.find("||") == std::string::npos;
      r.text = plain ? a + ", " + b : r.set.to_string();
      r.prerelease_opt_in.insert(r.prerelease_opt_in.end(), c.prerelease_opt_in.begin(),
                                 c.prerelease_opt_in.end());
    }
  }

  // What the adapter knows about one package name.
  struct Entry {
    bool announced = false;       // passed to prefetch()
    bool loaded = false;          // `list` holds the candidates
    bool any_prerelease = false;  // some candidate is a pre-release
    // Sorted and distinct; yanked ones only when preferred. Handed to the core
    // by versions() (and then empty) unless some candidate is a pre-release.
    std::vector<Version> list;
  };

  Result<Entry*> candidates(const std::string& name) { return load(name, m_packages[name]); }

  // Fills `entry` (the entry of `name`) with the candidates of `name`.
  Result<Entry*> load(const std::string& name, Entry& entry) {
    if (entry.loaded) return &entry;
    std::vector<Candidate> raw = WHARF_TRY(m_provider.candidates(name));
    std::optional<Version> preferred = preference(name);
    std::erase_if(raw, [&](const Candidate& c) {
      return c.yanked && !(preferred && c.version == *preferred);
    });
    auto before = [](const Candidate& a, const Candidate& b) {
      if (a.version != b.version) return a.version < b.version;
      return !a.yanked && b.yanked;
    };
    // Registries list versions in order already; sorting a sorted list would
    // still cost a buffer.
    if (!std::is_sorted(raw.begin(), raw.end(), before))
      std::stable_sort(raw.begin(), raw.end(), before);
    std::vector<Version>& list = entry.list;
    list.reserve(raw.size());
    for (auto& c : raw)
      if (list.empty() || list.back() != c.version) list.push_back(std::move(c.version));
    entry.any_prerelease =
        std::any_of(list.begin(), list.end(), [](const Version& c) { return c.is_prerelease(); });
    entry.loaded = true;
    return &entry;
  }

  Provider& m_provider;
  const Root& m_root;
  const Options& m_options;
  std::unordered_set<std::string> m_direct;
  std::unordered_map<std::string, Entry> m_packages;
  std::vector<Entry*> m_entries;  // dependencies()'s lookups, kept for their capacity
};

}  // namespace

Result<Outcome> solve(Provider& provider, const Root& root, const Options& options,
                      SolveStats* stats) {
  // The solver's state is kept until the process ends when it may be
  // (wharf/util/heap.hpp): freeing it node by node is pure cost for the CLI.
  struct Work {
    Work(Provider& provider, const Root& root, const Options& options)
        : adapter(provider, root, options), core(adapter, root.name, Version()) {}
    Adapter adapter;
    pubgrub::Solver<VersionSet, Version> core;
  };
  ExitScoped<Work> work(provider, root, options);
  Result<pubgrub::Outcome<Version>> solved = work->core.solve();
  if (stats) {
    pubgrub::Stats s = work->core.stats();
    *stats = SolveStats{s.decisions, s.conflicts, s.incompatibilities, s.packages};
  }
  pubgrub::Outcome<Version> outcome = WHARF_TRY(std::move(solved));
  if (auto* unsolvable = std::get_if<Unsolvable>(&outcome)) return Outcome{std::move(*unsolvable)};
  auto& found = std::get<pubgrub::Solution<Version>>(outcome);
  Solution solution;
  solution.dependencies[root.name] = std::move(found.root_dependencies);
  // found.packages is sorted by name: each insertion goes at the end.
  for (auto& p : found.packages) {
    solution.versions.emplace_hint(solution.versions.end(), p.name, std::move(p.version));
    solution.dependencies.insert_or_assign(solution.dependencies.end(), std::move(p.name),
                                           std::move(p.dependencies));
  }
  return Outcome{std::move(solution)};
}

}  // namespace wharf::solve
