#!/usr/bin/env python3
"""Files for the native reader's tests, written by whatever h5py runs this (pip's, HDF5 2.x),
one per library-version bound and storage variant, with what h5py reads back from each.

  native_cases.py DIR   -> DIR/NAME.h5 and DIR/NAME.expect per case; prints the names made

NAME.expect (little-endian): u32 n; n x (u32 len, bytes) of /msgs; n io_groups bytes of
/msg_headers; then the /meta attributes as JSON on the last line. Cases with extra datasets
(ea1, fa1) hold a u1 dataset whose row i is i % 251.
"""
import json, os, struct, sys
import h5py
import numpy as np

os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
out = sys.argv[1]
N = 1500


def message(i):
    n = [1, 7, 24, 104, 1032, 4000, 64 * 1024 + 8, 16000 * 16 + 8][i % 8] if i % 97 == 0 else 8 + 16 * (i % 13)
    return bytes(((i * 31 + k * 7) & 0xff) for k in range(n))


def raw_layout(f, compression='gzip', shuffle=False, maxshape=(None,), chunks=(1024,), fixed_strings=False):
    g = f.create_group('meta')
    if fixed_strings:
        g.attrs['version'] = np.bytes_('0.0')
        g.attrs['created'] = np.int64(5)
    else:
        g.attrs['version'] = '0.0'
        g.attrs['created'] = 1.5
        g.attrs['io_version'] = '0.0'
    g.attrs['modified'] = 2.25
    kw = dict(maxshape=maxshape, chunks=chunks, compression=compression, shuffle=shuffle)
    if chunks is None:
        kw = dict(compression=None)
    d = f.create_dataset('msgs', (N,), dtype=h5py.vlen_dtype('u1'), **kw)
    h = f.create_dataset('msg_headers', (N,), dtype=np.dtype([('io_groups', 'u1')]), **kw)
    d[:] = [np.frombuffer(message(i), dtype='u1') for i in range(N)]
    h['io_groups'] = [(i * 5) % 256 for i in range(N)]


def expect(path):
    with h5py.File(path, 'r') as f:
        msgs = [x.tobytes() for x in f['msgs'][:]]
        groups = f['msg_headers']['io_groups'][:].tobytes()
        attrs = {}
        for k, v in f['meta'].attrs.items():
            if isinstance(v, bytes):
                v = v.decode()
            attrs[k] = v if isinstance(v, str) else float(v)
    with open(path[:-3] + '.expect', 'wb') as e:
        e.write(struct.pack('<I', len(msgs)))
        for m in msgs:
            e.write(struct.pack('<I', len(m)) + m)
        e.write(groups)
        e.write(json.dumps(attrs).encode())


made = []
for lv in ['earliest', 'v108', 'v110', 'v112', 'v114', 'v200', 'latest']:
    p = os.path.join(out, 'libver_%s.h5' % lv)
    try:
        f = h5py.File(p, 'w', libver=(lv, 'latest') if lv == 'earliest' else (lv, lv) if lv != 'latest' else 'latest')
    except Exception:
        continue
    with f:
        raw_layout(f)
    made.append(p)

variants = {
    'plain': dict(compression=None),
    'shuffle': dict(shuffle=True),
    'fixedmax': dict(maxshape=(N,), chunks=(100,)),
    'single': dict(maxshape=(N,), chunks=(N,)),
    'contiguous': dict(chunks=None),
    'fixedstrings': dict(fixed_strings=True),
    'smallchunks': dict(chunks=(7,), compression=None),
}
for name, kw in variants.items():
    p = os.path.join(out, name + '.h5')
    with h5py.File(p, 'w', libver='latest') as f:
        raw_layout(f, **kw)
    made.append(p)

# Extensible array with super blocks and paged data blocks (chunks of one row), and a
# filtered, paged fixed array.
p = os.path.join(out, 'arrays.h5')
with h5py.File(p, 'w', libver='latest') as f:
    raw_layout(f)
    vals = (np.arange(100000) % 251).astype('u1')
    f.create_dataset('ea1', data=vals, maxshape=(None,), chunks=(1,))
    f.create_dataset('fa1', data=vals[:5000], maxshape=(5000,), chunks=(1,), compression='gzip')
made.append(p)

for p in made:
    expect(p)
    print(os.path.basename(p)[:-3])
