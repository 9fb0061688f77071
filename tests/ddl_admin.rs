//! Operators steering DDL on a 3-node cluster: ADMIN CANCEL in every state of an ADD INDEX
//! (from a node other than the submitter's), PAUSE and RESUME, TiDB's per-id messages, the
//! tidb_* system variables seen cluster-wide, ADMIN CHECKSUM TABLE and ADMIN ALTER DDL JOBS.

use std::time::{Duration, Instant};

mod common;

use common::ddl::*;
use moltdb::node::cluster::Cluster;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};

async fn control(c: &mut Conn, stmt: &str) -> Vec<(String, String)> {
    c.query(stmt).await.unwrap()
}

/// No entry of any index is left in the table's key range.
fn no_index_entries(cluster: &Cluster, table_id: i64) -> bool {
    let node = cluster.domain(0).unwrap();
    let txn = node.store.begin().unwrap();
    let mut prefix = moltdb::codec::keys::table_prefix(table_id);
    prefix.extend_from_slice(b"_i");
    txn.scan(&moltdb::kv::KeyRange::prefix(&prefix), 1, false)
        .unwrap()
        .is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_add_index_in_each_state_from_another_node() {
    let (cluster, _dir) = start_cluster(3).await;
    populate(&mut node_conn(&cluster, 0, None).await, 3_000, 97).await;
    let table_id = cluster
        .domain(0)
        .unwrap()
        .catalog
        .snapshot()
        .table("d", "t")
        .unwrap()
        .id;
    // The lagging node is the DDL owner itself, whose own steps must not load past the
    // version it is held at; the submitter and the operator are the two others.
    let owner = owner_node(&cluster);
    let [submitter_node, operator_node] = [(owner + 1) % 3, (owner + 2) % 3];
    let lagging = cluster.domain(owner).unwrap();
    for (k, state) in ["delete only", "write only", "write reorganization"]
        .into_iter()
        .enumerate()
    {
        let v0 = lagging.catalog.snapshot().version;
        // The owner stays one version behind, which holds the job in `state`.
        lagging.cap_schema_version(Some(v0 + k as u64));
        let mut submitter = node_conn(&cluster, submitter_node, Some("d")).await;
        let alter =
            tokio::spawn(
                async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await },
            );
        let mut operator = node_conn(&cluster, operator_node, Some("d")).await;
        let (id, schema_state, ..) =
            wait_add_index(&mut operator, state, |j| j.1 == state && j.2 == "running").await;
        assert_eq!(schema_state, state);
        let result = control(&mut operator, &format!("ADMIN CANCEL DDL JOBS {id}")).await;
        assert_eq!(result, vec![(id.to_string(), "successful".to_string())]);
        lagging.cap_schema_version(None);
        let err = alter.await.unwrap().expect_err("cancelled ALTER must fail");
        assert_eq!(server_code(&err), 8214, "{err}");
        assert!(err.to_string().contains("Cancelled DDL job"), "{err}");
        let (_, schema_state, job_state, _) = newest_job(&mut operator, "add index").await.unwrap();
        assert_eq!(
            (schema_state.as_str(), job_state.as_str()),
            ("none", "rollback done")
        );
        let create: (String, String) = operator
            .query_first("SHOW CREATE TABLE t")
            .await
            .unwrap()
            .unwrap();
        assert!(!create.1.contains("ik"), "index left behind: {}", create.1);
        assert!(
            no_index_entries(&cluster, table_id),
            "index entries left behind after cancel in {state}"
        );
        operator.query_drop("ADMIN CHECK TABLE t").await.unwrap();
    }
    // Finished and unknown ids.
    let mut c = node_conn(&cluster, 1, Some("d")).await;
    c.query_drop("ALTER TABLE t ADD INDEX ik (k)")
        .await
        .unwrap();
    let (id, ..) = newest_job(&mut c, "add index").await.unwrap();
    let rows = control(&mut c, &format!("ADMIN CANCEL DDL JOBS {id}, 99999")).await;
    assert_eq!(
        rows,
        vec![
            (
                id.to_string(),
                format!("error: [ddl:8224]DDL Job:{id} not found")
            ),
            (
                "99999".to_string(),
                "error: [ddl:8224]DDL Job:99999 not found".to_string()
            ),
        ]
    );
    let rows = control(&mut c, &format!("ADMIN PAUSE DDL JOBS {id}")).await;
    assert_eq!(
        rows[0].1,
        format!("error: [ddl:8224]DDL Job:{id} not found")
    );
    drop(c);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// The backfill state of index `ik` on node `node`, if the index exists there.
fn backfill_state(cluster: &Cluster, node: usize) -> Option<(String, String)> {
    let schema = cluster.domain(node)?.catalog.snapshot();
    let ix = schema.table("d", "t")?.index_by_name("ik")?.clone();
    Some((ix.state.as_str().into(), ix.backfill.as_str().into()))
}

/// An ingest ADD INDEX held in each of its states (a lagging node), paused there, then
/// resumed: it finishes with a consistent index, while DML keeps writing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ingest_pause_and_resume_in_each_state() {
    let (cluster, _dir) = start_cluster(3).await;
    populate(&mut node_conn(&cluster, 0, None).await, 3_000, 97).await;
    // A node other than the owner lags (the cancel test holds the owner itself); the third
    // node is up to date.
    let lagging_node = non_owner_node(&cluster);
    let fresh = 3 - lagging_node - owner_node(&cluster);
    let lagging = cluster.domain(lagging_node).unwrap();
    let states = [
        ("delete only", "running"),
        ("write only", "running"),
        ("write reorganization", "running"),
        ("write reorganization", "ready to merge"),
        ("write reorganization", "merging"),
        ("write reorganization", "inapplicable"),
    ];
    for (k, (state, backfill)) in states.into_iter().enumerate() {
        let v0 = lagging.catalog.snapshot().version;
        lagging.cap_schema_version(Some(v0 + k as u64));
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter =
            tokio::spawn(
                async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await },
            );
        let want = Some((state.to_string(), backfill.to_string()));
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while backfill_state(&cluster, fresh) != want {
            assert!(
                std::time::Instant::now() < deadline,
                "never reached {want:?}: {:?}",
                backfill_state(&cluster, fresh)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // DML from the lagging node and an up-to-date one, while the job is held.
        let mut dml = node_conn(&cluster, fresh, Some("d")).await;
        dml.query_drop(format!(
            "UPDATE t SET k = k + 1000 WHERE id % 7 = {k}; DELETE FROM t WHERE id % 11 = {k}"
        ))
        .await
        .unwrap();
        let mut operator = node_conn(&cluster, fresh, Some("d")).await;
        let (id, ..) = newest_job(&mut operator, "add index").await.unwrap();
        let rows = control(&mut operator, &format!("ADMIN PAUSE DDL JOBS {id}")).await;
        assert_eq!(rows[0].1, "successful", "pause in {state} ({backfill})");
        lagging.cap_schema_version(None);
        wait_add_index(&mut operator, "paused", |j| j.2 == "paused").await;
        let mut lagging_dml = node_conn(&cluster, lagging_node, Some("d")).await;
        lagging_dml
            .query_drop(format!("INSERT INTO t VALUES ({}, 5, 'x')", 100_000 + k))
            .await
            .unwrap();
        let rows = control(&mut operator, &format!("ADMIN RESUME DDL JOBS {id}")).await;
        assert_eq!(rows[0].1, "successful");
        let finished = tokio::time::timeout(Duration::from_secs(60), alter).await;
        let job = newest_job(&mut operator, "add index").await;
        let finished = finished.unwrap_or_else(|_| {
            panic!(
                "ALTER paused in {state} ({backfill}) never finished: {job:?}, index {:?}",
                backfill_state(&cluster, fresh)
            )
        });
        finished
            .unwrap()
            .unwrap_or_else(|e| panic!("ALTER paused in {state} ({backfill}): {e}"));
        assert_index_matches_scan(&mut operator).await;
        operator
            .query_drop("ALTER TABLE t DROP INDEX ik")
            .await
            .unwrap();
    }
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pause_keeps_progress_and_resume_finishes() {
    let (cluster, _dir) = start_cluster(2).await;
    populate(&mut node_conn(&cluster, 0, None).await, 20_000, 97).await;
    let mut op = node_conn(&cluster, 1, Some("d")).await;
    // The txn-mode backfill, slowed down, with its batch and worker knobs.
    op.query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
        .await
        .unwrap();
    op.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 32")
        .await
        .unwrap();
    op.query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 1")
        .await
        .unwrap();
    let mut submitter = node_conn(&cluster, 0, Some("d")).await;
    // The submitting node decides the backfill type: set it there too, not only by reload.
    submitter
        .query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
        .await
        .unwrap();
    let alter =
        tokio::spawn(async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    let (id, ..) = wait_add_index(&mut op, "backfill", |j| {
        j.1 == "write reorganization" && j.3 > 0
    })
    .await;
    let rows = control(&mut op, &format!("ADMIN PAUSE DDL JOBS {id}")).await;
    assert_eq!(rows[0].1, "successful");
    let (_, _, _, paused_at) = wait_add_index(&mut op, "paused", |j| j.2 == "paused").await;
    let rows = control(&mut op, &format!("ADMIN PAUSE DDL JOBS {id}")).await;
    assert_eq!(
        rows[0].1,
        format!("error: [ddl:8262]Job [{id}] has already been paused")
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (_, _, state, still) = newest_job(&mut op, "add index").await.unwrap();
    assert_eq!(state, "paused");
    assert_eq!(still, paused_at, "a paused job must not make progress");
    assert!(
        !alter.is_finished(),
        "the ALTER keeps waiting while its job is paused"
    );
    // The backfill speeds back up when resumed with a larger batch.
    op.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 1024")
        .await
        .unwrap();
    let rows = control(&mut op, &format!("ADMIN RESUME DDL JOBS {id}")).await;
    assert_eq!(rows[0].1, "successful");
    alter.await.unwrap().expect("resumed ALTER finishes");
    let rows = control(&mut op, &format!("ADMIN RESUME DDL JOBS {id}")).await;
    assert_eq!(
        rows[0].1,
        format!("error: [ddl:8224]DDL Job:{id} not found")
    );
    let (_, schema_state, state, rows_done) = newest_job(&mut op, "add index").await.unwrap();
    assert_eq!(
        (schema_state.as_str(), state.as_str()),
        ("public", "synced")
    );
    assert_eq!(rows_done, 20_000);
    op.query_drop("ADMIN CHECK TABLE t").await.unwrap();
    drop(op);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// SHOW GLOBAL VARIABLES while SET GLOBAL runs on other nodes: SHOW once held the
/// variables' read lock while it read each value under it again, and a writer waiting in
/// between (the node loading another node's SET GLOBAL) hung the session and the node.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn show_variables_alongside_set_global_never_hangs() {
    let (cluster, _dir) = start_cluster(3).await;
    let mut shows = Vec::new();
    for node in [0, 2] {
        let mut c = node_conn(&cluster, node, None).await;
        shows.push(tokio::spawn(async move {
            for _ in 0..300 {
                let rows: Vec<(String, String)> = c.query("SHOW GLOBAL VARIABLES").await.unwrap();
                assert!(rows.len() > 10);
            }
        }));
    }
    let mut set = node_conn(&cluster, 1, None).await;
    let setter = tokio::spawn(async move {
        for i in 0..300 {
            set.query_drop(format!("SET GLOBAL tidb_ddl_reorg_batch_size = {}", 32 + i))
                .await
                .unwrap();
        }
    });
    tokio::time::timeout(Duration::from_secs(120), async {
        for show in shows {
            show.await.unwrap();
        }
        setter.await.unwrap();
    })
    .await
    .expect("SHOW GLOBAL VARIABLES hung");
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn system_variables_are_validated_and_shared_by_every_node() {
    let (cluster, _dir) = start_cluster(3).await;
    let mut a = node_conn(&cluster, 0, None).await;
    let mut b = node_conn(&cluster, 2, None).await;
    // Defaults.
    let v: Option<i64> = b
        .query_first("SELECT @@global.tidb_ddl_reorg_worker_cnt")
        .await
        .unwrap();
    assert_eq!(v, Some(4));
    // Clamped with warning 1292.
    a.query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 257")
        .await
        .unwrap();
    let w: Vec<(String, i64, String)> = a.query("SHOW WARNINGS").await.unwrap();
    assert_eq!(
        w,
        vec![(
            "Warning".into(),
            1292,
            "Truncated incorrect tidb_ddl_reorg_worker_cnt value: '257'".into()
        )]
    );
    a.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 1")
        .await
        .unwrap();
    a.query_drop("SET GLOBAL tidb_ddl_error_count_limit = -1")
        .await
        .unwrap();
    // Errors 1232 / 1231 / 1229.
    let e = a
        .query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 'many'")
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), 1232);
    let e = a
        .query_drop("SET GLOBAL tidb_enable_dist_task = 'maybe'")
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), 1231);
    let e = a
        .query_drop("SET tidb_enable_dist_task = OFF")
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), 1229);
    let e = a
        .query_drop("SET tidb_ddl_reorg_priority = 'PRIORITY_URGENT'")
        .await
        .unwrap_err();
    assert_eq!(server_code(&e), 1231);
    a.query_drop("SET tidb_ddl_reorg_priority = 'priority_high'")
        .await
        .unwrap();
    let p: Option<String> = a
        .query_first("SELECT @@tidb_ddl_reorg_priority")
        .await
        .unwrap();
    assert_eq!(p.as_deref(), Some("PRIORITY_HIGH"));
    a.query_drop("SET GLOBAL tidb_enable_dist_task = OFF")
        .await
        .unwrap();
    a.query_drop("SET GLOBAL tidb_ddl_disk_quota = 1")
        .await
        .unwrap();
    // Another node sees every SET GLOBAL.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen: Option<(i64, i64, i64, i64, i64)> = b
            .query_first("SELECT @@global.tidb_ddl_reorg_worker_cnt, @@global.tidb_ddl_reorg_batch_size, @@global.tidb_ddl_error_count_limit, @@global.tidb_enable_dist_task, @@global.tidb_ddl_disk_quota")
            .await
            .unwrap();
        if seen == Some((256, 32, 0, 0, 107_374_182_400)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node 2 never saw the SET GLOBALs: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let shown: Vec<(String, String)> = b
        .query("SHOW GLOBAL VARIABLES LIKE 'tidb_enable_dist%'")
        .await
        .unwrap();
    assert_eq!(shown, vec![("tidb_enable_dist_task".into(), "OFF".into())]);
    // tidb_service_scope belongs to one node.
    a.query_drop("SET GLOBAL tidb_service_scope = 'background'")
        .await
        .unwrap();
    let here: Option<String> = a
        .query_first("SELECT @@global.tidb_service_scope")
        .await
        .unwrap();
    let there: Option<String> = b
        .query_first("SELECT @@global.tidb_service_scope")
        .await
        .unwrap();
    assert_eq!(
        (here.as_deref(), there.as_deref()),
        (Some("background"), Some(""))
    );
    drop((a, b));
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_on_different_tables_run_together_and_same_table_jobs_in_order() {
    let (cluster, _dir) = start_cluster(2).await;
    populate(&mut node_conn(&cluster, 0, None).await, 20_000, 97).await;
    let mut op = node_conn(&cluster, 1, Some("d")).await;
    op.query_drop("CREATE TABLE t2 (id INT PRIMARY KEY, k INT)")
        .await
        .unwrap();
    op.query_drop("INSERT INTO t2 VALUES (1, 1), (2, 2)")
        .await
        .unwrap();
    // A slow txn-mode backfill keeps the first job running while the others are submitted.
    op.query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
        .await
        .unwrap();
    op.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 32")
        .await
        .unwrap();
    op.query_drop("SET GLOBAL tidb_ddl_reorg_worker_cnt = 1")
        .await
        .unwrap();
    let mut first = node_conn(&cluster, 0, Some("d")).await;
    first
        .query_drop("SET GLOBAL tidb_ddl_enable_fast_reorg = OFF")
        .await
        .unwrap();
    let slow =
        tokio::spawn(async move { first.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    wait_add_index(&mut op, "backfill on t", |j| {
        j.1 == "write reorganization" && j.3 > 0
    })
    .await;
    // Same table: queued behind the running job.
    let mut second = node_conn(&cluster, 0, Some("d")).await;
    let behind =
        tokio::spawn(async move { second.query_drop("ALTER TABLE t ADD INDEX ic (c)").await });
    // Another table: runs and finishes while t's backfill is still going.
    op.query_drop("ALTER TABLE t2 ADD INDEX k2 (k)")
        .await
        .unwrap();
    let rows: Vec<Row> = op
        .query("ADMIN SHOW DDL JOBS 20 WHERE table_name = 't'")
        .await
        .unwrap();
    let states: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.get::<String, _>("JOB_TYPE").unwrap() == "add index")
        .map(|r| {
            (
                r.get("STATE").unwrap(),
                r.get::<Option<String>, _>("START_TIME")
                    .unwrap()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        states.contains(&("running".into(), states[0].1.clone()))
            && states.iter().any(|(s, t)| s == "queueing" && t.is_empty()),
        "expected one running and one queueing job on t: {states:?}"
    );
    op.query_drop("SET GLOBAL tidb_ddl_reorg_batch_size = 1024")
        .await
        .unwrap();
    slow.await.unwrap().unwrap();
    behind.await.unwrap().unwrap();
    let rows: Vec<Row> = op
        .query("ADMIN SHOW DDL JOBS 20 WHERE table_name = 't' AND job_type = 'add index'")
        .await
        .unwrap();
    // History is newest first: the second job started after the first ended.
    let start_second: String = rows[0].get("START_TIME").unwrap();
    let end_first: String = rows[1].get("END_TIME").unwrap();
    assert!(start_second >= end_first, "{start_second} < {end_first}");
    op.query_drop("ADMIN CHECK TABLE t").await.unwrap();
    op.query_drop("ADMIN CHECK TABLE t2").await.unwrap();
    drop(op);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// (Checksum_crc64_xor, Total_kvs, Total_bytes) of `d.t`.
async fn checksum(c: &mut Conn) -> (u64, u64, u64) {
    let row: Row = c
        .query_first("ADMIN CHECKSUM TABLE d.t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.columns_ref()
            .iter()
            .map(|c| c.name_str().to_string())
            .collect::<Vec<_>>(),
        [
            "Db_name",
            "Table_name",
            "Checksum_crc64_xor",
            "Total_kvs",
            "Total_bytes"
        ]
    );
    assert_eq!(
        (
            row.get::<String, _>(0).unwrap(),
            row.get::<String, _>(1).unwrap()
        ),
        ("d".to_string(), "t".to_string())
    );
    (
        row.get(2).unwrap(),
        row.get(3).unwrap(),
        row.get(4).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_checksum_table_follows_the_data_on_every_node() {
    let (cluster, _dir) = start_cluster(2).await;
    populate(&mut node_conn(&cluster, 0, None).await, 1_000, 7).await;
    let mut c = node_conn(&cluster, 0, Some("d")).await;
    let rows_only = checksum(&mut c).await;
    assert_eq!(rows_only.1, 1_000, "one pair per row");
    c.query_drop("CREATE INDEX ik ON t (k)").await.unwrap();
    let indexed = checksum(&mut c).await;
    assert_eq!(indexed.1, 2_000, "rows and index entries");
    assert!(indexed.2 > rows_only.2);
    // Another node, the same snapshot of the same data: the same figures.
    let mut other = node_conn(&cluster, 1, Some("d")).await;
    assert_eq!(checksum(&mut other).await, indexed);
    // A change shows; undoing it restores the checksum.
    c.query_drop("UPDATE t SET c = 'changed' WHERE id = 5")
        .await
        .unwrap();
    let changed = checksum(&mut other).await;
    assert_ne!(changed.0, indexed.0);
    c.query_drop("UPDATE t SET c = 'c5' WHERE id = 5")
        .await
        .unwrap();
    assert_eq!(checksum(&mut other).await, indexed);
    drop((c, other));
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// The COMMENTS of job `id` in ADMIN SHOW DDL JOBS.
async fn comments(c: &mut Conn, id: i64) -> String {
    let rows: Vec<Row> = c
        .query(format!("ADMIN SHOW DDL JOBS 10 WHERE job_id = {id}"))
        .await
        .unwrap();
    rows.first()
        .and_then(|r| r.get("COMMENTS"))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_alter_ddl_jobs_retunes_a_running_backfill() {
    let (cluster, _dir) = start_cluster(1).await;
    populate(&mut node_conn(&cluster, 0, None).await, 20_000, 97).await;
    let mut op = node_conn(&cluster, 0, Some("d")).await;
    for knob in [
        "tidb_ddl_enable_fast_reorg = OFF",
        "tidb_ddl_reorg_batch_size = 32",
        "tidb_ddl_reorg_worker_cnt = 1",
    ] {
        op.query_drop(format!("SET GLOBAL {knob}")).await.unwrap();
    }
    set_failpoint(&cluster, "reorg-slow", "200");
    let mut submitter = node_conn(&cluster, 0, Some("d")).await;
    let alter =
        tokio::spawn(async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    let (id, ..) = wait_add_index(&mut op, "backfill", |j| {
        j.1 == "write reorganization" && j.3 > 0
    })
    .await;
    assert!(comments(&mut op, id)
        .await
        .starts_with("txn, thread=1, batch_size=32, phase=backfill"));
    op.query_drop(format!(
        "ADMIN ALTER DDL JOBS {id} THREAD = 2, BATCH_SIZE = 2048"
    ))
    .await
    .unwrap();
    assert!(comments(&mut op, id)
        .await
        .starts_with("txn, thread=2, batch_size=2048"));
    clear_failpoint(&cluster, "reorg-slow");
    alter.await.unwrap().expect("the index is built");
    assert_index_matches_scan(&mut op).await;
    // A finished job, and a job of a kind without a backfill, cannot be altered.
    let err = op
        .query_drop(format!("ADMIN ALTER DDL JOBS {id} THREAD = 4"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("ERROR 1105 (HY000): ddl job {id} is not running")),
        "{err}"
    );
    let err = op
        .query_drop("ADMIN ALTER DDL JOBS 1 BATCH_SIZE = 31")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the value 31 for batch_size is out of range [32, 10240]"),
        "{err}"
    );
    drop(op);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_write_speed_holds_an_ingest_back_until_altered() {
    let (cluster, _dir) = start_cluster(1).await;
    populate(&mut node_conn(&cluster, 0, None).await, 20_000, 97).await;
    let mut op = node_conn(&cluster, 0, Some("d")).await;
    // 20,000 entries of some 30 bytes at 64 KiB/s: about ten seconds of ingest, run by
    // the job itself.
    for knob in [
        "tidb_ddl_reorg_max_write_speed = '64KiB'",
        "tidb_enable_dist_task = OFF",
    ] {
        op.query_drop(format!("SET GLOBAL {knob}")).await.unwrap();
    }
    let mut submitter = node_conn(&cluster, 0, Some("d")).await;
    let alter =
        tokio::spawn(async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    let (id, ..) = wait_add_index(&mut op, "the ingest", |j| {
        j.1 == "write reorganization" && j.2 == "running"
    })
    .await;
    let held = comments(&mut op, id).await;
    assert!(held.contains("max_write_speed=64KiB"), "{held}");
    // The running ingest takes the job's own value at its next checkpoint.
    op.query_drop(format!(
        "ADMIN ALTER DDL JOBS {id} MAX_WRITE_SPEED = '1GiB'"
    ))
    .await
    .unwrap();
    let retuned = comments(&mut op, id).await;
    assert!(retuned.contains("max_write_speed=1GiB"), "{retuned}");
    alter.await.unwrap().expect("the index is built");
    assert_index_matches_scan(&mut op).await;
    let err = op
        .query_drop("ADMIN ALTER DDL JOBS 1 MAX_WRITE_SPEED = 'fast'")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the value 'fast' for max_write_speed is invalid"),
        "{err}"
    );
    drop(op);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}
