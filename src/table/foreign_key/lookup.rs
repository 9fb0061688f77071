//! Finding rows by a foreign key's columns: the parent row a child row references, the
//! child rows referencing a parent row. Through the handle or an index whose leading
//! columns are the key's (a constraint is only created with one on each side); a full
//! scan only for a table that lacks one (a constraint recorded before enforcement, or a
//! child index still being built).

use super::super::{IndexRange, Result, Table};
use crate::kv::Transaction;
use crate::types::{convert, Value};

/// The handles of the rows of `table` whose `columns` equal `values` (at most `limit`),
/// as the transaction sees them (its own writes included). `values` are converted to the
/// columns' types first, as they are stored; one that does not fit matches nothing.
pub(super) fn rows_with(
    txn: &dyn Transaction,
    table: &Table,
    columns: &[usize],
    values: &[Value],
    limit: usize,
) -> Result<Vec<i64>> {
    let mut key = Vec::with_capacity(values.len());
    for (&c, v) in columns.iter().zip(values) {
        match convert::to_column_type(v, &table.info.columns[c].ty) {
            Ok(v) if !v.is_null() => key.push(v),
            _ => return Ok(Vec::new()),
        }
    }
    let mut found = Vec::new();
    if table.info.handle_column.is_some_and(|h| columns == [h]) {
        if let Some(handle) = table.handle_of_value(&key[0]) {
            if txn.get(&table.record_key(handle))?.is_some() {
                found.push(handle);
            }
        }
        return Ok(found);
    }
    if let Some(index) = table.info.index_on(columns) {
        let range = IndexRange {
            prefix: key,
            low: None,
            high: None,
        };
        table.scan_index(txn, index, &range, false, |entry| {
            found.push(entry.handle);
            Ok(found.len() < limit)
        })?;
        return Ok(found);
    }
    table.scan_rows(
        txn,
        &super::super::HandleRange::all(),
        false,
        |handle, row| {
            let equal = columns
                .iter()
                .zip(&key)
                .all(|(&c, v)| !row[c].is_null() && row[c].sql_cmp(v).is_eq());
            if equal {
                found.push(handle);
            }
            Ok(found.len() < limit)
        },
    )?;
    Ok(found)
}
