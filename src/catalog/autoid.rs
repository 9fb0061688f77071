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
use super::TableInfo;
use crate::kv::{self, Store};

const STEP: i128 = 1000;

/// The largest id: ids never pass the largest BIGINT (1467 after it, as MySQL).
const LAST: i128 = i64::MAX as i128;

pub struct AutoIdAllocator {
    store: Arc<dyn Store>,
    ranges: Mutex<HashMap<i64, Cached>>,
}

/// A table's cached range of ids.
#[derive(Clone, Copy)]
struct Cached {
    /// The next id to hand out and the end of the reserved range (exclusive); wider than
    /// an id so that "after the last id" has a value.
    next: i128,
    end: i128,
    /// The table's `auto_id_rebases` the range was reserved under: a greater count means
    /// ALTER TABLE ... AUTO_INCREMENT moved the base since, and the range is dropped.
    rebases: u64,
}

impl AutoIdAllocator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AutoIdAllocator {
            store,
            ranges: Mutex::new(HashMap::new()),
        }
    }

    /// The cached range of `table`, read from the store the first time and after each
    /// rebase of its base.
    fn range(&self, ranges: &HashMap<i64, Cached>, table: &TableInfo) -> Result<Cached> {
        match ranges.get(&table.id) {
            Some(c) if c.rebases >= table.auto_id_rebases => Ok(*c),
            _ => {
                let end = i128::from(self.read_end(table.id)?) + 1;
                Ok(Cached {
                    next: end,
                    end,
                    rebases: table.auto_id_rebases,
                })
            }
        }
    }

    /// Reserves `n` consecutive ids of `table`; returns the first.
    pub fn alloc(&self, table: &TableInfo, n: i64) -> Result<i64> {
        let mut ranges = self.ranges.lock();
        let mut range = self.range(&ranges, table)?;
        let last = range.next + i128::from(n) - 1;
        let first = i64::try_from(range.next).map_err(|_| MetaError::AutoIdExhausted)?;
        if last > LAST {
            return Err(MetaError::AutoIdExhausted);
        }
        if last >= range.end {
            range.end = self.reserve(table.id, last + STEP)?;
        }
        range.next = last + 1;
        ranges.insert(table.id, range);
        Ok(first)
    }

    /// Makes sure later ids of `table` are greater than `used`, an id the user supplied
    /// explicitly.
    pub fn rebase(&self, table: &TableInfo, used: i64) -> Result<()> {
        let mut ranges = self.ranges.lock();
        let mut range = self.range(&ranges, table)?;
        let used = i128::from(used);
        if used < range.next {
            return Ok(());
        }
        if used >= range.end {
            range.end = self.reserve(table.id, used + STEP)?;
        }
        range.next = used + 1;
        ranges.insert(table.id, range);
        Ok(())
    }

    /// The id after every range any node has reserved (TiDB's `NextGlobalAutoID`): what
    /// SHOW CREATE TABLE reports as `AUTO_INCREMENT=`.
    pub fn next_global(&self, table_id: i64) -> Result<i64> {
        Ok(self.read_end(table_id)?.saturating_add(1))
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

    use crate::catalog::fixtures;

    #[test]
    fn ids_run_up_to_the_largest_bigint_then_fail() {
        let store = crate::kv::open_memory().expect("store");
        let ids = AutoIdAllocator::new(store.clone());
        let t = fixtures::table(7, "t", &["id"], Vec::new());
        assert_eq!(ids.alloc(&t, 1).expect("alloc"), 1);
        ids.rebase(&t, i64::MAX - 2).expect("rebase");
        assert_eq!(ids.alloc(&t, 2).expect("alloc"), i64::MAX - 1);
        assert!(matches!(ids.alloc(&t, 1), Err(MetaError::AutoIdExhausted)));
        ids.rebase(&t, i64::MAX).expect("rebase at the end");
        // After a restart the persisted end says the same.
        let again = AutoIdAllocator::new(store);
        assert!(matches!(
            again.alloc(&t, 1),
            Err(MetaError::AutoIdExhausted)
        ));
    }

    #[test]
    fn a_rebased_table_drops_its_cached_range() {
        let store = crate::kv::open_memory().expect("store");
        let ids = AutoIdAllocator::new(store.clone());
        let mut t = fixtures::table(7, "t", &["id"], Vec::new());
        assert_eq!(ids.alloc(&t, 1).expect("alloc"), 1);
        // What ALTER TABLE t AUTO_INCREMENT = 50 writes: the base and the count.
        let mut txn = store.begin().expect("begin");
        meta::put_auto_id(txn.as_mut(), 7, 49);
        txn.commit().expect("commit");
        // A session still on the schema before the change keeps the cached range.
        assert_eq!(ids.alloc(&t, 1).expect("alloc"), 2);
        t.auto_id_rebases = 1;
        assert_eq!(ids.alloc(&t, 1).expect("alloc"), 50);
        assert_eq!(ids.alloc(&t, 1).expect("alloc"), 51);
    }
}
