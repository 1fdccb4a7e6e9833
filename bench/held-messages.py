#!/usr/bin/env python3
"""CPU per thread of larpix-rawd at a fixed rate, by message size (for BENCHMARKS.md, "Large
messages without the slab copy"): the C publisher (`larpix-bench publish --rate`) into one
daemon, /proc/PID/task/*/stat read when the publisher starts and when every message is in the
file (schedstat: time on a CPU, ns; and minor page faults). Threads are grouped by role
(receiver, writer, ZeroMQ I/O, the rest).
  bench/held-messages.py --bin DIR [--sizes 16392,65544] [--rate 9000,2500] [--seconds 3] [--runs 3]
Environment LARPIX_HOLD_FROM is passed to the daemon unchanged (a measurement build may read it).
"""
import argparse, json, os, signal, socket, subprocess, sys, tempfile, time
from ports import free_port

def threads(pid):
    out = {}
    for t in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/stat' % (pid, t)) as f:
                s = f.read()
        except OSError:
            continue
        name = s[s.index('(') + 1:s.rindex(')')]
        fields = s[s.rindex(')') + 2:].split()
        try:
            with open('/proc/%d/task/%s/syscall' % (pid, t)) as f:
                call = f.read().split()[0]
        except OSError:
            call = '?'
        try:  # nanoseconds on a CPU (stat's utime + stime count 10 ms ticks)
            with open('/proc/%d/task/%s/schedstat' % (pid, t)) as f:
                on_cpu = int(f.read().split()[0]) / 1e9
        except OSError:
            on_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        out[t] = (name, on_cpu, call, int(fields[7]))
    return out

def groups(pid, c1):
    """Thread -> role. Foundation's Thread names do not reach the kernel here (they read
    "oot.default-qos"), so roles come from what an idle daemon's threads wait in: the receivers
    (and their monitors) in poll(2), the writer in a futex, the busiest such thread."""
    role = {}
    for t, (name, _, call, _f) in c1.items():
        if name.startswith('ZMQbg/IO'): role[t] = 'zmq-io'
        elif int(t) != pid and call == '7' and not name.startswith(('ZMQ', 'NIO')): role[t] = 'receiver'
    futex = [t for t, (name, _, call, _f) in c1.items()
             if t not in role and int(t) != pid and call == '202' and not name.startswith(('ZMQ', 'NIO'))]
    if futex:
        role[max(futex, key=lambda t: c1[t][1])] = 'writer'
    return role

def count(bindir, path):
    r = subprocess.run([os.path.join(bindir, 'larpix-raw'), 'count', path], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else 0

def trial(a, size, rate):
    d = tempfile.mkdtemp(prefix='held-', dir='/dev/shm')
    ep = 'tcp://127.0.0.1:%d' % free_port()
    with open(os.path.join(d, 'rawd.yaml'), 'w') as f:
        f.write('sources: [{endpoint: "%s", io_group: 1}]\noutput: {directory: "%s", filename: "b.h5", min_free_bytes: 0}\n'
                'flush_interval: 1\nbuffer: {max_bytes: %d}\nmetrics: {listen: ""}\nlog_level: warning\n' % (ep, d, 1 << 30))
    env = dict(os.environ, HDF5_USE_FILE_LOCKING='FALSE')
    words = (size - 8) // 16
    n = int(rate * a.seconds)
    pub = subprocess.Popen([os.path.join(a.bin, 'larpix-bench'), 'publish', '--words', str(words), '--count', str(n),
                            '--rate', str(rate), '--hwm', '10000', '--start-delay', '1.5', '--endpoint', ep],
                           stdout=subprocess.PIPE, text=True)
    daemon = subprocess.Popen([os.path.join(a.bin, 'larpix-rawd'), '--config', os.path.join(d, 'rawd.yaml')], env=env,
                              stderr=open(os.path.join(d, 'log'), 'w'))
    try:
        time.sleep(1.4)
        t0, c0 = time.monotonic(), threads(daemon.pid)
        out, _ = pub.communicate(timeout=600)
        sent = json.loads(out.strip().splitlines()[-1])['messages']
        deadline = time.monotonic() + 30
        while count(a.bin, os.path.join(d, 'b.h5')) < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        t1, c1 = time.monotonic(), threads(daemon.pid)
        load = os.getloadavg()[0]
        time.sleep(0.3)  # idle, so that each thread waits where its role does
        c1 = threads(daemon.pid)
        daemon.send_signal(signal.SIGTERM); daemon.wait(timeout=60)
        written = count(a.bin, os.path.join(d, 'b.h5'))
        cpu, role = {}, groups(daemon.pid, c1)
        faults = {}
        for t, (name, s, _, f) in c1.items():
            g = role.get(t, 'other')
            cpu[g] = cpu.get(g, 0) + s - c0.get(t, (name, 0, '', 0))[1]
            faults[g] = faults.get(g, 0) + f - c0.get(t, (name, 0, '', 0))[3]
        return {'size': size, 'rate': rate, 'sent': sent, 'written': written, 'seconds': t1 - t0, 'load': load,
                'us_per_msg': {g: 1e6 * v / max(sent, 1) for g, v in sorted(cpu.items())},
                'minflt_per_msg': {g: v / max(sent, 1) for g, v in sorted(faults.items())},
                'total_us_per_msg': 1e6 * sum(cpu.values()) / max(sent, 1)}
    finally:
        for p in (pub, daemon):
            if p.poll() is None: p.kill()
        subprocess.run(['rm', '-rf', d])

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bin', required=True)
    p.add_argument('--sizes', default='4104,8200,16392,65544,262152')
    p.add_argument('--rate', default='', help='msg/s per size, comma-separated (default: 400 MB/s worth, at most 20000)')
    p.add_argument('--seconds', type=float, default=4)
    p.add_argument('--runs', type=int, default=3)
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(',')]
    rates = [float(r) for r in a.rate.split(',')] if a.rate else [min(20000, 4e8 / s) for s in sizes]
    for run in range(a.runs):
        for size, rate in zip(sizes, rates):
            r = trial(a, size, rate)
            print(json.dumps(r), flush=True)

if __name__ == '__main__':
    main()
