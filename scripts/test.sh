#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs every test:
# unit tests, interop against larpix-control (HDF5 1.10.8) and pip's h5py (HDF5 2.x), the daemon
# end to end over loopback ZeroMQ, the unit-file checks, a smoke run of the benchmarks, and the
# deployment (DeploymentTests): the Debian package, its unit under a real systemd (a container),
# and monitoring/ against a real Prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --oracles --deploy

export LARPIX_ORACLE_PYTHON="$PWD/.venv-oracle/bin/python"
export LARPIX_H5PY2_PYTHON="$PWD/.venv-h5py2/bin/python"
export LARPIX_REQUIRE_ORACLE=1
export HDF5_USE_FILE_LOCKING=FALSE

swift build --build-tests
export LARPIX_BIN_DIR="$(swift build --show-bin-path)"
# The .deb (a release build with the Swift runtime linked statically) that DeploymentTests
# check, install and run. LARPIX_DEB=FILE tests that package instead of building one.
# The container root for the systemd test (debootstrap, cached under .build/deploy: about a
# minute the first time, mostly download and unpacking) is made meanwhile; if that fails the
# test itself says why.
root_pid=""
# Each oracle Python also runs as a server (Tests/oracle/forkserver.py) that has imported h5py and
# larpix-control once and runs each test's call in a fork: about 200 calls, each of which would
# otherwise spend half a second of CPU importing. Without them, TestSupport runs Python directly.
servers="$(mktemp -d)"
server_pids=()
for which in ORACLE H5PY2; do
    python_var="LARPIX_${which}_PYTHON"
    sock="$servers/${which,,}.sock"
    "${!python_var}" Tests/oracle/forkserver.py "$sock" </dev/null >"$servers/${which,,}.log" 2>&1 &
    server_pids+=($!)
    export "LARPIX_${which}_SERVER=$sock"
done
# If this script ends early, the background debootstrap ends with it (debian-root.sh cleans up
# what a stopped one leaves the next time); the servers end with it in any case.
cleanup() {
    [ -z "$root_pid" ] || kill "$root_pid" 2>/dev/null || true
    kill "${server_pids[@]}" 2>/dev/null || true
    wait "${server_pids[@]}" 2>/dev/null || true
    rm -rf "$servers"
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then
    tests/deploy/debian-root.sh >/dev/null 2>.build/debian-root.log &
    root_pid=$!
fi
if [ -z "${LARPIX_DEB:-}" ]; then
    LARPIX_DEB="$(scripts/package.sh -z 2)"
fi
export LARPIX_DEB
[ -z "$root_pid" ] || wait "$root_pid" || echo "test.sh: tests/deploy/debian-root.sh failed: $(tail -3 .build/debian-root.log)" >&2
# As root (CI), the deployment tests must run: they fail, saying why, where no container can be
# booted. As another user they skip, saying why (systemd-nspawn needs root). Either way
# LARPIX_REQUIRE_SYSTEMD=1/0 (or CI=true, which requires) decides instead.
if [ -z "${LARPIX_REQUIRE_SYSTEMD:-}" ] && [ "$(id -u)" -eq 0 ]; then
    export LARPIX_REQUIRE_SYSTEMD=1
fi
for which in oracle h5py2; do
    [ -S "$servers/$which.sock" ] || echo "test.sh: the $which server is not running, so its tests run Python directly: $(tail -3 "$servers/$which.log")" >&2
done
# Three tests at a time (LARPIX_TEST_WORKERS; 1 runs them one by one, printing as they go): most
# tests wait on processes, oracles and files, so three overlap on the 2-core CI machine (measured:
# 2 workers 5 min 41 s, 3 workers 5 min 7 s, 4 workers 5 min 31 s); every test asserts what the
# code controls, never timing, so the load of a neighbour cannot fail it. scripts/run-tests.py
# runs them as swift test --parallel does, each in its own process, but the longest first: in the
# bundle's order, which differs from one clone to another, they could come last and end the run
# alone. Arguments other than --filter/--skip go to swift test --parallel instead.
workers="${LARPIX_TEST_WORKERS:-3}"
only_selection=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --filter|--skip) i=$((i + 1)) ;;
        *) only_selection=0 ;;
    esac
done
if [ "$workers" -gt 1 ] && [ "$only_selection" -eq 1 ]; then
    python3 scripts/run-tests.py "$LARPIX_BIN_DIR/larpix-rawdPackageTests.xctest" --workers "$workers" "$@"
elif [ "$workers" -gt 1 ]; then
    swift test --skip-build --parallel --num-workers "$workers" "$@"
else
    swift test --skip-build "$@"
fi
