// An in-memory Provider for solver tests: a universe of packages written as
// text ("foo", "1.2.0", {{"bar", "^1"}}), plus call recording and injected
// failures. Requirements are parsed with wharf::version::Constraint when they
// are asked for, so their pre-release opt-in lists every known pre-release of
// the depended-on package that the constraint names.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "wharf/solve/solver.hpp"
#include "wharf/version/constraint.hpp"

namespace wharf::solve::testing {

class MemoryProvider : public Provider {
 public:
  using Deps = std::vector<std::pair<std::string, std::string>>;  // name, constraint text

  MemoryProvider& add(const std::string& name, const std::string& version, Deps deps = {},
                      bool yanked = false) {
    auto parsed = version::Version::parse(version);
    if (!parsed) throw std::invalid_argument(parsed.error().message);
    m_packages[name].push_back(Entry{*parsed, yanked, std::move(deps)});
    return *this;
  }
  // candidates(name) fails with `message`.
  MemoryProvider& fail_on(const std::string& name, std::string message) {
    m_failures[name] = std::move(message);
    return *this;
  }

  Requirement requirement(const std::string& name, const std::string& text) const {
    auto c = version::Constraint::parse(text);
    if (!c) throw std::invalid_argument(c.error().message);
    Requirement r{name, c->set(), c->text(), {}};
    if (auto it = m_packages.find(name); it != m_packages.end())
      for (const auto& e : it->second)
        if (e.version.is_prerelease() && c->names_prerelease_of(e.version))
          r.prerelease_opt_in.push_back(e.version);
    return r;
  }
  Root root(const std::string& name, const Deps& deps) const {
    Root r{name, {}};
    for (const auto& [dep, text] : deps) r.requirements.push_back(requirement(dep, text));
    return r;
  }

  Result<std::vector<Candidate>> candidates(const std::string& name) override {
    candidate_calls.push_back(name);
    if (auto it = m_failures.find(name); it != m_failures.end()) return fail(it->second);
    std::vector<Candidate> out;
    if (auto it = m_packages.find(name); it != m_packages.end())
      for (const auto& e : it->second) out.push_back(Candidate{e.version, e.yanked});
    return out;
  }
  Result<std::vector<Requirement>> dependencies(const std::string& name,
                                                const version::Version& v) override {
    dependency_calls.emplace_back(name, v.to_string());
    std::vector<Requirement> out;
    for (const auto& e : m_packages.at(name))
      if (e.version == v)
        for (const auto& [dep, text] : e.deps) out.push_back(requirement(dep, text));
    return out;
  }
  void prefetch(const std::vector<std::string>& names) override {
    prefetched.push_back(names);
    for (const auto& n : names) prefetched_before_candidates[n] = !asked(n);
  }

  bool asked(const std::string& name) const {
    for (const auto& n : candidate_calls)
      if (n == name) return true;
    return false;
  }

  std::vector<std::string> candidate_calls;
  std::vector<std::pair<std::string, std::string>> dependency_calls;
  std::vector<std::vector<std::string>> prefetched;
  std::map<std::string, bool> prefetched_before_candidates;

 private:
  struct Entry {
    version::Version version;
    bool yanked = false;
    Deps deps;
  };
  std::map<std::string, std::vector<Entry>> m_packages;
  std::map<std::string, std::string> m_failures;
};

// "name version" lines of a solution, sorted by name: "bar 1.0.0\nfoo 1.1.0".
inline std::string describe(const Solution& s) {
  std::string out;
  for (const auto& [name, v] : s.versions)
    out += (out.empty() ? "" : "\n") + name + " " + v.to_string();
  return out;
}

}  // namespace wharf::solve::testing
