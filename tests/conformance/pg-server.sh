#!/usr/bin/env bash
# Server command for the conformance harness on PostgreSQL: a fresh
# database per gabbit file, named after the harness's {db} path, dropped
# when the server stops.
#   run --server-cmd "tests/conformance/pg-server.sh BIN {port} {db}"
# Admin URL: $PLACEMENT_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
BIN=$1 PORT=$2 DBPATH=$3
ADMIN=${PLACEMENT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
NAME=conf_$(printf %s "$DBPATH" | md5sum | cut -c1-16)
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"' EXIT TERM INT
"$BIN" serve --bind "127.0.0.1:$PORT" --database-url "${ADMIN%/*}/$NAME" &
PID=$!
wait "$PID"
