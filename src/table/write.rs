//! Adding, updating and removing rows together with their index entries.

use super::{is_deletable, is_writable, Error, Result, Table};
use crate::catalog::IndexInfo;
use crate::codec::{keys, row as row_codec};
use crate::kv::Transaction;
use crate::types::Value;

impl Table {
    /// Inserts a row under `handle`. Fails with [`Error::Duplicate`] if the handle or a
    /// writable unique index already holds the row's values; nothing is written then.
    pub fn add_record(&self, txn: &mut dyn Transaction, row: &[Value], handle: i64) -> Result<()> {
        let record_key = self.record_key(handle);
        if txn.get(&record_key)?.is_some() {
            return Err(self.primary_duplicate(row, handle));
        }
        // Every check first, then every write: a duplicate leaves nothing behind.
        let mut entries = Vec::with_capacity(self.info.indexes.len());
        for index in self.info.indexes.iter().filter(|i| is_writable(i.state)) {
            entries.push(self.index_entry(txn, index, row, handle)?);
        }
        txn.put(record_key, self.encode_row(row));
        for (key, value) in entries {
            txn.put(key, value);
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
        let mut to_add = Vec::new();
        for index in &self.info.indexes {
            let (old_key, _) = self.index_key(index, old, handle);
            let (new_key, unique_form) = self.index_key(index, new, handle);
            if old_key == new_key {
                continue;
            }
            if is_deletable(index.state) {
                txn.delete(old_key);
            }
            if is_writable(index.state) {
                to_add.push(self.checked_entry(txn, index, new, handle, new_key, unique_form)?);
            }
        }
        for (key, value) in to_add {
            txn.put(key, value);
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
            txn.delete(key);
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
                // duplicate.
                if existing != handle {
                    return Err(Error::Duplicate {
                        entry: self.entry_text(&index.columns, row),
                        key_name: self.index_display_name(index),
                        existing_handle: existing,
                    });
                }
            }
        }
        Ok((key, index_value(handle, unique_form)))
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
            Some(h) => self.entry_text(&[h], row),
            None => handle.to_string(),
        };
        Error::Duplicate {
            entry,
            key_name: format!("{}.PRIMARY", self.info.name),
            existing_handle: handle,
        }
    }
}

/// Unique-form entries carry the handle in the value; non-unique ones in the key.
fn index_value(handle: i64, unique_form: bool) -> Vec<u8> {
    if unique_form {
        keys::encode_handle_value(handle)
    } else {
        b"0".to_vec()
    }
}
