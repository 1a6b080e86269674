#!/bin/sh
# setup-kiosk.sh: turn a Debian/Ubuntu machine with the motcua package into
# a locked-down kiosk: cage runs `motcua kiosk` full screen on tty1 as the
# dedicated user motcua-kiosk, restarted if it exits. Run as root.
#   sh setup-kiosk.sh          install and enable (reboot afterwards)
#   sh setup-kiosk.sh --undo   disable and go back to the previous target
set -eu
here=$(cd "$(dirname "$0")" && pwd)
user=motcua-kiosk

if [ "$(id -u)" != 0 ]; then
	echo "setup-kiosk.sh: run as root" >&2
	exit 1
fi

if [ "${1:-}" = --undo ]; then
	systemctl disable motcua-kiosk.service || true
	rm -f /etc/systemd/system/motcua-kiosk.service /etc/pam.d/cage
	systemctl daemon-reload
	echo "kiosk session disabled; re-enable your display manager if you had one"
	exit 0
fi

command -v motcua >/dev/null || { echo "install the motcua package first" >&2; exit 1; }
if ! command -v cage >/dev/null; then
	apt-get install -y cage xwayland
fi

if ! getent passwd "$user" >/dev/null; then
	adduser --system --group --home /var/lib/$user --shell /usr/sbin/nologin \
		--gecos "Mot Cua kiosk" "$user"
fi
# Display, input and GPU access for the compositor; group motcua reads the
# configuration (/etc/motcua/motcua.toml is root:motcua 0640).
for g in video input render motcua; do
	getent group "$g" >/dev/null && adduser "$user" "$g" >/dev/null
done

install -d -m 0700 -o "$user" -g "$user" /var/lib/$user/data
# One agent per machine: on a kiosk the app is the agent (it owns the reader,
# the outbox and the sync), so the headless service must not run too.
systemctl disable --now motcua.service 2>/dev/null || true
install -m 0644 "$here/cage.pam" /etc/pam.d/cage
install -m 0644 "$here/motcua-kiosk.service" /etc/systemd/system/motcua-kiosk.service
systemctl daemon-reload
systemctl disable getty@tty1.service 2>/dev/null || true
systemctl enable motcua-kiosk.service
systemctl set-default graphical.target
echo "kiosk session enabled: reboot to start it (journalctl -u motcua-kiosk to debug)"
