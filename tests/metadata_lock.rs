//! The metadata lock as TiDB's: a DDL step waits only for transactions that used its table
//! (`mysql.tidb_mdl_view` names them), a transaction that first touches a table after it
//! changed uses the new definition (or fails with 8028 when an index turned public
//! meanwhile), and with `tidb_enable_metadata_lock = OFF` DDL does not wait and the stale
//! writer fails at COMMIT with 8028.

mod common;

use std::time::Duration;

use common::{server_error_code, TestServer};
use mysql_async::prelude::*;
use mysql_async::Conn;

async fn setup(server: &TestServer) -> Conn {
    let mut c = server.conn().await;
    for sql in [
        "CREATE DATABASE m",
        "CREATE TABLE m.t1 (id INT PRIMARY KEY, v INT)",
        "CREATE TABLE m.t2 (id INT PRIMARY KEY, v INT)",
        "INSERT INTO m.t1 VALUES (1, 10), (2, 20)",
        "INSERT INTO m.t2 VALUES (1, 10)",
    ] {
        c.query_drop(sql).await.unwrap();
    }
    c
}

/// Runs `sql` on a connection of its own; the handle ends with the statement.
fn spawn(
    server: &TestServer,
    sql: &'static str,
) -> tokio::task::JoinHandle<mysql_async::Result<()>> {
    let opts = server.opts();
    tokio::spawn(async move {
        let mut c = Conn::new(opts).await?;
        c.query_drop(sql).await
    })
}

#[tokio::test]
async fn ddl_waits_only_for_transactions_that_used_its_table() {
    let server = TestServer::start();
    let mut admin = setup(&server).await;
    let mut holder = server.conn().await;
    holder.query_drop("BEGIN").await.unwrap();
    let _: Vec<(i32, i32)> = holder.query("SELECT * FROM m.t1").await.unwrap();
    let session: u32 = holder.id();

    // A transaction that never touched t2 does not hold its DDL back.
    let other = spawn(&server, "ALTER TABLE m.t2 ADD COLUMN x INT");
    tokio::time::timeout(Duration::from_secs(20), other)
        .await
        .expect("DDL on another table waited for the transaction")
        .unwrap()
        .unwrap();

    // One on t1 waits, and the view says for whom.
    let blocked = spawn(&server, "ALTER TABLE m.t1 ADD COLUMN y INT DEFAULT 3");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !blocked.is_finished(),
        "DDL on t1 did not wait for the transaction"
    );
    let view: Vec<(String, String, String, u32)> = admin
        .query("SELECT db_name, table_name, query, session_id FROM mysql.tidb_mdl_view")
        .await
        .unwrap();
    assert_eq!(
        view,
        [(
            "m".to_string(),
            "t1".to_string(),
            "ALTER TABLE m.t1 ADD COLUMN y INT DEFAULT 3".to_string(),
            session
        )]
    );
    // The transaction keeps working on the version it holds, then lets the DDL go.
    holder
        .query_drop("INSERT INTO m.t1 VALUES (3, 30)")
        .await
        .unwrap();
    holder.query_drop("COMMIT").await.unwrap();
    tokio::time::timeout(Duration::from_secs(20), blocked)
        .await
        .expect("DDL still waiting after the commit")
        .unwrap()
        .unwrap();
    let rows: Vec<(i32, i32, i32)> = admin
        .query("SELECT id, v, y FROM m.t1 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(rows, [(1, 10, 3), (2, 20, 3), (3, 30, 3)]);
    let view: Vec<mysql_async::Row> = admin
        .query("SELECT * FROM mysql.tidb_mdl_view")
        .await
        .unwrap();
    assert!(view.is_empty());
}

#[tokio::test]
async fn first_access_after_a_change_uses_the_new_definition() {
    let server = TestServer::start();
    let mut admin = setup(&server).await;
    let mut c = server.conn().await;
    c.query_drop("BEGIN").await.unwrap();
    let _: Vec<(i32, i32)> = c.query("SELECT * FROM m.t2").await.unwrap();
    admin
        .query_drop("ALTER TABLE m.t1 ADD COLUMN z INT DEFAULT 5")
        .await
        .unwrap();
    // t1 changed after the transaction began, before it first used t1: the new column.
    c.query_drop("INSERT INTO m.t1 (id, v, z) VALUES (4, 40, 6)")
        .await
        .unwrap();
    let rows: Vec<(i32, i32)> = c.query("SELECT id, z FROM m.t1 ORDER BY id").await.unwrap();
    assert_eq!(rows, [(1, 5), (2, 5), (4, 6)]);
    c.query_drop("COMMIT").await.unwrap();

    // An index that turned public meanwhile cannot be read by the transaction: 8028.
    c.query_drop("BEGIN").await.unwrap();
    let _: Vec<(i32, i32)> = c.query("SELECT * FROM m.t2").await.unwrap();
    admin
        .query_drop("ALTER TABLE m.t1 ADD INDEX iv (v)")
        .await
        .unwrap();
    let err = c
        .query_drop("SELECT * FROM m.t1 WHERE v = 10")
        .await
        .expect_err("the index is newer than the transaction");
    assert_eq!(server_error_code(&err), Some(8028), "{err}");
    c.query_drop("ROLLBACK").await.unwrap();
    c.query_drop("ADMIN CHECK TABLE m.t1").await.unwrap();
}

#[tokio::test]
async fn with_the_lock_off_ddl_does_not_wait_and_the_stale_writer_fails_at_commit() {
    let server = TestServer::start();
    let mut admin = setup(&server).await;
    admin
        .query_drop("SET GLOBAL tidb_enable_metadata_lock = OFF")
        .await
        .unwrap();
    let mut c = server.conn().await;
    c.query_drop("BEGIN").await.unwrap();
    c.query_drop("INSERT INTO m.t1 VALUES (5, 50)")
        .await
        .unwrap();
    let ddl = spawn(&server, "ALTER TABLE m.t1 ADD INDEX iv (v)");
    tokio::time::timeout(Duration::from_secs(20), ddl)
        .await
        .expect("DDL waited for the transaction with the lock off")
        .unwrap()
        .unwrap();
    let err = c
        .query_drop("COMMIT")
        .await
        .expect_err("the transaction's writes miss the new index");
    assert_eq!(server_error_code(&err), Some(8028), "{err}");
    admin.query_drop("ADMIN CHECK TABLE m.t1").await.unwrap();
    let n: i64 = admin
        .query_first("SELECT COUNT(*) FROM m.t1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 2, "the stale transaction's row did not land");
}
