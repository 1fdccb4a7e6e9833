#!/usr/bin/env python3
"""The reference side of the interop tests: larpix-control's rawhdf5format, run under whichever
h5py the interpreter has (Debian's, HDF5 1.10.8, or pip's, HDF5 2.x).

  oracle.py read FILE [--start N] [--end N] [--headers-only]   -> JSON lines: meta, then messages
  oracle.py write FILE --from-jsonl PATH [--version V] [--io-version V]
  oracle.py len FILE
  oracle.py h5py-read FILE      -> plain h5py (no larpix-control), same output as read
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
    rd = r.from_rawfile(a.file, start=a.start, end=a.end, msg_headers_only=a.headers_only, attempts=1)
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


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    rd = sub.add_parser('read'); rd.add_argument('file'); rd.add_argument('--start', type=int); rd.add_argument('--end', type=int)
    rd.add_argument('--headers-only', action='store_true'); rd.set_defaults(f=cmd_read)
    hr = sub.add_parser('h5py-read'); hr.add_argument('file'); hr.set_defaults(f=cmd_h5py_read)
    wr = sub.add_parser('write'); wr.add_argument('file'); wr.add_argument('--from-jsonl', required=True)
    wr.add_argument('--version'); wr.add_argument('--io-version'); wr.set_defaults(f=cmd_write)
    ln = sub.add_parser('len'); ln.add_argument('file'); ln.set_defaults(f=cmd_len)
    a = p.parse_args()
    a.f(a)


if __name__ == '__main__':
    main()
