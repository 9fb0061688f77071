//! DDL jobs survive the process: an ADD INDEX killed (kill -9) in the middle of its backfill
//! resumes from its checkpoint after restart and finishes consistent; a paused job stays
//! paused across a restart and resumes from its checkpoint.

mod common;

use std::time::{Duration, Instant};

use common::ddl::*;
use common::TestServer;
use mysql_async::prelude::*;

async fn wait_job(server: &TestServer, what: &str, pred: impl Fn(&JobView) -> bool) -> JobView {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut c = server.conn().await;
    let mut last = None;
    loop {
        if let Some(j) = newest_job(&mut c, "add index").await {
            if pred(&j) {
                return j;
            }
            last = Some(j);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last seen {last:?}\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn killed_mid_backfill_resumes_after_restart() {
    let mut server = TestServer::start();
    let rows = 30_000;
    {
        let mut c = server.conn().await;
        populate(&mut c, rows, 97).await;
        // The txn-mode backfill, slowed down (the ingest states are covered in ddl_admin).
        c.query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
            .await
            .unwrap();
        c.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 32")
            .await
            .unwrap();
        c.query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 1")
            .await
            .unwrap();
    }
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
    });
    let (id, _, _, before) = wait_job(&server, "backfill progress", |j| {
        j.1 == "write reorganization" && j.3 > 1_000
    })
    .await;
    server.kill9();
    assert!(
        alter.await.unwrap().is_err(),
        "the connection died with the server"
    );
    server.restart();
    let (rid, schema_state, state, after) =
        wait_job(&server, "the job to finish", |j| j.2 == "synced").await;
    assert_eq!(
        (rid, schema_state.as_str(), state.as_str()),
        (id, "public", "synced")
    );
    assert!(
        after >= before,
        "progress went backwards: {before} -> {after}"
    );
    assert_index_matches_scan(&mut server.conn().await).await;
}

#[tokio::test]
async fn paused_job_stays_paused_across_restart_and_resumes() {
    let mut server = TestServer::start();
    let rows = 20_000;
    {
        let mut c = server.conn().await;
        populate(&mut c, rows, 97).await;
        // The txn-mode backfill, slowed down (the ingest states are covered in ddl_admin).
        c.query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
            .await
            .unwrap();
        c.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 32")
            .await
            .unwrap();
        c.query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 1")
            .await
            .unwrap();
    }
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
    });
    let (id, ..) = wait_job(&server, "backfill progress", |j| {
        j.1 == "write reorganization" && j.3 > 0
    })
    .await;
    let mut op = server.conn().await;
    let r: Vec<(String, String)> = op
        .query(format!("ADMIN PAUSE DDL JOBS {id}"))
        .await
        .unwrap();
    assert_eq!(r[0].1, "successful");
    let (_, _, _, paused_at) = wait_job(&server, "paused", |j| j.2 == "paused").await;
    drop(op);
    server.kill9();
    let _ = alter.await;
    server.restart();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, schema_state, state, count) =
        wait_job(&server, "paused after restart", |j| j.0 == id).await;
    assert_eq!(
        (schema_state.as_str(), state.as_str()),
        ("write reorganization", "paused")
    );
    assert!(count >= paused_at);
    let mut op = server.conn().await;
    op.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 1024")
        .await
        .unwrap();
    let r: Vec<(String, String)> = op
        .query(format!("ADMIN RESUME DDL JOBS {id}"))
        .await
        .unwrap();
    assert_eq!(r[0].1, "successful");
    let (_, schema_state, state, done) = wait_job(&server, "finish", |j| j.2 == "synced").await;
    assert_eq!(
        (schema_state.as_str(), state.as_str()),
        ("public", "synced")
    );
    assert_eq!(done, rows as i64);
    assert_index_matches_scan(&mut op).await;
}
