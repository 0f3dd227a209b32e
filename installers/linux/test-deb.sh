#!/bin/bash
# End-to-end test of the Debian package on this machine (needs root: it installs and removes
# the package for real). Used by installers/ci-build.sh.
#
#   installers/linux/test-deb.sh [--bundle DIR] [--venv VENV] [--keep]
#     --bundle DIR   package this PyInstaller bundle (default: build it with build-bundle.sh)
#     --venv VENV    virtualenv with FieldApp + PyInstaller (default .venv); its Python also
#                    writes the "version N" profile and reads the managed settings file
#     --keep         leave the package installed at the end
#
# What it does:
#   1. builds fieldapp_<V>_amd64.deb and fieldapp_<V>+1_amd64.deb (same bundle, next version);
#   2. lintian on the package: fails on any error (E:), warnings are listed;
#   3. installs V with `apt-get install ./fieldapp_<V>_amd64.deb` and FIELDAPP_SERVER_URL /
#      FIELDAPP_CA_BUNDLE set, checks /etc/fieldapp/config.toml with the app's own reader;
#   4. runs the installed app offscreen: fieldapp --version, doctor, demo, a window smoke start
#      (FIELDAPP_SMOKE_TEST=1: quits once the main window is shown) in a fresh HOME;
#   5. upgrade: a profile with schema 0001, customers and 3 unsynced changes (what an older
#      FieldApp left); `fieldapp doctor` says upgrade pending; installs V+1 over V; the first
#      start backs up and migrates; doctor then reports a healthy database, the same 3
#      pending changes and the backup; /etc/fieldapp/config.toml is unchanged;
#   6. apt-get remove: program gone, user data and managed settings kept; purge: the
#      postinst-written config.toml goes, user data stays.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BUNDLE=""
VENV="$ROOT/.venv"
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bundle) BUNDLE="$2"; shift 2 ;;
        --venv) VENV="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "test-deb: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "test-deb: run as root (it installs the package)" >&2; exit 2; }
PY="$VENV/bin/python"
export QT_QPA_PLATFORM=offscreen DEBIAN_FRONTEND=noninteractive
unset FIELDAPP_DATA_DIR FIELDAPP_MANAGED_CONFIG XDG_DATA_HOME XDG_CONFIG_HOME || true

T0=$(date +%s)
step() { echo; echo "== test-deb: $* ($(( $(date +%s) - T0 )) s)"; }
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }

TMP=$(mktemp -d /tmp/fieldapp-test-deb.XXXXXX)
cleanup() {
    if [ "$KEEP" = 0 ] && dpkg -s fieldapp >/dev/null 2>&1; then apt-get purge -y -qq fieldapp >/dev/null 2>&1 || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# --- 1. build ------------------------------------------------------------------------------------
if [ -z "$BUNDLE" ]; then
    step "building the bundle"
    bash installers/build-bundle.sh "$VENV"
    BUNDLE="$ROOT/dist/fieldapp"
fi
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' src/fieldapp/__init__.py)
NEXT="$VERSION+1"
step "building fieldapp $VERSION and $NEXT"
OUT="$ROOT/dist"
bash installers/linux/build-deb.sh "$BUNDLE" "$OUT"
VERSION="$NEXT" bash installers/linux/build-deb.sh "$BUNDLE" "$OUT"
DEB="$OUT/fieldapp_${VERSION}_amd64.deb"
DEB_NEXT="$OUT/fieldapp_${NEXT}_amd64.deb"

# --- 2. lintian ----------------------------------------------------------------------------------
step "lintian"
lintian --tag-display-limit 0 "$DEB" > "$TMP/lintian.txt" 2>&1 || true
grep -v -e '^running with root' "$TMP/lintian.txt" || true
errors=$(grep -c '^E:' "$TMP/lintian.txt" || true)
warnings=$(grep -c '^W:' "$TMP/lintian.txt" || true)
echo "lintian: $errors errors, $warnings warnings (overrides: installers/linux/lintian-overrides)"
[ "$errors" = 0 ] || fail "lintian reported errors"

# --- 3. install with managed settings ----------------------------------------------------------
step "apt-get install ./$(basename "$DEB") with FIELDAPP_SERVER_URL"
apt-get purge -y -qq fieldapp >/dev/null 2>&1 || true
printf -- '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n' > "$TMP/region-ca.pem"
FIELDAPP_SERVER_URL=https://sync.region.example.com FIELDAPP_CA_BUNDLE="$TMP/region-ca.pem" \
    apt-get install -y -q --no-install-recommends "$DEB" > "$TMP/apt.log" 2>&1 || { cat "$TMP/apt.log"; fail "install"; }
grep -E "fieldapp" "$TMP/apt.log" | grep -v "^Selecting\|^Preparing\|^Unpacking" || true
[ -x /opt/fieldapp/fieldapp ] && [ -L /usr/bin/fieldapp ] || fail "/opt/fieldapp or /usr/bin/fieldapp missing"
[ -f /usr/share/applications/fieldapp.desktop ] || fail "desktop entry missing"
[ -f /usr/share/icons/hicolor/256x256/apps/fieldapp.png ] || fail "icon missing"
cat /etc/fieldapp/config.toml
"$PY" - "$TMP/region-ca.pem" <<'EOF' || fail "managed settings"
import sys
from fieldapp.settings import load_settings
s = load_settings(managed_path="/etc/fieldapp/config.toml", user_path="/nonexistent/settings.toml")
assert s.warnings == [], s.warnings
assert s.effective("server_url") == "https://sync.region.example.com", s.as_dict()
assert s.effective("ca_bundle") == sys.argv[1], s.as_dict()
assert s.is_locked("server_url") and s.is_locked("ca_bundle")
print("managed settings: ok,", s.as_dict(), "locked:", sorted(s.locked))
EOF
config_sum=$(sha256sum /etc/fieldapp/config.toml)

# --- 4. the installed app ------------------------------------------------------------------------
step "running the installed app"
got=$(fieldapp --version)
[ "$got" = "FieldApp $VERSION" ] || fail "fieldapp --version said '$got'"
echo "$got"
export HOME="$TMP/home"
mkdir -p "$HOME"
rc=0; fieldapp doctor > "$TMP/doctor0.txt" || rc=$?
[ "$rc" = 4 ] || { cat "$TMP/doctor0.txt"; fail "doctor on a new user: exit $rc, expected 4 (no database)"; }
fieldapp demo --customers 300 | tail -3
fieldapp doctor | tail -1
[ -f "$HOME/.local/share/FieldApp/fieldapp.sqlite3" ] || fail "the default profile is not in ~/.local/share/FieldApp"
FIELDAPP_SMOKE_TEST=1 FIELDAPP_SMOKE_TIMEOUT=60 fieldapp | tee "$TMP/smoke.txt"
grep -q "main window shown" "$TMP/smoke.txt" || fail "window smoke start"

# --- 5. upgrade N -> N+1 with offline data --------------------------------------------------------
step "upgrade $VERSION -> $NEXT keeps offline data"
OLD="$TMP/old-profile"
(cd "$ROOT" && "$PY" -m tests.installers.old_profile "$OLD") > "$TMP/expected.json"
rc=0; fieldapp --data-dir "$OLD" doctor --json > "$TMP/before.json" || rc=$?
[ "$rc" = 3 ] || fail "doctor before the upgrade: exit $rc, expected 3 (upgrade pending)"
apt-get install -y -q --no-install-recommends "$DEB_NEXT" > "$TMP/apt2.log" 2>&1 || { cat "$TMP/apt2.log"; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' fieldapp)" = "$NEXT" ] || fail "version after upgrade"
[ "$(sha256sum /etc/fieldapp/config.toml)" = "$config_sum" ] || fail "the upgrade changed /etc/fieldapp/config.toml"
FIELDAPP_SMOKE_TEST=1 FIELDAPP_SMOKE_TIMEOUT=60 fieldapp --data-dir "$OLD" || fail "first start after the upgrade"
rc=0; fieldapp --data-dir "$OLD" doctor --json > "$TMP/after.json" || rc=$?
[ "$rc" = 0 ] || { cat "$TMP/after.json"; fail "doctor after the upgrade: exit $rc"; }
"$PY" - "$TMP/expected.json" "$TMP/before.json" "$TMP/after.json" <<'EOF' || fail "offline data after the upgrade"
import json, sys
expected, before, after = (json.load(open(p)) for p in sys.argv[1:])
assert before["status"] == "upgrade_pending" and before["schema"]["revision"] == expected["revision"]
assert after["status"] == "healthy", after["status"]
assert after["pending_changes"] == expected["pending_changes"] == before["pending_changes"]
assert after["counts"]["customers_live"] == expected["customers_live"]
assert after["counts"]["customers_deleted"] == expected["customers_deleted"]
assert after["client_id"] == expected["client_id"]
backups = [b["path"] for b in after["backups"]]
assert any(expected["revision"] in b for b in backups), backups
print(f"upgrade: schema {before['schema']['revision']} -> {after['schema']['revision']}, "
      f"{after['pending_changes']} unsynced changes kept, backup {backups[0]}")
EOF

# --- 6. remove and purge -------------------------------------------------------------------------
step "remove and purge keep user data"
apt-get remove -y -qq fieldapp >/dev/null
[ ! -e /opt/fieldapp ] && [ ! -e /usr/bin/fieldapp ] || fail "program files left after remove"
[ -f "$HOME/.local/share/FieldApp/fieldapp.sqlite3" ] && [ -f "$OLD/fieldapp.sqlite3" ] || fail "user data removed"
[ -f /etc/fieldapp/config.toml ] || fail "remove (not purge) deleted the managed settings"
apt-get purge -y -qq fieldapp >/dev/null
[ ! -e /etc/fieldapp/config.toml ] || fail "purge kept the postinst-written config.toml"
[ -f "$HOME/.local/share/FieldApp/fieldapp.sqlite3" ] || fail "purge removed user data"
if [ "$KEEP" = 1 ]; then
    apt-get install -y -qq --no-install-recommends "$DEB_NEXT" >/dev/null
fi
step "all checks passed"
echo "deb: $(du -h "$DEB" | cut -f1) ($DEB), installed $(dpkg-deb -f "$DEB" Installed-Size) KiB"
