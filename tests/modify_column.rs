//! MODIFY COLUMN that rewrites the rows (a narrower type) on populated tables: while every
//! node of a 3-node cluster runs DML; cancelled in write reorganization (the table is left
//! as it was); killed with kill -9 in the middle of its backfill (it resumes after restart
//! and finishes consistent). ADMIN CHECK TABLE passes after each, and the index over the
//! column reads what a full scan reads.

mod common;

use std::time::{Duration, Instant};

use common::ddl::*;
use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::Conn;

const MODIFY: &str = "modify column";

/// The type of each column of `d.t`, in order.
async fn column_types(c: &mut Conn) -> Vec<(String, String)> {
    c.query("SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = 'd' AND table_name = 't' ORDER BY ordinal_position")
        .await
        .unwrap()
}

/// Polls the newest modify column job until `pred` holds.
async fn wait_modify(c: &mut Conn, what: &str, pred: impl Fn(&JobView) -> bool) -> JobView {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(job) = newest_job(c, MODIFY).await {
            if pred(&job) {
                return job;
            }
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn narrowed() -> Vec<(String, String)> {
    [("id", "int"), ("k", "smallint"), ("c", "varchar(32)")]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec()
}

fn as_created() -> Vec<(String, String)> {
    [("id", "int"), ("k", "int"), ("c", "varchar(32)")]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec()
}

#[test]
fn modify_column_while_every_node_writes() {
    run_test(async {
        let rows = 20_000;
        let (cluster, _dir) = start_cluster(3).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, rows, 997).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        let table = table_id(&cluster, "d", "t");
        let clients = DmlClients::start(&cluster, 3, rows, 23);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut admin = node_conn(&cluster, 1, Some("d")).await;
        admin
            .query_drop("ALTER TABLE t MODIFY k SMALLINT")
            .await
            .expect("modify column");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let statements = clients.finish().await;
        assert!(statements > 0);
        for node in 0..3 {
            let mut c = node_conn(&cluster, node, Some("d")).await;
            assert_index_matches_scan(&mut c).await;
            assert_eq!(column_types(&mut c).await, narrowed());
        }
        let (_, state, job_state, row_count) = newest_job(&mut admin, MODIFY).await.unwrap();
        assert_eq!((state.as_str(), job_state.as_str()), ("public", "synced"));
        assert!(row_count >= rows as i64 / 2, "rows converted: {row_count}");
        // The old index's entries went with it: one entry per row is left.
        let count: i64 = admin
            .query_first("SELECT COUNT(*) FROM t")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(index_entry_count(&cluster, table), count as usize);
        drop((c, admin));
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}

#[test]
fn cancelled_modify_column_leaves_the_table_as_it_was() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, 5_000, 97).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        let table = table_id(&cluster, "d", "t");
        set_failpoint(&cluster, "reorg-slow", "200");
        let mut submit = node_conn(&cluster, 0, Some("d")).await;
        let alter =
            tokio::spawn(async move { submit.query_drop("ALTER TABLE t MODIFY k SMALLINT").await });
        let (id, ..) = wait_modify(&mut c, "the backfill", |j| j.1 == "write reorganization").await;
        c.query_drop(format!("ADMIN CANCEL DDL JOBS {id}"))
            .await
            .unwrap();
        clear_failpoint(&cluster, "reorg-slow");
        let err = alter
            .await
            .unwrap()
            .expect_err("the statement was cancelled");
        assert_eq!(server_code(&err), 8214, "{err}");
        let (_, state, job_state, _) = newest_job(&mut c, MODIFY).await.unwrap();
        assert_eq!(
            (state.as_str(), job_state.as_str()),
            ("none", "rollback done")
        );
        assert_eq!(column_types(&mut c).await, as_created());
        assert_index_matches_scan(&mut c).await;
        // The hidden index's entries are gone: one entry per row in ik.
        assert_eq!(index_entry_count(&cluster, table), 5_000);
        drop(c);
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}

#[tokio::test]
async fn killed_mid_modify_column_resumes_after_restart() {
    let mut server = TestServer::start();
    {
        let mut c = server.conn().await;
        populate(&mut c, 30_000, 97).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        // A slow backfill, so that the kill lands in it.
        for knob in [
            "tidb_ddl_reorg_batch_size = 32",
            "tidb_ddl_reorg_worker_cnt = 1",
        ] {
            c.query_drop(format!("SET GLOBAL {knob}")).await.unwrap();
        }
    }
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t MODIFY k SMALLINT")
            .await
    });
    let mut c = server.conn().await;
    wait_modify(&mut c, "rows converted", |j| {
        j.1 == "write reorganization" && j.3 > 0
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
    let (_, state, _, row_count) =
        wait_modify(&mut c, "the job to finish", |j| j.2 == "synced").await;
    assert_eq!(state, "public");
    assert!(row_count >= 30_000, "every row converted: {row_count}");
    assert_index_matches_scan(&mut c).await;
    assert_eq!(column_types(&mut c).await, narrowed());
    let sum: (i64, i64) = c
        .query_first("SELECT COUNT(*), SUM(k) FROM d.t")
        .await
        .unwrap()
        .unwrap();
    let expected: i64 = (1..=30_000i64).map(|i| i % 97).sum();
    assert_eq!(sum, (30_000, expected));
}
