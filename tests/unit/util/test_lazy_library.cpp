// LazyLibrary: a library opened on first use, with one clear error when it is
// missing (wharf/util/lazy_library.hpp).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "wharf/util/lazy_library.hpp"

using namespace wharf;

namespace {

const char* const kMissing = "libwharf-test-missing.so.7";

LazyLibrary& missing_library() {
  static LazyLibrary library(kMissing, "to run this test", "wharf-test-lib");
  return library;
}

LazyLibrary& libm() {
  static LazyLibrary library("libm.so.6", "for this test", "the C library");
  return library;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct ChildResult {
  int exit_code = -1;
  std::string err;
};

// Runs `body` in a forked child with stderr captured; the child's exit
// status and what it wrote to stderr.
template <class Body>
ChildResult in_child(Body body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    body();
    ::_exit(0);
  }
  ::close(fds[1]);
  ChildResult result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    result.err.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST_CASE("a library that cannot be opened is one clear error, every time", "[util]") {
  auto loaded = missing_library().load();
  REQUIRE_FALSE(loaded);
  const Error& error = loaded.error();
  CHECK(error.kind == ErrorKind::Failure);
  CHECK(error.exit_code() == 1);
  INFO(error.message);
  CHECK(error.message.starts_with(std::string("wharf needs ") + kMissing + " to run this test"));
  // The loader's own reason is kept.
  CHECK(contains(error.message, "cannot open shared object file"));
  CHECK(contains(error.hint, "install wharf-test-lib"));
  CHECK(contains(error.hint, kMissing));

  auto again = missing_library().load();
  REQUIRE_FALSE(again);
  CHECK(again.error().message == error.message);
}

TEST_CASE("a function of a missing library ends the process with the error, exit 1", "[util]") {
  auto child = in_child([] {
    using Function = int (*)(void);
    lazy_symbol<&missing_library, "wharf_test_function", Function>()();
  });
  CHECK(child.exit_code == 1);
  CHECK(contains(child.err, std::string("error: wharf needs ") + kMissing + " to run this test"));
  CHECK(contains(child.err, "hint: install wharf-test-lib"));
}

TEST_CASE("lazy_symbol calls the library's function through its declared type", "[util]") {
  REQUIRE(libm().load());
  using Pow = double (*)(double, double);
  auto first = lazy_symbol<&libm, "pow", Pow>();
  CHECK(first(2.0, 10.0) == 1024.0);
  // Cached: every call site gets the same address.
  CHECK(lazy_symbol<&libm, "pow", Pow>() == first);

  auto child = in_child([] {
    using Function = int (*)(void);
    lazy_symbol<&libm, "wharf_no_such_function", Function>()();
  });
  CHECK(child.exit_code == 1);
  CHECK(contains(child.err, "libm.so.6 has no function wharf_no_such_function"));
}
