# syntax=docker/dockerfile:1
#
# One Dockerfile, one target per deployable; each image starts its deployable with no
# arguments: its own main.ts (`tsx functions/receiver/main.ts` locally), compiled to dist/ by
# `npm run build`. Build from the repository root:
#
#   docker build --target receiver        -t $REGISTRY/facetrail/receiver:$TAG .
#   docker build --target processor       -t $REGISTRY/facetrail/processor:$TAG .
#   docker build --target frontend        -t $REGISTRY/facetrail/frontend:$TAG .
#   docker build --target redeemer        -t $REGISTRY/facetrail/redeemer:$TAG .
#   docker build --target nsq-cloudevents -t $REGISTRY/facetrail/nsq-cloudevents:$TAG .
#   docker build --target recognizer      -t $REGISTRY/facetrail/recognizer:$TAG .
#
# The five function/adapter images share every layer (only their CMD differs) and carry no
# TensorFlow.js; the recognizer image adds TensorFlow.js, the face-api models and
# @tensorflow/tfjs-node, which it uses when it loads (INFERENCE_BACKEND=auto).

ARG NODE_VERSION=20
# Must equal the @tensorflow/tfjs version in package-lock.json (tfjs-node pins it exactly).
ARG TFJS_NODE_VERSION=4.22.0
# Production dependencies only the recognizer imports (test/knative checks that no other
# entry point does).
ARG RECOGNIZER_ONLY_PACKAGES="@tensorflow/tfjs @tensorflow/tfjs-backend-wasm @vladmandic/face-api"

# ---- build: TypeScript to dist/ -------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib lib
COPY functions functions
COPY adapters adapters
COPY recognizer recognizer
COPY standalone standalone
COPY scripts scripts
COPY cli cli
RUN npm run build

# ---- production node_modules ------------------------------------------------------------
# The full bookworm image has python3, make and g++ in case a native module has no prebuilt
# binary for the platform. Source maps are dropped: nothing reads them at run time and they
# are half of TensorFlow.js's size.
FROM node:${NODE_VERSION}-bookworm AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

FROM prod-deps AS functions-deps
ARG RECOGNIZER_ONLY_PACKAGES
RUN --mount=type=cache,target=/root/.npm \
    npm uninstall --omit=dev --no-audit --no-fund ${RECOGNIZER_ONLY_PACKAGES} \
 && find node_modules -name '*.map' -type f -delete

FROM prod-deps AS recognizer-deps
ARG TFJS_NODE_VERSION
# Its install script downloads libtensorflow and the native binding (internet needed; linux
# x64 only: on arm64 build with --build-arg TFJS_NODE_VERSION= and the wasm backend is used).
RUN --mount=type=cache,target=/root/.npm \
    if [ -n "$TFJS_NODE_VERSION" ]; then \
      npm install --omit=dev --no-save --no-audit --no-fund "@tensorflow/tfjs-node@$TFJS_NODE_VERSION"; \
    fi \
 && find node_modules -name '*.map' -type f -delete

# ---- runtime ------------------------------------------------------------------------------
# dist/ with package.json ("type": "module") beside it; proto/ and sql/ are found by walking up
# from dist/. Everything is owned by root and read-only for the app, which runs as the image's
# `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY proto proto
COPY sql sql
USER 1000:1000

FROM runtime AS functions
COPY --from=functions-deps /app/node_modules node_modules
COPY --from=build /app/dist dist

FROM functions AS receiver
LABEL org.opencontainers.image.title="facetrail receiver"
EXPOSE 8080
CMD ["node", "dist/functions/receiver/main.js"]

FROM functions AS processor
LABEL org.opencontainers.image.title="facetrail processor"
EXPOSE 8080
CMD ["node", "dist/functions/processor/main.js"]

FROM functions AS frontend
LABEL org.opencontainers.image.title="facetrail frontend"
# The page's stylesheet and script (found by walking up from dist/functions/frontend/).
COPY functions/frontend/static functions/frontend/static
EXPOSE 8080
CMD ["node", "dist/functions/frontend/main.js"]

FROM functions AS redeemer
LABEL org.opencontainers.image.title="facetrail redeemer"
EXPOSE 8080
CMD ["node", "dist/functions/redeemer/main.js"]

FROM functions AS nsq-cloudevents
LABEL org.opencontainers.image.title="facetrail nsq-cloudevents adapter"
EXPOSE 8080
CMD ["node", "dist/adapters/nsq-cloudevents/main.js"]

FROM runtime AS recognizer
LABEL org.opencontainers.image.title="facetrail recognizer"
COPY --from=recognizer-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
EXPOSE 50051
CMD ["node", "dist/recognizer/main.js"]
