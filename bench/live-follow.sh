#!/usr/bin/env bash
# Our own live reader: `larpix-raw follow --until-closed` on the file the daemon is writing, fed by
# the emulator for SECONDS; afterwards its output must equal a dump of the closed file (nothing
# skipped, repeated or corrupt). Prints the counts and the follower's transient retries.
#   bench/live-follow.sh [SECONDS] [RATE] [--bin DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=${1:-20} rate=${2:-2000}
bin="${4:-$(cd "$root" && swift build -c release --show-bin-path)}"
work=$(mktemp -d /tmp/live-follow.XXXXXX)
trap 'kill $pub $daemon $follow 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 "$root/bench/ports.py")
cat > "$work/rawd.yaml" <<YAML
sources: [{endpoint: "tcp://127.0.0.1:$port", io_group: 1}]
output: {directory: "$work/data", filename: "live.h5"}
flush_interval: 0.2
log_level: warning
YAML
"$bin/larpix-rawd" --config "$work/rawd.yaml" 2> "$work/rawd.log" &
daemon=$!
sleep 0.5
"$bin/larpix-raw" follow "$work/data/live.h5" --until-closed --interval 0.01 > "$work/follow.jsonl" 2> "$work/follow.err" &
follow=$!
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$port" --rate "$rate" --words 1-400 --hwm 0 --seconds "$seconds" --json > "$work/pub.json" 2>/dev/null &
pub=$!
wait $pub
sleep 1
kill -TERM $daemon; wait $daemon
wait $follow
"$bin/larpix-raw" dump "$work/data/live.h5" --format jsonl > "$work/final.jsonl"
followed=$(wc -l < "$work/follow.jsonl"); final=$(wc -l < "$work/final.jsonl")
same=no; cmp -s "$work/follow.jsonl" "$work/final.jsonl" && same=yes
echo "published $(python3 -c "import json; print(json.load(open('$work/pub.json'))['messages'])"), file $final, followed $followed, identical to the closed file: $same"
cat "$work/follow.err" | tail -3
