//! ADD COLUMN: none -> delete only -> write only -> public.
//! DROP COLUMN: public -> write only -> delete only -> delete reorganization -> none.
//!
//! Rows are never rewritten: values are keyed by column id, a row written before ADD COLUMN
//! reads the column's origin default, and a dropped column's values are simply ignored.

use super::{load_table, Step};
use crate::catalog::{meta, SchemaState, TableInfo};
use crate::ddl::job::{ColumnPosition, Job, JobArgs, JobState};
use crate::kv::Transaction;
use crate::sql::{Error, Result};

/// Index column offsets follow a column inserted at `pos` (+1) or removed from it (-1).
fn shift_offsets(table: &mut TableInfo, pos: usize, inserted: bool) {
    let shift = |c: &mut usize| {
        if inserted && *c >= pos {
            *c += 1;
        } else if !inserted && *c > pos {
            *c -= 1;
        }
    };
    for ix in &mut table.indexes {
        ix.columns.iter_mut().for_each(shift);
    }
    if let Some(h) = table.handle_column.as_mut() {
        shift(h);
    }
}

pub(super) fn add_forward(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    let JobArgs::AddColumn { column, position } = &job.args else {
        return Err(Error::internal("add column job without its column"));
    };
    let (column, position) = (column.clone(), position.clone());
    let mut table = load_table(txn, job)?;
    match job.schema_state {
        SchemaState::None => {
            if table.column_by_name(&column.name).is_some() {
                return Err(Error::duplicate_column(&column.name));
            }
            let mut col = *column;
            col.id = table.next_column_id;
            col.state = SchemaState::DeleteOnly;
            table.next_column_id += 1;
            let pos = match &position {
                ColumnPosition::Last => table.columns.len(),
                ColumnPosition::First => 0,
                ColumnPosition::After(name) => {
                    let Some((i, _)) = table.column_by_name(name) else {
                        return Err(Error::unknown_column(name, &table.name));
                    };
                    i + 1
                }
            };
            table.columns.insert(pos, col);
            shift_offsets(&mut table, pos, true);
            job.schema_state = SchemaState::DeleteOnly;
        }
        state => {
            let Some((_, col)) = table.column_by_name(&column.name) else {
                return Err(Error::internal("the column being added vanished"));
            };
            let i = table
                .columns
                .iter()
                .position(|c| c.id == col.id)
                .unwrap_or(0);
            let next = match state {
                SchemaState::DeleteOnly => SchemaState::WriteOnly,
                _ => {
                    job.state = JobState::Done;
                    SchemaState::Public
                }
            };
            table.columns[i].state = next;
            job.schema_state = next;
        }
    }
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}

pub(super) fn add_rollback(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    let JobArgs::AddColumn { column, .. } = &job.args else {
        return Err(Error::internal("add column job without its column"));
    };
    if let Ok(mut table) = load_table(txn, job) {
        if let Some(pos) = table.columns.iter().position(|c| {
            c.name.eq_ignore_ascii_case(&column.name) && c.state != SchemaState::Public
        }) {
            table.columns.remove(pos);
            shift_offsets(&mut table, pos, false);
            meta::put_table(txn, &table);
        }
    }
    job.state = JobState::RollbackDone;
    job.schema_state = SchemaState::None;
    Ok(Step::SchemaChanged)
}

pub(super) fn drop_forward(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    let JobArgs::DropColumn { name } = &job.args else {
        return Err(Error::internal("drop column job without its name"));
    };
    let name = name.clone();
    let mut table = load_table(txn, job)?;
    let Some(pos) = table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(&name))
    else {
        return Err(Error::new(
            1091,
            "42000",
            format!("Can't DROP '{name}'; check that column/key exists"),
        ));
    };
    match job.schema_state {
        SchemaState::None => {
            if table.public_columns().count() <= 1 {
                return Err(Error::new(
                    1090,
                    "42000",
                    "You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
                ));
            }
            let indexed = table.handle_column == Some(pos)
                || table.indexes.iter().any(|i| i.columns.contains(&pos));
            if indexed {
                return Err(Error::new(
                    8200,
                    "HY000",
                    format!("Unsupported drop column '{name}': it is covered by an index; drop the index first"),
                ));
            }
            table.columns[pos].state = SchemaState::WriteOnly;
            job.schema_state = SchemaState::WriteOnly;
        }
        SchemaState::WriteOnly => {
            table.columns[pos].state = SchemaState::DeleteOnly;
            job.schema_state = SchemaState::DeleteOnly;
        }
        SchemaState::DeleteOnly => {
            table.columns[pos].state = SchemaState::DeleteReorganization;
            job.schema_state = SchemaState::DeleteReorganization;
        }
        _ => {
            table.columns.remove(pos);
            shift_offsets(&mut table, pos, false);
            job.schema_state = SchemaState::None;
            job.state = JobState::Done;
        }
    }
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}
