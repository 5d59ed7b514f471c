// Refs to commits: branches, tags (peeled), revs, the default branch.
#include <git2.h>

#include <algorithm>
#include <cctype>

#include "handles.hpp"
#include "wharf/git/git.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::git {

namespace {

using namespace detail;

// Names under `prefix` ("refs/heads/"), with the prefix removed, sorted.
std::vector<std::string> names_under(git_repository* repo, const std::string& prefix) {
  std::vector<std::string> names;
  git_reference_iterator* raw = nullptr;
  std::string glob = prefix + "*";
  if (WHARF_GIT(git_reference_iterator_glob_new)(&raw, repo, glob.c_str()) != 0) return names;
  RefIterPtr iterator(raw);
  const char* name = nullptr;
  while (WHARF_GIT(git_reference_next_name)(&name, iterator.get()) == 0) {
    std::string_view full(name);
    if (starts_with(full, prefix)) names.emplace_back(full.substr(prefix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string list_for_hint(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 10;
  std::vector<std::string> head(
      names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), shown)));
  std::string text = join(head, ", ");
  if (names.size() > shown) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

Error not_found(git_repository* repo, const Ref& ref, const std::string& url) {
  bool is_branch = ref.kind == RefKind::Branch;
  auto same = names_under(repo, is_branch ? "refs/heads/" : "refs/tags/");
  auto other = names_under(repo, is_branch ? "refs/tags/" : "refs/heads/");
  std::string message = redact_url(url) + " has no " + describe(ref);
  std::string hint;
  if (std::find(other.begin(), other.end(), ref.name) != other.end()) {
    hint = std::string("`") + ref.name + "` is a " + (is_branch ? "tag" : "branch") + ": use `" +
           (is_branch ? "tag" : "branch") + ": " + ref.name + "`";
  } else {
    if (auto close = closest_match(ref.name, same)) hint = "did you mean `" + *close + "`? ";
    std::string kinds = is_branch ? "branches" : "tags";
    if (same.empty()) {
      hint += "it has no " + kinds;
    } else {
      hint += kinds + ": " + list_for_hint(same);
    }
    hint += "; if it was pushed recently, fetch again (without --offline)";
  }
  return Error{ErrorKind::Failure, message, hint};
}

Result<std::string> peel_to_commit(git_repository* repo, const std::string& refname, const Ref& ref,
                                   const std::string& url) {
  git_reference* raw = nullptr;
  int rc = WHARF_GIT(git_reference_lookup)(&raw, repo, refname.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
    return std::unexpected(not_found(repo, ref, url));
  if (rc != 0) {
    return fail("cannot read " + describe(ref) + " of " + redact_url(url) + ": " +
                last_error_text());
  }
  ReferencePtr reference(raw);
  git_object* raw_object = nullptr;
  if (WHARF_GIT(git_reference_peel)(&raw_object, reference.get(), GIT_OBJECT_COMMIT) != 0) {
    return fail(describe(ref) + " of " + redact_url(url) +
                " does not name a commit: " + last_error_text());
  }
  ObjectPtr object(raw_object);
  return oid_hex(WHARF_GIT(git_object_id)(object.get()));
}

}  // namespace

std::string describe(const Ref& ref) {
  switch (ref.kind) {
    case RefKind::Branch:
      return "branch `" + ref.name + "`";
    case RefKind::Tag:
      return "tag `" + ref.name + "`";
    case RefKind::Rev:
      return "rev `" + ref.name + "`";
    case RefKind::Default:
      break;
  }
  return "default branch (HEAD)";
}

Result<std::string> resolve(const std::filesystem::path& mirror, const Ref& ref,
                            const std::string& url_for_messages) {
  auto repo = WHARF_TRY(open_mirror(mirror));
  const auto& url = url_for_messages;
  switch (ref.kind) {
    case RefKind::Branch:
      return peel_to_commit(repo.get(), "refs/heads/" + ref.name, ref, url);
    case RefKind::Tag:
      return peel_to_commit(repo.get(), "refs/tags/" + ref.name, ref, url);
    case RefKind::Default: {
      git_reference* raw = nullptr;
      if (WHARF_GIT(git_reference_lookup)(&raw, repo.get(), "HEAD") != 0) {
        return fail(redact_url(url) + " has no default branch (HEAD)",
                    "name a `branch:`, `tag:` or `rev:`");
      }
      ReferencePtr head(raw);
      git_reference* raw_target = nullptr;
      if (WHARF_GIT(git_reference_resolve)(&raw_target, head.get()) != 0) {
        const char* target = WHARF_GIT(git_reference_symbolic_target)(head.get());
        return fail(redact_url(url) + ": its default branch" +
                        (target != nullptr ? std::string(" ") + target : std::string()) +
                        " does not exist (is the repository empty?)",
                    "name a `branch:`, `tag:` or `rev:`");
      }
      ReferencePtr target(raw_target);
      return peel_to_commit(repo.get(), WHARF_GIT(git_reference_name)(target.get()), ref, url);
    }
    case RefKind::Rev:
      break;
  }
  std::string rev(trim(ref.name));
  bool hex =
      rev.size() >= GIT_OID_MINPREFIXLEN && rev.size() <= GIT_OID_HEXSZ &&
      std::all_of(rev.begin(), rev.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!hex) {
    return fail_input("rev `" + ref.name + "` for " + redact_url(url) + " is not a commit id",
                      "`rev:` takes a full or short (at least 4 digits) hex commit id; use "
                      "`branch:` or `tag:` for names");
  }
  int rc = 0;
  auto commit = find_commit(repo.get(), rev, &rc);
  if (commit == nullptr) {
    if (rc == GIT_EAMBIGUOUS) {
      return fail("rev `" + ref.name + "` is ambiguous in " + redact_url(url),
                  "give more digits of the commit id");
    }
    return fail(redact_url(url) + " has no commit `" + ref.name + "`",
                "check the id; if it was pushed recently, fetch again (without --offline)");
  }
  return oid_hex(WHARF_GIT(git_commit_id)(commit.get()));
}

Result<RefNames> list_refs(const std::filesystem::path& mirror) {
  auto repo = WHARF_TRY(open_mirror(mirror));
  return RefNames{names_under(repo.get(), "refs/heads/"), names_under(repo.get(), "refs/tags/")};
}

}  // namespace wharf::git
