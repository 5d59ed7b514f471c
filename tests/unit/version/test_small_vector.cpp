#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>

#include "wharf/version/detail/small_vector.hpp"

using wharf::version::detail::SmallVector;

namespace {

// Counts live objects so that leaks and double destruction show up.
struct Tracked {
  static inline int live = 0;
  std::string value;
  explicit Tracked(std::string v) : value(std::move(v)) { ++live; }
  Tracked(const Tracked& o) : value(o.value) { ++live; }
  Tracked(Tracked&& o) noexcept : value(std::move(o.value)) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) noexcept = default;
  ~Tracked() { --live; }
  friend bool operator==(const Tracked& a, const Tracked& b) { return a.value == b.value; }
};

SmallVector<Tracked, 2> make(int n) {
  SmallVector<Tracked, 2> out;
  for (int i = 0; i < n; ++i) out.emplace_back("item-" + std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("SmallVector grows from inline storage to the heap", "[version]") {
  Tracked::live = 0;
  {
    auto v = make(5);
    REQUIRE(v.size() == 5);
    CHECK(Tracked::live == 5);
    for (int i = 0; i < 5; ++i) CHECK(v[i].value == "item-" + std::to_string(i));
    CHECK(v.front().value == "item-0");
    CHECK(v.back().value == "item-4");
    v.pop_back();
    CHECK(v.size() == 4);
    CHECK(Tracked::live == 4);
    v.clear();
    CHECK(v.empty());
    CHECK(Tracked::live == 0);
    v.emplace_back("again");
    CHECK(v.size() == 1);
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("SmallVector copies and moves inline and heap contents", "[version]") {
  Tracked::live = 0;
  for (int n : {0, 1, 2, 3, 7}) {
    INFO("size " << n);
    auto original = make(n);
    auto copy = original;
    CHECK(copy == original);
    auto moved = std::move(copy);
    CHECK(moved == original);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    for (int m : {0, 1, 2, 5}) {
      auto target = make(m);
      target = original;
      CHECK(target == original);
      auto other = make(m);
      other = std::move(target);
      CHECK(other == original);
    }
    auto& self = original;
    original = self;
    CHECK(original == make(n));
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("SmallVector appends a copy of its own element while growing", "[version]") {
  Tracked::live = 0;
  {
    auto v = make(2);  // full inline storage: the next append moves everything
    v.push_back(v[0]);
    REQUIRE(v.size() == 3);
    CHECK(v[2].value == "item-0");
    CHECK(v[0].value == "item-0");
    v.push_back(v[2]);
    CHECK(v[3].value == "item-0");
  }
  CHECK(Tracked::live == 0);
}
