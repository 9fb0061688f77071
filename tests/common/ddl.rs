//! Helpers shared by the online DDL tests: an in-process cluster, a populated table, and the
//! newest ADD INDEX job as ADMIN SHOW DDL JOBS reports it, clients running DML meanwhile.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moltdb::node::cluster::Cluster;
use moltdb::node::NodeConfig;
use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Row};

/// (job id, schema state, state, row count) of a DDL job.
pub type JobView = (i64, String, String, i64);

/// Runs a test body on a runtime of its own. The in-process nodes serve their sessions on
/// it, and a session may block (in `block_in_place`) waiting for a DDL job: a failing test
/// must not then hang in the runtime's shutdown, which waits for every blocked thread.
pub fn run_test(body: impl std::future::Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(body)));
    runtime.shutdown_timeout(Duration::from_secs(2));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Starts `nodes` nodes over one store in a temporary directory, on ephemeral ports.
pub async fn start_cluster(nodes: usize) -> (Arc<Cluster>, tempfile::TempDir) {
    start_cluster_with_temp_dir(nodes, |dir| dir.join("tmp")).await
}

/// Like [`start_cluster`], with the nodes' temp dir (where ingest sorts) chosen by
/// `temp_dir` from the test's directory: a regular file there makes ingest unavailable.
pub async fn start_cluster_with_temp_dir(
    nodes: usize,
    temp_dir: impl FnOnce(&Path) -> PathBuf,
) -> (Arc<Cluster>, tempfile::TempDir) {
    if let Ok(filter) = std::env::var("MOLTDB_TEST_LOG") {
        // The nodes' logs, for a test being investigated (e.g. MOLTDB_TEST_LOG=moltdb=debug).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = moltdb::kv::open(dir.path(), super::test_engine(), &Default::default())
        .expect("open store");
    let config = NodeConfig::new(temp_dir(dir.path()));
    let cluster = Cluster::start(store, "127.0.0.1", 0, nodes, config)
        .await
        .expect("start cluster");
    (cluster, dir)
}

/// Sets failpoint `name` on every running node (any of them may own the DDL).
pub fn set_failpoint(cluster: &Cluster, name: &str, value: &str) {
    for node in 0..cluster.addresses().len() {
        if let Some(domain) = cluster.domain(node) {
            domain.failpoints.set(name, value);
        }
    }
}

/// Clears failpoint `name` on every running node.
pub fn clear_failpoint(cluster: &Cluster, name: &str) {
    for node in 0..cluster.addresses().len() {
        if let Some(domain) = cluster.domain(node) {
            domain.failpoints.clear(name);
        }
    }
}

/// The node that is the DDL owner now (waits up to 30 s for one).
pub fn owner_node(cluster: &Cluster) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let owner = (0..cluster.addresses().len())
            .find(|&n| cluster.domain(n).is_some_and(|d| d.ownership.is_owner()));
        if let Some(owner) = owner {
            return owner;
        }
        assert!(Instant::now() < deadline, "no DDL owner");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The last running node that is not the DDL owner: one to hold a schema version behind
/// with `cap_schema_version` while the owner serves (a capped owner holds its job too).
pub fn non_owner_node(cluster: &Cluster) -> usize {
    let owner = owner_node(cluster);
    (0..cluster.addresses().len())
        .rev()
        .find(|&n| n != owner && cluster.domain(n).is_some())
        .expect("a node besides the owner")
}

/// The id of table `db.table`, as node 0 sees it.
pub fn table_id(cluster: &Cluster, db: &str, table: &str) -> i64 {
    cluster
        .domain(0)
        .unwrap()
        .catalog
        .snapshot()
        .table(db, table)
        .expect("table exists")
        .id
}

/// How many keys of any index (temporary ones included) of table `table_id` are stored,
/// once the data of dropped indexes is removed (the delete ranges of finished jobs).
pub fn index_entry_count(cluster: &Cluster, table_id: i64) -> usize {
    let node = cluster.domain(0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !moltdb::ddl::delete_range::pending(node.store.begin().unwrap().as_ref())
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "delete ranges not removed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let txn = node.store.begin().unwrap();
    let mut prefix = moltdb::codec::keys::table_prefix(table_id);
    prefix.extend_from_slice(b"_i");
    txn.scan(&moltdb::kv::KeyRange::prefix(&prefix), usize::MAX, false)
        .unwrap()
        .len()
}

pub fn node_opts(cluster: &Cluster, node: usize, db: Option<&str>) -> Opts {
    let addr = cluster.addresses()[node].expect("node running");
    OptsBuilder::default()
        .ip_or_hostname(addr.ip().to_string())
        .tcp_port(addr.port())
        .user(Some("root"))
        .db_name(db)
        .into()
}

pub async fn node_conn(cluster: &Cluster, node: usize, db: Option<&str>) -> Conn {
    Conn::new(node_opts(cluster, node, db))
        .await
        .expect("connect")
}

/// Creates `d.t (id INT PRIMARY KEY, k INT, c VARCHAR(32))` with `rows` rows, k = id % `modulo`.
pub async fn populate(c: &mut Conn, rows: usize, modulo: usize) {
    c.query_drop("CREATE DATABASE d").await.unwrap();
    c.query_drop("CREATE TABLE d.t (id INT PRIMARY KEY, k INT, c VARCHAR(32))")
        .await
        .unwrap();
    for chunk in (1..=rows).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("({i}, {}, 'c{i}')", i % modulo))
            .collect();
        c.query_drop(format!("INSERT INTO d.t VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
}

/// The newest job of `job_type`, if any.
pub async fn newest_job(c: &mut Conn, job_type: &str) -> Option<JobView> {
    let rows: Vec<Row> = c
        .query(format!(
            "ADMIN SHOW DDL JOBS 20 WHERE job_type = '{job_type}'"
        ))
        .await
        .expect("ADMIN SHOW DDL JOBS");
    rows.into_iter().next().map(|r| {
        (
            r.get("JOB_ID").unwrap(),
            r.get("SCHEMA_STATE").unwrap(),
            r.get("STATE").unwrap(),
            r.get("ROW_COUNT").unwrap(),
        )
    })
}

/// Polls the newest ADD INDEX job until `pred` holds (panics after two minutes).
pub async fn wait_add_index(c: &mut Conn, what: &str, pred: impl Fn(&JobView) -> bool) -> JobView {
    wait_job(c, "add index", what, pred).await
}

/// Polls the newest job of `job_type` until `pred` holds (panics after two minutes).
pub async fn wait_job(
    c: &mut Conn,
    job_type: &str,
    what: &str,
    pred: impl Fn(&JobView) -> bool,
) -> JobView {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = None;
    loop {
        if let Some(job) = newest_job(c, job_type).await {
            if pred(&job) {
                return job;
            }
            last = Some(job);
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the job last read: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// ADMIN CHECK TABLE passes, and reading `d.t` through index `ik` equals a full scan.
pub async fn assert_index_matches_scan(c: &mut Conn) {
    c.query_drop("ADMIN CHECK TABLE d.t")
        .await
        .expect("admin check table");
    let plan: Vec<(String, String, String, String, String)> = c
        .query("EXPLAIN SELECT id, k FROM d.t WHERE k >= 0")
        .await
        .unwrap();
    assert!(
        plan.iter().any(|r| r.3.contains("index:ik")),
        "index not used: {plan:?}"
    );
    let by_index: Vec<(i64, i64)> = c
        .query("SELECT id, k FROM d.t WHERE k >= 0 ORDER BY id")
        .await
        .unwrap();
    let by_scan: Vec<(i64, i64)> = c
        .query("SELECT id, k FROM d.t WHERE k + 0 >= 0 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(by_index.len(), by_scan.len());
    assert!(by_index == by_scan, "index read differs from full scan");
}

/// `n` random INSERT / UPDATE / DELETE / REPLACE statements on `d.t` (ids up to 2,500)
/// through `c`; each succeeds or fails only as concurrent clients may.
pub async fn random_dml(c: &mut Conn, seed: &mut u64, n: usize) {
    for _ in 0..n {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let id = (*seed >> 33) % 2_500 + 1;
        let k = (*seed >> 40) % 997;
        let sql = match (*seed >> 20) % 4 {
            0 => format!("INSERT INTO t VALUES ({id}, {k}, 'x')"),
            1 => format!("UPDATE t SET k = {k} WHERE id = {id}"),
            2 => format!("DELETE FROM t WHERE id = {id}"),
            _ => format!("REPLACE INTO t VALUES ({id}, {k}, 'r')"),
        };
        if let Err(e) = c.query_drop(&sql).await {
            assert!(expected_dml_error(&e), "{sql}: {e}");
        }
    }
}

pub fn server_code(e: &mysql_async::Error) -> u16 {
    match e {
        mysql_async::Error::Server(s) => s.code,
        other => panic!("not a server error: {other}"),
    }
}

/// Errors concurrent clients legitimately get: write conflicts and duplicate keys.
pub fn expected_dml_error(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s) if s.code == 9007 || s.code == 1062)
}

/// Runs a DML mix on `d.t` (as [`populate`] makes it, naming its columns) until `stop`;
/// returns (statements, unexpected errors).
pub async fn dml_client(
    opts: Opts,
    seed: u64,
    base: usize,
    stop: Arc<AtomicBool>,
) -> (u64, Vec<String>) {
    let mut c = Conn::new(opts).await.expect("connect");
    let mut x = seed;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    let (mut n, mut errors) = (0u64, Vec::new());
    while !stop.load(Ordering::SeqCst) {
        let id = next() % base + 1;
        let sql = match next() % 6 {
            0 => format!(
                "INSERT INTO t (id, k, c) VALUES ({}, {}, 'new')",
                base + next() % base + 1,
                next() % 997
            ),
            1 => format!("UPDATE t SET k = {} WHERE id = {id}", next() % 997),
            2 => format!("DELETE FROM t WHERE id = {id}"),
            3 => format!("REPLACE INTO t (id, k, c) VALUES ({id}, {}, 'rep')", next() % 997),
            4 => format!(
                "INSERT INTO t (id, k, c) VALUES ({id}, {}, 'dup') ON DUPLICATE KEY UPDATE k = k + 1",
                next() % 997
            ),
            _ => format!("UPDATE t SET c = 'u' WHERE id = {id}"),
        };
        match c.query_drop(&sql).await {
            Ok(()) => n += 1,
            Err(e) if expected_dml_error(&e) => {}
            Err(e) => errors.push(format!("{sql}: {e}")),
        }
    }
    (n, errors)
}

/// A [`dml_client`] on each of the first `nodes` nodes of a cluster.
pub struct DmlClients {
    stop: Arc<AtomicBool>,
    clients: Vec<tokio::task::JoinHandle<(u64, Vec<String>)>>,
}

impl DmlClients {
    pub fn start(cluster: &Cluster, nodes: usize, rows: usize, seed: u64) -> DmlClients {
        let stop = Arc::new(AtomicBool::new(false));
        let clients = (0..nodes)
            .map(|node| {
                tokio::spawn(dml_client(
                    node_opts(cluster, node, Some("d")),
                    seed + node as u64,
                    rows,
                    stop.clone(),
                ))
            })
            .collect();
        DmlClients { stop, clients }
    }

    /// Stops the clients; returns how many statements ran (asserting none failed
    /// unexpectedly, and that some ran).
    pub async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        let mut total = 0;
        for c in self.clients {
            let (n, errors) = c.await.unwrap();
            assert!(errors.is_empty(), "unexpected DML errors: {errors:?}");
            total += n;
        }
        assert!(total > 0, "no DML ran meanwhile");
        total
    }
}
