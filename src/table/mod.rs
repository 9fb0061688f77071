//! The read and write paths of one table: a row and its index entries, maintained as each
//! index's schema state requires.
//!
//! This is where online schema change is made safe. Nodes may run one schema version apart,
//! so every write consults each index's state (TiDB's F1-style rules):
//!
//! | index state            | insert adds | update/delete removes | unique checked | read |
//! |------------------------|-------------|-----------------------|----------------|------|
//! | delete only            | no          | yes                   | no             | no   |
//! | write only / write reorganization | yes | yes                 | yes            | no   |
//! | delete reorganization  | no          | yes                   | no             | no   |
//! | public                 | yes         | yes                   | yes            | yes  |
//!
//! An index entry holds a case-insensitive column's collation key, not its text (TiDB's new
//! collations): `'ABC'` and `'abc'` are one key, so a unique index refuses the second and a
//! lookup of either finds both. Lookups fold their values the same way ([`Table::scan_index`]).
//!
//! Statements write rows through [`foreign_key::Writer`], which adds what a table's
//! FOREIGN KEY constraints require on top of these paths: the parent looked up (and locked)
//! for a child row, the children of a parent row restricted, cascaded or cleared.

mod changing;
mod check;
mod checksum;
mod error;
pub mod foreign_key;
mod read;
pub mod row_expressions;
mod temp_index;
mod write;

pub use changing::converted;
pub use check::{Digest, Mismatch};
pub use checksum::Checksum;
pub use error::{Error, Result};
pub use read::{HandleRange, IndexEntry, IndexRange};
pub use temp_index::{decode_ops, TempOp};

use std::sync::Arc;

use crate::catalog::{ColumnInfo, IndexInfo, SchemaState, TableInfo};
use crate::codec::keys;
use crate::types::collation::Fold;
use crate::types::Value;

/// A table bound to one schema version.
#[derive(Debug, Clone)]
pub struct Table {
    pub info: Arc<TableInfo>,
    /// Column ids in column order, for row decoding.
    column_ids: Vec<u64>,
    /// Per column, the case-insensitive collation its index entries are keyed by.
    folds: Vec<Option<Fold>>,
    /// The hidden columns a MODIFY COLUMN computes for every row written.
    changes: Vec<changing::Change>,
}

impl Table {
    pub fn new(info: Arc<TableInfo>) -> Table {
        let column_ids = info.columns.iter().map(|c| c.id).collect();
        let folds = info
            .columns
            .iter()
            .map(|c| c.ty.collation().and_then(|c| c.fold()))
            .collect();
        Table {
            changes: changing::changes(&info.columns),
            info,
            column_ids,
            folds,
        }
    }

    pub fn id(&self) -> i64 {
        self.info.id
    }

    /// The handle a row is stored under when the table's handle is a column of it.
    pub fn handle_of(&self, row: &[Value]) -> Option<i64> {
        self.handle_of_value(&row[self.info.handle_column?])
    }

    /// The handle a row whose handle column holds `value` is stored under.
    pub fn handle_of_value(&self, value: &Value) -> Option<i64> {
        match value {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => Some(*u as i64),
            _ => None,
        }
    }

    pub fn record_key(&self, handle: i64) -> Vec<u8> {
        keys::record_key(self.info.id, handle)
    }

    /// The key of a row's entry in `index`, and whether the entry is in unique form (key
    /// without handle, handle in the value). Unique entries with a NULL part use the
    /// non-unique form: NULLs never collide.
    pub fn index_key(&self, index: &IndexInfo, row: &[Value], handle: i64) -> (Vec<u8>, bool) {
        let values: Vec<Value> = index
            .columns
            .iter()
            .enumerate()
            .map(|(pos, &c)| self.index_value(c, index.prefix(pos), row[c].clone()))
            .collect();
        let unique_form = index.unique && values.iter().all(|v| !v.is_null());
        let key = keys::index_key(
            self.info.id,
            index.id,
            &values,
            if unique_form { None } else { Some(handle) },
        );
        (key, unique_form)
    }

    /// What an index entry holds for `value` of column `col`: its collation key, of its
    /// first `prefix` characters (bytes of a binary string) when the index says so.
    fn index_value(&self, col: usize, prefix: Option<u32>, value: Value) -> Value {
        let value = self.prefixed(col, prefix, value);
        match self.folds.get(col).copied().flatten() {
            Some(fold) => fold.key(value),
            None => value,
        }
    }

    /// `value` of column `col`, cut to its first `prefix` characters (bytes of a binary
    /// string) when an index holds a prefix of it.
    fn prefixed(&self, col: usize, prefix: Option<u32>, value: Value) -> Value {
        match (prefix, value) {
            (Some(n), Value::Bytes(bytes)) => {
                let chars = self.info.columns.get(col).is_some_and(|c| c.ty.is_text());
                Value::Bytes(prefix_of(bytes, n as usize, chars))
            }
            (_, value) => value,
        }
    }

    /// The user-visible name of an index in duplicate-entry messages: `t.idx`.
    pub fn index_display_name(&self, index: &IndexInfo) -> String {
        format!("{}.{}", self.info.name, index.name)
    }

    /// The entry text of a duplicate-key message: the values `index` holds (a prefix
    /// where it indexes one, as MySQL shows) joined by '-'.
    pub fn entry_text(&self, index: &IndexInfo, row: &[Value]) -> String {
        let values = index.columns.iter().enumerate().map(|(pos, &c)| {
            self.prefixed(c, index.prefix(pos), row[c].clone())
                .to_string_lossy()
        });
        values.collect::<Vec<_>>().join("-")
    }

    fn columns_to_store(&self) -> impl Iterator<Item = (usize, &ColumnInfo)> {
        // A column in delete only is not yet (or no longer) written.
        self.info.columns.iter().enumerate().filter(|(_, c)| {
            matches!(
                c.state,
                SchemaState::WriteOnly | SchemaState::WriteReorganization | SchemaState::Public
            )
        })
    }
}

/// The first `n` characters of `bytes` (UTF-8; bytes where it is not), or its first `n`
/// bytes when `chars` is false.
fn prefix_of(mut bytes: Vec<u8>, n: usize, chars: bool) -> Vec<u8> {
    let end = match std::str::from_utf8(&bytes) {
        Ok(text) if chars => text.char_indices().nth(n).map_or(bytes.len(), |(i, _)| i),
        _ => n.min(bytes.len()),
    };
    bytes.truncate(end);
    bytes
}

/// Indexes that new entries are written to (and unique constraints checked on).
pub fn is_writable(state: SchemaState) -> bool {
    matches!(
        state,
        SchemaState::WriteOnly | SchemaState::WriteReorganization | SchemaState::Public
    )
}

/// Indexes whose entries are removed when their row goes away.
pub fn is_deletable(state: SchemaState) -> bool {
    state != SchemaState::None
}

#[cfg(test)]
mod tests {
    use super::prefix_of;

    #[test]
    fn a_prefix_counts_characters_of_text_and_bytes_of_binary() {
        let text = "héllo".as_bytes().to_vec();
        assert_eq!(prefix_of(text.clone(), 2, true), "hé".as_bytes());
        assert_eq!(prefix_of(text.clone(), 2, false), b"h\xc3");
        assert_eq!(prefix_of(text.clone(), 9, true), text);
        // Not UTF-8: bytes.
        assert_eq!(prefix_of(vec![0xff, 0xfe, 0xfd], 2, true), [0xff, 0xfe]);
    }
}
