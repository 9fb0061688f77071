//! EXPLAIN shows TiDB-style plans (columns id, estRows, task, access object, operator info) and
//! point / range lookups on the primary key and on unique and secondary indexes use them.
//! Assertions are deliberately loose: they check the plan names the index (or avoids a full
//! scan), not the exact operator ids or estimates. Always runs against a spawned moltdb.

mod common;

use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};

/// Runs EXPLAIN and returns (column names, the plan as one lower-case text blob).
async fn explain(conn: &mut Conn, sql: &str) -> (Vec<String>, String) {
    let mut result = conn.query_iter(format!("EXPLAIN {sql}")).await.unwrap();
    let columns: Vec<String> = result
        .columns_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let rows: Vec<Row> = result.collect().await.unwrap();
    assert!(!rows.is_empty(), "EXPLAIN {sql} returned no rows");
    let text = rows
        .into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql_async::Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                    mysql_async::Value::NULL => String::new(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    (columns, text.to_lowercase())
}

#[tokio::test]
async fn explain_shows_index_access() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE ex").await.unwrap();
    c.query_drop("USE ex").await.unwrap();
    c.query_drop(
        "CREATE TABLE t (id INT PRIMARY KEY, u INT, k INT, note VARCHAR(20), \
         UNIQUE KEY uk_u (u), KEY idx_k (k))",
    )
    .await
    .unwrap();
    c.query_drop("INSERT INTO t VALUES (1, 10, 100, 'a'), (2, 20, 100, 'b'), (3, 30, 300, 'c')")
        .await
        .unwrap();

    let (columns, plan) = explain(&mut c, "SELECT * FROM t").await;
    assert_eq!(
        columns,
        vec!["id", "estRows", "task", "access object", "operator info"],
        "EXPLAIN columns"
    );
    assert!(
        plan.contains("fullscan"),
        "full table scan expected:\n{plan}"
    );

    // Primary key point and range lookups: no full scan.
    for sql in [
        "SELECT * FROM t WHERE id = 2",
        "SELECT * FROM t WHERE id IN (1, 3)",
        "SELECT * FROM t WHERE id BETWEEN 1 AND 2",
        "SELECT * FROM t WHERE id > 1",
    ] {
        let (_, plan) = explain(&mut c, sql).await;
        assert!(
            !plan.contains("fullscan"),
            "{sql} must not scan the table:\n{plan}"
        );
        assert!(
            plan.contains("table:t"),
            "{sql}: plan should name table t:\n{plan}"
        );
    }

    // Unique index lookups name the index.
    for sql in [
        "SELECT * FROM t WHERE u = 20",
        "SELECT id FROM t WHERE u > 15",
    ] {
        let (_, plan) = explain(&mut c, sql).await;
        assert!(plan.contains("uk_u"), "{sql} should use uk_u:\n{plan}");
        assert!(!plan.contains("tablefullscan"), "{sql}:\n{plan}");
    }

    // Secondary index lookups name the index.
    for sql in [
        "SELECT * FROM t WHERE k = 100",
        "SELECT note FROM t WHERE k BETWEEN 50 AND 150",
        "SELECT id FROM t WHERE k IN (100, 300)",
    ] {
        let (_, plan) = explain(&mut c, sql).await;
        assert!(plan.contains("idx_k"), "{sql} should use idx_k:\n{plan}");
        assert!(!plan.contains("tablefullscan"), "{sql}:\n{plan}");
    }

    // A non-indexed column needs a full scan.
    let (_, plan) = explain(&mut c, "SELECT * FROM t WHERE note = 'a'").await;
    assert!(plan.contains("fullscan"), "{plan}");

    // EXPLAIN of UPDATE / DELETE works as well.
    let (_, plan) = explain(&mut c, "UPDATE t SET note = 'x' WHERE id = 1").await;
    assert!(!plan.contains("fullscan"), "{plan}");
    let (_, plan) = explain(&mut c, "DELETE FROM t WHERE k = 300").await;
    assert!(plan.contains("idx_k"), "{plan}");

    // The queries themselves return the right rows.
    let ids: Vec<i32> = c
        .query("SELECT id FROM t WHERE k = 100 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2]);
}
