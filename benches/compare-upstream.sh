#!/usr/bin/env bash
# Runs the same workloads with `placement-rs load` against this server
# (SQLite, then PostgreSQL) and upstream Placement 16.0.0 (the shared
# reference server, SQLite), one after the other, and prints the ratios.
# Our read phase runs twice: with the candidates answer cache (default)
# and with PLACEMENT_CANDIDATES_CACHE=off.
#
#   benches/compare-upstream.sh [OUT_DIR]
#
# Needs: the shared conformance harness (../shared/conformance or
# $CONFORMANCE_DIR) with its reference venv ($CONFORMANCE_REFERENCE_VENV,
# set up once with `reference-server --setup`), and PostgreSQL at
# $PLACEMENT_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
# Workload sizes: PROVIDERS (1000), READ_SECONDS (30), CLAIM_SECONDS (30).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${1:-$ROOT/target/compare}
mkdir -p "$OUT"
PROVIDERS=${PROVIDERS:-1000}
READ_SECONDS=${READ_SECONDS:-30}
CLAIM_SECONDS=${CLAIM_SECONDS:-30}
PG_ADMIN=${PLACEMENT_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
CONF=""
for d in "${CONFORMANCE_DIR:-}" "$ROOT/../shared/conformance" /work/shared/conformance; do
    if [[ -n "$d" && -x "$d/reference-server" ]]; then CONF="$d"; break; fi
done
[[ -n "$CONF" ]] || { echo "reference server not found (set CONFORMANCE_DIR)"; exit 1; }

cargo build --release --quiet
BIN=$ROOT/target/release/placement-rs
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_http() {
    for _ in $(seq 600); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.2
    done
    echo "server on port $1 did not start"; exit 1
}

# run_suite NAME PORT: the three workloads, JSON results in $OUT/NAME-*.json
run_suite() {
    local name=$1 port=$2 url="http://127.0.0.1:$2"
    echo "== $name: populate $PROVIDERS providers"
    "$BIN" load "$url" --mode populate --providers "$PROVIDERS" --quiet \
        --json "$OUT/$name-populate.json" | tail -n 20
    local agg
    agg=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0])" "$OUT/$name-populate.json")
    echo "== $name: perf-job candidates query, concurrency 10, ${READ_SECONDS}s"
    "$BIN" load "$url" --mode read --reuse-aggregates "$agg" --concurrency 10 \
        --duration "$READ_SECONDS" --quiet --json "$OUT/$name-read.json" | tail -n 20
    echo "== $name: 50 schedulers claiming on 5 providers for ${CLAIM_SECONDS}s"
    "$BIN" load "$url" --providers 5 --vcpus 100000 --memory-mb 100000000 --disk-gb 10000000 --schedulers 50 --duration "$CLAIM_SECONDS" \
        --quiet --json "$OUT/$name-claim.json" | tail -n 25
}

stop_last() { kill "${PIDS[-1]}" 2>/dev/null || true; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'; }

# This server, SQLite.
DB="$OUT/ours.sqlite"; rm -f "$DB"*
"$BIN" serve --bind 127.0.0.1:18780 --database-url "sqlite://$DB" >"$OUT/ours.log" 2>&1 &
PIDS+=($!); wait_http 18780
run_suite ours-sqlite 18780
RSS_OURS=$(ps -o rss= -p "${PIDS[-1]}")
stop_last
# The same read phase with the answer cache off: every query searched and
# written afresh (what a model changing between queries costs).
PLACEMENT_CANDIDATES_CACHE=off "$BIN" serve --bind 127.0.0.1:18783 --database-url "sqlite://$DB" \
    >"$OUT/ours-nocache.log" 2>&1 &
PIDS+=($!)
wait_http 18783
echo "== ours-sqlite, answer cache off: perf-job candidates query, concurrency 10, ${READ_SECONDS}s"
agg=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['aggregates'][0])" "$OUT/ours-sqlite-populate.json")
"$BIN" load "http://127.0.0.1:18783" --mode read --reuse-aggregates "$agg" --concurrency 10 \
    --duration "$READ_SECONDS" --quiet --json "$OUT/ours-nocache-read.json" | tail -n 20
stop_last

# Upstream Placement 16.0.0, SQLite.
REFDB="$OUT/upstream.sqlite"; rm -f "$REFDB"
setsid "$CONF/reference-server" 18781 "$REFDB" >"$OUT/upstream.log" 2>&1 &
PIDS+=($!); wait_http 18781
run_suite upstream 18781
kill -- -"${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'

# This server, PostgreSQL (a fresh database).
PGDB=placement_compare
psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB"
PGURL="${PG_ADMIN%/*}/$PGDB"
"$BIN" serve --bind 127.0.0.1:18782 --database-url "$PGURL" >"$OUT/ours-pg.log" 2>&1 &
PIDS+=($!); wait_http 18782
run_suite ours-postgres 18782
stop_last

python3 - "$OUT" "$RSS_OURS" <<'PY'
import json, sys, os
out, rss = sys.argv[1], int(sys.argv[2])
def load(name, phase):
    return json.load(open(os.path.join(out, f"{name}-{phase}.json")))
def kind(res, k):
    for row in (res.get("run") or {}).get("kinds", []):
        if row["kind"] == k:
            return row
    return {}
rows = []
for name in ("ours-sqlite", "upstream", "ours-postgres"):
    pop, read, claim = load(name, "populate"), load(name, "read"), load(name, "claim")
    cands = kind(read, "candidates")
    rows.append((name, pop["populate"]["elapsed_s"], cands.get("p50_ms", 0.0),
                 cands.get("per_second", 0.0), claim["claims_per_second"],
                 sum((claim.get("run") or {}).get("conflicts", {}).values()),
                 not (claim.get("check") or {}).get("violations")))
print()
print(f"{'server':<15}{'populate s':>12}{'cand p50 ms':>13}{'cand req/s':>12}{'claims/s':>10}{'409s':>6}  check")
for r in rows:
    print(f"{r[0]:<15}{r[1]:>12.2f}{r[2]:>13.2f}{r[3]:>12.1f}{r[4]:>10.1f}{r[5]:>6}  {'ok' if r[6] else 'FAILED'}")
nc = kind(load("ours-nocache", "read"), "candidates")
print(f"{'ours, no cache':<15}{'':>12}{nc.get('p50_ms', 0.0):>13.2f}{nc.get('per_second', 0.0):>12.1f}")
o, u = rows[0], rows[1]
ratio = lambda a, b: a / b if b else float("inf")
print()
print(f"populate: {ratio(u[1], o[1]):.1f}x faster; candidates p50: {ratio(u[2], o[2]):.1f}x faster; "
      f"candidates req/s: {ratio(o[3], u[3]):.1f}x; claims/s: {ratio(o[4], u[4]):.1f}x")
print(f"answer cache off: candidates p50 {ratio(u[2], nc.get('p50_ms', 0.0)):.1f}x faster; "
      f"req/s {ratio(nc.get('per_second', 0.0), u[3]):.1f}x")
print(f"server RSS after the runs (ours, SQLite): {rss / 1024:.1f} MB")
PY
