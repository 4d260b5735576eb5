# The Skiff server image: `skiff` is the entrypoint, so the Deployment `skiff install` writes runs
# `args: [server, ...]`, exactly like Velero's `/velero server ...`. Build and push:
#   docker build -t ghcr.io/skiff-backup/skiff:v$(node -p 'require("./package.json").version') .
# See docs/in-cluster.md and docs/adr/0012-install-and-rbac.md.

# The base image's Node is the runtime (the `node` npm package is a devDependency for checkouts only).
# Keep this version in step with the `node` devDependency; pin by digest for reproducible builds.
ARG NODE_IMAGE=node:24.21.0-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only, exactly as locked; none of them needs an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# A fixed numeric user, so the kubelet can enforce runAsNonRoot; the manifests run as the same uid.
RUN groupadd --system --gid 65532 skiff \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin skiff
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# bin/skiff runs <root>/node_modules/node/bin/node (the project's Node 24); here that is the base image's.
RUN mkdir -p node_modules/node/bin && ln -s "$(command -v node)" node_modules/node/bin/node
USER 65532:65532
EXPOSE 8085
ENTRYPOINT ["/app/bin/skiff"]
CMD ["server"]
