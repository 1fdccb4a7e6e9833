#!/usr/bin/env bash
# monitoring/ against Debian's real Prometheus:
#   tests/deploy/prometheus-test.sh BIN_DIR     (BIN_DIR holds larpix-rawd and larpix-raw)
# - promtool check rules and promtool test rules (every alert fires on the series that should
#   wake someone, and none on a healthy daemon); promtool check config on the scrape config;
# - the daemon on loopback with two emulated boards; prometheus (127.0.0.1, a free port)
#   scrapes it with monitoring/prometheus.yml (only the target, the interval and the rules path
#   changed); its HTTP API is queried until larpix_rawd_messages_written_total matches what the
#   daemon wrote, per io_group, and what the files hold after the stop (larpix-raw count);
# - every alert rule is loaded and evaluates without error; every query of every panel of
#   monitoring/grafana-dashboard.json returns series.
# Exits 77 (skip) when prometheus/promtool are missing; the suite makes that a failure when
# LARPIX_REQUIRE_SYSTEMD=1 or CI=true.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$here/lib.sh"
bin="${1:?usage: prometheus-test.sh BIN_DIR}"
mon="$repo/monitoring"
t_start=$(now_ms)
command -v prometheus >/dev/null || skip "prometheus is not installed (apt-get install prometheus)"
command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus)"
measure "prometheus" "$(prometheus --version 2>&1 | head -1)"

work="$(mktemp -d /tmp/larpix-prometheus.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the rules and the config, statically ---------------------------------------------------
if promtool check rules "$mon/larpix-rawd.rules.yml" >"$work/check.txt" 2>&1; then
    ok "promtool check rules: $(grep -o 'SUCCESS: [0-9]* rules found' "$work/check.txt")"
else
    fail "promtool check rules: $(cat "$work/check.txt")"
fi
if (cd "$mon/tests" && promtool test rules larpix-rawd.rules.test.yml) >"$work/test.txt" 2>&1; then
    ok "promtool test rules: every alert fires when it should and not on a healthy daemon"
else
    fail "promtool test rules: $(cat "$work/test.txt")"
fi
alerts="$(sed -n 's/^ *- alert: //p' "$mon/larpix-rawd.rules.yml" | tr '\n' ' ')"
measure "alert rules" "$alerts"
for a in $alerts; do
    grep -q "alertname: $a\$" "$mon/tests/larpix-rawd.rules.test.yml" && grep -A3 "alertname: $a\$" "$mon/tests/larpix-rawd.rules.test.yml" | grep -q exp_labels \
        || fail "promtool test rules has no firing case for $a"
done

read -r -d '' mport pport p1 p2 < <(free_ports 4) || true
sed -e 's/scrape_interval: 15s/scrape_interval: 1s/' -e 's/evaluation_interval: 15s/evaluation_interval: 1s/' \
    -e "s#\"127.0.0.1:9127\"#\"127.0.0.1:$mport\"#" \
    -e "s#/usr/share/larpix-rawd/monitoring/larpix-rawd.rules.yml#$mon/larpix-rawd.rules.yml#" \
    "$mon/prometheus.yml" >"$work/prometheus.yml"
if promtool check config "$work/prometheus.yml" >"$work/cfg.txt" 2>&1; then ok "promtool check config on monitoring/prometheus.yml"; else fail "promtool check config: $(cat "$work/cfg.txt")"; fi

# --- the daemon, two boards, and Prometheus ----------------------------------------------------
mkdir -p "$work/rawd"
cat >"$work/rawd/rawd.yaml" <<EOF2
sources:
  - {endpoint: "tcp://127.0.0.1:$p1", io_group: 1}
  - {endpoint: "tcp://127.0.0.1:$p2", io_group: 2}
output: {directory: ./data, filename: "run_{seq}.h5"}
flush_interval: 200ms
metrics: {listen: "127.0.0.1:$mport"}
EOF2
(cd "$work/rawd" && exec "$bin/larpix-rawd" --config rawd.yaml >"$work/rawd.log" 2>&1) &
rawd_pid=$!; pids+=($rawd_pid)
murl="http://127.0.0.1:$mport/metrics"
check "the daemon serves metrics" wait_until 30 eval "metric $murl larpix_rawd_info >/dev/null"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
purl="http://127.0.0.1:$pport"
prom_ready() { python3 -c "import urllib.request,sys; urllib.request.urlopen('$purl/-/ready', timeout=2)" 2>/dev/null; }
t0=$(now_ms)
check "prometheus is ready on 127.0.0.1:$pport" wait_until 60 prom_ready
measure "prometheus start to ready (ms)" $(( $(now_ms) - t0 ))
q() { python3 "$here/promql.py" "$purl" "$1"; }
up_is_1() { [ "$(q 'up{job="larpix-rawd"}')" = "1 1" ]; }
check "prometheus scrapes the daemon: up{job=\"larpix-rawd\"} = 1" wait_until 30 up_is_1

n=3000
# PUB/SUB: what a publisher sends before the subscription reaches it is not delivered
# (ZeroMQ's rule, not the daemon's), so the reference is what the daemon received.
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$p1" --count $n --rate 3000 --words 1-16 --wait-subscriber 2 >"$work/pub1.out" 2>&1 &
a=$!
"$bin/larpix-raw" publish --endpoint "tcp://127.0.0.1:$p2" --count $n --rate 3000 --words 1-16 --wait-subscriber 2 >"$work/pub2.out" 2>&1 &
b=$!
wait $a $b
sent=0; for f in "$work/pub1.out" "$work/pub2.out"; do v="$(sed -n 's/.*: sent \([0-9]*\) messages.*/\1/p' "$f")"; sent=$(( sent + ${v:-0} )); done
expect_eq "the emulators sent" $((2 * n)) "$sent"
all_written() {
    local r w b
    r="$(metric "$murl" larpix_rawd_messages_received_total)" w="$(metric "$murl" larpix_rawd_messages_written_total)" b="$(metric "$murl" larpix_rawd_buffer_bytes)"
    [ "${w:-0}" -gt 0 ] && [ "$r" = "$w" ] && [ "$b" = 0 ]
}
check "the daemon wrote everything it received (its metrics; buffer empty)" wait_until 30 all_written
measure "sent, received by the daemon" "$sent, $(metric "$murl" larpix_rawd_messages_received_total)"
t0=$(now_ms)
prom_matches() { wrote="$(metric "$murl" larpix_rawd_messages_written_total)"; [ "$(q 'sum(larpix_rawd_messages_written_total{job="larpix-rawd"})')" = "1 $wrote" ]; }
wrote=""
if wait_until 60 prom_matches; then ok "prometheus: sum(larpix_rawd_messages_written_total) = $wrote, what the daemon wrote"
else fail "prometheus has $(q 'sum(larpix_rawd_messages_written_total{job="larpix-rawd"})'), the daemon wrote $wrote"; fi
measure "daemon's count to prometheus having it (ms)" $(( $(now_ms) - t0 ))
for g in 1 2; do
    expect_eq "prometheus: larpix_rawd_messages_written_total{io_group=\"$g\"}" "1 $(metric "$murl" larpix_rawd_messages_written_total io_group=$g)" \
        "$(q "larpix_rawd_messages_written_total{job=\"larpix-rawd\",io_group=\"$g\"}")"
done

# --- rules evaluate; dashboard queries return series --------------------------------------------
rules_ok() { q --rules >"$work/rules.txt" && [ "$(wc -l <"$work/rules.txt")" -eq "$(wc -w <<<"$alerts")" ] && ! grep -qv ' ok ' "$work/rules.txt"; }
if wait_until 30 rules_ok; then ok "prometheus loaded all $(wc -l <"$work/rules.txt") alert rules and evaluates them without error"; else fail "alert rules in prometheus: $(tr '\n' ';' <"$work/rules.txt")"; fi
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["panels"]:
    for t in p["targets"]:
        print(p["title"] + "\t" + t["expr"].replace("$__rate_interval", "1m").replace("$instance", ".*"))
' "$mon/grafana-dashboard.json" >"$work/panels.tsv"
npanels=0 nempty=0
while IFS=$'\t' read -r title expr; do
    npanels=$((npanels + 1))
    has_series() { local r; r="$(q "$expr")" && [ "${r%% *}" -gt 0 ]; }
    if wait_until 20 has_series; then ok "dashboard: \"$title\" returns $(q "$expr" | cut -d' ' -f1) series"; else fail "dashboard: \"$title\" returns no series: $expr"; nempty=$((nempty + 1)); fi
done <"$work/panels.tsv"
measure "dashboard queries checked" "$npanels"

# --- what the files hold ---------------------------------------------------------------------
kill -TERM "$rawd_pid"; wait "$rawd_pid"; rc=$?
expect_eq "the daemon stops cleanly" 0 "$rc"
stopped="$(grep 'stopped: ' "$work/rawd.log" | tail -1)"
expect_eq "nothing came after prometheus matched (the daemon's stopped: line)" "$wrote" "$(sed -n 's/.* \([0-9]*\) written.*/\1/p' <<<"$stopped")"
files_total=0
for f in "$work"/rawd/data/run_*.h5; do files_total=$(( files_total + $("$bin/larpix-raw" count "$f") )); done
expect_eq "the files hold what prometheus saw written" "$wrote" "$files_total"
measure "whole test (ms)" $(( $(now_ms) - t_start ))
finish
