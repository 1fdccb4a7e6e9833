#!/usr/bin/env python3
"""One line per reader from live-readers.sh's JSON lines."""
import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    failed = r['reads'] - r['ok']
    print('%-6s page=%-9s ordered=%-5s delay=%-5s flush=%-4s reads=%-5d failed=%-3d (%.2f%%) corrupt=%d checked=%d overhead=%.1f%% read_ms=%s %s' % (
        r['reader'], r['page_size'], r.get('ordered', '?'), r.get('exposure_wait', '?'), r['flush_interval'], r['reads'], failed,
        100.0 * failed / max(r['reads'], 1), r['corrupt'], r['checked_messages'],
        100.0 * (r['file_bytes'] - r['message_bytes']) / max(r['message_bytes'], 1), json.dumps(r.get('read_ms')), json.dumps(r['failures'])))
    if r.get('order'): print('       writer: ' + r['order'])
