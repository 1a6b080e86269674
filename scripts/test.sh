#!/usr/bin/env bash
# test.sh: the README's test command. Installs what is missing, starts pcscd
# (with the vpcd virtual readers) unless one is already running, runs go vet
# and staticcheck (both fail the run on any finding), every test, and stops
# what it started. Extra arguments go to `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(grep -v '^#' scripts/packages.txt)

started=""
cleanup() {
  if [ -n "$started" ]; then
    kill "$started" 2>/dev/null || true
    wait "$started" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# A live pcscd (a zombie left by a killed one does not count).
pcscd_alive() {
  local p
  for p in $(pgrep -x pcscd 2>/dev/null); do
    [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = "Z" ] || return 0
  done
  return 1
}

if ! pcscd_alive; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # No pcscd is alive, so a socket left behind is stale: remove it so the
  # wait below sees the new daemon's socket, not the old one.
  $SUDO rm -f /run/pcscd/pcscd.comm
  # --foreground, never --auto-exit: it would quit when idle and take the
  # virtual readers with it.
  $SUDO pcscd --foreground >/tmp/motcua-pcscd.log 2>&1 &
  started=$!
  for _ in $(seq 50); do   # up to 5 s for the daemon socket
    [ -S /run/pcscd/pcscd.comm ] && kill -0 "$started" 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$started" 2>/dev/null || { echo "pcscd did not start:" >&2; cat /tmp/motcua-pcscd.log >&2; exit 1; }
fi
export MOTCUA_PCSC=1   # hwtest runs its suite through the real PC/SC stack too

# staticcheck, pinned: installed into GOPATH/bin from the module proxy when
# that version is not there yet.
STATICCHECK_VERSION=v0.8.2
staticcheck="$(go env GOPATH)/bin/staticcheck"
if ! "$staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

go vet ./...
"$staticcheck" ./...
go test -count=1 -timeout 30m "$@" ./...
