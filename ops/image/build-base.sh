#!/usr/bin/env bash
# Builds a local JRE base image for jobpool's Dockerfile without pulling anything from an image
# registry: a minimal Debian root file system (debootstrap --variant=minbase, the machine's own Debian
# release) with openjdk-17-jre-headless, imported into the local container storage (buildah/podman,
# as root) as a FROM-scratch image. The Dockerfile takes it as BASE_IMAGE in place of the public
# eclipse-temurin:17-jre:
#
#   ops/image/build-base.sh                     # prints the image name, e.g. localhost/jobpool-base:bookworm-jre17
#   buildah bud --build-arg BASE_IMAGE=localhost/jobpool-base:bookworm-jre17 ...
#
# Packages come from the Debian mirror configured on the machine (read from apt's own index targets,
# so `apt-get update` must have run), including the release's -updates and -security suites.
# Cached: when the image exists and was built by this version of the script, nothing is done.
# JOBPOOL_BASE_REBUILD=1 forces a rebuild; JOBPOOL_BASE_RELEASE picks another Debian release.
# Needs root, debootstrap and buildah.
#
# Everything but the image name goes to stderr.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"   # debootstrap, chroot and mountpoint live there

codename="${JOBPOOL_BASE_RELEASE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
image="${JOBPOOL_BASE_IMAGE:-localhost/jobpool-base:${codename}-jre17}"
# passwd: groupadd/useradd for the Dockerfile's service user. JOBPOOL_BASE_PACKAGES replaces the list
# (e.g. "openjdk-17-jdk-headless passwd" for a JDK, with JOBPOOL_BASE_IMAGE naming another image).
packages="${JOBPOOL_BASE_PACKAGES:-openjdk-17-jre-headless passwd}"
script_sum="$( { cat "$0"; echo "$codename $packages"; } | sha256sum | cut -c1-16)"

log() { echo "build-base: $*" >&2; }

for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || { log "$tool is not installed (apt-get install -y debootstrap buildah)"; exit 3; }
done
[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap and the root container storage)"; exit 3; }

if [ "${JOBPOOL_BASE_REBUILD:-0}" != 1 ] && buildah inspect --type image "$image" >/dev/null 2>&1; then
  built_by="$(buildah inspect --type image --format '{{index .ImageAnnotations "io.jobpool.base.script"}}' "$image" 2>/dev/null || true)"
  if [ "$built_by" = "$script_sum" ]; then
    log "$image exists (built by this script, $script_sum): nothing to do"
    echo "$image"
    exit 0
  fi
  log "$image was built by another version of this script ($built_by): rebuilding"
  previous="$(buildah inspect --type image --format '{{.FromImageID}}' "$image" 2>/dev/null || true)"
fi

# The mirror of the machine: the repository apt uses for "$codename main" (and its updates/security).
targets="$(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(COMPONENT)' 'Created-By: Packages' | sort -u)"
mirror="$(awk -v c="$codename" '$2 == c && $3 == "main" { print $1; exit }' <<<"$targets")"
[ -n "$mirror" ] || { log "no Debian repository for '$codename main' in apt's sources (did apt-get update run?)"; exit 3; }
sources="$(awk -v c="$codename" '($2 == c || $2 == c "-updates" || $2 == c "-security") && $3 == "main" { print "deb " $1 " " $2 " main" }' <<<"$targets")"

work="$(mktemp -d /var/tmp/jobpool-base.XXXXXX)"
rootfs="$work/rootfs"
cleanup() {
  # debootstrap mounts /proc and /sys inside the root while it works; never leave them mounted
  for m in proc sys dev/pts dev; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start=$SECONDS
log "debootstrap --variant=minbase $codename (the machine's Debian mirror) into $rootfs"
debootstrap --variant=minbase --include="${packages// /,}" "$codename" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 40 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }

log "applying $codename-updates and -security"
printf '%s\n' "$sources" >"$rootfs/etc/apt/sources.list"
mount -t proc proc "$rootfs/proc"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true
chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c 'apt-get -q update && apt-get -q -y --no-install-recommends dist-upgrade && apt-get clean' >"$work/upgrade.log" 2>&1 \
  || { tail -n 40 "$work/upgrade.log" >&2; log "upgrade failed"; exit 1; }
chroot "$rootfs" java -version 2>&1 | head -n 1 | sed 's/^/build-base: /' >&2
umount "$rootfs/proc"
java_home="$(dirname "$(dirname "$(chroot "$rootfs" readlink -f /usr/bin/java)")")"
# What an image does not need: package lists, caches, docs, the build machine's resolver and mirror
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs/etc/apt/sources.list"
: >"$rootfs/etc/resolv.conf"

log "importing as $image"
tar --numeric-owner --xattrs -C "$rootfs" -cf "$work/rootfs.tar" .
cat >"$work/Containerfile" <<CONTAINERFILE
FROM scratch
ADD rootfs.tar /
ENV LANG=C.UTF-8 JAVA_HOME=$java_home
CMD ["bash"]
CONTAINERFILE
buildah bud --quiet --pull=never --layers=false --annotation "io.jobpool.base.script=$script_sum" \
  -t "$image" -f "$work/Containerfile" "$work" >&2
# the image this one replaces would stay behind untagged
[ -z "${previous:-}" ] || buildah rmi "$previous" >/dev/null 2>&1 || true
log "built $image in $((SECONDS - start)) s"
echo "$image"
