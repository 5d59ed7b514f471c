#!/usr/bin/env bash
# The README's main job, end to end, in a scratch copy: build the example
# registry from examples/packages with `wharf pack` + `wharf registry index`,
# sync examples/quickstart, run its tool, and validate every file that was
# produced (registry, index, lockfile) against the JSON Schemas.
# Usage: quickstart.sh WHARF_BINARY SOURCE_DIR
set -euo pipefail
wharf=$1
src=$2
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export WHARF_CACHE_DIR="$work/cache" NO_COLOR=1
cp -r "$src/examples" "$work/examples"
rm -rf "$work/examples/registry" "$work/examples/quickstart/.wharf" "$work/examples/quickstart/wharf.lock"
cd "$work/examples"
for package in packages/*/; do "$wharf" -q pack "$package" -o registry/artifacts; done
"$wharf" registry index registry --name example
cd quickstart
"$wharf" sync 2> sync.err
grep -q '+ hello 1.2.0' sync.err || { cat sync.err; echo "FAIL: sync did not add hello 1.2.0"; exit 1; }
out=$("$wharf" run -- hello)
[ "$out" = "Hello from wharf! (hello 1.2.0)" ] || { echo "FAIL: unexpected output: $out"; exit 1; }
greeting=$("$wharf" run -- sh -c 'echo "$GREETING"')
case "$greeting" in "hello from $PWD/.wharf/envs/default"|"hello from "*"/quickstart/.wharf/envs/default") ;; *) echo "FAIL: GREETING=$greeting"; exit 1;; esac
"$wharf" sync --locked 2> locked.err || { cat locked.err; echo "FAIL: sync --locked"; exit 1; }
"$wharf" verify
/usr/bin/python3 "$src/tests/schemas/validate_examples.py" "$work/examples"
echo "quickstart: ok"
