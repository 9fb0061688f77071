//! A node's shared state (TiDB's "domain"): the store, the schema cache and the versions
//! tables open transactions hold, the global system variables, auto-id allocation, the sessions,
//! the wake-up events, DDL ownership and the stop flag.
//!
//! Everything that runs on a domain takes a `&Domain`: the DDL worker and backfill (`ddl`),
//! statements (`sql`), sessions and connections. The threads that keep it current (the
//! schema loader, the DDL worker) are started by `node`, which sits above all of them.

pub mod events;
pub mod failpoints;
pub mod latency;
pub mod mdl;
pub mod processlist;
pub mod stats;
pub mod variables;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::catalog::{AutoIdAllocator, Catalog};
use crate::error::Result;
use crate::kv::Store;
use crate::privilege::{records as privilege_records, Privileges};
use events::Events;
use failpoints::Failpoints;
pub use mdl::SchemaPin;
use variables::GlobalVariables;

/// A domain that has not reloaded its schema for one lease stops serving (TiDB's 8027; its
/// default lease is 45 s).
pub const SCHEMA_LEASE_MS: i64 = 45_000;

/// Wall-clock milliseconds: leases and heartbeats compare these across nodes.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub struct Domain {
    pub id: String,
    pub address: String,
    pub store: Arc<dyn Store>,
    /// Where long work spills to disk (the server's `--temp-dir`).
    pub temp_dir: PathBuf,
    pub catalog: Catalog,
    pub autoid: AutoIdAllocator,
    pub globals: RwLock<GlobalVariables>,
    pub events: Arc<Events>,
    /// Whether this domain holds the DDL owner lease, and until when.
    pub ownership: Ownership,
    /// The sessions connected to this domain (SHOW PROCESSLIST, KILL).
    pub processes: Arc<processlist::ProcessList>,
    /// Test hooks (see `failpoints`).
    pub failpoints: Failpoints,
    /// Recent latency of clients' statements (the adaptive throttle of backend work).
    pub latency: latency::LatencyMonitor,
    /// Row changes of committed transactions not yet in the stored table statistics.
    pub stats: stats::PendingStats,
    /// Accounts and grants as last loaded (reloaded when their stored version moves).
    privileges: RwLock<Arc<Privileges>>,
    next_conn_id: AtomicU32,
    /// The tables open transactions hold, and at which versions (the metadata lock).
    holds: Mutex<mdl::Holds>,
    last_reload_ms: AtomicI64,
    stopped: AtomicBool,
    /// Test hook: the loader loads no schema newer than this version (0: no limit), so a
    /// test can keep this domain one version behind the owner.
    version_cap: AtomicU64,
}

impl Domain {
    /// Opens domain number `index` of its process over `store` (see [`bootstrap`] for a new
    /// data directory). Connection ids of different nodes never collide.
    pub fn open(
        store: Arc<dyn Store>,
        index: u32,
        address: String,
        events: Arc<Events>,
        temp_dir: PathBuf,
    ) -> Result<Domain> {
        let domain = Domain {
            id: format!("{:08x}-{index}", rand::random::<u32>()),
            address,
            temp_dir,
            catalog: Catalog::open(store.clone())?,
            autoid: AutoIdAllocator::new(store.clone()),
            globals: RwLock::new(GlobalVariables::default()),
            events,
            ownership: Default::default(),
            processes: Default::default(),
            failpoints: Failpoints::from_env(),
            latency: Default::default(),
            stats: Default::default(),
            privileges: RwLock::new(Arc::new(Privileges::default())),
            next_conn_id: AtomicU32::new((index << 22) + 1),
            holds: Mutex::new(mdl::Holds::default()),
            last_reload_ms: AtomicI64::new(now_ms()),
            stopped: AtomicBool::new(false),
            version_cap: AtomicU64::new(0),
            store,
        };
        {
            let txn = domain.store.begin()?;
            domain.globals.write().load(txn.as_ref())?;
            *domain.privileges.write() =
                Arc::new(Privileges::new(privilege_records::load(txn.as_ref())?));
        }
        Ok(domain)
    }

    /// Where this node's DDL jobs sort index entries: `<temp-dir>/tmp_ddl-<port>`, as TiDB.
    pub fn ddl_temp_dir(&self) -> PathBuf {
        let port = self.address.rsplit(':').next().unwrap_or("0");
        self.temp_dir.join(format!("tmp_ddl-{port}"))
    }

    /// Tells every loop working for this domain to finish.
    pub fn stop(&self) -> bool {
        let first = !self.stopped.swap(true, Ordering::SeqCst);
        self.events.notify_all();
        first
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// A connection id no other connection of this process has had.
    pub fn next_connection_id(&self) -> u32 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The accounts and grants this node checks against.
    pub fn privileges(&self) -> Arc<Privileges> {
        self.privileges.read().clone()
    }

    /// Loads accounts and grants again if their stored version moved (an account statement
    /// on this node calls it after committing; the loader, for the other nodes).
    pub fn reload_privileges(&self) -> Result<()> {
        let txn = self.store.begin()?;
        if privilege_records::stored_version(txn.as_ref())? != self.privileges.read().version {
            let loaded = Privileges::new(privilege_records::load(txn.as_ref())?);
            *self.privileges.write() = Arc::new(loaded);
        }
        Ok(())
    }

    /// Takes the current schema for a transaction; the tables it then uses are held until
    /// the returned pin is dropped (see `mdl`).
    pub fn pin_schema(self: &Arc<Self>, conn_id: u32) -> SchemaPin {
        SchemaPin::new(self.clone(), conn_id)
    }

    /// `tidb_enable_metadata_lock`: DDL waits for the transactions using its table.
    pub fn metadata_lock_enabled(&self) -> bool {
        self.globals
            .read()
            .get("tidb_enable_metadata_lock")
            .is_none_or(|(_, v)| v.truth() != Some(false))
    }

    /// `require_secure_transport`: logins over plain TCP are refused (3159).
    pub fn require_secure_transport(&self) -> bool {
        self.globals
            .read()
            .get("require_secure_transport")
            .is_some_and(|(_, v)| v.truth() == Some(true))
    }

    /// Whether the node's schema is fresh enough to serve (else TiDB's 8027).
    pub fn schema_is_fresh(&self) -> bool {
        now_ms() - self.last_reload_ms.load(Ordering::Relaxed) < SCHEMA_LEASE_MS
    }

    /// Test hook: stop loading schema versions newer than `cap` (`None`: load all). The
    /// owner cannot move past a version this domain has not loaded, so with a cap at the
    /// version of a job's state the domain stays exactly one state behind the others.
    pub fn cap_schema_version(&self, cap: Option<u64>) {
        self.version_cap.store(cap.unwrap_or(0), Ordering::SeqCst);
        self.events.notify();
    }

    /// The loaded version and the tables open transactions hold, read together (see
    /// `mdl`).
    pub fn sync_state(&self) -> (u64, Vec<mdl::Holder>) {
        let holds = self.holds.lock();
        let loaded = self.catalog.snapshot().version;
        (loaded, holds.list())
    }

    /// Reloads the schema if the global version moved (unless capped) and SET GLOBAL values
    /// made on any domain; marks the schema fresh.
    pub fn reload(&self) {
        self.reload_globals();
        if let Err(e) = self.reload_privileges() {
            tracing::warn!(domain = %self.id, error = %e, "reloading privileges failed");
        }
        match self.reload_schema() {
            Ok(()) => self.last_reload_ms.store(now_ms(), Ordering::Relaxed),
            Err(e) => tracing::warn!(domain = %self.id, error = %e, "schema reload failed"),
        }
    }

    /// Loads the newest schema version, unless the test cap holds this domain where it is
    /// (a capped domain is still alive, just not loading). Everything that reloads goes
    /// through here, the DDL owner's own steps included: a capped owner holds its job.
    pub fn reload_schema(&self) -> crate::error::Result<()> {
        let cap = self.version_cap.load(Ordering::SeqCst);
        if cap == 0 || self.catalog.snapshot().version < cap {
            self.catalog.reload()?;
        }
        Ok(())
    }

    fn reload_globals(&self) {
        let reloaded = self
            .store
            .begin()
            .map_err(crate::error::Error::from)
            .and_then(|txn| {
                let stored = GlobalVariables::stored_version(txn.as_ref())?;
                if stored != self.globals.read().loaded_version {
                    self.globals.write().load(txn.as_ref())?;
                }
                Ok(())
            });
        if let Err(e) = reloaded {
            tracing::warn!(domain = %self.id, error = %e, "reloading global variables failed");
        }
    }
}

/// DDL ownership as this domain last established it: valid until the stored time.
#[derive(Default)]
pub struct Ownership {
    until_ms: AtomicI64,
}

impl Ownership {
    pub fn is_owner(&self) -> bool {
        // Stop acting a little before the lease expires, so two owners never overlap.
        self.until_ms.load(Ordering::SeqCst) - 1_000 > now_ms()
    }

    /// Records a won campaign (the lease's end) or a lost one (0).
    pub fn set_until(&self, until_ms: i64) {
        self.until_ms.store(until_ms, Ordering::SeqCst);
    }
}

/// Prepares a data directory's accounts at its first start: `root`@`%` with every
/// privilege and `root_password` (empty: none). Later starts leave the accounts alone.
pub fn bootstrap(store: &dyn Store, root_password: &str) -> Result<()> {
    let mut txn = store.begin()?;
    let digest =
        crate::privilege::password::digest(privilege_records::NATIVE_PASSWORD, root_password);
    if privilege_records::bootstrap(txn.as_mut(), digest)? {
        match txn.commit() {
            // Another node of this process bootstrapped first.
            Ok(_) | Err(crate::kv::Error::WriteConflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
