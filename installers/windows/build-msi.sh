#!/bin/bash
# Build the FieldApp MSI on Linux with wixl (Debian packages msitools and wixl).
#
#   installers/windows/build-msi.sh [options]
#     --bundle DIR        Windows PyInstaller bundle (dist/fieldapp built on Windows; default)
#     --standin           build from a stand-in tree instead (CI: proves the WiX source; the
#                         MSI installs placeholder files only)
#     --out DIR           output directory (default dist)
#     --version V         ProductVersion (default: fieldapp.__version__, numeric part)
#     --server-url URL    bake a default SERVER_URL into the MSI (a regional package)
#     --ca-bundle PATH    bake a default CA_BUNDLE
#     --name NAME         output file name (default fieldapp-<version>-x64.msi)
#   Environment: PYTHON, a Python with PySide6 and Pillow for the icon (default .venv/bin/python)
#
# wixl covers most of WiX 3 but not all of it; the gaps are closed after linking with
# msibuild (SQL on the MSI tables), so the result matches what the WiX toolset builds from
# the same fieldapp.wxs (installers/windows/build-msi.ps1):
#   * RemoveExistingProducts right after InstallValidate (MajorUpgrade Schedule is ignored
#     by wixl): the old version is removed completely before the new one is installed;
#   * the deferred custom action WriteManagedConfig inside the install script, just before
#     InstallFinalize (wixl's sequencer may put it before InstallInitialize, where a deferred
#     action is an error);
#   * SERVER_URL, CA_BUNDLE and LOCKED added to SecureCustomProperties (wixl ignores Secure).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/installers/windows"
BUNDLE="$ROOT/dist/fieldapp"
STANDIN=0
OUT="$ROOT/dist"
VERSION=""
SERVER_URL=""
CA_BUNDLE=""
NAME=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bundle) BUNDLE="$2"; shift 2 ;;
        --standin) STANDIN=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        --server-url) SERVER_URL="$2"; shift 2 ;;
        --ca-bundle) CA_BUNDLE="$2"; shift 2 ;;
        --name) NAME="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "build-msi: unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in wixl msibuild msiinfo python3; do
    command -v "$tool" >/dev/null || { echo "build-msi: needs $tool (apt-get install wixl msitools)" >&2; exit 2; }
done
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3

if [ -z "$VERSION" ]; then
    VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/src/fieldapp/__init__.py")
fi
# ProductVersion: up to three numeric fields (major.minor.build), each field an integer.
VERSION=$(echo "$VERSION" | grep -o '^[0-9]\+\(\.[0-9]\+\)\{0,2\}' || true)
[ -n "$VERSION" ] || { echo "build-msi: no numeric version" >&2; exit 2; }
case "$SERVER_URL$CA_BUNDLE" in *'"'*|*'&'*|*'<'*) echo "build-msi: quotes, & and < are not allowed" >&2; exit 2;; esac
case "$SERVER_URL" in ""|https://?*) ;; *) echo "build-msi: --server-url must be https://..." >&2; exit 2;; esac

WORK="$ROOT/build/msi"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [ "$STANDIN" = 1 ]; then
    # A few files shaped like the real Windows bundle: the two executables at the top,
    # libraries, Qt plugins and resources below _internal, a name with spaces.
    BUNDLE="$WORK/standin"
    mkdir -p "$BUNDLE/_internal/PySide6/plugins/platforms" "$BUNDLE/_internal/fieldapp/resources/i18n" \
             "$BUNDLE/_internal/fieldapp/store/migrations/versions"
    printf 'MZ FieldApp stand-in (GUI)\n' > "$BUNDLE/fieldapp.exe"
    printf 'MZ FieldApp stand-in (console)\n' > "$BUNDLE/fieldapp-cli.exe"
    printf 'stand-in\n' > "$BUNDLE/_internal/python311.dll"
    printf 'stand-in\n' > "$BUNDLE/_internal/base_library.zip"
    printf 'stand-in\n' > "$BUNDLE/_internal/PySide6/Qt6Core.dll"
    printf 'stand-in\n' > "$BUNDLE/_internal/PySide6/plugins/platforms/qwindows.dll"
    printf 'stand-in\n' > "$BUNDLE/_internal/fieldapp/resources/i18n/fieldapp_zh_CN.qm"
    printf 'revision = "0001"\n' > "$BUNDLE/_internal/fieldapp/store/migrations/versions/0001_customer_files.py"
    printf 'stand-in\n' > "$BUNDLE/_internal/third party notices.txt"
fi
BUNDLE="$(cd "$BUNDLE" && pwd)"
for exe in fieldapp.exe fieldapp-cli.exe; do
    [ -f "$BUNDLE/$exe" ] || { echo "build-msi: $BUNDLE/$exe missing (a Windows bundle is needed, or --standin)" >&2; exit 2; }
done

ICON="$ROOT/build/icons/fieldapp.ico"
if [ ! -f "$ICON" ]; then
    QT_QPA_PLATFORM=offscreen "$PYTHON" "$ROOT/installers/render-icons.py" --out "$ROOT/build/icons" --ico >/dev/null
fi

python3 "$HERE/make-wxs-fragment.py" "$BUNDLE" -o "$WORK/files.wxs"

NAME="${NAME:-fieldapp-$VERSION-x64.msi}"
MSI="$WORK/$NAME"
# wixl looks up Source files relative to the current directory only.
cd "$WORK"
wixl --arch x64 \
    -D Version="$VERSION" \
    -D BundleDir="$(realpath --relative-to="$WORK" "$BUNDLE")" \
    -D IconFile="$(realpath --relative-to="$WORK" "$ICON")" \
    -D ServerUrl="$SERVER_URL" -D CaBundle="$CA_BUNDLE" \
    -o "$MSI" "$HERE/fieldapp.wxs" "$WORK/files.wxs" 2> "$WORK/wixl.log" || {
        cat "$WORK/wixl.log" >&2; exit 1; }
# wixl warns (GLib) about attributes it ignores (Secure, Schedule); anything else is shown.
grep -v -e "has no property named 'Secure'" -e "has no property named 'Schedule'" -e '^$' "$WORK/wixl.log" >&2 || true

secure=$(msiinfo export "$MSI" Property | tr -d '\r' | awk -F'\t' '$1 == "SecureCustomProperties" {print $2}')
msibuild "$MSI" \
    -q "UPDATE InstallExecuteSequence SET Sequence = 1450 WHERE Action = 'RemoveExistingProducts'" \
    -q "UPDATE InstallExecuteSequence SET Sequence = 6590 WHERE Action = 'WriteManagedConfig'" \
    -q "UPDATE Property SET Value = '${secure:+$secure;}SERVER_URL;CA_BUNDLE;LOCKED' WHERE Property = 'SecureCustomProperties'"

mv -f "$MSI" "$OUT/$NAME"
echo "build-msi: $OUT/$NAME ($(du -h "$OUT/$NAME" | cut -f1), version $VERSION, $(grep -c '<File ' "$WORK/files.wxs") bundle files + 2 executables)"
