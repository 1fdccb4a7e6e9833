#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs every test:
# unit tests, interop against larpix-control (HDF5 1.10.8) and pip's h5py (HDF5 2.x), the daemon
# end to end over loopback ZeroMQ, the unit-file checks, and a smoke run of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --oracles

export LARPIX_ORACLE_PYTHON="$PWD/.venv-oracle/bin/python"
export LARPIX_H5PY2_PYTHON="$PWD/.venv-h5py2/bin/python"
export LARPIX_REQUIRE_ORACLE=1
export HDF5_USE_FILE_LOCKING=FALSE

swift build --build-tests
export LARPIX_BIN_DIR="$(swift build --show-bin-path)"
swift test --skip-build "$@"
