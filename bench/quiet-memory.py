#!/usr/bin/env python3
"""Takes a VM's memory out of the benchmark's noise (run as root, before bench/run.sh), or puts
the machine back (--undo).

A virtio balloon with free page reporting (feature bit 5) hands every free 2 MiB block of the
guest back to its host a few seconds after it is freed; the next touch of that memory is then a
fault in the host as well as in the guest. On the 2-vCPU VM of BENCHMARKS.md a first touch of
4 GiB ran at 0.35 GB/s that way against 2.2 GB/s once the host had backed it, and every trial
of the suite writes up to 3 GB of new file into /dev/shm and a few hundred MB of new heap: which
trial landed on host-backed memory moved the daemon's lossless rate by up to 2x ("The VM's
memory" in BENCHMARKS.md). This unbinds the balloon's driver (free page reporting stops) and
touches the memory once, so that the host backs all of it. Nothing else changes; --undo binds
the driver again. A bare-metal DAQ host has no balloon: this only makes a VM measure like one.

    sudo bench/quiet-memory.py [--leave-mib 1024]
    sudo bench/quiet-memory.py --undo
"""
import argparse
import mmap
import os
import sys
import time

VIRTIO = '/sys/bus/virtio'
BALLOON_DEVICE = 0x0005        # virtio device id of a memory balloon
FREE_PAGE_REPORTING_BIT = 5    # VIRTIO_BALLOON_F_REPORTING


def balloons():
    """(name, bound, reports free pages) of every virtio balloon device."""
    out = []
    devices = os.path.join(VIRTIO, 'devices')
    for name in sorted(os.listdir(devices)) if os.path.isdir(devices) else []:
        d = os.path.join(devices, name)
        try:
            with open(os.path.join(d, 'device')) as f:
                if int(f.read().strip(), 16) != BALLOON_DEVICE:
                    continue
            with open(os.path.join(d, 'features')) as f:
                features = f.read().strip()
        except (OSError, ValueError):
            continue
        reports = len(features) > FREE_PAGE_REPORTING_BIT and features[FREE_PAGE_REPORTING_BIT] == '1'
        out.append((name, os.path.exists(os.path.join(d, 'driver')), reports))
    return out


def free_page_reporting():
    """Whether a bound balloon gives freed memory back to the host now (bench/suite.py records it)."""
    return any(bound and reports for _, bound, reports in balloons())


def available_bytes():
    with open('/proc/meminfo') as f:
        return int(next(l.split()[1] for l in f if l.startswith('MemAvailable'))) * 1024


def touch(nbytes):
    """Writes one byte in every page of a fresh mapping of nbytes, then frees it: GB/s."""
    page = mmap.PAGESIZE
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    t0 = time.monotonic()
    for off in range(0, nbytes, page):
        m[off] = 1
    seconds = time.monotonic() - t0
    m.close()
    return nbytes / seconds / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--undo', action='store_true', help='bind the balloon driver again')
    p.add_argument('--leave-mib', type=int, default=1024, help='memory not touched, MiB (default 1024)')
    a = p.parse_args()
    found = balloons()
    if not found:
        print('quiet-memory: no virtio balloon here; nothing to do')
        return 0
    driver = os.path.join(VIRTIO, 'drivers', 'virtio_balloon')
    action, done = ('bind', 'bound') if a.undo else ('unbind', 'unbound')
    for name, bound, reports in found:
        if bound == a.undo:
            print('quiet-memory: %s already %s' % (name, done))
            continue
        if not reports and not a.undo:
            print('quiet-memory: %s does not report free pages; left bound' % name)
            continue
        try:
            with open(os.path.join(driver, action), 'w') as f:
                f.write(name)
        except OSError as e:
            print('quiet-memory: cannot %s %s: %s (run as root)' % (action, name, e.strerror), file=sys.stderr)
            return 1
        print('quiet-memory: %s %s (free page reporting %s)' % (name, done, 'on again' if a.undo else 'off'))
    if a.undo:
        return 0
    n = available_bytes() - a.leave_mib * 2**20
    if n <= 0:
        print('quiet-memory: less than %d MiB available; nothing touched' % a.leave_mib)
        return 0
    print('quiet-memory: touching %.1f GiB once ...' % (n / 2**30), flush=True)
    print('quiet-memory: first touch %.2f GB/s; again %.2f GB/s' % (touch(n), touch(min(n, 1 << 30))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
