#!/usr/bin/env bash
# Builds wharf with its tests (warnings are errors) and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWHARF_WERROR=ON >/dev/null
cmake --build build/test
ctest --test-dir build/test --output-on-failure -j"$(nproc)" --timeout 600
