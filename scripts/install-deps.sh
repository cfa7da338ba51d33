#!/usr/bin/env bash
# Installs what llama4c needs from Debian 12's packages, skipping apt
# entirely when everything is already there. Run as root.
set -euo pipefail

packages=(
  cmake ninja-build ccache python3
  clang-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libomp-22-dev
  zlib1g-dev libzstd-dev
  nlohmann-json3-dev libyaml-cpp-dev libgtest-dev libbenchmark-dev
  libpcre2-dev libpng-dev libjpeg62-turbo-dev pkg-config
  libclang-rt-22-dev
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages and not root; run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
