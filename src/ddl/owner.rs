//! DDL owner election through a lease kept in the store.
//!
//! Exactly one node may run DDL jobs. A node becomes owner by writing `mDDLOwner` when the
//! key is absent or its lease has expired, and stays owner by renewing the lease well before
//! it expires. The write goes through a transaction, so two candidates cannot both win: the
//! second commit fails with a write conflict. When the owner stops (or stops renewing),
//! another node takes over after at most one lease.

use serde::{Deserialize, Serialize};

use crate::domain::now_ms;
use crate::error::Result;
use crate::kv::{self, Store};

const OWNER_KEY: &[u8] = b"mDDLOwner";

/// How long an owner's claim lasts without renewal.
pub const OWNER_LEASE_MS: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerLease {
    pub node_id: String,
    pub address: String,
    pub expires_ms: i64,
}

/// The current owner, if its lease is still valid.
pub fn current_owner(store: &dyn Store) -> Result<Option<OwnerLease>> {
    let txn = store.begin()?;
    Ok(read(txn.as_ref())?.filter(|l| l.expires_ms > now_ms()))
}

fn read(txn: &dyn kv::Transaction) -> Result<Option<OwnerLease>> {
    Ok(txn
        .get(OWNER_KEY)?
        .and_then(|b| serde_json::from_slice(&b).ok()))
}

/// Takes or renews ownership for `node_id`; returns whether this node is the owner now.
pub fn campaign(store: &dyn Store, node_id: &str, address: &str) -> Result<bool> {
    let mut txn = store.begin()?;
    let now = now_ms();
    if let Some(lease) = read(txn.as_ref())? {
        if lease.node_id != node_id && lease.expires_ms > now {
            return Ok(false);
        }
    }
    let lease = OwnerLease {
        node_id: node_id.to_string(),
        address: address.to_string(),
        expires_ms: now + OWNER_LEASE_MS,
    };
    txn.put(
        OWNER_KEY.to_vec(),
        serde_json::to_vec(&lease).unwrap_or_default(),
    );
    match txn.commit() {
        Ok(_) => Ok(true),
        Err(kv::Error::WriteConflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Gives ownership up (on a clean stop) so another node takes over at once.
pub fn resign(store: &dyn Store, node_id: &str) -> Result<()> {
    let mut txn = store.begin()?;
    if read(txn.as_ref())?.is_some_and(|l| l.node_id == node_id) {
        txn.delete(OWNER_KEY.to_vec());
        let _ = txn.commit();
    }
    Ok(())
}
