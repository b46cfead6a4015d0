# One image for every Sector process: `sector` (api, sim, bot, frontend, minter, dev) and
# `sector-operator`. Build: docker build -t sector:0.1.0 .

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# --locked: exactly the dependency versions of Cargo.lock, as CI builds them.
RUN cargo build --release --locked --bin sector --bin sector-operator \
    && install -D -m 0755 target/release/sector /out/sector \
    && install -D -m 0755 target/release/sector-operator /out/sector-operator

FROM debian:bookworm-slim
# The system CA bundle from the build stage (no package install in the runtime image).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /usr/local/bin/
# The uid/gid the operator's pod security contexts name.
RUN groupadd --system --gid 10001 sector \
    && useradd --system --uid 10001 --gid sector --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sector
USER 10001:10001
ENV LOG_FORMAT=json
EXPOSE 8000 9000 9100 9300 8080
ENTRYPOINT ["sector"]
CMD ["--help"]
