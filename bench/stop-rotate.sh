#!/usr/bin/env bash
# SIGHUP and SIGTERM at random moments of full-rate ingest (StopRotateTests): H SIGHUPs in one
# run (CI: 50) and R runs ended by SIGTERM (CI: 4); prints published, stored, lost and repeated
# counts and bytes.   bench/stop-rotate.sh [H] [R]
set -euo pipefail
cd "$(dirname "$0")/.."
export HDF5_USE_FILE_LOCKING=FALSE LARPIX_HANGUPS="${1:-200}" LARPIX_STOP_RUNS="${2:-20}"
swift build --build-tests >/dev/null
export LARPIX_BIN_DIR="$(swift build --show-bin-path)"
swift test --skip-build --filter StopRotateTests 2>&1 | grep -E 'stop-rotate|error|passed|failed'
