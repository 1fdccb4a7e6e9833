#!/usr/bin/env bash
# Prints the path of a minimal Debian 12 root for systemd-nspawn -b, made once with debootstrap
# and cached under .build/ (tests boot it with --volatile=overlay, so the cache stays pristine).
#   tests/deploy/debian-root.sh [DIR]      default DIR: .build/deploy/bookworm-root
# The root is built under DIR.tmp and renamed when complete, so a cache that exists is whole.
# Mirror: the host's apt mirror (deb.debian.org unless DEBOOTSTRAP_MIRROR says otherwise).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-$PWD/.build/deploy/bookworm-root}"
stamp="$dir/.larpix-root-complete"
if [ -f "$stamp" ]; then echo "$dir"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is not installed (scripts/setup.sh)" >&2; exit 1; }
mirror="${DEBOOTSTRAP_MIRROR:-http://deb.debian.org/debian}"
tmp="$dir.tmp"
# A debootstrap that was stopped half-way leaves /proc, /sys (and more) mounted in its root.
if [ -d "$tmp" ]; then
    awk -v t="$tmp/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
fi
rm -rf "$tmp" "$dir"
mkdir -p "$(dirname "$dir")"
start=$(date +%s)
echo "debian-root: debootstrap bookworm into $dir (about a minute)" >&2
if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1; then
    tail -20 "$tmp.log" >&2
    echo "debian-root: debootstrap failed (log: $tmp.log)" >&2
    exit 1
fi
# Nothing in the container needs the network or a console getty; a machine-id makes journald
# keep a persistent-looking journal under /var/log/journal for journalctl -u.
rm -f "$tmp/etc/machine-id"; : > "$tmp/etc/machine-id"
mkdir -p "$tmp/var/log/journal"
rm -rf "$tmp"/var/cache/apt/archives/*.deb
touch "$tmp/.larpix-root-complete"
mv "$tmp" "$dir"
rm -f "$tmp.log"
echo "debian-root: made in $(( $(date +%s) - start )) s" >&2
echo "$dir"
