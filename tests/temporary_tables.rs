//! Temporary tables belong to their session: another connection does not see them (and may
//! have its own of the same name), COM_RESET_CONNECTION and disconnecting drop them, and
//! the rows of a session killed with the server are removed at the next start.

mod common;

use std::time::{Duration, Instant};

use common::{server_error_code, TestServer};
use mysql_async::prelude::*;
use mysql_async::Conn;

/// How many temporary tables' rows the delete-range worker has recorded (job 0), pending
/// or removed.
async fn released(c: &mut Conn) -> i64 {
    let pending: Vec<i64> = c
        .query("SELECT COUNT(*) FROM mysql.gc_delete_range WHERE job_id = 0")
        .await
        .unwrap();
    let done: Vec<i64> = c
        .query("SELECT COUNT(*) FROM mysql.gc_delete_range_done WHERE job_id = 0")
        .await
        .unwrap();
    pending[0] + done[0]
}

async fn wait_released(c: &mut Conn, at_least: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = released(c).await;
        if n >= at_least {
            return;
        }
        assert!(Instant::now() < deadline, "{n} of {at_least} released");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn temporary_tables_are_the_sessions_own() {
    let mut server = TestServer::start();
    let mut a = server.conn().await;
    let mut b = server.conn().await;
    a.query_drop("CREATE DATABASE tmp").await.unwrap();
    for c in [&mut a, &mut b] {
        c.query_drop("USE tmp").await.unwrap();
    }
    a.query_drop("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    a.query_drop("INSERT INTO t VALUES (1, 10), (2, 20)")
        .await
        .unwrap();
    let err = b.query_drop("SELECT * FROM t").await.unwrap_err();
    assert_eq!(server_error_code(&err), Some(1146), "{err:?}");
    b.query_drop("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    b.query_drop("INSERT INTO t VALUES (9, 90)").await.unwrap();
    let mine: Vec<(i32, i32)> = a.query("SELECT * FROM t ORDER BY id").await.unwrap();
    assert_eq!(mine, vec![(1, 10), (2, 20)]);
    let theirs: Vec<(i32, i32)> = b.query("SELECT * FROM t").await.unwrap();
    assert_eq!(theirs, vec![(9, 90)]);
    // Prepared statements reach the same table.
    let got: Vec<i32> = a.exec("SELECT v FROM t WHERE id = ?", (2,)).await.unwrap();
    assert_eq!(got, vec![20]);

    // A reset connection and a closed one leave their temporary tables behind them.
    let before = released(&mut a).await;
    b.reset().await.unwrap();
    b.query_drop("USE tmp").await.unwrap();
    let err = b.query_drop("SELECT * FROM t").await.unwrap_err();
    assert_eq!(server_error_code(&err), Some(1146), "{err:?}");
    b.disconnect().await.unwrap();
    wait_released(&mut a, before + 1).await;

    // kill -9 with a temporary table alive: the next start releases its rows.
    a.query_drop("CREATE TEMPORARY TABLE big (id INT PRIMARY KEY)")
        .await
        .unwrap();
    a.query_drop("INSERT INTO big VALUES (1), (2), (3)")
        .await
        .unwrap();
    let before = released(&mut a).await;
    // `a` stays open until the server is gone: its session never ends cleanly.
    server.kill9();
    drop(a);
    server.restart();
    let mut c = server.conn().await;
    wait_released(&mut c, before + 2).await;
    assert!(
        server
            .log()
            .contains("temporary tables of a previous run released"),
        "{}",
        server.log_tail()
    );
}
