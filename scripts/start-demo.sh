#!/bin/sh
# Install FieldApp into ./.venv and start it on a demo profile (first command of the README).
set -eu
cd "$(dirname "$0")/.."
sh scripts/system-deps.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .
# A separate profile so the demo never mixes with real data.
export FIELDAPP_DATA_DIR="${FIELDAPP_DATA_DIR:-$HOME/.local/share/FieldApp-demo}"
exec .venv/bin/fieldapp --demo "$@"
