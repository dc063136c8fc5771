# One recipe for every Vigil service; pick one with its target, e.g.
#   docker build --target alert-webhook -t vigil/alert-webhook .
# (docker-compose.yml builds each target for its service.)

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches the platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# The image has no git: the commit for *_build_info{revision} comes in as a build argument
# (docker build --build-arg VIGIL_REVISION=$(git rev-parse --short=12 HEAD) ...).
ARG VIGIL_REVISION=unknown
ENV NODE_ENV=production VIGIL_REVISION=$VIGIL_REVISION
WORKDIR /app
COPY --from=build /app /app
# Named volumes mounted here start with this owner, so the unprivileged user can write its data.
RUN mkdir -p /var/lib/vigil && chown node:node /var/lib/vigil
USER node

FROM runtime AS alert-webhook
EXPOSE 9096
CMD ["node", "alert-webhook/dist/src/main.js", "--config", "/etc/vigil/alert-webhook.yml"]

FROM runtime AS health-check
EXPOSE 9470
CMD ["node", "exporters/health-check/dist/src/main.js", "--config", "/etc/vigil/health-check.yml"]

FROM runtime AS logs
EXPOSE 9471
CMD ["node", "exporters/logs/dist/src/main.js", "--config", "/etc/vigil/logs.yml"]

FROM runtime AS anomaly
EXPOSE 9472
CMD ["node", "exporters/anomaly/dist/src/main.js", "--config", "/etc/vigil/anomaly.yml"]

FROM runtime AS demo
EXPOSE 8080
CMD ["node", "exporters/express-metrics/dist/demo/main.js"]
