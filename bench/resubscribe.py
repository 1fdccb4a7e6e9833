#!/usr/bin/env python3
"""How long a board that restarts loses data: a PUB (pyzmq) binds, sends a numbered message every
`1/rate` s from the moment it is bound (as a restarted board does: a PUB drops what it sends
before a subscription arrives), and is closed and bound again `--restarts` times. The daemon's
file then says which numbers arrived: the first number after each restart gives the
resubscribe delay (number × period). Prints one JSON line per restart and a summary.

  bench/resubscribe.py --bin DIR [--restarts 10] [--rate 2000] [--up 1.0] [--down 0.5]
Run with a Python that has h5py and pyzmq (.venv-oracle/bin/python).
"""
import argparse, json, os, socket, struct, subprocess, tempfile, time
os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
import h5py, zmq
from ports import free_port


def message(restart, i):
    # A PACMAN data message with one word; the word carries (restart, i).
    return b'D' + struct.pack('<IxH', int(time.time()), 1) + struct.pack('<BBIQxx', 0x44, 1, restart, i)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bin', required=True)
    p.add_argument('--restarts', type=int, default=10)
    p.add_argument('--rate', type=float, default=2000)
    p.add_argument('--up', type=float, default=1.0)
    p.add_argument('--down', type=float, default=0.5)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix='resubscribe.')
    port = free_port()
    cfg = os.path.join(work, 'rawd.yaml')
    open(cfg, 'w').write('sources: [{endpoint: "tcp://127.0.0.1:%d", io_group: 1}]\n'
                         'output: {directory: "%s/data", filename: "r.h5"}\nmetrics: {listen: ""}\n' % (port, work))
    daemon = subprocess.Popen([os.path.join(a.bin, 'larpix-rawd'), '--config', cfg],
                              stderr=open(os.path.join(work, 'rawd.log'), 'w'))
    ctx = zmq.Context()
    period = 1.0 / a.rate
    try:
        time.sleep(1.0)
        for r in range(a.restarts):
            pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.SNDHWM, 0)
            pub.bind('tcp://127.0.0.1:%d' % port)
            start = time.perf_counter()
            i = 0
            while time.perf_counter() - start < a.up:
                pub.send(message(r, i)); i += 1
                next_at = start + i * period
                while time.perf_counter() < next_at:
                    pass
            pub.close(linger=1000)
            time.sleep(a.down)
        time.sleep(1.5)
    finally:
        daemon.terminate(); daemon.wait(60)
        ctx.term()
    first = {}
    with h5py.File(os.path.join(work, 'data', 'r.h5'), 'r') as f:
        for m in f['msgs']:
            b = m.tobytes()
            r, i = struct.unpack('<IQ', b[8 + 2:8 + 14])
            first.setdefault(r, i)
    delays = []
    for r in range(a.restarts):
        d = first.get(r)
        ms = None if d is None else round(1000 * d * period, 1)
        delays.append(ms)
        print(json.dumps({'restart': r, 'first_message': d, 'resubscribe_ms': ms}))
    got = sorted(x for x in delays if x is not None)
    print(json.dumps({'restarts': a.restarts, 'rate': a.rate, 'median_ms': got[len(got) // 2] if got else None,
                      'max_ms': got[-1] if got else None, 'never': sum(x is None for x in delays)}))
    subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
