//! SELECT ... FOR UPDATE under optimistic transactions, SHOW PROCESSLIST and KILL, over the
//! protocol. (Always against a spawned moltdb: conflict behaviour is TiDB's, not InnoDB's.)

mod common;

use common::{expect_server_error, TestServer};
use mysql_async::prelude::*;

const ER_WRITE_CONFLICT: u16 = 9007;

#[tokio::test]
async fn for_update_makes_a_concurrent_writer_conflict() {
    let server = TestServer::start();
    let mut c1 = server.conn().await;
    c1.query_drop("CREATE DATABASE fu").await.unwrap();
    c1.query_drop("USE fu").await.unwrap();
    c1.query_drop("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    c1.query_drop("INSERT INTO t VALUES (1, 10), (2, 20)")
        .await
        .unwrap();
    let mut c2 = server.conn().await;
    c2.query_drop("USE fu").await.unwrap();

    // The locker commits second: the writer won, the locker fails.
    c1.query_drop("BEGIN").await.unwrap();
    let v: Vec<i32> = c1
        .query("SELECT v FROM t WHERE id = 1 FOR UPDATE")
        .await
        .unwrap();
    assert_eq!(v, vec![10]);
    c2.query_drop("UPDATE t SET v = 11 WHERE id = 1")
        .await
        .unwrap();
    expect_server_error(c1.query_drop("COMMIT").await, ER_WRITE_CONFLICT);

    // A lock is checked, not written: when the locker commits first, the writer (which only
    // conflicts with writes) commits too, and the locker's reads stayed consistent.
    c1.query_drop("BEGIN").await.unwrap();
    c2.query_drop("BEGIN").await.unwrap();
    c1.query_drop("SELECT * FROM t WHERE id = 2 LOCK IN SHARE MODE")
        .await
        .unwrap();
    c2.query_drop("UPDATE t SET v = 21 WHERE id = 2")
        .await
        .unwrap();
    c1.query_drop("COMMIT").await.unwrap();
    c2.query_drop("COMMIT").await.unwrap();

    // Rows not locked do not conflict.
    c1.query_drop("BEGIN").await.unwrap();
    c1.query_drop("SELECT * FROM t WHERE id = 1 FOR UPDATE")
        .await
        .unwrap();
    c2.query_drop("UPDATE t SET v = 22 WHERE id = 2")
        .await
        .unwrap();
    c1.query_drop("COMMIT").await.unwrap();
    let rows: Vec<(i32, i32)> = c1.query("SELECT id, v FROM t ORDER BY id").await.unwrap();
    assert_eq!(rows, vec![(1, 11), (2, 22)]);
}

/// Waits until connection `id` runs a statement starting with `what`.
async fn wait_running(c: &mut mysql_async::Conn, id: u32, what: &str) {
    let sql = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {id} AND INFO LIKE '{what}%'"
    );
    while c.query_first::<i64, _>(&sql).await.unwrap() != Some(1) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn processlist_and_kill() {
    let server = TestServer::start();
    let mut c1 = server.conn().await;
    let mut c2 = server.conn().await;
    c2.query_drop("CREATE DATABASE pl").await.unwrap();
    c2.query_drop("USE pl").await.unwrap();
    let id2: u32 = c2
        .query_first("SELECT CONNECTION_ID()")
        .await
        .unwrap()
        .unwrap();
    let rows: Vec<(u32, String, Option<String>, String)> = c1
        .query("SELECT ID, USER, DB, COMMAND FROM information_schema.PROCESSLIST ORDER BY ID")
        .await
        .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.0 == id2 && r.1 == "root" && r.2.as_deref() == Some("pl") && r.3 == "Sleep"),
        "{rows:?}"
    );
    let shown: Vec<mysql_async::Row> = c1.query("SHOW FULL PROCESSLIST").await.unwrap();
    assert!(shown.len() >= 2);
    expect_server_error(c1.query_drop("KILL 999999").await, 1094);
    c1.query_drop(format!("KILL QUERY {id2}")).await.unwrap();
    // KILL QUERY leaves the connection usable.
    c2.query_drop("SELECT 1").await.unwrap();
    // ... and interrupts a waiting SLEEP (which then returns 1, as MySQL's) and a looping
    // BENCHMARK (error 1317). Unkilled, each would run for minutes.
    let sleeping = tokio::spawn(async move {
        let slept: Option<i64> = c2.query_first("SELECT SLEEP(600)").await.unwrap();
        (c2, slept)
    });
    wait_running(&mut c1, id2, "SELECT SLEEP").await;
    c1.query_drop(format!("KILL QUERY {id2}")).await.unwrap();
    let (mut c2, slept) = tokio::time::timeout(std::time::Duration::from_secs(60), sleeping)
        .await
        .expect("KILL QUERY did not end SLEEP")
        .unwrap();
    assert_eq!(slept, Some(1));
    let looping = tokio::spawn(async move {
        let r = c2.query_drop("SELECT BENCHMARK(100000000000, 1 + 1)").await;
        (c2, r)
    });
    wait_running(&mut c1, id2, "SELECT BENCHMARK").await;
    c1.query_drop(format!("KILL QUERY {id2}")).await.unwrap();
    let (mut c2, result) = tokio::time::timeout(std::time::Duration::from_secs(60), looping)
        .await
        .expect("KILL QUERY did not end BENCHMARK")
        .unwrap();
    expect_server_error(result, 1317);
    c2.query_drop("SELECT 1").await.unwrap();
    // ... and a long read of table rows: a subquery counting the table again for each of
    // its 5,000 rows reads 25 million.
    c2.query_drop("CREATE TABLE big (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    let values: Vec<String> = (1..=5000).map(|i| format!("({i}, {i})")).collect();
    c2.query_drop(format!("INSERT INTO big VALUES {}", values.join(",")))
        .await
        .unwrap();
    let scanning = tokio::spawn(async move {
        let r = c2
            .query_drop(
                "SELECT COUNT(*) FROM big a WHERE (SELECT COUNT(*) FROM big b WHERE b.v >= a.v) > 0",
            )
            .await;
        (c2, r)
    });
    wait_running(&mut c1, id2, "SELECT COUNT").await;
    c1.query_drop(format!("KILL QUERY {id2}")).await.unwrap();
    let (mut c2, result) = tokio::time::timeout(std::time::Duration::from_secs(60), scanning)
        .await
        .expect("KILL QUERY did not end the scan")
        .unwrap();
    expect_server_error(result, 1317);
    c2.query_drop("SELECT 1").await.unwrap();
    c1.query_drop(format!("KILL {id2}")).await.unwrap();
    assert!(c2.query_drop("SELECT 1").await.is_err());
}
