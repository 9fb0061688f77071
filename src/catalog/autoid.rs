//! AUTO_INCREMENT values and hidden row ids, handed out from cached ranges.
//!
//! As in TiDB, ids are allocated outside the user's transaction: a range of `STEP` ids is
//! reserved by a small transaction of its own, so concurrent inserters never conflict on a
//! counter, and a rolled-back insert leaves a gap (as MySQL's does). After a restart allocation
//! continues after the reserved range.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::meta::{self, MetaError, Result};
use crate::kv::{self, Store};

const STEP: i128 = 1000;

/// The largest id: ids never pass the largest BIGINT (1467 after it, as MySQL).
const LAST: i128 = i64::MAX as i128;

pub struct AutoIdAllocator {
    store: Arc<dyn Store>,
    /// table id -> (next id to hand out, end of the reserved range, exclusive); wider than
    /// an id so that "after the last id" has a value.
    ranges: Mutex<HashMap<i64, (i128, i128)>>,
}

impl AutoIdAllocator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AutoIdAllocator {
            store,
            ranges: Mutex::new(HashMap::new()),
        }
    }

    /// The cached range of `table_id`, read from the store the first time.
    fn range(&self, ranges: &HashMap<i64, (i128, i128)>, table_id: i64) -> Result<(i128, i128)> {
        Ok(match ranges.get(&table_id) {
            Some(r) => *r,
            None => {
                let end = i128::from(self.read_end(table_id)?) + 1;
                (end, end)
            }
        })
    }

    /// Reserves `n` consecutive ids; returns the first.
    pub fn alloc(&self, table_id: i64, n: i64) -> Result<i64> {
        let mut ranges = self.ranges.lock();
        let (next, mut end) = self.range(&ranges, table_id)?;
        let last = next + i128::from(n) - 1;
        let first = i64::try_from(next).map_err(|_| MetaError::AutoIdExhausted)?;
        if last > LAST {
            return Err(MetaError::AutoIdExhausted);
        }
        if last >= end {
            end = self.reserve(table_id, last + STEP)?;
        }
        ranges.insert(table_id, (last + 1, end));
        Ok(first)
    }

    /// Makes sure later ids are greater than `used`, an id the user supplied explicitly.
    pub fn rebase(&self, table_id: i64, used: i64) -> Result<()> {
        let mut ranges = self.ranges.lock();
        let (next, mut end) = self.range(&ranges, table_id)?;
        let used = i128::from(used);
        if used < next {
            return Ok(());
        }
        if used >= end {
            end = self.reserve(table_id, used + STEP)?;
        }
        ranges.insert(table_id, (used + 1, end));
        Ok(())
    }

    /// The id after every range any node has reserved (TiDB's `NextGlobalAutoID`): what
    /// SHOW CREATE TABLE reports as `AUTO_INCREMENT=`.
    pub fn next_global(&self, table_id: i64) -> Result<i64> {
        Ok(self.read_end(table_id)?.saturating_add(1))
    }

    /// Forgets a table's cached range (after TRUNCATE or DROP).
    pub fn reset(&self, table_id: i64) {
        self.ranges.lock().remove(&table_id);
    }

    fn read_end(&self, table_id: i64) -> Result<i64> {
        let txn = self.store.begin()?;
        meta::get_auto_id(txn.as_ref(), table_id)
    }

    /// Persists `new_end` (inclusive, at most the last id) as the end of the reserved range;
    /// returns the exclusive end.
    fn reserve(&self, table_id: i64, new_end: i128) -> Result<i128> {
        let new_end = i64::try_from(new_end.min(LAST)).unwrap_or(i64::MAX);
        loop {
            let mut txn = self.store.begin()?;
            let current = meta::get_auto_id(txn.as_ref(), table_id)?;
            let end = current.max(new_end);
            meta::put_auto_id(txn.as_mut(), table_id, end);
            match txn.commit() {
                Ok(_) => return Ok(i128::from(end) + 1),
                Err(kv::Error::WriteConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_run_up_to_the_largest_bigint_then_fail() {
        let store = crate::kv::open_memory().expect("store");
        let ids = AutoIdAllocator::new(store.clone());
        assert_eq!(ids.alloc(7, 1).expect("alloc"), 1);
        ids.rebase(7, i64::MAX - 2).expect("rebase");
        assert_eq!(ids.alloc(7, 2).expect("alloc"), i64::MAX - 1);
        assert!(matches!(ids.alloc(7, 1), Err(MetaError::AutoIdExhausted)));
        ids.rebase(7, i64::MAX).expect("rebase at the end");
        // After a restart the persisted end says the same.
        let again = AutoIdAllocator::new(store);
        assert!(matches!(again.alloc(7, 1), Err(MetaError::AutoIdExhausted)));
    }
}
