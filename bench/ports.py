"""The benchmarks' and deployment tests' one way to pick loopback ports.

  python3 bench/ports.py [N]    prints N (default 1) distinct free ports, one per line
"""
import random
import socket
import sys

_given = set()


def free_port():
    """A loopback port free now, below the kernel's ephemeral range: bind(0) hands out ports
    that connecting sockets get too, and one could take it before the publisher binds it.
    Never the same port twice in one process."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    while True:
        p = random.randrange(max(1024, low - 20000), low)
        if p in _given:
            continue
        s = socket.socket()
        try:
            s.bind(('127.0.0.1', p))
            _given.add(p)
            return p
        except OSError:
            continue
        finally:
            s.close()


if __name__ == '__main__':
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
        print(free_port())
