#!/usr/bin/env bash
# Install piranha-web into .venv (creating it when missing) and serve it on 127.0.0.1:3636.
# The config defaults to ./run/lvs.cf, created from lvs.cf.example on first start; the login
# password is generated and printed on first start.  Extra arguments go to `piranha-web serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
export PIRANHA_CONFIG="${PIRANHA_CONFIG:-$PWD/run/lvs.cf}"
export PIRANHA_STATE_DIR="${PIRANHA_STATE_DIR:-$PWD/run/state}"
exec .venv/bin/piranha-web serve "$@"
