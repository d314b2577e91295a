#!/bin/sh
# tests/pg.sh: a throwaway PostgreSQL server for the push tests.
#
#   tests/pg.sh start DIR   initdb in DIR/data, start it listening on a unix
#                           socket in DIR only (no TCP), trust authentication,
#                           superuser 'wattdb'; prints nothing, exit 0 when up
#   tests/pg.sh url DIR     the libpq URI of its 'postgres' database
#   tests/pg.sh stop DIR    stop it (immediate) and remove DIR
#
# The binaries are Debian's (postgresql package: /usr/lib/postgresql/15/bin, or
# PG_BIN). PostgreSQL refuses to run as root: run as root, the server runs as the
# 'postgres' system user the package creates, and DIR is handed to it. Exit 1
# with a message on stderr saying what is missing when it cannot start.
set -eu
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: tests/pg.sh start|url|stop DIR" >&2; exit 2; }
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

# Runs "$@" as the user that owns the server.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$(printf "'%s' " "$@")"
  else
    "$@"
  fi
}

case $cmd in
start)
  [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] || {
    echo "pg.sh: no PostgreSQL 15 in $bin (make deps installs the postgresql package)" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg.sh: running as root and there is no 'postgres' user to run the server as" >&2; exit 1; }
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  chmod 755 "$dir"
  as_owner test -w "$dir" || {
    echo "pg.sh: $dir cannot be written by the server's user (a folder above it is private?)" >&2; exit 1; }
  as_owner "$bin/initdb" -D "$dir/data" -U wattdb -A trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { echo "pg.sh: initdb failed, see $dir/initdb.log:" >&2; tail -5 "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses= -c fsync=off -c max_connections=40" start >/dev/null 2>&1 ||
    { echo "pg.sh: the server did not start, see $dir/server.log:" >&2; tail -5 "$dir/server.log" >&2 || true; exit 1; }
  ;;
url)
  printf 'postgresql:///postgres?host=%s&user=wattdb\n' "$dir"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: tests/pg.sh start|url|stop DIR" >&2; exit 2
  ;;
esac
