//! Schema objects for unit tests: an INT column, an index, a table of them.

use super::{ColumnInfo, IndexInfo, SchemaState, TableInfo};
use crate::types::{DataType, IntKind};

/// A nullable public INT column.
pub fn int_column(id: u64, name: &str) -> ColumnInfo {
    ColumnInfo::new(
        id,
        name,
        DataType::Int {
            kind: IntKind::Int,
            unsigned: false,
        },
    )
}

/// Index `id` on the columns at `columns`.
pub fn index(
    id: i64,
    name: &str,
    columns: Vec<usize>,
    unique: bool,
    state: SchemaState,
) -> IndexInfo {
    IndexInfo {
        id,
        name: name.into(),
        columns,
        unique,
        primary: false,
        state,
        comment: String::new(),
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    }
}

/// Table `name` (id `id`, database 1) of INT columns named `columns`, the first the handle.
pub fn table(id: i64, name: &str, columns: &[&str], indexes: Vec<IndexInfo>) -> TableInfo {
    TableInfo {
        id,
        db_id: 1,
        name: name.into(),
        columns: columns
            .iter()
            .zip(1u64..)
            .map(|(c, i)| int_column(i, c))
            .collect(),
        next_index_id: indexes.iter().map(|i| i.id + 1).max().unwrap_or(1),
        indexes,
        handle_column: Some(0),
        next_column_id: columns.len() as u64 + 1,
        comment: String::new(),
        charset: "utf8mb4".into(),
        collation: "utf8mb4_bin".into(),
        state: SchemaState::Public,
        foreign_keys: Vec::new(),
        temporary: false,
        view: None,
        checks: Vec::new(),
        auto_id_rebases: 0,
    }
}
