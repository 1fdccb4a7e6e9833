#!/usr/bin/env bash
# Builds the Debian package larpix-rawd_<version>_amd64.deb from this checkout:
#   scripts/package.sh [--out DIR] [--bin DIR] [-z LEVEL]
# - the version is DaemonVersion.string (Sources/LArPixIngest/Pipeline/DaemonVersion.swift); the top
#   entry of packaging/changelog must name it (a version bump needs a changelog entry);
# - both executables, release build with the Swift runtime linked statically
#   (swift build -c release --static-swift-stdlib), so the host needs no Swift toolchain;
#   --bin DIR packages the executables already built there instead (they must be static);
# - Depends: what dpkg-shlibdeps finds the two binaries link (Debian's HDF5, ZeroMQ, libsystemd,
#   zlib, libcrypto, libc...), nothing more;
# - built with dpkg-deb (no debhelper); the maintainer scripts in packaging/ are debhelper's
#   autoscripts for systemd, sysusers and tmpfiles, written out.
# -z LEVEL: xz level of the .deb (default 6, dpkg-deb's). On the 2-core CI machine, under load,
# level 6 took 82 s for 31.9 MB and level 2 33 s for 36.3 MB; scripts/test.sh uses 2.
# Prints the path of the .deb as its last line. Default DIR: .build/deb. Needs dpkg-dev
# (dpkg-shlibdeps) and binutils (strip): scripts/setup.sh --package installs them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/.build/deb" bin="" level=6
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift ;;
        --bin) bin="$2"; shift ;;
        -z) level="$2"; shift ;;
        *) echo "package.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
say() { echo "package.sh: $*" >&2; }
die() { say "$*"; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh --package)"
done

version="$(sed -n 's/.*static let string = "\([^"]*\)".*/\1/p' Sources/LArPixIngest/Pipeline/DaemonVersion.swift)"
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "no version in Sources/LArPixIngest/Pipeline/DaemonVersion.swift"
changelog_version="$(sed -n '1s/^larpix-rawd (\([^)]*\)).*/\1/p' packaging/changelog)"
[ "$changelog_version" = "$version" ] \
    || die "packaging/changelog starts with version '$changelog_version', the daemon is $version: add a changelog entry"
arch=amd64
[ "$(dpkg --print-architecture)" = "$arch" ] || die "builds $arch packages only (this host: $(dpkg --print-architecture))"
# Reproducible: every timestamp is the last commit's (or now, outside git).
SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
export SOURCE_DATE_EPOCH

if [ -z "$bin" ]; then
    t0=$(date +%s)
    # -z now: full RELRO (lintian hardening-no-bindnow), as Debian builds its binaries.
    flags=(-c release --static-swift-stdlib -Xlinker -z -Xlinker now)
    say "swift build ${flags[*]} (larpix-rawd, larpix-raw)"
    swift build "${flags[@]}" --product larpix-rawd >&2
    swift build "${flags[@]}" --product larpix-raw >&2
    bin="$(swift build "${flags[@]}" --show-bin-path)"
    say "release build: $(( $(date +%s) - t0 )) s"
fi
for exe in larpix-rawd larpix-raw; do
    [ -x "$bin/$exe" ] || die "$bin/$exe is not built"
    # Static Swift runtime: no libswift*.so / libFoundation*.so / libdispatch.so may be needed.
    if readelf -d "$bin/$exe" | grep -E 'NEEDED.*\[(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime)' >&2; then
        die "$bin/$exe links the Swift runtime dynamically: build with --static-swift-stdlib"
    fi
done

mkdir -p "$out"
stage="$out/stage" work="$out/work"
rm -rf "$stage" "$work"
mkdir -p "$stage/DEBIAN" "$work/debian"
umask 022
d() { install -d -m 0755 "$stage/$1"; }
f() { install -D -m "$1" "$2" "$stage/$3"; }

# Executables, stripped as dh_strip does (the Swift metadata sections stay).
for exe in larpix-rawd larpix-raw; do
    f 0755 "$bin/$exe" "usr/bin/$exe"
    strip --remove-section=.comment --remove-section=.note "$stage/usr/bin/$exe"
done

# Units: the files in systemd/ name /usr/local (an install by hand); the package's binaries
# are in /usr/bin and its README in /usr/share/doc.
for unit in larpix-rawd.service larpix-rawd@.service; do
    d lib/systemd/system
    sed -e 's#/usr/local/bin/#/usr/bin/#g' \
        -e 's#^Documentation=.*#Documentation=man:larpix-rawd(8) file:///usr/share/doc/larpix-rawd/README.md.gz file:///usr/share/doc/larpix-rawd/DEPLOY.md.gz#' \
        -e '/^# Install by hand:/,/^# *$/d' \
        "systemd/$unit" > "$stage/lib/systemd/system/$unit"
    chmod 0644 "$stage/lib/systemd/system/$unit"
    if grep -n '/usr/local' "$stage/lib/systemd/system/$unit" >&2; then die "$unit still names /usr/local"; fi
done
f 0644 systemd/larpix-rawd.sysusers usr/lib/sysusers.d/larpix-rawd.conf
f 0644 packaging/tmpfiles.conf usr/lib/tmpfiles.d/larpix-rawd.conf

# The example config, a conffile: an admin's edits survive upgrades.
f 0644 config/larpix-rawd.yaml etc/larpix-rawd/larpix-rawd.yaml

# Monitoring (Prometheus scrape config and alert rules, Grafana dashboard), uncompressed so
# that Prometheus and Grafana read them in place.
for m in prometheus.yml larpix-rawd.rules.yml grafana-dashboard.json; do f 0644 "monitoring/$m" "usr/share/larpix-rawd/monitoring/$m"; done

# Documentation, as dh_installdocs/dh_installchangelogs/dh_compress would lay it out.
doc=usr/share/doc/larpix-rawd
f 0644 packaging/copyright "$doc/copyright"
f 0644 README.md "$doc/README.md"
f 0644 docs/DEPLOY.md "$doc/DEPLOY.md"
f 0644 BENCHMARKS.md "$doc/BENCHMARKS.md"
f 0644 packaging/changelog "$doc/changelog"
gzip -9n "$stage/$doc/README.md" "$stage/$doc/DEPLOY.md" "$stage/$doc/BENCHMARKS.md" "$stage/$doc/changelog"
for page in larpix-rawd.8 larpix-raw.1; do
    section="${page##*.}"
    d "usr/share/man/man$section"
    sed "s/@VERSION@/$version/g" "packaging/$page" | gzip -9n > "$stage/usr/share/man/man$section/$page.gz"
    chmod 0644 "$stage/usr/share/man/man$section/$page.gz"
done
f 0644 packaging/lintian-overrides usr/share/lintian/overrides/larpix-rawd

# Depends: the shared libraries the binaries link, as Debian packages (dpkg-shlibdeps reads
# debian/control of a source tree; a minimal one in a scratch directory is enough).
printf 'Source: larpix-rawd\n\nPackage: larpix-rawd\nArchitecture: %s\n' "$arch" > "$work/debian/control"
depends="$(cd "$work" && dpkg-shlibdeps -O --warnings=7 -e"$stage/usr/bin/larpix-rawd" -e"$stage/usr/bin/larpix-raw" 2>"$work/shlibdeps.err" | sed -n 's/^shlibs:Depends=//p')" \
    || { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
if [ -s "$work/shlibdeps.err" ]; then sed 's/^/package.sh: dpkg-shlibdeps: /' "$work/shlibdeps.err" >&2; fi
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"

# Maintainer scripts and control files.
for s in postinst prerm postrm; do install -m 0755 "packaging/$s" "$stage/DEBIAN/$s"; done
echo /etc/larpix-rawd/larpix-rawd.yaml > "$stage/DEBIAN/conffiles"
find "$stage" -path "$stage/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
installed_size="$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<EOF
Package: larpix-rawd
Version: $version
Architecture: $arch
Maintainer: larpix-rawd maintainers <maintainers@users.noreply.r-seed-e9d8e533.example>
Installed-Size: $installed_size
Depends: $depends
Section: science
Priority: optional
Description: LArPix raw-data ingest daemon (PACMAN boards to SWMR HDF5)
 larpix-rawd subscribes to the PACMAN readout boards of LArPix pixel
 detectors (DUNE near detector DAQ) over ZeroMQ, tags every message with
 its board's io_group, and appends the messages to LArPix raw HDF5 files
 in SWMR mode, so that online monitors read a file while it grows. It runs
 as a hardened systemd service (larpix-rawd.service, or one instance of
 larpix-rawd@NAME per group of boards), exports Prometheus metrics, and
 hands every closed file, with a JSON sidecar of counts and checksums, to
 a program of the operator's choice.
 .
 larpix-raw inspects, verifies, merges, splits, repairs and follows raw
 files, and emulates a PACMAN board.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb="$out/larpix-rawd_${version}_${arch}.deb"
rm -f "$deb"
[[ "$level" =~ ^[0-9]$ ]] || die "-z takes a level 0-9"
dpkg-deb --root-owner-group -Zxz -z"$level" --threads-max="$(nproc)" --build "$stage" "$deb" >&2
say "Depends: $depends"
say "$(du -h "$deb" | cut -f1) $(basename "$deb"), installed $installed_size kB"
echo "$deb"
