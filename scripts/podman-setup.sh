#!/usr/bin/env bash
# Makes podman usable on machines that have no Docker engine and no reachable image registry
# (the dev machines and CI of this project), so the function image can be built and run by the
# real clients: podman, kpt (KPT_FN_RUNTIME=podman) and kustomize (through scripts/docker-shim/docker).
# scripts/build-image.sh then builds the function image; see the README, "Container image".
#
#   scripts/podman-setup.sh              prints CONTAINERS_CONF=<path> on stdout (progress on stderr)
#   source scripts/podman-setup.sh       also exports CONTAINERS_CONF in the calling shell
#
# Idempotent, every step is skipped when already done:
#   1. apt-get install podman runc busybox-static, only when podman is missing (needs root);
#   2. writes a containers.conf to $INJECT_SIDECARSETS_PODMAN_DIR (default
#      ${XDG_CACHE_HOME:-$HOME/.cache}/inject-sidecarsets/podman), outside the repository and /etc;
#   3. builds localhost/node-base:20 (or $NODE_BASE_IMAGE) from the host's own node, npm,
#      busybox and CA bundle, unless an image of that name built from the same node version exists.
#      It stands in for the pinned public node images the Dockerfile names; pass it with
#      --build-arg BUILD_BASE=localhost/node-base:20 --build-arg BASE=localhost/node-base:20.

podman_setup_dir=${INJECT_SIDECARSETS_PODMAN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/inject-sidecarsets/podman}
podman_setup_conf=$podman_setup_dir/containers.conf

# The body runs in a subshell so that sourcing this file does not leak `set -e` or traps into the caller.
podman_setup_run() (
  set -euo pipefail
  local dir=$1 conf=$2 image=${NODE_BASE_IMAGE:-localhost/node-base:20}
  log() { printf 'podman-setup: %s\n' "$*" >&2; }

  if ! command -v podman >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      log "podman is missing; as root run: apt-get install -y --no-install-recommends podman runc busybox-static"
      exit 1
    fi
    log "installing podman runc busybox-static"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc busybox-static >&2
  fi

  # crun rejects the mixed cgroup layout of these machines; podman's default rlimits are higher than a
  # container may raise here (nproc <= 32768; soft = hard for nofile because podman's Docker API swaps them).
  mkdir -p "$dir"
  local wanted
  wanted=$(printf '%s\n' \
    '[containers]' \
    'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
    '[engine]' \
    'runtime = "runc"' \
    'cgroup_manager = "cgroupfs"' \
    'events_logger = "file"')
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
    printf '%s\n' "$wanted" > "$conf"
    log "wrote $conf"
  fi
  # shellcheck disable=SC2030 # for the podman calls below; the caller's copy is exported at the end
  export CONTAINERS_CONF=$conf

  local node_bin node_version
  node_bin=$(readlink -f "$(command -v node)")
  node_version=$("$node_bin" --version)
  if [ "$(podman image inspect --format '{{ index .Config.Labels "node-version" }}' "$image" 2>/dev/null || true)" = "$node_version" ]; then
    exit 0
  fi

  log "building $image from the host's node $node_version"
  local ctx
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  local root=$ctx/rootfs
  mkdir -p "$root"/{bin,usr/bin,usr/lib,etc/ssl/certs,root,home}
  mkdir -m 1777 "$root/tmp"

  copy_with_libs() {
    local bin=$1 dest=$2
    install -D -m 0755 "$bin" "$root$dest"
    # Only absolute paths are libraries to copy (skips linux-vdso and "not a dynamic executable").
    ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
      [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
  }
  copy_with_libs "$node_bin" /usr/bin/node

  # A shell and coreutils for RUN steps, and /usr/bin/env for npm's `#!/usr/bin/env node`.
  local busybox
  busybox=$(command -v busybox || echo /bin/busybox)
  copy_with_libs "$(readlink -f "$busybox")" /bin/busybox
  local applet
  for applet in $("$busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -sf ../../bin/env "$root/usr/bin/env"

  local npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp -a "$npm_dir" "$root/usr/lib/npm-staging"
  mkdir -p "$root/usr/lib/node_modules"
  mv "$root/usr/lib/npm-staging" "$root/usr/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"

  # The host bundle also holds any TLS-intercepting proxy CA this machine needs to reach the npm registry.
  cp "$(readlink -f /etc/ssl/certs/ca-certificates.crt)" "$root/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$root/etc/group"

  printf '%s\n' 'FROM scratch' 'COPY rootfs/ /' 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    "LABEL node-version=$node_version" > "$ctx/Containerfile"
  podman build --network none --quiet -t "$image" -f "$ctx/Containerfile" "$ctx" >&2
  log "built $image"
)

if podman_setup_run "$podman_setup_dir" "$podman_setup_conf"; then
  # shellcheck disable=SC2031 # the subshell's export was its own; this one is the caller's
  export CONTAINERS_CONF=$podman_setup_conf
  if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    echo "CONTAINERS_CONF=$podman_setup_conf"
  fi
  unset -f podman_setup_run
  unset podman_setup_dir podman_setup_conf
else
  podman_setup_status=$?
  unset -f podman_setup_run
  unset podman_setup_dir podman_setup_conf
  # `return` works when sourced; when executed it fails and `exit` runs instead.
  # shellcheck disable=SC2317
  return "$podman_setup_status" 2>/dev/null || exit "$podman_setup_status"
fi
