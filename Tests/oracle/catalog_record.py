#!/usr/bin/env python3
"""Derives a DUNE catalog (metacat) record from a closed raw or packet file the way the 2x2's
crs_daq `dump_metadata.py` does (read from its public source, written anew here): adler32 of the
file's bytes, its size, /meta created and modified as start and end time (and, without event
numbers in /meta, their whole seconds as first and last event), /meta run, subrun and data_stream
(default 'commissioning'), data tier 'decoded-raw' when the name contains 'packet', else 'raw'.
Namespace, run type and application fields are the site's: given on the command line.

  catalog_record.py FILE [--namespace N] [--run-type T] [--app-family F] [--app-name A] [--app-version V]
"""
import argparse, json, os, zlib
os.environ.setdefault('HDF5_USE_FILE_LOCKING', 'FALSE')
import h5py


def adler32(path):
    value = 1
    with open(path, 'rb') as f:
        while True:
            block = f.read(1 << 24)
            if not block:
                return value & 0xffffffff
            value = zlib.adler32(block, value)


def plain(v):
    """numpy scalars and bytes as JSON values."""
    if isinstance(v, bytes):
        return v.decode()
    return v.item() if hasattr(v, 'item') else v


def main():
    p = argparse.ArgumentParser()
    p.add_argument('file')
    p.add_argument('--namespace', default='neardet-2x2-lar-charge')
    p.add_argument('--run-type', default='neardet-2x2-lar-charge')
    p.add_argument('--app-family', default='larpix')
    p.add_argument('--app-name', default='crs_daq')
    p.add_argument('--app-version', default='2x2')
    a = p.parse_args()
    with h5py.File(a.file, 'r') as f:
        meta = {k: plain(v) for k, v in f['meta'].attrs.items()}
    run, subrun = meta.get('run'), meta.get('subrun')
    if subrun is None and run is not None:
        subrun = 10000 * run + 1  # crs_daq's fallback
    name = os.path.basename(a.file)
    record = {
        'name': name,
        'namespace': a.namespace,
        'checksums': {'adler32': '%08x' % adler32(a.file)},
        'size': os.stat(a.file).st_size,
        'metadata': {
            'core.application.family': a.app_family,
            'core.application.name': a.app_name,
            'core.application.version': a.app_version,
            'core.data_stream': meta.get('data_stream') or 'commissioning',
            'core.data_tier': 'decoded-raw' if 'packet' in name else 'raw',
            'core.file_type': 'detector',
            'core.file_format': 'hdf5',
            'core.file_content_status': 'good',
            'core.start_time': meta['created'],
            'core.end_time': meta['modified'],
            'core.run_type': a.run_type,
            'core.runs': [run],
            'core.runs_subruns': [subrun],
            'core.first_event_number': meta.get('first_event') or int(meta['created']),
            'core.last_event_number': meta.get('last_event') or int(meta['modified']),
            'retention.class': 'rawdata',
            'retention.status': 'active',
        },
    }
    print(json.dumps(record))


if __name__ == '__main__':
    main()
