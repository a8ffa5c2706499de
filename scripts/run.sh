#!/usr/bin/env bash
# Install piranha-web into .venv (creating it when missing) and serve it on 127.0.0.1:3636.
# The config defaults to ./run/lvs.cf, created from lvs.cf.example on first start, the state
# (password, sessions, history) to ./run/state ($PIRANHA_RUN_DIR instead of ./run when set);
# the login password is generated and printed on first start, with the exact command that
# changes it.  Extra arguments go to `piranha-web serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
# (re)install when the command is missing or pyproject.toml changed since it was installed
if [ ! -x .venv/bin/piranha-web ] || [ pyproject.toml -nt .venv/bin/piranha-web ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
  touch .venv/bin/piranha-web
fi
run_dir="${PIRANHA_RUN_DIR:-$PWD/run}"
export PIRANHA_CONFIG="${PIRANHA_CONFIG:-$run_dir/lvs.cf}"
export PIRANHA_STATE_DIR="${PIRANHA_STATE_DIR:-$run_dir/state}"
exec .venv/bin/piranha-web serve "$@"
