"""The benchmark suite of larpix-rawd (issue 5): library append against C, against larpix-control,
end to end against the ZeroMQ and C write ceilings, memory, latency, start-up, scaling. Run it
through bench/run.sh, which builds and passes the binaries. Prints numbers as it goes and writes
a markdown report (BENCHMARKS.md) and the raw numbers as JSON.

Every daemon run here is a real larpix-rawd with a real config, fed over loopback TCP by the C
publisher of `larpix-bench publish` (it costs the least CPU, so the daemon is what is measured) or
by our emulator (`larpix-raw publish`). "Published" is what the publisher handed to ZeroMQ at the
asked rate (a full send queue drops and counts, as a PACMAN dataserver does); "written" is the
row count of the closed file.
"""
import argparse
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from ports import free_port

# Send queue of the paced publishers, messages. A dataserver uses 100, at about a thousand
# messages/s per board; at 10^5-10^6 messages/s a 100-message queue is 0.1-1 ms and drops at the
# publisher even into a subscriber that only counts, which would measure the publisher.
PUBLISHER_HWM = 10000
WORDS = {24: 1, 1032: 64, 65544: 4096, 262152: 16384}
LABEL = {24: '24 B', 1032: '1032 B', 65544: '64 KiB', 262152: '256 KiB'}


class Mode:
    """How long and how often: smoke (CI, < 60 s, checks only that numbers come out), quick
    (the default, about 10-15 minutes), full (longer runs, 10-minute soak)."""

    def __init__(self, name):
        self.name = name
        smoke, full = name == 'smoke', name == 'full'
        self.append_bytes = 4e6 if smoke else (800e6 if full else 300e6)
        self.append_reps = 1 if smoke else (7 if full else 5)
        self.callgrind = not smoke
        self.reference_seconds = 0.5 if smoke else (6 if full else 2)
        self.trial_seconds = 0.5 if smoke else (8 if full else 3)
        self.limit_seconds = 0.2 if smoke else (3 if full else 1.5)  # the long run of each shared-CPU part
        # Short/long pairs per shared-CPU part, their median taken: one pair moved the limit by up
        # to 40 % between runs.
        self.limit_pairs = 1 if smoke else (5 if full else 3)
        self.search_steps = 1 if smoke else (6 if full else 4)
        # Runs of the lossless measure per (size, io_groups), their median reported.
        self.lossless_runs = 1 if smoke else (5 if full else 3)
        self.sizes_e2e = [1032] if smoke else [24, 1032, 65544]
        self.sources_e2e = [1] if smoke else [1, 8]
        self.overload_seconds = 2 if smoke else 60
        self.soak_seconds = 2 if smoke else (600 if full else 60)
        self.latency_seconds = 3 if smoke else (30 if full else 10)
        self.ready_runs = 1 if smoke else (10 if full else 5)
        self.scaling = not smoke
        self.scaling_steps = 4 if full else 3


def log(*a):
    print(*a, flush=True)


def run_json(cmd, env=None, timeout=600):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (' '.join(cmd[:3]), r.returncode, r.stderr.strip()[-500:]))
    return json.loads(r.stdout.strip().splitlines()[-1])


def rss_kb(pid, key='VmRSS'):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stat_cpu(path):
    """User + system CPU seconds from a /proc stat file (a process: all its threads; a task: one)."""
    try:
        with open(path) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far."""
    return stat_cpu('/proc/%d/stat' % pid)


# The daemon's threads by the prefix of their name (Linux cuts comm to 15 characters): ZeroMQ's
# own threads, then the names set in Sources/LArPixIngest. Every other thread is "other".
THREAD_CLASSES = (('zmq_io', 'ZMQbg'), ('receiver', 'larpix-rawd rec'), ('writer', 'larpix-rawd wri'))


def thread_cpu(pid):
    """{tid: (comm, CPU seconds so far)} of a process's live threads."""
    base, out = '/proc/%d/task' % pid, {}
    try:
        tids = os.listdir(base)
    except OSError:
        return out
    for tid in tids:
        try:
            with open('%s/%s/comm' % (base, tid)) as f:
                comm = f.read().strip()
        except OSError:
            continue  # ended between listdir and open
        out[tid] = (comm, stat_cpu('%s/%s/stat' % (base, tid)))
    return out


def thread_split(before, after, total, messages):
    """Microseconds per message by thread class between two thread_cpu samples. "other" is the rest
    of the process's `total`, so a thread that ended in between (its time is only in the total)
    counts there; a thread born in between counts from zero."""
    sec = {name: 0.0 for name, _ in THREAD_CLASSES}
    for tid, (comm, now) in after.items():
        name = next((n for n, prefix in THREAD_CLASSES if comm.startswith(prefix)), None)
        if name:
            sec[name] += now - before.get(tid, (comm, 0.0))[1]
    sec['other'] = max(0.0, total - sum(sec.values()))  # tick rounding can make it a hair negative
    return {k: 1e6 * v / max(messages, 1) for k, v in sec.items()}


def wait_cpu(p):
    """Waits for a child started with stdout=PIPE: (its last JSON line, its CPU seconds). wait4's
    rusage is user + system of all the child's threads (ZeroMQ's I/O threads too), to the µs."""
    out = p.stdout.read()
    p.stdout.close()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError('%s failed (%d)' % (' '.join(p.args[:3]), p.returncode))
    return json.loads(out.strip().splitlines()[-1]), ru.ru_utime + ru.ru_stime


def machine_busy():
    """(busy, total) CPU time of the whole machine so far, in clock ticks."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


class RSSSampler(threading.Thread):
    """Samples a process's resident set every `interval` seconds."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples, self.stopped = pid, interval, [], False

    def run(self):
        t0 = time.monotonic()
        while not self.stopped:
            kb = rss_kb(self.pid)
            if kb:
                self.samples.append((time.monotonic() - t0, kb / 1024))
            time.sleep(self.interval)

    def stop(self):
        self.stopped = True
        self.join()

    @property
    def peak_mb(self):
        return max((m for _, m in self.samples), default=0)


class Daemon:
    """larpix-rawd on a generated config, started with a NOTIFY_SOCKET so that READY is timed."""

    def __init__(self, suite, endpoints, flush_interval=1.0, batch_messages=4096, batch_max_age=0.1,
                 buffer_max_bytes=1 << 30):
        self.suite = suite
        self.dir = tempfile.mkdtemp(prefix='rawd-', dir=suite.work)
        self.file = os.path.join(self.dir, 'bench.h5')
        self.buffer_max_bytes = buffer_max_bytes
        srcs = ', '.join('{endpoint: "%s", io_group: %d}' % (e, i + 1) for i, e in enumerate(endpoints))
        with open(os.path.join(self.dir, 'rawd.yaml'), 'w') as f:
            f.write('sources: [%s]\noutput: {directory: "%s", filename: "bench.h5", min_free_bytes: 0}\n'
                    'flush_interval: %g\nbatch: {max_messages: %d, max_age: %g}\nbuffer: {max_bytes: %d}\n'
                    'log_level: %s\n' % (srcs, self.dir, flush_interval, batch_messages, batch_max_age,
                                              buffer_max_bytes, os.environ.get('LARPIX_BENCH_LOG_LEVEL', 'warning')))
            # Metrics on, as by default, but on a port of its own: two daemons (a bench beside
            # a test, or beside a running DAQ) must not meet on the default port.
            f.write('metrics: {listen: "127.0.0.1:%d"}\ncontrol: {listen: "%s"}\n' % (
                free_port(), os.path.join(self.dir, 'control.sock')))
            # A before/after of one setting on the same build, e.g. 'writer_priority: 0'.
            extra = os.environ.get('LARPIX_BENCH_CONFIG_EXTRA', '')
            if extra:
                f.write(extra.replace('\\n', '\n') + '\n')

    def start(self):
        sock_path = os.path.join(self.dir, 'notify.sock')
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sock_path)
        ns.settimeout(1)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, HDF5_USE_FILE_LOCKING='FALSE')
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.suite.bin('larpix-rawd'), '--config', os.path.join(self.dir, 'rawd.yaml')],
                                     env=env, stderr=open(os.path.join(self.dir, 'rawd.log'), 'w'))
        try:
            # READY within 60 s (a loaded machine is slow, not broken); a daemon that exits says why.
            deadline = time.monotonic() + 60
            while True:
                try:
                    msg = ns.recv(4096).decode()
                except socket.timeout:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        with open(os.path.join(self.dir, 'rawd.log')) as f:
                            tail = f.read()[-800:]
                        raise RuntimeError('larpix-rawd %s before READY: %s' % (
                            'exited %d' % self.proc.returncode if self.proc.poll() is not None else 'not ready in 60 s', tail))
                    continue
                if msg.startswith('READY=1'):
                    break
        finally:
            ns.close()
        self.ready_seconds = time.monotonic() - t0
        self.rss = RSSSampler(self.proc.pid)
        self.rss.start()
        return self

    def count(self):
        r = subprocess.run([self.suite.bin('larpix-raw'), 'count', self.file], capture_output=True, text=True,
                           env=dict(os.environ, HDF5_USE_FILE_LOCKING='FALSE'))
        return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else None

    def stop(self):
        """SIGTERM (the daemon drains what it received), then the row count of the closed file."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        self.rss.stop()
        self.hwm_mb = max(self.rss.peak_mb, 0)
        written = self.count() or 0
        return written

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Suite:
    def __init__(self, args):
        self.args = args
        self.mode = Mode(args.mode)
        self.bindir = args.bin
        self.work = tempfile.mkdtemp(prefix='larpix-bench-', dir=args.dir)
        self.results = {}
        self.env = dict(os.environ, HDF5_USE_FILE_LOCKING='FALSE')

    def bin(self, name):
        return os.path.join(self.bindir, name)

    # 1. Library append: Swift RawFileWriter against the C appender

    def append(self):
        m, rows = self.mode, []
        log('\n== 1. Library append, RawFileWriter (Swift) vs the C appender, same process, alternating')
        for size, words in WORDS.items():
            n = int(max(64, min(3_000_000, m.append_bytes / size)))
            r = run_json([self.bin('larpix-bench'), 'append', '--words', str(words), '--messages', str(n),
                          '--repetitions', str(m.append_reps), '--directory', self.work], env=self.env)
            if m.callgrind and shutil.which('valgrind'):
                r['instructions'] = self.callgrind_ratio(words, max(16, n // 20))
            rows.append(r)
            log('  %-8s batch %5d: C %10.0f msg/s %7.1f MB/s | Swift %10.0f msg/s %7.1f MB/s | Swift/C %.2f (runs %s)%s' % (
                LABEL[size], r['batch'], r['c_msg_per_s'], r['c_mb_per_s'], r['swift_msg_per_s'], r['swift_mb_per_s'],
                r['ratio'], ', '.join('%.2f' % x for x in r['ratios']),
                '; instructions C/Swift %.3f' % r['instructions']['c_over_swift'] if 'instructions' in r else ''))
        self.results['append'] = rows

    def callgrind_ratio(self, words, n):
        """Instructions inside each writer's append function (callgrind counts them exactly, so
        this ratio is free of the machine's noise). Valgrind cannot read the Swift toolchain's
        debug info, so a copy without it is profiled."""
        exe = os.path.join(self.work, 'larpix-bench-nodebug')
        if not os.path.exists(exe):
            shutil.copy(self.bin('larpix-bench'), exe)
            subprocess.run(['strip', '--strip-debug', exe], check=True)
        counts = {}
        for which in ('c', 'swift'):
            out = os.path.join(self.work, 'callgrind.%s.out' % which)
            subprocess.run(['valgrind', '--tool=callgrind', '--toggle-collect=*AppendCommandV*MessagePoolCSitKF',
                            '--callgrind-out-file=' + out, exe, 'append', '--words', str(words), '--messages', str(n),
                            '--repetitions', '1', '--warmup', '0', '--only', which, '--directory', self.work],
                           capture_output=True, env=self.env, check=True)
            with open(out) as f:
                counts[which] = next(int(l.split()[1]) for l in f if l.startswith('summary:') or l.startswith('totals:'))
        return {'messages': n, 'c': counts['c'], 'swift': counts['swift'],
                'c_over_swift': counts['c'] / max(counts['swift'], 1)}

    # 2. The reference: larpix-control's to_rawfile

    def reference(self):
        py = self.args.reference_python
        log('\n== 2. larpix-control to_rawfile (%s) vs RawFileWriter' % py)
        if not py or not os.path.exists(py):
            log('  skipped: no Python with larpix-control (--reference-python)')
            return
        rows = []
        ours = {r['message_bytes']: r for r in self.results.get('append', [])}
        for size, words in WORDS.items():
            if size not in ours:
                continue
            guess = 300_000 if size == 24 else 3_000_000 / size * 10
            n = int(max(8, guess * self.mode.reference_seconds))
            r = run_json([py, os.path.join(os.path.dirname(__file__), 'reference_append.py'), str(words), str(n),
                          '--repetitions', '1' if self.mode.name == 'smoke' else '3', '--dir', self.work], env=self.env)
            r['swift_msg_per_s'] = ours[size]['swift_msg_per_s']
            r['ratio'] = r['swift_msg_per_s'] / r['msg_per_s']
            rows.append(r)
            log('  %-8s reference batch %5d: %9.0f msg/s %7.1f MB/s | RawFileWriter %10.0f msg/s | ours/reference %.1fx' % (
                LABEL[size], r['batch'], r['msg_per_s'], r['mb_per_s'], r['swift_msg_per_s'], r['ratio']))
        self.results['reference'] = rows

    # 3. End to end

    def counter(self, eps, n, idle_timeout):
        """A SUB per endpoint that only counts, up to n messages (started, not waited for)."""
        return subprocess.Popen([self.bin('larpix-bench'), 'count', '--expected', str(n), '--first-timeout', '10',
                                 '--idle-timeout', str(idle_timeout)] + sum([['--endpoint', e] for e in eps], []),
                                stdout=subprocess.PIPE, text=True)

    def blocking_publisher(self, eps, words, n):
        """The command of the ZeroMQ ceiling's publisher: n messages, blocking when the queue is full."""
        return [self.bin('larpix-bench'), 'publish', '--words', str(words), '--count', str(n), '--block',
                '--hwm', '1000', '--start-delay', '0.5'] + sum([['--endpoint', e] for e in eps], [])

    def zmq_ceiling(self, words, sources, seconds, guess):
        """C publisher (blocking, nothing dropped) into a SUB per source that only counts."""
        eps = ['tcp://127.0.0.1:%d' % free_port() for _ in range(sources)]
        n = int(max(1000, guess * seconds))
        counter = self.counter(eps, n, idle_timeout=2)
        pub = run_json(self.blocking_publisher(eps, words, n))
        out, _ = counter.communicate(timeout=120)
        c = json.loads(out.strip().splitlines()[-1])
        c['published'] = pub['messages']
        return c

    def c_write_ceiling(self, words, seconds, guess, flush_interval=1.0):
        n = int(max(1000, guess * seconds))
        r = run_json([self.bin('larpix-bench'), 'append', '--words', str(words), '--messages', str(n), '--repetitions',
                      '1', '--warmup', '0', '--only', 'c', '--flush-interval', str(flush_interval),
                      '--directory', self.work], env=self.env)
        return r['c_msg_per_s']

    # The shared-CPU limit (issue 14): publisher, ZeroMQ's I/O threads, receiver and writer share
    # the machine's cores, so the rate they can reach together is the cores over the CPU seconds
    # per message that the least work for each part costs: the C appender for the writer, the C
    # publisher and the counting subscriber for ZeroMQ. Each is a marginal cost, a long run minus a
    # short one, so that process, HDF5 and ZeroMQ set-up cancel.

    def appender_cpu(self, words, n):
        """(n, CPU seconds) of the C appender writing n messages with the daemon's flush interval.
        Its file is removed here, not by it, so that freeing tmpfs pages is not in its CPU time
        (the daemon does not pay that in its window either)."""
        d = tempfile.mkdtemp(prefix='limit-', dir=self.work)
        try:
            p = subprocess.Popen([self.bin('larpix-bench'), 'append', '--words', str(words), '--messages', str(n),
                                  '--repetitions', '1', '--warmup', '0', '--only', 'c', '--flush-interval', '1',
                                  '--keep', '--directory', d], stdout=subprocess.PIPE, text=True, env=self.env)
            _, cpu = wait_cpu(p)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return n, cpu

    def pair_cpu(self, words, sources, n, rate, attempts=3):
        """(sent, publisher CPU s, subscriber CPU s) of n messages from the C publisher into a SUB per
        source that only counts. rate 0: the blocking publisher of the ZeroMQ ceiling; else the
        paced publisher of the daemon trials (the same send queue, dropping when full). A port
        that another process took between free_port() and the publisher's bind fails the run; it
        is run again on fresh ports (the limit's many short runs met that on a busy machine)."""
        for attempt in range(attempts):
            try:
                return self.pair_cpu_once(words, sources, n, rate)
            except RuntimeError as e:
                if attempt == attempts - 1:
                    raise
                log('   (%s; again on other ports)' % e)

    def pair_cpu_once(self, words, sources, n, rate):
        eps = ['tcp://127.0.0.1:%d' % free_port() for _ in range(sources)]
        counter = self.counter(eps, n, idle_timeout=1)
        pubs = []
        try:
            if rate:
                pubs = self.publishers(eps, words, rate, n, start_delay=0.5)
            else:
                pubs = [subprocess.Popen(self.blocking_publisher(eps, words, n), stdout=subprocess.PIPE, text=True)]
            sent, _, _, pub = self.collect(pubs)
            _, sub = wait_cpu(counter)
        finally:
            for p in pubs + [counter]:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        return sent, pub, sub

    @staticmethod
    def marginal(run, n, pairs=1):
        """CPU seconds per message of each part `run(k)` returns after its message count, as the long
        run (n) minus the short one (n / 4); with several pairs, each part's median over them (a
        descheduled or disturbed run moves one pair, not the median)."""
        per_pair = []
        for _ in range(pairs):
            short, long_ = run(max(1, n // 4)), run(n)
            per_pair.append([(b - a) / max(long_[0] - short[0], 1) for a, b in zip(short[1:], long_[1:])])
        return [statistics.median(part) for part in zip(*per_pair)]

    def shared_limit(self, words, sources, append_s, guess):
        """The shared-CPU limit in msg/s and its parts (us per message), for an appender cost
        `append_s` (CPU seconds per message; one writer whatever the sources).

        ZeroMQ's cost per message falls as the rate rises (more messages per wakeup and syscall),
        so it is taken at the rate it limits: a first pass with the blocking publisher (its
        ceiling, the most batching) gives a rate, then the paced publisher the daemon trials use
        is measured at that rate. That is how the pair runs when the daemon is at the limit; the
        first pass's rate is at or above the limit, so the second pass errs towards a higher
        limit, the stricter side for the daemon."""
        cores, secs, pairs = os.cpu_count(), self.mode.limit_seconds, self.mode.limit_pairs
        n = int(max(4000, guess * secs))
        pub, sub = self.marginal(lambda k: self.pair_cpu(words, sources, k, 0), n, pairs)
        blocking = cores / (append_s + pub + sub)
        pub, sub = self.marginal(lambda k: self.pair_cpu(words, sources, k, blocking), int(max(4000, blocking * secs)), pairs)
        limit = cores / (append_s + pub + sub)
        return {'msg_per_s': limit, 'mb_per_s': limit * (8 + 16 * words) / 1e6, 'cores': cores,
                'appender_us': 1e6 * append_s, 'publisher_us': 1e6 * pub, 'subscriber_us': 1e6 * sub,
                'blocking_msg_per_s': blocking}

    def publishers(self, eps, words, rate, count, emulator=False, stamp=False, start_delay=1.0):
        """Starts the publishers: one C process with a PUB per endpoint, or one emulator per endpoint."""
        if emulator:
            per = max(1, count // len(eps))
            return [subprocess.Popen([self.bin('larpix-raw'), 'publish', '--endpoint', e, '--words', str(words),
                                      '--count', str(per), '--rate', str(rate / len(eps)), '--hwm', str(PUBLISHER_HWM),
                                      '--drop-on-full', '--json', '--wait-subscriber', str(start_delay)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for e in eps]
        cmd = [self.bin('larpix-bench'), 'publish', '--words', str(words), '--count', str(count), '--rate', str(rate),
               '--hwm', str(PUBLISHER_HWM), '--start-delay', str(start_delay)] + sum([['--endpoint', e] for e in eps], [])
        if stamp:
            cmd.append('--stamp')
        return [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)]

    @staticmethod
    def collect(pubs):
        """Waits for the publishers: sent, dropped, seconds (the longest), CPU seconds (all of them)."""
        sent = dropped = 0
        seconds = cpu = 0.0
        for p in pubs:
            j, c = wait_cpu(p)
            sent += j['messages']
            dropped += j['dropped']
            seconds = max(seconds, j['seconds'])
            cpu += c
        return sent, dropped, seconds, cpu

    def trial(self, words, sources, rate, seconds, emulator=False, **daemon_args):
        """One run at a fixed rate: published, written, whether the daemon kept up (everything
        visible in the file within flush interval + 1 s of the last send) and its peak RSS."""
        eps = ['tcp://127.0.0.1:%d' % free_port() for _ in range(sources)]
        count = int(max(sources, rate * seconds))
        launched = time.monotonic()
        pubs = self.publishers(eps, words, rate, count, emulator=emulator)
        d = Daemon(self, eps, **daemon_args)
        try:
            d.start()
            time.sleep(max(0.0, launched + 1.0 - time.monotonic()))  # the publishers' start delay
            threads0, cpu0, busy0 = thread_cpu(d.proc.pid), cpu_seconds(d.proc.pid), machine_busy()
            sent, dropped, pub_seconds, pub_cpu = self.collect(pubs)
            busy1 = machine_busy()
            flush = daemon_args.get('flush_interval', 1.0)
            deadline = time.monotonic() + flush + 1.0
            kept_up = False
            while time.monotonic() < deadline:
                if (d.count() or 0) >= sent:
                    kept_up = True
                    break
                time.sleep(0.2)
            if not kept_up:  # let it finish what it holds, to count what was lost for good
                last, still = -1, time.monotonic()
                while time.monotonic() - still < 2.5 and time.monotonic() < deadline + 60:
                    n = d.count() or 0
                    if n >= sent:
                        break
                    if n != last:
                        last, still = n, time.monotonic()
                    time.sleep(0.25)
            threads1, cpu1 = thread_cpu(d.proc.pid), cpu_seconds(d.proc.pid)
            written = d.stop()
            attempted = sent + dropped
            # Where the machine's time went: the daemon's (by thread) from the first send until it
            # held every message (or gave up), the machine's while the publisher sent, and the
            # publishers' whole processes (their set-up is a few ms of a run of seconds).
            cpu = {'daemon_us_per_message': 1e6 * (cpu1 - cpu0) / max(sent, 1),
                   'threads_us_per_message': thread_split(threads0, threads1, cpu1 - cpu0, sent),
                   'publisher_us_per_message': 1e6 * pub_cpu / max(sent, 1),
                   'machine_busy': (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1)}
            return {'cpu': cpu, 'rate': rate, 'published': attempted, 'dropped_at_publisher': dropped, 'written': written,
                    'lost': attempted - written, 'kept_up': kept_up, 'achieved_rate': attempted / max(pub_seconds, 1e-9),
                    'peak_rss_mb': d.hwm_mb, 'ready_seconds': d.ready_seconds, 'rss_samples': d.rss.samples,
                    'ok': attempted == written and kept_up and attempted / max(pub_seconds, 1e-9) >= 0.9 * rate}
        finally:
            for p in pubs:
                if p.poll() is None:
                    p.kill()
            d.cleanup()

    def lossless_trial(self, words, sources, count, **daemon_args):
        """The issue's own measure (issue 14): the blocking C publisher (a full queue waits, nothing
        is dropped) sends `count` messages as fast as the daemon takes them; the rate is count over
        first send -> every message visible to a reader of the file. Once the publisher is done,
        `larpix-raw count` (a reader: it opens the file and counts rows) runs back to back; the time
        is the start of the first call that saw them all (they were visible then), the publisher's
        first send its CLOCK_MONOTONIC stamp. Daemon CPU by thread over the same window."""
        eps = ['tcp://127.0.0.1:%d' % free_port() for _ in range(sources)]
        d = Daemon(self, eps, **daemon_args)
        try:
            d.start()
            threads0, cpu0 = thread_cpu(d.proc.pid), cpu_seconds(d.proc.pid)
            pub = subprocess.Popen(self.blocking_publisher(eps, words, count), stdout=subprocess.PIPE, text=True)
            j, pub_cpu = wait_cpu(pub)
            seen, deadline = 0, time.monotonic() + 120
            while time.monotonic() < deadline:
                asked = time.monotonic()
                seen = d.count() or 0
                if seen >= j['messages']:
                    break
            threads1, cpu1 = thread_cpu(d.proc.pid), cpu_seconds(d.proc.pid)
            written = d.stop()
        finally:
            d.cleanup()
        sent, window = j['messages'], asked - j['started']
        return {'published': sent, 'written': written, 'lost': sent - written, 'seconds': window,
                'send_seconds': j['seconds'], 'msg_per_s': sent / window if seen >= sent else 0.0,
                'peak_rss_mb': d.hwm_mb,
                'cpu': {'daemon_us_per_message': 1e6 * (cpu1 - cpu0) / max(sent, 1),
                        'threads_us_per_message': thread_split(threads0, threads1, cpu1 - cpu0, sent),
                        'publisher_us_per_message': 1e6 * pub_cpu / max(sent, 1)}}

    def zmq_trial(self, words, sources, rate, seconds):
        """The ZeroMQ part alone at a fixed rate: the same paced publisher and send queue as a
        daemon trial, into a SUB per source that only counts (rcvhwm as the daemon's default)."""
        eps = ['tcp://127.0.0.1:%d' % free_port() for _ in range(sources)]
        count = int(max(sources, rate * seconds))
        counter = self.counter(eps, count, idle_timeout=2)
        try:
            pubs = self.publishers(eps, words, rate, count, start_delay=0.5)
            time.sleep(0.5)
            busy0 = machine_busy()
            sent, dropped, pub_seconds, _ = self.collect(pubs)
            busy1 = machine_busy()
            out, _ = counter.communicate(timeout=120)
        finally:
            if counter.poll() is None:
                counter.kill()
        counted = json.loads(out.strip().splitlines()[-1])['messages']
        attempted = sent + dropped
        return {'rate': rate, 'published': attempted, 'dropped_at_publisher': dropped, 'written': counted,
                'lost': attempted - counted, 'kept_up': True, 'peak_rss_mb': 0,
                'cpu': {'machine_busy': (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1)},
                'ok': attempted == counted and attempted / max(pub_seconds, 1e-9) >= 0.9 * rate}

    def search(self, words, sources, start, steps, trial=None, **kw):
        """Highest rate with nothing lost: multiplicative steps until a pass and a fail bracket it,
        then bisection. Returns (best passing trial or None, all trials)."""
        trial = trial or self.trial
        lo = hi = None
        rate, trials = start, []
        for _ in range(steps):
            t = trial(words, sources, rate, self.mode.trial_seconds, **kw)
            trials.append({k: v for k, v in t.items() if k != 'rss_samples'})
            cpu = t.get('cpu', {})
            log('    %8.0f msg/s: published %d, written %d, lost %d, kept up %s, peak RSS %.0f MB, machine busy %.0f %%%s -> %s' % (
                rate, t['published'], t['written'], t['lost'], t['kept_up'], t['peak_rss_mb'], 100 * cpu.get('machine_busy', 0),
                thread_log(cpu),
                'ok' if t['ok'] else 'LOSS'))
            if t['ok']:
                lo = t
                rate = (rate + hi['rate']) / 2 if hi else rate * 1.5
            else:
                hi = t
                rate = (rate + lo['rate']) / 2 if lo else rate * 0.6
        return lo, trials

    def end_to_end(self):
        m, rows = self.mode, []
        log('\n== 3. End to end on loopback: highest zero-loss rate vs the ZeroMQ and C write ceilings')
        ceiling_guess = {24: 5e6, 1032: 6e5, 65544: 2.5e4, 262152: 6e3}
        write_guess = {24: 2e6, 1032: 1e6, 65544: 2.5e4, 262152: 6e3}
        for size in m.sizes_e2e:
            words = WORDS[size]
            cw = self.c_write_ceiling(words, m.trial_seconds / 3, write_guess[size])
            append_s, = self.marginal(lambda k: self.appender_cpu(words, k),
                                      int(max(4000, write_guess[size] * m.limit_seconds)), m.limit_pairs)
            for sources in m.sources_e2e:
                z = self.zmq_ceiling(words, sources, m.trial_seconds / 3, ceiling_guess[size])
                ceiling = min(z['msg_per_s'], cw)
                lim = self.shared_limit(words, sources, append_s, ceiling_guess[size])
                log('  %s, %d io_group(s): ZeroMQ ceiling %.0f msg/s (%.0f MB/s), C write ceiling (flush 1 s) %.0f msg/s; target %.0f msg/s' % (
                    LABEL[size], sources, z['msg_per_s'], z['mb_per_s'], cw, 0.8 * ceiling))
                log('   shared-CPU limit %.0f msg/s (%.0f MB/s) = %d cores / (C appender %.3f + publisher %.3f + subscriber %.3f us/msg, paced at %.0f msg/s)' % (
                    lim['msg_per_s'], lim['mb_per_s'], lim['cores'], lim['appender_us'], lim['publisher_us'],
                    lim['subscriber_us'], lim['blocking_msg_per_s']))
                lossless = self.lossless(words, sources, lim)
                log('   ZeroMQ alone, paced, into a counting SUB (zero-loss search):')
                zbest, ztrials = self.search(words, sources, 0.8 * z['msg_per_s'], m.search_steps, trial=self.zmq_trial)
                zrate = zbest['rate'] if zbest else 0
                log('   larpix-rawd (search from the shared-CPU limit, so its steps land on 0.6, 0.8, 0.9 ... of it):')
                best, trials = self.search(words, sources, lim['msg_per_s'], m.search_steps)
                rate = best['rate'] if best else 0
                row = {'message_bytes': size, 'sources': sources, 'zmq_ceiling': z['msg_per_s'], 'c_write_ceiling': cw,
                       'zmq_zero_loss_rate': zrate, 'zmq_trials': ztrials,
                       'shared_cpu_limit': lim['msg_per_s'], 'shared_cpu': lim,
                       'ratio_to_shared_limit': rate / lim['msg_per_s'],
                       'zero_loss_rate': rate, 'ratio_to_ceiling': rate / ceiling, 'trials': trials, 'lossless': lossless,
                       'ratio_to_zmq_zero_loss': rate / zrate if zrate else None,
                       'cpu': best['cpu'] if best else None,
                       'peak_rss_mb': best['peak_rss_mb'] if best else None}
                if best and m.name != 'smoke':
                    e = self.trial(words, sources, rate, m.trial_seconds, emulator=True)
                    e.pop('rss_samples')
                    row['emulator'] = e
                    log('    emulator (larpix-raw publish) at %.0f msg/s: published %d, written %d, lost %d' % (
                        rate, e['published'], e['written'], e['lost']))
                rows.append(row)
                log('  => zero-loss %.0f msg/s = %.0f MB/s = %.2f x the shared-CPU limit; %.2f x min(ceilings), %s x ZeroMQ alone at zero loss (%.0f msg/s)' % (
                    rate, rate * size / 1e6, rate / lim['msg_per_s'], rate / ceiling,
                    '%.2f' % (rate / zrate) if zrate else '-', zrate))
        self.results['end_to_end'] = rows

    def lossless(self, words, sources, lim):
        """The issue's measure, `lossless_runs` times: messages for trial_seconds at the limit, from
        the blocking publisher. Its limit is the one with the same publisher (the blocking pass of
        shared_limit); the paced limit's ratio beside it."""
        n = int(max(1000, lim['blocking_msg_per_s'] * self.mode.trial_seconds))
        log('   lossless: the blocking publisher, %d messages, first send -> all visible to a reader:' % n)
        runs = []
        for _ in range(self.mode.lossless_runs):
            t = self.lossless_trial(words, sources, n)
            runs.append(t)
            th = t['cpu']['threads_us_per_message']
            log('    %8.0f msg/s (%.2f x the limit with this publisher) in %.2f s, lost %d, peak RSS %.0f MB; daemon %.2f us/msg (%s), publisher %.2f' % (
                t['msg_per_s'], t['msg_per_s'] / lim['blocking_msg_per_s'], t['seconds'], t['lost'], t['peak_rss_mb'],
                t['cpu']['daemon_us_per_message'], ', '.join('%s %.2f' % kv for kv in th.items()),
                t['cpu']['publisher_us_per_message']))
        ordered = sorted(runs, key=lambda t: t['msg_per_s'])
        median = ordered[len(ordered) // 2]
        return {'messages': n, 'rates': [t['msg_per_s'] for t in runs], 'msg_per_s': median['msg_per_s'],
                'lost': sum(t['lost'] for t in runs), 'median_run': median,
                'ratio_to_limit': median['msg_per_s'] / lim['blocking_msg_per_s'],
                'ratio_to_paced_limit': median['msg_per_s'] / lim['msg_per_s']}

    def zero_loss(self, size, sources=1):
        for r in self.results.get('end_to_end', []):
            if r['message_bytes'] == size and r['sources'] == sources:
                return r['zero_loss_rate']
        return {24: 2e5, 1032: 1e5, 65544: 3e3}[size]

    # 4. Memory, latency, start-up

    def memory(self):
        m = self.mode
        log('\n== 4. Memory, latency, start-up')
        size, words = 1032, 64
        base = self.zero_loss(size) or 1e5
        budget = 256 << 20
        res = {}
        # Overload: twice the zero-loss rate, buffer.max_bytes 256 MiB.
        t = self.trial(words, 1, 2 * base, m.overload_seconds, buffer_max_bytes=budget)
        t.pop('rss_samples')
        res['overload'] = {'rate': 2 * base, 'seconds': m.overload_seconds, 'buffer_max_mb': budget / 2**20,
                           'peak_rss_mb': t['peak_rss_mb'], 'published': t['published'], 'written': t['written'],
                           'target_mb': budget / 2**20 + 64}
        log('  2x overload (%.0f msg/s of %s for %d s, buffer.max_bytes 256 MiB): peak RSS %.0f MB (target <= %.0f MB); published %d, written %d' % (
            2 * base, LABEL[size], m.overload_seconds, t['peak_rss_mb'], budget / 2**20 + 64, t['published'], t['written']))
        # Soak at half the zero-loss rate.
        res['soak'] = self.soak(words, 0.5 * base, m.soak_seconds)
        s = res['soak']
        log('  soak at 50%% (%.0f msg/s for %d s): RSS %.0f MB after warm-up, %.0f MB at the end (%+.1f MB/min); lost %d' % (
            s['rate'], s['seconds'], s['rss_early_mb'], s['rss_late_mb'], s['slope_mb_per_min'], s['lost']))
        # Latency, at the default flush interval and a short one.
        res['latency'] = []
        for flush in (1.0, 0.2):
            lat = self.latency(words, min(20000, 0.5 * base), m.latency_seconds, flush)
            res['latency'].append(lat)
            log('  publish -> visible (flush %.1f s, %d msg/s, RawFileFollower polling every 5 ms): p50 %.0f ms, p99 %.0f ms, max %.0f ms (target p99 <= %.0f ms) over %d messages' % (
                flush, lat['rate'], lat['p50_ms'], lat['p99_ms'], lat['max_ms'], flush * 1000 + 50, lat['messages']))
        # Start to READY.
        ready = []
        for _ in range(m.ready_runs):
            d = Daemon(self, ['tcp://127.0.0.1:%d' % free_port()])
            try:
                d.start()
                ready.append(d.ready_seconds * 1000)
                d.stop()
            finally:
                d.cleanup()
        res['ready_ms'] = {'median': statistics.median(ready), 'max': max(ready), 'runs': ready}
        log('  start -> READY=1: median %.0f ms, max %.0f ms over %d starts (target < 200 ms)' % (
            statistics.median(ready), max(ready), len(ready)))
        self.results['memory_latency'] = res

    def soak(self, words, rate, seconds):
        t = self.trial(words, 1, rate, seconds)
        samples = t['rss_samples']
        # Skip the first 20 % (warm-up: buffers and allocator arenas grow once), compare the rest.
        body = [s for s in samples if s[0] >= 0.2 * seconds + 1] or samples
        third = max(1, len(body) // 3)
        early = statistics.mean(m for _, m in body[:third])
        late = statistics.mean(m for _, m in body[-third:])
        minutes = (body[-third][0] - body[third - 1][0]) / 60 if len(body) > 2 * third else 0
        return {'rate': rate, 'seconds': seconds, 'rss_early_mb': early, 'rss_late_mb': late,
                'slope_mb_per_min': (late - early) / minutes if minutes > 0 else 0.0, 'lost': t['lost'],
                'peak_rss_mb': t['peak_rss_mb']}

    def latency(self, words, rate, seconds, flush):
        eps = ['tcp://127.0.0.1:%d' % free_port()]
        count = int(rate * seconds)
        pubs = self.publishers(eps, words, rate, count, stamp=True)
        d = Daemon(self, eps, flush_interval=flush)
        try:
            d.start()
            follower = subprocess.Popen([self.bin('larpix-bench'), 'latency', d.file, '--seconds', str(seconds + 30)],
                                        stdout=subprocess.PIPE, text=True, env=self.env)
            self.collect(pubs)
            time.sleep(flush + 0.5)
            d.stop()
            out, _ = follower.communicate(timeout=60)
            lat = json.loads(out.strip().splitlines()[-1])
        finally:
            d.cleanup()
        lat.update({'rate': rate, 'flush_interval': flush})
        return lat

    # 5. Scaling

    def scaling(self):
        if not self.mode.scaling:
            return
        log('\n== 5. Scaling: zero-loss rate and peak RSS vs message size, sources, batch size, flush interval')
        rows = []
        base = self.zero_loss(1032) or 1e5
        cases = [('sources', s, {'sources': s}) for s in (2, 4)]
        cases += [('batch.max_messages', b, {'batch_messages': b}) for b in (256, 1024, 16384)]
        cases += [('flush_interval', f, {'flush_interval': f}) for f in (0.1, 5.0)]
        for what, value, kw in cases:
            sources = kw.pop('sources', 1)
            best, _ = self.search(64, sources, base, self.mode.scaling_steps, **kw)
            rows.append({'vary': what, 'value': value, 'message_bytes': 1032, 'sources': sources,
                         'zero_loss_rate': best['rate'] if best else 0,
                         'peak_rss_mb': best['peak_rss_mb'] if best else None})
            log('  %s = %s: zero-loss %.0f msg/s, peak RSS %s MB' % (
                what, value, rows[-1]['zero_loss_rate'], '%.0f' % best['peak_rss_mb'] if best else '-'))
        self.results['scaling'] = rows


def thread_log(cpu):
    """The daemon's CPU per message for a trial's log line, by thread when the trial has it."""
    if 'daemon_us_per_message' not in cpu:
        return ''
    t = cpu['threads_us_per_message']
    return ', daemon CPU %.2f us/msg (ZeroMQ I/O %.2f, receivers %.2f, writer %.2f, other %.2f), publisher %.2f' % (
        cpu['daemon_us_per_message'], t['zmq_io'], t['receiver'], t['writer'], t['other'], cpu['publisher_us_per_message'])


def machine():
    cpu = ''
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    mem = 0
    with open('/proc/meminfo') as f:
        mem = int(next(l.split()[1] for l in f if l.startswith('MemTotal'))) / 2**20
    load = os.getloadavg()
    # A VM whose balloon reports free pages gives freed memory back to its host, and each trial
    # pays host faults on what it touches anew: the report says so (bench/quiet-memory.py).
    spec = importlib.util.spec_from_file_location('quiet_memory', os.path.join(os.path.dirname(__file__), 'quiet-memory.py'))
    quiet = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quiet)
    return {'host': platform.node(), 'cpu': cpu, 'cores': os.cpu_count(), 'memory_gib': round(mem, 1),
            'kernel': platform.release(), 'load_before': load[0], 'free_page_reporting': quiet.free_page_reporting(),
            'tcp_congestion_control': tcp_congestion_control()}


def tcp_congestion_control():
    """The kernel's TCP congestion control for new sockets (None where unreadable). Every trial is
    loopback TCP, and the algorithm is the sender's: BBR paces the publisher's sends, cubic
    (Debian's default, so a DAQ host's) does not ("TCP congestion control" in BENCHMARKS.md)."""
    try:
        with open('/proc/sys/net/ipv4/tcp_congestion_control') as f:
            return f.read().strip()
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mode', choices=['smoke', 'quick', 'full'], default='quick')
    p.add_argument('--bin', required=True)
    p.add_argument('--dir', default='/dev/shm' if os.path.isdir('/dev/shm') else tempfile.gettempdir())
    p.add_argument('--reference-python', default=os.environ.get('LARPIX_ORACLE_PYTHON', '/tmp/venv-deb/bin/python'))
    p.add_argument('--json', help='write the raw numbers here')
    p.add_argument('--markdown', help='write the report here (BENCHMARKS.md)')
    p.add_argument('--command', default=' '.join(sys.argv))
    p.add_argument('--only', help='comma-separated parts: append,reference,e2e,memory,scaling')
    p.add_argument('--sizes', help='end to end only at these message sizes, bytes, comma-separated (of %s)' %
                   ','.join(str(k) for k in WORDS))
    a = p.parse_args()
    s = Suite(a)
    if a.sizes:
        s.mode.sizes_e2e = [int(x) for x in a.sizes.split(',')]
        unknown = [x for x in s.mode.sizes_e2e if x not in WORDS]
        if unknown:
            p.error('--sizes: no such size %s (sizes: %s)' % (unknown, ','.join(str(k) for k in WORDS)))
    info = machine()
    info.update({'date': time.strftime('%Y-%m-%d %H:%M:%S %Z'), 'mode': a.mode, 'command': a.command,
                 'output_dir': a.dir})
    s.results['machine'] = info
    log('larpix-rawd benchmarks, %s mode, %s, %s (%d cores), load %.1f' % (
        a.mode, info['date'], info['cpu'], info['cores'], info['load_before']))
    parts = {'append': s.append, 'reference': s.reference, 'e2e': s.end_to_end, 'memory': s.memory,
             'scaling': s.scaling}
    chosen = a.only.split(',') if a.only else list(parts)
    t0 = time.monotonic()
    try:
        for name in chosen:
            parts[name]()
    finally:
        shutil.rmtree(s.work, ignore_errors=True)
    s.results['machine']['seconds'] = time.monotonic() - t0
    s.results['machine']['load_after'] = os.getloadavg()[0]
    log('\ndone in %.0f s' % s.results['machine']['seconds'])
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(s.results, f, indent=1)
    if a.markdown:
        from report import markdown
        with open(a.markdown, 'w') as f:
            f.write(markdown(s.results))


if __name__ == '__main__':
    main()
