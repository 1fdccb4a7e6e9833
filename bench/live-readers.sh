#!/usr/bin/env bash
# Measures live readers against larpix-rawd: the daemon writes one file fed by the emulator while
# readers reopen it in a loop (larpix-control's from_rawfile with retries disabled, over HDF5
# 1.10.8; and pip's h5py over HDF5 2.x), then every message they read is checked against the
# closed file. Prints one JSON line per reader with reads, failures by kind, and corrupt messages.
#
#   bench/live-readers.sh [--reads N] [--rate MSGS_PER_S] [--words A-B] [--flush-interval S]
#                         [--page-size BYTES] [--whole-file] [--exposure-wait S] [--readers "larpix h5py"] [--bin DIR]
#                         [--interval S] [--seconds S]
# Readers: larpix, h5py (reopen per read), refresh (h5py open once + refresh(), over Debian's HDF5
# 1.10.8) and refresh2 (the same over pip's h5py, HDF5 2.x).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
interval=0 seconds=0 reads=2000 rate=2000 words=1-400 flush=0.2 page=0 ordered=true delay=0.05 readers="larpix h5py" bin="" window=64 extra=""
while [ $# -gt 0 ]; do
    case "$1" in
        --reads) reads=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --words) words=$2; shift 2 ;;
        --flush-interval) flush=$2; shift 2 ;;
        --page-size) page=$2; shift 2 ;;
        --whole-file) ordered=false; shift ;;
        --exposure-wait) delay=$2; shift 2 ;;
        --readers) readers=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --extra-config) extra=$2; shift 2 ;;
        --interval) interval=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$bin" ] || bin="$(cd "$root" && swift build -c release --show-bin-path)"
py_larpix="${LARPIX_ORACLE_PYTHON:-$root/.venv-oracle/bin/python}"
py_h5py="${LARPIX_H5PY2_PYTHON:-$root/.venv-h5py2/bin/python}"

work=$(mktemp -d /tmp/live-readers.XXXXXX)
trap 'kill $pub $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 "$root/bench/ports.py")
cat > "$work/rawd.yaml" <<YAML
sources: [{endpoint: "tcp://127.0.0.1:$port", io_group: 1}]
output: {directory: "$work/data", filename: "live.h5", page_size: $page, ordered_flush: $ordered, exposure_wait: $delay}
flush_interval: $flush
log_level: info
metrics: {listen: ""}
$extra
YAML
"$bin/larpix-rawd" --config "$work/rawd.yaml" 2> "$work/rawd.log" &
daemon=$!
sleep 0.5
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$port" --rate "$rate" --words "$words" --hwm 0 --json > "$work/pub.json" 2>/dev/null &
pub=$!
sleep 1
pids=()
for r in $readers; do
    py=$py_larpix kind=$r
    case "$r" in h5py) py=$py_h5py ;; refresh2) py=$py_h5py kind=refresh ;; esac
    "$py" "$root/Tests/oracle/live_reader.py" "$work/data/live.h5" --reader "$kind" --reads "$reads" --window "$window" \
        --interval "$interval" --seconds "$seconds" --out "$work/$r.json" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
kill -INT $pub; wait $pub || true
kill -TERM $daemon; wait $daemon
size=$(stat -c %s "$work/data/live.h5")
n=$("$bin/larpix-raw" count "$work/data/live.h5")
bytes=$("$bin/larpix-raw" info --json "$work/data/live.h5" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("message_bytes", d.get("bytes", 0)))' 2>/dev/null || echo 0)
order=$(grep -o '[0-9]* ordered flushes, [0-9]* waits for readers, [0-9]* with a reader still open' "$work/rawd.log" | tail -1 || true)
results=()
for r in $readers; do results+=("$work/$r.json"); done
"$py_larpix" "$root/Tests/oracle/live_reader.py" --verify "$work/data/live.h5" "${results[@]}" | python3 -c "
import json, sys
for r in json.load(sys.stdin):
    r.update(flush_interval=$flush, page_size=$page, ordered='$ordered', exposure_wait=$delay, rate=$rate, messages=$n, file_bytes=$size, message_bytes=$bytes, order='$order')
    print(json.dumps(r))
"
