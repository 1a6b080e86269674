#!/usr/bin/env bash
# Walks "Gọi cán bộ hỗ trợ" across the office link (issue 19) with two real
# app processes, each on its own private Xvfb display: a kiosk and a desk,
# [office] configured on 127.0.0.1 ports with one office key in a temp
# directory. The kiosk's help button is tapped (by its label on the tap
# map, MOTCUA_UI_MAP), the desk's banner is captured, its "Tôi đến ngay"
# tapped, and the kiosk captured saying an officer is coming.
#
#   bash scripts/walk-help.sh [OUTDIR]   (default docs/screenshots/walk)
#   SIZES=1024x768 LARGE=1 bash scripts/walk-help.sh /tmp/walk
#
# Images: OUTDIR/SIZE/help-1-kiosk-called.png, help-2-desk-banner.png,
# help-3-kiosk-coming.png, help-4-desk-answered.png, and with the desk
# gone help-5-kiosk-no-desk.png. Every process it
# starts is stopped by its pid. Needs xvfb, xdotool, imagemagick, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots/walk}
mkdir -p "$out"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/" ./cmd/motcua-app ./cmd/motcua
"$work/motcua" office key "$work/office.key" >/dev/null

# free_port: a loopback port nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# display NAME WxH: a private display; its number goes to $work/NAME.display.
display() {
	exec 3>"$work/$1.display"
	Xvfb -displayfd 3 -screen 0 "$2x24" -nolisten tcp >/dev/null 2>&1 &
	pids+=($!)
	exec 3>&-
	for _ in $(seq 100); do [ -s "$work/$1.display" ] && break; sleep 0.1; done
}
on() { DISPLAY=":$(cat "$work/${1%2}.display")" "${@:2}"; }

# start NAME MODE ARGS...: run the app NAME on its display with its own
# data directory and tap map.
start() {
	local name=$1
	shift
	# Started directly (not through a function): $! is the app's own pid.
	DISPLAY=":$(cat "$work/${name%2}.display")" MOTCUA_UI_MAP="$work/$name.map" "$work/motcua-app" "$@" --demo --queue-only \
		--data "$work/$name.data" >"$work/$name.log" 2>&1 &
	pids+=($!)
	eval "${name}_pid=$!"
	for _ in $(seq 300); do grep -q "app ready" "$work/$name.log" && break; sleep 0.1; done
	grep -q "app ready" "$work/$name.log" || { cat "$work/$name.log"; exit 1; }
	for _ in $(seq 50); do [ -s "$work/$name.map" ] && break; sleep 0.1; done
	sleep 0.8
}

# tap NAME LABEL: tap the first control labelled LABEL in app NAME.
tap() {
	local xy=""
	for _ in $(seq 50); do
		xy=$(jq -r --arg t "$2" '[.targets[] | select((.text | gsub("\n"; " ")) == $t and .in_view and (.disabled | not))][0] // empty | "\(.x) \(.y)"' \
			"$work/$1.map" 2>/dev/null || true)
		[ -n "$xy" ] && break
		sleep 0.1
	done
	if [ -z "$xy" ]; then
		echo "walk: no '$2' on $1's screen; there is:" >&2
		jq -r '.targets[] | "  \(.kind) \(.text) in_view=\(.in_view)"' "$work/$1.map" >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	on "$1" xdotool mousemove $xy click 1
	sleep 1.2
}
shot() { on "$1" import -window root "$out/$2.png"; echo "screenshot $out/$2.png"; }

# wait_log NAME TEXT: wait (bounded) until app NAME logs TEXT.
wait_log() {
	for _ in $(seq 100); do grep -q "$2" "$work/$1.log" && return; sleep 0.1; done
	echo "walk: $1 never logged '$2'" >&2
	cat "$work/$1.log" >&2
	exit 1
}

for size in ${SIZES:-1280x800 1024x768}; do
	mkdir -p "$out/$size"
	display kiosk "$size"
	display desk "$size"
	kp=$(free_port)
	dp=$(free_port)
	large=()
	[ -n "${LARGE:-}" ] && large=(--set kiosk.large_text=true)
	start desk desk --window --set agent.device=quay-3 --set office.listen="127.0.0.1:$dp" \
		--set "office.peers=[\"127.0.0.1:$kp\"]" --set office.key_file="$work/office.key" "${large[@]}"
	start kiosk kiosk --set agent.device=kiosk-01 --set office.listen="127.0.0.1:$kp" \
		--set "office.peers=[\"127.0.0.1:$dp\"]" --set office.key_file="$work/office.key" "${large[@]}"
	W=${size%x*}
	H=${size#*x}
	if [ "$W" -lt 1280 ]; then # the desk's window maximised, as its window manager would
		for wid in $(on desk xdotool search --pid "$desk_pid" 2>/dev/null); do on desk xdotool windowsize "$wid" "$W" "$H" || true; done
		sleep 1
	fi
	tap kiosk "Gọi cán bộ hỗ trợ"
	wait_log kiosk "help call delivered"
	sleep 0.5
	shot kiosk "$size/help-1-kiosk-called"
	wait_log desk "help call received"
	sleep 0.5
	shot desk "$size/help-2-desk-banner"
	tap desk "Tôi đến ngay"
	wait_log kiosk "help call answered"
	sleep 0.8
	shot kiosk "$size/help-3-kiosk-coming"
	shot desk "$size/help-4-desk-answered"
	# The desk goes away: a kiosk's call reaches no desk, and the kiosk
	# says to go to the counter.
	kill "$desk_pid" "$kiosk_pid"
	wait "$desk_pid" "$kiosk_pid" 2>/dev/null || true
	start kiosk2 kiosk --set agent.device=kiosk-02 --set office.listen="127.0.0.1:$kp" \
		--set "office.peers=[\"127.0.0.1:$dp\"]" --set office.key_file="$work/office.key" "${large[@]}"
	tap kiosk2 "Gọi cán bộ hỗ trợ"
	wait_log kiosk2 "help call reached no desk"
	sleep 0.8
	shot kiosk2 "$size/help-5-kiosk-no-desk"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	rm -rf "$work"/*.data "$work"/*.map "$work"/*.display "$work"/*.log
done
