# syntax=docker/dockerfile:1
# RailFair: a release build in a full Rust image, run from a slim Debian image as a non-root user.
# There is no Docker engine on the development machines: this file is checked by tests/ops.rs, not
# built there. Build and run with `docker compose up --build` (see docker-compose.yml).

# ---------------------------------------------------------------------------------------------
# Builder. The crate needs no system libraries: SQLite is compiled from source by sqlx's
# `sqlite-bundled` (the slim Rust image already has gcc and libc headers for that), and there is no
# TLS/OpenSSL anywhere in the dependency tree, so nothing is installed here.
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build
# Strip symbols from the release binary (a smaller image) without a [profile.release] in Cargo.toml;
# set before the dependency layer so both builds use the same profile and the cache stays valid.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols

# Dependencies first, against placeholder sources: this layer is rebuilt only when Cargo.toml or
# Cargo.lock change, not on every edit of src/. The placeholders must satisfy the manifest, which
# declares a lib, the `railfair` bin and its `[[bench]]`es, and of the other workspace members
# (`loadtest`, and `test-support`, a dev-dependency): cargo refuses a workspace whose members'
# manifests or targets are missing, even ones it is not building. The members' placeholders stay:
# only the service is built here.
COPY Cargo.toml Cargo.lock ./
COPY loadtest/Cargo.toml loadtest/
COPY test-support/Cargo.toml test-support/
RUN mkdir -p src benches loadtest/src test-support/src \
    && echo 'fn main() {}' > src/main.rs \
    && cp src/main.rs loadtest/src/main.rs \
    && touch src/lib.rs loadtest/src/lib.rs test-support/src/lib.rs \
    && for bench in $(awk '/^\[\[bench\]\]/ {b = 1; next} b && /^name/ {gsub(/"/, "", $3); print $3; b = 0}' Cargo.toml); do \
         touch "benches/$bench.rs"; \
       done \
    && cargo build --release --locked --bin railfair \
    && rm -rf src benches

# The real sources. `migrations/` (sqlx::migrate!) and `src/store/starter/` (include_str!) are
# embedded in the binary at compile time, so they must be in the context for this build, and the
# runtime image needs neither.
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
# COPY keeps the files' own modification times, which can be older than the placeholders' build:
# touching the crate roots makes cargo rebuild the crate instead of reusing the placeholder.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin railfair

# ---------------------------------------------------------------------------------------------
# Runtime: glibc to match the builder (bookworm both), CA certificates for any future outbound
# HTTPS, and curl for the HEALTHCHECK below (the image has no other HTTP client).
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged uid (not 1000, which collides with the first user on many hosts) so that
# volume ownership is predictable across rebuilds and hosts.
RUN groupadd --system --gid 10001 railfair \
    && useradd --system --uid 10001 --gid railfair --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin railfair

WORKDIR /app
# The SQLite database (and its -wal/-shm files) lives on a volume so it survives container
# replacement. The directory is created and chowned before VOLUME: a fresh named volume copies
# the image's ownership, so the non-root user can write to it.
RUN mkdir -p /app/data && chown -R railfair:railfair /app
VOLUME ["/app/data"]

COPY --from=builder /build/target/release/railfair /usr/local/bin/railfair

# Listen on every interface (the container's loopback is unreachable from outside), keep the
# database on the volume (absolute path: sqlite:// + /app/...), and log one JSON object per line
# for log collectors. Everything else keeps the defaults of .env.example and can be overridden.
ENV RAILFAIR_LISTEN=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///app/data/railfair.db \
    LOG_FORMAT=json

EXPOSE 8080

# /health answers 200 when healthy or degraded (e.g. Redis down: the service still serves from its
# in-process tier) and 503 only when the database cannot answer, so an unhealthy container is one
# that really cannot serve. The start period covers migration and loading the starter data.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health > /dev/null || exit 1

USER railfair
ENTRYPOINT ["/usr/local/bin/railfair"]
CMD ["serve"]
