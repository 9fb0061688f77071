//! The metadata-only change: none -> public in one step (TiDB's non-reorg MODIFY COLUMN).

use super::Args;
use crate::catalog::{meta, SchemaState, TableInfo};
use crate::ddl::job::{ColumnPosition, Job, JobState};
use crate::ddl::kinds::{finish, update_references, Step};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub(super) fn change(
    txn: &mut dyn Transaction,
    job: &mut Job,
    mut table: TableInfo,
    args: &Args,
    pos: usize,
) -> Result<Step> {
    let old = table.columns[pos].clone();
    let mut col = args.column.clone();
    col.id = old.id;
    col.state = SchemaState::Public;
    col.origin_default = old.origin_default.clone();
    let col_name = col.name.clone();
    for fk in &mut table.foreign_keys {
        for c in &mut fk.columns {
            if c.eq_ignore_ascii_case(&old.name) {
                c.clone_from(&col.name);
            }
        }
    }
    table.columns[pos] = col;
    if let Some(position) = &args.position {
        move_column(&mut table, pos, position)?;
    }
    meta::put_table(txn, &table);
    if !old.name.eq_ignore_ascii_case(&col_name) {
        // The constraints referencing the column follow its new name.
        update_references(txn, &job.db_name, &table.name, |fk| {
            for c in &mut fk.ref_columns {
                if c.eq_ignore_ascii_case(&old.name) {
                    c.clone_from(&col_name);
                }
            }
        })?;
    }
    finish(job, JobState::Done, SchemaState::Public)
}

/// Moves the column at `pos` to `position`; index offsets follow their columns (matched
/// by id).
pub(super) fn move_column(
    table: &mut TableInfo,
    pos: usize,
    position: &ColumnPosition,
) -> Result<()> {
    let before: Vec<u64> = table.columns.iter().map(|c| c.id).collect();
    let moved = table.columns.remove(pos);
    let target = match position {
        ColumnPosition::Last => table.columns.len(),
        ColumnPosition::First => 0,
        ColumnPosition::After(name) => {
            let Some(i) = table
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
            else {
                return Err(Error::unknown_column(name, &table.name));
            };
            i + 1
        }
    };
    table.columns.insert(target, moved);
    let after: Vec<u64> = table.columns.iter().map(|c| c.id).collect();
    let remap = |c: &mut usize| {
        if let Some(n) = after.iter().position(|id| *id == before[*c]) {
            *c = n;
        }
    };
    for ix in &mut table.indexes {
        ix.columns.iter_mut().for_each(remap);
    }
    if let Some(h) = table.handle_column.as_mut() {
        remap(h);
    }
    Ok(())
}
