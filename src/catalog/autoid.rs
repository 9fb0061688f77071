//! AUTO_INCREMENT values and hidden row ids, handed out from cached ranges.
//!
//! As in TiDB, ids are allocated outside the user's transaction: a range of `STEP` ids is
//! reserved by a small transaction of its own, so concurrent inserters never conflict on a
//! counter, and a rolled-back insert leaves a gap (as MySQL's does). After a restart allocation
//! continues after the reserved range.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::meta::{self, Result};
use crate::kv::{self, Store};

const STEP: i64 = 1000;

pub struct AutoIdAllocator {
    store: Arc<dyn Store>,
    /// table id -> (next id to hand out, end of the reserved range, exclusive)
    ranges: Mutex<HashMap<i64, (i64, i64)>>,
}

impl AutoIdAllocator {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AutoIdAllocator {
            store,
            ranges: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves `n` consecutive ids; returns the first.
    pub fn alloc(&self, table_id: i64, n: i64) -> Result<i64> {
        let mut ranges = self.ranges.lock();
        let (next, end) = match ranges.get(&table_id) {
            Some(r) => *r,
            None => {
                let end = self.read_end(table_id)?;
                (end + 1, end + 1)
            }
        };
        let mut end = end;
        if next + n > end {
            end = self.reserve(table_id, next + n - 1 + STEP)?;
        }
        ranges.insert(table_id, (next + n, end));
        Ok(next)
    }

    /// Makes sure later ids are greater than `used`, an id the user supplied explicitly.
    pub fn rebase(&self, table_id: i64, used: i64) -> Result<()> {
        let mut ranges = self.ranges.lock();
        let (next, end) = match ranges.get(&table_id) {
            Some(r) => *r,
            None => {
                let end = self.read_end(table_id)?;
                (end + 1, end + 1)
            }
        };
        if used < next {
            ranges.insert(table_id, (next, end));
            return Ok(());
        }
        let mut end = end;
        if used + 1 > end {
            end = self.reserve(table_id, used + STEP)?;
        }
        ranges.insert(table_id, (used + 1, end));
        Ok(())
    }

    /// Forgets a table's cached range (after TRUNCATE or DROP).
    pub fn reset(&self, table_id: i64) {
        self.ranges.lock().remove(&table_id);
    }

    fn read_end(&self, table_id: i64) -> Result<i64> {
        let txn = self.store.begin()?;
        meta::get_auto_id(txn.as_ref(), table_id)
    }

    /// Persists `new_end` (inclusive) as the end of the reserved range; returns the exclusive end.
    fn reserve(&self, table_id: i64, new_end: i64) -> Result<i64> {
        loop {
            let mut txn = self.store.begin()?;
            let current = meta::get_auto_id(txn.as_ref(), table_id)?;
            let end = current.max(new_end);
            meta::put_auto_id(txn.as_mut(), table_id, end);
            match txn.commit() {
                Ok(_) => return Ok(end + 1),
                Err(kv::Error::WriteConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}
