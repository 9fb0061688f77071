#!/usr/bin/env bash
# Runs sysbench's OLTP workloads against two MySQL-protocol servers, alternating between
# them, RUNS times each, and prints the median queries per second of each with the ratio
# (first / second), and each server's CPU per query. Both servers must already run on
# loopback with a user `root` without a password; the script prepares `sbtest.sbtest1`
# (TABLE_SIZE rows) on each, timing the load and the secondary index apart, and ends with
# a timed DROP INDEX: the whole table of the hot-path issue.
#
#   scripts/sysbench-compare.sh 4000 3307      # moltdb on 4000, MariaDB on 3307
#
# Environment: TABLE_SIZE (100000), DURATION (20 s), RUNS (3), PREPARE (1: drop and load
# the table first), DROP (1: time DROP INDEX k_1 at the end, then build it again), CASES
# (see below: "workload:threads:ps-mode" triples). CPU, memory and disk figures need the
# server's process and data directory: found from the port (`ss`) and `@@datadir`, or given
# as A_PID / B_PID and A_DATADIR / B_DATADIR; a figure that cannot be had prints as "-".
set -euo pipefail

A_PORT=${1:?first server port}
B_PORT=${2:?second server port}
TABLE_SIZE=${TABLE_SIZE:-100000}
DURATION=${DURATION:-20}
RUNS=${RUNS:-3}
PREPARE=${PREPARE:-1}
DROP=${DROP:-1}
CASES=${CASES:-"oltp_point_select:1:disable oltp_point_select:2:disable oltp_point_select:4:disable
oltp_point_select:1:auto oltp_point_select:2:auto oltp_point_select:4:auto
oltp_read_write:2:auto oltp_insert:2:auto oltp_update_index:2:auto"}
TICKS=$(getconf CLK_TCK)

sb() {
    local port=$1 workload=$2 threads=$3 ps=$4 command=$5
    shift 5
    sysbench "$workload" --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=root \
        --mysql-db=sbtest --tables=1 --table-size="$TABLE_SIZE" --threads="$threads" \
        --time="$DURATION" --db-ps-mode="$ps" --mysql-ignore-errors=all "$@" "$command"
}

sql() { mysql -h127.0.0.1 -P"$1" -uroot -N -e "$2"; }

pid_of() {
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -oE 'pid=[0-9]+' | head -1 | cut -d= -f2 || true
}

datadir_of() { sql "$1" "SELECT @@datadir" 2>/dev/null || true; }

if [ "$A_PORT" = "$B_PORT" ]; then echo "two different ports, please" >&2; exit 2; fi
A_PID=${A_PID:-$(pid_of "$A_PORT")}
B_PID=${B_PID:-$(pid_of "$B_PORT")}
A_DATADIR=${A_DATADIR:-$(datadir_of "$A_PORT")}
B_DATADIR=${B_DATADIR:-$(datadir_of "$B_PORT")}

pid() { if [ "$1" = "$A_PORT" ]; then echo "$A_PID"; else echo "$B_PID"; fi; }
datadir() { if [ "$1" = "$A_PORT" ]; then echo "$A_DATADIR"; else echo "$B_DATADIR"; fi; }

# User plus system CPU time of a server so far, in clock ticks ("" without its process).
cpu_ticks() {
    local p
    p=$(pid "$1")
    [ -n "$p" ] && [ -r "/proc/$p/stat" ] && awk '{ print $14 + $15 }' "/proc/$p/stat" || true
}

rss_mb() {
    local p
    p=$(pid "$1")
    [ -n "$p" ] && [ -r "/proc/$p/status" ] && awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$p/status" || echo -
}

disk_mb() {
    local d
    d=$(datadir "$1")
    [ -n "$d" ] && [ -d "$d" ] && du -sm "$d" | cut -f1 || echo -
}

# Seconds a statement takes, from the client.
timed() {
    local start
    start=$(date +%s.%N)
    sql "$1" "$2" > /dev/null
    echo "$(date +%s.%N) - $start" | bc
}

# "a b": a / b with two decimals, or "-" when either is missing or zero.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [ "$PREPARE" = 1 ]; then
    declare -A load index rss disk
    for port in "$A_PORT" "$B_PORT"; do
        sql "$port" "DROP DATABASE IF EXISTS sbtest; CREATE DATABASE sbtest"
        start=$(date +%s.%N)
        sb "$port" oltp_read_write 2 auto prepare --create_secondary=off > /dev/null
        load[$port]=$(echo "$(date +%s.%N) - $start" | bc)
        index[$port]=$(timed "$port" "CREATE INDEX k_1 ON sbtest.sbtest1 (k)")
        rss[$port]=$(rss_mb "$port")
        disk[$port]=$(disk_mb "$port")
    done
    printf '%-34s %12s %12s %7s\n' "after loading $TABLE_SIZE rows" "port $A_PORT" "port $B_PORT" ratio
    printf '%-34s %12.1f %12.1f %7s\n' "load, multi-row INSERT (s)" "${load[$A_PORT]}" "${load[$B_PORT]}" \
        "$(ratio "${load[$B_PORT]}" "${load[$A_PORT]}")"
    printf '%-34s %12.2f %12.2f %7s\n' "CREATE INDEX k_1 (s)" "${index[$A_PORT]}" "${index[$B_PORT]}" \
        "$(ratio "${index[$B_PORT]}" "${index[$A_PORT]}")"
    printf '%-34s %12s %12s %7s\n' "server RSS (MB; ratio first/second)" "${rss[$A_PORT]}" "${rss[$B_PORT]}" \
        "$(ratio "${rss[$A_PORT]}" "${rss[$B_PORT]}")"
    printf '%-34s %12s %12s %7s\n' "data directory (MB; first/second)" "${disk[$A_PORT]}" "${disk[$B_PORT]}" \
        "$(ratio "${disk[$A_PORT]}" "${disk[$B_PORT]}")"
    echo
fi

printf '%-20s %7s %8s %12s %12s %7s %14s\n' workload threads ps "port $A_PORT" "port $B_PORT" ratio "CPU us/query"
for case in $CASES; do
    IFS=: read -r workload threads ps <<< "$case"
    a=() b=() ca=() cb=()
    for _ in $(seq 1 "$RUNS"); do
        for port in "$A_PORT" "$B_PORT"; do
            before=$(cpu_ticks "$port")
            out=$(sb "$port" "$workload" "$threads" "$ps" run)
            after=$(cpu_ticks "$port")
            qps=$(awk '/queries:/ { gsub(/[(]/, "", $3); print $3 }' <<< "$out")
            queries=$(awk '/queries:/ { print $2 }' <<< "$out")
            cpu=$(awk -v b="$before" -v a="$after" -v q="$queries" -v t="$TICKS" \
                'BEGIN { if (b != "" && a != "" && q > 0) printf "%.1f", (a - b) / t * 1e6 / q; else print "-" }')
            if [ "$port" = "$A_PORT" ]; then a+=("$qps") ca+=("$cpu"); else b+=("$qps") cb+=("$cpu"); fi
        done
    done
    ma=$(printf '%s\n' "${a[@]}" | median)
    mb=$(printf '%s\n' "${b[@]}" | median)
    cpu_a=$(printf '%s\n' "${ca[@]}" | median)
    cpu_b=$(printf '%s\n' "${cb[@]}" | median)
    printf '%-20s %7s %8s %12.0f %12.0f %7s %14s\n' "$workload" "$threads" "$ps" "$ma" "$mb" \
        "$(ratio "$ma" "$mb")" "$cpu_a / $cpu_b"
done

if [ "$DROP" = 1 ]; then
    echo
    drop_a=$(timed "$A_PORT" "ALTER TABLE sbtest.sbtest1 DROP INDEX k_1")
    drop_b=$(timed "$B_PORT" "ALTER TABLE sbtest.sbtest1 DROP INDEX k_1")
    printf '%-34s %12.3f %12.3f %7s\n' "ALTER TABLE ... DROP INDEX (s)" "$drop_a" "$drop_b" "$(ratio "$drop_b" "$drop_a")"
    again_a=$(timed "$A_PORT" "CREATE INDEX k_1 ON sbtest.sbtest1 (k)")
    again_b=$(timed "$B_PORT" "CREATE INDEX k_1 ON sbtest.sbtest1 (k)")
    printf '%-34s %12.2f %12.2f %7s\n' "CREATE INDEX k_1 again (s)" "$again_a" "$again_b" "$(ratio "$again_b" "$again_a")"
fi
