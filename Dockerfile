# syntax=docker/dockerfile:1
# The gateway image: Node 20 LTS, two stages (build with dev dependencies, run with production
# dependencies only), runs as the unprivileged `node` user. The same image runs the simulated
# upstreams alone (docker-compose.yml's `simulators` service).
# No Docker engine runs in CI: test/unit/dockerfile-static.test.ts checks this file without one.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# --ignore-scripts: nothing the build needs compiles natively (codegen's file watcher does, unused);
# the project's own postinstall (patch-package, see patches/) is then run by hand.
RUN npm ci --no-audit --no-fund --ignore-scripts && npx patch-package --error-on-fail
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npx patch-package --error-on-fail && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
