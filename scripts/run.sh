#!/usr/bin/env bash
# run.sh: the README's run command. Installs what is missing and starts the
# app on its embedded default: with no PC/SC reader attached, the demo on the
# simulated reader (synthetic cards, a forged one among them), the embedded
# store, and sync to an intake on loopback. Extra arguments go to motcua
# (e.g. `desk`, `kiosk --window`, `clinic`, `notary`, or any subcommand).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(grep -v '^#' scripts/packages.txt)
if [ $# -eq 0 ] || [[ "$1" =~ ^(app|kiosk|desk|clinic|notary|-.*)$ ]]; then
	if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
		echo "run.sh: no display (DISPLAY or WAYLAND_DISPLAY is unset): the app needs a desktop session." >&2
		echo "run.sh: headless, try the agent service instead: bash scripts/run.sh serve --sim" >&2
		exit 1
	fi
	# A kiosk takes the whole screen; on a developer's desktop a window is kinder.
	[ $# -eq 0 ] && set -- app --window
fi
# motcua (CLI and service) and motcua-app (the GUI) side by side: `motcua`
# starts the app it finds next to itself.
go build -o .bin/ ./cmd/motcua ./cmd/motcua-app
exec .bin/motcua "$@"
