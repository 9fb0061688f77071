//! Checking an index against the rows (ADMIN CHECK TABLE / INDEX): every row must have
//! exactly its one entry, and every entry must belong to a row with its values.

use std::collections::BTreeMap;

use super::{HandleRange, Result, Table};
use crate::catalog::IndexInfo;
use crate::codec::keys;
use crate::kv::{KeyRange, Transaction};
use crate::types::Value;

/// Entries read per storage round trip.
const BATCH: usize = 1024;

/// The first difference found between an index and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The handle the difference is reported under.
    pub handle: i64,
    /// The entry the index holds: its handle and values (`None`: the entry is missing).
    pub index: Option<(i64, Vec<Value>)>,
    /// What the row says: its handle and the index's columns (`None`: no such row).
    pub record: Option<(i64, Vec<Value>)>,
}

impl Table {
    /// Compares `index` with the rows at the snapshot of `txn`; `None` when they agree.
    pub fn check_index(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
    ) -> Result<Option<Mismatch>> {
        let index_values = |row: &[Value]| -> Vec<Value> {
            index.columns.iter().map(|&c| row[c].clone()).collect()
        };
        // What the index should hold: key -> (handle, index values).
        let mut expected: BTreeMap<Vec<u8>, (i64, Vec<Value>)> = BTreeMap::new();
        self.scan_rows(txn, &HandleRange::all(), false, |handle, row| {
            let (key, _) = self.index_key(index, &row, handle);
            expected.insert(key, (handle, index_values(&row)));
            Ok(true)
        })?;
        let prefix = keys::index_prefix(self.info.id, index.id);
        let mut range = KeyRange::prefix(&prefix);
        loop {
            let batch = txn.scan(&range, BATCH, false)?;
            for (key, value) in &batch {
                let (values, handle) = keys::decode_index_key(key, index.columns.len())?;
                let handle = match handle {
                    Some(h) => h,
                    None => keys::decode_handle_value(value)?,
                };
                match expected.remove(key) {
                    Some((h, _)) if h == handle => {}
                    Some((h, row_values)) => {
                        return Ok(Some(Mismatch {
                            handle: h,
                            index: Some((handle, values)),
                            record: Some((h, row_values)),
                        }));
                    }
                    None => {
                        let record = self
                            .row(txn, handle)?
                            .map(|row| (handle, index_values(&row)));
                        return Ok(Some(Mismatch {
                            handle,
                            index: Some((handle, values)),
                            record,
                        }));
                    }
                }
            }
            let Some((last, _)) = batch.last().filter(|_| batch.len() == BATCH) else {
                break;
            };
            let mut next = last.clone();
            next.push(0);
            range.start = next;
        }
        Ok(expected
            .into_iter()
            .next()
            .map(|(_, (handle, values))| Mismatch {
                handle,
                index: None,
                record: Some((handle, values)),
            }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::fixtures;
    use crate::catalog::SchemaState;

    fn table() -> Table {
        let ia = fixtures::index(1, "ia", vec![1], false, SchemaState::Public);
        Table::new(Arc::new(fixtures::table(5, "t", &["id", "a"], vec![ia])))
    }

    #[test]
    fn finds_missing_and_dangling_entries() {
        let store = crate::kv::open_memory().expect("store");
        let t = table();
        let index = &t.info.indexes[0];
        let row = |id: i64, a: i64| vec![Value::Int(id), Value::Int(a)];
        let mut txn = store.begin().expect("begin");
        t.add_record(txn.as_mut(), &row(1, 10), 1).expect("insert");
        assert_eq!(t.check_index(txn.as_ref(), index).expect("check"), None);

        // Missing: the row's entry is gone.
        let (key, _) = t.index_key(index, &row(1, 10), 1);
        txn.delete(key.clone());
        let m = t.check_index(txn.as_ref(), index).expect("check");
        assert_eq!(
            m,
            Some(Mismatch {
                handle: 1,
                index: None,
                record: Some((1, vec![Value::Int(10)])),
            })
        );

        // Dangling: an entry for a row that does not exist.
        txn.put(key, b"0".to_vec());
        let (dangling, _) = t.index_key(index, &row(9, 90), 9);
        txn.put(dangling, b"0".to_vec());
        let m = t.check_index(txn.as_ref(), index).expect("check");
        assert_eq!(
            m,
            Some(Mismatch {
                handle: 9,
                index: Some((9, vec![Value::Int(90)])),
                record: None,
            })
        );
    }
}
