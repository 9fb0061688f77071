//! The row changes this node's committed transactions made, not yet added to the stored
//! statistics (`catalog::stats`): the loader flushes them every few seconds, as TiDB's
//! stats delta, so a stream of small commits costs one statistics write per table per
//! flush rather than one per commit. Readers add what is pending here to what is stored.

use std::collections::HashMap;

use parking_lot::Mutex;

use crate::catalog::stats::{self, StatsMeta};
use crate::kv::{self, Store};

/// Per table: rows added (inserted minus deleted), rows written.
#[derive(Default)]
pub struct PendingStats {
    deltas: Mutex<HashMap<i64, (i64, i64)>>,
}

impl PendingStats {
    /// Records a committed transaction's changes.
    pub fn record(&self, changes: &[(i64, i64, i64)]) {
        let mut deltas = self.deltas.lock();
        for &(table, delta, modified) in changes {
            let d = deltas.entry(table).or_default();
            d.0 = d.0.saturating_add(delta);
            d.1 = d.1.saturating_add(modified);
        }
    }

    /// Adds the pending changes to the stored statistics in one transaction (retried on a
    /// conflict with another node's flush); on failure they stay pending.
    pub fn flush(&self, store: &dyn Store, now_ms: i64) -> kv::Result<()> {
        let pending: Vec<(i64, (i64, i64))> = self.deltas.lock().drain().collect();
        if pending.is_empty() {
            return Ok(());
        }
        let mut result = Ok(());
        for _ in 0..5 {
            result = (|| {
                let mut txn = store.begin()?;
                for &(table, (delta, modified)) in &pending {
                    StatsMeta::add(txn.as_mut(), table, delta, modified, now_ms)?;
                }
                txn.commit().map(|_| ())
            })();
            if !matches!(result, Err(kv::Error::WriteConflict)) {
                break;
            }
        }
        if result.is_err() {
            let changes: Vec<(i64, i64, i64)> =
                pending.into_iter().map(|(t, (d, m))| (t, d, m)).collect();
            self.record(&changes);
        }
        result
    }

    /// The table's statistics: stored, plus what this node has not flushed yet.
    pub fn meta(&self, store: &dyn Store, table_id: i64) -> kv::Result<StatsMeta> {
        let txn = store.begin()?;
        let mut meta = stats::load(txn.as_ref(), table_id)?;
        if let Some(&(delta, modified)) = self.deltas.lock().get(&table_id) {
            meta.count = meta.count.saturating_add(delta).max(0);
            meta.modify_count = meta.modify_count.saturating_add(modified);
        }
        Ok(meta)
    }

    /// ANALYZE TABLE's exact count replaces the estimate; changes pending from before it
    /// are counted in it already.
    pub fn analyzed(&self, table_id: i64) {
        self.deltas.lock().remove(&table_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_changes_add_up_and_flush_into_the_store() {
        let store = crate::kv::open_memory().unwrap();
        let pending = PendingStats::default();
        pending.record(&[(7, 3, 3), (7, -1, 1), (8, 2, 2)]);
        assert_eq!(pending.meta(store.as_ref(), 7).unwrap().count, 2);
        pending.flush(store.as_ref(), 1).unwrap();
        pending.record(&[(7, -5, 5)]);
        let meta = pending.meta(store.as_ref(), 7).unwrap();
        assert_eq!((meta.count, meta.modify_count), (0, 9));
        pending.flush(store.as_ref(), 2).unwrap();
        let txn = store.begin().unwrap();
        assert_eq!(stats::load(txn.as_ref(), 8).unwrap().count, 2);
        assert_eq!(stats::load(txn.as_ref(), 7).unwrap().modify_count, 9);
    }
}
