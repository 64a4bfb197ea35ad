# syntax=docker/dockerfile:1
# The ofelia-operator image: Node.js running the compiled JavaScript (dist/, built by tsc in the
# build stage); the dev target runs the sources through tsx for live updates.
#
#   docker build --network host -t ofelia-operator:dev .          (BuildKit)
#   DOCKER_BUILDKIT=0 docker build --network host -t ofelia-operator:dev .   (legacy builder)
#
# The base image is a build argument; on a machine with no image registry,
# hack/build-base-image.sh makes a local stand-in under the default name. See docs/deploy.md.
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- stage 1: production dependencies, exactly as the lockfile pins them ----------------------
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci: the lockfile, nothing else (fails if package.json and the lockfile disagree).
# --omit=dev: devDependencies never enter the image (tsx stays a runtime dependency: bin/ falls back to
# the sources without dist/, and the dev target runs them). --ignore-scripts: no compiler here, and no runtime dependency needs
# an install script (ssh2 and cpu-features fall back to JavaScript, esbuild's binary comes from its
# platform package).
# EXTRA_CA_CERTS (PEM text, optional): CAs to trust for this step only, for builds behind a
# TLS-inspecting egress (hack/test-image.sh passes the host's /usr/local/share/ca-certificates).
# It stays in this stage: the runtime image never sees it.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" >/tmp/extra-ca.pem && export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; \
    fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf /root/.npm /tmp/extra-ca.pem

# ---- stage 2: the compiled build (tsc, dev dependencies), of which only dist/ is kept ----------
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" >/tmp/extra-ca.pem && export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; \
    fi \
 && npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn \
 && rm -rf /root/.npm /tmp/extra-ca.pem
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- stage 3: runtime -----------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    OFELIA_HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
# A fixed, numeric non-root identity (65532, as in distroless "nonroot"), so Kubernetes'
# runAsNonRoot can verify it. The code under /app stays owned by root: the process cannot modify it.
# Mounting the Docker socket needs the socket's group: docker run --group-add "$(stat -c %g
# /var/run/docker.sock)", or supplementalGroups in the pod's securityContext.
RUN groupadd --gid 65532 ofelia \
 && useradd --uid 65532 --gid 65532 --home-dir /var/lib/ofelia --no-create-home \
      --shell /usr/sbin/nologin ofelia \
 && mkdir -p /var/lib/ofelia \
 && chown 65532:65532 /var/lib/ofelia
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY crds ./crds
COPY --from=build /app/dist ./dist
# The writable place for embedded mode's data (--data-dir /var/lib/ofelia); mount a volume here.
WORKDIR /var/lib/ofelia
USER 65532:65532
# Metrics, /healthz and /readyz (--http-listen). The embedded API server (--listen) has no fixed port.
EXPOSE 8080
# No curl in the image: node asks /healthz. Set OFELIA_HEALTHCHECK_URL when --http-listen moves it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.OFELIA_HEALTHCHECK_URL, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/bin/ofelia-operator.js"]
CMD ["run"]

# ---- dev: the Tilt live_update target (docker build --target dev) -----------------------------
# Tilt syncs changed files into /app/src, so the sources belong to the operator's user here, and
# `tsx watch` restarts the process on every change (the pod's args follow the script, as with the
# real entrypoint). The pod still runs as 65532; only the Tiltfile makes the root filesystem writable.
FROM runtime AS dev
USER 0:0
COPY src /app/src
RUN chown -R 65532:65532 /app/src
USER 65532:65532
ENTRYPOINT ["node", "/app/node_modules/tsx/dist/cli.mjs", "watch", "--clear-screen=false", "/app/src/main.ts"]

# ---- release: the default target, identical to runtime (declared last so that a plain
# `docker build .` produces it, not dev) ---------------------------------------------------------
FROM runtime AS release
