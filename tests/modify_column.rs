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
        // NOT NULL: the hidden column has no default, so every writer must compute it.
        admin
            .query_drop("ALTER TABLE t MODIFY k SMALLINT NOT NULL")
            .await
            .expect("modify column");
        tokio::time::sleep(Duration::from_millis(200)).await;
        clients.finish().await;
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
        let (id, ..) = wait_job(&mut c, MODIFY, "the backfill", |j| {
            j.1 == "write reorganization"
        })
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
    wait_job(&mut c, MODIFY, "rows converted", |j| {
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
        wait_job(&mut c, MODIFY, "the job to finish", |j| j.2 == "synced").await;
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

/// A node one schema version behind reads and writes through the old column (and its
/// index) at every step, the swap included: what the node ahead writes, it reads, and the
/// other way round.
#[test]
fn nodes_one_version_apart_stay_consistent_through_every_step() {
    run_test(async {
        let (cluster, _dir) = start_cluster(2).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, 2_000, 997).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        let lagging = cluster.domain(1).unwrap();
        let v0 = lagging.catalog.snapshot().version;
        lagging.cap_schema_version(Some(v0));
        let mut owner_side = node_conn(&cluster, 0, Some("d")).await;
        let alter = tokio::spawn(async move {
            owner_side
                .query_drop("ALTER TABLE t MODIFY k SMALLINT")
                .await
        });
        let mut behind = node_conn(&cluster, 1, Some("d")).await;
        let mut ahead = node_conn(&cluster, 0, Some("d")).await;
        let mut seed = 11u64;
        // none/delete only, .../write only, .../write reorganization, .../swapped,
        // swapped/old column delete only, .../old column gone.
        for step in 0..6u64 {
            let want = v0 + step + 1;
            let deadline = Instant::now() + Duration::from_secs(60);
            while cluster.domain(0).unwrap().catalog.snapshot().version < want {
                assert!(
                    Instant::now() < deadline,
                    "owner did not reach version {want}"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            for (writer, reader) in [(0, 1), (1, 0)] {
                let conns = [&mut ahead, &mut behind];
                random_dml(conns[writer], &mut seed, 30).await;
                // What one node writes, the other reads, by the row and by the index.
                let k = 500 + step * 2 + writer as u64;
                conns[writer]
                    .query_drop(format!("REPLACE INTO t VALUES (1, {k}, 'w')"))
                    .await
                    .unwrap();
                let read: Option<i64> = conns[reader]
                    .query_first("SELECT k FROM t WHERE id = 1")
                    .await
                    .unwrap();
                assert_eq!(
                    read,
                    Some(k as i64),
                    "step {step}, written on node {writer}"
                );
                let ids: Vec<i64> = conns[reader]
                    .query(format!("SELECT id FROM t WHERE k = {k}"))
                    .await
                    .unwrap();
                assert!(ids.contains(&1), "step {step}: index read {ids:?}");
            }
            lagging.cap_schema_version(Some(want));
        }
        lagging.cap_schema_version(None);
        alter.await.unwrap().expect("modify column");
        for mut c in [behind, ahead] {
            assert_index_matches_scan(&mut c).await;
            assert_eq!(column_types(&mut c).await, narrowed());
        }
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}

#[test]
fn paused_modify_column_resumes_and_finishes() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, 5_000, 97).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        set_failpoint(&cluster, "reorg-slow", "100");
        let mut submit = node_conn(&cluster, 0, Some("d")).await;
        let alter =
            tokio::spawn(async move { submit.query_drop("ALTER TABLE t MODIFY k SMALLINT").await });
        let (id, ..) = wait_job(&mut c, MODIFY, "the backfill", |j| {
            j.1 == "write reorganization"
        })
        .await;
        c.query_drop(format!("ADMIN PAUSE DDL JOBS {id}"))
            .await
            .unwrap();
        wait_job(&mut c, MODIFY, "the pause", |j| j.2 == "paused").await;
        clear_failpoint(&cluster, "reorg-slow");
        c.query_drop(format!("ADMIN RESUME DDL JOBS {id}"))
            .await
            .unwrap();
        alter.await.unwrap().expect("resumed and finished");
        assert_index_matches_scan(&mut c).await;
        assert_eq!(column_types(&mut c).await, narrowed());
        drop(c);
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}
