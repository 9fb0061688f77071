//! The temporary index of an ingest ADD INDEX (TiDB's temp index).
//!
//! While the backfill reads a snapshot of the rows and ingests their entries (a blind write
//! behind every concurrent transaction), DML cannot write the index itself: the ingest
//! would overwrite it. It writes what it does to the index into the temporary index
//! instead, under the same key with the temp-index id: each key holds the operations done
//! to that entry (put or delete, with the row's handle), in order. Once the backfill is
//! done, DML writes both indexes and the temporary index is merged into the real one
//! (`merge_temp_entries`), replaying the operations, so no concurrent change is lost.
//!
//! A unique-form key (values without the handle) can see several rows in turn — row 1
//! gives the value up, row 2 takes it — so its value lists one operation per handle in the
//! order they happened; a non-unique key has the handle in it and lists one operation.

use super::{Error, Result, Table};
use crate::catalog::IndexInfo;
use crate::codec::keys;
use crate::kv::{KeyRange, Transaction};

/// One operation on an index entry, as the temporary index records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempOp {
    Put {
        handle: i64,
        unique_form: bool,
    },
    Delete {
        handle: i64,
        unique_form: bool,
        /// Recorded before write reorganization, while a node may still be in delete only:
        /// such a node records a row's deletes but not its puts, so a put of this entry may
        /// have followed unrecorded, and the merge asks the row. From write reorganization
        /// on every node records both, and a later put would have replaced this delete.
        row_decides: bool,
    },
}

const PUT: u8 = b'p';
const DELETE: u8 = b'x';
const ELEM_LEN: usize = 10;
/// The flags byte of an operation: its entry is in the unique form...
const UNIQUE_FORM: u8 = 1;
/// ... and (a delete) the merge applies it without asking the row. Operations written
/// before this flag existed lack it, and are checked.
const APPLY_AS_IS: u8 = 2;

impl TempOp {
    fn handle(self) -> i64 {
        match self {
            TempOp::Put { handle, .. } | TempOp::Delete { handle, .. } => handle,
        }
    }

    fn encode_into(self, out: &mut Vec<u8>) {
        let (op, handle, unique_form, row_decides) = match self {
            TempOp::Put {
                handle,
                unique_form,
            } => (PUT, handle, unique_form, true),
            TempOp::Delete {
                handle,
                unique_form,
                row_decides,
            } => (DELETE, handle, unique_form, row_decides),
        };
        let mut flags = 0;
        if unique_form {
            flags |= UNIQUE_FORM;
        }
        if !row_decides {
            flags |= APPLY_AS_IS;
        }
        out.push(op);
        out.push(flags);
        out.extend_from_slice(&handle.to_be_bytes());
    }
}

/// Encodes the operations a temporary-index key holds.
pub fn encode_ops(ops: &[TempOp]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ops.len() * ELEM_LEN);
    for op in ops {
        op.encode_into(&mut out);
    }
    out
}

/// Decodes what `encode_ops` wrote.
pub fn decode_ops(value: &[u8]) -> Result<Vec<TempOp>> {
    if !value.len().is_multiple_of(ELEM_LEN) {
        return Err(corrupt(value.len()));
    }
    value
        .chunks_exact(ELEM_LEN)
        .map(|e| {
            let mut handle = [0u8; 8];
            handle.copy_from_slice(&e[2..]);
            let handle = i64::from_be_bytes(handle);
            let unique_form = e[1] & UNIQUE_FORM != 0;
            match e[0] {
                PUT => Ok(TempOp::Put {
                    handle,
                    unique_form,
                }),
                DELETE => Ok(TempOp::Delete {
                    handle,
                    unique_form,
                    row_decides: e[1] & APPLY_AS_IS == 0,
                }),
                _ => Err(corrupt(value.len())),
            }
        })
        .collect()
}

fn corrupt(len: usize) -> Error {
    Error::Codec(crate::codec::Error::Corrupt(format!(
        "temporary index value of {len} bytes"
    )))
}

impl Table {
    /// Records `op` on the entry `key` of `index` in its temporary index.
    pub(super) fn record_temp(
        &self,
        txn: &mut dyn Transaction,
        index: &IndexInfo,
        key: &[u8],
        op: TempOp,
    ) -> Result<()> {
        let temp_key = keys::with_index_id(key, keys::temp_index_id(index.id))?;
        let unique_form = matches!(
            op,
            TempOp::Put {
                unique_form: true,
                ..
            } | TempOp::Delete {
                unique_form: true,
                ..
            }
        );
        let mut ops = if unique_form {
            match txn.get(&temp_key)? {
                Some(v) => decode_ops(&v)?,
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        // One operation per handle: the newest says what that row did last.
        ops.retain(|o| o.handle() != op.handle());
        ops.push(op);
        txn.put(temp_key, encode_ops(&ops));
        Ok(())
    }

    /// Records in the temporary index that `row`, stored under `handle`, has its entry: how
    /// a txn-merge backfill writes (the merge puts it into the index with DML's changes).
    pub fn put_temp_entry(
        &self,
        txn: &mut dyn Transaction,
        index: &IndexInfo,
        row: &[crate::types::Value],
        handle: i64,
    ) -> Result<()> {
        let (key, unique_form) = self.index_key(index, row, handle);
        self.record_temp(
            txn,
            index,
            &key,
            TempOp::Put {
                handle,
                unique_form,
            },
        )
    }

    /// The row that holds `key` of a unique index according to its temporary index (the
    /// last put not deleted since), if another than `handle`.
    pub(super) fn temp_holder(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        key: &[u8],
        handle: i64,
    ) -> Result<Option<i64>> {
        let temp_key = keys::with_index_id(key, keys::temp_index_id(index.id))?;
        let Some(value) = txn.get(&temp_key)? else {
            return Ok(None);
        };
        Ok(decode_ops(&value)?
            .into_iter()
            .rev()
            .find_map(|op| match op {
                TempOp::Put { handle: h, .. } if h != handle => Some(h),
                _ => None,
            }))
    }

    /// Replays up to `limit` keys of `index`'s temporary index, from `from` on (and before
    /// `until`, if given), onto the index; returns how many keys it replayed and where to
    /// go on (`None`: done). A put that meets another row's entry in a unique index fails
    /// with [`Error::Duplicate`].
    pub fn merge_temp_entries(
        &self,
        txn: &mut dyn Transaction,
        index: &IndexInfo,
        from: Option<&[u8]>,
        until: Option<&[u8]>,
        limit: usize,
    ) -> Result<(usize, Option<Vec<u8>>)> {
        let prefix = keys::index_prefix(self.info.id, keys::temp_index_id(index.id));
        let mut range = KeyRange::prefix(&prefix);
        if let Some(from) = from {
            range.start = from.to_vec();
        }
        if let Some(until) = until {
            range.end = until.to_vec();
        }
        let batch = txn.scan(&range, limit, false)?;
        for (temp_key, value) in &batch {
            let key = keys::with_index_id(temp_key, index.id)?;
            for op in decode_ops(value)? {
                match op {
                    TempOp::Put {
                        handle,
                        unique_form,
                    } => {
                        if unique_form {
                            if let Some(existing) = txn.get(&key)? {
                                let existing = keys::decode_handle_value(&existing)?;
                                if existing != handle {
                                    return Err(self.duplicate_entry(index, &key, existing));
                                }
                            }
                        }
                        txn.put(key.clone(), super::write::index_value(handle, unique_form));
                    }
                    TempOp::Delete {
                        handle,
                        unique_form,
                        row_decides,
                    } => {
                        // A unique entry may by now be another row's: leave that alone.
                        let ours = !unique_form
                            || match txn.get(&key)? {
                                Some(v) => keys::decode_handle_value(&v)? == handle,
                                None => false,
                            };
                        // A node in delete only records a row's deletes but not its puts:
                        // a row that lost the entry and got it back there (REPLACE with the
                        // same values, an UPDATE and its reverse) has it in the backfill's
                        // snapshot, and the delete is stale. For a delete recorded while
                        // that could happen, the row decides.
                        let stale = row_decides && self.row_has_entry(txn, index, handle, &key)?;
                        if ours && !stale {
                            txn.delete(key.clone());
                        }
                    }
                }
            }
        }
        let next = match batch.last() {
            Some((last, _)) if batch.len() == limit => {
                let mut next = last.clone();
                next.push(0);
                Some(next)
            }
            _ => None,
        };
        Ok((batch.len(), next))
    }

    /// Whether row `handle` exists and has the entry `key` in `index`.
    pub fn row_has_entry(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        handle: i64,
        key: &[u8],
    ) -> Result<bool> {
        Ok(match self.row(txn, handle)? {
            Some(row) => self.index_key(index, &row, handle).0 == key,
            None => false,
        })
    }

    /// A duplicate-entry error for the entry `key` of `index`, held by row `existing`.
    pub fn duplicate_entry(&self, index: &IndexInfo, key: &[u8], existing: i64) -> Error {
        let entry = match keys::decode_index_key(key, index.columns.len()) {
            Ok((values, _)) => values
                .iter()
                .map(|v| v.to_string_lossy())
                .collect::<Vec<_>>()
                .join("-"),
            Err(_) => String::new(),
        };
        Error::Duplicate {
            entry,
            key_name: self.index_display_name(index),
            existing_handle: existing,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{fixtures, BackfillState, SchemaState};
    use crate::types::Value;

    /// `t (id INT PRIMARY KEY, b INT, UNIQUE ub (b))`, the index in `backfill`.
    fn table(backfill: BackfillState) -> Table {
        let mut ub = fixtures::index(1, "ub", vec![1], true, SchemaState::WriteReorganization);
        ub.backfill = backfill;
        Table::new(Arc::new(fixtures::table(5, "t", &["id", "b"], vec![ub])))
    }

    fn row(id: i64, b: i64) -> Vec<Value> {
        vec![Value::Int(id), Value::Int(b)]
    }

    /// A store, the table with `ub` being backfilled, that index, and a transaction holding
    /// the entry the backfill ingested for row 1 with b = 10.
    fn ingested_row_1() -> (
        Arc<dyn crate::kv::Store>,
        Table,
        IndexInfo,
        Box<dyn Transaction>,
    ) {
        let store = crate::kv::open_memory().expect("store");
        let running = table(BackfillState::Running);
        let index = running.info.indexes[0].clone();
        let mut txn = store.begin().expect("begin");
        let (key, value) = running.index_pair(&index, &row(1, 10), 1);
        txn.put(key, value);
        (store, running, index, txn)
    }

    /// Row 1 held b = 10 at the backfill's snapshot (ingested); during the backfill it gives
    /// 10 up and row 2 takes it. The merge must end with 10 -> row 2, not a duplicate.
    #[test]
    fn merge_replays_a_unique_value_changing_hands() {
        let (_store, running, index, mut txn) = ingested_row_1();
        txn.put(running.record_key(1), Vec::new());
        // DML during the backfill: only the temporary index sees it.
        running
            .update_record(txn.as_mut(), 1, &row(1, 10), &row(1, 11))
            .expect("update");
        running
            .add_record(txn.as_mut(), &row(2, 10), 2)
            .expect("insert");
        // Another row taking 10 now is a duplicate, caught from the temporary index.
        assert!(matches!(
            running.add_record(txn.as_mut(), &row(3, 10), 3),
            Err(Error::Duplicate {
                existing_handle: 2,
                ..
            })
        ));
        let (n, next) = running
            .merge_temp_entries(txn.as_mut(), &index, None, None, 100)
            .expect("merge");
        assert_eq!((n, next), (2, None));
        let done = table(BackfillState::Inapplicable);
        let ub = &done.info.indexes[0];
        assert_eq!(done.check_index(txn.as_ref(), ub).expect("check"), None);
    }

    /// While the temporary index is merged, DML checks the index too: an ingested entry
    /// whose row gave its value up (the delete still waits in the temporary index) is no
    /// duplicate; one whose row still holds the value is.
    #[test]
    fn stale_ingested_entries_do_not_block_dml_while_merging() {
        let store = crate::kv::open_memory().expect("store");
        let running = table(BackfillState::Running);
        let index = running.info.indexes[0].clone();
        let mut txn = store.begin().expect("begin");
        for (id, b) in [(1, 10), (4, 40)] {
            let (key, value) = running.index_pair(&index, &row(id, b), id);
            txn.put(key, value);
            running
                .add_record(txn.as_mut(), &row(id, b), id)
                .expect("row");
        }
        running
            .update_record(txn.as_mut(), 1, &row(1, 10), &row(1, 11))
            .expect("update");
        let merging = table(BackfillState::Merging);
        merging
            .add_record(txn.as_mut(), &row(2, 10), 2)
            .expect("10 is free: row 1 gave it up");
        assert!(matches!(
            merging.add_record(txn.as_mut(), &row(3, 40), 3),
            Err(Error::Duplicate {
                existing_handle: 4,
                ..
            })
        ));
    }

    /// Row 1 changes b from 10 to 11 while the index is backfilled (the temporary index
    /// records it), then from 11 to 12 in a transaction still open while the merge replays
    /// the first change onto the entry the second one removes. Returns how the second
    /// commit ended, and whether the index then matches the rows.
    fn change_again_during_the_merge(merge_is_replay: bool) -> (bool, bool) {
        let (store, running, index, mut txn) = ingested_row_1();
        running
            .add_record(txn.as_mut(), &row(1, 10), 1)
            .expect("row");
        running
            .update_record(txn.as_mut(), 1, &row(1, 10), &row(1, 11))
            .expect("first change");
        txn.commit().expect("commit");
        let merging = table(BackfillState::Merging);
        let mut client = store.begin().expect("begin");
        merging
            .update_record(client.as_mut(), 1, &row(1, 11), &row(1, 12))
            .expect("second change");
        let mut merge = store.begin().expect("begin");
        if merge_is_replay {
            merge.mark_replay();
        }
        merging
            .merge_temp_entries(merge.as_mut(), &index, None, None, 100)
            .expect("merge");
        merge.commit().expect("merge commit");
        let committed = client.commit().is_ok();
        let done = table(BackfillState::Inapplicable);
        let txn = store.begin().expect("begin");
        let consistent = done
            .check_index(txn.as_ref(), &done.info.indexes[0])
            .expect("check")
            .is_none();
        (committed, consistent)
    }

    #[test]
    fn a_row_changed_again_during_the_merge_commits() {
        assert_eq!(change_again_during_the_merge(true), (true, true));
        // What the replay mark is for: a plain transaction's write wins the conflict.
        assert!(!change_again_during_the_merge(false).0);
    }

    #[test]
    fn merge_fails_on_a_real_duplicate() {
        let (_store, running, index, mut txn) = ingested_row_1();
        running
            .add_record(txn.as_mut(), &row(2, 10), 2)
            .expect("insert");
        let merged = running.merge_temp_entries(txn.as_mut(), &index, None, None, 100);
        assert!(matches!(
            merged,
            Err(Error::Duplicate { entry, key_name, .. }) if entry == "10" && key_name == "t.ub"
        ));
    }

    #[test]
    fn ops_round_trip() {
        let ops = [
            TempOp::Put {
                handle: 7,
                unique_form: true,
            },
            TempOp::Delete {
                handle: -3,
                unique_form: false,
                row_decides: true,
            },
            TempOp::Delete {
                handle: 9,
                unique_form: true,
                row_decides: false,
            },
        ];
        assert_eq!(decode_ops(&encode_ops(&ops)).expect("decode"), ops);
        assert!(decode_ops(b"p1").is_err());
        // A delete written before the flag existed: the row decides.
        let mut old = vec![DELETE, 1];
        old.extend_from_slice(&5i64.to_be_bytes());
        assert_eq!(
            decode_ops(&old).expect("decode"),
            [TempOp::Delete {
                handle: 5,
                unique_form: true,
                row_decides: true,
            }]
        );
    }

    /// A delete recorded before write reorganization asks the row (a node in delete only
    /// may have given the row its entry back unrecorded); one recorded from write
    /// reorganization on is applied as it is.
    #[test]
    fn deletes_ask_the_row_only_before_write_reorganization() {
        for (state, row_decides) in [
            (SchemaState::WriteOnly, true),
            (SchemaState::WriteReorganization, false),
        ] {
            let store = crate::kv::open_memory().expect("store");
            let mut running = table(BackfillState::Running);
            let mut info = (*running.info).clone();
            info.indexes[0].state = state;
            running = Table::new(Arc::new(info));
            let index = running.info.indexes[0].clone();
            let mut txn = store.begin().expect("begin");
            // Row 1 holds b = 10 at the snapshot, and its entry was ingested...
            let (key, value) = running.index_pair(&index, &row(1, 10), 1);
            txn.put(key.clone(), value);
            running
                .add_record(txn.as_mut(), &row(1, 10), 1)
                .expect("row");
            // ... while the temporary index holds a delete of that entry by row 1.
            running
                .delete_entry(txn.as_mut(), &index, key.clone(), 1)
                .expect("delete");
            let temp_key =
                keys::with_index_id(&key, keys::temp_index_id(index.id)).expect("temp key");
            let recorded = txn.get(&temp_key).expect("get").expect("recorded");
            assert_eq!(
                decode_ops(&recorded).expect("decode"),
                [TempOp::Delete {
                    handle: 1,
                    unique_form: true,
                    row_decides,
                }]
            );
            running
                .merge_temp_entries(txn.as_mut(), &index, None, None, 100)
                .expect("merge");
            let kept = txn.get(&key).expect("get").is_some();
            assert_eq!(kept, row_decides, "{state:?}");
        }
    }
}
