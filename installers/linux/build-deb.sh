#!/bin/bash
# Build fieldapp_<version>_amd64.deb from the PyInstaller bundle (installers/build-bundle.sh).
#
#   installers/linux/build-deb.sh [BUNDLE_DIR] [OUT_DIR]
#       BUNDLE_DIR  default dist/fieldapp        OUT_DIR  default dist
#   Environment:
#       VERSION         package version (default: fieldapp.__version__ from the sources);
#                       e.g. VERSION=0.1.0+rebuild2 for a rebuilt package of the same app
#       ZSTD_LEVEL      zstd level for dpkg-deb (default 12: ~2x smaller than gzip's time budget)
#       SOURCE_DATE_EPOCH  timestamps of the packaged files (default: last git commit)
#
# Layout: /opt/fieldapp (the bundle), /usr/bin/fieldapp -> /opt/fieldapp/fieldapp,
# /usr/share/applications/fieldapp.desktop, icons in /usr/share/icons/hicolor, a man page,
# /usr/share/doc/fieldapp/{copyright,changelog.gz}, lintian overrides (explained in
# installers/linux/lintian-overrides). The postinst writes /etc/fieldapp/config.toml when
# FIELDAPP_SERVER_URL (and/or FIELDAPP_CA_BUNDLE) is set at install time — see docs/deployment.md.
#
# Before packaging, every shared library the bundle needs but does not contain is mapped to
# its Debian package, and the build fails if that package is missing from Depends.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/installers/linux"
BUNDLE="$(cd "${1:-$ROOT/dist/fieldapp}" && pwd)"
OUT="${2:-$ROOT/dist}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

VERSION="${VERSION:-$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/src/fieldapp/__init__.py")}"
[ -n "$VERSION" ] || { echo "build-deb: cannot read the version" >&2; exit 2; }
ARCH=amd64
PKG=fieldapp
MAINTAINER="FieldApp Release Engineering <release@fieldapp.example.com>"
ZSTD_LEVEL="${ZSTD_LEVEL:-12}"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
for tool in dpkg-deb chrpath readelf objdump; do
    command -v "$tool" >/dev/null || { echo "build-deb: needs $tool (apt-get install chrpath binutils)" >&2; exit 2; }
done
[ -x "$BUNDLE/fieldapp" ] || { echo "build-deb: no bundle at $BUNDLE (run installers/build-bundle.sh)" >&2; exit 2; }

# Debian packages of the libraries Qt loads from the system (the bundle carries Qt itself).
# Checked against the bundle below; libc6's minimum version is computed from the symbols used.
DEPENDS_LIBS=(libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 libx11-6 libx11-xcb1 libxcb1
    libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libwayland-client0
    libwayland-cursor0 libwayland-egl1)
RECOMMENDS="fonts-noto-cjk | fonts-wqy-microhei"  # the UI is Chinese first
SUGGESTS="gnome-keyring | kwalletmanager"  # a Secret Service keeps the sync sign-in token between sessions

STAGE="$ROOT/build/deb/${PKG}_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/doc/$PKG" "$STAGE/usr/share/man/man1" "$STAGE/usr/share/lintian/overrides"

# --- files -----------------------------------------------------------------------------------------
cp -a "$BUNDLE" "$STAGE/opt/fieldapp"
ln -s /opt/fieldapp/fieldapp "$STAGE/usr/bin/fieldapp"
install -m 644 "$ROOT/resources/linux/fieldapp.desktop" "$STAGE/usr/share/applications/fieldapp.desktop"
for size in 16 24 32 48 64 128 256 512; do
    install -D -m 644 "$ROOT/resources/linux/fieldapp-$size.png" \
        "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/fieldapp.png"
done
# The app's own icon (the window uses it too); the PNGs are rendered from it by render-icons.py.
svg="$ROOT/resources/icons/fieldapp.svg"
[ -f "$svg" ] || svg="$ROOT/resources/linux/fieldapp.svg"
install -D -m 644 "$svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/fieldapp.svg"
gzip -9n < "$HERE/fieldapp.1" > "$STAGE/usr/share/man/man1/fieldapp.1.gz"
install -m 644 "$HERE/copyright" "$STAGE/usr/share/doc/$PKG/copyright"
install -m 644 "$HERE/lintian-overrides" "$STAGE/usr/share/lintian/overrides/$PKG"
sed -i '/^#/d; /^$/d' "$STAGE/usr/share/lintian/overrides/$PKG"  # comments live in the source file

changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
{
    echo "$PKG ($VERSION) stable; urgency=medium"
    echo
    echo "  * FieldApp $VERSION (PyInstaller bundle, built from git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))."
    echo
    echo " -- $MAINTAINER  $changelog_date"
} | gzip -9n > "$STAGE/usr/share/doc/$PKG/changelog.gz"

# Python's extension modules carry the build machine's RUNPATH (e.g. /root/.pyenv/.../lib):
# remove absolute RUNPATHs that point outside the bundle ($ORIGIN-relative ones stay).
while IFS= read -r -d "" elf; do
    rp=$(readelf -d "$elf" 2>/dev/null | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
    case "$rp" in /*) chrpath -d "$elf" >/dev/null ;; esac
done < <(find "$STAGE/opt/fieldapp" -type f -name '*.so*' -print0)

# Permissions: directories 755, files 644, the one executable 755 (shared objects need no x bit).
find "$STAGE" -type d -exec chmod 755 {} +
find "$STAGE" -type f -exec chmod 644 {} +
chmod 755 "$STAGE/opt/fieldapp/fieldapp"

# --- dependencies ----------------------------------------------------------------------------------
elf_files() { find "$STAGE/opt/fieldapp" -type f \( -name '*.so*' -o -name fieldapp \) -print0; }
glibc=$(elf_files | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' \
        | sort -u -V | tail -1)
DEPENDS="libc6 (>= ${glibc:-2.36})"
for lib in "${DEPENDS_LIBS[@]}"; do DEPENDS="$DEPENDS, $lib"; done

needed=$(elf_files | xargs -0 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
bundled=$(find "$STAGE/opt/fieldapp" -type f -name '*.so*' -printf '%f\n' | sort -u)
ldcache=$(/sbin/ldconfig -p)
missing=""
for lib in $(comm -23 <(echo "$needed") <(echo "$bundled")); do
    path=$(awk -v l="$lib" '$1 == l && /x86-64/ && !found {print $NF; found = 1}' <<< "$ldcache")
    if [ -n "$path" ]; then
        pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)
        pkg=${pkg%%:*}
    else
        # Not installed here (e.g. Wayland client libraries on a headless builder): Debian's
        # library package naming, libfoo.so.1 -> libfoo1, libfoo-2.so.0 -> libfoo-2-0.
        base=${lib%.so.*}; soversion=${lib##*.so.}; soversion=${soversion%%.*}
        case "$base" in *[0-9]) pkg="$base-$soversion";; *) pkg="$base$soversion";; esac
        pkg=$(echo "$pkg" | tr 'A-Z_' 'a-z-')
    fi
    case "$pkg" in
        libc6|"") ;;  # libc6 is versioned above; "" = not from a package (e.g. /usr/local)
        *) case " ${DEPENDS_LIBS[*]} " in *" $pkg "*) ;; *) missing="$missing $lib($pkg)";; esac ;;
    esac
done
if [ -n "$missing" ]; then
    echo "build-deb: the bundle needs system libraries whose packages are not in Depends:$missing" >&2
    echo "build-deb: add them to DEPENDS_LIBS in $0" >&2
    exit 1
fi

installed_size=$(du -s -k --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $installed_size
Depends: $DEPENDS
Recommends: $RECOMMENDS
Suggests: $SUGGESTS
Section: misc
Priority: optional
Homepage: https://fieldapp.example.com/
Description: offline-first customer visits for field account managers
 FieldApp keeps customer files, visit checklists, notes and follow-ups on the
 laptop, works without a network, and synchronises with the central FieldApp
 sync server when a connection is available.
 .
 This package contains the self-contained client (Python and Qt bundled) in
 /opt/fieldapp. Machine-wide settings set by IT are read from
 /etc/fieldapp/config.toml; user data lives in each user's home directory and
 is kept when the package is removed.
EOF
install -m 755 "$HERE/postinst" "$STAGE/DEBIAN/postinst"
install -m 755 "$HERE/postrm" "$STAGE/DEBIAN/postrm"

(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 644 "$STAGE/DEBIAN/md5sums"
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

DEB="$OUT/${PKG}_${VERSION}_${ARCH}.deb"
rm -f "$DEB"
start=$(date +%s)
dpkg-deb --root-owner-group -Zzstd -z"$ZSTD_LEVEL" --build "$STAGE" "$DEB" >/dev/null
echo "build-deb: $DEB ($(du -h "$DEB" | cut -f1), installed ${installed_size} KiB, zstd -$ZSTD_LEVEL in $(( $(date +%s) - start )) s)"
