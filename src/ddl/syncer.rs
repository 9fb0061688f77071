//! Which nodes are alive and which schema version each has loaded.
//!
//! Every node writes `mNode:{id}` with the schema version it has loaded, the oldest schema
//! version at which its open transactions hold each table they used (`domain::mdl`), and a
//! heartbeat time. The owner advances a job past a schema version only once every live node
//! has loaded it and no transaction anywhere holds the job's table at an older one (TiDB's
//! metadata-lock rule), so at any moment all nodes and the transactions using the table
//! work with at most two adjacent schema versions of it: the one a job just committed and
//! the one before it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::mdl::Holder;
use crate::domain::{now_ms, Domain};
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Store};

/// A node whose heartbeat is older than this is considered gone.
pub const NODE_LEASE_MS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub id: String,
    pub address: String,
    pub loaded_version: u64,
    /// The tables the node's open transactions hold, and at which versions.
    #[serde(default)]
    pub holders: Vec<Holder>,
    pub heartbeat_ms: i64,
}

impl NodeInfo {
    /// Whether no open transaction of the node holds one of `tables` at a version older
    /// than `version`.
    fn releases(&self, tables: &[i64], version: u64) -> bool {
        self.blockers(tables, version).next().is_none()
    }

    /// The transactions of the node holding one of `tables` at a version older than
    /// `version`.
    pub fn blockers<'a>(
        &'a self,
        tables: &'a [i64],
        version: u64,
    ) -> impl Iterator<Item = &'a Holder> + 'a {
        self.holders
            .iter()
            .filter(move |h| h.version < version && tables.contains(&h.table_id))
    }
}

fn node_key(id: &str) -> Vec<u8> {
    format!("mNode:{id}").into_bytes()
}

/// Writes the node's state without waiting for the disk: it is worth nothing after a crash
/// (the restarted node reports afresh, and a node gone reads as gone once its heartbeat
/// ages), and a durable write per schema version each node loads would queue the DDL job's
/// own durable step behind one disk flush per node.
pub fn report(store: &dyn Store, info: &NodeInfo) -> Result<()> {
    let mut txn = store.begin()?;
    txn.put(
        node_key(&info.id),
        serde_json::to_vec(info).unwrap_or_default(),
    );
    txn.commit_unsynced()?;
    Ok(())
}

pub fn remove(store: &dyn Store, id: &str) -> Result<()> {
    let mut txn = store.begin()?;
    txn.delete(node_key(id));
    txn.commit()?;
    Ok(())
}

/// Nodes with a recent heartbeat.
pub fn live_nodes(store: &dyn Store) -> Result<Vec<NodeInfo>> {
    let txn = store.begin()?;
    let now = now_ms();
    let pairs = txn.scan(&KeyRange::prefix(b"mNode:"), usize::MAX, false)?;
    Ok(pairs
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice::<NodeInfo>(&v).ok())
        .filter(|n| now - n.heartbeat_ms < NODE_LEASE_MS)
        .collect())
}

/// Waits until every live node has loaded `version` and no open transaction holds one of
/// `tables` at an older version: then the next version may be committed, and a transaction
/// using the tables is at most one behind it. `domain`, the owner's own node, is checked
/// directly rather than through its report, so a step on one node waits for no heartbeat
/// write. `keep_going` is asked between polls: the owner stops waiting when it is no longer
/// owner or is shutting down.
pub fn wait_synced(
    domain: &Domain,
    version: u64,
    tables: &[i64],
    keep_going: &dyn Fn() -> bool,
) -> Result<()> {
    loop {
        let seen = domain.events.generation();
        let (loaded, holders) = domain.sync_state();
        let me = NodeInfo {
            id: domain.id.clone(),
            address: domain.address.clone(),
            loaded_version: loaded,
            holders,
            heartbeat_ms: now_ms(),
        };
        let nodes = live_nodes(domain.store.as_ref())?;
        let synced = std::iter::once(&me)
            .chain(nodes.iter().filter(|n| n.id != domain.id))
            .all(|n| n.loaded_version >= version && n.releases(tables, version));
        if synced {
            return Ok(());
        }
        if !keep_going() {
            return Err(Error::new(
                8027,
                "HY000",
                "DDL owner changed while waiting for schema sync",
            ));
        }
        // Nodes of this process wake the owner when they report; others are polled.
        domain.events.wait(seen, Duration::from_millis(2));
    }
}
