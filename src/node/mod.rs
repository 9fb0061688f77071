//! A node: one moltdb server's share of a cluster. Its state is a [`Domain`]; this module
//! starts and stops the threads that keep it current:
//! - the schema loader reloads the schema when the global version moves and reports the
//!   loaded version, the oldest version an open transaction uses, and a heartbeat;
//! - the DDL worker campaigns for ownership and, while owner, runs the job queue;
//! - the DXF scheduler runs the subtasks assigned to the node, and the DXF dispatcher,
//!   while the node is owner, plans and advances every task.

pub mod cluster;

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;

use crate::ddl::{self, syncer};
use crate::domain::events::Events;
use crate::domain::{now_ms, Domain};
use crate::dxf;
use crate::error::{Error, Result};
use crate::kv::Store;

/// How often the schema loader checks the global schema version.
const RELOAD_INTERVAL: Duration = Duration::from_millis(20);
/// How often a node reports itself even when nothing changed.
const HEARTBEAT_INTERVAL_MS: i64 = 500;

pub struct Node {
    pub domain: Arc<Domain>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// What a node starts with besides its store and address.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where long work spills to disk (the server's `--temp-dir`).
    pub temp_dir: PathBuf,
    /// The data directory, as `@@datadir` shows it (the server sets it; empty otherwise).
    pub data_dir: String,
    /// Slots of the node's DXF resource pool (`--dxf-slots`; default: the CPU cores).
    pub dxf_slots: usize,
    /// root's password on a new data directory (`--initial-root-password`; empty: none).
    pub initial_root_password: String,
    /// The certificate clients may connect over TLS with (`--tls-cert` / `--tls-key`).
    pub tls: Option<crate::server::tls::Tls>,
}

impl NodeConfig {
    pub fn new(temp_dir: PathBuf) -> NodeConfig {
        NodeConfig {
            temp_dir,
            data_dir: String::new(),
            dxf_slots: std::thread::available_parallelism().map_or(1, |n| n.get()),
            initial_root_password: String::new(),
            tls: None,
        }
    }
}

/// The backend task types every node runs.
fn task_types() -> Arc<dxf::Registry> {
    let mut registry = dxf::Registry::default();
    registry.register(Arc::new(ddl::dist::Backfill));
    registry.register(Arc::new(crate::import::ImportInto {
        compile: crate::sql::import::assignments::compile,
    }));
    Arc::new(registry)
}

impl Node {
    /// Opens a node over `store` and starts its background threads. `index` numbers the
    /// node within its process.
    pub fn start(
        store: Arc<dyn Store>,
        index: u32,
        address: String,
        events: Arc<Events>,
        config: &NodeConfig,
    ) -> Result<Node> {
        crate::domain::bootstrap(store.as_ref(), &config.initial_root_password)?;
        // DDL jobs evaluate CHECK constraints and generated columns through the SQL layer.
        crate::table::row_expressions::install(Box::new(
            crate::sql::dml::row_evaluator::RowEvaluator,
        ));
        let domain = Arc::new(Domain::open(
            store,
            index,
            address,
            events,
            config.temp_dir.clone(),
        )?);
        domain
            .globals
            .write()
            .set("datadir", crate::types::Value::str(&config.data_dir));
        // Sort files of jobs this node ran before a crash are orphans now: a resumed ingest
        // reads and sorts again.
        let _ = std::fs::remove_dir_all(domain.ddl_temp_dir());
        report(&domain)?;
        let loader = {
            let domain = domain.clone();
            std::thread::Builder::new()
                .name(format!("schema-loader-{index}"))
                .spawn(move || run_loader(&domain))
                .map_err(Error::internal)?
        };
        let worker = {
            let domain = domain.clone();
            std::thread::Builder::new()
                .name(format!("ddl-worker-{index}"))
                .spawn(move || ddl::worker::run(&domain))
                .map_err(Error::internal)?
        };
        let mut threads = vec![loader, worker];
        threads.extend(dxf::start(&domain, task_types(), config.dxf_slots, index)?);
        Ok(Node {
            domain,
            threads: Mutex::new(threads),
        })
    }

    /// Stops the background threads and leaves the cluster (resigning ownership).
    pub fn stop(&self) {
        if !self.domain.stop() {
            return;
        }
        let threads: Vec<_> = self.threads.lock().drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
        let store = self.domain.store.as_ref();
        let _ = ddl::owner::resign(store, &self.domain.id);
        let _ = syncer::remove(store, &self.domain.id);
        self.domain.events.notify();
    }
}

fn report(domain: &Domain) -> Result<()> {
    let (loaded_version, held) = domain.sync_state();
    syncer::report(
        domain.store.as_ref(),
        &syncer::NodeInfo {
            id: domain.id.clone(),
            address: domain.address.clone(),
            loaded_version,
            holders: held,
            heartbeat_ms: now_ms(),
        },
    )
}

fn run_loader(domain: &Domain) {
    let mut last_report = (0u64, Default::default(), 0i64);
    let mut last_stats_flush = now_ms();
    while !domain.is_stopped() {
        if now_ms() - last_stats_flush >= STATS_FLUSH_INTERVAL_MS {
            flush_stats(domain);
            last_stats_flush = now_ms();
        }
        let seen = domain.events.generation();
        domain.reload();
        let (loaded, held) = domain.sync_state();
        let state = (loaded, held, now_ms());
        // Report at once what the DDL owner may be waiting for; otherwise heartbeat.
        let owner_waiting = domain.events.sync_target() > 0 && state.1 != last_report.1;
        if state.0 != last_report.0
            || owner_waiting
            || state.2 - last_report.2 >= HEARTBEAT_INTERVAL_MS
        {
            if let Err(e) = report(domain) {
                tracing::warn!(node = %domain.id, error = %e, "heartbeat failed");
            } else {
                if state.0 != last_report.0 || state.1 != last_report.1 {
                    domain.events.notify();
                }
                last_report = state;
            }
        }
        domain.events.wait(seen, RELOAD_INTERVAL);
    }
    flush_stats(domain);
}

/// How often a node adds its pending row changes to the stored statistics.
const STATS_FLUSH_INTERVAL_MS: i64 = 3_000;

fn flush_stats(domain: &Domain) {
    if let Err(e) = domain.stats.flush(domain.store.as_ref(), now_ms()) {
        tracing::warn!(node = %domain.id, error = %e, "statistics flush failed");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn wait_for(what: &str, cond: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn one_owner_at_a_time_and_the_other_takes_over_when_it_stops() {
        let store = crate::kv::open_memory().expect("store");
        let events = Arc::new(Events::default());
        let nodes: Vec<Node> = (0..2)
            .map(|i| {
                let config = NodeConfig::new(std::env::temp_dir().join("moltdb-node-test"));
                Node::start(
                    store.clone(),
                    i,
                    format!("node{i}"),
                    events.clone(),
                    &config,
                )
            })
            .collect::<Result<_>>()
            .expect("start");
        let owners = || {
            nodes
                .iter()
                .filter(|n| n.domain.ownership.is_owner())
                .count()
        };
        wait_for("an owner", || owners() == 1);
        let owner = nodes
            .iter()
            .position(|n| n.domain.ownership.is_owner())
            .expect("owner");
        let other = 1 - owner;
        // Both nodes report themselves, with the schema version they loaded.
        let live = syncer::live_nodes(store.as_ref()).expect("live nodes");
        assert_eq!(live.len(), 2);
        nodes[owner].stop();
        assert!(nodes[owner].domain.is_stopped());
        wait_for("the other node to take over", || {
            nodes[other].domain.ownership.is_owner()
        });
        assert_eq!(syncer::live_nodes(store.as_ref()).expect("live").len(), 1);
        nodes[other].stop();
    }
}
