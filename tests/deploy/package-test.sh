#!/usr/bin/env bash
# The .deb that scripts/package.sh built, checked without installing it:
#   tests/deploy/package-test.sh DEB
# name and version (DaemonVersion.swift), control fields, contents and modes, the conffile,
# Depends = exactly the Debian packages that hold the libraries the binaries link (found again
# here with ldd and dpkg -S, independently of dpkg-shlibdeps), the Swift runtime linked
# statically, the packaged units (no /usr/local, systemd-analyze verify, exposure <= 2.0), and
# lintian: no tag at any level (--pedantic --display-info) that packaging/lintian-overrides
# does not explain.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$here/lib.sh"
deb="${1:?usage: package-test.sh DEB}"
t_start=$(now_ms)
work="$(mktemp -d /tmp/larpix-package.XXXXXX)"
trap 'rm -rf "$work"' EXIT

version="$(sed -n 's/.*static let string = "\([^"]*\)".*/\1/p' "$repo/Sources/LArPixIngest/Pipeline/DaemonVersion.swift")"
expect_eq "file name" "larpix-rawd_${version}_amd64.deb" "$(basename "$deb")"
field() { dpkg-deb -f "$deb" "$1"; }
expect_eq "Package" larpix-rawd "$(field Package)"
expect_eq "Version (DaemonVersion.string)" "$version" "$(field Version)"
expect_eq "Architecture" amd64 "$(field Architecture)"
depends="$(field Depends)"
measure "Depends" "$depends"
measure ".deb size" "$(du -h "$deb" | cut -f1) ($(stat -c %s "$deb") bytes), Installed-Size $(field Installed-Size) kB"

dpkg-deb -x "$deb" "$work/x"
dpkg-deb -e "$deb" "$work/ctl"
for p in usr/bin/larpix-rawd usr/bin/larpix-raw lib/systemd/system/larpix-rawd.service lib/systemd/system/larpix-rawd@.service \
         usr/lib/sysusers.d/larpix-rawd.conf usr/lib/tmpfiles.d/larpix-rawd.conf etc/larpix-rawd/larpix-rawd.yaml \
         usr/share/doc/larpix-rawd/copyright usr/share/doc/larpix-rawd/changelog.gz usr/share/doc/larpix-rawd/README.md.gz \
         usr/share/doc/larpix-rawd/DEPLOY.md.gz usr/share/man/man8/larpix-rawd.8.gz usr/share/man/man1/larpix-raw.1.gz \
         usr/share/larpix-rawd/monitoring/prometheus.yml usr/share/larpix-rawd/monitoring/larpix-rawd.rules.yml \
         usr/share/larpix-rawd/monitoring/grafana-dashboard.json; do
    [ -e "$work/x/$p" ] || fail "missing /$p"
done
ok "contents: binaries, units, sysusers, tmpfiles, config, docs, man pages, monitoring"
expect_eq "conffiles" /etc/larpix-rawd/larpix-rawd.yaml "$(cat "$work/ctl/conffiles")"
expect_eq "owners and modes (root, 0755 binaries and dirs, 0644 files)" "" \
    "$(dpkg-deb -c "$deb" | awk '$2 != "root/root" { print; next } $1 ~ /^d/ { if ($1 != "drwxr-xr-x") print; next } $6 ~ /^\.\/usr\/bin\// { if ($1 != "-rwxr-xr-x") print; next } $1 != "-rw-r--r--" { print }')"
for s in postinst prerm postrm; do check "maintainer script $s is executable and sh -n clean" sh -n "$work/ctl/$s"; done

# Depends, again: every NEEDED library of both binaries -> its file (ldd) -> its package (dpkg -S).
# Only the binaries' own NEEDED entries (readelf), not what those libraries need in turn.
needed_pkgs="$(for b in larpix-rawd larpix-raw; do
        ldd "$work/x/usr/bin/$b" >"$work/ldd.txt"
        readelf -d "$work/x/usr/bin/$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r name; do
            path="$(awk -v n="$name" '$1 == n && $3 ~ /^\// {print $3} $1 ~ "/"n"$" {print $1}' "$work/ldd.txt" | head -1)"
            dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path"
        done
    done | cut -d: -f1 | sort -u | tr '\n' ' ' | sed 's/ $//')"
depends_pkgs="$(tr ',' '\n' <<<"$depends" | sed 's/(.*//; s/ //g' | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "Depends names exactly the packages of the linked libraries (ldd, dpkg -S)" "$needed_pkgs" "$depends_pkgs"
for b in larpix-rawd larpix-raw; do
    if readelf -d "$work/x/usr/bin/$b" | grep -qE 'NEEDED.*(libswift|Foundation|libdispatch|BlocksRuntime)'; then fail "$b links the Swift runtime dynamically"; else ok "$b: Swift runtime linked statically"; fi
done
expect_eq "larpix-rawd --version" "$version" "$("$work/x/usr/bin/larpix-rawd" --version 2>&1)"
check "the packaged example config passes --check-config" eval "'$work/x/usr/bin/larpix-rawd' --check-config '$work/x/etc/larpix-rawd/larpix-rawd.yaml' --quiet"

# The packaged units.
for u in larpix-rawd.service larpix-rawd@.service; do
    f="$work/x/lib/systemd/system/$u"
    if grep -n /usr/local "$f"; then fail "$u names /usr/local"; else ok "$u: no /usr/local"; fi
    check "$u: ExecStart=/usr/bin/larpix-rawd" grep -q '^ExecStart=/usr/bin/larpix-rawd --config /etc/larpix-rawd/' "$f"
done
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$work/units"
    sed "s#/usr/bin/larpix-rawd#$work/x/usr/bin/larpix-rawd#g" "$work/x/lib/systemd/system/larpix-rawd.service" >"$work/units/larpix-rawd.service"
    sed "s#/usr/bin/larpix-rawd#$work/x/usr/bin/larpix-rawd#g" "$work/x/lib/systemd/system/larpix-rawd@.service" >"$work/units/larpix-rawd@det1.service"
    for u in larpix-rawd.service larpix-rawd@det1.service; do
        out="$(systemd-analyze verify "$work/units/$u" 2>&1)"
        # (Documentation=man:larpix-rawd(8) is checked with man(1), which finds no page on this host.)
        expect_eq "systemd-analyze verify $u" "" "$(grep -v "Command 'man larpix-rawd(8)' failed" <<<"$out")"
        score="$(systemd-analyze security --offline=true --no-pager "$work/units/$u" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')"
        measure "$u exposure" "$score"
        check "$u exposure $score <= 2.0" python3 -c "import sys; sys.exit(0 if 0 < float('$score') <= 2.0 else 1)"
    done
else
    fail "systemd-analyze is missing (apt-get install systemd)"
fi

# lintian.
if command -v lintian >/dev/null; then
    t0=$(now_ms)
    lintian --pedantic --display-info --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1
    rc=$?
    tags="$(grep -E '^[EWIPX]: ' "$work/lintian.txt")"
    measure "lintian (ms)" $(( $(now_ms) - t0 ))
    measure "lintian overrides used" "$(grep -c '^larpix-rawd:' "$repo/packaging/lintian-overrides") (packaging/lintian-overrides)"
    if [ $rc -eq 0 ] && [ -z "$tags" ]; then ok "lintian --pedantic --display-info: no tags (overrides explained in packaging/lintian-overrides)"
    else fail "lintian (exit $rc): $tags"; fi
else
    fail "lintian is missing (apt-get install lintian)"
fi
measure "whole test (ms)" $(( $(now_ms) - t_start ))
finish
