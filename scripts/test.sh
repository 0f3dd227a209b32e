#!/bin/sh
# Install the test dependencies into ./.venv and run the whole suite (second command of the README).
# Extra arguments go to pytest, e.g. scripts/test.sh tests/core -q
set -eu
cd "$(dirname "$0")/.."
sh scripts/system-deps.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
