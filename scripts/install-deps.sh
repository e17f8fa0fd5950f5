#!/usr/bin/env bash
# Installs the Debian packages Holdfast needs to build, test and benchmark, and only those that are missing.
# Safe to run repeatedly: with everything present it does nothing and exits 0.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsqlite3-dev sqlite3 libssl-dev libsodium-dev libzstd-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev
  postgresql-15 postgresql-contrib
  restic  # the baseline of the vault benchmark (bench/vault.sh)
  python3 python3-icalendar  # the independent parser the iCalendar feed is checked with (src/base/ical_test.cc)
  tzdata  # zone names (America/Chicago) for the city's time zone (base/timezone.h)
  nodejs npm chromium  # the web UI's build (web/) and its end-to-end test in a real browser (docs/web.md)
)

missing=()
for p in "${packages[@]}"; do
  # A Node.js from another source (e.g. NodeSource's nodejs package) brings its own npm and conflicts with
  # Debian's npm package: an npm on the PATH will do.
  [[ $p == npm ]] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "error: not root and no sudo; install these as root: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
