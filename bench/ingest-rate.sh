#!/usr/bin/env bash
# Ingest rate and memory of larpix-rawd at one message size: the emulator publishes COUNT
# messages as fast as it can (no drops: hwm 0, blocking sends), the daemon writes them; prints
# messages/s and MB/s from first to last message written, the daemon's peak RSS, and whether
# everything published was written.
#   bench/ingest-rate.sh WORDS COUNT [--bin DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
words=$1 count=$2 bin="${4:-$(cd "$root" && swift build -c release --show-bin-path)}"
work=$(mktemp -d /tmp/ingest-rate.XXXXXX)
trap 'kill $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 "$root/bench/ports.py")
cat > "$work/rawd.yaml" <<YAML
sources: [{endpoint: "tcp://127.0.0.1:$port", io_group: 1}]
output: {directory: "$work/data", filename: "rate.h5"}
log_level: warning
YAML
"$bin/larpix-rawd" --config "$work/rawd.yaml" 2> "$work/rawd.log" &
daemon=$!
sleep 0.5
start=$(date +%s.%N)
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$port" --words "$words" --count "$count" --hwm 0 --json > "$work/pub.json" 2>/dev/null
sent=$(python3 -c "import json; print(json.load(open('$work/pub.json'))['messages'])")
# Wait until the daemon has written everything (or 60 s).
for _ in $(seq 600); do
    n=$("$bin/larpix-raw" count "$work/data/rate.h5" 2>/dev/null || echo 0)
    [ "$n" -ge "$sent" ] && break
    sleep 0.1
done
end=$(date +%s.%N)
rss=$(grep VmHWM /proc/$daemon/status | awk '{print $2}')
kill -TERM $daemon; wait $daemon
n=$("$bin/larpix-raw" count "$work/data/rate.h5")
bytes=$(( (8 + 16 * words) * n ))
python3 -c "
s, e, n, b, rss, sent = $start, $end, $n, $bytes, $rss, $sent
t = e - s
print('message %d B: %d published, %d written, %.0f msg/s, %.1f MB/s, peak RSS %.0f MB, %.1f s' % (8 + 16 * $words, sent, n, n / t, b / t / 1e6, rss / 1024, t))"
