#!/usr/bin/env python3
"""A physicist's live reader, as a measurement: reopens a file that larpix-rawd is writing, in
a loop, and counts every failed read by kind. Every message it reads is fingerprinted; after the
writer has closed the file, `--verify` compares each fingerprint with the final file, so a
corrupt message (wrong bytes at an index) is counted too.

  live_reader.py FILE --reads N [--reader larpix|h5py|refresh] [--window K] [--interval S] --out R.json

`refresh` is h5py's own SWMR pattern: open the file once with swmr=True, then every `--interval`
seconds `refresh()` both datasets and read the newest rows, never reopening; a failed read is
counted and the same handle is used again.
"""
import argparse, hashlib, json, os, sys, time, warnings
os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
warnings.simplefilter('ignore')
import h5py


def classify(e):
    s = str(e)
    if 'EOA' in s or 'addr overflow' in s: return 'eoa'
    if 'not already open for SWMR' in s: return 'not_swmr'
    if 'stable file state' in s or 'length mismatch' in s: return 'unequal_lengths'
    if 'No such file' in s or 'unable to open file' in s and 'name' in s: return 'no_file'
    return 'other:' + s.replace('\n', ' ')[:120]


def read_larpix(path, window):
    import larpix.format.rawhdf5format as r
    r._file_read_reattempts = 1
    n = r.len_rawfile(path, attempts=1)
    start = max(0, n - window)
    d = r.from_rawfile(path, start=start, end=n, attempts=1)
    return start, d['msgs'], d['msg_headers']['io_groups']


def read_h5py(path, window):
    with h5py.File(path, 'r', swmr=True, libver='latest') as f:
        m, h = f['msgs'], f['msg_headers']
        n, nh = len(m), len(h)
        if n != nh:
            raise RuntimeError('length mismatch %d %d' % (n, nh))
        start = max(0, n - window)
        msgs = [x.tobytes() for x in m[start:n]]
        groups = list(h['io_groups'][start:n])
    return start, msgs, groups


class RefreshReader:
    """Opens once; each read refreshes both datasets and reads the newest rows both have."""
    def __init__(self, path):
        self.f = h5py.File(path, 'r', swmr=True, libver='latest')
        self.m, self.h = self.f['msgs'], self.f['msg_headers']

    def __call__(self, path, window):
        self.m.refresh(); self.h.refresh()
        n = min(len(self.m), len(self.h))
        start = max(0, n - window)
        msgs = [x.tobytes() for x in self.m[start:n]]
        groups = list(self.h['io_groups'][start:n])
        return start, msgs, groups


def main():
    p = argparse.ArgumentParser()
    p.add_argument('file'); p.add_argument('--reads', type=int, default=1000)
    p.add_argument('--reader', choices=['larpix', 'h5py', 'refresh'], default='larpix')
    p.add_argument('--window', type=int, default=64)
    p.add_argument('--seconds', type=float, default=0)
    p.add_argument('--interval', type=float, default=0)
    p.add_argument('--out', required=True)
    a = p.parse_args()
    failures, ok, seen = {}, 0, {}
    t0 = time.time()
    while not os.path.exists(a.file) and time.time() - t0 < 30:
        time.sleep(0.01)
    read = {'larpix': read_larpix, 'h5py': read_h5py}.get(a.reader) or RefreshReader(a.file)
    i = 0
    durations = []
    while i < a.reads and (a.seconds <= 0 or time.time() - t0 < a.seconds):
        i += 1
        t_read = time.perf_counter()
        try:
            start, msgs, groups = read(a.file, a.window)
            durations.append(time.perf_counter() - t_read)
            ok += 1
            for k, (m, g) in enumerate(zip(msgs, groups)):
                seen[start + k] = (hashlib.blake2b(m, digest_size=8).hexdigest(), int(g))
        except Exception as e:
            durations.append(time.perf_counter() - t_read)
            kind = classify(e)
            failures[kind] = failures.get(kind, 0) + 1
        if a.interval > 0:
            time.sleep(a.interval)
    json.dump({'reads': i, 'ok': ok, 'failures': failures, 'seconds': time.time() - t0,
               'reader': a.reader, 'h5py': h5py.__version__, 'hdf5': h5py.version.hdf5_version,
               'read_ms': read_ms(durations), 'seen': seen}, open(a.out, 'w'))


def read_ms(durations):
    """How long one read took (open to last byte), ms: the time in which a writer's flush can
    change what the reader sees."""
    d = sorted(durations) or [0.0]
    q = lambda f: round(1000 * d[min(len(d) - 1, int(f * len(d)))], 2)
    return {'p50': q(0.5), 'p99': q(0.99), 'max': q(1.0), 'over_20ms': sum(x > 0.02 for x in d)}


def verify(final, results):
    """Compares what the readers saw with the closed file: counts corrupt messages."""
    with h5py.File(final, 'r') as f:
        msgs = f['msgs']; groups = f['msg_headers']['io_groups'][:]
        n = len(msgs)
        out = []
        for rpath in results:
            r = json.load(open(rpath))
            corrupt = 0
            idx = sorted(int(k) for k in r['seen'])
            for k in idx:
                h, g = r['seen'][str(k)]
                if k >= n or hashlib.blake2b(msgs[k].tobytes(), digest_size=8).hexdigest() != h or groups[k] != g:
                    corrupt += 1
            del r['seen']
            r['checked_messages'] = len(idx); r['corrupt'] = corrupt
            out.append(r)
    print(json.dumps(out))


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--verify':
        verify(sys.argv[2], sys.argv[3:])
    else:
        main()
