#!/usr/bin/env python3
"""metric.py URL NAME [LABEL=VALUE ...]: prints the sum of NAME's samples at the Prometheus
text endpoint URL whose labels match; prints nothing (exit 1) if none match or URL is down."""
import re, sys, urllib.request

url, name, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
try:
    text = urllib.request.urlopen(url, timeout=2).read().decode()
except Exception:
    sys.exit(1)
total, found = 0.0, False
for line in text.splitlines():
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)', line)
    if not m or m.group(1) != name:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        total += float(m.group(4)); found = True
if not found:
    sys.exit(1)
print(int(total) if total == int(total) else total)
