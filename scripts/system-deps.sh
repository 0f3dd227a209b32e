#!/bin/sh
# Install the Debian/Ubuntu libraries Qt needs at run time and a CJK font.
# Safe to run repeatedly: it installs only what is missing. Uses sudo when not
# root. On other systems it prints what to install and carries on.
set -eu

PACKAGES="python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
libfontconfig1 libdbus-1-3 fonts-noto-cjk sqlite3"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "Not a Debian-based system: make sure Qt 6's X11/EGL libraries and a CJK font are installed." >&2
    exit 0
fi

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Please install as root:$missing" >&2; exit 1
fi
echo "Installing system packages:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
