//! ADD COLUMN: none -> delete only -> write only -> public. Rows are never rewritten: values
//! are keyed by column id, and a row written before the column existed reads its origin
//! default. A failed or cancelled ADD COLUMN removes the column at once (it was never
//! public, so no statement read it).
//!
//! A generated column has no default to stand for the rows already there: once every node
//! computes it for the rows DML writes (write only), a write reorganization writes it into
//! the others (`backfill::backfill_generated`; a value that does not fit fails the job),
//! then it turns public.

use super::{
    advance, finish, load_table, reorg_done, reset_reorg, shift_offsets, JobKind, Reorg, Step,
};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{ColumnPosition, Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct AddColumn;

impl JobKind for AddColumn {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
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
                table.next_column_id += 1;
                advance(job, &mut col.state, SchemaState::DeleteOnly);
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
                let generated = column.generated.is_some();
                let next = match state {
                    SchemaState::DeleteOnly => SchemaState::WriteOnly,
                    SchemaState::WriteOnly if generated => {
                        reset_reorg(txn, job);
                        SchemaState::WriteReorganization
                    }
                    SchemaState::WriteReorganization if !reorg_done(txn, job)? => {
                        let column_id = table.columns[i].id;
                        return Ok(Step::Reorg(Reorg::Generate {
                            table: Box::new(table),
                            column_id,
                        }));
                    }
                    _ => {
                        job.state = JobState::Done;
                        SchemaState::Public
                    }
                };
                advance(job, &mut table.columns[i].state, next);
            }
        }
        meta::put_table(txn, &table);
        Ok(Step::SchemaChanged)
    }

    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
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
        finish(job, JobState::RollbackDone, SchemaState::None)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state != SchemaState::Public
    }

    fn holds(&self, _txn: &dyn Transaction, job: &Job) -> Result<bool> {
        Ok(job.schema_state == SchemaState::WriteOnly)
    }
}
