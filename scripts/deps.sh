#!/usr/bin/env bash
# Installs the Debian 12 packages slawatch builds and tests with (only the missing ones).
# Sourced by scripts/run and scripts/test.
set -euo pipefail

SLAWATCH_BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git
  libboost-dev libssl-dev nlohmann-json3-dev libsqlite3-dev libfmt-dev libyaml-cpp-dev
  prometheus-cpp-dev libre2-dev libhowardhinnant-date-dev tzdata
)
SLAWATCH_TEST_PACKAGES=(catch2 python3 prometheus prometheus-alertmanager sqlite3 curl systemd dpkg-dev file)
# The Grafana dashboard schema test (tests/ops/grafana_schema.sh) runs node + npm. Debian's
# nodejs comes without npm; a NodeSource nodejs bundles it and conflicts with Debian's npm.
command -v node >/dev/null 2>&1 || SLAWATCH_TEST_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || SLAWATCH_TEST_PACKAGES+=(npm)
# scripts/hardening: clang with libFuzzer and the sanitizer runtimes (only recommended by clang).
SLAWATCH_TEST_PACKAGES+=(clang libclang-rt-14-dev llvm)
# Reports (tests/integration/test_reports.py): the HTML report in headless Chromium, its PDF
# read back with pdftotext.
SLAWATCH_TEST_PACKAGES+=(chromium poppler-utils fonts-dejavu-core)

slawatch_install_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configures (once) and builds the Release tree in build/; ccache makes rebuilds fast.
slawatch_build() {
  local top=$1; shift
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/slawatch-ccache}
  if [[ ! -f $top/build/build.ninja ]]; then
    cmake -S "$top" -B "$top/build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
  fi
  cmake --build "$top/build" -j"$(nproc)"
}
