#!/bin/bash
# CI part of issue 6 (installers): build the client bundle and the .deb, install the .deb and
# start the installed app offscreen, lintian, upgrade over an older version, build and
# inspect the stand-in MSI. Called by .ci/run after the test suite; runs alone as well:
#
#   installers/ci-build.sh            (as root on Debian 12; VENV=... to pick the virtualenv)
#
# It installs the Debian packages it needs itself. Artefacts land in dist/:
# dist/fieldapp/ (bundle), fieldapp_<V>_amd64.deb (+ the <V>+1 rebuild used for the upgrade
# test), fieldapp-<V>-x64.msi (stand-in content: proves the WiX source, not installable).
# Takes about 2.5 minutes on the 2-core CI machine once the Debian packages are installed
# (152 s measured), 3-4 minutes on a fresh one; the step times are printed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive QT_QPA_PLATFORM=offscreen
VENV="${VENV:-$ROOT/.venv}"
T0=$(date +%s)
PASSED=0
step() { echo; echo "=== ci-build: $* (+$(( $(date +%s) - T0 )) s)"; }
done_step() { PASSED=$((PASSED + 1)); }
[ "$(id -u)" = 0 ] || { echo "ci-build: run as root (installs packages, installs the .deb)" >&2; exit 2; }

step "Debian packages"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    lintian msitools wixl zstd chrpath binutils desktop-file-utils python3-venv >/dev/null
[ -f scripts/system-deps.sh ] && sh scripts/system-deps.sh  # Qt's run-time libraries, CJK font
done_step

step "virtualenv $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
fi
"$VENV/bin/python" -c "import fieldapp, pytest" 2>/dev/null || "$VENV/bin/python" -m pip install -q -e ".[dev]"
done_step

step "PyInstaller bundle"
bash installers/build-bundle.sh "$VENV"
BUNDLE="$ROOT/dist/fieldapp"
"$BUNDLE/fieldapp" --version
done_step

step ".deb: build, lintian, install, start offscreen, upgrade, remove"
bash installers/linux/test-deb.sh --bundle "$BUNDLE" --venv "$VENV"
done_step

step "MSI from the stand-in tree (wixl), inspected with msiinfo"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/installers/test_msi.py
PYTHON="$VENV/bin/python" bash installers/windows/build-msi.sh --standin --out dist
msi="dist/fieldapp-$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' src/fieldapp/__init__.py)-x64.msi"
msiinfo export "$msi" Property | tr -d '\r' | grep -E '^(UpgradeCode|ProductVersion|ALLUSERS|LOCKED|SecureCustomProperties)\b'
msiinfo export "$msi" Shortcut | tr -d '\r' | tail -n +4 | cut -f1-5
done_step

step "summary"
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' src/fieldapp/__init__.py)
echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $(find "$BUNDLE" -type f | wc -l) files"
echo "deb:    $(du -h "dist/fieldapp_${version}_amd64.deb" | cut -f1) (zstd), installed $(dpkg-deb -f "dist/fieldapp_${version}_amd64.deb" Installed-Size) KiB"
echo "msi:    $(du -h "$msi" | cut -f1) (stand-in content)"
echo "time:   $(( $(date +%s) - T0 )) s"
echo "ci-build: $PASSED passed, 0 failed"
