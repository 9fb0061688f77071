//! Joins of two 100k-row tables stay linear: on an indexed key the inner table is looked up
//! per outer row (index join), on an unindexed equality key it is hashed once. A quadratic
//! join would take hours here (10^10 row pairs); the time bound only tells the two apart.
//! EXPLAIN names the join method. Always runs against a spawned moltdb.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use mysql_async::prelude::*;

const ROWS: usize = 100_000;
const BATCH: usize = 2_000;

async fn fill(c: &mut mysql_async::Conn, table: &str, row: impl Fn(usize) -> String) {
    for start in (0..ROWS).step_by(BATCH) {
        let values: Vec<String> = (start..start + BATCH).map(&row).collect();
        c.query_drop(format!("INSERT INTO {table} VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
}

async fn explain(c: &mut mysql_async::Conn, sql: &str) -> String {
    let rows: Vec<mysql_async::Row> = c.query(format!("EXPLAIN {sql}")).await.unwrap();
    rows.into_iter()
        .map(|r| r.get::<String, _>(0).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_of_100k_rows_are_not_quadratic() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE js").await.unwrap();
    c.query_drop("USE js").await.unwrap();
    c.query_drop("CREATE TABLE a (id INT PRIMARY KEY, k INT, KEY idx_k (k))")
        .await
        .unwrap();
    c.query_drop("CREATE TABLE b (id INT PRIMARY KEY, v INT, w INT, KEY idx_v (v))")
        .await
        .unwrap();
    // a.k points at b.id (reversed, so neither side is read in the other's order).
    fill(&mut c, "a", |i| format!("({i}, {})", ROWS - 1 - i)).await;
    fill(&mut c, "b", |i| format!("({i}, {i}, {})", i % 1000)).await;

    let cases = [
        // Primary key of the inner table: a point get per outer row.
        (
            "SELECT COUNT(*) FROM a JOIN b ON b.id = a.k",
            "IndexJoin",
            ROWS,
        ),
        // Secondary index of the inner table.
        (
            "SELECT COUNT(*) FROM a JOIN b ON b.v = a.id",
            "IndexJoin",
            ROWS,
        ),
        // The same join written as a comma join with WHERE, and as a LEFT JOIN.
        (
            "SELECT COUNT(*) FROM a, b WHERE a.k = b.id",
            "IndexJoin",
            ROWS,
        ),
        (
            "SELECT COUNT(*) FROM a LEFT JOIN b ON b.id = a.k",
            "IndexJoin",
            ROWS,
        ),
        // No index on b.w: a hash join (each w value matches 100 b rows, 100 a rows).
        (
            "SELECT COUNT(*) FROM a JOIN b ON b.w = a.id",
            "HashJoin",
            ROWS,
        ),
    ];
    for (sql, method, expected) in cases {
        let plan = explain(&mut c, sql).await;
        assert!(plan.contains(method), "{sql}: expected {method} in\n{plan}");
        let started = Instant::now();
        let n: Option<u64> = c.query_first(sql).await.unwrap();
        let took = started.elapsed();
        assert_eq!(n, Some(expected as u64), "{sql}");
        assert!(
            took < Duration::from_secs(240),
            "{sql} took {took:?}: the join is not linear"
        );
        eprintln!("{sql}: {took:?}");
    }
}
