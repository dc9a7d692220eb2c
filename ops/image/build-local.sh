#!/usr/bin/env bash
# Builds the service image from the root Dockerfile without an image registry or a Docker engine:
# the run stage on the local Debian JRE base of build-base.sh, with the Spring Boot layers of the jar
# that `./mvnw package` already built (target/jobpool-<version>.jar) in place of the Maven build stage.
#
#   ./mvnw -B -ntp -pl :jobpool -am package -DskipTests
#   ops/image/build-local.sh localhost/jobpool:0.1.0      # prints the image name
#
# How: `--build-context build=DIR` replaces the Dockerfile's stage named `build` with DIR, which holds
# build/extracted/<layer>/ exactly as that stage would (the same `java -Djarmode=tools ... extract`),
# so the run stage's `COPY --from=build /build/extracted/...` lines are used as they are and the build
# stage is skipped (no JDK image, no Maven download inside the build). `docker buildx build` takes the
# same option. Used by ImageIT; needs root, buildah and what build-base.sh needs.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.."

image="${1:-localhost/jobpool:local}"
java="${JAVA:-java}"
log() { echo "build-local: $*" >&2; }

command -v buildah >/dev/null || { log "buildah is not installed (apt-get install -y buildah)"; exit 3; }
# the runnable jar, as the Dockerfile picks it (not the -plain one)
jar="$(ls target/jobpool-*.jar 2>/dev/null | grep -v -e '-plain\.jar$' | head -n 1 || true)"
[ -n "$jar" ] || { log "no target/jobpool-*.jar: run ./mvnw -pl :jobpool -am package -DskipTests first"; exit 3; }

base="$(ops/image/build-base.sh)"

ctx="$(mktemp -d /var/tmp/jobpool-layers.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
"$java" -Djarmode=tools -jar "$jar" extract --layers --launcher --destination "$ctx/build/extracted" >&2

start=$SECONDS
# --format docker keeps the HEALTHCHECK (the OCI image format has none); --pull=never: nothing is pulled
buildah bud --format docker --pull=never --layers=false \
  --build-arg "BASE_IMAGE=$base" --build-context "build=$ctx" \
  -t "$image" -f Dockerfile . >&2
log "built $image from $jar on $base in $((SECONDS - start)) s"
echo "$image"
