//! Online DDL on a 3-node cluster in this process (moltdb's library API), driven through the
//! MySQL protocol: ADD INDEX while every node runs DML, owner failover mid-backfill, and DML
//! on a node kept one schema version behind in every state of an ADD INDEX.

use std::time::{Duration, Instant};

mod common;

use common::ddl::*;
use mysql_async::prelude::*;

fn rows_env(default: usize) -> usize {
    std::env::var("MOLTDB_DDL_TEST_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn add_index_while_every_node_writes() {
    let rows = rows_env(100_000);
    let (cluster, _dir) = start_cluster(3).await;
    populate(&mut node_conn(&cluster, 0, None).await, rows, 997).await;
    let clients = DmlClients::start(&cluster, 3, rows, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut admin = node_conn(&cluster, 1, Some("d")).await;
    let started = Instant::now();
    admin
        .query_drop("ALTER TABLE t ADD INDEX ik (k)")
        .await
        .expect("add index");
    let build = started.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let total = clients.finish().await;
    eprintln!("ADD INDEX on {rows} rows took {build:?} with {total} concurrent DML statements");
    for node in 0..3 {
        assert_index_matches_scan(&mut node_conn(&cluster, node, Some("d")).await).await;
    }
    let (_, schema_state, state, row_count) = newest_job(&mut admin, "add index").await.unwrap();
    assert_eq!(
        (schema_state.as_str(), state.as_str()),
        ("public", "synced")
    );
    assert!(row_count as usize >= rows / 2, "row count {row_count}");
    drop(admin);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn owner_stopped_mid_backfill_another_node_finishes_the_job() {
    let rows = rows_env(100_000) / 4;
    let (cluster, _dir) = start_cluster(3).await;
    populate(&mut node_conn(&cluster, 0, None).await, rows, 997).await;
    // Find the owner and submit from a node that is not it.
    let mut c0 = node_conn(&cluster, 0, Some("d")).await;
    let row: mysql_async::Row = c0.query_first("ADMIN SHOW DDL").await.unwrap().unwrap();
    let owner_address: String = row.get("OWNER_ADDRESS").unwrap();
    let addrs = cluster.addresses();
    let owner = addrs
        .iter()
        .position(|a| a.map(|a| a.to_string()) == Some(owner_address.clone()))
        .expect("owner is a node");
    let submitter = (owner + 1) % 3;
    let watcher = (owner + 2) % 3;
    // A txn-mode backfill in small batches runs long enough to interrupt it (set through
    // every node, so each has it before the ALTER).
    for node in 0..3 {
        let mut c = node_conn(&cluster, node, Some("d")).await;
        c.query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
            .await
            .unwrap();
        c.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 32")
            .await
            .unwrap();
    }
    let mut submit = node_conn(&cluster, submitter, Some("d")).await;
    let alter =
        tokio::spawn(async move { submit.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    let mut watch = node_conn(&cluster, watcher, Some("d")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((_, schema_state, _, row_count)) = newest_job(&mut watch, "add index").await {
            if schema_state == "write reorganization" && row_count > 0 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "backfill never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop_node(owner))
        .await
        .unwrap();
    alter
        .await
        .unwrap()
        .expect("the ALTER finishes on another owner");
    let (_, schema_state, state, _) = newest_job(&mut watch, "add index").await.unwrap();
    assert_eq!(
        (schema_state.as_str(), state.as_str()),
        ("public", "synced")
    );
    assert_index_matches_scan(&mut watch).await;
    drop(watch);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dml_on_a_node_one_version_behind_in_every_state() {
    let (cluster, _dir) = start_cluster(2).await;
    populate(&mut node_conn(&cluster, 0, None).await, 2_000, 997).await;
    let lagging = cluster.domain(1).unwrap();
    let v0 = lagging.catalog.snapshot().version;
    // Node 1 stays at v0 (no index) while the owner moves on to delete only.
    lagging.cap_schema_version(Some(v0));
    let mut owner_side = node_conn(&cluster, 0, Some("d")).await;
    let alter = tokio::spawn(async move {
        owner_side
            .query_drop("ALTER TABLE t ADD INDEX ik (k)")
            .await
    });
    let mut behind = node_conn(&cluster, 1, Some("d")).await;
    let mut ahead = node_conn(&cluster, 0, Some("d")).await;
    let mut seed = 7u64;
    // absent/delete only, delete only/write only, write only/write reorg, write reorg/public.
    for step in 0..4u64 {
        let want = v0 + step + 1;
        let deadline = Instant::now() + Duration::from_secs(30);
        while cluster.domain(0).unwrap().catalog.snapshot().version < want {
            assert!(
                Instant::now() < deadline,
                "owner did not reach version {want}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for c in [&mut behind, &mut ahead] {
            random_dml(c, &mut seed, 40).await;
        }
        lagging.cap_schema_version(Some(want));
    }
    lagging.cap_schema_version(None);
    alter.await.unwrap().expect("add index");
    assert_index_matches_scan(&mut behind).await;
    drop((behind, ahead));
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}
