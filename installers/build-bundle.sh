#!/bin/bash
# Build the FieldApp client as a PyInstaller one-folder bundle: dist/fieldapp/ (and
# dist/FieldApp.app on macOS).
#
#   installers/build-bundle.sh [VENV]        VENV: a virtualenv with FieldApp installed
#                                            (default: $VIRTUAL_ENV, else ./.venv)
#
# Installs PyInstaller into VENV (pinned below), renders the icons, runs the spec and checks
# that `dist/fieldapp/fieldapp --version` works. Environment: DIST (default dist), WORK
# (default build/pyinstaller). Runs on Linux and macOS; on Windows use
# installers/windows/build-msi.ps1, which does the same steps in PowerShell.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PYINSTALLER_REQ="pyinstaller>=6.10,<7"
VENV="${1:-${VIRTUAL_ENV:-$ROOT/.venv}}"
DIST="${DIST:-$ROOT/dist}"
WORK="${WORK:-$ROOT/build/pyinstaller}"
PY="$VENV/bin/python"
[ -x "$PY" ] || { echo "build-bundle: no Python at $PY (give the venv as first argument)" >&2; exit 2; }

if ! "$PY" -c "import fieldapp" 2>/dev/null; then
    echo "build-bundle: installing FieldApp into $VENV" >&2
    "$PY" -m pip install -q -e "$ROOT"
fi
"$PY" -m pip install -q "$PYINSTALLER_REQ"

# Icons: PNGs for Linux are in resources/linux; .ico/.icns are generated for the executables.
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
"$PY" installers/render-icons.py --out build/icons --ico --icns >/dev/null

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" installers/pyinstaller/fieldapp.spec
echo "build-bundle: PyInstaller took $(( $(date +%s) - start )) s"

exe="$DIST/fieldapp/fieldapp"
version=$("$exe" --version)
echo "build-bundle: $exe --version -> $version"
echo "build-bundle: size $(du -sh "$DIST/fieldapp" | cut -f1) ($(find "$DIST/fieldapp" -type f | wc -l) files)"
