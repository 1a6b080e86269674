#!/usr/bin/env bash
# Takes the README's screenshots: the real app (demo on the simulated
# reader) under a private Xvfb display, driven with xdotool like a finger on
# a touch screen, captured with ImageMagick's import.
#
#   bash scripts/screenshots.sh [OUTDIR]     (default docs/screenshots)
#
# The walk runs at 1280x800 and at 1920x1080: every mode, large text and
# forged cards. Coordinates are taken from the window's edges (the demo
# panel sits at the bottom right, the next action at the bottom centre);
# the screens scroll inside a window that never grows, so they hold.
# Needs xvfb, xdotool and imagemagick (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
if ((${#need[@]})); then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get install -y -qq "${need[@]}"
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/" ./cmd/motcua-app

# display WxH: a private display of that size (Xvfb picks a free number
# and writes it to fd 3).
display() {
	rm -f "$work/display"
	exec 3>"$work/display"
	Xvfb -displayfd 3 -screen 0 "$1x24" -nolisten tcp >/dev/null 2>&1 &
	xvfb=$!
	pids+=($xvfb)
	exec 3>&-
	for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
	export DISPLAY=":$(cat "$work/display")"
	W=${1%x*}
	H=${1#*x}
}

click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.8}"; }
shot() { import -window root "$out/$1.png"; echo "screenshot $out/$1.png"; }

# start MODE ARGS...: run the app and wait for its window.
start() {
	rm -rf "$work/data"
	"$work/motcua-app" "$@" --demo --queue-only --data "$work/data" >"$work/app.log" 2>&1 &
	app=$!
	pids+=($app)
	for _ in $(seq 300); do grep -q "app ready" "$work/app.log" && break; sleep 0.1; done
	grep -q "app ready" "$work/app.log" || { cat "$work/app.log"; exit 1; }
	sleep 1
}
stop() { kill "$app"; wait "$app" 2>/dev/null || true; }

# demo CARD: pick a demo card (0 genuine … 2 altered, 3 cloned, 4 unknown
# signer, 6 passport: its "QR" is its MRZ), scan its QR and place it. The demo panel's row ($panel from the
# bottom edge), its list's item pitch and its buttons (from the right
# edge) depend on the mode's text size.
demo() {
	click 400 $((H - panel)) 0.6                     # the card list opens upwards
	click 400 $((H - panel - top + $1 * pitch)) 0.4 # the card
	click $((W - qrx)) $((H - panel)) 0.3            # Quét QR
	click $((W - cardx)) $((H - panel)) 2.5          # Đặt thẻ
}
kiosk_panel() { panel=41 top=337 pitch=59 qrx=287 cardx=174; }
desk_panel() { panel=78 top=213 pitch=45 qrx=229 cardx=139; }

for size in 1280x800 1920x1080; do
	display "$size"
	p="$out/$size"
	mkdir -p "$p"
	# Kiosk: a citizen, the marriage form after the groom's card.
	kiosk_panel
	start kiosk
	shot "$size/kiosk-1-attract"
	demo 0
	shot "$size/kiosk-2-identity"
	click $((W / 2 - 164)) $((H - 125)) 1.5 # Tiếp tục
	shot "$size/kiosk-3-services"
	click $((W / 4)) $((H * 5 / 8)) 1.5 # the third tile: Đăng ký kết hôn
	shot "$size/kiosk-4-form-marriage"
	stop
	# Kiosk with a cloned card: plain words, "Xin mời gặp cán bộ".
	start kiosk
	demo 3
	shot "$size/kiosk-5-forged-clone"
	stop
	# Kiosk with large text: the card before its key, the digits pad whole.
	start kiosk --set kiosk.large_text=true
	click $((W - 174)) $((H - 55)) 2 # Đặt thẻ: the key is asked
	shot "$size/kiosk-6-large-digits-pad"
	stop
	# Desk: an altered card, with the officer's details.
	# (a desk is a 1280x800 window at the screen's top left, whatever the
	# screen: the coordinates are the window's)
	desk_panel
	sw=$W sh=$H W=1280 H=800
	start desk --window
	demo 2
	shot "$size/desk-1-forged-altered"
	stop
	W=$sw H=$sh
	kill "$xvfb"
	wait "$xvfb" 2>/dev/null || true
done
