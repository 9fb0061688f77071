//! The user-level locks a connection holds (GET_LOCK and friends, `sql::user_locks`), held
//! cluster-wide as TiDB holds them: a lock is the store key `mUserLock:<name>`, naming the
//! node and connection that hold it. Taking a lock is a transaction that writes the key
//! when nobody holds it; two sessions racing for it conflict, and the loser looks again.
//! A waiting session looks again after a pause that doubles up to 50 ms.
//!
//! A holder that is gone does not hold: a connection of this node that ended without
//! releasing (the session gives its locks back when it ends, but a crash does not), or a
//! node whose heartbeat stopped (`ddl::syncer::NODE_LEASE_MS`). The key is not written
//! durably: after a crash its node is gone anyway. How many times the session took each
//! lock stays with the session.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::ddl::syncer;
use crate::domain::Domain;
use crate::error::Result;
use crate::kv::Transaction;
use crate::sql::user_locks::UserLocks;

/// The longest pause between two looks at a lock another connection holds.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// Who holds a lock, as its key says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Holder {
    node: String,
    conn_id: u32,
}

fn key(name: &str) -> Vec<u8> {
    format!("mUserLock:{name}").into_bytes()
}

/// Who `name`'s key says holds it, alive or not (an unreadable key holds nothing).
fn stored_holder(txn: &dyn Transaction, name: &str) -> Result<Option<Holder>> {
    Ok(txn
        .get(&key(name))?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// One connection's locks.
pub struct SessionLocks {
    domain: Arc<Domain>,
    me: Holder,
    /// How many times the session took each lock it holds.
    held: Mutex<BTreeMap<String, u64>>,
}

impl SessionLocks {
    pub fn new(domain: Arc<Domain>, conn_id: u32) -> SessionLocks {
        let me = Holder {
            node: domain.id.clone(),
            conn_id,
        };
        SessionLocks {
            domain,
            me,
            held: Mutex::new(BTreeMap::new()),
        }
    }

    /// The live holder of `name`'s key, read in `txn`.
    fn live_holder(&self, txn: &dyn Transaction, name: &str) -> Result<Option<Holder>> {
        let Some(holder) = stored_holder(txn, name)? else {
            return Ok(None);
        };
        let alive = if holder.node == self.domain.id {
            holder == self.me || self.domain.processes.get(holder.conn_id).is_some()
        } else {
            syncer::live_nodes(self.domain.store.as_ref())?
                .iter()
                .any(|n| n.id == holder.node)
        };
        Ok(alive.then_some(holder))
    }

    /// Writes the key as held by this connection, if no other live one holds it: false
    /// when one does.
    fn try_take(&self, name: &str) -> Result<bool> {
        let mut txn = self.domain.store.begin()?;
        if self
            .live_holder(txn.as_ref(), name)?
            .is_some_and(|h| h != self.me)
        {
            return Ok(false);
        }
        txn.put(key(name), serde_json::to_vec(&self.me).unwrap_or_default());
        match txn.commit_unsynced() {
            Ok(_) => Ok(true),
            // Another connection took it meanwhile.
            Err(crate::kv::Error::WriteConflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the key if it still names this connection.
    fn drop_key(&self, name: &str) -> Result<()> {
        let mut txn = self.domain.store.begin()?;
        if stored_holder(txn.as_ref(), name)?.is_some_and(|h| h == self.me) {
            txn.delete(key(name));
            txn.commit_unsynced()?;
        }
        Ok(())
    }
}

impl UserLocks for SessionLocks {
    fn get(&self, name: &str, timeout: Duration, interrupted: &dyn Fn() -> bool) -> Result<bool> {
        if let Some(count) = self.held.lock().get_mut(name) {
            *count = count.saturating_add(1);
            return Ok(true);
        }
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            if self.try_take(name)? {
                self.held.lock().insert(name.to_string(), 1);
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || interrupted() {
                return Ok(false);
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    fn release(&self, name: &str) -> Result<Option<bool>> {
        let mut held = self.held.lock();
        if let Some(count) = held.get_mut(name) {
            *count -= 1;
            if *count == 0 {
                held.remove(name);
                drop(held);
                self.drop_key(name)?;
            }
            return Ok(Some(true));
        }
        drop(held);
        let txn = self.domain.store.begin()?;
        Ok(self.live_holder(txn.as_ref(), name)?.map(|_| false))
    }

    fn release_all(&self) -> Result<u64> {
        let held = std::mem::take(&mut *self.held.lock());
        let mut released = 0u64;
        for (name, count) in held {
            self.drop_key(&name)?;
            released = released.saturating_add(count);
        }
        Ok(released)
    }

    fn holder(&self, name: &str) -> Result<Option<u32>> {
        let txn = self.domain.store.begin()?;
        Ok(self.live_holder(txn.as_ref(), name)?.map(|h| h.conn_id))
    }
}

/// A connection that ends gives its locks back.
impl Drop for SessionLocks {
    fn drop(&mut self) {
        if let Err(e) = self.release_all() {
            tracing::warn!(conn_id = self.me.conn_id, error = %e, "user-level locks not released");
        }
    }
}
