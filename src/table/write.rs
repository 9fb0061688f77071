//! Adding, updating and removing rows together with their index entries.

use super::temp_index::TempOp;
use super::{is_deletable, is_writable, Error, Result, Table};
use crate::catalog::{IndexInfo, SchemaState};
use crate::codec::{keys, row as row_codec};
use crate::kv::Transaction;
use crate::types::Value;

impl Table {
    /// Inserts a row under `handle`. Fails with [`Error::Duplicate`] if the handle or a
    /// writable unique index already holds the row's values; nothing is written then.
    pub fn add_record(&self, txn: &mut dyn Transaction, row: &[Value], handle: i64) -> Result<()> {
        // A value a non-strict MODIFY COLUMN's hidden column cannot hold is stored as
        // the nearest one; the job's backfill, not each DML statement, reports those.
        let changed = self.with_changes(row, &mut |_, _| {})?;
        let row = changed.as_deref().unwrap_or(row);
        let record_key = self.record_key(handle);
        if txn.get(&record_key)?.is_some() {
            return Err(self.primary_duplicate(row, handle));
        }
        // Every check first, then every write: a duplicate leaves nothing behind.
        let mut entries = Vec::with_capacity(self.info.indexes.len());
        for index in self.info.indexes.iter().filter(|i| is_writable(i.state)) {
            let (key, unique_form) = self.index_key(index, row, handle);
            entries.push(self.checked_add(txn, index, row, handle, key, unique_form)?);
        }
        txn.put(record_key, self.encode_row(row));
        for add in entries {
            self.apply_add(txn, add)?;
        }
        Ok(())
    }

    /// Replaces the row at `handle` (which stays the same) with `new`.
    pub fn update_record(
        &self,
        txn: &mut dyn Transaction,
        handle: i64,
        old: &[Value],
        new: &[Value],
    ) -> Result<()> {
        let changed = self.with_changes(new, &mut |_, _| {})?;
        let new = changed.as_deref().unwrap_or(new);
        let mut to_add = Vec::new();
        for index in &self.info.indexes {
            let (old_key, _) = self.index_key(index, old, handle);
            let (new_key, unique_form) = self.index_key(index, new, handle);
            if old_key == new_key {
                continue;
            }
            if is_writable(index.state) {
                to_add.push(self.checked_add(txn, index, new, handle, new_key, unique_form)?);
            }
            if is_deletable(index.state) {
                self.delete_entry(txn, index, old_key, handle)?;
            }
        }
        for add in to_add {
            self.apply_add(txn, add)?;
        }
        txn.put(self.record_key(handle), self.encode_row(new));
        Ok(())
    }

    /// Removes the row at `handle` and its entries in every index that has entries.
    pub fn remove_record(
        &self,
        txn: &mut dyn Transaction,
        handle: i64,
        row: &[Value],
    ) -> Result<()> {
        for index in self.info.indexes.iter().filter(|i| is_deletable(i.state)) {
            let (key, _) = self.index_key(index, row, handle);
            self.delete_entry(txn, index, key, handle)?;
        }
        txn.delete(self.record_key(handle));
        Ok(())
    }

    /// The entry `row`, stored under `handle`, has in `index`: the key and value to put,
    /// once no other row holds the same values in it (unique indexes). Every index entry
    /// moltdb writes comes from here: INSERT, UPDATE, REPLACE and the ADD INDEX backfill.
    pub fn index_entry(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        row: &[Value],
        handle: i64,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let (key, unique_form) = self.index_key(index, row, handle);
        self.checked_entry(txn, index, row, handle, key, unique_form)
    }

    fn checked_entry(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        row: &[Value],
        handle: i64,
        key: Vec<u8>,
        unique_form: bool,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        if unique_form {
            if let Some(existing) = txn.get(&key)? {
                let existing = keys::decode_handle_value(&existing)?;
                // The row's own entry (a backfill meeting a row DML already indexed) is no
                // duplicate; nor, while the temporary index is merged, an ingested entry its
                // row has given up since (the delete still waits in the temporary index).
                let duplicate = existing != handle
                    && (!index.backfill.writes_temp_index()
                        || self.row_has_entry(txn, index, existing, &key)?);
                if duplicate {
                    return Err(Error::Duplicate {
                        entry: self.entry_text(index, row),
                        key_name: self.index_display_name(index),
                        existing_handle: existing,
                    });
                }
            }
        }
        Ok((key, index_value(handle, unique_form)))
    }

    /// The entry of `row` (stored under `handle`) in `index` as a bulk build writes it
    /// (ingest): the same key and value as [`Table::index_entry`], unchecked — a bulk build
    /// finds duplicates where its sorted entries meet.
    pub fn index_pair(&self, index: &IndexInfo, row: &[Value], handle: i64) -> (Vec<u8>, Vec<u8>) {
        let (key, unique_form) = self.index_key(index, row, handle);
        (key, index_value(handle, unique_form))
    }

    /// The row's own pair as a bulk load writes it (import into an empty table): the same
    /// key and value as [`Table::add_record`], unchecked.
    pub fn record_pair(&self, row: &[Value], handle: i64) -> (Vec<u8>, Vec<u8>) {
        (self.record_key(handle), self.encode_row(row))
    }

    /// The duplicate a bulk load reports where two of its sorted pairs share `key`: two rows
    /// with one handle, or with the same values in a unique index (`value` names the
    /// handle of the one met first). `None` for a non-unique index's entry: its key holds
    /// the handle, so the rows' own keys meet too and tell.
    pub fn duplicate_of(&self, key: &[u8], value: &[u8]) -> Option<Error> {
        if let Ok((_, handle)) = keys::decode_record_key(key) {
            return Some(Error::Duplicate {
                entry: handle.to_string(),
                key_name: format!("{}.PRIMARY", self.info.name),
                existing_handle: handle,
            });
        }
        let index = self
            .info
            .indexes
            .iter()
            .find(|ix| key.starts_with(&keys::index_prefix(self.info.id, ix.id)))?;
        let existing = keys::decode_handle_value(value).ok()?;
        Some(self.duplicate_entry(index, key, existing))
    }

    /// Checks that `row`'s entry `key` can be added to `index` wherever DML writes it now
    /// (the index, its temporary index, or both); returns the writes to make.
    fn checked_add<'i>(
        &self,
        txn: &dyn Transaction,
        index: &'i IndexInfo,
        row: &[Value],
        handle: i64,
        key: Vec<u8>,
        unique_form: bool,
    ) -> Result<Add<'i>> {
        let backfill = index.backfill;
        if unique_form && backfill.writes_temp_index() {
            if let Some(existing) = self.temp_holder(txn, index, &key, handle)? {
                return Err(Error::Duplicate {
                    entry: self.entry_text(index, row),
                    key_name: self.index_display_name(index),
                    existing_handle: existing,
                });
            }
        }
        // The key is copied only while both indexes are written (ready to merge, merging).
        let temp = backfill.writes_temp_index().then(|| {
            let op = TempOp::Put {
                handle,
                unique_form,
            };
            (key.clone(), op)
        });
        let entry = if backfill.writes_index() {
            Some(self.checked_entry(txn, index, row, handle, key, unique_form)?)
        } else {
            None
        };
        Ok(Add { index, entry, temp })
    }

    fn apply_add(&self, txn: &mut dyn Transaction, add: Add) -> Result<()> {
        if let Some((key, op)) = add.temp {
            self.record_temp(txn, add.index, &key, op)?;
        }
        if let Some((key, value)) = add.entry {
            txn.put(key, value);
        }
        Ok(())
    }

    /// Removes the entry `key` of row `handle` from `index`, wherever DML writes it now.
    pub(super) fn delete_entry(
        &self,
        txn: &mut dyn Transaction,
        index: &IndexInfo,
        key: Vec<u8>,
        handle: i64,
    ) -> Result<()> {
        if index.backfill.writes_temp_index() {
            let unique_form = index.unique && !index_key_has_handle(&key, index)?;
            // From write reorganization on, no node is in delete only any more (each is at
            // most one version behind, and the metadata lock let no transaction of that
            // version outlive it).
            let row_decides = !matches!(
                index.state,
                SchemaState::WriteReorganization | SchemaState::Public
            );
            self.record_temp(
                txn,
                index,
                &key,
                TempOp::Delete {
                    handle,
                    unique_form,
                    row_decides,
                },
            )?;
        }
        if index.backfill.writes_index() {
            txn.delete(key);
        }
        Ok(())
    }

    fn encode_row(&self, row: &[Value]) -> Vec<u8> {
        let cols: Vec<(u64, &Value)> = self
            .columns_to_store()
            .map(|(i, c)| (c.id, &row[i]))
            .collect();
        row_codec::encode_row(&cols)
    }

    fn primary_duplicate(&self, row: &[Value], handle: i64) -> Error {
        let entry = match self.info.handle_column {
            Some(h) => row[h].to_string_lossy(),
            None => handle.to_string(),
        };
        Error::Duplicate {
            entry,
            key_name: format!("{}.PRIMARY", self.info.name),
            existing_handle: handle,
        }
    }
}

/// An index entry to add: to the index (`entry`), to its temporary index (`temp`), or both.
struct Add<'i> {
    index: &'i IndexInfo,
    entry: Option<(Vec<u8>, Vec<u8>)>,
    temp: Option<(Vec<u8>, TempOp)>,
}

/// Whether an entry key of `index` ends with the row's handle (the non-unique form).
fn index_key_has_handle(key: &[u8], index: &IndexInfo) -> Result<bool> {
    Ok(keys::decode_index_key(key, index.columns.len())?
        .1
        .is_some())
}

/// Unique-form entries carry the handle in the value; non-unique ones in the key.
pub(super) fn index_value(handle: i64, unique_form: bool) -> Vec<u8> {
    if unique_form {
        keys::encode_handle_value(handle)
    } else {
        b"0".to_vec()
    }
}
