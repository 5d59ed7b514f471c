// The --json documents' building blocks (src/cli/json_output.hpp, private).
#include <catch2/catch.hpp>

#include "../../../src/cli/json_output.hpp"

using namespace wharf;
using wharf::cli::Json;

TEST_CASE("error_json parses details as JSON, keeps other text, and nulls what is empty", "[cli]") {
  Error structured{ErrorKind::Failure, "no solution", "relax hello", R"({"tree": [1, 2]})"};
  auto doc = cli::error_json(structured);
  CHECK(doc.dump() == R"({"message":"no solution","hint":"relax hello","details":{"tree":[1,2]}})");

  Error text{ErrorKind::Failure, "m", "", "not json {"};
  doc = cli::error_json(text);
  CHECK(doc["hint"].is_null());
  CHECK(doc["details"] == "not json {");

  Error bare{ErrorKind::Input, "m", "", ""};
  CHECK(cli::error_json(bare)["details"].is_null());
}

TEST_CASE("JsonReporter collects changes with reasons, steps and warnings in order", "[cli]") {
  cli::JsonReporter reporter;
  ops::Reporter& base = reporter;
  base.step("Resolved", "2 packages in 1 ms");
  base.change(ops::ChangeKind::Added, "zlib", "", "1.3.1");
  reporter.explained_change(ops::ChangeKind::Removed, "old", "0.3.0", "", "no longer required");
  base.warning("careful");
  base.detail("only with -v");
  CHECK(
      reporter.document().dump() ==
      R"({"changes":[{"kind":"added","name":"zlib","old":null,"new":"1.3.1","reason":null},)"
      R"({"kind":"removed","name":"old","old":"0.3.0","new":null,"reason":"no longer required"}],)"
      R"("steps":[{"verb":"Resolved","detail":"2 packages in 1 ms"}],"warnings":["careful"]})");
}
