#!/bin/bash
# Build FieldApp.app and FieldApp-<version>.dmg on macOS (documented; not run in CI).
#
#   installers/macos/build-dmg.sh [VENV]        VENV: virtualenv with FieldApp installed (default .venv)
#   Environment:
#     CODESIGN_IDENTITY   "Developer ID Application: ..." to sign (default: ad-hoc signature "-")
#     NOTARY_PROFILE      a notarytool keychain profile to notarize and staple the .dmg (optional)
#
# Needs: macOS 11+, Xcode command line tools (codesign, hdiutil, xcrun), a universal2 or
# arm64/x86_64 Python 3.11 in VENV. The bundle is built from the same PyInstaller spec as
# on Linux and Windows (installers/pyinstaller/fieldapp.spec); on macOS the spec adds a
# BUNDLE step that produces dist/FieldApp.app with the .icns icon and Info.plist.
#
# Managed settings on macOS: /Library/Application Support/FieldApp/config.toml, written by
# IT (e.g. an MDM script running
#   "/Applications/FieldApp.app/Contents/MacOS/fieldapp" write-managed-config --server-url https://...
# as root). User data: ~/Library/Application Support/FieldApp.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ "$(uname -s)" = Darwin ] || { echo "build-dmg: run this on macOS" >&2; exit 2; }
VENV="${1:-$ROOT/.venv}"
IDENTITY="${CODESIGN_IDENTITY:--}"

# 1. The bundle (also renders build/icons/fieldapp.icns and runs --version as a check).
bash installers/build-bundle.sh "$VENV"
APP="$ROOT/dist/FieldApp.app"
[ -d "$APP" ] || { echo "build-dmg: $APP was not built" >&2; exit 1; }
VERSION=$("$APP/Contents/MacOS/fieldapp" --version | awk '{print $2}')

# 2. Sign: inner code first (libraries, plugins), then the app, with the hardened runtime.
#    Ad-hoc ("-") signing is enough to run locally; distribution needs a Developer ID.
find "$APP/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) -print0 |
    xargs -0 codesign --force --timestamp --options runtime --sign "$IDENTITY" 2>/dev/null || true
codesign --force --timestamp --options runtime --sign "$IDENTITY" "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"

# 3. A smoke start of the window, headless (quits once the main window is shown).
QT_QPA_PLATFORM=offscreen FIELDAPP_SMOKE_TEST=1 FIELDAPP_DATA_DIR="$(mktemp -d)" \
    "$APP/Contents/MacOS/fieldapp" --demo

# 4. The disk image: the app and a link to /Applications, compressed (UDZO).
STAGE="$ROOT/build/dmg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="$ROOT/dist/FieldApp-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "FieldApp $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
[ "$IDENTITY" = "-" ] || codesign --force --timestamp --sign "$IDENTITY" "$DMG"

# 5. Notarize and staple (optional; needs an Apple developer account).
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
fi
echo "build-dmg: $DMG ($(du -h "$DMG" | cut -f1))"
