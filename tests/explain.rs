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

/// USE / FORCE / IGNORE INDEX choose among the indexes as MySQL's hints do; a name the
/// table does not have (or an invisible index) is 1176; the rows are the same either way.
#[tokio::test]
async fn index_hints_steer_the_access_path() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE hints").await.unwrap();
    c.query_drop("USE hints").await.unwrap();
    c.query_drop(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY ia (a), KEY ib (b), KEY iab (a, b))",
    )
    .await
    .unwrap();
    c.query_drop("INSERT INTO t VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2), (4, 3, 3)")
        .await
        .unwrap();

    let where_ab = "WHERE a = 1 AND b = 2";
    let (_, plan) = explain(&mut c, &format!("SELECT * FROM t {where_ab}")).await;
    assert!(plan.contains("iab"), "the widest index by default:\n{plan}");
    let (_, plan) = explain(
        &mut c,
        &format!("SELECT * FROM t FORCE INDEX (ib) {where_ab}"),
    )
    .await;
    assert!(plan.contains("index:ib"), "FORCE INDEX (ib):\n{plan}");
    let (_, plan) = explain(
        &mut c,
        &format!("SELECT * FROM t USE INDEX (ia, ib) {where_ab}"),
    )
    .await;
    assert!(
        !plan.contains("iab"),
        "USE INDEX (ia, ib) excludes iab:\n{plan}"
    );
    let (_, plan) = explain(
        &mut c,
        &format!("SELECT * FROM t IGNORE INDEX (iab) IGNORE KEY (ia) {where_ab}"),
    )
    .await;
    assert!(
        plan.contains("index:ib"),
        "IGNORE iab and ia leaves ib:\n{plan}"
    );
    let (_, plan) = explain(&mut c, &format!("SELECT * FROM t USE INDEX () {where_ab}")).await;
    assert!(
        plan.contains("fullscan"),
        "USE INDEX () reads no index:\n{plan}"
    );
    let (_, plan) = explain(
        &mut c,
        "SELECT * FROM t IGNORE INDEX (PRIMARY) WHERE id = 2",
    )
    .await;
    assert!(plan.contains("fullscan"), "IGNORE INDEX (PRIMARY):\n{plan}");
    let (_, plan) = explain(
        &mut c,
        "SELECT * FROM t x FORCE INDEX (PRIMARY) WHERE id = 2",
    )
    .await;
    assert!(!plan.contains("fullscan"), "FORCE INDEX (PRIMARY):\n{plan}");
    let (_, plan) = explain(&mut c, "DELETE FROM t IGNORE INDEX (ib) WHERE b = 3").await;
    assert!(plan.contains("fullscan"), "hints on a DML target:\n{plan}");

    for hint in [
        "",
        "FORCE INDEX (ib)",
        "USE INDEX ()",
        "IGNORE INDEX (iab, ia)",
    ] {
        let ids: Vec<i32> = c
            .query(format!("SELECT id FROM t {hint} {where_ab} ORDER BY id"))
            .await
            .unwrap();
        assert_eq!(ids, vec![2], "rows under '{hint}'");
    }
    // Joins take the hints of the table they read by index.
    for hint in ["", "IGNORE INDEX (ia, iab)", "FORCE INDEX (iab)"] {
        let n: Vec<i64> = c
            .query(format!(
                "SELECT COUNT(*) FROM t x JOIN t y {hint} ON y.a = x.b"
            ))
            .await
            .unwrap();
        assert_eq!(n, vec![5], "join under '{hint}'");
    }

    for sql in [
        "SELECT * FROM t FORCE INDEX (nope)",
        "SELECT * FROM t USE INDEX (ia, nope) WHERE a = 1",
        "SELECT * FROM t IGNORE INDEX (nope)",
        "UPDATE t FORCE INDEX (nope) SET a = 1",
    ] {
        let err = c.query_drop(sql).await.unwrap_err();
        assert!(
            matches!(&err, mysql_async::Error::Server(e)
                if e.code == 1176 && e.message == "Key 'nope' doesn't exist in table 't'"),
            "{sql}: {err:?}"
        );
    }
    c.query_drop("ALTER TABLE t ALTER INDEX ib INVISIBLE")
        .await
        .unwrap();
    let err = c
        .query_drop("SELECT * FROM t FORCE INDEX (ib) WHERE b = 2")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, mysql_async::Error::Server(e) if e.code == 1176),
        "{err:?}"
    );
}
