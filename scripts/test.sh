#!/usr/bin/env bash
# Run the whole piranha-web test suite on a Debian machine, installing what it needs first:
# Debian packages (openssh-server, chromium, iproute2, qemu for the IPVS VM test, keepalived, nodejs/npm
# for axe-core), a virtualenv
# in .venv with the package and its test extras, then ruff, mypy and pytest.
# Usage: scripts/test.sh [--fast] [pytest args...]
#   (default)  the whole suite under coverage (served subprocesses included, see
#              [tool.coverage.run] in pyproject.toml); fails below the floor COVERAGE_FLOOR
#   --fast     the edit-test loop: no IPVS VM (-m vm) and no Chromium (-m e2e) tests, no coverage
set -euo pipefail
cd "$(dirname "$0")/.."

#: percent of piranha_web's statements the whole suite must execute (measured, a little under)
COVERAGE_FLOOR=92
fast=0
if [ "${1:-}" = "--fast" ]; then
  fast=1
  shift
fi

need_apt=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_apt+=(openssh-server openssh-client)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v ps >/dev/null 2>&1 || need_apt+=(procps)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
command -v depmod >/dev/null 2>&1 || need_apt+=(kmod)
[ -x /usr/sbin/keepalived ] || need_apt+=(keepalived)
# systemd-analyze verify checks the unit; works without systemd as PID 1
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ "${#need_apt[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# axe-core (pinned in tests/e2e/axe/package-lock.json) for the accessibility audit in Chromium
[ -f tests/e2e/axe/node_modules/axe-core/axe.min.js ] || npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
if [ "$fast" -eq 1 ]; then
  exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" -m 'not vm and not e2e' "$@"
fi
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --cov --cov-report=term:skip-covered \
  --cov-fail-under="$COVERAGE_FLOOR" "$@"
