#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds, and runs the daemon on its built-in
# default config (one source tcp://127.0.0.1:5556 as io_group 1, files in ./data) with a local
# PACMAN emulator feeding it. Watch the file grow: `larpix-raw info data/<file>` (printed below
# every 10 s). Ctrl-C stops both; the daemon drains and closes the file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product larpix-rawd
swift build -c release --product larpix-raw
bin="$(swift build -c release --show-bin-path)"

"$bin/larpix-raw" publish --endpoint tcp://127.0.0.1:5556 --rate 2000 --words 1-400 &
emulator=$!
watcher=""
cleanup() {
    kill "$emulator" 2>/dev/null || true
    [ -n "$watcher" ] && kill "$watcher" 2>/dev/null || true
}
trap cleanup EXIT
(
    while sleep 10; do
        f=$(ls -t data/*.h5 2>/dev/null | head -1) || true
        [ -n "$f" ] && "$bin/larpix-raw" info "$f" | sed 's/^/[info] /'
    done
) &
watcher=$!
"$bin/larpix-rawd" "$@"
