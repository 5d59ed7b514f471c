// Errors as values.
//
// Every fallible operation returns Result<T>: a value or an Error. An Error is
// one user-facing message (what, where, what to do next) plus a kind that
// decides the exit code. Only main() turns an Error into an exit code
// (FORMATS.md "Exit codes"); nothing below it exits the process.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace wharf {

enum class ErrorKind {
  // Bad usage or an invalid input file (parse errors, unknown keys): exit 2.
  Input,
  // A failure the user can fix (unsatisfiable constraints, stale lockfile
  // under --locked, hash mismatch, network failure after retries): exit 1.
  Failure,
};

struct Error {
  ErrorKind kind = ErrorKind::Failure;
  // One clear sentence or a few lines: what went wrong and where
  // ("wharf.yaml:4:3: unknown key `dependencis`").
  std::string message;
  // What to do next ("did you mean `dependencies`?"); may be empty.
  std::string hint;
  // Machine-readable detail as JSON text (for `--json`), e.g. the solver's
  // derivation tree; may be empty.
  std::string details;

  int exit_code() const { return kind == ErrorKind::Input ? 2 : 1; }
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthands that read well at the call site: `return fail("...")`.
inline std::unexpected<Error> fail(std::string message, std::string hint = {}) {
  return std::unexpected(Error{ErrorKind::Failure, std::move(message), std::move(hint)});
}
inline std::unexpected<Error> fail_input(std::string message, std::string hint = {}) {
  return std::unexpected(Error{ErrorKind::Input, std::move(message), std::move(hint)});
}

// Prefix an error's message with context ("reading registry main: ...").
inline Error with_context(Error error, const std::string& context) {
  error.message = context + ": " + error.message;
  return error;
}

}  // namespace wharf

// WHARF_TRY(expr): evaluates a Result; on error returns it from the enclosing
// function (whose return type must be a Result), else yields the value.
#define WHARF_TRY(expr)                                                                   \
  ({                                                                                      \
    auto&& wharf_try_result_ = (expr);                                                    \
    if (!wharf_try_result_) return std::unexpected(std::move(wharf_try_result_).error()); \
    std::move(wharf_try_result_).value();                                                 \
  })

// WHARF_TRY_VOID(expr): the same for Result<void>.
#define WHARF_TRY_VOID(expr)                                                              \
  do {                                                                                    \
    auto&& wharf_try_result_ = (expr);                                                    \
    if (!wharf_try_result_) return std::unexpected(std::move(wharf_try_result_).error()); \
  } while (0)
