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

/// The 64-table chain join of the issue (the SQLite corpus's select5 shape): tables named
/// in an order where most are joined to nothing before them. Joined in FROM order that is
/// a chain of cross products (10^63 rows); joined along the conditions every step is a
/// key lookup and the answer has 10 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_table_join_follows_its_conditions() {
    const TABLES: usize = 64;
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE chain").await.unwrap();
    c.query_drop("USE chain").await.unwrap();
    for t in 0..TABLES {
        c.query_drop(format!(
            "CREATE TABLE t{t} (a{t} INT PRIMARY KEY, b{t} INT, x{t} VARCHAR(10))"
        ))
        .await
        .unwrap();
        // b points at a row of the next table: (k * 7) % 10 + 1 is a permutation of 1..=10.
        let rows: Vec<String> = (1..=10)
            .map(|k| format!("({k}, {}, 't{t}-{k}')", (k * 7) % 10 + 1))
            .collect();
        c.query_drop(format!("INSERT INTO t{t} VALUES {}", rows.join(",")))
            .await
            .unwrap();
    }
    // Even tables first, then odd ones: no table but the first is connected to those
    // written before it until the odd half starts.
    let from: Vec<String> = (0..TABLES)
        .filter(|t| t % 2 == 0)
        .chain((0..TABLES).filter(|t| t % 2 == 1))
        .map(|t| format!("t{t}"))
        .collect();
    let chain: Vec<String> = (0..TABLES - 1)
        .map(|t| format!("a{t} = b{}", t + 1))
        .collect();
    let sql = format!(
        "SELECT COUNT(*), MIN(x0), MAX(x{}) FROM {} WHERE {}",
        TABLES - 1,
        from.join(", "),
        chain.join(" AND ")
    );
    let plan = explain(&mut c, &sql).await;
    assert!(
        !plan.contains("NestedLoopJoin"),
        "a cross product in the plan:\n{plan}"
    );
    let row: Option<(u64, String, String)> = c.query_first(&sql).await.unwrap();
    assert_eq!(
        row,
        Some((10, "t0-1".to_string(), format!("t{}-9", TABLES - 1))),
        "{sql}"
    );
}
