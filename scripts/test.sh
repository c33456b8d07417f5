#!/usr/bin/env bash
# RailFair's test command (the README's, and the tests step of .ci/run): installs the programs the
# tests need beyond cargo when they are missing, then runs `cargo test --locked` with any
# arguments given (`scripts/test.sh --test api cache`). The install steps live here only.
#
# - redis-server: the cache and resilience tests start their own, each on a free port.
# - promtool (Debian's prometheus package): lints /metrics and the alert rules.
# A test whose program is missing fails saying so; it never passes by skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

# The tests read the real public data from ../shared/data (never copied into the repo).
if [ -z "${RAILFAIR_SHARED_DATA:-}" ] && [ ! -f ../shared/data/naptan/RailReferences.csv ]; then
  echo "missing ../shared/data: the tests need the shared real data beside the repository" \
       "(or RAILFAIR_SHARED_DATA naming it)" >&2
  exit 1
fi

apt_updated=""
# install_missing PROGRAM PACKAGE: installs the Debian PACKAGE when PROGRAM is not on PATH (with
# sudo only when not root; the package lists are refreshed once per run).
install_missing() {
  local program=$1 package=$2
  if command -v "$program" >/dev/null 2>&1; then
    return
  fi
  echo "== installing $program ($package)"
  export DEBIAN_FRONTEND=noninteractive
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  if [ -z "$apt_updated" ]; then
    $sudo_cmd apt-get update -qq
    apt_updated=1
  fi
  $sudo_cmd apt-get install -y -qq "$package" >/dev/null
}

install_missing redis-server redis-server
redis-server --version
install_missing promtool prometheus
promtool --version 2>&1 | sed -n 1p

cargo test --locked "$@"
