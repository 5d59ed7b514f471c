#!/usr/bin/env bash
# Builds wharf (Release), makes the example registry from examples/packages
# with wharf's own `pack` and `registry index`, then runs `wharf sync` and
# `wharf run -- hello` in examples/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DWHARF_BUILD_TESTS=OFF -DWHARF_BUILD_BENCH=OFF >/dev/null
cmake --build build/release --target wharf
wharf="$PWD/build/release/src/cli/wharf"

rm -rf examples/registry
for package in examples/packages/*/; do
  "$wharf" -q pack "$package" -o examples/registry/artifacts
done
"$wharf" registry index examples/registry --name example

cd examples/quickstart
echo "\$ wharf sync"
"$wharf" sync
echo "\$ wharf run -- hello"
"$wharf" run -- hello
