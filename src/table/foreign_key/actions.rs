//! What a parent row's removal or key change does to the child rows referencing it.

use super::{lookup, Writer};
use crate::catalog::{RefAction, SchemaState};
use crate::error::ForeignKeyError;
use crate::kv::Transaction;
use crate::table::{Result, Table};
use crate::types::{convert, Value};

/// How deep cascades may go (InnoDB's FK_MAX_CASCADE_DEL, TiDB's too): the rows a
/// statement writes are at depth 0, the rows their cascades write at 1, and so on; a
/// cascade that would write a row at depth 16 fails with 3008.
const MAX_DEPTH: usize = 15;

impl Writer<'_> {
    /// Applies the removal (`new` is `None`) or change of the parent row `old` of
    /// `db`.`parent`, written at `depth`, to every child row referencing its old key.
    pub(super) fn on_parent_change(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        parent: &Table,
        old: &[Value],
        new: Option<&[Value]>,
        depth: usize,
    ) -> Result<()> {
        for child in self.children(db, parent)?.iter() {
            let fk = &child.table.info.foreign_keys[child.fk];
            let (Some(ref_columns), Some(columns)) = (
                parent.info.column_offsets(&fk.ref_columns),
                child.table.info.column_offsets(&fk.columns),
            ) else {
                continue;
            };
            if ref_columns.iter().any(|&c| old[c].is_null()) {
                continue;
            }
            if new.is_some_and(|new| ref_columns.iter().all(|&c| old[c] == new[c])) {
                continue;
            }
            // A constraint still being added is checked but never cascades: the job may
            // yet roll back, and a cascade could not be undone then (TiDB's rule).
            let action = match new {
                _ if fk.state != SchemaState::Public => RefAction::Restrict,
                Some(_) => fk.on_update_action(),
                None => fk.on_delete_action(),
            };
            // The old key as the child stores it.
            let Some(key) = converted(&ref_columns, old, &columns, &child.table) else {
                continue;
            };
            let limit = if action == RefAction::Restrict {
                1
            } else {
                usize::MAX
            };
            let handles = lookup::rows_with(txn, &child.table, &columns, &key, limit)?;
            if handles.is_empty() {
                continue;
            }
            if action == RefAction::Restrict {
                return Err(ForeignKeyError::RowIsReferenced {
                    constraint: fk.describe(&child.db, &child.table.info.name),
                }
                .into());
            }
            if depth + 1 > MAX_DEPTH {
                return Err(ForeignKeyError::CascadeDepthExceeded.into());
            }
            self.cascaded.borrow_mut().push(child.table.id());
            for handle in handles {
                // An earlier cascade of this loop may have removed or changed the row.
                let Some(row) = child.table.row(txn, handle)? else {
                    continue;
                };
                if columns.iter().zip(&key).any(|(&c, v)| row[c] != *v) {
                    continue;
                }
                let (db, table) = (child.db.as_str(), &child.table);
                match (action, new) {
                    (RefAction::Cascade, None) => {
                        self.remove_at(txn, db, table, handle, &row, depth + 1)?;
                    }
                    (RefAction::Cascade, Some(new)) => {
                        let mut moved = row.clone();
                        for (&c, &p) in columns.iter().zip(&ref_columns) {
                            moved[c] = convert::to_column_type(&new[p], &table.info.columns[c].ty)
                                .unwrap_or_else(|_| new[p].clone());
                        }
                        self.update_at(txn, db, table, (handle, &row, &moved), depth + 1)?;
                    }
                    (RefAction::SetNull, _) => {
                        let mut cleared = row.clone();
                        for &c in &columns {
                            cleared[c] = Value::Null;
                        }
                        self.update_at(txn, db, table, (handle, &row, &cleared), depth + 1)?;
                    }
                    (RefAction::Restrict, _) => {}
                }
            }
        }
        Ok(())
    }
}

/// The parent's `values` at `ref_columns`, converted to the types of the child's
/// `columns` (`None` if one does not fit: no child row can hold it).
fn converted(
    ref_columns: &[usize],
    values: &[Value],
    columns: &[usize],
    child: &Table,
) -> Option<Vec<Value>> {
    ref_columns
        .iter()
        .zip(columns)
        .map(|(&p, &c)| convert::to_column_type(&values[p], &child.info.columns[c].ty).ok())
        .collect()
}
