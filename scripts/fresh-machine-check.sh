#!/usr/bin/env bash
# Proves that the README's two commands work on a new machine: makes a fresh
# Debian 12 (bookworm) root with debootstrap, from this machine's Debian apt
# sources, copies the checkout into it (tracked and untracked files, no build
# folders), and runs there, as root with a clean environment:
#
#   ./scripts/run-example.sh
#   ./scripts/test.sh            (SEQFUSE_FRESH_TEST_ARGS are passed on)
#
# printing how long each took and its last line of output. The root has
# nothing installed by hand and no /usr/local/cuda, so a package that
# scripts/setup.sh forgets, or a test that needs CUDA, fails here.
#
# Usage: scripts/fresh-machine-check.sh [WORK_DIR]   (default /var/tmp/seqfuse-fresh)
# Needs root, debootstrap (installed if missing) and ~12 GB of disk. Downloaded
# .deb files are kept in WORK_DIR/apt-archives between runs (only the
# download is cached; every run installs into a new root).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
work=${1:-/var/tmp/seqfuse-fresh}
root="$work/root"
logs="$work/logs"

[ "$(id -u)" = 0 ] || { echo "fresh-machine-check: run as root"; exit 2; }
if ! command -v debootstrap > /dev/null; then
  echo "fresh-machine-check: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap \
    > /dev/null || { apt-get update > /dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap > /dev/null; }
fi

# This machine's Debian mirror (deb822 or one-line sources).
mirror=$(grep -hE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 |
         awk '{print $2}')
[ -n "$mirror" ] || mirror=$(grep -hE '^deb .*/debian/? bookworm' /etc/apt/sources.list \
                               2>/dev/null | head -1 | awk '{print $2}')
mirror=${mirror:-http://deb.debian.org/debian}

mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounted+=("$2"); }

mkdir -p "$work/apt-archives/partial" "$logs"
# A root left by an interrupted run may still have /proc, /dev, ... bound in:
# unmount them first, and never let rm cross into a mount.
awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r |
  while read -r m; do umount -l "$m"; done
if awk -v r="$root/" 'index($2, r) == 1 {found = 1} END {exit !found}' /proc/mounts; then
  echo "FAIL: cannot unmount what an earlier run mounted under $root"; exit 1
fi
rm -rf --one-file-system "$root"
elapsed() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

echo "== debootstrap bookworm from $mirror into $root"
t0=$SECONDS
debootstrap --variant=minbase --cache-dir="$work/apt-archives" bookworm "$root" "$mirror" \
  > "$logs/debootstrap.log" 2>&1 || { tail -20 "$logs/debootstrap.log"; exit 1; }
echo "   $(elapsed $((SECONDS - t0))): $(tail -1 "$logs/debootstrap.log")"

# The same Debian sources as this machine (bookworm, -updates, -security:
# LLVM/MLIR 22 come from bookworm-security); nothing else.
rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
  [ -f "$f" ] || continue
  if grep -qE 'debian(-security)?/?$|debian(-security)?/? ' "$f" &&
     ! grep -qE 'nodesource|google|cuda|nvidia' "$f"; then
    cp "$f" "$root$f"
  fi
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
if [ -e "$root/usr/local/cuda" ]; then
  echo "FAIL: the fresh root has /usr/local/cuda"; exit 1
fi

echo "== copy the checkout (tracked + untracked, not ignored) to /work/seqfuse"
mkdir -p "$root/work/seqfuse"
git -C "$src" ls-files -z --cached --others --exclude-standard |
  (cd "$src" && tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$root/work/seqfuse"

bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
bind /dev/pts "$root/dev/pts"
bind "$work/apt-archives" "$root/var/cache/apt/archives"

run() { # name, command
  local name=$1 cmd=$2 t=$SECONDS rc=0
  echo "== $cmd (in the fresh root)"
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb CI=true SEQFUSE_JOBS="$(nproc)" \
    /bin/bash -c "cd /work/seqfuse && $cmd" > "$logs/$name.log" 2>&1 || rc=$?
  local last
  last=$(grep -v '^[[:space:]]*$' "$logs/$name.log" | tail -1)
  echo "   $(elapsed $((SECONDS - t))), exit $rc, last line: $last"
  [ $rc = 0 ] || { echo "--- last 40 lines of $logs/$name.log"; tail -40 "$logs/$name.log"; }
  return $rc
}

status=0
run run-example "./scripts/run-example.sh" || status=1
if [ $status = 0 ]; then
  run test "./scripts/test.sh ${SEQFUSE_FRESH_TEST_ARGS:-}" || status=1
fi
echo "logs: $logs"
if [ $status = 0 ]; then
  echo "fresh-machine-check: passed (Debian $(cat "$root/etc/debian_version"), no /usr/local/cuda)"
else
  echo "fresh-machine-check: FAILED"
fi
exit $status
