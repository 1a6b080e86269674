#!/usr/bin/env bash
# build.sh: build every package of Một Cửa Edge into dist/ (what `make
# package` runs).
#
#   dist/motcua_VERSION_amd64.deb                 Debian/Ubuntu package (pcscd, systemd unit, config, desktop entry)
#   dist/motcua-VERSION-linux-amd64.tar.gz        every ./cmd/... binary for Linux
#   dist/motcua-VERSION-windows-amd64.zip         Windows build (mingw-w64 cross-compile) with README and installer script
#   dist/motcua-MSIVERSION-x64.msi                Windows Installer package (wixl from msitools; packaging/windows/motcua.wxs)
#   dist/motcua-kiosk-recipe-VERSION.tar.gz       Linux kiosk session recipe (cage + motcua kiosk)
#   dist/SHA256SUMS
#
# Environment:
#   VERSION   package version (default: from git, e.g. 0.1.0+git20261123.abc1234)
#   DIST      output directory (default: dist)
#   TARGETS   space-separated subset of: linux deb windows msi kiosk (default: all)
#   MSI_VERSION  the MSI's ProductVersion, X.Y.Z numbers only (default: the
#             leading numbers of VERSION, e.g. 0.1.0 for 0.1.0+git...); a
#             major upgrade needs a higher one
#   GOARCH    Linux architecture (default amd64)
#
# Every ./cmd/... command is built; a command that does not compile (e.g. the
# GUI while it is being written) is reported and left out, and the script
# exits non-zero at the end only if motcua itself failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

DIST=${DIST:-dist}
TARGETS=${TARGETS:-linux deb windows msi kiosk}
GOARCH=${GOARCH:-amd64}
if [ -z "${VERSION:-}" ]; then
	rev=$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
	VERSION="0.1.0+git$(date -u +%Y%m%d).${rev}"
fi
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

want() { case " $TARGETS " in *" $1 "*) return 0 ;; esac; return 1; }
log() { printf '==> %s\n' "$*" >&2; }

ldflags="-s -w -X main.version=${VERSION}"
cmds=$(go list ./cmd/...)
failed=""

# build_cmds GOOS OUTDIR [env...]: builds each command; failures are listed.
build_cmds() {
	local goos=$1 out=$2
	shift 2
	mkdir -p "$out"
	for pkg in $cmds; do
		local name ext=""
		name=$(basename "$pkg")
		[ "$goos" = windows ] && ext=.exe
		if env "$@" GOOS="$goos" go build -trimpath -ldflags "$ldflags" -o "$out/$name$ext" "$pkg" 2>"$work/err-$goos-$name"; then
			log "built $goos/$name$ext ($(du -h "$out/$name$ext" | cut -f1))"
		else
			log "FAILED $goos/$name:"
			sed 's/^/    /' "$work/err-$goos-$name" | head -20 >&2
			failed="$failed $goos/$name"
		fi
	done
}

if want linux || want deb; then
	build_cmds linux "$work/linux" CGO_ENABLED=1 GOARCH="$GOARCH"
fi

if want linux; then
	if ls "$work/linux"/* >/dev/null 2>&1; then
		tar -C "$work/linux" -czf "$DIST/motcua-${VERSION}-linux-${GOARCH}.tar.gz" .
		log "dist/motcua-${VERSION}-linux-${GOARCH}.tar.gz"
	fi
fi

if want deb; then
	if ! command -v dpkg-deb >/dev/null; then
		log "dpkg-deb not found: skipping the .deb"
	elif [ ! -x "$work/linux/motcua" ]; then
		log "motcua did not build: no .deb"
	else
		st="$work/deb"
		install -d "$st/DEBIAN" "$st/usr/bin" "$st/lib/systemd/system" "$st/etc/motcua/csca" \
			"$st/usr/share/applications" "$st/usr/share/icons/hicolor/scalable/apps" \
			"$st/usr/share/doc/motcua/kiosk" "$st/usr/share/motcua"
		install -m 0755 "$work/linux/motcua" "$st/usr/bin/motcua"
		if [ -x "$work/linux/motcua-app" ]; then
			install -m 0755 "$work/linux/motcua-app" "$st/usr/bin/motcua-app"
		fi
		install -m 0644 packaging/debian/motcua.service "$st/lib/systemd/system/motcua.service"
		install -m 0644 internal/config/motcua.toml "$st/etc/motcua/motcua.toml"
		install -m 0644 packaging/debian/vn.motcua.Kiosk.desktop "$st/usr/share/applications/vn.motcua.Kiosk.desktop"
		install -m 0644 packaging/debian/vn.motcua.Kiosk.svg "$st/usr/share/icons/hicolor/scalable/apps/vn.motcua.Kiosk.svg"
		install -m 0644 packaging/debian/copyright "$st/usr/share/doc/motcua/copyright"
		install -m 0644 packaging/README.service.md "$st/usr/share/doc/motcua/README.service.md"
		install -m 0644 packaging/kiosk/README.md packaging/kiosk/motcua-kiosk.service packaging/kiosk/cage.pam \
			"$st/usr/share/doc/motcua/kiosk/"
		install -m 0755 packaging/kiosk/setup-kiosk.sh "$st/usr/share/doc/motcua/kiosk/setup-kiosk.sh"
		install -m 0644 kiosk/localapi/openapi.yaml "$st/usr/share/motcua/openapi.yaml"
		install -m 0644 kiosk/localapi/example/index.html "$st/usr/share/motcua/example-clinic.html"
		install -m 0644 packaging/debian/conffiles "$st/DEBIAN/conffiles"
		install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$st/DEBIAN/"
		size=$(du -sk --exclude=DEBIAN "$st" | cut -f1)
		debarch=$GOARCH
		sed -e "s/@VERSION@/${VERSION}/" -e "s/@ARCH@/${debarch}/" -e "s/@SIZE@/${size}/" \
			packaging/debian/control.in >"$st/DEBIAN/control"
		deb="$DIST/motcua_${VERSION}_${debarch}.deb"
		dpkg-deb --root-owner-group -Zxz --build "$st" "$deb" >/dev/null
		log "dist/$(basename "$deb") ($(du -h "$deb" | cut -f1))"
	fi
fi

if want windows || want msi; then
	CC_WIN=${CC_WIN:-x86_64-w64-mingw32-gcc}
	if ! command -v "$CC_WIN" >/dev/null; then
		log "$CC_WIN not found (Debian package gcc-mingw-w64-x86-64): skipping the Windows build"
		failed="$failed windows/(no-mingw)"
	else
		build_cmds windows "$work/windows/motcua" CGO_ENABLED=1 GOARCH=amd64 CC="$CC_WIN"
		if want windows && [ -f "$work/windows/motcua/motcua.exe" ]; then
			w="$work/windows/motcua"
			sed 's/$/\r/' packaging/windows/README.txt >"$w/README.txt"
			sed 's/$/\r/' internal/config/motcua.toml >"$w/motcua.toml"
			cp packaging/windows/install.ps1 packaging/windows/uninstall.ps1 "$w/"
			cp kiosk/localapi/openapi.yaml "$w/openapi.yaml"
			cp kiosk/localapi/example/index.html "$w/example-clinic.html"
			zip="$DIST/motcua-${VERSION}-windows-amd64.zip"
			rm -f "$zip"
			(cd "$work/windows" && zip -qr -9 "$zip" motcua)
			log "dist/$(basename "$zip") ($(du -h "$zip" | cut -f1))"
		fi
	fi
fi

if want msi; then
	MSI_VERSION=${MSI_VERSION:-$(printf '%s' "$VERSION" | grep -oE '^[0-9]+(\.[0-9]+){0,2}')}
	if ! command -v wixl >/dev/null; then
		log "wixl not found (Debian package wixl, from msitools): skipping the MSI"
		failed="$failed windows/(no-wixl)"
	elif [ -z "$MSI_VERSION" ]; then
		log "VERSION $VERSION has no leading X.Y.Z for the MSI: set MSI_VERSION"
		failed="$failed windows/msi"
	elif [ -f "$work/windows/motcua/motcua.exe" ] && [ -f "$work/windows/motcua/motcua-app.exe" ]; then
		# wixl takes Source paths relative to where it runs: stage bin/ and doc/.
		m="$work/msi"
		install -d "$m/bin" "$m/doc"
		cp "$work/windows/motcua/motcua.exe" "$work/windows/motcua/motcua-app.exe" "$m/bin/"
		sed 's/$/\r/' packaging/windows/README.txt >"$m/doc/README.txt"
		# The Windows defaults: the trust store under ProgramData (the same
		# edit `motcua service install` makes when it writes motcua.toml).
		sed -e 's|^csca_dir = "/etc/motcua/csca"|csca_dir = '"'"'C:\\ProgramData\\motcua\\csca'"'"'|' -e 's/$/\r/' \
			internal/config/motcua.toml >"$m/doc/motcua.toml"
		cp kiosk/localapi/openapi.yaml "$m/doc/openapi.yaml"
		cp kiosk/localapi/example/index.html "$m/doc/example-clinic.html"
		msi="$DIST/motcua-${MSI_VERSION}-x64.msi"
		if (cd "$m" && wixl -a x64 -D Version="$MSI_VERSION" -D Bin=bin -D Doc=doc -o "$msi" "$root/packaging/windows/motcua.wxs") 2>"$work/err-msi"; then
			log "dist/$(basename "$msi") ($(du -h "$msi" | cut -f1))"
		else
			log "FAILED the MSI:"
			sed 's/^/    /' "$work/err-msi" | head -20 >&2
			failed="$failed windows/msi"
		fi
	else
		log "motcua.exe or motcua-app.exe did not build: no MSI"
		failed="$failed windows/msi"
	fi
fi

if want kiosk; then
	k="$work/kiosk/motcua-kiosk-recipe"
	install -d "$k"
	install -m 0644 packaging/kiosk/README.md packaging/kiosk/motcua-kiosk.service packaging/kiosk/cage.pam "$k/"
	install -m 0755 packaging/kiosk/setup-kiosk.sh "$k/"
	tar -C "$work/kiosk" -czf "$DIST/motcua-kiosk-recipe-${VERSION}.tar.gz" motcua-kiosk-recipe
	log "dist/motcua-kiosk-recipe-${VERSION}.tar.gz"
fi

(cd "$DIST" && rm -f SHA256SUMS && sha256sum -- * >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
if [ -n "$failed" ]; then
	log "not built:$failed"
fi
case " $failed " in
*" linux/motcua "* | *" windows/motcua "* | *" linux/motcua-app "* | *" windows/motcua-app "* | *" windows/msi "*) exit 1 ;;
esac
exit 0
