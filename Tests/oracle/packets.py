#!/usr/bin/env python3
"""The reference side of the packet-file tests: larpix-control's convert_rawhdf5_to_hdf5.py (run
as the script, from the bin directory of this interpreter) and hdf5format.from_file, under
whichever h5py the interpreter has.

  packets.py batch SPEC.json   -> JSON list, one result per job of SPEC (a list of jobs):
      {"raw": [RAW...], "reference": OUT}      convert each RAW in turn into OUT (same output)
      {"compare": [OURS, REFERENCE], "from_file": bool}
          field-by-field comparison of the packets rows, the header attributes and the other
          datasets; with from_file, hdf5format.from_file of both must give the same packets
  packets.py guess-chunk ROWS... -> JSON list: h5py's chunk guess for a packets dataset of ROWS rows
  packets.py pyint HEX...        -> JSON list: what numpy stores as a u4 receipt_timestamp from these
                                    8 bytes (larpix-control's tx words), or null where it raises
  packets.py live-reader FILE --stop PATH --out PREFIX
                                 -> polls FILE with h5py (swmr=True, refresh()) until PATH exists,
                                    then writes PREFIX.npy (every row read, in order) and
                                    PREFIX.json (reads, failures, errors)
"""
import json
import os
import runpy
import sys
import time

os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'


def run_reference(raws, out):
    script = os.path.join(os.path.dirname(sys.executable), 'convert_rawhdf5_to_hdf5.py')
    for raw in raws:
        saved = sys.argv
        sys.argv = [script, '-i', raw, '-o', out]
        try:
            runpy.run_path(script, run_name='__main__')
        finally:
            sys.argv = saved
    return {'reference': out, 'ok': True}


def dataset_facts(d):
    pl = d.id.get_create_plist()
    return {'dtype': str(d.dtype), 'names': list(d.dtype.names or ()), 'itemsize': d.dtype.itemsize,
            'offsets': [d.dtype.fields[n][1] for n in (d.dtype.names or ())],
            'chunks': list(d.chunks or ()), 'maxshape': [m for m in d.maxshape], 'compression': d.compression,
            'fill_time': pl.get_fill_time(), 'attrs': {k: str(v) for k, v in d.attrs.items()}}


def compare(ours, ref, from_file):
    import h5py
    import numpy as np
    out = {'ours': ours, 'reference': ref, 'mismatches': []}
    with h5py.File(ours, 'r') as a, h5py.File(ref, 'r') as b:
        out['keys'] = [sorted(a.keys()), sorted(b.keys())]
        pa, pb = a['packets'][:], b['packets'][:]
        out['rows'] = [len(pa), len(pb)]
        out['dtype_equal'] = pa.dtype == pb.dtype
        if len(pa) == len(pb):
            for name in pb.dtype.names:
                diff = np.nonzero(pa[name] != pb[name])[0]
                for i in diff[:3]:
                    out['mismatches'].append({'row': int(i), 'field': name, 'ours': int(pa[name][i]), 'reference': int(pb[name][i])})
        out['datasets'] = {k: [dataset_facts(a[k]), dataset_facts(b[k])] for k in ('packets', 'messages', 'configs') if k in a and k in b}
        ha, hb = a['_header'].attrs, b['_header'].attrs
        out['header'] = [{k: (str(ha.get_id(k).dtype), h5py.check_string_dtype(ha.get_id(k).dtype) is not None) for k in ha},
                         {k: (str(hb.get_id(k).dtype), h5py.check_string_dtype(hb.get_id(k).dtype) is not None) for k in hb}]
        out['version'] = [ha['version'], hb['version']]
        out['times'] = [[float(ha['created']), float(ha['modified'])], [float(hb['created']), float(hb['modified'])]]
        out['h5py'] = [h5py.__version__, h5py.version.hdf5_version]
    if from_file:
        from larpix.format.hdf5format import from_file as ff
        ra, rb = ff(ours), ff(ref)
        xa, xb = ra['packets'], rb['packets']
        out['from_file'] = {'ours': len(xa), 'reference': len(xb),
                            'equal': len(xa) == len(xb) and all(type(p) is type(q) and p == q and str(p) == str(q) for p, q in zip(xa, xb)),
                            'version': [ra['version'], rb['version']]}
    return out


def cmd_batch(spec_path):
    with open(spec_path) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        if 'raw' in job:
            if os.path.exists(job['reference']):
                os.remove(job['reference'])
            results.append(run_reference(job['raw'], job['reference']))
        else:
            results.append(compare(job['compare'][0], job['compare'][1], job.get('from_file', False)))
    json.dump(results, sys.stdout, default=lambda o: o.item() if hasattr(o, 'item') else str(o))


def cmd_guess_chunk(rows):
    from h5py._hl.filters import guess_chunk
    print(json.dumps([guess_chunk((int(r),), (None,), 36)[0] for r in rows]))


def cmd_pyint(hexes):
    import numpy as np
    from larpix.format.hdf5format import dtypes
    dt = np.dtype(dtypes['2.4']['packets'])
    out = []
    for h in hexes:
        row = [0] * len(dt.names)
        row[dt.names.index('receipt_timestamp')] = bytes.fromhex(h)
        try:
            out.append(int(np.array([tuple(row)], dtype=dt)['receipt_timestamp'][0]))
        except Exception:
            out.append(None)
    print(json.dumps(out))


def cmd_live_reader(path, stop, prefix):
    import h5py
    import numpy as np
    reads, failures, errors, parts, have = 0, 0, [], [], 0
    f = None
    while f is None:
        done = os.path.exists(stop)
        if os.path.exists(path):
            try:
                f = h5py.File(path, 'r', libver='latest', swmr=True)
            except Exception as e:
                failures += 1
                errors.append('open: %s' % e)
        if f is None and done:
            break
        time.sleep(0.002)
    while f is not None:
        done = os.path.exists(stop)
        try:
            d = f['packets']
            d.refresh()
            n = d.shape[0]
            if n > have:
                parts.append(d[have:n])
                have = n
            reads += 1
        except Exception as e:
            failures += 1
            errors.append(str(e)[:200])
        if done:
            break
        time.sleep(0.002)
    rows = np.concatenate(parts) if parts else np.zeros((0,), dtype='u1')
    np.save(prefix + '.npy', rows)
    with open(prefix + '.json', 'w') as fh:
        json.dump({'reads': reads, 'failures': failures, 'errors': errors[:5], 'rows': int(have), 'h5py': h5py.__version__,
                   'hdf5': h5py.version.hdf5_version}, fh)


def main():
    cmd = sys.argv[1]
    if cmd == 'batch':
        cmd_batch(sys.argv[2])
    elif cmd == 'guess-chunk':
        cmd_guess_chunk(sys.argv[2:])
    elif cmd == 'pyint':
        cmd_pyint(sys.argv[2:])
    elif cmd == 'live-reader':
        args = sys.argv[2:]
        cmd_live_reader(args[0], args[args.index('--stop') + 1], args[args.index('--out') + 1])
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
