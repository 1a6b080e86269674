#!/usr/bin/env bash
# run.sh: the README's run command. Installs what is missing and starts the
# agent on its embedded default (simulated card and reader, embedded store).
# Extra arguments go to motcua.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(grep -v '^#' scripts/packages.txt)
exec go run ./cmd/motcua "$@"
