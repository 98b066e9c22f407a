#!/usr/bin/env bash
# Builds the Node, Postgres and Redis base images from Debian packages, for machines that can
# reach Debian's mirror and the npm registry but no image registry (docs/decisions/0033).
#   sudo deploy/base-images/build.sh            # then: docker-compose.airgap.yml
# Makes, on one debootstrapped Debian 12 minbase layer shared by all three:
#   zixly/node-base:20-bookworm       Node from the npm registry's node-linux-<arch> package, npm
#   zixly/postgres-base:15-bookworm   Debian's postgresql-15, initialised like the official image
#   zixly/redis-base:7-bookworm       Debian's redis-server (7.0)
# Idempotent: the rootfs tarball and npm tarballs are cached under BASE_IMAGES_CACHE, and an
# image whose recipe (this folder, the versions, the base layer) is unchanged is not rebuilt.
# Environment: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (default: read from this machine's apt
# sources), BASE_IMAGES_CACHE (default: .data/base-images in the repository), REBUILD=1 to
# rebuild the images, NODE_VERSION/NODE_INTEGRITY and NPM_VERSION/NPM_INTEGRITY to move Node,
# EXTRA_CA_CERTS=<PEM file> where a TLS-inspecting proxy stands between containers and the npm
# registry: the node image then trusts those certificates too (Debian's store and node's).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

SUITE=bookworm
# Node 20 LTS and the npm it bundles; the integrities are npm's sha512 of each tarball.
NODE_VERSION="${NODE_VERSION:-20.20.2}"
NODE_INTEGRITY="${NODE_INTEGRITY:-sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==}"
NPM_VERSION="${NPM_VERSION:-10.8.2}"
NPM_INTEGRITY="${NPM_INTEGRITY:-sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==}"

DEBIAN_IMAGE="zixly/debian-base:$SUITE-minbase"
NODE_IMAGE="zixly/node-base:20-$SUITE"
POSTGRES_IMAGE="zixly/postgres-base:15-$SUITE"
REDIS_IMAGE="zixly/redis-base:7-$SUITE"
RECIPE_LABEL=org.zixly.base-images.recipe

CACHE="${BASE_IMAGES_CACHE:-$REPO/.data/base-images}"
START=$SECONDS

log() { printf '[base-images %4ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { printf 'base-images: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and docker need it)"
for tool in debootstrap docker npm tar sha256sum openssl; do
  command -v "$tool" >/dev/null || die "$tool not found: deploy/base-images/README.md lists what to install"
done
docker info >/dev/null 2>&1 || die "docker is not running (start dockerd first)"

case "$(dpkg --print-architecture)" in
  amd64) NODE_ARCH=x64 ;;
  arm64) NODE_ARCH=arm64 ;;
  *) die "no node-linux package for $(dpkg --print-architecture)" ;;
esac

# ---- the Debian mirror this machine's apt uses -------------------------------------------
sources() {
  local files=(/etc/apt/sources.list)
  shopt -s nullglob
  files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  shopt -u nullglob
  bash "$HERE/apt-mirrors.sh" "${files[@]}"
}
mirror_for() { sources | awk -v s="$1" '$2 == s { print $1; exit }'; }
DEBIAN_MIRROR="${DEBIAN_MIRROR:-$(mirror_for "$SUITE")}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(mirror_for "$SUITE-security")}"
[ -n "$DEBIAN_MIRROR" ] || die "no '$SUITE' entry in this machine's apt sources: set DEBIAN_MIRROR"
log "Debian mirror: $DEBIAN_MIRROR (security: ${DEBIAN_SECURITY_MIRROR:-none})"

mkdir -p "$CACHE"

# ---- one minbase rootfs, slimmed, imported once --------------------------------------------
ROOTFS_TAR="$CACHE/$SUITE-minbase.tar"
label_of() { docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }
# A fresh clone (CI) has no cache but the engine may still hold the Debian layer of an earlier
# build: keep it, and with it every image built on it, instead of a new debootstrap whose
# tarball never hashes the same twice.
if [ ! -s "$ROOTFS_TAR" ] && [ "${REBUILD:-0}" != 1 ] && [ -n "$(label_of "$DEBIAN_IMAGE")" ]; then
  log "reusing $DEBIAN_IMAGE (no rootfs tarball in $CACHE)"
  ROOTFS_SUM="$(label_of "$DEBIAN_IMAGE")"
elif [ ! -s "$ROOTFS_TAR" ]; then
  log "debootstrap --variant=minbase $SUITE (a few minutes)"
  rootfs="$CACHE/rootfs.tmp"
  rm -rf "$rootfs"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed: see $CACHE/debootstrap.log"
  bash "$HERE/debian/configure-rootfs.sh" "$rootfs" "$SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SECURITY_MIRROR"
  # The kernel's and docker's: never part of an image.
  tar --numeric-owner -C "$rootfs" --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$rootfs"
else
  log "reusing $ROOTFS_TAR"
fi

if [ -s "$ROOTFS_TAR" ]; then ROOTFS_SUM="$(sha256sum "$ROOTFS_TAR" | cut -c1-64)"; fi
if [ "$(label_of "$DEBIAN_IMAGE")" != "$ROOTFS_SUM" ]; then
  log "docker import -> $DEBIAN_IMAGE"
  docker import --change "LABEL $RECIPE_LABEL=$ROOTFS_SUM" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$ROOTFS_TAR" "$DEBIAN_IMAGE" >/dev/null
fi
BASE_ID="$(docker image inspect --format '{{.Id}}' "$DEBIAN_IMAGE")"

# ---- Node and npm from the npm registry ------------------------------------------------------
# `npm pack` uses whatever registry npm is configured with and checks the tarball's integrity.
npm_fetch() { # name version integrity -> path of the verified tarball in the cache
  local name="$1" version="$2" integrity="$3" file
  file="$CACHE/$name-$version.tgz"
  if [ ! -s "$file" ]; then
    log "npm pack $name@$version" >&2
    (cd "$CACHE" && npm pack --silent "$name@$version" >/dev/null)
  fi
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)"
  [ "$actual" = "$integrity" ] || { rm -f "$file"; die "$name@$version: integrity $actual, expected $integrity"; }
  printf '%s\n' "$file"
}

# The files under /usr/local, laid out as in the official node image, so the Dockerfiles'
# removal of npm from the runtime stage works the same on both.
stage_node() {
  local stage="$CACHE/node-$NODE_VERSION-npm-$NPM_VERSION"
  if [ ! -x "$stage/usr/local/bin/node" ]; then
    local node_tgz npm_tgz
    node_tgz="$(npm_fetch "node-linux-$NODE_ARCH" "$NODE_VERSION" "$NODE_INTEGRITY")"
    npm_tgz="$(npm_fetch npm "$NPM_VERSION" "$NPM_INTEGRITY")"
    rm -rf "$stage.tmp"
    mkdir -p "$stage.tmp/usr/local/bin" "$stage.tmp/usr/local/lib/node_modules/npm"
    tar -xzf "$node_tgz" -C "$stage.tmp/usr/local/bin" --strip-components=2 package/bin/node
    tar -xzf "$npm_tgz" -C "$stage.tmp/usr/local/lib/node_modules/npm" --strip-components=1
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage.tmp/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage.tmp/usr/local/bin/npx"
    rm -rf "$stage"
    mv "$stage.tmp" "$stage"
  fi
  printf '%s\n' "$stage"
}

# ---- one image: a container of the Debian base runs <name>/install.sh, then is committed -----
# build_image NAME IMAGE [STAGE_FUNCTION] -- CHANGE...  (the function prints a folder to copy
# in; called only when the image is rebuilt, so an up-to-date image needs no npm tarball)
build_image() {
  local name="$1" image="$2" stage_with="$3" stage=""
  shift 4
  local recipe extra=()
  if [ "$name" = node ] && [ -n "${EXTRA_CA_CERTS:-}" ]; then extra=("$EXTRA_CA_CERTS"); fi
  recipe="$( (cd "$HERE" && cat debian/install-common.sh "$name"/* "${extra[@]}"
    echo "$BASE_ID $NODE_VERSION $NPM_VERSION $*") | sha256sum | cut -c1-64)"
  if [ "${REBUILD:-0}" != 1 ] && [ "$(label_of "$image")" = "$recipe" ]; then
    log "$image is up to date"
    return
  fi
  local t0=$SECONDS container="zixly-base-images-$name"
  log "building $image"
  if [ -n "$stage_with" ]; then stage="$("$stage_with")"; fi
  docker rm -f "$container" >/dev/null 2>&1 || true
  docker create --name "$container" --network bridge "$DEBIAN_IMAGE" \
    bash /tmp/recipe/install.sh >/dev/null
  tar --owner=0 --group=0 -C "$HERE" --transform "s,^$name,tmp/recipe," \
    --transform 's,^debian,tmp/recipe,' -c "$name" debian/install-common.sh |
    docker cp - "$container:/"
  if [ "$name" = node ] && [ -n "${EXTRA_CA_CERTS:-}" ]; then
    tar --owner=0 --group=0 -C "$(dirname "$EXTRA_CA_CERTS")" \
      --transform 's,^.*$,tmp/recipe/extra-ca.crt,' -c "$(basename "$EXTRA_CA_CERTS")" |
      docker cp - "$container:/"
  fi
  if [ -n "$stage" ]; then
    tar --owner=0 --group=0 -C "$stage" -c usr | docker cp - "$container:/"
  fi
  docker start -a "$container" >"$CACHE/$name.log" 2>&1 ||
    { docker rm -f "$container" >/dev/null; die "$image: install failed, see $CACHE/$name.log"; }
  local changes=(--change "LABEL $RECIPE_LABEL=$recipe")
  for change in "$@"; do changes+=(--change "$change"); done
  local previous
  previous="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  docker commit "${changes[@]}" "$container" "$image" >/dev/null
  docker rm "$container" >/dev/null
  # The image this one replaces, unless something still uses it (docker then refuses).
  if [ -n "$previous" ]; then docker image rm "$previous" >/dev/null 2>&1 || true; fi
  log "built $image in $((SECONDS - t0)) s"
}

if [ -n "${EXTRA_CA_CERTS:-}" ]; then
  [ -s "$EXTRA_CA_CERTS" ] || die "EXTRA_CA_CERTS: no such file: $EXTRA_CA_CERTS"
  EXTRA_CA_CERTS="$(realpath "$EXTRA_CA_CERTS")"
  log "the node image will trust the certificates of $EXTRA_CA_CERTS"
fi
NODE_CHANGES=("ENV NODE_VERSION=$NODE_VERSION" 'WORKDIR /' 'ENTRYPOINT []' 'CMD ["node"]')
if [ -n "${EXTRA_CA_CERTS:-}" ]; then
  NODE_CHANGES+=('ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/extra-ca.crt')
fi
build_image node "$NODE_IMAGE" stage_node -- "${NODE_CHANGES[@]}"

# SIGTERM becomes SIGINT, postgres's fast shutdown (its SIGTERM waits for every client to
# leave), whatever sends it: docker stop, compose v1 or v2, or a kubelet, which all send
# SIGTERM. The official image's STOPSIGNAL cannot be set here: `docker commit` refuses it.
build_image postgres "$POSTGRES_IMAGE" "" -- \
  'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV PGDATA=/var/lib/postgresql/data' 'VOLUME /var/lib/postgresql/data' 'WORKDIR /' \
  'ENTRYPOINT ["dumb-init", "--rewrite", "15:2", "--", "docker-entrypoint.sh"]' \
  'CMD ["postgres"]' 'EXPOSE 5432'

build_image redis "$REDIS_IMAGE" "" -- \
  'VOLUME /data' 'WORKDIR /data' 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  'CMD ["redis-server"]' 'EXPOSE 6379'

log "done in $((SECONDS - START)) s"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep '^zixly/.*-base:' | sort
