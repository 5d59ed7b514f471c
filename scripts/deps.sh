#!/usr/bin/env bash
# Installs the Debian 12 packages wharf needs to build and test, when missing.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config git python3 python3-jsonschema python3-yaml
  libgit2-dev libarchive-dev libcurl4-openssl-dev libyaml-cpp-dev libcli11-dev catch2
  nettle-dev openssl nlohmann-json3-dev libzstd-dev libfmt-dev zsh fish
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
