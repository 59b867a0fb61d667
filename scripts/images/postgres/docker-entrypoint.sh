#!/bin/sh
# Stand-in for the official postgres image's entrypoint, so the same environment contract works
# with our locally built image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB,
# POSTGRES_HOST_AUTH_METHOD, POSTGRES_INITDB_ARGS, PGDATA and /docker-entrypoint-initdb.d/*.{sh,sql}.
set -eu

# `docker run IMAGE -c fsync=off` means `postgres -c fsync=off`, as with the official image.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
[ "${1:-}" = postgres ] || exec "$@"

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

# Started as root: prepare directories (a mounted volume may belong to root), then run this same
# script again as the postgres user, because postgres refuses to run as root.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  POSTGRES_USER=${POSTGRES_USER:-postgres}
  POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
  POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
    echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
    echo "       (set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections)" >&2
    exit 1
  fi

  # The password goes through a file so that it never shows up in `ps` output.
  pwopt=
  if [ -n "$POSTGRES_PASSWORD" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    pwopt="--pwfile=$pwfile"
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words on purpose
  initdb --username="$POSTGRES_USER" $pwopt -E UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
  [ -z "$pwopt" ] || rm -f "$pwfile"

  # Same access rule as the official image: any address, with the chosen method.
  printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  if [ "$auth" = md5 ]; then printf "password_encryption = md5\n" >>"$PGDATA/postgresql.conf"; fi

  # A temporary server on the unix socket only: a TCP health check must not see the database
  # before the init scripts have run.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  export PGUSER="$POSTGRES_USER" PGHOST=/var/run/postgresql PGPORT=5432
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -d postgres -q --set db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        echo "$0: running $f"
        # shellcheck disable=SC1090 # the user's init scripts, sourced as the official image does
        . "$f"
        ;;
      *.sql) echo "$0: running $f"; psql -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -f "$f" ;;
      *) : ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGUSER PGHOST PGPORT
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
