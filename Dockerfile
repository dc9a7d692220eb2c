# syntax=docker/dockerfile:1
#
# jobpool container image: build with the Maven wrapper, run the Spring Boot layered jar on a JRE.
#
#   docker build -t jobpool:0.1.0 .
#   docker run --rm -p 8080:8080 -e JOBPOOL_SECURITY_API_KEYS='a-key-of-16-chars-or-more:team-a' jobpool:0.1.0
#
# Without a registry or a Docker engine (buildah/podman as root), ops/image/build-local.sh builds it on a
# local Debian JRE base (BASE_IMAGE below) from the jar `./mvnw package` made: `--build-context build=DIR`
# stands in for the build stage, DIR holding build/extracted/<layer>/ as that stage would.
#
# Security: the service defaults to listening on 127.0.0.1, useless in a container, so this image sets
# SERVER_ADDRESS=0.0.0.0. On a non-loopback address the service refuses to start without API keys:
# give it JOBPOOL_SECURITY_API_KEYS (key:tenant pairs, comma-separated) or, better,
# JOBPOOL_SECURITY_API_KEYS_FILE (a mounted file of key:tenant lines, e.g. a Kubernetes Secret), or
# set JOBPOOL_SECURITY_ALLOW_ANONYMOUS=true to run open on purpose. See docs/security.md.
#
# Checked by src/test/java/io/jobpool/ops/DockerfileTest.java (a lint) and built and run by
# src/test/java/io/jobpool/ops/ImageIT.java (buildah and podman, on a local Debian base: see ops/image/).

# The run stage's base: a JRE 17 image with bash, groupadd and useradd. The default is the usual public
# one; ops/image/build-base.sh builds a local Debian one where no registry can be reached, and the
# image test (ImageIT) builds on that: --build-arg BASE_IMAGE=localhost/jobpool-base:bookworm-jre17.
ARG BASE_IMAGE=eclipse-temurin:17-jre

# ---- build stage ---------------------------------------------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /build
# Wrapper and POMs first, sources last. The reactor (pom.xml) builds the function SPI (spi/, which the
# service ships) and the Java client (clients/java/, which the service's tests compile against) before
# the service (service.pom.xml, src/); the example plugin is left out of the context and of the build.
COPY mvnw pom.xml service.pom.xml ./
COPY .mvn/ .mvn/
COPY spi/ spi/
COPY clients/java/ clients/java/
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests package \
 && cp "$(ls target/jobpool-*.jar | grep -v -e '-plain\.jar$')" app.jar
# Spring Boot 4 tools jarmode: one directory per layer (dependencies, spring-boot-loader,
# snapshot-dependencies, application), each an exploded slice of the jar, with the launcher.
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

# ---- run stage -----------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
# A fixed numeric, non-root user, so Kubernetes' runAsNonRoot can verify it (the Helm chart runs as 10001).
RUN groupadd --system --gid 10001 jobpool \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin jobpool
WORKDIR /app
# Least to most often changed, one image layer each. Files stay owned by root: the service cannot
# modify its own code. It writes only to /tmp (Tomcat work dir, JVM perf data), so the root
# filesystem can be read-only (the chart mounts an emptyDir on /tmp).
COPY --from=build /build/extracted/dependencies/ ./
COPY --from=build /build/extracted/spring-boot-loader/ ./
COPY --from=build /build/extracted/snapshot-dependencies/ ./
COPY --from=build /build/extracted/application/ ./

# Container-aware JVM: the heap is 75% of the container's memory limit (no fixed -Xmx), CPU workers
# follow the CPU limit (jobpool.workers=0). An OutOfMemoryError ends the process so the orchestrator
# restarts it. Override the whole variable to change JVM flags.
# (No SERVER_PORT here: an environment variable would override server.port from a mounted
# application.yaml, such as the Helm chart's ConfigMap.)
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    SERVER_ADDRESS=0.0.0.0

EXPOSE 8080

# Health: Kubernetes ignores HEALTHCHECK and uses the chart's probes on /actuator/health/liveness and
# /actuator/health/readiness (both open, no key). For plain `docker run` this check asks the liveness
# group through bash's /dev/tcp: no curl/wget in the JRE image, and no second JVM per check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"UP\"' <&3"]

USER 10001:10001
# Exec form: java is PID 1 and gets SIGTERM directly, so the graceful shutdown (jobs drain for
# jobpool.shutdown-grace) runs on `docker stop` and on pod termination. The flags open to Hazelcast
# (cluster mode) the JDK internals it uses, as the jar's manifest does for `java -jar`: the launcher
# here runs the extracted layers, where the manifest's Add-Opens and Add-Exports do not apply.
ENTRYPOINT ["java", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", \
    "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", \
    "--add-opens", "java.management/sun.management=ALL-UNNAMED", \
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", \
    "org.springframework.boot.loader.launch.JarLauncher"]
