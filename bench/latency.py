#!/usr/bin/env python3
"""Publish -> visible latency alone (the part of bench/run.sh's section 4), in 10-20 s.

    bench/latency.py --bin .build/release [--flush 0.2,1.0] [--seconds 8]

Prints p50/p99/max per flush interval, and the daemon's reader-wait line (the ordered
driver's counters) so that a latency change can be told from a reader holding flushes back.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault('LARPIX_BENCH_LOG_LEVEL', 'info')
import suite  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bin', required=True)
    p.add_argument('--flush', default='0.2,1.0')
    p.add_argument('--seconds', type=int, default=8)
    p.add_argument('--rate', type=float, default=20000)
    a = p.parse_args()
    cleanup = suite.Daemon.cleanup

    def show_log(self):
        try:
            with open(os.path.join(self.dir, 'rawd.log')) as f:
                for line in f:
                    if 'ordered flushes' in line:
                        print('  daemon:', line.split('larpix-rawd: ', 1)[-1].strip())
        except OSError:
            pass
        cleanup(self)
    suite.Daemon.cleanup = show_log
    args = argparse.Namespace(mode='quick', bin=a.bin, dir='/dev/shm' if os.path.isdir('/dev/shm') else '/tmp',
                              reference_python='', json=None, markdown=None, command='', only=None)
    s = suite.Suite(args)
    try:
        for flush in (float(x) for x in a.flush.split(',')):
            lat = s.latency(64, a.rate, a.seconds, flush)
            print('flush_interval %.1f s, %d msg/s: p50 %.0f ms, p99 %.0f ms, max %.0f ms over %d messages' % (
                flush, a.rate, lat['p50_ms'], lat['p99_ms'], lat['max_ms'], lat['messages']))
    finally:
        shutil.rmtree(s.work, ignore_errors=True)


if __name__ == '__main__':
    main()
