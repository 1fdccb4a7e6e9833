#!/usr/bin/env bash
# Rotation cost: the emulator publishes COUNT messages of WORDS words as fast as the daemon
# takes them (blocking sends, nothing dropped) with rotate.max_messages MAX, so that the writer
# is bound by rotations; prints files/s from the first to the last message written, and the
# writer's own time per rotation (the daemon's "rotations took the writer" line at stop).
# Sidecars and the latest link are on (the defaults).
#   bench/rotation-cost.sh [COUNT] [MAX] [WORDS] [--bin DIR]     (defaults 100000 100 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count=${1:-100000} max=${2:-100} words=${3:-1}
bin="${5:-$(cd "$root" && swift build -c release --show-bin-path)}"
work=$(mktemp -d "${BENCH_DIR:-/tmp}/rotation-cost.XXXXXX")
trap 'kill $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 "$root/bench/ports.py")
cat > "$work/rawd.yaml" <<YAML
sources: [{endpoint: "tcp://127.0.0.1:$port", io_group: 1}]
output: {directory: "$work/data", filename: "rot_{seq:6}.h5"${OUTPUT_EXTRA:-}}
rotate: {max_messages: $max}
metrics: {listen: ""}
YAML
${STRACE:-} "$bin/larpix-rawd" --config "$work/rawd.yaml" 2> "$work/rawd.log" &
daemon=$!
for _ in $(seq 100); do grep -q "ready:" "$work/rawd.log" && break; sleep 0.05; done
start=$(date +%s.%N)
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$port" --words "$words" --count "$count" --hwm 0 --wait-subscriber 0.5 --json > "$work/pub.json" 2>/dev/null
want=$(( count / max ))
for _ in $(seq 1200); do
    n=$(grep -c "closed .*rotation: max_messages" "$work/rawd.log" || true)
    [ "$n" -ge "$want" ] && break
    sleep 0.05
done
end=$(date +%s.%N)
kill -TERM $daemon; wait $daemon || true
files=$(ls "$work/data" | grep -c '\.h5$')
sidecars=$(ls "$work/data" | grep -c '\.h5\.json$' || true)
line=$(grep "rotations took the writer" "$work/rawd.log" | sed 's/.*\] //; s/.*: \([0-9]* rotations\)/\1/' || true)
python3 -c "
t = $end - $start - 0.5
print('rotate.max_messages $max, $count messages of $words words: $files files ($sidecars sidecars), %.0f files/s; %s' % ($files / t, '''$line'''.strip()))"
