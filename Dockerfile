# syntax=docker/dockerfile:1
# Multi-stage build: a static binary in a distroless, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sailgraph .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sailgraph /sailgraph
USER nonroot:nonroot
ENV SAILGRAPH_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/sailgraph"]
