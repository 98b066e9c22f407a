#!/usr/bin/env bash
# zixly/postgres-base: Debian's PostgreSQL 15 server and client, the uid and paths of the
# official image (postgres = 999, PGDATA /var/lib/postgresql/data), and its entrypoint.
set -euo pipefail
. /tmp/recipe/install-common.sh

groupadd --system --gid 999 postgres
useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres
mkdir -p /var/lib/postgresql && chown postgres:postgres /var/lib/postgresql
# postgresql-common would create and start a "main" cluster at install: the entrypoint makes one.
mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/zixly.conf
# No JIT: LLVM and Z3 are 130 MB of the image, and a query of ours never costs enough for JIT.
# Without llvmjit.so postgres runs with JIT off, silently (src/backend/jit/jit.c).
cat >/etc/dpkg/dpkg.cfg.d/91zixly-no-jit <<'CONF'
path-exclude /usr/lib/postgresql/15/lib/llvmjit*
path-exclude /usr/lib/postgresql/15/lib/bitcode/*
path-exclude /usr/lib/*/libLLVM-*
path-exclude /usr/lib/*/libz3.so*
CONF
apt_install postgresql-15 dumb-init
rm -rf /etc/postgresql/15

# The socket folder and PGDATA, writable by postgres (and, like the official image, by any
# uid for the socket, for `--user`).
mkdir -p /var/run/postgresql /var/lib/postgresql/data
chown postgres:postgres /var/run/postgresql /var/lib/postgresql/data
chmod 3777 /var/run/postgresql
chmod 700 /var/lib/postgresql/data

install -m 755 /tmp/recipe/entrypoint.sh /usr/local/bin/docker-entrypoint.sh
/usr/lib/postgresql/15/bin/postgres --version
clean_layer
