//! ADD FOREIGN KEY's check of the rows already in the child table.

use super::lookup;
use crate::catalog::ForeignKeyInfo;
use crate::error::ForeignKeyError;
use crate::kv::Transaction;
use crate::table::{HandleRange, Result, Table};
use crate::types::Value;

/// Checks that every row of `child` (in `child_db`) whose key columns are all non-NULL
/// finds its row in `parent`: 1452, naming the constraint, at the first that does not.
/// Reads the transaction's snapshot; each parent is found through its key's index.
pub fn check_existing_rows(
    txn: &dyn Transaction,
    child_db: &str,
    child: &Table,
    fk: &ForeignKeyInfo,
    parent: &Table,
) -> Result<()> {
    let (Some(columns), Some(ref_columns)) = (
        child.info.column_offsets(&fk.columns),
        parent.info.column_offsets(&fk.ref_columns),
    ) else {
        return Ok(());
    };
    let mut orphan = false;
    child.scan_rows(txn, &HandleRange::all(), false, |_, row| {
        if columns.iter().any(|&c| row[c].is_null()) {
            return Ok(true);
        }
        let key: Vec<Value> = columns.iter().map(|&c| row[c].clone()).collect();
        orphan = lookup::rows_with(txn, parent, &ref_columns, &key, 1)?.is_empty();
        Ok(!orphan)
    })?;
    if orphan {
        return Err(ForeignKeyError::NoReferencedRow {
            constraint: fk.describe(child_db, &child.info.name),
        }
        .into());
    }
    Ok(())
}
