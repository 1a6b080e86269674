#!/usr/bin/env bash
# Takes the README's screenshots: the real app (demo on the simulated
# reader) under a private Xvfb display, driven with xdotool like a finger on
# a touch screen, captured with ImageMagick's import.
#
#   bash scripts/screenshots.sh [OUTDIR]     (default docs/screenshots/walk: the README's)
#   SIZES=1024x768 bash scripts/screenshots.sh /tmp/shots   (other screen sizes)
#
# The walk runs at 1280x800 and at 1920x1080: every mode, large text and
# forged cards. Controls are tapped by their labels, found on the app's tap
# map (MOTCUA_UI_MAP, ui/walkmap.go), never by fixed coordinates.
# Needs xvfb, xdotool, imagemagick and jq (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots/walk}
mkdir -p "$out"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
command -v jq >/dev/null || need+=(jq)
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

# The app writes its tap map (ui/walkmap.go: each control's label and
# centre in window pixels) to $map: the walk taps controls by their
# labels, as a person finds them, so a screen that changes its layout does
# not send the walk astray. A label that is not on screen stops the walk
# with the labels that are.
map="$work/tapmap.json"
export MOTCUA_UI_MAP="$map"

# tap LABEL [PAUSE] [N]: tap the Nth (default first) control in view labelled LABEL.
tap() {
	local xy=""
	for _ in $(seq 50); do
		xy=$(jq -r --arg t "$1" --argjson n "${3:-0}" \
			'[.targets[] | select((.text | gsub("\n"; " ")) == $t and .in_view and (.disabled | not))][$n] // empty | "\(.x + '"$ox"') \(.y + '"$oy"')"' \
			"$map" 2>/dev/null || true)
		[ -n "$xy" ] && break
		sleep 0.1
	done
	if [ -z "$xy" ]; then
		import -window root "$out/walk-failed.png" || true
		echo "walk: no '$1' on screen $(jq -r .screen "$map") (see $out/walk-failed.png); there is:" >&2
		jq -r '.targets[] | "  \(.kind) \(.text) in_view=\(.in_view)"' "$map" >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	click $xy "${2:-1}"
}

# has LABEL: is a control labelled LABEL in view?
has() {
	jq -e --arg t "$1" '[.targets[] | select((.text | gsub("\n"; " ")) == $t and .in_view)] | length > 0' "$map" >/dev/null 2>&1
}

# reveal LABEL: scroll the screen (mouse wheel near its left edge, at most
# 80 notches) until the control labelled LABEL is in view.
reveal() {
	for _ in $(seq 80); do
		jq -e --arg t "$1" '[.targets[] | select((.text | gsub("\n"; " ")) == $t and .in_view)] | length > 0' "$map" >/dev/null 2>&1 && return
		# (the scroll bar itself does not take the wheel under Xvfb)
		xdotool mousemove $((ox + 100)) $((oy + $(jq .height "$map") / 2)) click 5
		sleep 0.25
	done
}

# focus LABEL: move the focus with Tab (at most 40 presses) to the field
# labelled LABEL, wherever the screen is scrolled (a mouse wheel over a
# field scrolls the field, not the screen).
focus() {
	for _ in $(seq 40); do
		jq -e --arg t "$1" '[.targets[] | select(.kind == "entry" and .text == $t and .focused)] | length > 0' "$map" >/dev/null 2>&1 && return
		xdotool key Tab
		sleep 0.3
	done
	echo "walk: could not focus '$1'" >&2
	exit 1
}

# tap_service NAME: tap a service tile, turning the kiosk's pages (at most
# ten) until it shows.
tap_service() {
	for _ in $(seq 10); do
		sleep 0.3
		if has "$1"; then
			tap "$1" 1.2
			# A kiosk shows the service's detail first (fees, time, papers).
			if [ "$(jq -r .screen "$map")" = services.detail ]; then
				[ -n "${detail_shot:-}" ] && shot "$detail_shot"
				tap "Chọn thủ tục này" 1.2
			fi
			return
		fi
		tap "Xem thêm" 0.8
	done
	echo "walk: no service tile '$1'" >&2
	exit 1
}

# screen NAME: wait (bounded) until the app shows screen NAME.
screen() {
	for _ in $(seq 100); do
		[ "$(jq -r .screen "$map" 2>/dev/null)" = "$1" ] && { sleep 0.4; return; }
		sleep 0.1
	done
	import -window root "$out/walk-failed.png" || true
	echo "walk: screen $(jq -r .screen "$map") instead of $1 (see $out/walk-failed.png)" >&2
	exit 1
}

# type TEXT: type into the field that has the focus.
typetext() { xdotool type --delay 60 "$1"; sleep 0.5; }

# start MODE ARGS...: run the app and wait for its window.
start() {
	rm -rf "$work/data" "$map"
	"$work/motcua-app" "$@" --demo --queue-only --data "$work/data" >"$work/app.log" 2>&1 &
	app=$!
	pids+=($app)
	for _ in $(seq 300); do grep -q "app ready" "$work/app.log" && break; sleep 0.1; done
	grep -q "app ready" "$work/app.log" || { cat "$work/app.log"; exit 1; }
	for _ in $(seq 50); do [ -s "$map" ] && break; sleep 0.1; done
	# A desk window on a screen smaller than 1280x800 fits itself to the
	# screen (cmd/motcua-app/window.go); nothing to resize here.
	sleep 0.5
}
stop() { kill "$app"; wait "$app" 2>/dev/null || true; }

# demo CARD: pick demo card CARD (0 genuine, 1 a second genuine person,
# 2 altered, 3 cloned, 4 unknown signer) in the demo panel, scan its QR
# and place it on the simulated reader.
demo() {
	tap "Bảng thử nghiệm (thẻ giả lập)" 0.6
	local item
	item=$(jq -r --argjson n "$1" '[.targets[] | select(.kind == "menu-item")][$n] // empty | "\(.x + '"$ox"') \(.y + '"$oy"')"' "$map")
	[ -n "$item" ] || { echo "walk: the demo card list did not open" >&2; exit 1; }
	# shellcheck disable=SC2086
	click $item 0.5
	tap "Quét QR" 0.4
	tap "Đặt thẻ" 2.5
}

# (ox, oy): where the window's top left sits on the screen (a full-screen
# kiosk at 0,0; a desk window is placed at the top left too, no window
# manager runs under Xvfb).
ox=0
oy=0

for size in ${SIZES:-1280x800 1920x1080}; do
	display "$size"
	p="$out/$size"
	mkdir -p "$p"
	# Desk, clinic and notary: a 1280x800 window (maximised by start on a
	# smaller screen).
	win=--window

	# Kiosk: a citizen files a temporary-absence declaration to the receipt.
	start kiosk
	shot "$size/kiosk-1-attract"
	demo 0
	screen identity
	shot "$size/kiosk-2-identity"
	tap "Tiếp tục"
	screen services
	shot "$size/kiosk-3-services"
	# The simplest service to its receipt: two answers typed on the
	# on-screen keyboard's field, review, agree, submit.
	detail_shot="$size/kiosk-3a-service-detail" tap_service "Xác nhận số Chứng minh nhân dân"
	screen form
	shot "$size/kiosk-3b-form-simple"
	focus "Số điện thoại"
	typetext "0912345678"
	shot "$size/kiosk-3b-digits-pad"
	tap "Xong" 0.6 # the pad closes
	focus "Lý do đề nghị xác nhận"
	typetext "lam the ngan hang"
	shot "$size/kiosk-3b-keyboard"
	tap "Xong" 0.6
	tap "Xem lại" 1.2
	screen review
	shot "$size/kiosk-3c-review"
	reveal "Tôi đồng ý"
	tap "Tôi đồng ý" 0.5
	tap "Gửi hồ sơ" 2
	screen receipt
	shot "$size/kiosk-3d-receipt"
	tap "Rút thẻ" 1.5
	shot "$size/kiosk-3e-receipt-card-taken"
	stop

	# Kiosk: a citizen looks up their dossiers by tapping their card.
	start kiosk
	tap "Tra cứu hồ sơ" 1
	shot "$size/kiosk-7-lookup"
	stop

	# Kiosk: marriage, the groom's card first, then the bride's.
	start kiosk
	demo 0
	screen identity
	tap "Tiếp tục"
	screen services
	tap_service "Đăng ký kết hôn"
	screen form
	shot "$size/kiosk-4-form-marriage"
	stop

	# Kiosk with a cloned card: plain words, "Xin mời gặp cán bộ".
	start kiosk
	demo 3
	screen identity
	shot "$size/kiosk-5-forged-clone"
	stop

	# Kiosk with large text: the card before its key, the digits pad whole.
	start kiosk --set kiosk.large_text=true
	tap "Đặt thẻ" 2
	shot "$size/kiosk-6-large-digits-pad"
	stop

	# Desk: an altered card, with the officer's details.
	start desk $win
	demo 2
	screen identity
	shot "$size/desk-1-forged-altered"
	stop

	# Clinic: the receptionist checks a card's health insurance.
	start clinic $win
	demo 0
	screen identity
	shot "$size/clinic-1-identity"
	tap "Kiểm tra thẻ BHYT" 2
	shot "$size/clinic-2-checkin"
	stop

	# Clinic self check-in: a patient takes a queue ticket.
	start clinic --set clinic.self_service=true
	demo 0
	screen identity
	tap "Kiểm tra thẻ BHYT" 2
	screen checkin
	shot "$size/clinic-3-self-bhyt"
	tap "Chọn phòng khám" 1.2
	screen department
	shot "$size/clinic-4-self-department"
	tap "Phòng khám Nội" 1.5
	screen ticket
	shot "$size/clinic-5-self-ticket"
	stop

	# Notary: a party's verification record, saved.
	start notary $win
	demo 0
	screen notary
	shot "$size/notary-1-party"
	reveal "Số việc công chứng"
	tap "Số việc công chứng" 0.5
	typetext "123/2026/CC"
	tap "Lưu biên bản xác minh" 1.5
	shot "$size/notary-2-saved"
	stop

	kill "$xvfb"
	wait "$xvfb" 2>/dev/null || true
done
