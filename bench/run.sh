#!/usr/bin/env bash
# The benchmark suite of larpix-rawd (issue 5): prints the numbers as it goes and writes
# BENCHMARKS.md (machine, date, command, tables) at the top of the repository.
#   bench/run.sh [--quick | --full | --smoke] [--bin DIR] [--out FILE] [--json FILE] [--only PARTS] [--sizes BYTES]
# --quick (default) takes about 10-15 minutes; --full runs longer trials and a 10-minute soak;
# --smoke (CI) runs every part once, tiny, in under a minute, to check that numbers come out.
# Without --bin it builds the release binaries first. PARTS: append,reference,e2e,memory,scaling.
# --sizes 65544 runs the end-to-end part at that message size only (comma-separated sizes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode=quick bin="" out="$root/BENCHMARKS.md" json="" only="" sizes=""
command="bench/run.sh $*"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) mode=quick ;;
        --full) mode=full ;;
        --smoke) mode=smoke ;;
        --bin) bin="$2"; shift ;;
        --out) out="$2"; shift ;;
        --json) json="$2"; shift ;;
        --only) only="$2"; shift ;;
        --sizes) sizes="$2"; shift ;;
        *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$bin" ]; then
    (cd "$root" && swift build -c release >&2)
    bin="$(cd "$root" && swift build -c release --show-bin-path)"
fi
args=(--mode "$mode" --bin "$bin" --markdown "$out" --command "$command")
[ -n "$json" ] && args+=(--json "$json")
[ -n "$only" ] && args+=(--only "$only")
[ -n "$sizes" ] && args+=(--sizes "$sizes")
export HDF5_USE_FILE_LOCKING=FALSE
exec python3 "$root/bench/suite.py" "${args[@]}"
