// A failed solve carries its derivation tree as JSON in Error::details (what
// `--json` prints), and that tree is made of the real dependencies.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <tuple>

#include "wharf/manifest/registry_index.hpp"
#include "wharf/ops/ops.hpp"
#include "wharf/util/fs.hpp"

using namespace wharf;

namespace {

using Deps = std::vector<std::pair<std::string, std::string>>;

void add_index(const fs::path& registry, const std::string& name,
               const std::vector<std::pair<std::string, Deps>>& versions) {
  manifest::PackageIndex index;
  index.name = name;
  for (const auto& [v, deps] : versions) {
    manifest::IndexVersion entry;
    entry.version = *version::Version::parse(v);
    for (const auto& [dep, constraint] : deps)
      entry.dependencies.emplace_back(dep, *version::Constraint::parse(constraint));
    entry.artifacts.push_back(
        {"any", "../artifacts/" + name + "-" + v + ".tar.gz", std::string(64, 'a'), 10});
    index.versions.push_back(std::move(entry));
  }
  REQUIRE(write_file_atomic(registry / "index" / (name + ".yaml"),
                            manifest::write_package_index(index)));
}

// A file registry under `dir`, filled by `fill`, and a project `name` that
// depends on `dependencies` (YAML lines); returns what locking it gives.
template <class Fill>
Result<ops::LockResult> lock_project(const TempDir& dir, Fill fill, const std::string& name,
                                     const std::string& dependencies) {
  fs::path registry = dir.path() / "registry";
  REQUIRE(write_file_atomic(registry / "registry.yaml", "format: 1\nname: test\n"));
  fill(registry);
  fs::path project = dir.path() / "project";
  REQUIRE(write_file_atomic(project / "wharf.yaml", "name: " + name +
                                                        "\nregistries:\n"
                                                        "  - name: main\n"
                                                        "    url: file:../registry\n"
                                                        "dependencies:\n" +
                                                        dependencies));
  ops::Reporter reporter;
  ops::Context context{project, dir.path() / "cache", &reporter};
  return ops::lock(context, ops::LockOptions{});
}

}  // namespace

TEST_CASE("a failed lock's details are the derivation tree as JSON, citing real dependencies",
          "[ops]") {
  TempDir dir;
  // demo needs a ^2 and c; a 2.x needs b ^3; c needs b <3: no solution.
  auto fill = [](const fs::path& registry) {
    add_index(registry, "a", {{"1.0.0", {}}, {"2.0.0", {{"b", "^3"}}}, {"2.1.0", {{"b", "^3"}}}});
    add_index(registry, "b", {{"2.0.0", {}}, {"3.0.0", {}}});
    add_index(registry, "c", {{"1.0.0", {{"b", "<3"}}}});
    add_index(registry, "unrelated", {{"1.0.0", {{"b", ">=1"}}}});
  };
  auto result = lock_project(dir, fill, "demo", "  a: \"^2\"\n  c: \"*\"\n");
  REQUIRE_FALSE(result);
  const Error& error = result.error();
  CHECK(error.exit_code() == 1);
  CHECK(error.message.find("version solving failed") != std::string::npos);
  CHECK(error.message.find("`demo`") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "project" / "wharf.lock"));

  REQUIRE_FALSE(error.details.empty());
  nlohmann::json details = nlohmann::json::parse(error.details);  // throws if not JSON
  CHECK(details["kind"] == "unsatisfiable");
  CHECK(details["project"] == "demo");
  const std::string explanation = details["explanation"];
  CHECK(error.message.ends_with(explanation));
  const auto& nodes = details["nodes"];
  REQUIRE(nodes.is_array());
  REQUIRE(details["root"].get<std::size_t>() == nodes.size() - 1);
  CHECK(nodes.back()["kind"] == "derived");

  // Every dependency the tree cites is one the manifest or an index states.
  const std::set<std::tuple<std::string, std::string, std::string>> real = {
      {"demo", "a", "^2"}, {"demo", "c", "*"}, {"a", "b", "^3"}, {"c", "b", "<3"}};
  std::set<std::tuple<std::string, std::string, std::string>> cited;
  std::set<std::size_t> lines;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    CHECK(node["id"] == i);
    CHECK_FALSE(node["text"].get<std::string>().empty());
    if (node["kind"] == "derived") {
      REQUIRE(node["causes"].size() == 2);
      for (const auto& c : node["causes"]) CHECK(c.get<std::size_t>() < i);
    } else {
      CHECK(node["causes"].empty());
    }
    if (node["kind"] == "dependency") {
      auto key =
          std::make_tuple(node["package"].get<std::string>(), node["dependency"].get<std::string>(),
                          node["constraint"].get<std::string>());
      CHECK(real.count(key) == 1);
      cited.insert(key);
    }
    for (const auto& t : node["terms"]) CHECK(t["package"] != "unrelated");
    if (!node["line"].is_null()) lines.insert(node["line"].get<std::size_t>());
  }
  CHECK(cited.count({"a", "b", "^3"}) == 1);
  CHECK(cited.count({"c", "b", "<3"}) == 1);

  // The numbered lines of the text are exactly the nodes' `line`s.
  std::set<std::size_t> numbered;
  std::regex number(R"(^\((\d+)\) )");
  std::size_t start = 0;
  while (start <= explanation.size()) {
    std::size_t end = explanation.find('\n', start);
    if (end == std::string::npos) end = explanation.size();
    std::string line = explanation.substr(start, end - start);
    std::smatch m;
    if (std::regex_search(line, m, number)) numbered.insert(std::stoul(m[1]));
    start = end + 1;
  }
  CHECK(numbered == lines);
}

TEST_CASE("a failed lock with a numbered explanation ties lines to nodes", "[ops]") {
  // The branching scenario: two independent reasons why `x` cannot be chosen
  // make the explanation refer back to a numbered line.
  TempDir dir;
  auto fill = [](const fs::path& registry) {
    add_index(registry, "foo",
              {{"1.0.0", {{"a", "^1"}, {"b", "^1"}}}, {"1.1.0", {{"x", "^1"}, {"y", "^1"}}}});
    add_index(registry, "a", {{"1.0.0", {{"b", "^2"}}}});
    add_index(registry, "b", {{"1.0.0", {}}, {"2.0.0", {}}});
    add_index(registry, "x", {{"1.0.0", {{"y", "^2"}}}});
    add_index(registry, "y", {{"1.0.0", {}}, {"2.0.0", {}}});
  };
  auto result = lock_project(dir, fill, "root-app", "  foo: \"^1\"\n");
  REQUIRE_FALSE(result);
  nlohmann::json details = nlohmann::json::parse(result.error().details);
  const std::string explanation = details["explanation"];
  bool any_numbered = false;
  for (const auto& node : details["nodes"]) {
    if (node["line"].is_null()) continue;
    any_numbered = true;
    std::string tag = "(" + std::to_string(node["line"].get<std::size_t>()) + ")";
    // Written once as a line prefix and cited at least once more.
    std::size_t first = explanation.find(tag);
    REQUIRE(first != std::string::npos);
    CHECK(explanation.find(tag, first + 1) != std::string::npos);
  }
  CHECK(any_numbered);
}
