#!/usr/bin/env bash
# The CMake example, end to end, from source:
#   1. build the greet library (greet/) with CMake and install it into a staging folder,
#   2. make it a wharf package (wharf-package.yaml) and pack it into a local registry,
#   3. in app/: `wharf run -- cmake -S . -B build`, `wharf run -- cmake --build build`,
#      `wharf run -- ./build/app`.
# Usage: build-example.sh [WHARF] [WORKDIR]
#   WHARF    the wharf binary (default: `wharf` on PATH)
#   WORKDIR  where to build (default: a temporary folder, removed afterwards)
# Prints the app's output; exits non-zero if any step fails or the output is wrong.
set -euo pipefail
wharf=${1:-wharf}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -ge 2 ]; then
  work=$2
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
export WHARF_CACHE_DIR=${WHARF_CACHE_DIR:-$work/cache}
rm -rf "$work/greet" "$work/app" "$work/registry" "$work/stage"
cp -r "$here/greet" "$here/app" "$work/"
cd "$work"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-aarch64 ;;
  Darwin-x86_64) platform=macos-x86_64 ;;
  Darwin-arm64) platform=macos-arm64 ;;
  *) echo "build-example.sh: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

echo "== build greet from source"
cmake -S greet -B greet/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build greet/build >/dev/null
stage=$work/stage/greet-1.0.0
cmake --install greet/build --prefix "$stage" >/dev/null
printf 'name: greet\nversion: 1.0.0\nplatform: %s\n' "$platform" > "$stage/wharf-package.yaml"

echo "== pack it into a registry"
"$wharf" pack "$stage" -o registry/artifacts
"$wharf" registry index registry --name cmake-example

echo "== build and run the app in its environment"
cd app
# No build-tree RPATH: the app then finds libgreet only through the
# LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on macOS) that `wharf run` sets.
"$wharf" run -- cmake -S . -B build -DCMAKE_SKIP_BUILD_RPATH=ON >/dev/null
"$wharf" run -- cmake --build build >/dev/null
out=$("$wharf" run -- ./build/app)
echo "$out"
expected="Hello, wharf! (greet 1.0.0)"
if [ "$out" != "$expected" ]; then
  echo "build-example.sh: expected \"$expected\", got \"$out\"" >&2
  exit 1
fi
# Outside the environment the library is not found: it came from wharf.
if env -u LD_LIBRARY_PATH -u DYLD_LIBRARY_PATH ./build/app >/dev/null 2>&1; then
  echo "build-example.sh: ./build/app ran without the environment; libgreet did not come from wharf" >&2
  exit 1
fi
# The pkg-config file is found through PKG_CONFIG_PATH too.
if command -v pkg-config >/dev/null; then
  version=$("$wharf" run -- pkg-config --modversion greet)
  [ "$version" = "1.0.0" ] || { echo "build-example.sh: pkg-config says greet $version" >&2; exit 1; }
fi
echo "cmake example: ok"
