#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite and the benches, on 127.0.0.1 only.
#   scripts/postgres.sh start   create (first time) and start it; prints its admin URL
#   scripts/postgres.sh stop    stop it (its files stay in $SAMEN_POSTGRES_DIR)
#   scripts/postgres.sh url     print the admin URL
# Uses Debian's postgresql binaries (scripts/setup.sh dev installs them). The cluster trusts
# every connection from 127.0.0.1: it holds test data only, never an academy's.
set -euo pipefail

port="${SAMEN_POSTGRES_PORT:-55432}"
dir="${SAMEN_POSTGRES_DIR:-/tmp/samen-postgres-$port}"
url="postgresql+psycopg://samen@127.0.0.1:$port/postgres"

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then bin="$candidate"; fi
done
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: run scripts/setup.sh dev (or apt-get install postgresql)." >&2
  exit 1
fi

# initdb and postgres refuse to run as root: as root, run them as the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
      chmod 700 "$dir"
      as_owner "$bin/initdb" -D "$dir" -U samen --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
      # Many short-lived academies per test run, each with its own pool; fsync off: test data.
      cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
CONF
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null
    fi
    echo "$url"
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    fi
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|url" >&2
    exit 2
    ;;
esac
