# syntax=docker/dockerfile:1
# Open OCPI Hub container image (docs/deployment.md). Three stages: compile the TypeScript and build the
# console (Vite) with the dev dependencies, install the production dependencies alone, then a runtime image
# with just those two. The marketplace (docs/marketplace.md) is a stage of its own on the same build.
# Build: docker build -t open-ocpi-hub .
# The marketplace: docker build --target marketplace -t open-ocpi-marketplace .

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.marketplace.json vite.config.ts ./
COPY src ./src
COPY web ./web
COPY marketplace ./marketplace
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# The marketplace alone (it reaches the hub over OCPI at MARKETPLACE_HUB_VERSIONS_URL); not the default target.
FROM ${NODE_IMAGE} AS marketplace
ENV NODE_ENV=production \
    MARKETPLACE_PORT=4100 \
    MARKETPLACE_HOST=0.0.0.0 \
    MARKETPLACE_DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/marketplace ./dist/marketplace
# The driver app (/app) and the owner portal (/owner), served by the marketplace (decision 0031).
COPY --from=build /app/dist/web/app ./dist/web/app
COPY --from=build /app/dist/web/owner ./dist/web/owner
COPY package.json LICENSE ./
RUN mkdir /data && chown 1000:1000 /data
VOLUME /data
USER 1000:1000
EXPOSE 4100
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.MARKETPLACE_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/marketplace/marketplace/src/main.js"]

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
# The embedded store (PGlite) lives in /data, a volume; unused when DATABASE_URL is set.
RUN mkdir /data && chown 1000:1000 /data
VOLUME /data
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 3000
# Liveness: the process serves HTTP. (With TLS_CERT_FILE set the hub speaks HTTPS only: override this check.)
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1, no npm or shell in between: SIGTERM reaches the hub, which drains and exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
