# Container image of the inject-sidecarsets KRM function, for kpt (`image:`) and kustomize (`container:`).
#
#   docker build -t ghcr.io/inject-sidecarsets/inject-sidecarsets:v0.1.0 .
#
# Both base images are build args so that a machine without a registry can substitute a local image:
# scripts/build-image.sh builds this file under the same name with podman and the local base image
# of scripts/podman-setup.sh (--build-arg BUILD_BASE=localhost/node-base:20 --build-arg BASE=…).
# Works with the legacy Docker builder too: no BuildKit-only syntax.
ARG BUILD_BASE=docker.io/library/node:20.20.2-bookworm-slim
ARG BASE=docker.io/library/node:20.20.2-alpine3.23

FROM ${BUILD_BASE} AS build
# Unset unless given: only needed behind a TLS-intercepting proxy, as a path inside BUILD_BASE.
ARG NPM_CONFIG_CAFILE
ARG NODE_EXTRA_CA_CERTS
WORKDIR /src
# The dependency layer is cached until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --no-update-notifier
COPY . .
# The bundle is an ES module with a .js name: node needs "type": "module" beside it.
RUN npm run build && echo '{"type": "module"}' > dist/package.json

# The bundle has no runtime dependencies: the final image is node plus the bundle.
FROM ${BASE}
COPY --from=build /src/dist/inject-sidecarsets.js /src/dist/package.json /fn/
# nobody, numeric so that Kubernetes' runAsNonRoot can verify it; kpt and kustomize also pass --user nobody.
USER 65534:65534
ENTRYPOINT ["node", "/fn/inject-sidecarsets.js"]
