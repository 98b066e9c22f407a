#!/usr/bin/env bash
# zixly/node-base: Debian's ca-certificates and tini around the node and npm that build.sh
# copied into /usr/local. No user (the Dockerfiles set USER), no yarn, no entrypoint script.
set -euo pipefail
. /tmp/recipe/install-common.sh

apt_install ca-certificates tini
# tini-static duplicates tini; `docker run --init` brings its own.
rm -f /usr/bin/tini-static
# build.sh's EXTRA_CA_CERTS: a proxy's certificates, for Debian's store (NODE_EXTRA_CA_CERTS
# points node and npm at the same file).
if [ -f /tmp/recipe/extra-ca.crt ]; then
  install -m 644 /tmp/recipe/extra-ca.crt /usr/local/share/ca-certificates/extra-ca.crt
  update-ca-certificates
fi
node --version
npm --version
clean_layer
