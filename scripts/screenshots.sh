#!/usr/bin/env bash
# Takes the README's screenshots: the real app (demo on the simulated
# reader) under a private Xvfb display, driven with xdotool like a finger on
# a touch screen, captured with ImageMagick's import.
#
#   bash scripts/screenshots.sh [OUTDIR]     (default docs/screenshots)
#
# Coordinates are for the 1280x800 screen this script creates (the demo
# banner takes the top 48 px). Needs xvfb,
# xdotool and imagemagick (installed here when missing).
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

go build -o "$work/" ./cmd/motcua ./cmd/motcua-app

# A private display: Xvfb picks a free number and writes it to fd 3.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
exec 3>&-
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$work/display")"

click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.6}"; }
shot() { import -window root "$out/$1.png"; echo "screenshot $out/$1.png"; }

# start MODE ARGS...: run the app and wait for its window.
start() {
	"$work/motcua" "$@" --demo --data "$work/data" >"$work/app.log" 2>&1 &
	app=$!
	pids+=($app)
	for _ in $(seq 300); do grep -q "app ready" "$work/app.log" && break; sleep 0.1; done
	grep -q "app ready" "$work/app.log" || { cat "$work/app.log"; exit 1; }
	sleep 0.5
}
stop() { kill "$app"; wait "$app" 2>/dev/null || true; }

# Kiosk: a citizen from card tap to receipt.
start kiosk
shot 1-attract
click 992 759 0.3   # demo panel: scan the card's QR
click 1105 759 1.5  # demo panel: place the card
shot 2-identity
click 476 675       # Tiếp tục
shot 3-services
click 300 250       # Xác nhận số CMND
click 640 600       # the reason field: the on-screen keyboard opens
click 110 690 0.2   # ⇧ (capital)
for k in "1205 571" "72 571" "830 631" "498 571" "633 690" "576 511" "781 571" "830 511" "448 511" \
	"633 690" "576 511" "830 511" "321 631" "922 571"; do # Telex: Lamf thur tucj
	click $k 0.15
done
shot 4-telex-keyboard
click 1234 690      # Xong
click 640 365       # the phone field: the digits pad opens
xdotool type --delay 60 0912345678
click 761 679       # Xong
click 476 675 1     # Xem lại
click 100 540 0.3   # Tôi đồng ý
shot 5-review
click 314 675 1.5   # Gửi hồ sơ
shot 6-receipt
stop

# Desk: an officer reads a forged card.
start desk --window
click 640 722 0.6   # demo panel: the card list
click 640 642 0.6   # the altered card
click 1050 722 0.3  # scan its QR
click 1140 722 1.5  # place it
shot 7-desk-forged
click 1117 75 1.5   # Hồ sơ đã gửi: the kiosk's dossier, synced to the demo intake
shot 8-desk-outbox
stop
