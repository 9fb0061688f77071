//! Transactions as clients see them: snapshot isolation between connections, optimistic
//! first-committer-wins conflicts (TiDB's error 9007 `Write conflict, ...` on COMMIT, nothing of
//! the loser written), rollback, statement atomicity inside a transaction, concurrent writers.
//!
//! These tests always run against a spawned moltdb (conflict behaviour differs from InnoDB's
//! pessimistic locking, so they are not meant for `MOLTDB_TEST_ADDR`).

mod common;

use common::{expect_server_error, TestServer};
use mysql_async::prelude::*;
use mysql_async::Conn;

/// TiDB's write-conflict error code.
const ER_WRITE_CONFLICT: u16 = 9007;

async fn setup(server: &TestServer, db: &str) -> Conn {
    let mut conn = server.conn().await;
    conn.query_drop(format!("CREATE DATABASE {db}"))
        .await
        .unwrap();
    conn.query_drop(format!("USE {db}")).await.unwrap();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    conn.query_drop("INSERT INTO t VALUES (1, 10), (2, 20)")
        .await
        .unwrap();
    conn
}

async fn conn_in(server: &TestServer, db: &str) -> Conn {
    let mut conn = server.conn().await;
    conn.query_drop(format!("USE {db}")).await.unwrap();
    conn
}

async fn rows(conn: &mut Conn) -> Vec<(i32, i32)> {
    conn.query("SELECT id, v FROM t ORDER BY id").await.unwrap()
}

#[tokio::test]
async fn snapshot_isolation_between_clients() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_si").await;
    let mut c2 = conn_in(&server, "txn_si").await;

    c1.query_drop("BEGIN").await.unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 10), (2, 20)]);

    // Committed changes of another client after the snapshot are invisible...
    c2.query_drop("UPDATE t SET v = 11 WHERE id = 1")
        .await
        .unwrap();
    c2.query_drop("INSERT INTO t VALUES (3, 30)").await.unwrap();
    c2.query_drop("DELETE FROM t WHERE id = 2").await.unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 10), (2, 20)]);
    let v: Option<i32> = c1
        .query_first("SELECT v FROM t WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(v, Some(10), "point read must use the snapshot too");
    let v: Option<i32> = c1
        .query_first("SELECT v FROM t WHERE id = 3")
        .await
        .unwrap();
    assert_eq!(v, None);

    // ...while the transaction sees its own writes on top of the snapshot.
    c1.query_drop("INSERT INTO t VALUES (4, 40)").await.unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 10), (2, 20), (4, 40)]);
    // ...and the other client does not see them before COMMIT.
    assert_eq!(rows(&mut c2).await, vec![(1, 11), (3, 30)]);

    c1.query_drop("COMMIT").await.unwrap();
    let expected = vec![(1, 11), (3, 30), (4, 40)];
    assert_eq!(rows(&mut c1).await, expected);
    assert_eq!(rows(&mut c2).await, expected);
}

#[tokio::test]
async fn conflicting_writers_first_committer_wins() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_conflict").await;
    let mut c2 = conn_in(&server, "txn_conflict").await;

    c1.query_drop("BEGIN").await.unwrap();
    c2.query_drop("BEGIN").await.unwrap();
    c1.query_drop("UPDATE t SET v = v + 1 WHERE id = 1")
        .await
        .unwrap();
    // Optimistic transactions: the second writer is not blocked by the first.
    c2.query_drop("UPDATE t SET v = v + 100 WHERE id = 1")
        .await
        .unwrap();
    c2.query_drop("INSERT INTO t VALUES (50, 500)")
        .await
        .unwrap();
    c2.query_drop("UPDATE t SET v = 0 WHERE id = 2")
        .await
        .unwrap();

    c1.query_drop("COMMIT").await.unwrap();
    let res = c2.query_drop("COMMIT").await;
    let msg = expect_server_error(res, ER_WRITE_CONFLICT);
    assert!(msg.starts_with("Write conflict"), "message: {msg}");

    // Nothing of the loser is written; the winner's write is there.
    assert_eq!(rows(&mut c1).await, vec![(1, 11), (2, 20)]);
    // The losing connection is usable and no longer inside the failed transaction.
    assert_eq!(rows(&mut c2).await, vec![(1, 11), (2, 20)]);
    c2.query_drop("UPDATE t SET v = 12 WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 12), (2, 20)]);
}

#[tokio::test]
async fn conflict_with_a_commit_after_the_snapshot() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_late").await;
    let mut c2 = conn_in(&server, "txn_late").await;

    c2.query_drop("BEGIN").await.unwrap();
    assert_eq!(rows(&mut c2).await, vec![(1, 10), (2, 20)]);
    // An autocommit write commits after c2's snapshot was taken.
    c1.query_drop("UPDATE t SET v = 15 WHERE id = 1")
        .await
        .unwrap();
    // c2 writes the same row based on its (now stale) snapshot: COMMIT must fail.
    c2.query_drop("UPDATE t SET v = 99 WHERE id = 1")
        .await
        .unwrap();
    c2.query_drop("INSERT INTO t VALUES (7, 70)").await.unwrap();
    let res = c2.query_drop("COMMIT").await;
    expect_server_error(res, ER_WRITE_CONFLICT);
    assert_eq!(rows(&mut c1).await, vec![(1, 15), (2, 20)]);

    // Two transactions inserting the same new key conflict as well.
    c1.query_drop("BEGIN").await.unwrap();
    c2.query_drop("BEGIN").await.unwrap();
    c1.query_drop("INSERT INTO t VALUES (8, 1)").await.unwrap();
    c2.query_drop("INSERT INTO t VALUES (8, 2)").await.unwrap();
    c1.query_drop("COMMIT").await.unwrap();
    let res = c2.query_drop("COMMIT").await;
    let code = match res {
        Err(e) => common::server_error_code(&e),
        Ok(()) => None,
    };
    assert!(
        matches!(code, Some(ER_WRITE_CONFLICT) | Some(1062)),
        "second insert of the same key must fail at COMMIT, got {code:?}"
    );
    let v: Option<i32> = c1
        .query_first("SELECT v FROM t WHERE id = 8")
        .await
        .unwrap();
    assert_eq!(v, Some(1));
}

/// A child row's parent joins the transaction's lock set (as SELECT ... FOR UPDATE's rows
/// do): a concurrent delete of that parent, committed first, fails the child's transaction
/// at COMMIT instead of leaving an orphan.
#[tokio::test]
async fn a_child_rows_parent_is_locked_until_commit() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_fk").await;
    let mut c2 = conn_in(&server, "txn_fk").await;
    c1.query_drop(
        "CREATE TABLE child (id INT PRIMARY KEY, t_id INT, FOREIGN KEY (t_id) REFERENCES t (id))",
    )
    .await
    .unwrap();

    c1.query_drop("BEGIN").await.unwrap();
    c1.query_drop("INSERT INTO child VALUES (1, 1)")
        .await
        .unwrap();
    // c2 cannot see the uncommitted child: its delete of the parent goes through.
    c2.query_drop("DELETE FROM t WHERE id = 1").await.unwrap();
    let res = c1.query_drop("COMMIT").await;
    expect_server_error(res, ER_WRITE_CONFLICT);
    let children: Vec<i32> = c1.query("SELECT id FROM child").await.unwrap();
    assert!(children.is_empty(), "an orphan was committed: {children:?}");

    // A parent the other transaction left alone is no conflict.
    c1.query_drop("BEGIN").await.unwrap();
    c1.query_drop("INSERT INTO child VALUES (2, 2)")
        .await
        .unwrap();
    c2.query_drop("INSERT INTO t VALUES (3, 30)").await.unwrap();
    c1.query_drop("COMMIT").await.unwrap();
}

#[tokio::test]
async fn disjoint_writers_both_commit() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_disjoint").await;
    let mut c2 = conn_in(&server, "txn_disjoint").await;
    c1.query_drop("BEGIN").await.unwrap();
    c2.query_drop("BEGIN").await.unwrap();
    c1.query_drop("UPDATE t SET v = 11 WHERE id = 1")
        .await
        .unwrap();
    c2.query_drop("UPDATE t SET v = 21 WHERE id = 2")
        .await
        .unwrap();
    c1.query_drop("COMMIT").await.unwrap();
    c2.query_drop("COMMIT").await.unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 11), (2, 21)]);
}

#[tokio::test]
async fn rollback_discards_everything() {
    let server = TestServer::start();
    let mut c = setup(&server, "txn_rb").await;
    for begin in ["BEGIN", "START TRANSACTION", "SET autocommit = 0"] {
        c.query_drop(begin).await.unwrap();
        c.query_drop("INSERT INTO t VALUES (3, 30)").await.unwrap();
        c.query_drop("UPDATE t SET v = 0").await.unwrap();
        c.query_drop("DELETE FROM t WHERE id = 2").await.unwrap();
        assert_eq!(rows(&mut c).await, vec![(1, 0), (3, 0)], "{begin}");
        c.query_drop("ROLLBACK").await.unwrap();
        assert_eq!(rows(&mut c).await, vec![(1, 10), (2, 20)], "{begin}");
    }
    c.query_drop("SET autocommit = 1").await.unwrap();
    let mut other = conn_in(&server, "txn_rb").await;
    assert_eq!(rows(&mut other).await, vec![(1, 10), (2, 20)]);
}

#[tokio::test]
async fn disconnect_rolls_back_an_open_transaction() {
    let server = TestServer::start();
    let mut c1 = setup(&server, "txn_disc").await;
    let mut c2 = conn_in(&server, "txn_disc").await;
    c2.query_drop("BEGIN").await.unwrap();
    c2.query_drop("INSERT INTO t VALUES (3, 30)").await.unwrap();
    c2.disconnect().await.unwrap();
    assert_eq!(rows(&mut c1).await, vec![(1, 10), (2, 20)]);
}

#[tokio::test]
async fn failed_statement_keeps_earlier_writes() {
    let server = TestServer::start();
    let mut c = setup(&server, "txn_fail").await;
    c.query_drop("BEGIN").await.unwrap();
    c.query_drop("INSERT INTO t VALUES (3, 30)").await.unwrap();
    // Fails on its second row: none of its rows may remain.
    let res = c.query_drop("INSERT INTO t VALUES (4, 40), (1, 1)").await;
    expect_server_error(res, 1062);
    let res = c.query_drop("UPDATE t SET nope = 1").await;
    expect_server_error(res, 1054);
    c.query_drop("UPDATE t SET v = v + 1 WHERE id = 3")
        .await
        .unwrap();
    c.query_drop("COMMIT").await.unwrap();

    let mut other = conn_in(&server, "txn_fail").await;
    assert_eq!(rows(&mut other).await, vec![(1, 10), (2, 20), (3, 31)]);
}

#[tokio::test]
async fn concurrent_autocommit_inserts_all_land() {
    let server = TestServer::start();
    let mut c = setup(&server, "txn_many").await;
    c.query_drop("CREATE TABLE m (id INT PRIMARY KEY, w INT)")
        .await
        .unwrap();
    let workers = 4;
    let per_worker = 50;
    let mut handles = Vec::new();
    for w in 0..workers {
        let opts = server.opts();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(opts).await.unwrap();
            conn.query_drop("USE txn_many").await.unwrap();
            for i in 0..per_worker {
                conn.exec_drop("INSERT INTO m VALUES (?, ?)", (w * 1000 + i, w))
                    .await
                    .unwrap();
            }
            conn.disconnect().await.unwrap();
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let ids: Vec<i32> = c.query("SELECT id FROM m ORDER BY id").await.unwrap();
    assert_eq!(ids.len(), (workers * per_worker) as usize);
}

#[tokio::test]
async fn concurrent_increments_lose_no_update() {
    // Each worker retries its read-modify-write transaction on a write conflict; with
    // first-committer-wins no increment may be lost.
    let server = TestServer::start();
    let mut c = setup(&server, "txn_incr").await;
    let workers = 3;
    let per_worker = 10;
    let mut handles = Vec::new();
    for _ in 0..workers {
        let opts = server.opts();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(opts).await.unwrap();
            conn.query_drop("USE txn_incr").await.unwrap();
            let mut done = 0;
            let mut attempts = 0;
            while done < per_worker {
                attempts += 1;
                assert!(attempts < 1000, "too many conflicts");
                conn.query_drop("BEGIN").await.unwrap();
                let v: i32 = conn
                    .query_first("SELECT v FROM t WHERE id = 1")
                    .await
                    .unwrap()
                    .unwrap();
                conn.exec_drop("UPDATE t SET v = ? WHERE id = 1", (v + 1,))
                    .await
                    .unwrap();
                match conn.query_drop("COMMIT").await {
                    Ok(()) => done += 1,
                    Err(e) => {
                        assert_eq!(
                            common::server_error_code(&e),
                            Some(ER_WRITE_CONFLICT),
                            "{e}"
                        )
                    }
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let v: Option<i32> = c.query_first("SELECT v FROM t WHERE id = 1").await.unwrap();
    assert_eq!(v, Some(10 + workers * per_worker));
}
