#!/usr/bin/env bash
# Sourced by each image's install.sh inside a container of the Debian base: install
# packages with the security updates, then leave no apt lists, caches or logs in the layer.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt_install() {
  apt-get update -q
  apt-get upgrade -y -q
  apt-get install -y -q --no-install-recommends "$@"
}

clean_layer() {
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /var/log/apt/* \
    /var/cache/debconf/*-old /var/lib/dpkg/*-old /tmp/recipe /root/.cache /root/.npm
}
