#!/usr/bin/env bash
# Runs the comparison workloads against two servers, alternating, RUNS times each, and keeps
# every JSON report in OUT. Both servers must already be running on loopback and hold a
# prepared sbtest1 of TABLE_SIZE rows (moltdb-bench --workload prepare).
#
#   scripts/bench-compare.sh 4000 3307      # moltdb on 4000, MariaDB on 3307
#
# Environment: TABLE_SIZE (100000), THREADS (2), DURATION (30), RUNS (3), OUT (bench-results),
# WORKLOADS ("point-select read-write update-index insert").
set -euo pipefail
cd "$(dirname "$0")/.."

A_PORT=${1:?moltdb port}
B_PORT=${2:?comparison server port}
TABLE_SIZE=${TABLE_SIZE:-100000}
THREADS=${THREADS:-2}
DURATION=${DURATION:-30}
RUNS=${RUNS:-3}
OUT=${OUT:-bench-results}
WORKLOADS=${WORKLOADS:-"point-select read-write update-index insert"}
BENCH=target/release/moltdb-bench

cargo build --release -j1 --bin moltdb-bench
mkdir -p "$OUT"
for w in $WORKLOADS; do
    for run in $(seq 1 "$RUNS"); do
        for port in "$A_PORT" "$B_PORT"; do
            echo "== $w run $run port $port" >&2
            "$BENCH" --port "$port" --workload "$w" --table-size "$TABLE_SIZE" \
                --threads "$THREADS" --duration "$DURATION" --seed "$run" --json \
                > "$OUT/$w-$port-$run.json"
        done
    done
done
