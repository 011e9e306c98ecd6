#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback, then stop it.
#   scripts/with-postgres.sh COMMAND...
# Installs Debian's postgresql package if no server binaries are found.  The
# command sees KHAVARAN_TEST_PG_URL pointing at the server's 'postgres' database.
# The server runs with fsync=off (tests throw it away); KHAVARAN_TEST_PG_FSYNC=on
# gives a benchmark the durability a real server has.
set -euo pipefail

PORT=${KHAVARAN_TEST_PG_PORT:-54329}

find_bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  echo "with-postgres: installing Debian's postgresql server" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BINDIR=$(find_bindir)
fi

# The server refuses to run as root: use the 'postgres' account Debian creates.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  AS=(runuser -u postgres --)
else
  AS=()
fi

DATA=$(mktemp -d /tmp/khavaran-pg.XXXXXX)
chmod 755 "$DATA"
[ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
cleanup() {
  "${AS[@]}" "$BINDIR/pg_ctl" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

"${AS[@]}" "$BINDIR/initdb" -D "$DATA/db" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS[@]}" "$BINDIR/pg_ctl" -D "$DATA/db" -l "$DATA/server.log" -w \
  -o "-h 127.0.0.1 -p $PORT -k $DATA -c fsync=${KHAVARAN_TEST_PG_FSYNC:-off} -c max_connections=200" start >/dev/null

export KHAVARAN_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
set +e
"$@"
status=$?
set -e
exit $status
