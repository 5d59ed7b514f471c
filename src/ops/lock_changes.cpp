// The +/~/- lines of a re-lock, each with the reason for it.
//
// The lockfile records hashes of the manifest's inputs, not the inputs
// themselves, so a reason is inferred from what is known now: the options of
// this lock (--update), the manifest's requirements (a locked version that
// wharf.yaml no longer allows means its constraint changed), the registries'
// indexes (a dependent whose requirement excludes the old version; a version
// that was yanked or removed), and which input hashes changed.
#include <algorithm>
#include <set>

#include "internal.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace {

using Versions = std::set<std::string>;

std::string joined(const Versions& versions) {
  return join(std::vector<std::string>(versions.begin(), versions.end()), ", ");
}

// Walks the changes between two locks, name by name, calling
// emit(kind, name, old, new) with the versions as shown: a git package's
// commit beside its version, so that a branch that moved without a version
// bump is a change too; the same versions from another source show where
// each came from ("1.0.0 from file:./a" -> "1.0.0 from file:./b").
template <class Emit>
void for_each_change(const lockfile::Lockfile* before, const lockfile::Lockfile& after,
                     Emit&& emit) {
  auto shown = [](const lockfile::LockedPackage& p) {
    auto text = p.version.to_string();
    if (p.source.kind == lockfile::SourceKind::Git)
      text += " (" + p.source.commit.substr(0, 7) + ")";
    return text;
  };
  // The same versions from another registry, URL or path are a change too
  // (a mirror swapped in wharf.yaml rewrites every block of the lock).
  auto located = [&](const lockfile::LockedPackage& p) {
    auto where = p.source.kind == lockfile::SourceKind::Path
                     ? p.source.location
                     : lockfile::redact_url(p.source.location);
    return shown(p) + " from " + where;
  };
  std::map<std::string, Versions> old_shown, new_shown, old_located, new_located;
  if (before)
    for (const auto& p : before->packages) {
      old_shown[p.name].insert(shown(p));
      old_located[p.name].insert(located(p));
    }
  for (const auto& p : after.packages) {
    new_shown[p.name].insert(shown(p));
    new_located[p.name].insert(located(p));
  }
  for (const auto& [name, versions] : new_shown) {
    auto old = old_shown.find(name);
    if (old == old_shown.end())
      emit(ChangeKind::Added, name, std::string(), joined(versions));
    else if (old->second != versions)
      emit(ChangeKind::Changed, name, joined(old->second), joined(versions));
    else if (old_located[name] != new_located[name])
      emit(ChangeKind::Changed, name, joined(old_located[name]), joined(new_located[name]));
  }
  for (const auto& [name, versions] : old_shown)
    if (!new_shown.count(name)) emit(ChangeKind::Removed, name, joined(versions), std::string());
}

class CauseFinder {
 public:
  CauseFinder(const lockfile::Lockfile* before, const lockfile::Lockfile& after,
              const ChangeCauses& causes)
      : m_before(before), m_after(after), m_causes(causes) {}

  std::string added(const std::string& name) const {
    auto who = dependents(name);
    if (who.empty()) return "";
    return (m_before ? "new dependency of " : "required by ") + join(who, ", ");
  }

  std::string changed(const std::string& name, const Versions& old_versions) {
    const auto& options = m_causes.options;
    if (options.update_all || options.update.count(name)) return "--update";
    if (manifest_excludes(name, old_versions)) return "constraint changed in wharf.yaml";
    if (auto requirement = dependent_excluding(name, old_versions); !requirement.empty())
      return requirement;
    if (auto gone = vanished(name, old_versions); !gone.empty()) return gone;
    if (m_before && input_changed("registries")) return "registries changed in wharf.yaml";
    if (options.resolution != Resolution::Highest) return "--resolution";
    return "re-resolved";
  }

 private:
  // The project (when a manifest environment names it) and the packages that
  // depend on `name` in the new lock, on any platform.
  std::vector<std::string> dependents(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& env : m_causes.manifest.environment_names()) {
      const auto deps = *m_causes.manifest.dependencies_of(env);
      if (std::any_of(deps.begin(), deps.end(), [&](const auto& d) { return d.name == name; })) {
        out.push_back(m_causes.manifest.name);
        break;
      }
    }
    std::set<std::string> packages;
    for (const auto& package : m_after.packages)
      for (const auto& p : package.platforms)
        if (std::binary_search(p.dependencies.begin(), p.dependencies.end(), name))
          packages.insert(package.name);
    out.insert(out.end(), packages.begin(), packages.end());
    return out;
  }

  bool manifest_excludes(const std::string& name, const Versions& old_versions) const {
    const auto& manifest = m_causes.manifest;
    std::vector<version::Constraint> requirements;
    if (auto it = manifest.overrides.find(name); it != manifest.overrides.end()) {
      requirements.push_back(it->second);
    } else {
      for (const auto& env : manifest.environment_names()) {
        const auto deps = *manifest.dependencies_of(env);
        for (const auto& dep : deps)
          if (dep.name == name) requirements.push_back(dep.constraint);
      }
    }
    if (auto it = manifest.constraints.find(name); it != manifest.constraints.end())
      requirements.push_back(it->second);
    for (const auto& constraint : requirements)
      for (const auto& text : old_versions)
        if (auto v = version::Version::parse(text); v && !constraint.set().contains(*v))
          return true;
    return false;
  }

  // "hello 2.0.0 requires libgreet ^3" when a package of the new lock no
  // longer accepts an old version.
  std::string dependent_excluding(const std::string& name, const Versions& old_versions) {
    for (const auto& package : m_after.packages) {
      bool depends = std::any_of(package.platforms.begin(), package.platforms.end(), [&](auto& p) {
        return std::binary_search(p.dependencies.begin(), p.dependencies.end(), name);
      });
      if (!depends) continue;
      auto index = index_of(package);
      if (!index) continue;
      for (const auto& v : index->versions) {
        if (v.version != package.version) continue;
        for (const auto& [dep, constraint] : v.dependencies) {
          if (dep != name) continue;
          for (const auto& text : old_versions)
            if (auto old = version::Version::parse(text); old && !constraint.set().contains(*old))
              return package.name + " " + package.version.to_string() + " requires " + name + " " +
                     constraint.text();
        }
      }
    }
    return "";
  }

  std::string vanished(const std::string& name, const Versions& old_versions) {
    const auto* package = m_after.find(name);
    if (!package) return "";
    auto index = index_of(*package);
    if (!index) return "";
    for (const auto& text : old_versions) {
      auto old = version::Version::parse(text);
      if (!old) continue;
      auto it = std::find_if(index->versions.begin(), index->versions.end(),
                             [&](const auto& v) { return v.version == *old; });
      if (it == index->versions.end()) return text + " is no longer in the registry";
      if (it->yanked) return text + " was yanked";
    }
    return "";
  }

  bool input_changed(const std::string& section) const {
    auto a = m_before->input_hashes.find(section);
    auto b = m_after.input_hashes.find(section);
    return a == m_before->input_hashes.end() || b == m_after.input_hashes.end() ||
           a->second != b->second;
  }

  std::shared_ptr<const manifest::PackageIndex> index_of(const lockfile::LockedPackage& package) {
    auto index = m_causes.registries.index_of(package);
    return index ? *index : nullptr;
  }

  const lockfile::Lockfile* m_before;
  const lockfile::Lockfile& m_after;
  const ChangeCauses& m_causes;
};

}  // namespace

void report_lock_changes(Reporter& reporter, const lockfile::Lockfile* before,
                         const lockfile::Lockfile& after) {
  for_each_change(before, after,
                  [&](ChangeKind kind, const std::string& name, const std::string& old_version,
                      const std::string& new_version) {
                    reporter.change(kind, name, old_version, new_version);
                  });
}

void report_lock_changes(Reporter& reporter, const lockfile::Lockfile* before,
                         const lockfile::Lockfile& after, const ChangeCauses& causes) {
  auto* explaining = dynamic_cast<ExplainingReporter*>(&reporter);
  if (!explaining || !explaining->wants_reasons())
    return report_lock_changes(reporter, before, after);

  // The reasons look at versions alone.
  std::map<std::string, Versions> old_versions;
  if (before)
    for (const auto& p : before->packages) old_versions[p.name].insert(p.version.to_string());
  CauseFinder finder(before, after, causes);
  for_each_change(before, after,
                  [&](ChangeKind kind, const std::string& name, const std::string& old_version,
                      const std::string& new_version) {
                    std::string reason = kind == ChangeKind::Added ? finder.added(name)
                                         : kind == ChangeKind::Changed
                                             ? finder.changed(name, old_versions[name])
                                             : "no longer required";
                    explaining->explained_change(kind, name, old_version, new_version, reason);
                  });
}

}  // namespace wharf::ops
