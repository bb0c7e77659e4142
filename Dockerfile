# syntax=docker/dockerfile:1
# The ledger service: a static binary built in a Go image, run as a non-root user on distroless.

# The Go release go.mod names, exactly: a build here is the build the tests ran with.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so that a change to the code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary needs no libc in the final image. An empty /data is made here because
# the final image has no shell to make it.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/ledger ./cmd/ledger \
 && mkdir -p /out/data

# distroless publishes no release tags: the digest pins the image (`crane digest
# gcr.io/distroless/static-debian12:nonroot` gives the tag's current one).
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/ledger /usr/local/bin/ledger
# Owned by the image's nonroot user (65532): a named volume mounted on /data starts as a copy of
# it, so the service can write its store and secrets there without running as root.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ledger"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
