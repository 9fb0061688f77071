//! Table statistics through the protocol: committed row changes counted (SHOW STATS_META,
//! information_schema.TABLES.TABLE_ROWS), ANALYZE TABLE's exact count, counts kept across a
//! clean restart, and joins ordered by them.

mod common;

use common::TestServer;
use mysql_async::prelude::*;

/// (Modify_count, Row_count) of a table in SHOW STATS_META.
async fn stats_meta(c: &mut mysql_async::Conn, table: &str) -> (i64, i64) {
    let rows: Vec<mysql_async::Row> = c
        .query(format!("SHOW STATS_META LIKE '{table}'"))
        .await
        .unwrap();
    let row = rows
        .first()
        .unwrap_or_else(|| panic!("no stats_meta row for {table}"));
    (row.get(4).unwrap(), row.get(5).unwrap())
}

#[tokio::test]
async fn row_changes_and_analyze_make_the_counts() {
    let mut server = TestServer::start();
    let mut c = server.conn().await;
    for sql in [
        "CREATE DATABASE st",
        "USE st",
        "CREATE TABLE t (id INT PRIMARY KEY, v INT)",
        "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
        "DELETE FROM t WHERE id = 4",
        "UPDATE t SET v = 0 WHERE id < 3",
        "BEGIN",
        "INSERT INTO t VALUES (10, 10)",
        "ROLLBACK",
    ] {
        c.query_drop(sql).await.unwrap();
    }
    // 4 inserted, 1 deleted, 2 updated; the rolled-back insert is not counted.
    assert_eq!(stats_meta(&mut c, "t").await, (7, 3));
    let rows: Option<i64> = c
        .query_first("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_NAME = 't'")
        .await
        .unwrap();
    assert_eq!(rows, Some(3));

    c.query_drop("ANALYZE TABLE t").await.unwrap();
    assert_eq!(stats_meta(&mut c, "t").await, (0, 3));
    c.query_drop("INSERT INTO t VALUES (5, 5)").await.unwrap();
    assert_eq!(stats_meta(&mut c, "t").await, (1, 4));
    drop(c);

    // A clean stop flushes what the node had pending.
    server.restart_gracefully();
    let mut c = server.conn().await;
    assert_eq!(stats_meta(&mut c, "t").await, (1, 4));
}

#[tokio::test]
async fn joins_start_from_the_smallest_table_when_reordered() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE jo").await.unwrap();
    c.query_drop("USE jo").await.unwrap();
    for (table, rows) in [("big", 50), ("mid", 20), ("small", 5)] {
        c.query_drop(format!("CREATE TABLE {table} (a INT, b INT)"))
            .await
            .unwrap();
        let values: Vec<String> = (0..rows).map(|i| format!("({i}, {i})")).collect();
        c.query_drop(format!("INSERT INTO {table} VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
    // Written so that mid joins nothing before it: planned again, smallest first.
    let sql = "SELECT COUNT(*) FROM big, mid, small WHERE big.a = small.a AND mid.a = small.a";
    let explain: Vec<mysql_async::Row> = c.query(format!("EXPLAIN {sql}")).await.unwrap();
    let text: Vec<String> = explain
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<Option<String>, _>(i).flatten().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    // The readers in join order: `table:<name>` in their operator info.
    let order: Vec<&str> = text
        .iter()
        .filter_map(|line| line.split("table:").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    assert_eq!(order, ["small", "mid", "big"], "{}", text.join("\n"));
    let n: Option<i64> = c.query_first(sql).await.unwrap();
    assert_eq!(n, Some(5));
}
