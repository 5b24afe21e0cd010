#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on 127.0.0.1 and
# DELTAPLAN_POSTGRES_URL set to an empty database on it, then stops the
# cluster and removes it. PostgreSQL comes from Debian's packages, installed
# with apt-get the first time only. The cluster runs as an unprivileged user
# (postgres, or $DELTAPLAN_PG_USER) on a free port, from a temporary
# directory. A step that fails stops the run naming it.
# Usage: bash scripts/postgres/with-postgres.sh go test ./ledger/...
set -euo pipefail

fail() { echo "postgres: $1" >&2; exit 1; }

pgbin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

BIN=$(pgbin || true)
if [ -z "$BIN" ]; then
  echo "postgres: installing PostgreSQL from Debian's packages (first time only)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 || fail "step install: apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2 || fail "step install: apt-get install postgresql failed"
  BIN=$(pgbin) || fail "step install: no initdb under /usr/lib/postgresql/*/bin after installing"
fi

PGUSER_OS=${DELTAPLAN_PG_USER:-postgres}
if [ "$(id -u)" = 0 ]; then
  id "$PGUSER_OS" >/dev/null 2>&1 || fail "step user: no unprivileged user $PGUSER_OS to run the cluster as"
  as() { runuser -u "$PGUSER_OS" -- "$@"; }
else
  as() { "$@"; }   # already unprivileged
fi

DIR=$(mktemp -d /tmp/deltaplan-pg.XXXXXX)
chmod 755 "$DIR"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$DIR"
cleanup() {
  as "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# TCP connections need the password (scram-sha-256), so the tests exercise
# passwords in URLs, PGPASSWORD and .pgpass; the socket in $DIR is trusted
# for this script's own steps.
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
echo "$PASSWORD" >"$DIR/pw"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$DIR/pw"
as "$BIN/initdb" -D "$DIR/data" -U deltaplan --auth-local=trust --auth-host=scram-sha-256 --pwfile="$DIR/pw" -E UTF8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; fail "step initdb failed (log above)"; }

# A free port: ask the kernel for one.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null) \
  || PORT=$(( 20000 + RANDOM % 20000 ))

as "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$DIR/server.log" >&2 || true; fail "step start: the server did not start on 127.0.0.1:$PORT (log above)"; }

as "$BIN/createdb" -h "$DIR" -p "$PORT" -U deltaplan deltaplan_test \
  || fail "step createdb failed"

export DELTAPLAN_POSTGRES_URL="postgres://deltaplan:$PASSWORD@127.0.0.1:$PORT/deltaplan_test?sslmode=disable"
export DELTAPLAN_POSTGRES=1
"$@"
