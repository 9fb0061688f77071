//! A node: one moltdb server's share of a cluster. It has its own schema cache, sessions,
//! DDL worker and id, and works on the store every node shares.
//!
//! Background threads per node:
//! - the schema loader reloads the schema when the global version moves and reports the
//!   loaded version, the oldest version an open transaction uses, and a heartbeat;
//! - the DDL worker campaigns for ownership and, while owner, runs the job queue.

pub mod cluster;
pub mod events;
pub mod processlist;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::catalog::{meta, AutoIdAllocator, Catalog, InfoSchema, UserRecord};
use crate::ddl::{self, owner::now_ms, syncer};
use crate::kv::Store;
use crate::session::variables::GlobalVariables;
use events::Events;

/// How often the schema loader checks the global schema version.
const RELOAD_INTERVAL: Duration = Duration::from_millis(20);
/// How often a node reports itself even when nothing changed.
const HEARTBEAT_INTERVAL_MS: i64 = 500;
/// A node that has not reloaded its schema for one lease stops serving (TiDB's 8027; its
/// default lease is 45 s).
pub const SCHEMA_LEASE_MS: i64 = 45_000;

pub struct Node {
    pub id: String,
    pub address: String,
    pub store: Arc<dyn Store>,
    pub catalog: Catalog,
    pub autoid: AutoIdAllocator,
    pub globals: RwLock<GlobalVariables>,
    pub events: Arc<Events>,
    /// Whether this node holds the DDL owner lease, and until when.
    pub ownership: ddl::worker::Ownership,
    /// The sessions connected to this node (SHOW PROCESSLIST, KILL).
    pub processes: Arc<processlist::ProcessList>,
    next_conn_id: AtomicU32,
    /// schema version -> open transactions using it (the metadata lock).
    txn_versions: Mutex<BTreeMap<u64, usize>>,
    last_reload_ms: AtomicI64,
    stopped: AtomicBool,
    /// Test hook: the loader loads no schema newer than this version (0: no limit), so a
    /// test can keep this node one version behind the owner.
    version_cap: AtomicU64,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Node {
    /// Opens a node over `store` and starts its background threads. `index` numbers the
    /// node within its process; connection ids of different nodes never collide.
    pub fn start(
        store: Arc<dyn Store>,
        index: u32,
        address: String,
        events: Arc<Events>,
    ) -> Result<Arc<Node>, crate::sql::Error> {
        bootstrap(store.as_ref())?;
        let node = Arc::new(Node {
            id: format!("{:08x}-{index}", rand::random::<u32>()),
            address,
            catalog: Catalog::open(store.clone())?,
            autoid: AutoIdAllocator::new(store.clone()),
            globals: RwLock::new(GlobalVariables::default()),
            events,
            ownership: Default::default(),
            processes: Default::default(),
            next_conn_id: AtomicU32::new((index << 22) + 1),
            txn_versions: Mutex::new(BTreeMap::new()),
            last_reload_ms: AtomicI64::new(now_ms()),
            stopped: AtomicBool::new(false),
            version_cap: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
            store,
        });
        {
            let txn = node.store.begin()?;
            node.globals.write().load(txn.as_ref())?;
        }
        node.report()?;
        let loader = {
            let node = node.clone();
            std::thread::Builder::new()
                .name(format!("schema-loader-{index}"))
                .spawn(move || node.run_loader())
                .map_err(crate::sql::Error::internal)?
        };
        let worker = {
            let node = node.clone();
            std::thread::Builder::new()
                .name(format!("ddl-worker-{index}"))
                .spawn(move || ddl::worker::run(&node))
                .map_err(crate::sql::Error::internal)?
        };
        node.threads.lock().extend([loader, worker]);
        Ok(node)
    }

    /// Stops the background threads and leaves the cluster (resigning ownership).
    pub fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        self.events.notify();
        let threads: Vec<_> = self.threads.lock().drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
        let _ = ddl::owner::resign(self.store.as_ref(), &self.id);
        let _ = syncer::remove(self.store.as_ref(), &self.id);
        self.events.notify();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// A connection id no other connection of this process has had.
    pub fn next_connection_id(&self) -> u32 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRecord>, crate::catalog::MetaError> {
        let txn = self.store.begin()?;
        meta::get_user(txn.as_ref(), name)
    }

    /// Takes the current schema for a transaction and holds its version (the metadata lock)
    /// until the returned guard is dropped.
    pub fn pin_schema(self: &Arc<Self>) -> SchemaPin {
        // Registering under the lock that `report` holds keeps the two in order: a report
        // either counts this transaction or was made after the schema it reads.
        let mut versions = self.txn_versions.lock();
        let schema = self.catalog.snapshot();
        *versions.entry(schema.version).or_insert(0) += 1;
        drop(versions);
        SchemaPin {
            node: self.clone(),
            schema,
        }
    }

    /// Whether the node's schema is fresh enough to serve (else TiDB's 8027).
    pub fn schema_is_fresh(&self) -> bool {
        now_ms() - self.last_reload_ms.load(Ordering::Relaxed) < SCHEMA_LEASE_MS
    }

    /// Test hook: stop loading schema versions newer than `cap` (`None`: load all). The
    /// owner cannot move past a version this node has not loaded, so with a cap at the
    /// version of a job's state the node stays exactly one state behind the others.
    pub fn cap_schema_version(&self, cap: Option<u64>) {
        self.version_cap.store(cap.unwrap_or(0), Ordering::SeqCst);
        self.events.notify();
    }

    /// The loaded version and the oldest version in use, read together (see `pin_schema`).
    fn sync_state(&self) -> (u64, u64) {
        let versions = self.txn_versions.lock();
        let loaded = self.catalog.snapshot().version;
        (loaded, versions.keys().next().copied().unwrap_or(u64::MAX))
    }

    fn report(&self) -> Result<(), crate::sql::Error> {
        let (loaded_version, min_txn_version) = self.sync_state();
        syncer::report(
            self.store.as_ref(),
            &syncer::NodeInfo {
                id: self.id.clone(),
                address: self.address.clone(),
                loaded_version,
                min_txn_version,
                heartbeat_ms: now_ms(),
            },
        )
    }

    /// Picks up SET GLOBAL made on any node.
    fn reload_globals(&self) {
        let reloaded = self
            .store
            .begin()
            .map_err(crate::sql::Error::from)
            .and_then(|txn| {
                let stored = GlobalVariables::stored_version(txn.as_ref())?;
                if stored != self.globals.read().loaded_version {
                    self.globals.write().load(txn.as_ref())?;
                }
                Ok(())
            });
        if let Err(e) = reloaded {
            tracing::warn!(node = %self.id, error = %e, "reloading global variables failed");
        }
    }

    fn run_loader(&self) {
        let mut last_report = (0u64, 0u64, 0i64);
        while !self.is_stopped() {
            let seen = self.events.generation();
            self.reload_globals();
            let cap = self.version_cap.load(Ordering::SeqCst);
            if cap == 0 || self.catalog.snapshot().version < cap {
                match self.catalog.reload() {
                    Ok(_) => self.last_reload_ms.store(now_ms(), Ordering::Relaxed),
                    Err(e) => tracing::warn!(node = %self.id, error = %e, "schema reload failed"),
                }
            } else {
                // Capped: still alive, just not loading.
                self.last_reload_ms.store(now_ms(), Ordering::Relaxed);
            }
            let (loaded, min_txn) = self.sync_state();
            let state = (loaded, min_txn, now_ms());
            // Report at once what the DDL owner may be waiting for; otherwise heartbeat.
            let owner_waiting = self.events.sync_target() > 0 && state.1 != last_report.1;
            if state.0 != last_report.0
                || owner_waiting
                || state.2 - last_report.2 >= HEARTBEAT_INTERVAL_MS
            {
                if let Err(e) = self.report() {
                    tracing::warn!(node = %self.id, error = %e, "heartbeat failed");
                } else {
                    if state.0 != last_report.0 || state.1 != last_report.1 {
                        self.events.notify();
                    }
                    last_report = state;
                }
            }
            self.events.wait(seen, RELOAD_INTERVAL);
        }
    }
}

/// A transaction's hold on a schema version.
pub struct SchemaPin {
    node: Arc<Node>,
    pub schema: Arc<InfoSchema>,
}

impl Drop for SchemaPin {
    fn drop(&mut self) {
        let mut versions = self.node.txn_versions.lock();
        if let Some(n) = versions.get_mut(&self.schema.version) {
            *n -= 1;
            if *n == 0 {
                versions.remove(&self.schema.version);
            }
        }
        drop(versions);
        if self.node.events.sync_target() > 0 {
            self.node.events.notify();
        }
    }
}

/// Creates `root` with an empty password the first time a data directory is used.
fn bootstrap(store: &dyn Store) -> Result<(), crate::catalog::MetaError> {
    let mut txn = store.begin()?;
    if meta::get_user(txn.as_ref(), "root")?.is_none() {
        meta::put_user(
            txn.as_mut(),
            &UserRecord {
                user: "root".into(),
                host: "%".into(),
                auth_hash: Vec::new(),
            },
        );
        match txn.commit() {
            Ok(_) | Err(crate::kv::Error::WriteConflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
