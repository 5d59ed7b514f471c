#include <catch2/catch.hpp>
#include <filesystem>

#include "ron.hpp"
#include "universe_solvers.hpp"
#include "wharf/util/fs.hpp"

using namespace wharf;
using namespace wharf::bench;

namespace {

ron::IntegerUniverse parse_ok(std::string_view text) {
  auto universe = ron::parse_universe(text, "test.ron");
  INFO((universe ? std::string() : universe.error().message));
  REQUIRE(universe);
  return *universe;
}

}  // namespace

TEST_CASE("RON universes: maps, lists of ranges, comments and trailing commas", "[bench]") {
  auto u = parse_ok(R"(
    // a comment
    {
      0: {
        0: { 13: [ (10, Some(13)), (20, None), ], /* inline */ 7: [(0, None)] },
        2: {},
      },
      13: { 10: {}, 12: { 0: [(3,Some(4))] } },
    }
  )");
  REQUIRE(u.size() == 2);
  REQUIRE(u.at(0).size() == 2);
  const auto& deps = u.at(0).at(0);
  REQUIRE(deps.size() == 2);
  const auto& r13 = deps.at(13);
  REQUIRE(r13.size() == 2);
  CHECK(r13[0].low == 10);
  CHECK(r13[0].high == std::optional<std::uint64_t>(13));
  CHECK(r13[1].low == 20);
  CHECK_FALSE(r13[1].high.has_value());
  CHECK(u.at(0).at(2).empty());
  CHECK(u.at(13).at(12).at(0)[0].high == std::optional<std::uint64_t>(4));
  auto roots = all_package_versions(u);
  CHECK(roots ==
        std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 0}, {0, 2}, {13, 10}, {13, 12}});
}

TEST_CASE("RON universes: the bounded form with Included, Excluded and Unbounded", "[bench]") {
  auto u = parse_ok(R"({ 1: { 0: { 2: [
      (Included(0), Excluded(13)),
      (Excluded(20), Included(25)),
      (Included(30), Unbounded),
      (Unbounded, Excluded(0)),
  ] } } })");
  const auto& r = u.at(1).at(0).at(2);
  // The empty (Unbounded, Excluded(0)) range adds nothing.
  REQUIRE(r.size() == 3);
  CHECK((r[0].low == 0 && r[0].high == std::optional<std::uint64_t>(13)));
  CHECK((r[1].low == 21 && r[1].high == std::optional<std::uint64_t>(26)));
  CHECK((r[2].low == 30 && !r[2].high));
}

TEST_CASE("RON universes: syntax errors name the line and column", "[bench]") {
  auto bad = ron::parse_universe("{\n  0: {\n    1: { 2: [ (1, Maybe(3)) ] },\n  },\n}", "u.ron");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Input);
  CHECK_THAT(bad.error().message, Catch::Contains("u.ron"));
  CHECK_THAT(bad.error().message, Catch::Contains("a range must be"));

  auto unterminated = ron::parse("{ 0: { 1: {} }", "v.ron");
  REQUIRE_FALSE(unterminated);
  CHECK_THAT(unterminated.error().message, Catch::StartsWith("v.ron:1:15:"));

  auto missing_colon = ron::parse("{\n 0 {} }", "w.ron");
  REQUIRE_FALSE(missing_colon);
  CHECK_THAT(missing_colon.error().message, Catch::StartsWith("w.ron:2:4: expected `:`"));

  auto trailing = ron::parse("{} x", "x.ron");
  REQUIRE_FALSE(trailing);
  CHECK_THAT(trailing.error().message, Catch::Contains("after the value"));

  auto shape = ron::parse_universe("[1, 2]", "y.ron");
  REQUIRE_FALSE(shape);
  CHECK_THAT(shape.error().message, Catch::Contains("top level must be a map"));

  auto huge = ron::parse("99999999999999999999999", "z.ron");
  REQUIRE_FALSE(huge);
  CHECK_THAT(huge.error().message, Catch::Contains("too large"));
}

namespace {

// 0@1 needs 1 and 2; 1@2 (newest) needs 2 >=2 but 2@2 needs 3 that does not
// exist, so a correct solver must walk back to 1@1 and 2@1.
constexpr const char* kBacktrack = R"({
  0: { 1: { 1: [(1, None)], 2: [(1, None)] } },
  1: { 1: { 2: [(1, Some(2))] }, 2: { 2: [(2, None)] } },
  2: { 1: {}, 2: { 3: [(0, None)] } },
  5: { 1: { 6: [(0, Some(1))] } },
  6: { 1: {} },
})";

}  // namespace

TEST_CASE("universe solvers: both instantiations walk back and agree", "[bench]") {
  auto u = parse_ok(kBacktrack);
  IntUniverseSolver int_solver(u);
  FacadeUniverseSolver facade(u);

  auto a = int_solver.solve(0, 1);
  auto b = facade.solve(0, 1);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->solved);
  REQUIRE(b->solved);
  std::map<std::uint64_t, std::uint64_t> expected{{0, 1}, {1, 1}, {2, 1}};
  CHECK(a->versions == expected);
  CHECK(b->versions == expected);
  std::string problem;
  CHECK(is_valid_solution(u, 0, 1, *a, problem));
  CHECK(is_valid_solution(u, 0, 1, *b, problem));

  // 5@1 needs 6 <1, and 6 has only version 1.
  auto c = int_solver.solve(5, 1);
  auto d = facade.solve(5, 1);
  REQUIRE(c);
  REQUIRE(d);
  CHECK_FALSE(c->solved);
  CHECK_FALSE(d->solved);
  CHECK_THAT(c->explanation, Catch::Contains("6"));
  CHECK_FALSE(d->explanation.empty());

  // 2@2 needs package 3, which the universe does not list.
  auto e = int_solver.solve(2, 2);
  REQUIRE(e);
  CHECK_FALSE(e->solved);
}

TEST_CASE("universe solvers: the validator rejects wrong answers", "[bench]") {
  auto u = parse_ok(kBacktrack);
  std::string problem;
  IntOutcome wrong{.solved = true, .versions = {{0, 1}, {1, 2}, {2, 1}}};
  CHECK_FALSE(is_valid_solution(u, 0, 1, wrong, problem));
  CHECK_THAT(problem, Catch::Contains("1@2 needs 2"));
  IntOutcome missing{.solved = true, .versions = {{0, 1}, {1, 1}}};
  CHECK_FALSE(is_valid_solution(u, 0, 1, missing, problem));
  IntOutcome other_root{.solved = true, .versions = {{0, 2}}};
  CHECK_FALSE(is_valid_solution(u, 0, 1, other_root, problem));
}

TEST_CASE("universe solvers: every root of a pubgrub-rs file gets a valid answer", "[bench]") {
  std::filesystem::path file = std::filesystem::path(WHARF_BENCH_DATA_DIR) / "pubgrub-rs" /
                               "large_case_u16_NumberVersion.ron";
  if (!std::filesystem::exists(file)) {
    // The data sits in shared/ beside the repository; a bare clone has none.
    SUCCEED("skipped: no bench data at " << file.string());
    return;
  }
  auto text = read_file(file);
  REQUIRE(text);
  auto u = ron::parse_universe(*text, file.string());
  REQUIRE(u);
  CHECK(u->size() == 83);
  auto roots = all_package_versions(*u);
  CHECK(roots.size() == 641);
  IntUniverseSolver solver(*u);
  std::size_t solved = 0;
  for (const auto& [pkg, ver] : roots) {
    auto outcome = solver.solve(pkg, ver);
    REQUIRE(outcome);
    if (!outcome->solved) continue;
    ++solved;
    std::string problem;
    INFO(pkg << "@" << ver << ": " << problem);
    REQUIRE(is_valid_solution(*u, pkg, ver, *outcome, problem));
  }
  // Some roots have no solution (pubgrub-rs reports the same file mixed).
  CHECK(solved > 0);
  CHECK(solved < roots.size());
}
