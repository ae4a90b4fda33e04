#!/usr/bin/env bash
# Installs and configures the system parts Clockwork's tests use: podman (with a
# local busybox image, since no registry is reachable), bubblewrap, OpenSSH
# server, PostgreSQL, ansible, and zsh and fish (the completion tests).
# Idempotent, quiet on success; run as root.
# See docs/SYSTEM.md for why each setting is there.
set -euo pipefail

readonly IMAGE="localhost/clockwork-test/busybox:latest"
readonly CONTAINERS_CONF="/etc/containers/containers.conf"
readonly PACKAGES=(podman runc busybox-static bubblewrap openssh-server postgresql sqlite3 ansible zsh fish)

say() { printf 'install-system-deps: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# Runs a command silently, showing its output only when it fails.
quietly() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    die "command failed: $*"
  fi
}

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs Debian packages)"
command -v apt-get >/dev/null || die "apt-get not found; this script supports Debian/Ubuntu only"

install_packages() {
  local missing=() pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  say "installing ${missing[*]}"
  quietly apt-get update
  quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
}

# The container's rlimits must not exceed what this process may set: without
# CAP_SYS_RESOURCE (common in VMs and CI sandboxes) runc cannot raise a hard limit,
# and podman lowers its own nproc to 32768 before starting conmon.
limit_at_most() {
  local hard=$1 cap=$2
  if [[ $hard == unlimited ]] || ((hard > cap)); then echo "$cap"; else echo "$hard"; fi
}

configure_podman() {
  local nofile nproc want
  nofile=$(limit_at_most "$(ulimit -Hn)" 65536)
  nproc=$(limit_at_most "$(ulimit -Hu)" 32768)
  want=$(
    cat <<EOF
# Written by clockwork scripts/install-system-deps.sh (see docs/SYSTEM.md).
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  )
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  if [[ ! -f $CONTAINERS_CONF ]] || [[ $(cat "$CONTAINERS_CONF") != "$want" ]]; then
    if [[ -f $CONTAINERS_CONF ]] && ! grep -q '^# Written by clockwork' "$CONTAINERS_CONF"; then
      cp "$CONTAINERS_CONF" "$CONTAINERS_CONF.before-clockwork"
      say "saved the previous $CONTAINERS_CONF as $CONTAINERS_CONF.before-clockwork"
    fi
    printf '%s\n' "$want" >"$CONTAINERS_CONF"
  fi
}

build_image() {
  podman image exists "$IMAGE" && return 0
  local busybox root
  busybox=$(command -v busybox || true)
  [[ -n $busybox ]] || die "busybox not found after installing busybox-static"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/tmp" "$root/www" "$root/etc"
  cp "$busybox" "$root/bin/busybox"
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
  done
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -cf "$root.tar" .
  quietly podman import \
    --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
    "$root.tar" "$IMAGE"
  rm -f "$root.tar"
}

smoke_test() {
  local out
  out=$(podman run --rm --network none "$IMAGE" /bin/sh -c 'echo ok' 2>&1) ||
    die "podman cannot run $IMAGE: $out"
  [[ $out == ok ]] || die "podman run printed '$out' instead of 'ok'"
}

install_packages
command -v runc >/dev/null || die "runc missing after install"
configure_podman
build_image
smoke_test
# OpenSSH refuses to start without its privilege-separation directory (a tmpfs path).
mkdir -p /run/sshd
chmod 0755 /run/sshd
