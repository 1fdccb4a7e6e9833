#!/usr/bin/env bash
# The package and its hardened unit under a real systemd:
#   tests/deploy/systemd-test.sh DEB
# Boots Debian 12's systemd as PID 1 of a container (systemd-nspawn -b --register=no
# --keep-unit, on the minbase root of tests/deploy/debian-root.sh, cached under .build/deploy
# and kept pristine by --volatile=overlay), reaches into it with nsenter (machinectl and
# systemd-run -M need a host systemd), installs DEB with apt (only its Depends come in),
# and checks, on the host network's loopback with emulators (the packaged larpix-raw publish)
# on the host side:
#   - install: user larpix, /var/lib/larpix-rawd 0750, the unit enabled and started;
#   - systemctl start returns, active, only after READY=1 (and with notifications ignored
#     it never becomes active: the start times out);
#   - files appear in the state directory while two boards publish;
#   - systemctl reload rotates: a new file, and no message lost;
#   - systemctl stop drains: received = written = the files' messages (larpix-raw count);
#   - SIGSTOP: the watchdog kills it and systemd restarts it, on a new file;
#   - a bad config fails ExecStartPre with exit 78, and no restart is scheduled;
#   - journalctl -u larpix-rawd shows the daemon's lines with their levels;
#   - output.on_close hands each closed file on (a hard link into a dropbox) under the sandbox;
#   - two larpix-rawd@ instances, each with its config, state directory and metrics port;
#   - an upgrade restarts what runs and keeps the admin's config;
#   - remove stops everything and leaves data and config; purge removes the conffile only.
# The watchdog is shortened from 30 s to 5 s by a drop-in, as an operator would.
# Exits 77 (skip) when no container can be started here, saying why; the test suite turns
# that into a failure when LARPIX_REQUIRE_SYSTEMD=1 (scripts/test.sh sets it as root) or CI=true.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$here/lib.sh"
deb="${1:?usage: systemd-test.sh DEB}"
deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
[ -f "$deb" ] || { echo "systemd-test: no such file $deb" >&2; exit 2; }
t_start=$(now_ms)

[ "$(id -u)" -eq 0 ] || skip "needs root to boot a container (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (apt-get install systemd-container)"
command -v nsenter >/dev/null || skip "nsenter is not installed (util-linux)"
t0=$(now_ms)
root="$("$here/debian-root.sh")" || skip "no Debian 12 root for the container: debootstrap failed (no route to the Debian mirror?)"
measure "root ready (ms)" $(( $(now_ms) - t0 ))

work="$(mktemp -d /tmp/larpix-systemd.XXXXXX)"
mkdir -p "$work/deb" "$repo/.build/deploy/apt-archives/partial"
cp "$deb" "$work/deb/"
dpkg-deb -x "$deb" "$work/pkg"
raw="$work/pkg/usr/bin/larpix-raw"      # the packaged tool, run on the host: emulators
nspawn_pid="" pub_pids=()
cleanup() {
    for p in "${pub_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid" 2>/dev/null            # the container's systemd powers off
        wait_until 30 eval '! kill -0 '"$nspawn_pid"' 2>/dev/null' || kill -KILL "$nspawn_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Boot. The container shares the host's network namespace: loopback traffic only.
t0=$(now_ms)
systemd-nspawn -q -D "$root" --volatile=overlay -b --register=no --keep-unit --console=passive \
    --machine="larpix-test-$$" --bind-ro="$work/deb:/mnt/deb" \
    --bind="$repo/.build/deploy/apt-archives:/var/cache/apt/archives" >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
pid1=""
# The container's PID 1: nspawn's child, once it has become systemd.
find_pid1() {
    kill -0 "$nspawn_pid" 2>/dev/null || return 0
    pid1="$(pgrep -P "$nspawn_pid" -x systemd | head -1)"; [ -n "$pid1" ]
}
wait_until 30 find_pid1
if [ -z "$pid1" ]; then
    kill -0 "$nspawn_pid" 2>/dev/null || nspawn_pid=""
    skip "systemd-nspawn -b could not start a container here: $(tail -3 "$work/nspawn.log" | tr '\n' ' ')"
fi
in_ct() { nsenter -t "$pid1" -a -r -w "$@"; }
booted() {
    state="$(in_ct systemctl is-system-running 2>&1)"
    case "$state" in running|degraded) return 0 ;; esac
    kill -0 "$nspawn_pid" 2>/dev/null || return 0
    return 1
}
wait_until 90 booted
case "$state" in
    running|degraded) ok "the container's systemd booted ($state)" ;;
    *) skip "the container's systemd did not come up: '$state' $(tail -3 "$work/nspawn.log" | tr '\n' ' ')" ;;
esac
measure "boot to running (ms)" $(( $(now_ms) - t0 ))
show() { in_ct systemctl show "$1" -p "$2" --value; }
# journal_has PATTERN: a line of larpix-rawd.service's journal contains PATTERN (fixed string).
journal_has() { in_ct journalctl -u larpix-rawd.service -o cat >"$work/j.txt"; grep -F -- "$1" "$work/j.txt" >/dev/null; }

# --- install ---------------------------------------------------------------------------
t0=$(now_ms)
apt_install() { in_ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/mnt/deb/$(basename "$deb")" >"$work/apt.log" 2>&1; }
if ! apt_install; then
    # The root's package lists are as old as the cache: refresh them once.
    in_ct apt-get update -q >>"$work/apt.log" 2>&1
    apt_install
fi
if [ $? -eq 0 ]; then ok "apt installs the package and its Depends in a minbase Debian 12"; else fail "apt install: $(tail -5 "$work/apt.log")"; fi
measure "install (ms)" $(( $(now_ms) - t0 ))
check "the binaries run on the host's libraries only (no Swift toolchain in the container)" \
    in_ct /usr/bin/larpix-rawd --check-config /etc/larpix-rawd/larpix-rawd.yaml --quiet
check "postinst made the user larpix (sysusers)" eval "in_ct getent passwd larpix >/dev/null"
expect_eq "postinst made the state directory (tmpfiles)" "750 larpix larpix" "$(in_ct stat -c '%a %U %G' /var/lib/larpix-rawd)"
expect_eq "larpix-rawd.service enabled on install" enabled "$(in_ct systemctl is-enabled larpix-rawd.service)"
is_active() { [ "$(in_ct systemctl is-active "$1")" = active ]; }
check "larpix-rawd.service started on install (example config)" wait_until 30 is_active larpix-rawd.service
measure "after install" "$(in_ct systemctl show larpix-rawd.service -p ActiveState -p SubState -p NRestarts -p ExecMainStatus | tr '\n' ' ')"
in_ct systemctl stop larpix-rawd.service
in_ct rm -rf /var/lib/larpix-rawd/data

# --- config for the test: two boards on loopback, the metrics on a free port -----------
read -r -d '' p1 p2 mport < <(free_ports 3) || true
murl="http://127.0.0.1:$mport/metrics"
cat >"$work/test.yaml" <<EOF
# systemd-test.sh: two emulated boards on the host's loopback.
sources:
  - {endpoint: "tcp://127.0.0.1:$p1", io_group: 1, name: board1}
  - {endpoint: "tcp://127.0.0.1:$p2", io_group: 2, name: board2}
output:
  directory: ./data
  filename: "run_{seq}.h5"
  on_close: [/bin/ln, -t, /var/lib/larpix-rawd/outbox]   # the dropbox hand-off of docs/DEPLOY.md
flush_interval: 200ms
metrics: {listen: "127.0.0.1:$mport"}
EOF
in_ct tee /etc/larpix-rawd/larpix-rawd.yaml <"$work/test.yaml" >/dev/null
in_ct install -d -o larpix -g larpix -m 0750 /var/lib/larpix-rawd/outbox
in_ct mkdir -p /etc/systemd/system/larpix-rawd.service.d
printf '[Service]\n# systemd-test.sh: a shorter watchdog, as an operator would set it.\nWatchdogSec=5\n' \
    | in_ct tee /etc/systemd/system/larpix-rawd.service.d/50-watchdog.conf >/dev/null

# --- start: active only after READY=1 ----------------------------------------------------
# Control: without a notification socket (so no READY=1 can reach systemd) the start never
# completes. (NotifyAccess=none would not do: with WatchdogSec= systemd makes it main.)
printf '[Service]\nUnsetEnvironment=NOTIFY_SOCKET\nTimeoutStartSec=4\nRestart=no\n' \
    | in_ct tee /etc/systemd/system/larpix-rawd.service.d/60-no-notify.conf >/dev/null
in_ct systemctl daemon-reload
if in_ct systemctl start larpix-rawd.service 2>/dev/null; then
    fail "with no NOTIFY_SOCKET the start should time out, but it succeeded"
else
    expect_eq "with no way to send READY=1 (NOTIFY_SOCKET unset) the start times out, never active" timeout "$(show larpix-rawd.service Result)"
fi
in_ct rm /etc/systemd/system/larpix-rawd.service.d/60-no-notify.conf
in_ct systemctl daemon-reload
in_ct systemctl reset-failed larpix-rawd.service
in_ct sh -c 'rm -rf /var/lib/larpix-rawd/data /var/lib/larpix-rawd/outbox/*'

t0=$(now_ms)
if in_ct systemctl start larpix-rawd.service; then ok "systemctl start returns 0"; else fail "systemctl start failed: $(in_ct journalctl -u larpix-rawd -n 20 -o cat)"; fi
measure "systemctl start, wall (ms)" $(( $(now_ms) - t0 ))
expect_eq "active once systemctl start returns" active "$(in_ct systemctl is-active larpix-rawd.service)"
exec_us="$(show larpix-rawd.service ExecMainStartTimestampMonotonic)"
active_us="$(show larpix-rawd.service ActiveEnterTimestampMonotonic)"
ready_ms=$(( (active_us - exec_us) / 1000 ))
measure "start to READY under systemd: ExecStart fork to active (ms)" "$ready_ms"
check "active came after the main process started (READY=1 from it)" [ "$active_us" -gt "$exec_us" ]
# What the daemon does before READY=1 is done when systemctl start returns.
check "at READY the metrics answer" eval "metric $murl larpix_rawd_info >/dev/null"
check "at READY the first file exists in the state directory" in_ct test -f /var/lib/larpix-rawd/data/run_0000.h5
# writer_priority 5 (default): the unit's LimitNICE=-5 lets the daemon, with no capabilities, run
# its writer thread at nice -5 and the rest at 0. The kernel's word: field 19 of each task's stat
# (17 after "PID (COMM) ", which has spaces in it).
thread_nice() {  # thread_nice PID COMM-PREFIX: the nice of the first task whose name starts so
    in_ct sh -c 'for t in /proc/$1/task/*; do case "$(cat $t/comm)" in "$2"*) sed "s/.*) //" $t/stat | cut -d" " -f17; exit;; esac; done' sh "$1" "$2"
}
# systemd sets the limit as close to 25 as it can: where its own hard limit is lower (a container
# whose manager lacks CAP_SYS_RESOURCE) the daemon gets that, must say so once and write on.
main_pid="$(show larpix-rawd.service MainPID)"
nice_limit="$(in_ct sed -n 's/^Max nice priority *\([0-9]*\).*/\1/p' "/proc/$main_pid/limits")"
if [ "$nice_limit" = 25 ]; then
    expect_eq "under the unit (RLIMIT_NICE 25 from LimitNICE=-5) the writer thread runs at nice -5" -5 "$(thread_nice "$main_pid" "larpix-rawd wri")"
    expect_eq "metric writer_nice says the same" -5 "$(metric "$murl" larpix_rawd_writer_nice)"
else
    echo "systemd-test: this container's systemd could not raise RLIMIT_NICE (the daemon got $nice_limit, not 25): checking the refusal" >&2
    expect_eq "with RLIMIT_NICE $nice_limit the writer thread stays at nice 0" 0 "$(thread_nice "$main_pid" "larpix-rawd wri")"
    check "and the journal says what would allow nice -5" wait_until 10 journal_has "allow it with LimitNICE=-5 in the unit"
    expect_eq "metric writer_nice says 0" 0 "$(metric "$murl" larpix_rawd_writer_nice)"
fi
expect_eq "a receiver at the daemon's nice, 0" 0 "$(thread_nice "$main_pid" "larpix-rawd rec")"
has_status() { show larpix-rawd.service StatusText | grep 'msg/s' >/dev/null; }
check "STATUS= reaches systemd (systemctl status)" wait_until 10 has_status

# --- data -----------------------------------------------------------------------------
publish() {  # publish PORT OUT: a board at 5000 msg/s until SIGINT
    "$raw" publish --endpoint "tcp://127.0.0.1:$1" --rate 5000 --words 1-16 --seed "$1" --wait-subscriber 2 >"$2" 2>"$2.err" &
    pub_pids+=($!)
}
publish "$p1" "$work/pub1.out"
publish "$p2" "$work/pub2.out"
written_for() { local v; v="$(metric "$murl" larpix_rawd_messages_written_total io_group="$1")" && [ "${v:-0}" -gt "${2:-0}" ]; }
check "messages from both boards are written (metrics, per io_group)" wait_until 30 eval 'written_for 1 && written_for 2'
file_count() { in_ct /usr/bin/larpix-raw count "$1" 2>/dev/null; }
grown() { local n; n="$(file_count /var/lib/larpix-rawd/data/run_0000.h5)" && [ "${n:-0}" -gt 0 ]; }
check "the file in /var/lib/larpix-rawd/data grows (larpix-raw count on the live file)" wait_until 30 grown
expect_eq "files are the service user's, mode 0640" "640 larpix" "$(in_ct stat -c '%a %U' /var/lib/larpix-rawd/data/run_0000.h5)"

# --- reload rotates -------------------------------------------------------------------------
in_ct systemctl reload larpix-rawd.service
rotated() { in_ct test -f /var/lib/larpix-rawd/data/run_0001.h5 && [ "$(metric "$murl" larpix_rawd_file_rotations_total)" -ge 1 ]; }
check "systemctl reload rotates: run_0001.h5 appears" wait_until 30 rotated
# The link is made on a thread of its own, just after the file.
linked() { [ "$(in_ct readlink /var/lib/larpix-rawd/data/latest)" = run_0001.h5 ]; }
check "the latest link follows the rotation" wait_until 10 linked
check "run_0000.h5 has its sidecar after the rotation" wait_until 30 in_ct test -f /var/lib/larpix-rawd/data/run_0000.h5.json
check "on_close hands the closed file on under the sandbox (outbox/run_0000.h5, a hard link)" \
    wait_until 30 in_ct test /var/lib/larpix-rawd/outbox/run_0000.h5 -ef /var/lib/larpix-rawd/data/run_0000.h5
second_grows() { local n; n="$(metric "$murl" larpix_rawd_file_messages)" && [ "${n:-0}" -gt 0 ]; }
check "the new file takes messages" wait_until 30 second_grows

# --- stop drains ------------------------------------------------------------------------------
sent=0
for p in "${pub_pids[@]}"; do kill -INT "$p"; wait "$p"; done
pub_pids=()
for f in "$work/pub1.out" "$work/pub2.out"; do
    n="$(sed -n 's/.*: sent \([0-9]*\) messages.*/\1/p' "$f")"; sent=$(( sent + ${n:-0} ))
done
# The daemon has written all it received (buffer empty); then the stop. (What a publisher
# sends before a subscription reaches it is never delivered: PUB/SUB's rule, so the counts
# compared are the daemon's, and the files'.)
drained() {
    local r w
    r="$(metric "$murl" larpix_rawd_messages_received_total)" w="$(metric "$murl" larpix_rawd_messages_written_total)"
    [ "${r:-0}" -gt 0 ] && [ "$r" = "$w" ]
}
check "the daemon has written what it received (metrics)" wait_until 30 drained
expect_eq "no on_close failure" 0 "$(metric "$murl" larpix_rawd_on_close_failures_total)"
t0=$(now_ms)
in_ct systemctl stop larpix-rawd.service
measure "systemctl stop (drain), wall (ms)" $(( $(now_ms) - t0 ))
stopped="$(in_ct journalctl -u larpix-rawd.service -o cat | grep 'stopped: ' | tail -1)"
received="$(sed -n 's/.*stopped: \([0-9]*\) messages received, \([0-9]*\) written.*/\1/p' <<<"$stopped")"
written="$(sed -n 's/.*stopped: \([0-9]*\) messages received, \([0-9]*\) written.*/\2/p' <<<"$stopped")"
c1="$(file_count /var/lib/larpix-rawd/data/run_0000.h5)" c2="$(file_count /var/lib/larpix-rawd/data/run_0001.h5)"
nfiles="$(in_ct sh -c 'ls /var/lib/larpix-rawd/data/run_*.h5 | wc -l')"
check "the stop hands the last file on too (outbox/run_0001.h5)" in_ct test /var/lib/larpix-rawd/outbox/run_0001.h5 -ef /var/lib/larpix-rawd/data/run_0001.h5
measure "published by the two emulators" "$sent"
measure "daemon: received, written (its stopped: line)" "$received, $written"
measure "files: run_0000.h5 + run_0001.h5" "$c1 + $c2"
check "the daemon received messages, no more than were sent" [ "${received:-0}" -gt 0 -a "${received:-0}" -le "$sent" ]
expect_eq "systemctl stop drains: written = received" "$received" "$written"
expect_eq "nothing lost across the reload: run_0000 + run_0001 = written" "$written" "$(( ${c1:-0} + ${c2:-0} ))"
expect_eq "two files: one rotation" 2 "$nfiles"
sidecar_sum="$(in_ct sh -c 'cat /var/lib/larpix-rawd/data/run_000[01].h5.json' | python3 -c 'import json,sys; print(sum(json.loads(l)["metadata"]["larpix_rawd.messages"] for l in sys.stdin.read().replace("}\n{", "}\x00{").split("\x00")))' 2>/dev/null)"
expect_eq "the sidecars count the same messages" "$written" "$sidecar_sum"

# --- watchdog ----------------------------------------------------------------------------
in_ct systemctl start larpix-rawd.service
old_pid="$(show larpix-rawd.service MainPID)" old_file="$(in_ct readlink /var/lib/larpix-rawd/data/latest)"
restarts0="$(show larpix-rawd.service NRestarts)"
t0=$(now_ms)
in_ct systemctl kill -s SIGSTOP --kill-who=main larpix-rawd.service
restarted() {
    [ "$(show larpix-rawd.service NRestarts)" -gt "$restarts0" ] && [ "$(in_ct systemctl is-active larpix-rawd.service)" = active ] \
        && [ "$(show larpix-rawd.service MainPID)" != "$old_pid" ]
}
check "SIGSTOP: the watchdog kills the daemon and systemd restarts it" wait_until 60 restarted
measure "SIGSTOP to active again (ms; WatchdogSec=5, RestartSec=2)" $(( $(now_ms) - t0 ))
check "the journal says it was the watchdog" journal_has 'Watchdog timeout (limit 5s)' 
new_file="$(in_ct readlink /var/lib/larpix-rawd/data/latest)"
check "the restarted daemon writes a new file ($old_file, then $new_file)" [ -n "$new_file" -a "$new_file" != "$old_file" ]
in_ct systemctl stop larpix-rawd.service

# --- a bad config --------------------------------------------------------------------------
{ cat "$work/test.yaml"; echo "bogus_key: 1"; } | in_ct tee /etc/larpix-rawd/larpix-rawd.yaml >/dev/null
if in_ct systemctl start larpix-rawd.service 2>/dev/null; then fail "a bad config should fail the start"; else ok "a bad config fails systemctl start"; fi
check "ExecStartPre (--check-config) exited 78" eval "show larpix-rawd.service ExecStartPre | grep 'status=78 ' >/dev/null"
expect_eq "no restart scheduled (failed, not auto-restart)" "failed failed" "$(show larpix-rawd.service ActiveState) $(show larpix-rawd.service SubState)"
check "the journal names the bad key (one line from --check-config)" journal_has 'larpix-rawd.yaml: bogus_key: unknown key' 
in_ct tee /etc/larpix-rawd/larpix-rawd.yaml <"$work/test.yaml" >/dev/null
in_ct systemctl reset-failed larpix-rawd.service

# --- the journal --------------------------------------------------------------------------
in_ct journalctl -u larpix-rawd.service -o cat >"$work/journal.txt"
levels="$(grep -oE '^[0-9T:+-]+ (trace|debug|info|notice|warning|error|critical) larpix-rawd:' "$work/journal.txt" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')"
measure "journal lines of the daemon by level" "$levels"
grep -E '^[0-9T:+-]+ (warning|error|critical) larpix-rawd:' "$work/journal.txt" | sed 's/^/# journal: /' | head -20
check "journalctl -u larpix-rawd shows the daemon's lines with their levels" grep -qE '^[0-9T:+-]+ info larpix-rawd: .*ready: 2 source' "$work/journal.txt"

# --- instances of larpix-rawd@ ------------------------------------------------------------
read -r -d '' ma mb < <(free_ports 2) || true
for i in a b; do
    port=$ma src=$p1; [ $i = b ] && port=$mb src=$p2
    printf 'sources: [{endpoint: "tcp://127.0.0.1:%s", io_group: 1}]\nmetrics: {listen: "127.0.0.1:%s"}\n' "$src" "$port" \
        | in_ct tee "/etc/larpix-rawd/det$i.yaml" >/dev/null
done
if in_ct systemctl enable --now larpix-rawd@deta.service larpix-rawd@detb.service 2>"$work/enable.err"; then
    ok "systemctl enable --now larpix-rawd@deta larpix-rawd@detb"
else
    fail "enable instances: $(cat "$work/enable.err")"
fi
expect_eq "both instances active" "active active" "$(in_ct systemctl is-active larpix-rawd@deta.service larpix-rawd@detb.service | tr '\n' ' ' | sed 's/ $//')"
check "each instance has its state directory and file" in_ct test -f /var/lib/larpix-rawd/deta/data/latest -a -f /var/lib/larpix-rawd/detb/data/latest
expect_eq "instance state directories are the service user's" "750 larpix" "$(in_ct stat -c '%a %U' /var/lib/larpix-rawd/deta)"
check "each instance answers on its own metrics port" eval "metric http://127.0.0.1:$ma/metrics larpix_rawd_info >/dev/null && metric http://127.0.0.1:$mb/metrics larpix_rawd_info >/dev/null"
[ "$nice_limit" != 25 ] || expect_eq "an instance's writer thread runs at nice -5 too (larpix-rawd@.service's LimitNICE)" -5 "$(metric "http://127.0.0.1:$ma/metrics" larpix_rawd_writer_nice)"

# --- upgrade: the package again (dpkg runs postinst configure with the installed version) ---
pid_a="$(show larpix-rawd@deta.service MainPID)"
if in_ct dpkg -i "/mnt/deb/$(basename "$deb")" >"$work/upgrade.log" 2>&1; then ok "dpkg -i over the installed package (an upgrade)"; else fail "upgrade: $(tail -5 "$work/upgrade.log")"; fi
restarted_a() { is_active larpix-rawd@deta.service && [ "$(show larpix-rawd@deta.service MainPID)" != "$pid_a" ]; }
check "an upgrade restarts running instances (larpix-rawd@deta: a new main process, active)" wait_until 30 restarted_a
expect_eq "an upgrade leaves a stopped larpix-rawd.service stopped" inactive "$(in_ct systemctl is-active larpix-rawd.service)"
check "an upgrade keeps the admin's edits to the conffile" eval "in_ct cat /etc/larpix-rawd/larpix-rawd.yaml | cmp -s - '$work/test.yaml'"

# --- remove and purge ---------------------------------------------------------------------
in_ct systemctl start larpix-rawd.service
in_ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q larpix-rawd >"$work/remove.log" 2>&1
check "apt-get remove succeeds" grep -q 'Removing larpix-rawd' "$work/remove.log"
expect_eq "remove stops the service and the instances" "inactive inactive inactive" \
    "$(in_ct systemctl is-active larpix-rawd.service larpix-rawd@deta.service larpix-rawd@detb.service | tr '\n' ' ' | sed 's/ $//')"
check "remove takes the binaries" in_ct test ! -e /usr/bin/larpix-rawd
check "remove leaves the data" in_ct test -f /var/lib/larpix-rawd/data/run_0000.h5 -a -f /var/lib/larpix-rawd/deta/data/latest
check "remove leaves the config" in_ct test -f /etc/larpix-rawd/larpix-rawd.yaml
in_ct dpkg --purge larpix-rawd >"$work/purge.log" 2>&1
check "purge removes the conffile" in_ct test ! -e /etc/larpix-rawd/larpix-rawd.yaml
check "purge leaves the admin's instance configs" in_ct test -f /etc/larpix-rawd/deta.yaml
check "purge never removes data" in_ct test -f /var/lib/larpix-rawd/data/run_0000.h5 -a -f /var/lib/larpix-rawd/data/run_0001.h5

if [ "$failed" -gt 0 ]; then
    echo "# the journal of larpix-rawd.service (last 60 lines):"
    in_ct journalctl -u larpix-rawd.service -o short-monotonic --no-pager | grep -v 'thread priority' | tail -60 | sed 's/^/#   /'
fi
measure "whole test (ms)" $(( $(now_ms) - t_start ))
finish
