#!/usr/bin/env bash
# The raw -> packet converter (issue 10, point 7): on the same raw files in the same run,
# `larpix-raw convert` (PacketConverter) against larpix-control 3.7.0's convert_rawhdf5_to_hdf5.py,
# its numba --direct mode (when NUMBA_PYTHON and LC_RELEASE are given), and the C packet-file
# ceiling (CBenchCeilings/packet_write.c: the same rows, chunk and writes through HDF5, nothing read).
#   bench/convert.sh [--bin DIR] [--dir DIR] [--reps N] [--big GB]
# Sizes: real 2x2 messages (1-6 words, 24-104 B), 1032 B (64 words), 4000-16000 words; about
# 1.3 M packets each (larpix-control takes ~40 s per size). --big GB also converts a raw file of
# GB gigabytes (64-word messages, under --dir: give a disk directory) with peak RSS
# from /usr/bin/time, and deletes it after. Environment: ORACLE_PYTHON (default
# .venv-oracle under the main checkout), NUMBA_PYTHON (a Python with numba) and LC_RELEASE (a
# checkout of larpix-control's GitHub release branch) for --direct.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="" dir=/dev/shm/larpix-convert-bench reps=5 big=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift ;;
        --dir) dir="$2"; shift ;;
        --reps) reps="$2"; shift ;;
        --big) big="$2"; shift ;;
        *) echo "bench/convert.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release >&2)
    bin="$(cd "$root" && swift build -c release --show-bin-path)"
fi
oracle="${ORACLE_PYTHON:-$root/.venv-oracle/bin/python}"
[ -x "$oracle" ] || oracle=/work/main/.venv-oracle/bin/python
export HDF5_USE_FILE_LOCKING=FALSE
mkdir -p "$dir"
trap 'rm -f "$dir"/conv-*.h5 "$dir"/raw-*.h5' EXIT
echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# name words messages
sizes=("real 1-6 300000" "w64 64-64 20000" "big 4000-16000 130")
for s in "${sizes[@]}"; do
    set -- $s
    raw="$dir/raw-$1.h5"
    "$bin/larpix-bench" make-raw "$raw" --words "$2" --messages "$3" >/dev/null
    ours=$("$bin/larpix-bench" packets "$raw" --repetitions "$reps")
    rm -f "$dir/conv-ref.h5"
    t0=$(date +%s.%N)
    "$oracle" "$(dirname "$oracle")/convert_rawhdf5_to_hdf5.py" -i "$raw" -o "$dir/conv-ref.h5" >/dev/null
    t1=$(date +%s.%N)
    ref=$(echo "$t1 - $t0" | bc)
    direct=null
    if [ -n "${NUMBA_PYTHON:-}" ] && [ -n "${LC_RELEASE:-}" ]; then
        rm -f "$dir/conv-direct.h5"
        site="$("$oracle" -c 'import bidict, os; print(os.path.dirname(os.path.dirname(bidict.__file__)))')"
        t0=$(date +%s.%N)
        PYTHONPATH="$LC_RELEASE:$site" "$NUMBA_PYTHON" "$LC_RELEASE/scripts/convert_rawhdf5_to_hdf5.py" --direct \
            -i "$raw" -o "$dir/conv-direct.h5" >/dev/null
        t1=$(date +%s.%N)
        direct=$(echo "$t1 - $t0" | bc)
        "$oracle" - "$dir/conv-direct.h5" "$dir/conv-ref.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, 'r')['packets'][:] for p in sys.argv[1:])
print('# --direct rows equal to 3.7.0:', len(a) == len(b) and bool(np.array_equal(a, b)), file=sys.stderr)
PY
    fi
    python3 - "$1" "$ours" "$ref" "$direct" <<'PY'
import json, sys
name, ours, ref, direct = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
n, b = ours['packets'], ours['message_bytes']
row = {'size': name, 'messages': ours['messages'], 'packets': n, 'raw_mb': b / 1e6,
       'ours_packets_per_s': ours['swift_packets_per_s'], 'ours_raw_mb_per_s': ours['swift_raw_mb_per_s'],
       'c_packets_per_s': ours['c_packets_per_s'], 'ratio_to_c': ours['ratio'],
       'larpix_control_s': ref, 'larpix_control_packets_per_s': n / ref,
       'x_larpix_control': ours['swift_packets_per_s'] / (n / ref),
       'read_s': ours['read_seconds'], 'read_decode_s': ours['read_decode_seconds'], 'ours_s': ours['swift_seconds'], 'c_s': ours['c_seconds']}
if direct is not None:
    row.update({'direct_s': direct, 'direct_packets_per_s': n / direct, 'x_direct': ours['swift_packets_per_s'] / (n / direct)})
print(json.dumps(row))
PY
    rm -f "$raw" "$dir"/conv-*.h5
done

if [ "$big" != 0 ]; then
    raw="$dir/raw-big-input.h5"
    "$bin/larpix-bench" make-raw "$raw" --words 64-64 --bytes "$(echo "$big * 1000000000 / 1" | bc)" >/dev/null
    /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$bin/larpix-raw" convert "$raw" -o "$dir/conv-big.h5" --json > "$dir/big.json"
    python3 - "$dir/big.json" "$dir/time.txt" "$(stat -c %s "$raw")" "$(stat -c %s "$dir/conv-big.h5")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); wall, rss = open(sys.argv[2]).read().split()
print(json.dumps({'big_raw_bytes': int(sys.argv[3]), 'packet_file_bytes': int(sys.argv[4]), 'messages': s['messages'],
                  'packets': s['packets'], 'seconds': float(wall), 'packets_per_s': s['packets'] / float(wall),
                  'raw_mb_per_s': int(sys.argv[3]) / float(wall) / 1e6, 'peak_rss_mb': int(rss) / 1024}))
PY
    rm -f "$raw" "$dir/conv-big.h5" "$dir/big.json" "$dir/time.txt"
fi
