// `wharf add` and `wharf remove`: edit wharf.yaml, then lock and sync.
//
// The manifest is edited with wharf/manifest/edit.hpp (comments, order and
// formatting kept; the result re-parsed before anything is written) and
// written atomically. Then, unless asked not to, the operation runs sync()
// for the edited environment (which re-locks, because the manifest changed).
// When locking or installing fails, wharf.yaml and wharf.lock are put back to
// the bytes they had (the environment is installed atomically, so it is in
// its old state too) and the error says so.
#pragma once

#include <string>
#include <vector>

#include "wharf/ops/ops.hpp"

namespace wharf::ops {

enum class AfterEdit { Sync, NoSync };

struct AddRequest {
  std::string name;        // empty only with a git URL: then derived from the URL
  std::string constraint;  // empty: registry deps get `^` of the newest release
};

struct AddOptions {
  std::vector<AddRequest> packages;
  std::string environment = "default";  // whose `dependencies:` to edit
  std::string registry;                 // --registry: a declared registry other than the first
  std::string git, branch, tag, rev;    // --git URL (one package) with at most one ref
  AfterEdit after = AfterEdit::Sync;
};

struct RemoveOptions {
  std::vector<std::string> names;
  std::string environment = "default";
  AfterEdit after = AfterEdit::Sync;
};

// One edited entry of wharf.yaml.
struct ManifestChange {
  std::string name;
  std::string old_value;  // as written before ("" when added)
  std::string new_value;  // as written now ("" when removed)
};

struct EditResult {
  std::vector<ManifestChange> changes;
  bool manifest_changed = false;  // false when every entry already said the same
  bool synced = false;
};

// Failure (exit 1) when a registry package does not exist or has no release
// to default to, or when the solve or the install fails; Input (exit 2) for a
// bad name, constraint or flag combination, or a manifest that cannot be
// edited safely.
Result<EditResult> add(const Context& context, const AddOptions& options);
// Input (exit 2) when a name is not in the environment's table.
Result<EditResult> remove(const Context& context, const RemoveOptions& options);

// Splits `NAME[@CONSTRAINT]` (Input error for an empty name or constraint).
Result<AddRequest> parse_add_spec(std::string_view spec);

}  // namespace wharf::ops
