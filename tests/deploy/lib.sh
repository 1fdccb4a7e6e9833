# Shared by the deployment tests in tests/deploy (sourced). Each test prints TAP-like lines,
# "ok N - what" / "not ok N - what", measurements as "# name: value", and a last line
# "NAME: N passed, N failed"; it exits 0 when nothing failed, 1 otherwise, 77 when it cannot
# run here (the reason on the line before). Waits poll a condition until a deadline and fail
# the check when the deadline passes; nothing sleeps a fixed time to let something happen.
passed=0 failed=0 checks=0
test_name="${test_name:-$(basename "$0" .sh)}"
ok()   { checks=$((checks + 1)); passed=$((passed + 1)); echo "ok $checks - $*"; }
fail() { checks=$((checks + 1)); failed=$((failed + 1)); echo "not ok $checks - $*"; }
# check "what" command...: ok when the command succeeds.
check() { local what="$1"; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
# expect_eq "what" EXPECTED ACTUAL
expect_eq() { if [ "$2" = "$3" ]; then ok "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi; }
measure() { echo "# $1: $2"; }
skip() { echo "# SKIP: $*"; echo "$test_name: skipped: $*"; exit 77; }
finish() { echo "$test_name: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
# wait_until SECONDS command...: polls every 0.1 s; 1 when the deadline passes.
wait_until() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
    until "$@"; do
        [ "$(date +%s%N)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
# free_ports N: N distinct loopback ports below the kernel's ephemeral range, one per line
# (bench/ports.py says why); read them with `read -r -d '' a b c < <(free_ports 3) || true`.
free_ports() { python3 "$(dirname "${BASH_SOURCE[0]}")/../../bench/ports.py" "$1"; }
# metric URL NAME [LABEL=VALUE...]: the sum of NAME's samples whose labels match (empty if none).
metric() { python3 "$(dirname "${BASH_SOURCE[0]}")/metric.py" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
