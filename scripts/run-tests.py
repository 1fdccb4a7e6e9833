#!/usr/bin/env python3
"""Runs the test bundle's XCTest tests N at a time, each in a process of its own (as
`swift test --parallel` does), the longest first.

  run-tests.py BUNDLE [--workers N] [--filter REGEX]... [--skip REGEX]...

Why not `swift test --parallel`: it hands tests out in the order the bundle lists them, which
follows the link order and differs from one clone to the next. When the longest tests come last,
the run ends with one of them alone on one core while the other waits: in two CI rehearsals of
the same code the suite took 4 min 43 s and 5 min 25 s. Here the tests measured longest start
first, the rest follow in the bundle's order, and the run's length no longer depends on the clone.

Each test's output is kept, and printed whole if the test fails (or is killed by a signal). The
exit status is 1 if any test failed, 0 otherwise. --filter and --skip select as swift test's do
(a regular expression searched in "Module.Class/test"). It runs the bundle's XCTest tests only:
the project has no swift-testing tests, which `swift test` would also run.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

# The longest tests in the suite (seconds in a parallel run on the 2-core CI machine, in
# brackets), interleaved so that the deployment tests, which mostly wait on a container, run
# beside ones that keep the CPU busy. A name here that matches no test is ignored; a new long
# test only runs later than it could.
LONGEST_FIRST = [
    'DaemonTests.LiveReaderTests/testLiveReadersNeverFailAtFullRate',                                # [60-110]
    'DeploymentTests.DeploymentTests/testUnitUnderRealSystemd',                                       # [50-55]
    'DaemonTests.CrashSafetyTests/testKill9AtRandomMomentsKeepsAPrefixWithEveryFlushedMessage',       # [50-90]
    'EndToEndTests.BenchmarkSmokeTests/testSmokeRunProducesEveryPartsNumbers',                        # [55-75]
    'DeploymentTests.DeploymentTests/testPackage',                                                    # [45]
    'DaemonTests.LiveReaderTests/testReadersThatKeepTheFileOpenAndRefreshNeverFail',                  # [35-50]
    'EndToEndTests.CorruptFileTests/testDamagedFilesGiveAClearErrorOrACorrectPartialRead',            # [25-40]
    'DeploymentTests.DeploymentTests/testPrometheusAndMonitoring',                                    # [40]
    'DaemonTests.PacketFilesTests/testEachClosedRawFileGetsItsPacketFileSidecarAndOnClose',           # [30-35]
    'DaemonTests.LiveReaderTests/testLiveReadersNeverFailAtATrickle',                                 # [22-28]
    'DaemonTests.StopRotateTests/testHangupsAtRandomMomentsAtFullRateLoseAndRepeatNothing',           # [18-27]
]


def list_tests(bundle):
    out = subprocess.run([bundle, '--list-tests'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f'run-tests.py: {bundle} --list-tests failed ({out.returncode}): {out.stderr.strip()[-500:]}')
    tests = [line.strip() for line in out.stdout.splitlines() if re.fullmatch(r'[\w.]+/\w+', line.strip())]
    if not tests:
        sys.exit(f'run-tests.py: {bundle} lists no tests')
    return tests


def order(tests):
    listed = set(tests)
    first = [t for t in LONGEST_FIRST if t in listed]
    started_first = set(first)
    return first + [t for t in tests if t not in started_first]


def main():
    p = argparse.ArgumentParser(description='Runs XCTest tests N at a time, the longest first.')
    p.add_argument('bundle')
    p.add_argument('--workers', type=int, default=3)
    p.add_argument('--filter', action='append', default=[])
    p.add_argument('--skip', action='append', default=[])
    a = p.parse_args()
    tests = [t for t in list_tests(a.bundle)
             if (not a.filter or any(re.search(f, t) for f in a.filter)) and not any(re.search(s, t) for s in a.skip)]
    if not tests:
        sys.exit('run-tests.py: no test matches the filters')
    tests = order(tests)
    logs = tempfile.mkdtemp(prefix='larpix-tests-')
    lock = threading.Lock()
    done, failed = [0], []
    started = time.monotonic()

    def run(test):
        log = os.path.join(logs, test.replace('/', '.') + '.log')
        t0 = time.monotonic()
        with open(log, 'wb') as f:
            status = subprocess.run([a.bundle, test], stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
        seconds = time.monotonic() - t0
        with lock:
            done[0] += 1
            verdict = 'passed' if status == 0 else (f'FAILED (signal {-status})' if status < 0 else f'FAILED (exit {status})')
            print(f'[{done[0]}/{len(tests)}] {verdict} {test} ({seconds:.1f} s)', flush=True)
            if status != 0:
                failed.append((test, log))

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.workers)) as pool:
        for f in [pool.submit(run, t) for t in tests]:
            f.result()

    for test, log in failed:
        print(f'\n==== {test} failed; its output:', flush=True)
        with open(log, 'rb') as f:
            sys.stdout.buffer.write(f.read())
        sys.stdout.flush()
    elapsed = time.monotonic() - started
    print(f'\n{len(tests)} tests, {len(failed)} failed, in {elapsed:.0f} s with {a.workers} at a time'
          + (':\n' + '\n'.join('  ' + t for t, _ in failed) if failed else ''))
    if not failed:
        subprocess.run(['rm', '-rf', logs])
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
