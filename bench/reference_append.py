"""The reference writer: larpix-control's to_rawfile appending the same messages as
`larpix-bench append`, in the batches its PACMAN reader hands to it (up to PACMAN_IO.hwm = 20000
messages per read; capped here at 64 MiB per call so that large messages fit in memory).
Prints one JSON object: message size, messages, batch, msg/s (median of the runs).

    python reference_append.py WORDS MESSAGES [--repetitions N] [--dir DIR]
"""
import argparse
import json
import os
import statistics
import struct
import tempfile
import time

from larpix.format.rawhdf5format import to_rawfile


def message(words, seed):
    """A PACMAN data message: header 'D', msg_time, pad, msg_words; 'D' data words."""
    body = bytearray(16 * words)
    for w in range(words):
        body[16 * w] = 0x44
        body[16 * w + 1] = w % 40
        body[16 * w + 8:16 * w + 16] = struct.pack('<Q', (seed * 2654435761 + w * 40503) & (2**64 - 1))
    return struct.pack('<BIBH', 0x44, 1700000000 + seed, 0, words) + bytes(body)


def run(path, pool, total, batch):
    start = time.perf_counter()
    written = 0
    while written < total:
        n = min(batch, total - written)
        msgs = [pool[(written + i) % len(pool)] for i in range(n)]
        to_rawfile(path, msgs=msgs, msg_headers={'io_groups': [1] * n}, io_version='0.0')
        written += n
    return total / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('words', type=int)
    p.add_argument('messages', type=int)
    p.add_argument('--repetitions', type=int, default=3)
    p.add_argument('--dir', default='/dev/shm' if os.path.isdir('/dev/shm') else tempfile.gettempdir())
    a = p.parse_args()
    size = 8 + 16 * a.words
    batch = max(1, min(20000, (64 << 20) // size))
    pool = [message(a.words, k) for k in range(min(batch, 4096))]
    rates = []
    for _ in range(a.repetitions):
        path = os.path.join(a.dir, 'larpix-bench-ref-%d.h5' % os.getpid())
        try:
            rates.append(run(path, pool, a.messages, batch))
        finally:
            if os.path.exists(path):
                os.remove(path)
    r = statistics.median(rates)
    print(json.dumps({'message_bytes': size, 'messages': a.messages, 'batch': batch,
                      'msg_per_s': r, 'mb_per_s': r * size / 1e6, 'runs': rates}))


if __name__ == '__main__':
    main()
