#include "wharf/version/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "version_internal.hpp"

namespace wharf::version {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool is_numeric(std::string_view id) {
  return !id.empty() && std::ranges::all_of(id, is_digit);
}

std::string found_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "the end";
  return fmt::format("`{}`", text[pos]);
}

void hash_mix(std::size_t& seed, std::size_t value) {
  seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
}

std::size_t compute_hash(const Version::Rep& rep) {
  std::size_t seed = rep.significant;
  for (std::size_t i = 0; i < rep.significant; ++i) hash_mix(seed, rep.release[i]);
  for (const auto& id : rep.prerelease) hash_mix(seed, std::hash<std::string>{}(id));
  return seed;
}

std::string compose_text(const Version::Rep& rep) {
  std::string text;
  for (std::size_t i = 0; i < rep.release.size(); ++i) {
    if (i > 0) text += '.';
    text += std::to_string(rep.release[i]);
  }
  for (std::size_t i = 0; i < rep.prerelease.size(); ++i) {
    text += i == 0 ? '-' : '.';
    text += rep.prerelease[i];
  }
  if (!rep.build.empty()) text += '+' + rep.build;
  return text;
}

void finish(Version::Rep& rep) {
  rep.significant = rep.release.size();
  while (rep.significant > 0 && rep.release[rep.significant - 1] == 0) --rep.significant;
  rep.hash = compute_hash(rep);
}

const Version::Rep& zero_rep() {
  static const Version::Rep rep = [] {
    Version::Rep r;
    r.release = {0};
    r.text.assign(1, '0');  // not `= "0"`: GCC 12 -Wrestrict false positive
    finish(r);
    return r;
  }();
  return rep;
}

// Dot-separated identifiers of a pre-release (`-`) or build (`+`) part,
// starting at `pos` (just after the marker). Advances `pos` past them.
std::expected<std::vector<std::string>, ParseProblem> parse_identifiers(std::string_view text,
                                                                        std::size_t& pos,
                                                                        bool prerelease) {
  std::vector<std::string> ids;
  const char* part = prerelease ? "pre-release" : "build metadata";
  while (true) {
    std::size_t start = pos;
    while (pos < text.size() && is_identifier_char(text[pos])) ++pos;
    std::string_view id = text.substr(start, pos - start);
    if (id.empty()) {
      return std::unexpected(ParseProblem{
          start, fmt::format("expected a {} identifier, found {}", part, found_at(text, start))});
    }
    if (prerelease && is_numeric(id) && id.size() > 1 && id[0] == '0') {
      return std::unexpected(
          ParseProblem{start, fmt::format("leading zero in pre-release identifier `{}`", id)});
    }
    ids.emplace_back(id);
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      continue;
    }
    return ids;
  }
}

int compare_identifiers(const std::string& a, const std::string& b) {
  bool a_num = is_numeric(a);
  bool b_num = is_numeric(b);
  if (a_num && b_num) {
    // No leading zeros, so the longer number is the larger; this also works
    // for numbers beyond 64 bits.
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a_num != b_num) return a_num ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_reps(const Version::Rep& a, const Version::Rep& b) {
  std::size_t common = std::min(a.significant, b.significant);
  for (std::size_t i = 0; i < common; ++i) {
    if (a.release[i] != b.release[i]) return a.release[i] < b.release[i] ? -1 : 1;
  }
  if (a.significant != b.significant) return a.significant < b.significant ? -1 : 1;
  // Same release: a release sorts after its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() && b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  std::size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (std::size_t i = 0; i < n; ++i) {
    int c = compare_identifiers(a.prerelease[i], b.prerelease[i]);
    if (c != 0) return c;
  }
  if (a.prerelease.size() != b.prerelease.size())
    return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
  return 0;
}

}  // namespace

std::expected<Version, ParseProblem> VersionAccess::parse(std::string_view text) {
  if (text.empty()) return std::unexpected(ParseProblem{0, "expected a number, found nothing"});
  auto rep = std::make_shared<Version::Rep>();
  std::size_t pos = 0;
  while (true) {
    std::size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    std::string_view digits = text.substr(start, pos - start);
    if (digits.empty()) {
      return std::unexpected(
          ParseProblem{start, fmt::format("expected a number, found {}", found_at(text, start))});
    }
    if (digits.size() > 1 && digits[0] == '0') {
      return std::unexpected(ParseProblem{start, fmt::format("leading zero in `{}`", digits)});
    }
    std::uint64_t value = 0;
    for (char c : digits) {
      auto digit = static_cast<std::uint64_t>(c - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        return std::unexpected(
            ParseProblem{start, fmt::format("number `{}` is too large (the largest is {})", digits,
                                            std::numeric_limits<std::uint64_t>::max())});
      }
      value = value * 10 + digit;
    }
    rep->release.push_back(value);
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      continue;
    }
    break;
  }
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
    auto ids = parse_identifiers(text, pos, true);
    if (!ids) return std::unexpected(std::move(ids).error());
    rep->prerelease = std::move(*ids);
  }
  if (pos < text.size() && text[pos] == '+') {
    std::size_t start = ++pos;
    auto ids = parse_identifiers(text, pos, false);
    if (!ids) return std::unexpected(std::move(ids).error());
    rep->build = std::string(text.substr(start, pos - start));
  }
  if (pos < text.size()) {
    return std::unexpected(ParseProblem{pos, fmt::format("unexpected {}", found_at(text, pos))});
  }
  rep->text = std::string(text);
  finish(*rep);
  return Version(std::move(rep));
}

Version VersionAccess::make(std::vector<std::uint64_t> release, std::vector<std::string> prerelease,
                            std::string build) {
  if (release.empty()) release.push_back(0);
  auto rep = std::make_shared<Version::Rep>();
  rep->release = std::move(release);
  rep->prerelease = std::move(prerelease);
  rep->build = std::move(build);
  rep->text = compose_text(*rep);
  finish(*rep);
  return Version(std::move(rep));
}

Version::Version() = default;

Version::Version(std::shared_ptr<const Rep> rep) : m_rep(std::move(rep)) {
  const Rep& r = *m_rep;
  m_key = 0;
  if (r.significant > 3) return;
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    std::uint64_t component = i < r.significant ? r.release[i] : 0;
    if (component >= (std::uint64_t{1} << 20)) return;
    key = (key << 20) | component;
  }
  m_key = (key << 4) | (r.prerelease.empty() ? kTagRelease : kTagPrerelease);
}

Result<Version> Version::parse(std::string_view text) {
  auto parsed = VersionAccess::parse(text);
  if (!parsed) {
    return fail_input(fmt::format("invalid version `{}`: {} at position {}", text,
                                  parsed.error().what, parsed.error().offset + 1),
                      "a version looks like `1.2.3`, `1.2` or `1.2.3-rc.1`");
  }
  return std::move(*parsed);
}

Version Version::from_release(std::vector<std::uint64_t> release) {
  return VersionAccess::make(std::move(release), {}, {});
}

const Version::Rep& Version::rep() const {
  return m_rep ? *m_rep : zero_rep();
}

const std::vector<std::uint64_t>& Version::release() const {
  return rep().release;
}
const std::vector<std::string>& Version::prerelease() const {
  return rep().prerelease;
}
const std::string& Version::build() const {
  return rep().build;
}
bool Version::is_prerelease() const {
  return !rep().prerelease.empty();
}

Version Version::without_prerelease() const {
  const Rep& r = rep();
  if (r.prerelease.empty() && r.build.empty()) return *this;
  return from_release(r.release);
}

std::string Version::to_string() const {
  return rep().text;
}
std::size_t Version::hash() const {
  return rep().hash;
}

int Version::compare_slow(const Version& a, const Version& b) {
  if (a.m_rep == b.m_rep) return 0;
  return compare_reps(a.rep(), b.rep());
}

}  // namespace wharf::version
