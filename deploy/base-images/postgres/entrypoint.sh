#!/usr/bin/env bash
# Entrypoint of zixly/postgres-base: on an empty PGDATA, creates the cluster from
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB as the official image does for those three
# (trust on the local socket, scram-sha-256 over TCP from anywhere), then execs postgres as
# dumb-init's child (which turns SIGTERM into SIGINT, postgres's fast shutdown). While the
# cluster is being created nothing listens on TCP, so `pg_isready -h 127.0.0.1` fails until it is ready.
set -euo pipefail

if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "docker-entrypoint: POSTGRES_PASSWORD is not set; the database would take any password over TCP" >&2
    exit 1
  fi
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  echo "docker-entrypoint: initialising $PGDATA for user $user, database $db"
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    -D "$PGDATA" >/dev/null
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # Single-user mode: no server, so nothing answers pg_isready before the cluster is whole.
    printf 'CREATE DATABASE "%s";\n' "${db//\"/\"\"}" |
      postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "docker-entrypoint: initialised"
fi

exec "$@"
