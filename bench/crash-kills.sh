#!/usr/bin/env bash
# kill -9 of larpix-rawd at N random moments of full-rate ingest (CrashSafetyTests with
# LARPIX_CRASH_KILLS=N; CI runs 20): per kill, the messages stored, seen flushed before the kill,
# sent by the emulator, and the loss in messages and in ms of data; then whether every file
# opened with larpix-control (HDF5 1.10.8) and pip's h5py (HDF5 2.x), and whether `clear` alone
# or `repair` made it appendable.   bench/crash-kills.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LARPIX_ORACLE_PYTHON:=$PWD/.venv-oracle/bin/python}" "${LARPIX_H5PY2_PYTHON:=$PWD/.venv-h5py2/bin/python}"
export LARPIX_ORACLE_PYTHON LARPIX_H5PY2_PYTHON LARPIX_REQUIRE_ORACLE=1 HDF5_USE_FILE_LOCKING=FALSE
export LARPIX_CRASH_KILLS="${1:-100}"
swift build --build-tests >/dev/null
export LARPIX_BIN_DIR="$(swift build --show-bin-path)"
swift test --skip-build --filter CrashSafetyTests 2>&1 | grep -E '^ *[0-9]+ |^kill |crash-safety|error|passed|failed'
