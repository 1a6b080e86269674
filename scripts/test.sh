#!/usr/bin/env bash
# test.sh: the README's test command. Installs what is missing, starts pcscd
# (with the vpcd virtual readers) unless one is already running, runs every
# test, and stops what it started. Extra arguments go to `go test`.
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

if ! pgrep -x pcscd >/dev/null 2>&1; then
  # --foreground, never --auto-exit: it would quit when idle and take the
  # virtual readers with it.
  pcscd --foreground >/tmp/motcua-pcscd.log 2>&1 &
  started=$!
  for _ in $(seq 50); do   # up to 5 s for the daemon socket
    [ -S /run/pcscd/pcscd.comm ] && break
    sleep 0.1
  done
fi
export MOTCUA_PCSC=1   # hwtest runs its suite through the real PC/SC stack too

go vet ./...
go test -count=1 -timeout 30m "$@" ./...
