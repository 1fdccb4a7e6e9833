#!/usr/bin/env python3
"""Live lag of `larpix-raw convert --follow` (issue 10, point 5): a SWMR writer (h5py, this
interpreter) appends a step of raw messages every --period seconds and flushes; the converter
follows the raw file; a reader (h5py, swmr=True, refresh() every 2 ms) polls the packet file.
Lag of a step = first time the reader sees all its packets - time the writer's flush returned.
  convert_follow_lag.py --bin DIR [--steps N] [--period S] [--per-step K] [--dir DIR]
Prints one JSON object: median, p90, p99 and max lag in ms, failed reads."""
import argparse, json, os, struct, subprocess, sys, tempfile, threading, time

os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
import h5py
import numpy as np

p = argparse.ArgumentParser()
p.add_argument('--bin', required=True); p.add_argument('--steps', type=int, default=100)
p.add_argument('--period', type=float, default=0.1); p.add_argument('--per-step', type=int, default=200)
p.add_argument('--dir', default=tempfile.gettempdir()); p.add_argument('--interval', default='0.1')
p.add_argument('--flush-interval', default='0.2')
a = p.parse_args()
raw, pk = os.path.join(a.dir, 'lag-%d.raw.h5' % os.getpid()), os.path.join(a.dir, 'lag-%d.packets.h5' % os.getpid())
for f in (raw, pk):
    if os.path.exists(f): os.remove(f)

f = h5py.File(raw, 'w', libver='latest')
m = f.create_group('meta'); m.attrs['version'] = '0.0'; m.attrs['io_version'] = '0.0'
m.attrs['created'] = m.attrs['modified'] = time.time()
msgs = f.create_dataset('msgs', (0,), maxshape=(None,), chunks=(1024,), dtype=h5py.vlen_dtype('u1'), compression='gzip', compression_opts=4)
hdrs = f.create_dataset('msg_headers', (0,), maxshape=(None,), chunks=(1024,), dtype=[('io_groups', 'u1')], compression='gzip', compression_opts=4)
f.swmr_mode = True
f.flush()
conv = subprocess.Popen([os.path.join(a.bin, 'larpix-raw'), 'convert', '--follow', raw, '-o', pk, '--interval', a.interval,
                         '--flush-interval', a.flush_interval], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seen, failures, stop = [], [0], threading.Event()

def reader():
    r = None
    while not stop.is_set():
        try:
            if r is None:
                if not os.path.exists(pk): time.sleep(0.002); continue
                r = h5py.File(pk, 'r', libver='latest', swmr=True)
            d = r['packets']; d.refresh()
            n = d.shape[0]
            if not seen or n > seen[-1][1]: seen.append((time.time(), n))
        except Exception:
            failures[0] += 1
        time.sleep(0.002)

t = threading.Thread(target=reader); t.start()
flushes, rows = [], 0
word = lambda i: struct.pack('<cBLxxQ', b'D', 1, i, 0x123456789 + i)
for s in range(a.steps):
    n = len(msgs); k = a.per_step
    arr = np.empty((k,), dtype=object)
    for i in range(k):
        w = 1 + (n + i) % 2          # lengths differ, or numpy makes a 2-D array of the step
        arr[i] = np.frombuffer(struct.pack('<cLxH', b'D', int(time.time()), w) + word(n + i) * w, dtype='u1')
        rows += 1 + w
    msgs.resize((n + k,)); hdrs.resize((n + k,))
    msgs[n:] = arr; hdrs[n:] = np.ones((k,), dtype=hdrs.dtype)
    f.flush()
    flushes.append((time.time(), rows))
    time.sleep(a.period)
f.close()
conv.wait(timeout=120)
time.sleep(0.3)
stop.set(); t.join()
lags = []
for ft, rows in flushes:
    vis = next((st for st, n in seen if n >= rows), None)
    if vis is not None: lags.append(max(0.0, vis - ft) * 1000)
lags.sort()
q = lambda x: lags[min(len(lags) - 1, int(x * len(lags)))] if lags else None
print(json.dumps({'steps': a.steps, 'period_s': a.period, 'messages_per_step': a.per_step, 'interval': a.interval,
                  'flush_interval': a.flush_interval, 'measured': len(lags), 'lag_ms_median': q(0.5), 'lag_ms_p90': q(0.9),
                  'lag_ms_p99': q(0.99), 'lag_ms_max': lags[-1] if lags else None, 'failed_reads': failures[0],
                  'reads_seen': len(seen), 'convert_exit': conv.returncode, 'convert_stderr': conv.stderr.read().decode()[-300:]}))
for x in (raw, pk):
    os.remove(x)
