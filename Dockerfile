# Aftermath in a container: a cgo build (the SQLite driver is C) on Debian,
# run as an unprivileged user with the database on a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/aftermath ./cmd/aftermath

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates sqlite3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data aftermath && mkdir -p /data && chown aftermath /data
COPY --from=build /out/aftermath /usr/local/bin/aftermath
USER aftermath
VOLUME /data
ENV AFTERMATH_DB=/data/aftermath.db AFTERMATH_ADDR=:8080
EXPOSE 8080
# The binary checks itself: no shell (/bin/sh is dash, which has no
# /dev/tcp) and no curl in the image. It reads AFTERMATH_ADDR like serve.
HEALTHCHECK --interval=30s --timeout=3s CMD ["aftermath", "healthcheck"]
ENTRYPOINT ["aftermath"]
CMD ["serve"]
