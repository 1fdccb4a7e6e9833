#!/usr/bin/env python3
"""The reference side of the interop tests: larpix-control's rawhdf5format, run under whichever
h5py the interpreter has (Debian's, HDF5 1.10.8, or pip's, HDF5 2.x).

  oracle.py read FILE [--start N] [--end N] [--headers-only] [--version V] [--io-version V] [--attempts N]
                                    -> JSON lines: meta, then messages
  oracle.py write FILE --from-jsonl PATH [--version V] [--io-version V]
  oracle.py len FILE
  oracle.py h5py-read FILE      -> plain h5py (no larpix-control), same output as read
  oracle.py make FILE --kind KIND [--version V] [--io-version V]
                                    -> odd HDF5 files made with plain h5py (see cmd_make)
  oracle.py attrs FILE [--group G]  -> JSON: the group's attributes with their h5py types
  oracle.py unequal FILE --extra K  -> resize /msgs (only) by K rows: an append torn in half
  oracle.py swmr-crash FILE --from-jsonl PATH [--kill]
                                    -> open an existing raw file for SWMR writing, append,
                                       flush, then die without closing (os._exit or SIGKILL)
  oracle.py swmr-writer FILE --from-jsonl PATH [--steps N] [--sleep S] [--ready PATH]
                                    -> create FILE, then append the messages in N steps under
                                       SWMR writing, flushing and sleeping after each, and close
  oracle.py ref-tool ARGS...        -> larpix-control's raw_hdf5_tool.py (next to this Python)
"""
import argparse
import json
import os
import sys

os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'


def emit_contents(meta, msgs, io_groups):
    out = sys.stdout
    out.write(json.dumps(meta) + '\n')
    for i, g in enumerate(io_groups):
        rec = {'index': i, 'io_group': int(g)}
        if msgs is not None:
            rec['msg'] = msgs[i].hex()
        out.write(json.dumps(rec) + '\n')


def cmd_read(a):
    import larpix.format.rawhdf5format as r
    r._file_read_reattempts = 1
    rd = r.from_rawfile(a.file, start=a.start, end=a.end, msg_headers_only=a.headers_only, attempts=a.attempts,
                        version=a.version, io_version=a.io_version)
    meta = {k: rd[k] for k in ('created', 'modified', 'version', 'io_version')}
    meta['created'] = float(meta['created'])
    meta['modified'] = float(meta['modified'])
    meta['n'] = len(rd['msg_headers']['io_groups'])
    emit_contents(meta, rd['msgs'], rd['msg_headers']['io_groups'])


def cmd_h5py_read(a):
    import h5py
    with h5py.File(a.file, 'r', swmr=True, libver='latest') as f:
        m = f['meta'].attrs
        meta = {'created': float(m['created']), 'modified': float(m['modified']),
                'version': m['version'], 'io_version': m.get('io_version'), 'n': len(f['msgs']),
                'h5py': h5py.__version__, 'hdf5': h5py.version.hdf5_version}
        msgs = [x.tobytes() for x in f['msgs'][:]]
        groups = f['msg_headers']['io_groups'][:]
        emit_contents(meta, msgs, groups)


def cmd_write(a):
    import larpix.format.rawhdf5format as r
    msgs, groups = [], []
    with open(a.from_jsonl) as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                msgs.append(bytes.fromhex(rec['msg']))
                groups.append(rec.get('io_group', 0))
    kwargs = {}
    if msgs:
        kwargs['msgs'] = msgs
        kwargs['msg_headers'] = {'io_groups': groups}
    r.to_rawfile(a.file, version=a.version, io_version=a.io_version, **kwargs)


def cmd_len(a):
    import larpix.format.rawhdf5format as r
    print(r.len_rawfile(a.file))


def read_jsonl(path):
    msgs, groups = [], []
    with open(path) as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                msgs.append(bytes.fromhex(rec['msg']))
                groups.append(rec.get('io_group', 0))
    return msgs, groups


def cmd_make(a):
    """Files made with plain h5py, for the reader's bad-input and attribute tests."""
    import h5py
    import numpy as np
    vlen_u1 = h5py.vlen_dtype(np.dtype('u1'))
    hdr = np.dtype([('io_groups', 'u1')])

    def datasets(f, msgs=vlen_u1, headers=hdr):
        f.create_dataset('msgs', shape=(0,), maxshape=(None,), compression='gzip', dtype=msgs)
        f.create_dataset('msg_headers', shape=(0,), maxshape=(None,), compression='gzip', dtype=headers)

    def meta(f):
        g = f.create_group('meta')
        g.attrs['version'] = '0.0'
        g.attrs['created'] = 1.0
        g.attrs['modified'] = 2.0
        return g

    with h5py.File(a.file, 'w', libver='latest') as f:
        k = a.kind
        if k == 'raw':                         # an empty raw file with any version texts
            g = f.create_group('meta')
            g.attrs['version'] = a.version or '0.0'
            g.attrs['created'] = 1.0
            g.attrs['modified'] = 2.0
            if a.io_version:
                g.attrs['io_version'] = a.io_version
            datasets(f)
        elif k == 'plain':                     # an HDF5 file that is not a raw file at all
            f.create_dataset('x', data=np.arange(10))
        elif k == 'no-meta':                   # both datasets, no /meta
            datasets(f)
        elif k == 'meta-dataset':              # /meta is a dataset
            f.create_dataset('meta', data=np.arange(3))
            datasets(f)
        elif k == 'no-msgs':
            meta(f)
            f.create_dataset('msg_headers', shape=(0,), maxshape=(None,), dtype=hdr)
        elif k == 'msgs-group':                # /msgs is a group
            meta(f)
            f.create_group('msgs')
            f.create_dataset('msg_headers', shape=(0,), maxshape=(None,), dtype=hdr)
        elif k == 'msgs-int':                  # /msgs holds int32, not vlen uint8
            meta(f)
            datasets(f, msgs=np.dtype('i4'))
        elif k == 'msgs-vlen-i2':              # vlen of int16
            meta(f)
            datasets(f, msgs=h5py.vlen_dtype(np.dtype('i2')))
        elif k == 'headers-u2':                # io_groups is uint16
            meta(f)
            datasets(f, headers=np.dtype([('io_groups', 'u2')]))
        elif k == 'headers-no-field':          # compound without io_groups
            meta(f)
            datasets(f, headers=np.dtype([('io_group', 'u1')]))
        elif k == 'no-version':
            g = f.create_group('meta')
            g.attrs['created'] = 1.0
            g.attrs['modified'] = 2.0
            datasets(f)
        elif k == 'created-string':            # created is a string
            g = meta(f)
            g.attrs['created'] = 'yesterday'
            datasets(f)
        elif k == 'created-array':             # created holds two values
            g = meta(f)
            g.attrs['created'] = np.array([1.0, 2.0])
            datasets(f)
        elif k == 'version-array':             # version holds two strings
            g = meta(f)
            g.attrs['version'] = np.array([b'0.0', b'0.1'])
            datasets(f)
        elif k == 'bad-version':               # version text is not major.minor
            g = meta(f)
            g.attrs['version'] = 'zero'
            datasets(f)
        elif k == 'fixed-strings':             # a valid raw file whose versions are fixed-length
            g = f.create_group('meta')         # byte strings (numpy 'S'), created an int
            g.attrs['version'] = np.bytes_(b'0.0')
            g.attrs['io_version'] = np.bytes_(b'0.0')
            g.attrs['created'] = np.int64(5)
            g.attrs['modified'] = np.float64(6.5)
            datasets(f)
            msgs, groups = [b'\x44\x01', b'', b'\xff' * 30], [3, 0, 255]
            f['msgs'].resize((3,)); f['msg_headers'].resize((3,))
            f['msgs'][:] = np.array([np.frombuffer(m, dtype='u1') for m in msgs] + [None], dtype=object)[:3]
            f['msg_headers'][:] = np.array([(g,) for g in groups], dtype=hdr)
        elif k == 'attrs':                     # attribute kinds for the HDF5 wrapper's tests
            g = f.create_group('g')
            g.attrs['fixed'] = np.bytes_(b'hello')
            g.attrs['fixed_empty'] = np.bytes_(b'')
            g.attrs['vlen'] = 'h\u00e9llo \u2713'
            g.attrs['f64'] = np.float64(1234567890.125)
            g.attrs['i32'] = np.int32(-7)
            g.attrs['f64_array'] = np.array([1.0, 2.0, 3.0])
            g.attrs['spacepad'] = np.bytes_(b'ab')  # rewritten below as space-padded
        else:
            raise SystemExit('unknown kind ' + k)
    if a.kind == 'attrs':
        # A space-padded fixed-length string (Fortran style), via the low-level API.
        with h5py.File(a.file, 'a') as f:
            g = f['g']
            del g.attrs['spacepad']
            t = h5py.h5t.C_S1.copy()
            t.set_size(6)
            t.set_strpad(h5py.h5t.STR_SPACEPAD)
            space = h5py.h5s.create(h5py.h5s.SCALAR)
            attr = h5py.h5a.create(g.id, b'spacepad', t, space)
            attr.write(np.array(b'ab    ', dtype='S6'))


def cmd_attrs(a):
    import h5py
    import numpy as np
    out = {}
    with h5py.File(a.file, 'r', swmr=a.swmr, libver='latest') as f:
        g = f[a.group]
        for k in g.attrs:
            v = g.attrs[k]
            t = g.attrs.get_id(k).dtype
            info = {'kind': t.kind, 'itemsize': t.itemsize}
            sinfo = h5py.check_string_dtype(t)
            if sinfo is not None:
                info['string'] = 'vlen' if sinfo.length is None else 'fixed'
                info['encoding'] = sinfo.encoding
            if isinstance(v, bytes):
                v = v.decode('utf-8')
            elif isinstance(v, np.generic):
                v = v.item()
            elif isinstance(v, np.ndarray):
                v = v.tolist()
            info['value'] = v
            out[k] = info
    print(json.dumps(out))


def cmd_unequal(a):
    """Grows /msgs only: what a reader sees between the two halves of an append."""
    import h5py
    with h5py.File(a.file, 'a', libver='latest') as f:
        n = len(f['msgs'])
        f['msgs'].resize((n + a.extra,))
    print(n + a.extra)


def _swmr_append(f, msgs, groups):
    import h5py
    import numpy as np
    n = len(f['msgs'])
    k = len(msgs)
    f['msgs'].resize((n + k,))
    f['msg_headers'].resize((n + k,))
    arr = np.empty((k,), dtype=object)
    for i, m in enumerate(msgs):
        arr[i] = np.frombuffer(m, dtype='u1')
    f['msgs'][n:n + k] = arr
    f['msg_headers'][n:n + k] = np.array([(g,) for g in groups], dtype=f['msg_headers'].dtype)


def cmd_swmr_crash(a):
    """Appends under SWMR writing, flushes the whole file, and dies with the file open: the
    superblock keeps its 'open for SWMR writing' mark, as after a crashed writer."""
    import h5py
    import signal
    msgs, groups = read_jsonl(a.from_jsonl)
    f = h5py.File(a.file, 'a', libver='latest')
    f.swmr_mode = True
    _swmr_append(f, msgs, groups)
    f.flush()
    sys.stdout.write('flushed %d\n' % len(f['msgs']))
    sys.stdout.flush()
    if a.kill:
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(0)


def cmd_swmr_writer(a):
    """A separate SWMR writer for the follower tests: creates the file (larpix-control's
    to_rawfile), then keeps it open under SWMR writing and appends in steps."""
    import time
    import h5py
    import larpix.format.rawhdf5format as r
    msgs, groups = read_jsonl(a.from_jsonl)
    r.to_rawfile(a.file, io_version='0.0')
    f = h5py.File(a.file, 'a', libver='latest')
    f.swmr_mode = True
    f.flush()
    if a.ready:
        with open(a.ready, 'w') as fh:
            fh.write('ready\n')
    steps = max(1, a.steps)
    per = (len(msgs) + steps - 1) // steps
    for s in range(steps):
        lo, hi = s * per, min(len(msgs), (s + 1) * per)
        if lo < hi:
            _swmr_append(f, msgs[lo:hi], groups[lo:hi])
            f['meta'].attrs['modified'] = time.time()
        f.flush()
        time.sleep(a.sleep)
    f.close()
    print(len(msgs))


def cmd_ref_tool(a):
    """raw_hdf5_tool.py of larpix-control, installed next to this interpreter."""
    import runpy
    tool = os.path.join(os.path.dirname(sys.executable), 'raw_hdf5_tool.py')
    args = a.args[1:] if a.args and a.args[0] == '--' else a.args
    sys.argv = [tool] + args
    runpy.run_path(tool, run_name='__main__')


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    rd = sub.add_parser('read'); rd.add_argument('file'); rd.add_argument('--start', type=int); rd.add_argument('--end', type=int)
    rd.add_argument('--headers-only', action='store_true'); rd.add_argument('--version'); rd.add_argument('--io-version')
    rd.add_argument('--attempts', type=int, default=1); rd.set_defaults(f=cmd_read)
    hr = sub.add_parser('h5py-read'); hr.add_argument('file'); hr.set_defaults(f=cmd_h5py_read)
    wr = sub.add_parser('write'); wr.add_argument('file'); wr.add_argument('--from-jsonl', required=True)
    wr.add_argument('--version'); wr.add_argument('--io-version'); wr.set_defaults(f=cmd_write)
    ln = sub.add_parser('len'); ln.add_argument('file'); ln.set_defaults(f=cmd_len)
    mk = sub.add_parser('make'); mk.add_argument('file'); mk.add_argument('--kind', required=True)
    mk.add_argument('--version'); mk.add_argument('--io-version'); mk.set_defaults(f=cmd_make)
    at = sub.add_parser('attrs'); at.add_argument('file'); at.add_argument('--group', default='meta')
    at.add_argument('--swmr', action='store_true'); at.set_defaults(f=cmd_attrs)
    uq = sub.add_parser('unequal'); uq.add_argument('file'); uq.add_argument('--extra', type=int, default=1)
    uq.set_defaults(f=cmd_unequal)
    sc = sub.add_parser('swmr-crash'); sc.add_argument('file'); sc.add_argument('--from-jsonl', required=True)
    sc.add_argument('--kill', action='store_true'); sc.set_defaults(f=cmd_swmr_crash)
    sw = sub.add_parser('swmr-writer'); sw.add_argument('file'); sw.add_argument('--from-jsonl', required=True)
    sw.add_argument('--steps', type=int, default=20); sw.add_argument('--sleep', type=float, default=0.05)
    sw.add_argument('--ready'); sw.set_defaults(f=cmd_swmr_writer)
    rt = sub.add_parser('ref-tool'); rt.add_argument('args', nargs=argparse.REMAINDER); rt.set_defaults(f=cmd_ref_tool)
    a = p.parse_args()
    a.f(a)


if __name__ == '__main__':
    main()
