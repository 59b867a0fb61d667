#!/usr/bin/env bash
# Builds the container images that integration tests and the local compose setup use, from
# Debian packages only: no container registry is reachable from our machines, so nothing can be
# pulled. Idempotent: an image whose tag exists and whose inputs are unchanged is left alone, and
# the debootstrap root filesystems are cached under /var/tmp so that a rebuild (after an edit
# here, or after the Docker data was wiped) skips the slow part.
#
# Images (prefix from ISTHMUS_IMAGE_PREFIX, default "isthmus-local"):
#   $PREFIX/postgres:15        PostgreSQL 15, same env contract as the official image
#   $PREFIX/nats:2.9           FROM scratch: nats-server + libc + dynamic loader
#   $PREFIX/nettools:bookworm  bird2, gobgpd, bind9, dig/nsupdate, iproute2, procps, netcat
#
# Also makes sure a Docker engine is installed and running (installs docker.io and starts
# dockerd without systemd when needed). Must run as root.
#
# Environment:
#   ISTHMUS_IMAGE_PREFIX   image name prefix (default isthmus-local)
#   ISTHMUS_IMAGE_CACHE    rootfs cache directory (default /var/tmp/isthmus-images)
#   ISTHMUS_DEBIAN_MIRROR  Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   ISTHMUS_DOCKERD_LOG    where a dockerd started here logs (default /var/log/isthmus-dockerd.log)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=${ISTHMUS_IMAGE_PREFIX:-isthmus-local}
CACHE=${ISTHMUS_IMAGE_CACHE:-/var/tmp/isthmus-images}
MIRROR=${ISTHMUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKERD_LOG=${ISTHMUS_DOCKERD_LOG:-/var/log/isthmus-dockerd.log}
SUITE=bookworm

# Package lists; a change here invalidates the cached rootfs (see rootfs()).
PG_PACKAGES=postgresql-15
NET_PACKAGES=bird2,gobgpd,bind9,bind9-dnsutils,iproute2,procps,netcat-openbsd

# BuildKit needs buildx, which Debian's docker.io does not ship; the legacy builder is enough for
# these Dockerfiles.
export DOCKER_BUILDKIT=0
export DEBIAN_FRONTEND=noninteractive

now() { date +%s.%N; }
START=$(now)
log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
# Runs "$@" and prints how long it took, so slow steps are visible in CI logs.
timed() {
  local label=$1 t0
  shift
  t0=$(now)
  log "$label ..."
  # Not inside an `if`: there `set -e` would be off for the whole function being timed. A failure
  # ends the script here, and the EXIT trap below says so.
  "$@"
  log "$label done in $(elapsed "$t0")"
}

# quiet LOG CMD...: CMD's output goes to LOG, and its tail to stderr if CMD fails.
quiet() {
  local out=$1 rc=0
  shift
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    echo "--- last lines of $out:" >&2
    tail -n 40 "$out" >&2
  fi
  return "$rc"
}

on_exit() {
  local rc=$?
  if [ "$rc" != 0 ]; then log "FAILED (exit $rc) after $(elapsed "$START")" >&2; fi
}
trap on_exit EXIT

if [ "$(id -u)" != 0 ]; then
  echo "scripts/images/build.sh must run as root (it installs packages, starts dockerd, runs debootstrap)" >&2
  exit 1
fi

apt_install() {
  # A fresh machine has empty or stale package lists: update once, before the first install
  # (.ci/run exports the marker when it has already updated).
  if [ -z "${ISTHMUS_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export ISTHMUS_APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

ensure_docker() {
  if ! command -v dockerd >/dev/null 2>&1; then
    timed "apt-get install docker.io" apt_install docker.io
  fi
  if docker_ok; then return 0; fi
  # No systemd on these machines: start the daemon by hand. setsid + nohup detach it from this
  # script's session, so it outlives the CI step (and a job runner killing our process group).
  # 9>&-: the daemon must not inherit the lock below, or it would hold it for its whole life.
  log "starting dockerd (log: $DOCKERD_LOG)"
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 120); do
    if docker_ok; then
      log "dockerd answers after ~$((i / 2))s"
      return 0
    fi
    sleep 0.5
  done
  echo "dockerd did not come up within 60s; last lines of $DOCKERD_LOG:" >&2
  tail -n 30 "$DOCKERD_LOG" >&2 || true
  exit 1
}

# An image is rebuilt when what it is made from changed, not only when its tag is missing: a
# reused machine keeps its images, and a stale one would hide an edit to a Dockerfile or to the
# entrypoint. The hash covers this script (package lists, trimming) and the image's own files;
# it is stored as a label on the image.
LABEL=org.isthmus.image-inputs
inputs_hash() { cat "$HERE/build.sh" "$@" | sha256sum | cut -c1-16; }
image_current() { # TAG HASH
  [ "$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null)" = "$2" ]
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
# drop_replaced OLD_ID TAG: after a rebuild, the previous image would linger untagged; remove it
# (and its untagged base). Best effort: a container may still use it.
drop_replaced() {
  if [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ]; then docker rmi "$1" >/dev/null 2>&1 || true; fi
}

# rootfs DIR PACKAGES: a minimal Debian root filesystem with PACKAGES, cached in DIR. debootstrap
# writes into DIR.tmp and is renamed only on success, so an interrupted run never leaves a
# half-built tree that a later run would trust. DIR/.isthmus-packages records what it holds.
rootfs() {
  local dir=$1 packages=$2
  if [ -d "$dir" ] && [ "$(cat "$dir/.isthmus-packages" 2>/dev/null)" = "$SUITE $packages" ]; then
    log "rootfs $(basename "$dir"): cached"
    return 0
  fi
  command -v debootstrap >/dev/null 2>&1 || timed "apt-get install debootstrap" apt_install debootstrap
  rm -rf "$dir" "$dir.tmp"
  timed "debootstrap $(basename "$dir") ($packages)" quiet "$dir.log" \
    debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir.tmp" "$MIRROR"
  # Package caches and documentation are dead weight in an image.
  rm -rf "$dir.tmp"/var/cache/apt/archives/*.deb "$dir.tmp"/var/lib/apt/lists/* \
    "$dir.tmp"/usr/share/doc/* "$dir.tmp"/usr/share/man/* "$dir.tmp"/usr/share/info/*
  # debootstrap copies the host's resolver config; containers get theirs from Docker.
  : >"$dir.tmp/etc/resolv.conf"
  printf '%s\n' "$SUITE $packages" >"$dir.tmp/.isthmus-packages"
  mv "$dir.tmp" "$dir"
}

# import_rootfs DIR TAG [EXCLUDE...]: the directory as a single-layer base image.
import_rootfs() {
  local dir=$1 tag=$2
  shift 2
  local excludes=() e
  for e in "$@"; do excludes+=("--exclude=.$e"); done
  tar --numeric-owner --exclude=./.isthmus-packages "${excludes[@]}" -C "$dir" -c . |
    docker import - "$tag" >/dev/null
}

build_postgres() {
  local tag=$PREFIX/postgres:15 base=$PREFIX/rootfs-postgres:$SUITE hash old
  hash=$(inputs_hash "$HERE"/postgres/*)
  if image_current "$tag" "$hash"; then log "$tag: up to date"; return 0; fi
  old=$(image_id "$tag")
  rootfs "$CACHE/rootfs-postgres" "$PG_PACKAGES"
  # Left out: the cluster Debian's postinst created (the entrypoint runs initdb itself, like the
  # official image); LLVM and its z3 dependency, which only serve JIT (~130 MB; PostgreSQL simply
  # runs without JIT); message translations and locale sources (~70 MB; we run in C.UTF-8).
  timed "import $base" import_rootfs "$CACHE/rootfs-postgres" "$base" \
    /etc/postgresql/15/main /var/lib/postgresql/15/main \
    /usr/lib/postgresql/15/lib/bitcode /usr/lib/postgresql/15/lib/llvmjit.so \
    /usr/lib/postgresql/15/lib/llvmjit_types.bc '/usr/lib/x86_64-linux-gnu/libLLVM-*' \
    '/usr/lib/x86_64-linux-gnu/libz3.so*' /usr/share/locale /usr/share/i18n
  timed "docker build $tag" quiet "$CACHE/build-postgres.log" \
    docker build --build-arg "BASE_IMAGE=$base" --label "$LABEL=$hash" -t "$tag" "$HERE/postgres"
  drop_replaced "$old" "$tag"
}

build_nats() {
  local tag=$PREFIX/nats:2.9 bin ctx lib hash old
  if ! command -v nats-server >/dev/null 2>&1; then
    timed "apt-get install nats-server" apt_install nats-server
  fi
  bin=$(command -v nats-server)
  hash=$(inputs_hash "$HERE"/nats/* "$bin")
  if image_current "$tag" "$hash"; then log "$tag: up to date"; return 0; fi
  old=$(image_id "$tag")
  ctx=$(mktemp -d "$CACHE/nats-build.XXXXXX")
  mkdir -p "$ctx/root/usr/sbin" "$ctx/root/tmp"
  chmod 1777 "$ctx/root/tmp" # JetStream's default store directory is under /tmp
  cp -L "$bin" "$ctx/root/usr/sbin/nats-server"
  # Whatever the binary links against (libc and the loader today), at the same paths.
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$ctx/root$(dirname "$lib")"
    cp -L "$lib" "$ctx/root$lib"
  done
  cp "$HERE/nats/Dockerfile" "$ctx/Dockerfile"
  timed "docker build $tag" quiet "$CACHE/build-nats.log" docker build --label "$LABEL=$hash" -t "$tag" "$ctx"
  rm -rf "$ctx"
  drop_replaced "$old" "$tag"
}

build_nettools() {
  local tag=$PREFIX/nettools:$SUITE base=$PREFIX/rootfs-nettools:$SUITE hash old
  hash=$(inputs_hash "$HERE"/nettools/*)
  if image_current "$tag" "$hash"; then log "$tag: up to date"; return 0; fi
  old=$(image_id "$tag")
  rootfs "$CACHE/rootfs-nettools" "$NET_PACKAGES"
  timed "import $base" import_rootfs "$CACHE/rootfs-nettools" "$base" /usr/share/locale /usr/share/i18n
  timed "docker build $tag" quiet "$CACHE/build-nettools.log" \
    docker build --build-arg "BASE_IMAGE=$base" --label "$LABEL=$hash" -t "$tag" "$HERE/nettools"
  drop_replaced "$old" "$tag"
}

mkdir -p "$CACHE"
# Two runs at once (a developer and a CI step) would debootstrap into the same directories.
exec 9>"$CACHE/.lock"
flock 9

timed "docker engine" ensure_docker
timed "image $PREFIX/nats:2.9" build_nats
timed "image $PREFIX/postgres:15" build_postgres
timed "image $PREFIX/nettools:$SUITE" build_nettools
log "all images ready in $(elapsed "$START")"
