#!/usr/bin/env bash
# Entrypoint of zixly/redis-base, as the official image's: options alone run redis-server,
# and redis-server runs as the redis user with /data its own, exec'd so that it is PID 1 and
# SIGTERM reaches it (it saves and stops at once).
set -euo pipefail

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis:redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
exec "$@"
