#!/usr/bin/env bash
# Runs sysbench's OLTP workloads against two MySQL-protocol servers, alternating between
# them, RUNS times each, and prints the median queries per second of each with the ratio
# (first / second). Both servers must already run on loopback with a user `root` without a
# password; the script prepares `sbtest.sbtest1` (TABLE_SIZE rows) on each.
#
#   scripts/sysbench-compare.sh 4000 3307      # moltdb on 4000, MariaDB on 3307
#
# Environment: TABLE_SIZE (100000), DURATION (20 s), RUNS (3), PREPARE (1: drop and load
# the table first), CASES (see below: "workload:threads:ps-mode" triples).
set -euo pipefail

A_PORT=${1:?first server port}
B_PORT=${2:?second server port}
TABLE_SIZE=${TABLE_SIZE:-100000}
DURATION=${DURATION:-20}
RUNS=${RUNS:-3}
PREPARE=${PREPARE:-1}
CASES=${CASES:-"oltp_point_select:1:disable oltp_point_select:2:disable oltp_point_select:4:disable
oltp_point_select:1:auto oltp_point_select:2:auto oltp_point_select:4:auto
oltp_read_write:2:auto oltp_insert:2:auto oltp_update_index:2:auto"}

sb() {
    local port=$1 workload=$2 threads=$3 ps=$4 command=$5
    sysbench "$workload" --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=root \
        --mysql-db=sbtest --tables=1 --table-size="$TABLE_SIZE" --threads="$threads" \
        --time="$DURATION" --db-ps-mode="$ps" --mysql-ignore-errors=all "$command"
}

if [ "$PREPARE" = 1 ]; then
    for port in "$A_PORT" "$B_PORT"; do
        mysql -h127.0.0.1 -P"$port" -uroot -e "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest"
        sb "$port" oltp_read_write 2 auto prepare > /dev/null
    done
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-20s %7s %8s %12s %12s %7s\n' workload threads ps "port $A_PORT" "port $B_PORT" ratio
for case in $CASES; do
    IFS=: read -r workload threads ps <<< "$case"
    a=() b=()
    for _ in $(seq 1 "$RUNS"); do
        for port in "$A_PORT" "$B_PORT"; do
            qps=$(sb "$port" "$workload" "$threads" "$ps" run | awk '/queries:/ { gsub(/[(]/, "", $3); print $3 }')
            if [ "$port" = "$A_PORT" ]; then a+=("$qps"); else b+=("$qps"); fi
        done
    done
    ma=$(printf '%s\n' "${a[@]}" | median)
    mb=$(printf '%s\n' "${b[@]}" | median)
    ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    printf '%-20s %7s %8s %12.0f %12.0f %7s\n' "$workload" "$threads" "$ps" "$ma" "$mb" "$ratio"
done
