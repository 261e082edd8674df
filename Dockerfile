# syntax=docker/dockerfile:1
# The worker image: restored from the lock files CI tested, published for the target platform only, run on the ASP.NET
# Core runtime as a non-root user.
#   docker build -t personalization-worker .                         (docker buildx build --platform linux/arm64 ... for ARM)
#   docker run --rm -p 8080:8080 personalization-worker            # embedded default: in-process Kafka + demo traffic
#   docker run --rm -p 8080:8080 -e Kafka__BootstrapServers=broker:9092 -v state:/var/lib/personalization personalization-worker
# Base images are pinned to exact releases (bump both together; for bit-for-bit pins add the registry digest,
# "image:tag@sha256:...", from `docker buildx imagetools inspect image:tag`).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.100-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.0-noble

FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# Restore first, from the project files and lock files alone, so the layer is reused until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Engine/Engine.csproj src/Engine/packages.lock.json src/Engine/
COPY src/Avro/Avro.csproj src/Avro/packages.lock.json src/Avro/
COPY src/Topology/Topology.csproj src/Topology/packages.lock.json src/Topology/
COPY src/Simulation/Simulation.csproj src/Simulation/packages.lock.json src/Simulation/
COPY src/Training/Training.csproj src/Training/packages.lock.json src/Training/
COPY src/Worker/Worker.csproj src/Worker/packages.lock.json src/Worker/
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
    && dotnet restore src/Worker/Worker.csproj -r "$RID" --locked-mode
COPY src/ src/
COPY schemas/ schemas/
COPY models/ models/
# RID-specific and framework-dependent: only this platform's native libraries (librdkafka, RocksDB) ship.
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
    && dotnet publish src/Worker/Worker.csproj -c Release -r "$RID" --self-contained false --no-restore -o /app

FROM ${RUNTIME_IMAGE} AS runtime
# SASL: librdkafka's default Linux build links libsasl2.so.3 (the soname RHEL gives Cyrus SASL 2.1.28); Ubuntu ships
# the same library as libsasl2.so.2. The link lets that build load, with GSSAPI (Kerberos: the MIT plugin and kinit)
# next to SCRAM, PLAIN and OAUTHBEARER. Without it Confluent.Kafka silently falls back to a build without Cyrus SASL.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsasl2-2 libsasl2-modules-gssapi-mit krb5-user \
    && rm -rf /var/lib/apt/lists/* \
    && libdir="/usr/lib/$(uname -m)-linux-gnu" \
    && ln -s "$libdir/libsasl2.so.2" "$libdir/libsasl2.so.3" \
    && mkdir -p /var/lib/personalization \
    && chown "$APP_UID" /var/lib/personalization
WORKDIR /app
COPY --from=build /app .
# MALLOC_ARENA_MAX: fewer glibc malloc arenas; with RocksDB's threads the default lets native memory creep
# (bench -- memory --memory-minutes 10: peak 1,109 MB without, 1,064 MB with).
ENV Streams__StateDir=/var/lib/personalization/state \
    Models__Directory=/app/models \
    Http__Port=8080 \
    DOTNET_EnableDiagnostics=0 \
    MALLOC_ARENA_MAX=2
# RocksDB state lives on this volume; everything else may be read-only (the manifests mount the root read-only).
VOLUME /var/lib/personalization
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Personalization.Worker.dll"]
CMD ["run"]
