#!/usr/bin/env python3
"""How long the tail of a burst waits to become visible: a PUB (pyzmq, lossless) sends bursts of
PACMAN messages into larpix-rawd, with quiet gaps between them; a reader reopens the live file
every few ms (h5py, swmr=True) and notes when the burst's last row is visible. Prints one JSON
line per burst (tail latency: last send -> last row visible) and a summary.

  bench/burst-tail.py --bin DIR [--bursts 8] [--burst 5000] [--gap 2.5] [--flush-interval 1]
                      [--idle-flush S]   (omit for the daemon's default; 0 turns it off)
Run with a Python that has h5py and pyzmq (.venv-oracle/bin/python).
"""
import argparse, json, os, random, socket, struct, subprocess, sys, tempfile, time
os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
import h5py, zmq
from ports import free_port


def message(i, words=4):
    # PACMAN data message: 'D', unix seconds, a reserved byte, the word count; 16-byte words.
    head = b'D' + struct.pack('<IxH', int(time.time()), words)
    return head + b''.join(struct.pack('<BBIQxx', 0x44, 1, i, i) for _ in range(words))


def rows(path):
    try:
        with h5py.File(path, 'r', swmr=True, libver='latest') as f:
            return min(len(f['msgs']), len(f['msg_headers']))
    except Exception:
        return -1


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bin', required=True)
    p.add_argument('--bursts', type=int, default=8)
    p.add_argument('--burst', type=int, default=5000)
    p.add_argument('--gap', type=float, default=2.5)
    p.add_argument('--flush-interval', type=float, default=1.0)
    p.add_argument('--idle-flush', type=float)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix='burst-tail.')
    port = free_port()
    idle = '' if a.idle_flush is None else 'idle_flush: %g\n' % a.idle_flush
    cfg = os.path.join(work, 'rawd.yaml')
    open(cfg, 'w').write('sources: [{endpoint: "tcp://127.0.0.1:%d", io_group: 1}]\n'
                         'output: {directory: "%s/data", filename: "burst.h5"}\n'
                         'flush_interval: %g\n%smetrics: {listen: ""}\n' % (port, work, a.flush_interval, idle))
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB); pub.setsockopt(zmq.SNDHWM, 0); pub.bind('tcp://127.0.0.1:%d' % port)
    daemon = subprocess.Popen([os.path.join(a.bin, 'larpix-rawd'), '--config', cfg], stderr=open(os.path.join(work, 'rawd.log'), 'w'))
    path = os.path.join(work, 'data', 'burst.h5')
    try:
        # Until the daemon has subscribed: probe messages until one is in the file.
        sent = 0
        deadline = time.time() + 30
        while rows(path) <= 0 and time.time() < deadline:
            pub.send(message(sent)); sent += 1; time.sleep(0.05)
        # Probes sent before the subscription arrived are lost (PUB): count what is visible.
        time.sleep(a.flush_interval + a.gap)
        visible = rows(path)
        tails = []
        for b in range(a.bursts):
            for _ in range(a.burst):
                pub.send(message(sent)); sent += 1
            last_send = time.time()
            visible += a.burst
            while rows(path) < visible:
                time.sleep(0.002)
            tail = time.time() - last_send
            tails.append(tail)
            print(json.dumps({'burst': b, 'messages': a.burst, 'tail_ms': round(1000 * tail, 1)}), flush=True)
            # A jitter of one flush interval, so that bursts end at every phase of the timed flush.
            time.sleep(a.gap + random.uniform(0, a.flush_interval))
        s = sorted(tails)
        print(json.dumps({'flush_interval': a.flush_interval, 'idle_flush': a.idle_flush, 'bursts': len(s),
                          'tail_ms_median': round(1000 * s[len(s) // 2], 1), 'tail_ms_min': round(1000 * s[0], 1),
                          'tail_ms_max': round(1000 * s[-1], 1)}))
    finally:
        daemon.terminate(); daemon.wait(30)
        pub.close(0); ctx.term()
        subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
