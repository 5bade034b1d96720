#!/usr/bin/env bash
# Builds the function image from this checkout under its one name,
# ghcr.io/inject-sidecarsets/inject-sidecarsets:v<version> (version: package.json; README, catalog entry,
# deploy/argocd), with podman and the local base image of scripts/podman-setup.sh: the way to build
# it on a machine without an image registry (this project's dev machines and CI). With a registry,
# `docker build -t <that name> .` builds the same image on the pinned public base images.
#
#   scripts/build-image.sh        prints the image name on stdout; podman's progress goes to stderr
#
# Runs scripts/podman-setup.sh itself (idempotent). To run the image with podman, kpt or kustomize
# afterwards, `source scripts/podman-setup.sh` in that shell first: podman needs its CONTAINERS_CONF.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
image=ghcr.io/inject-sidecarsets/inject-sidecarsets:v$version

# shellcheck source=podman-setup.sh
source "$root/scripts/podman-setup.sh"
base=${NODE_BASE_IMAGE:-localhost/node-base:20}

# `npm ci` in the build stage reaches the npm registry: host network, and the host's CA bundle
# (inside the local base image) for a TLS-intercepting proxy.
ca=/etc/ssl/certs/ca-certificates.crt
podman build --network host \
  --build-arg "BUILD_BASE=$base" --build-arg "BASE=$base" \
  --build-arg "NPM_CONFIG_CAFILE=$ca" --build-arg "NODE_EXTRA_CA_CERTS=$ca" \
  -t "$image" -f "$root/Dockerfile" "$root" >&2
echo "$image"
