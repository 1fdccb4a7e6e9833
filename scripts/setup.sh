#!/usr/bin/env bash
# Installs what larpix-rawd needs on Debian 12 (idempotent):
#   - C libraries: HDF5 1.10.8, ZeroMQ, libsystemd; systemd-analyze for the unit-file checks;
#   - with --oracles: two Python environments that read and write raw files the reference way:
#       .venv-oracle  larpix-control over Debian's python3-h5py (the same HDF5 1.10.8 as ours)
#       .venv-h5py2   larpix-control over pip's h5py (bundled HDF5 2.x)
#   - with --package: what scripts/package.sh needs (dpkg-dev for dpkg-shlibdeps, binutils);
#   - with --deploy: that, and what the deployment tests need (tests/deploy): lintian,
#     systemd-container (systemd-nspawn) and debootstrap for the unit under a real systemd,
#     prometheus (with promtool) for the monitoring, python3.
# The Swift toolchain (6.3.1) is expected on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

want_oracles=0 want_package=0 want_deploy=0
for arg in "$@"; do
    case "$arg" in
        --oracles) want_oracles=1 ;;
        --package) want_package=1 ;;
        --deploy) want_package=1 want_deploy=1 ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

debs=(libhdf5-dev libzmq3-dev libsystemd-dev zlib1g-dev libssl-dev pkg-config systemd xz-utils)
[ $want_oracles = 1 ] && debs+=(python3 python3-venv python3-h5py python3-numpy python3-zmq hdf5-tools)
[ $want_package = 1 ] && debs+=(dpkg-dev binutils)
[ $want_deploy = 1 ] && debs+=(lintian systemd-container debootstrap prometheus util-linux procps python3)

missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    # No recommends: prometheus would bring prometheus-node-exporter, which nothing here uses.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: swift (6.3.1) is not on PATH" >&2; exit 1; }

if [ $want_oracles = 1 ]; then
    # Debian's python3, not a pyenv one: python3-h5py is built for it.
    py=/usr/bin/python3
    # typing_extensions: larpix-control's convert_rawhdf5_to_hdf5.py imports it, and --no-deps
    # leaves it out (FORMAT.md section 5).
    ref_pkgs=(larpix-control bidict bitarray networkx pyserial typing_extensions)
    if [ ! -x .venv-oracle/bin/python ] || ! .venv-oracle/bin/python -c "import larpix.format.rawhdf5format, h5py" 2>/dev/null; then
        echo "setup: creating .venv-oracle (larpix-control over Debian's h5py)"
        rm -rf .venv-oracle
        $py -m venv --system-site-packages .venv-oracle
        .venv-oracle/bin/pip install -q --disable-pip-version-check --no-deps "${ref_pkgs[@]}"
    fi
    if [ ! -x .venv-h5py2/bin/python ] || ! .venv-h5py2/bin/python -c "import larpix.format.rawhdf5format, h5py" 2>/dev/null; then
        echo "setup: creating .venv-h5py2 (larpix-control over pip's h5py)"
        rm -rf .venv-h5py2
        $py -m venv .venv-h5py2
        .venv-h5py2/bin/pip install -q --disable-pip-version-check h5py numpy
        .venv-h5py2/bin/pip install -q --disable-pip-version-check --no-deps "${ref_pkgs[@]}"
    fi
    # Environments made before typing_extensions joined ref_pkgs get what is missing.
    for v in .venv-oracle .venv-h5py2; do
        $v/bin/python -c "import typing_extensions, larpix.format.hdf5format" 2>/dev/null ||
            $v/bin/pip install -q --disable-pip-version-check --no-deps "${ref_pkgs[@]}"
    done
    .venv-oracle/bin/python -c "import h5py; assert h5py.version.hdf5_version.startswith('1.10'), h5py.version.hdf5_version"
    .venv-h5py2/bin/python -c "import h5py; assert h5py.version.hdf5_version.startswith('2.'), h5py.version.hdf5_version"
fi
