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
            .map(|&c| self.index_value(c, row[c].clone()))
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

    /// What an index entry holds for `value` of column `col`: its collation key.
    fn index_value(&self, col: usize, value: Value) -> Value {
        match self.folds.get(col).copied().flatten() {
            Some(fold) => fold.key(value),
            None => value,
        }
    }

    /// The user-visible name of an index in duplicate-entry messages: `t.idx`.
    pub fn index_display_name(&self, index: &IndexInfo) -> String {
        format!("{}.{}", self.info.name, index.name)
    }

    /// The entry text of a duplicate-key message: the index's values joined by '-'.
    pub fn entry_text(&self, columns: &[usize], row: &[Value]) -> String {
        columns
            .iter()
            .map(|&c| row[c].to_string_lossy())
            .collect::<Vec<_>>()
            .join("-")
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
