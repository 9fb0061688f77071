//! Fast reorg (ingest) ADD INDEX, end to end: the build under DML from every node (one of
//! them a schema version behind), unique duplicates, the 8256 precheck, the txn-merge
//! fallback, the verification before public, progress in ADMIN SHOW DDL JOBS and
//! information_schema.DDL_JOBS, pause and cancel in read+sort and in merge, several
//! rounds (the `ingest-disk-quota` failpoint), an index in a range of the store set apart
//! (the `ingest-apart-from` failpoint), and kill -9 of a real server mid-build.
//!
//! These builds are the owner's own (`tidb_enable_dist_task = OFF`, set by every test
//! here): `tests/dxf.rs` runs the same pipeline as a distributed task.
//!
//! Failpoints (`domain::failpoints`) are set on every node of an in-process cluster, since
//! any node may own the DDL; a spawned server gets them through `MOLTDB_FAILPOINTS`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ddl::*;
use common::TestServer;
use moltdb::node::cluster::Cluster;
use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, Row};

/// A directory for the nodes' sort files (their temp dir), apart from the data, so tests
/// can look at what a job leaves there.
fn sort_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A cluster of `nodes` nodes sorting under a [`sort_dir`]: (cluster, data dir, sort dir).
async fn ingest_cluster(nodes: usize) -> (Arc<Cluster>, tempfile::TempDir, tempfile::TempDir) {
    let sort = sort_dir();
    let path = sort.path().to_path_buf();
    let (cluster, data) = start_cluster_with_temp_dir(nodes, |_| path).await;
    (cluster, data, sort)
}

/// The newest ADD INDEX job as ADMIN SHOW DDL JOBS lists it.
#[derive(Debug, Clone)]
struct JobInfo {
    id: i64,
    schema_state: String,
    state: String,
    row_count: i64,
    comments: String,
}

async fn newest_add_index(c: &mut Conn) -> Option<JobInfo> {
    let rows: Vec<Row> = c
        .query("ADMIN SHOW DDL JOBS 20 WHERE job_type = 'add index'")
        .await
        .expect("ADMIN SHOW DDL JOBS");
    rows.into_iter().next().map(|r| JobInfo {
        id: r.get("JOB_ID").unwrap(),
        schema_state: r.get("SCHEMA_STATE").unwrap(),
        state: r.get("STATE").unwrap(),
        row_count: r.get("ROW_COUNT").unwrap(),
        comments: r.get("COMMENTS").unwrap(),
    })
}

/// Polls the newest ADD INDEX job until `pred` holds (panics after a minute).
async fn wait_job(c: &mut Conn, what: &str, pred: impl Fn(&JobInfo) -> bool) -> JobInfo {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    loop {
        if let Some(job) = newest_add_index(c).await {
            if pred(&job) {
                return job;
            }
            last = Some(job);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// PHASE, PROGRESS, ETA_SECONDS, ROW_COUNT and COMMENTS of information_schema.DDL_JOBS.
type DdlJobsRow = (Option<String>, Option<f64>, Option<i64>, i64, String);

/// The percent in a COMMENTS text like `ingest, phase=read+sort, progress=45.0%, eta=3s`.
fn percent_in(comments: &str) -> Option<f64> {
    let rest = &comments[comments.find("progress=")? + "progress=".len()..];
    rest[..rest.find('%')?].parse().ok()
}

/// Builds run by the DDL owner alone, not as a distributed task.
async fn owner_alone(c: &mut Conn) {
    c.query_drop("SET GLOBAL tidb_enable_dist_task = OFF")
        .await
        .unwrap();
}

/// Creates `d.t (id INT PRIMARY KEY, k INT, c VARCHAR(32), u INT)` with rows 1..=`rows`,
/// k = id % 97 (many duplicates) and u = id (unique); builds run by the owner alone.
async fn create_table(c: &mut Conn, rows: usize) {
    owner_alone(c).await;
    c.query_drop("CREATE DATABASE d").await.unwrap();
    c.query_drop("CREATE TABLE d.t (id INT PRIMARY KEY, k INT, c VARCHAR(32), u INT)")
        .await
        .unwrap();
    for chunk in (1..=rows).collect::<Vec<_>>().chunks(2000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("({i}, {}, 'c{i}', {i})", i % 97))
            .collect();
        c.query_drop(format!("INSERT INTO d.t VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
}

/// ADMIN CHECK INDEX and ADMIN CHECK TABLE pass, a range read of `column` goes through
/// `index` and returns exactly what a full scan returns.
async fn assert_index_consistent(c: &mut Conn, index: &str, column: &str) {
    c.query_drop(format!("ADMIN CHECK INDEX d.t {index}"))
        .await
        .unwrap_or_else(|e| panic!("ADMIN CHECK INDEX {index}: {e}"));
    c.query_drop("ADMIN CHECK TABLE d.t")
        .await
        .unwrap_or_else(|e| panic!("ADMIN CHECK TABLE: {e}"));
    let plan: Vec<(String, String, String, String, String)> = c
        .query(format!(
            "EXPLAIN SELECT id, {column} FROM d.t WHERE {column} >= -2147483648"
        ))
        .await
        .unwrap();
    assert!(
        plan.iter().any(|r| r.3.contains(&format!("index:{index}"))),
        "index {index} not used: {plan:?}"
    );
    let by_index: Vec<(i64, i64)> = c
        .query(format!(
            "SELECT id, {column} FROM d.t WHERE {column} >= -2147483648 ORDER BY id"
        ))
        .await
        .unwrap();
    let by_scan: Vec<(i64, i64)> = c
        .query(format!(
            "SELECT id, {column} FROM d.t WHERE {column} + 0 >= -2147483648 ORDER BY id"
        ))
        .await
        .unwrap();
    assert!(!by_scan.is_empty());
    assert_eq!(by_index.len(), by_scan.len(), "index {index}: row counts");
    assert!(by_index == by_scan, "index {index}: read differs from scan");
}

async fn row_count(c: &mut Conn) -> i64 {
    c.query_first("SELECT COUNT(*) FROM d.t")
        .await
        .unwrap()
        .unwrap()
}

/// The (name) of every index of d.t but PRIMARY, per SHOW INDEX.
async fn secondary_indexes(c: &mut Conn) -> Vec<String> {
    let rows: Vec<Row> = c.query("SHOW INDEX FROM d.t").await.unwrap();
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| r.get::<String, _>("Key_name").unwrap())
        .filter(|n| n != "PRIMARY")
        .collect();
    names.dedup();
    names
}

/// The sort directories ingest jobs left under `temp_dir/tmp_ddl-*/`.
fn job_dirs(temp_dir: &Path) -> Vec<PathBuf> {
    let Ok(nodes) = std::fs::read_dir(temp_dir) else {
        return Vec::new();
    };
    nodes
        .flatten()
        .filter_map(|n| std::fs::read_dir(n.path()).ok())
        .flat_map(|jobs| jobs.flatten().map(|j| j.path()))
        .collect()
}

async fn stop(cluster: Arc<Cluster>) {
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

fn expect_failure(result: Result<(), mysql_async::Error>, what: &str) -> (u16, String) {
    match result {
        Err(mysql_async::Error::Server(e)) => (e.code, e.message),
        other => panic!("{what}: expected a server error, got {other:?}"),
    }
}

/// Errors concurrent clients legitimately get: write conflicts, and duplicate primary keys
/// (never a duplicate of the unique index: the DML keeps `u` unique).
fn expected_dml_error(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s)
        if s.code == 9007 || (s.code == 1062 && s.message.contains("PRIMARY")))
}

/// One statement of a DML mix over d.t that keeps `u` unique (u is +-id, or id for new
/// rows). `next` draws random numbers; `base` is the table's initial size.
fn dml_statement(next: &mut impl FnMut() -> usize, base: usize) -> String {
    let id = next() % base + 1;
    match next() % 7 {
        0 => {
            let new = base + next() % base + 1;
            format!(
                "INSERT INTO t VALUES ({new}, {}, 'new', {new})",
                next() % 97
            )
        }
        1 => format!("UPDATE t SET k = {} WHERE id = {id}", next() % 97),
        2 => format!("UPDATE t SET u = -u WHERE id = {id}"),
        3 => format!("DELETE FROM t WHERE id = {id}"),
        4 => format!("REPLACE INTO t VALUES ({id}, {}, 'rep', {id})", next() % 97),
        5 => format!(
            "INSERT INTO t VALUES ({id}, {}, 'dup', {id}) ON DUPLICATE KEY UPDATE k = k + 1",
            next() % 97
        ),
        _ => format!("UPDATE t SET c = 'u', k = k + 1 WHERE id = {id}"),
    }
}

fn rng(seed: u64) -> impl FnMut() -> usize {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    }
}

/// Runs the DML mix on `opts` until `stop`; returns (statements done, unexpected errors).
async fn dml_client(
    opts: Opts,
    seed: u64,
    base: usize,
    stop: Arc<AtomicBool>,
) -> (u64, Vec<String>) {
    let mut c = Conn::new(opts).await.expect("connect");
    let mut next = rng(seed);
    let (mut n, mut errors) = (0u64, Vec::new());
    while !stop.load(Ordering::SeqCst) {
        let sql = dml_statement(&mut next, base);
        match c.query_drop(&sql).await {
            Ok(()) => n += 1,
            Err(e) if expected_dml_error(&e) => {}
            Err(e) => errors.push(format!("{sql}: {e}")),
        }
    }
    (n, errors)
}

/// Runs `alter` while two nodes run DML all along and the third (not the DDL owner) is held
/// one schema version behind them, running DML in each version it lags in. Panics if the
/// ALTER fails; returns the DML statements run (all nodes, then the lagging node's).
async fn alter_under_dml(cluster: &Cluster, alter: &str, seed: u64, base: usize) -> (u64, u64) {
    let behind_node = non_owner_node(cluster);
    let others: Vec<usize> = (0..3).filter(|&n| n != behind_node).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = others
        .iter()
        .map(|&node| {
            tokio::spawn(dml_client(
                node_opts(cluster, node, Some("d")),
                seed * 10 + node as u64,
                base,
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lagging = cluster.domain(behind_node).unwrap();
    let ahead = cluster.domain(others[0]).unwrap();
    lagging.cap_schema_version(Some(lagging.catalog.snapshot().version));
    let mut submitter = node_conn(cluster, others[0], Some("d")).await;
    let sql = alter.to_string();
    let alter_task = tokio::spawn(async move { submitter.query_drop(sql).await });
    let mut behind = node_conn(cluster, behind_node, Some("d")).await;
    let mut next = rng(seed * 10 + 9);
    let (mut lagging_dml, mut lagging_versions) = (0u64, 0u64);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !alter_task.is_finished() {
        assert!(Instant::now() < deadline, "{alter} never finished");
        let held = lagging.catalog.snapshot().version;
        if ahead.catalog.snapshot().version <= held {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        // The others are one version ahead: DML from the node still in the older one.
        lagging_versions += 1;
        for _ in 0..15 {
            let sql = dml_statement(&mut next, base);
            match behind.query_drop(&sql).await {
                Ok(()) => lagging_dml += 1,
                Err(e) => assert!(expected_dml_error(&e), "lagging node: {sql}: {e}"),
            }
        }
        lagging.cap_schema_version(Some(held + 1));
    }
    lagging.cap_schema_version(None);
    alter_task
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{alter}: {e}"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    let mut total = lagging_dml;
    for c in clients {
        let (n, errors) = c.await.unwrap();
        assert!(errors.is_empty(), "unexpected DML errors: {errors:?}");
        total += n;
    }
    assert!(
        lagging_versions >= 4,
        "the lagging node lagged in only {lagging_versions} versions"
    );
    assert!(lagging_dml > 0, "no DML from the lagging node");
    (total, lagging_dml)
}

/// Ingest ADD INDEX and ADD UNIQUE INDEX while two nodes run DML all along and a third,
/// held one schema version behind, runs DML in every version: both succeed by ingest and
/// the indexes equal the rows on every node. Each index is ingested into a range of the
/// store set apart (as a large one is), which DML and the merge then write too.
#[test]
fn ingest_under_dml_from_every_node_and_a_lagging_one() {
    run_test(async {
        let rows = 4_000;
        let (cluster, _dir, _sort) = ingest_cluster(3).await;
        create_table(&mut node_conn(&cluster, 0, None).await, rows).await;
        // A little slower build, so that DML overlaps the read and sort too.
        set_failpoint(&cluster, "reorg-slow", "50");
        set_failpoint(&cluster, "ingest-apart-from", "1");
        for (n, (alter, index, column)) in [
            ("ALTER TABLE t ADD INDEX ik (k)", "ik", "k"),
            ("ALTER TABLE t ADD UNIQUE INDEX uk (u)", "uk", "u"),
        ]
        .into_iter()
        .enumerate()
        {
            let (dml, lagging) = alter_under_dml(&cluster, alter, n as u64 + 1, rows).await;
            eprintln!("{alter}: {dml} DML statements meanwhile, {lagging} from the lagging node");
            let mut c = node_conn(&cluster, 1, Some("d")).await;
            let job = newest_add_index(&mut c).await.unwrap();
            assert_eq!(
                (
                    job.schema_state.as_str(),
                    job.state.as_str(),
                    job.comments.as_str()
                ),
                ("public", "synced", "ingest"),
                "{alter}: {job:?}"
            );
            assert!(job.row_count > 0, "{job:?}");
            assert!(set_apart(&cluster, index), "{alter}: not set apart");
            for node in 0..3 {
                let mut c = node_conn(&cluster, node, Some("d")).await;
                assert_index_consistent(&mut c, index, column).await;
            }
        }
        // Both indexes keep working for DML afterwards, on the lagging node too.
        let mut c = node_conn(&cluster, 2, Some("d")).await;
        c.query_drop("UPDATE t SET k = k + 1, u = -u WHERE id % 5 = 0")
            .await
            .unwrap();
        assert_index_consistent(&mut c, "ik", "k").await;
        assert_index_consistent(&mut c, "uk", "u").await;
        drop(c);
        stop(cluster).await;
    });
}

/// Whether index `index` of `d.t` lives in a range of the store set apart. (Asking again
/// answers true only then: the range holds its entries either way.)
fn set_apart(cluster: &Cluster, index: &str) -> bool {
    let domain = cluster.domain(0).unwrap();
    let catalog = domain.catalog.snapshot();
    let table = catalog.table("d", "t").expect("table exists");
    let index = table
        .indexes
        .iter()
        .find(|i| i.name == index)
        .expect("index");
    let prefix = moltdb::codec::keys::index_prefix(table.id, index.id);
    domain
        .store
        .set_apart(&moltdb::kv::KeyRange::prefix(&prefix))
        .unwrap()
}

/// Checks that a failed ADD UNIQUE INDEX uk left nothing behind and the table works.
async fn assert_rolled_back(cluster: &Cluster, c: &mut Conn, table_id: i64) {
    let job = newest_add_index(c).await.unwrap();
    assert_eq!(
        (job.schema_state.as_str(), job.state.as_str()),
        ("none", "rollback done"),
        "{job:?}"
    );
    assert_eq!(secondary_indexes(c).await, Vec::<String>::new());
    assert_eq!(
        index_entry_count(cluster, table_id),
        0,
        "index entries left behind"
    );
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
}

/// ADD UNIQUE INDEX over duplicate values fails with TiDB's 1062 and rolls back, leaving
/// no entry behind: duplicates within one round, and (with the quota failpoint) a
/// duplicate of an entry ingested in an earlier round.
#[test]
fn unique_index_over_duplicates_fails_with_1062_and_rolls_back() {
    run_test(async {
        let rows = 20_000;
        let (cluster, _dir, _sort) = ingest_cluster(2).await;
        let mut c = node_conn(&cluster, 1, None).await;
        create_table(&mut c, rows).await;
        c.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        // One round: rows 1234 and 3000 share u = 1234.
        c.query_drop("UPDATE t SET u = 1234 WHERE id = 3000")
            .await
            .unwrap();
        let (code, message) = expect_failure(
            c.query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)").await,
            "unique index over duplicates",
        );
        assert_eq!(
            (code, message.as_str()),
            (1062, "Duplicate entry '1234' for key 't.uk'")
        );
        assert_rolled_back(&cluster, &mut c, table_id).await;
        // A duplicate across rounds: row 5's entry is ingested in the first round, row 19999
        // (in the last chunk) meets it in the store.
        c.query_drop("UPDATE t SET u = 3000 WHERE id = 3000; UPDATE t SET u = 5 WHERE id = 19999")
            .await
            .unwrap();
        set_failpoint(&cluster, "ingest-disk-quota", "65536");
        set_failpoint(&cluster, "reorg-slow", "100");
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter = tokio::spawn(async move {
            submitter
                .query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
                .await
        });
        // It fails in a later round: earlier rounds were ingested (then removed).
        let mut earlier_rounds = false;
        while !alter.is_finished() {
            if let Some(job) = newest_add_index(&mut c)
                .await
                .filter(|j| j.state == "running")
            {
                let txn = cluster.domain(0).unwrap().store.begin().unwrap();
                let reorg = moltdb::ddl::queue::get_reorg(txn.as_ref(), job.id).unwrap();
                earlier_rounds |= !reorg.ingested.is_empty();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (code, message) = expect_failure(
            alter.await.unwrap(),
            "unique index over a duplicate of an earlier round",
        );
        assert_eq!(
            (code, message.as_str()),
            (1062, "Duplicate entry '5' for key 't.uk'")
        );
        assert!(earlier_rounds, "no round was ingested before the duplicate");
        assert_rolled_back(&cluster, &mut c, table_id).await;
        clear_failpoint(&cluster, "reorg-slow");
        // The table stays usable, and without the duplicate the index builds (in rounds).
        c.query_drop("UPDATE t SET u = 19999 WHERE id = 19999")
            .await
            .unwrap();
        c.query_drop("INSERT INTO t VALUES (20001, 1, 'x', 20001)")
            .await
            .unwrap();
        c.query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
            .await
            .unwrap();
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(
            (job.state.as_str(), job.comments.as_str(), job.row_count),
            ("synced", "ingest", rows as i64 + 1)
        );
        assert_index_consistent(&mut c, "uk", "u").await;
        let e = c
            .query_drop("INSERT INTO t VALUES (20002, 1, 'x', 7)")
            .await
            .unwrap_err();
        assert_eq!(server_code(&e), 1062);
        assert!(e.to_string().contains("for key 't.uk'"), "{e}");
        drop(c);
        stop(cluster).await;
    });
}

/// With the disk (nearly) full, the ingest precheck fails the job with TiDB's 8256,
/// before anything is written.
#[test]
fn disk_full_fails_the_precheck_with_8256() {
    run_test(async {
        let (cluster, _dir, sort) = ingest_cluster(2).await;
        let mut c = node_conn(&cluster, 0, None).await;
        create_table(&mut c, 3_000).await;
        c.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        set_failpoint(&cluster, "ingest-disk-full", "");
        let (code, message) = expect_failure(
            c.query_drop("ALTER TABLE t ADD INDEX ik (k)").await,
            "add index on a full disk",
        );
        assert_eq!(code, 8256, "{message}");
        let expected: Vec<String> = cluster
            .addresses()
            .iter()
            .flatten()
            .map(|a| {
                format!(
                    "Check ingest environment failed: no enough space in {}",
                    sort.path().join(format!("tmp_ddl-{}", a.port())).display()
                )
            })
            .collect();
        assert!(
            expected.contains(&message),
            "{message:?} is none of {expected:?}"
        );
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(job.state, "rollback done", "{job:?}");
        assert_eq!(secondary_indexes(&mut c).await, Vec::<String>::new());
        assert_eq!(index_entry_count(&cluster, table_id), 0);
        assert!(job_dirs(sort.path()).is_empty());
        // With space again, it works.
        clear_failpoint(&cluster, "ingest-disk-full");
        c.query_drop("ALTER TABLE t ADD INDEX ik (k)")
            .await
            .unwrap();
        assert_index_consistent(&mut c, "ik", "k").await;
        drop(c);
        stop(cluster).await;
    });
}

/// Where the sort directory cannot be made (the temp dir is a regular file), ADD INDEX
/// and ADD UNIQUE INDEX fall back to txn-merge, duplicates included.
#[test]
fn unusable_temp_dir_falls_back_to_txn_merge() {
    run_test(async {
        let rows = 3_000;
        let (cluster, _dir) = start_cluster_with_temp_dir(2, |dir| {
            let file = dir.join("not-a-directory");
            std::fs::write(&file, b"a file where the temp dir should be").unwrap();
            file
        })
        .await;
        let mut c = node_conn(&cluster, 1, None).await;
        create_table(&mut c, rows).await;
        c.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        c.query_drop("ALTER TABLE t ADD INDEX ik (k)")
            .await
            .unwrap();
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(
            (
                job.state.as_str(),
                job.comments.as_str(),
                job.row_count as usize
            ),
            ("synced", "txn-merge", rows),
            "{job:?}"
        );
        assert_index_consistent(&mut c, "ik", "k").await;
        // A unique index over a duplicate fails the same way as with ingest.
        c.query_drop("UPDATE t SET u = 77 WHERE id = 2500")
            .await
            .unwrap();
        let (code, message) = expect_failure(
            c.query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)").await,
            "txn-merge unique index over a duplicate",
        );
        assert_eq!(
            (code, message.as_str()),
            (1062, "Duplicate entry '77' for key 't.uk'")
        );
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(
            (job.state.as_str(), job.comments.as_str()),
            ("rollback done", "txn-merge"),
            "{job:?}"
        );
        assert_eq!(secondary_indexes(&mut c).await, vec!["ik".to_string()]);
        // Only ik's entries are left: one per row.
        assert_eq!(index_entry_count(&cluster, table_id), rows);
        c.query_drop("UPDATE t SET u = 2500 WHERE id = 2500")
            .await
            .unwrap();
        c.query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
            .await
            .unwrap();
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(
            (job.state.as_str(), job.comments.as_str()),
            ("synced", "txn-merge"),
            "{job:?}"
        );
        assert_index_consistent(&mut c, "uk", "u").await;
        assert_index_consistent(&mut c, "ik", "k").await;
        drop(c);
        stop(cluster).await;
    });
}

/// An ingest that loses an entry is caught by the verification before public: the job
/// fails (ADMIN CHECK's 8223, or 8134) and rolls back; without the fault it succeeds.
#[test]
fn verification_catches_a_lost_entry() {
    run_test(async {
        let (cluster, _dir, sort) = ingest_cluster(2).await;
        let mut c = node_conn(&cluster, 0, None).await;
        create_table(&mut c, 5_000).await;
        c.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        set_failpoint(&cluster, "ingest-corrupt-entry", "");
        // Against the digest of the rows the build read (no row changed since), and
        // against the rows read again.
        for (alter, index, again) in [
            ("ALTER TABLE t ADD INDEX ik (k)", "ik", false),
            ("ALTER TABLE t ADD UNIQUE INDEX uk (u)", "uk", false),
            ("ALTER TABLE t ADD INDEX ik (k)", "ik", true),
            ("ALTER TABLE t ADD UNIQUE INDEX uk (u)", "uk", true),
        ] {
            match again {
                true => set_failpoint(&cluster, "verify-rows-again", ""),
                false => clear_failpoint(&cluster, "verify-rows-again"),
            }
            let (code, message) = expect_failure(c.query_drop(alter).await, alter);
            assert!(code == 8223 || code == 8134, "{alter}: {code} {message}");
            assert!(
                message.contains(index) && message.contains('t'),
                "{alter}: {message}"
            );
            eprintln!("{alter}: {code} {message}");
            let job = newest_add_index(&mut c).await.unwrap();
            assert_eq!(
                (job.schema_state.as_str(), job.state.as_str()),
                ("none", "rollback done"),
                "{job:?}"
            );
            assert_eq!(secondary_indexes(&mut c).await, Vec::<String>::new());
            assert_eq!(index_entry_count(&cluster, table_id), 0);
            c.query_drop("ADMIN CHECK TABLE t").await.unwrap();
        }
        assert!(job_dirs(sort.path()).is_empty());
        clear_failpoint(&cluster, "ingest-corrupt-entry");
        clear_failpoint(&cluster, "verify-rows-again");
        c.query_drop("ALTER TABLE t ADD INDEX ik (k)")
            .await
            .unwrap();
        c.query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
            .await
            .unwrap();
        assert_index_consistent(&mut c, "ik", "k").await;
        assert_index_consistent(&mut c, "uk", "u").await;
        drop(c);
        stop(cluster).await;
    });
}

/// A slowed read and sort reports its phase, a rising percent, an ETA and a rising
/// ROW_COUNT, in ADMIN SHOW DDL JOBS and in information_schema.DDL_JOBS; the finished job
/// counts every row once.
#[test]
fn read_and_sort_progress_is_reported() {
    run_test(async {
        let rows = 40_000;
        let (cluster, _dir, _sort) = ingest_cluster(2).await;
        let mut c = node_conn(&cluster, 1, None).await;
        create_table(&mut c, rows).await;
        c.query_drop("USE d").await.unwrap();
        set_failpoint(&cluster, "reorg-slow", "400");
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter =
            tokio::spawn(
                async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await },
            );
        let (mut percents, mut counts) = (Vec::<f64>::new(), Vec::<i64>::new());
        let (mut eta_seen, mut is_rows) = (false, Vec::new());
        let mut id = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !alter.is_finished() {
            assert!(Instant::now() < deadline, "the ALTER never finished");
            if let Some(job) = newest_add_index(&mut c).await {
                if job.state == "running" && job.comments.contains("phase=read+sort") {
                    assert!(
                        job.comments
                            .starts_with("ingest, phase=read+sort, progress="),
                        "{job:?}"
                    );
                    let p = percent_in(&job.comments).unwrap();
                    percents.push(p);
                    counts.push(job.row_count);
                    eta_seen |= job.comments.contains(", eta=");
                    id = Some(job.id);
                    let is: Option<DdlJobsRow> = c
                        .query_first(format!(
                            "SELECT PHASE, PROGRESS, ETA_SECONDS, ROW_COUNT, COMMENTS \
                         FROM information_schema.DDL_JOBS WHERE JOB_ID = {}",
                            job.id
                        ))
                        .await
                        .unwrap();
                    is_rows.push(is.expect("the job is in information_schema.DDL_JOBS"));
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        alter.await.unwrap().expect("add index");
        eprintln!("read+sort percents seen: {percents:?}, row counts: {counts:?}");
        assert!(!percents.is_empty(), "never saw phase=read+sort");
        assert!(
            percents.windows(2).all(|w| w[0] <= w[1]),
            "the percent went backwards: {percents:?}"
        );
        assert!(
            percents.iter().all(|p| *p > 0.0 && *p <= 100.0),
            "{percents:?}"
        );
        let mut distinct = percents.clone();
        distinct.dedup();
        assert!(distinct.len() >= 2, "the percent never rose: {percents:?}");
        assert!(
            counts.windows(2).all(|w| w[0] <= w[1]),
            "ROW_COUNT went backwards: {counts:?}"
        );
        assert!(
            counts.first() < counts.last() && *counts.last().unwrap() <= rows as i64,
            "ROW_COUNT did not rise: {counts:?}"
        );
        assert!(eta_seen, "no eta in COMMENTS");
        // information_schema.DDL_JOBS shows the same progress, as columns.
        assert!(
            is_rows.iter().any(|(phase, progress, _, _, comments)| {
                phase.as_deref() == Some("read+sort")
                    && progress.is_some_and(|p| p > 0.0 && p <= 100.0)
                    && comments.contains("phase=read+sort")
            }),
            "{is_rows:?}"
        );
        assert!(is_rows.iter().any(|r| r.2.is_some()), "no ETA_SECONDS");
        // Finished: public, every row counted once, no progress left.
        let job = newest_add_index(&mut c).await.unwrap();
        assert_eq!(Some(job.id), id);
        assert_eq!(
            (
                job.schema_state.as_str(),
                job.state.as_str(),
                job.comments.as_str(),
                job.row_count
            ),
            ("public", "synced", "ingest", rows as i64)
        );
        let is: DdlJobsRow = c
            .query_first(format!(
                "SELECT PHASE, PROGRESS, ETA_SECONDS, ROW_COUNT, COMMENTS \
             FROM information_schema.DDL_JOBS WHERE JOB_ID = {}",
                job.id
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(is, (None, None, None, rows as i64, "ingest".to_string()));
        assert_index_consistent(&mut c, "ik", "k").await;
        drop(c);
        stop(cluster).await;
    });
}

/// Pause and cancel in the read and sort phase.
#[test]
fn pause_and_cancel_during_read_and_sort() {
    run_test(async {
        let rows = 40_000;
        let (cluster, _dir, sort) = ingest_cluster(2).await;
        let mut op = node_conn(&cluster, 1, None).await;
        create_table(&mut op, rows).await;
        op.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        set_failpoint(&cluster, "reorg-slow", "300");
        let in_read = |j: &JobInfo| j.state == "running" && j.comments.contains("phase=read+sort");

        // Pause: the job stops reading, drops its sort files, and finishes after RESUME.
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter =
            tokio::spawn(
                async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await },
            );
        let job = wait_job(&mut op, "read+sort", in_read).await;
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN PAUSE DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r, vec![(job.id.to_string(), "successful".to_string())]);
        let paused = wait_job(&mut op, "paused", |j| j.state == "paused").await;
        assert_eq!(paused.schema_state, "write reorganization");
        // Nothing is sorted while paused.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !job_dirs(sort.path()).is_empty() {
            assert!(Instant::now() < deadline, "sort files kept while paused");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(newest_add_index(&mut op).await.unwrap().state, "paused");
        assert!(!alter.is_finished(), "the ALTER waits while paused");
        // DML while paused (the row count stays).
        op.query_drop("UPDATE t SET k = k + 100 WHERE id % 3 = 0")
            .await
            .unwrap();
        clear_failpoint(&cluster, "reorg-slow");
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN RESUME DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r[0].1, "successful");
        alter.await.unwrap().expect("the resumed ALTER finishes");
        let done = newest_add_index(&mut op).await.unwrap();
        assert_eq!(
            (
                done.id,
                done.state.as_str(),
                done.comments.as_str(),
                done.row_count
            ),
            (job.id, "synced", "ingest", rows as i64),
            "a resumed read must not count rows twice"
        );
        assert_index_consistent(&mut op, "ik", "k").await;

        // Cancel: the ALTER fails with 8214, and nothing of the index is left.
        set_failpoint(&cluster, "reorg-slow", "300");
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter = tokio::spawn(async move {
            submitter
                .query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
                .await
        });
        let job = wait_job(&mut op, "read+sort of uk", |j| {
            in_read(j) && j.id != done.id
        })
        .await;
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN CANCEL DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r[0].1, "successful");
        let (code, message) = expect_failure(alter.await.unwrap(), "cancelled ALTER");
        assert_eq!(code, 8214, "{message}");
        assert!(message.contains("Cancelled DDL job"), "{message}");
        let cancelled = newest_add_index(&mut op).await.unwrap();
        assert_eq!(
            (
                cancelled.id,
                cancelled.schema_state.as_str(),
                cancelled.state.as_str()
            ),
            (job.id, "none", "rollback done")
        );
        assert_eq!(secondary_indexes(&mut op).await, vec!["ik".to_string()]);
        // Only ik's entries are left, one per row.
        assert_eq!(index_entry_count(&cluster, table_id), rows);
        assert!(job_dirs(sort.path()).is_empty());
        assert_index_consistent(&mut op, "ik", "k").await;
        drop(op);
        stop(cluster).await;
    });
}

/// The (schema state, backfill state) of index `name` on node `node`, if it exists there.
fn backfill_state(cluster: &Cluster, node: usize, name: &str) -> Option<(String, String)> {
    let schema = cluster.domain(node)?.catalog.snapshot();
    let ix = schema.table("d", "t")?.index_by_name(name)?.clone();
    Some((ix.state.as_str().into(), ix.backfill.as_str().into()))
}

/// Submits `ALTER TABLE t ADD INDEX ik (k)` on the DDL owner and holds the job before its
/// ingest (the other node one version behind) while a few bulk UPDATEs fill the temporary
/// index, then lets it go, slowed by `reorg-slow`, and waits for the merge to report
/// progress. Returns the ALTER, the job and the owner's node.
async fn alter_until_merging(
    cluster: &Cluster,
    op: &mut Conn,
) -> (
    tokio::task::JoinHandle<Result<(), mysql_async::Error>>,
    JobInfo,
    usize,
) {
    let behind_node = non_owner_node(cluster);
    let owner = 1 - behind_node;
    let lagging = cluster.domain(behind_node).unwrap();
    // delete only, write only: it stops there, the owner reaches write reorganization.
    lagging.cap_schema_version(Some(lagging.catalog.snapshot().version + 2));
    let mut submitter = node_conn(cluster, owner, Some("d")).await;
    let alter =
        tokio::spawn(async move { submitter.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
    let want = Some(("write reorganization".to_string(), "running".to_string()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while backfill_state(cluster, owner, "ik") != want {
        assert!(
            Instant::now() < deadline,
            "never reached write reorganization"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The owner's node writes only the temporary index now: each update adds two keys
    // per row.
    let mut dml = node_conn(cluster, owner, Some("d")).await;
    let started = Instant::now();
    for _ in 0..2 {
        dml.query_drop("UPDATE t SET k = k + 1").await.unwrap();
    }
    eprintln!("bulk updates took {:?}", started.elapsed());
    set_failpoint(cluster, "reorg-slow", "300");
    lagging.cap_schema_version(None);
    let job = wait_job(op, "merge progress", |j| {
        j.state == "running" && j.comments.contains("phase=merge")
    })
    .await;
    (alter, job, owner)
}

/// Pause and cancel in the merge phase (many temporary-index keys from bulk DML made
///  during the build).
#[test]
fn pause_and_cancel_during_merge() {
    run_test(async {
        let rows = 20_000;
        let (cluster, _dir, _sort) = ingest_cluster(2).await;
        let mut op = node_conn(&cluster, 1, None).await;
        create_table(&mut op, rows).await;
        op.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");

        let (alter, job, owner) = alter_until_merging(&cluster, &mut op).await;
        assert!(
            job.comments.starts_with("ingest, phase=merge, progress="),
            "{job:?}"
        );
        let merged = percent_in(&job.comments).unwrap();
        assert!(merged < 100.0, "{job:?}");
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN PAUSE DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r[0].1, "successful");
        wait_job(&mut op, "paused", |j| j.state == "paused").await;
        assert_eq!(
            backfill_state(&cluster, owner, "ik"),
            Some(("write reorganization".into(), "merging".into()))
        );
        // Paused in the middle of the merge: its checkpoint is a key, not the end.
        let reorg = {
            let txn = cluster.domain(0).unwrap().store.begin().unwrap();
            moltdb::ddl::queue::get_reorg(txn.as_ref(), job.id).unwrap()
        };
        assert!(
            reorg.next_key.is_some() && !reorg.done,
            "not paused mid-merge: {reorg:?}"
        );
        op.query_drop("UPDATE t SET k = k + 1 WHERE id % 10 = 0")
            .await
            .unwrap();
        clear_failpoint(&cluster, "reorg-slow");
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN RESUME DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r[0].1, "successful");
        tokio::time::timeout(Duration::from_secs(60), alter)
            .await
            .expect("the resumed ALTER finishes")
            .unwrap()
            .expect("add index");
        let done = newest_add_index(&mut op).await.unwrap();
        assert_eq!(
            (done.id, done.state.as_str(), done.comments.as_str()),
            (job.id, "synced", "ingest")
        );
        assert_index_consistent(&mut op, "ik", "k").await;
        op.query_drop("ALTER TABLE t DROP INDEX ik").await.unwrap();

        // Cancel in the merge: rolled back, neither index nor temporary index entries left.
        let (alter, job, _) = alter_until_merging(&cluster, &mut op).await;
        let r: Vec<(String, String)> = op
            .query(format!("ADMIN CANCEL DDL JOBS {}", job.id))
            .await
            .unwrap();
        assert_eq!(r[0].1, "successful");
        let (code, message) = expect_failure(alter.await.unwrap(), "cancelled ALTER");
        assert_eq!(code, 8214, "{message}");
        let cancelled = newest_add_index(&mut op).await.unwrap();
        assert_eq!(
            (cancelled.id, cancelled.state.as_str()),
            (job.id, "rollback done")
        );
        assert_eq!(secondary_indexes(&mut op).await, Vec::<String>::new());
        assert_eq!(index_entry_count(&cluster, table_id), 0);
        op.query_drop("ADMIN CHECK TABLE t").await.unwrap();
        clear_failpoint(&cluster, "reorg-slow");
        drop(op);
        stop(cluster).await;
    });
}

/// Several rounds (a small quota) while rows move their unique values from the last
/// chunks to the first ones: entries ingested by an early round go stale, later rounds
/// meet them in the store; the index still ends up equal to the rows.
#[test]
fn several_rounds_with_values_moving_between_them() {
    run_test(async {
        let rows = 40_000;
        let (cluster, _dir, _sort) = ingest_cluster(2).await;
        let mut op = node_conn(&cluster, 1, None).await;
        create_table(&mut op, rows).await;
        op.query_drop("USE d").await.unwrap();
        set_failpoint(&cluster, "ingest-disk-quota", "65536");
        set_failpoint(&cluster, "reorg-slow", "150");
        let mut submitter = node_conn(&cluster, 0, Some("d")).await;
        let alter = tokio::spawn(async move {
            submitter
                .query_drop("ALTER TABLE t ADD UNIQUE INDEX uk (u)")
                .await
        });
        let job = wait_job(&mut op, "the build", |j| j.state == "running").await;
        // Row a (first chunks) gives its value up, row b (last chunks) takes it: unique
        // at every moment.
        let moves = Arc::new(AtomicU64::new(0));
        let mover = {
            let opts = node_opts(&cluster, 0, Some("d"));
            let moves = moves.clone();
            tokio::spawn(async move {
                let mut c = Conn::new(opts).await.unwrap();
                for i in 0..400i64 {
                    let (a, b) = (1 + i * 13, rows as i64 - i * 13);
                    for sql in [
                        format!("UPDATE t SET u = -u WHERE id = {a}"),
                        format!("UPDATE t SET u = {a} WHERE id = {b}"),
                    ] {
                        // Write conflicts (with the merge) are retried; nothing else may fail.
                        loop {
                            match c.query_drop(&sql).await {
                                Ok(()) => break,
                                Err(e) if server_code(&e) == 9007 => {}
                                Err(e) => panic!("{sql}: {e}"),
                            }
                        }
                    }
                    moves.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        // Watch the checkpoint: some ranges are ingested while others are still to read.
        let (mut partial, mut last_ingested) = (0usize, Vec::new());
        let deadline = Instant::now() + Duration::from_secs(60);
        while !alter.is_finished() {
            assert!(Instant::now() < deadline, "the ALTER never finished");
            let reorg = {
                let txn = cluster.domain(0).unwrap().store.begin().unwrap();
                moltdb::ddl::queue::get_reorg(txn.as_ref(), job.id).unwrap()
            };
            let covered: i64 = reorg.ingested.iter().map(|(a, b)| b - a + 1).sum();
            if covered > 0 && covered < rows as i64 && reorg.ingested != last_ingested {
                partial += 1;
                last_ingested = reorg.ingested.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        alter.await.unwrap().expect("add unique index in rounds");
        let moved = moves.load(Ordering::SeqCst);
        mover.await.unwrap();
        eprintln!("{partial} partial checkpoints seen, {moved} moves during the build");
        assert!(
            partial >= 2,
            "fewer than 3 rounds: {partial} partial checkpoints"
        );
        assert!(moved > 0, "no value moved during the build");
        let done = newest_add_index(&mut op).await.unwrap();
        assert_eq!(
            (
                done.id,
                done.state.as_str(),
                done.comments.as_str(),
                done.row_count
            ),
            (job.id, "synced", "ingest", rows as i64)
        );
        assert_eq!(row_count(&mut op).await, rows as i64);
        assert_index_consistent(&mut op, "uk", "u").await;
        drop(op);
        stop(cluster).await;
    });
}

/// `text` without ANSI escape sequences (the server's log may be coloured).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // ESC [ parameters, up to the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Rows written by the `ingest round written` lines of a server log.
fn round_rows(log: &str) -> Vec<u64> {
    strip_ansi(log)
        .lines()
        .filter(|l| l.contains("ingest round written"))
        .map(|l| {
            let rest = &l[l.find(" rows=").expect("rows= in the line") + " rows=".len()..];
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

/// kill -9 of a real server in read and sort, after some rounds were ingested: after
/// a restart the job goes on from its checkpoint (the ingested ranges are not read
/// again), finishes, and counts every row once.
#[tokio::test]
async fn killed_during_read_and_sort_resumes_after_restart() {
    let rows = 40_000;
    let sort = sort_dir();
    let mut server = TestServer::start_with(
        &[(
            "MOLTDB_FAILPOINTS",
            // Rounds of 4 chunks (16384 rows; the readers spill when they hold 512 KiB
            // and the round ends when both did), each reader resting 500 ms after each
            // chunk.
            "reorg-slow=500,ingest-disk-quota=524288",
        )],
        &[format!("--temp-dir={}", sort.path().display())],
    );
    owner_alone(&mut server.conn().await).await;
    populate(&mut server.conn().await, rows, 97).await;
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
    });
    // Wait until a round is ingested and the next one is reading.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut c = server.conn().await;
    let job = loop {
        assert!(
            Instant::now() < deadline,
            "no round was ingested\n{}",
            server.log_tail()
        );
        let job = newest_add_index(&mut c).await;
        if let Some(job) = job.filter(|j| j.state == "running") {
            if job.comments.contains("phase=read+sort") && !round_rows(&server.log()).is_empty() {
                break job;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    drop(c);
    server.kill9();
    assert!(
        alter.await.unwrap().is_err(),
        "the connection died with the server"
    );
    let before = server.log();
    let ingested_before: u64 = round_rows(&before).iter().sum();
    assert!(
        ingested_before > 0 && ingested_before < rows as u64,
        "killed too late: {ingested_before} rows ingested"
    );
    server.set_env(&[]);
    server.restart();
    let mut c = server.conn().await;
    let done = wait_job(&mut c, "the job to finish", |j| j.state == "synced").await;
    assert_eq!(
        (
            done.id,
            done.schema_state.as_str(),
            done.comments.as_str(),
            done.row_count
        ),
        (job.id, "public", "ingest", rows as i64),
        "every row counted once\n{}",
        server.log_tail()
    );
    let after = server.log();
    let ingested_after: u64 = round_rows(&after[before.len()..]).iter().sum();
    eprintln!(
        "rows ingested before the kill: {ingested_before}, after the restart: {ingested_after}"
    );
    assert_eq!(
        ingested_before + ingested_after,
        rows as u64,
        "the resumed job read again what was ingested ({ingested_before} before the kill)"
    );
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
    assert_index_matches_scan(&mut c).await;
    // The killed server's sort files (under its port, not the restarted one's) are gone
    // once the job has ended.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !job_dirs(sort.path()).is_empty() {
        assert!(
            Instant::now() < deadline,
            "sort files left: {:?}",
            job_dirs(sort.path())
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Regression: a node one version behind, in delete only, records a row's deletes in the
/// temporary index but not its puts. A row that loses its entry and gets it back there
/// (REPLACE with the same values, or an UPDATE and its reverse) leaves a delete in the
/// temporary index although the row has the entry at the build's snapshot; the merge must
/// not apply it over the ingested entry.
#[test]
fn deletes_recorded_in_delete_only_do_not_remove_ingested_entries() {
    run_test(async {
        let rows = 3_000;
        let (cluster, _dir, _sort) = ingest_cluster(2).await;
        create_table(&mut node_conn(&cluster, 0, None).await, rows).await;
        let behind_node = non_owner_node(&cluster);
        let ahead_node = 1 - behind_node;
        let lagging = cluster.domain(behind_node).unwrap();
        for (alter, index, column) in [
            ("ALTER TABLE t ADD INDEX ik (k)", "ik", "k"),
            ("ALTER TABLE t ADD UNIQUE INDEX uk (u)", "uk", "u"),
        ] {
            // The lagging node stops in delete only; the owner gets to write only and waits
            // for it.
            lagging.cap_schema_version(Some(lagging.catalog.snapshot().version + 1));
            let mut submitter = node_conn(&cluster, ahead_node, Some("d")).await;
            let alter_task = tokio::spawn(async move { submitter.query_drop(alter).await });
            let want = Some(("delete only".to_string(), "running".to_string()));
            let deadline = Instant::now() + Duration::from_secs(30);
            while backfill_state(&cluster, behind_node, index) != want
                || backfill_state(&cluster, ahead_node, index).map(|s| s.0)
                    != Some("write only".into())
            {
                assert!(
                    Instant::now() < deadline,
                    "{alter}: never held in delete only"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut behind = node_conn(&cluster, behind_node, Some("d")).await;
            for sql in [
                "REPLACE INTO t VALUES (10, 10, 'rep', 10)",
                "UPDATE t SET u = -u, k = k + 1 WHERE id = 20",
                "UPDATE t SET u = -u, k = k - 1 WHERE id = 20",
                "DELETE FROM t WHERE id = 30",
                "INSERT INTO t VALUES (30, 30, 'again', 30)",
            ] {
                behind.query_drop(sql).await.unwrap();
            }
            lagging.cap_schema_version(None);
            alter_task
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{alter}: {e}"));
            assert_index_consistent(&mut behind, index, column).await;
            for id in [10, 20, 30] {
                let via_index: Option<i64> = behind
                .query_first(format!(
                    "SELECT id FROM t WHERE {column} = (SELECT {column} FROM t WHERE id = {id}) AND id = {id}"
                ))
                .await
                .unwrap();
                assert_eq!(via_index, Some(id));
            }
        }
        stop(cluster).await;
    });
}

/// kill -9 of a real server while the temporary index is merged (much DML happened during
/// the build): after a restart the merge goes on from its checkpoint and the index ends
/// up equal to the rows.
#[tokio::test]
async fn killed_during_merge_resumes_after_restart() {
    let rows = 40_000;
    let sort = sort_dir();
    let mut server = TestServer::start_with(
        // Every checkpoint of the build rests 300 ms (and each reader after each chunk),
        // which leaves time to see the merge.
        &[("MOLTDB_FAILPOINTS", "reorg-slow=300")],
        &[format!("--temp-dir={}", sort.path().display())],
    );
    owner_alone(&mut server.conn().await).await;
    populate(&mut server.conn().await, rows, 97).await;
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
    });
    // Updates while the rows are read fill the temporary index; then wait for the merge.
    let mut c = server.conn().await;
    let mut dml = server.conn().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut round = 0;
    let job = loop {
        assert!(
            Instant::now() < deadline,
            "never saw the merge\n{}",
            server.log_tail()
        );
        let job = newest_add_index(&mut c).await;
        if let Some(job) = job.filter(|j| j.state == "running") {
            if job.comments.contains("phase=merge") {
                break job;
            }
            if job.comments.contains("phase=read+sort") && round < 8 {
                let update = format!("UPDATE d.t SET k = k + 1000 WHERE id % 8 = {round}");
                match dml.query_drop(&update).await {
                    Ok(()) => round += 1,
                    // The schema moved on under the statement (8028), or a write conflict:
                    // what a client sees and retries.
                    Err(e) if matches!(server_code(&e), 8028 | 9007) => {}
                    Err(e) => panic!("{update}: {e}"),
                }
                continue;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    drop((c, dml));
    server.kill9();
    assert!(
        alter.await.unwrap().is_err(),
        "the connection died with the server"
    );
    assert!(round > 0, "no update ran during the build");
    server.set_env(&[]);
    server.restart();
    let mut c = server.conn().await;
    let done = wait_job(&mut c, "the job to finish", |j| j.state == "synced").await;
    assert_eq!(
        (done.id, done.schema_state.as_str(), done.comments.as_str()),
        (job.id, "public", "ingest"),
        "{}",
        server.log_tail()
    );
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
    assert_index_matches_scan(&mut c).await;
}

/// The owner stopped in read and sort, after some rounds were ingested: another node takes
/// the job over, reads only what was not ingested, and finishes it with every row counted
/// once.
#[test]
fn owner_stopped_during_read_and_sort_another_node_finishes() {
    run_test(async {
        let rows = 40_000;
        let (cluster, _dir, _sort) = ingest_cluster(3).await;
        let owner = owner_node(&cluster);
        let submitter = (owner + 1) % 3;
        create_table(&mut node_conn(&cluster, submitter, None).await, rows).await;
        // Rounds of a few chunks, slowed down.
        set_failpoint(&cluster, "ingest-disk-quota", "524288");
        set_failpoint(&cluster, "reorg-slow", "300");
        let mut submit = node_conn(&cluster, submitter, Some("d")).await;
        let alter =
            tokio::spawn(async move { submit.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
        let mut watch = node_conn(&cluster, (owner + 2) % 3, Some("d")).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let job = loop {
            assert!(Instant::now() < deadline, "no round was ingested");
            if let Some(job) = newest_add_index(&mut watch).await {
                let ingested = {
                    let txn = cluster.domain(submitter).unwrap().store.begin().unwrap();
                    moltdb::ddl::queue::get_reorg(txn.as_ref(), job.id)
                        .unwrap()
                        .ingested_rows
                };
                if job.comments.contains("phase=read+sort") && ingested > 0 {
                    break job;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let c = cluster.clone();
        tokio::task::spawn_blocking(move || c.stop_node(owner))
            .await
            .unwrap();
        alter
            .await
            .unwrap()
            .expect("the ALTER finishes on another owner");
        let done = newest_add_index(&mut watch).await.unwrap();
        assert_eq!(
            (
                done.id,
                done.schema_state.as_str(),
                done.state.as_str(),
                done.comments.as_str(),
                done.row_count
            ),
            (job.id, "public", "synced", "ingest", rows as i64)
        );
        assert_index_matches_scan(&mut watch).await;
        drop(watch);
        stop(cluster).await;
    });
}
