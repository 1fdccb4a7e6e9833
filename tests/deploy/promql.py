#!/usr/bin/env python3
"""promql.py BASE QUERY: runs an instant query against Prometheus at BASE (http://HOST:PORT)
and prints "SERIES SUM" (the number of series returned and the sum of their finite values);
exit 1 when Prometheus does not answer or the query fails.
promql.py BASE --rules: prints one line per alerting rule, "NAME HEALTH"."""
import json, math, sys, urllib.parse, urllib.request

base, query = sys.argv[1], sys.argv[2]
try:
    if query == "--rules":
        data = json.load(urllib.request.urlopen(base + "/api/v1/rules?type=alert", timeout=5))
        for g in data["data"]["groups"]:
            for r in g["rules"]:
                print(r["name"], r["health"], (r.get("lastError") or "").replace(" ", "_"))
        sys.exit(0)
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    data = json.load(urllib.request.urlopen(url, timeout=5))
except Exception as e:
    print(f"error {e}", file=sys.stderr)
    sys.exit(1)
if data.get("status") != "success":
    print(data.get("error", "failed"), file=sys.stderr)
    sys.exit(1)
res = data["data"]["result"]
if data["data"]["resultType"] == "scalar":
    res = [{"value": res}]
vals = [float(r["value"][1]) for r in res]
s = sum(v for v in vals if math.isfinite(v))
print(len(res), int(s) if s == int(s) else s)
