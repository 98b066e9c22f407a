#!/usr/bin/env bash
# zixly/redis-base: Debian's redis-server and redis-cli (7.0), the uid of the official image
# (redis = 999), /data as the working folder, and its entrypoint.
set -euo pipefail
. /tmp/recipe/install-common.sh

groupadd --system --gid 999 redis
useradd --system --uid 999 --gid redis --home-dir /var/lib/redis --shell /usr/sbin/nologin redis
apt_install redis-server
mkdir -p /data && chown redis:redis /data

install -m 755 /tmp/recipe/entrypoint.sh /usr/local/bin/docker-entrypoint.sh
redis-server --version
clean_layer
