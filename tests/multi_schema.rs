//! Multi-schema change on populated tables: one ALTER TABLE adding a column and two
//! indexes and dropping a column while every node of a 3-node cluster runs DML; cancelled
//! in write reorganization (the table is left as it was); killed with kill -9 in the
//! middle of its second index build (it resumes after restart and finishes consistent).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ddl::*;
use common::TestServer;
use moltdb::node::cluster::Cluster;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};
use tokio::task::JoinHandle;

const MULTI: &str = "alter table multi-schema change";

/// (JOB_TYPE, SCHEMA_STATE, STATE) of every row of the newest multi-schema change: the
/// parent first, then its sub-jobs.
async fn multi_rows(c: &mut Conn) -> Vec<(String, String, String)> {
    let rows: Vec<Row> = c.query("ADMIN SHOW DDL JOBS 5").await.unwrap();
    let newest: Option<i64> = rows
        .iter()
        .find(|r| r.get::<String, _>("JOB_TYPE").as_deref() == Some(MULTI))
        .and_then(|r| r.get("JOB_ID"));
    rows.into_iter()
        .filter(|r| r.get::<i64, _>("JOB_ID") == newest)
        .map(|r| {
            (
                r.get("JOB_TYPE").unwrap(),
                r.get("SCHEMA_STATE").unwrap(),
                r.get("STATE").unwrap(),
            )
        })
        .collect()
}

/// The columns of `d.t`, in order.
async fn columns(c: &mut Conn) -> Vec<String> {
    c.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'd' AND table_name = 't' ORDER BY ordinal_position")
        .await
        .unwrap()
}

/// The indexes of `d.t` besides the primary key.
async fn indexes(c: &mut Conn) -> Vec<String> {
    c.query("SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = 'd' AND table_name = 't' AND index_name != 'PRIMARY' ORDER BY index_name")
        .await
        .unwrap()
}

/// Polls the newest multi-schema change until `pred` holds on its rows.
async fn wait_multi(c: &mut Conn, what: &str, pred: impl Fn(&[(String, String, String)]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let rows = multi_rows(c).await;
        if pred(&rows) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn multi_schema_change_while_every_node_writes() {
    let rows = 20_000;
    let (cluster, _dir) = start_cluster(3).await;
    populate(&mut node_conn(&cluster, 0, None).await, rows, 997).await;
    let clients = DmlClients::start(&cluster, 3, rows, 11);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut admin = node_conn(&cluster, 1, Some("d")).await;
    admin
        .query_drop("ALTER TABLE t ADD COLUMN x INT NOT NULL DEFAULT 7, ADD INDEX ik (k), ADD INDEX ikc (k, c)")
        .await
        .expect("multi-schema change");
    tokio::time::sleep(Duration::from_millis(200)).await;
    clients.finish().await;
    for node in 0..3 {
        let mut c = node_conn(&cluster, node, Some("d")).await;
        assert_index_matches_scan(&mut c).await;
        assert_eq!(columns(&mut c).await, ["id", "k", "c", "x"]);
        assert_eq!(indexes(&mut c).await, ["ik", "ikc"]);
        let not_seven: i64 = c
            .query_first("SELECT COUNT(*) FROM t WHERE x != 7")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(not_seven, 0, "every row reads the added column's default");
    }
    assert_eq!(
        multi_rows(&mut admin).await,
        [
            (MULTI.into(), "none".into(), "synced".into()),
            (
                "add column /* subjob */".into(),
                "public".into(),
                "done".into()
            ),
            (
                "add index /* subjob */".into(),
                "public".into(),
                "done".into()
            ),
            (
                "add index /* subjob */".into(),
                "public".into(),
                "done".into()
            ),
        ]
    );
    drop(admin);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// On a one-node cluster: fills `d.t` with 5,000 rows and an index `ic (c)`, slows the
/// backfill down, sends `alter` (a multi-schema change whose second sub-job builds an index)
/// on a connection of its own and waits until that build runs. Returns a connection, the
/// statement's task and the job id.
async fn start_slowed(
    cluster: &Arc<Cluster>,
    alter: &'static str,
) -> (Conn, JoinHandle<mysql_async::Result<()>>, i64) {
    let mut c = node_conn(cluster, 0, None).await;
    populate(&mut c, 5_000, 97).await;
    c.query_drop("CREATE INDEX ic ON d.t (c)").await.unwrap();
    set_failpoint(cluster, "reorg-slow", "200");
    let mut submit = node_conn(cluster, 0, Some("d")).await;
    let alter = tokio::spawn(async move { submit.query_drop(alter).await });
    wait_multi(&mut c, "the index build", |rows| {
        rows.get(2).is_some_and(|r| r.1 == "write reorganization")
    })
    .await;
    let id: i64 = c
        .query_first(format!("SELECT job_id FROM information_schema.ddl_jobs WHERE job_type = '{MULTI}' ORDER BY job_id DESC LIMIT 1"))
        .await
        .unwrap()
        .unwrap();
    (c, alter, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelled_multi_schema_change_leaves_the_table_as_it_was() {
    let (cluster, _dir) = start_cluster(1).await;
    let (mut c, alter, id) = start_slowed(
        &cluster,
        "ALTER TABLE t ADD COLUMN x INT DEFAULT 1, ADD INDEX ik (k), DROP INDEX ic",
    )
    .await;
    c.query_drop(format!("ADMIN CANCEL DDL JOBS {id}"))
        .await
        .unwrap();
    clear_failpoint(&cluster, "reorg-slow");
    let err = alter
        .await
        .unwrap()
        .expect_err("the statement was cancelled");
    assert_eq!(server_code(&err), 8214, "{err}");
    assert_eq!(columns(&mut c).await, ["id", "k", "c"]);
    assert_eq!(indexes(&mut c).await, ["ic"]);
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
    assert_eq!(
        multi_rows(&mut c).await,
        [
            (MULTI.into(), "none".into(), "rollback done".into()),
            (
                "add column /* subjob */".into(),
                "none".into(),
                "rollback done".into()
            ),
            (
                "add index /* subjob */".into(),
                "none".into(),
                "rollback done".into()
            ),
            (
                "drop index /* subjob */".into(),
                "none".into(),
                "cancelled".into()
            ),
        ]
    );
    drop(c);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test]
async fn killed_mid_multi_schema_change_resumes_after_restart() {
    let mut server = TestServer::start();
    {
        let mut c = server.conn().await;
        populate(&mut c, 30_000, 97).await;
        // The txn-mode backfill, slowed down, so that the kill lands in the second build.
        for knob in [
            "tidb_ddl_enable_fast_reorg = OFF",
            "tidb_ddl_reorg_batch_size = 32",
            "tidb_ddl_reorg_worker_cnt = 1",
        ] {
            c.query_drop(format!("SET GLOBAL {knob}")).await.unwrap();
        }
    }
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k), ADD COLUMN x INT DEFAULT 5, ADD INDEX iki (k, id), DROP COLUMN c")
            .await
    });
    let mut c = server.conn().await;
    wait_multi(&mut c, "the second build", |rows| {
        rows.get(3).is_some_and(|r| r.1 == "write reorganization")
    })
    .await;
    drop(c);
    server.kill9();
    assert!(
        alter.await.unwrap().is_err(),
        "the connection died with the server"
    );
    server.restart();
    let mut c = server.conn().await;
    wait_multi(&mut c, "the job to finish", |rows| {
        rows.first().is_some_and(|r| r.2 == "synced")
    })
    .await;
    assert_index_matches_scan(&mut c).await;
    assert_eq!(columns(&mut c).await, ["id", "k", "x"]);
    assert_eq!(indexes(&mut c).await, ["ik", "iki"]);
    let sum: (i64, i64) = c
        .query_first("SELECT COUNT(*), SUM(x) FROM d.t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sum, (30_000, 150_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paused_multi_schema_change_with_a_lossy_modify_resumes_and_finishes() {
    let (cluster, _dir) = start_cluster(1).await;
    let (mut c, alter, id) = start_slowed(
        &cluster,
        "ALTER TABLE t ADD COLUMN x INT DEFAULT 1, ADD INDEX ik (k), MODIFY c VARCHAR(16)",
    )
    .await;
    c.query_drop(format!("ADMIN PAUSE DDL JOBS {id}"))
        .await
        .unwrap();
    wait_multi(&mut c, "the pause", |rows| {
        rows.first().is_some_and(|r| r.2 == "paused")
    })
    .await;
    clear_failpoint(&cluster, "reorg-slow");
    c.query_drop(format!("ADMIN RESUME DDL JOBS {id}"))
        .await
        .unwrap();
    alter.await.unwrap().expect("resumed and finished");
    assert_eq!(columns(&mut c).await, ["id", "k", "c", "x"]);
    assert_eq!(indexes(&mut c).await, ["ic", "ik"]);
    assert_index_matches_scan(&mut c).await;
    let by_ic: i64 = c
        .query_first("SELECT COUNT(*) FROM d.t FORCE INDEX (ic) WHERE c >= ''")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_ic, 5_000, "the rebuilt index over c holds every row");
    drop(c);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}
