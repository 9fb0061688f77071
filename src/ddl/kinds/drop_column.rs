//! DROP COLUMN: public -> write only -> delete only -> delete reorganization -> none. Rows
//! are never rewritten: a dropped column's values are simply ignored when read.

use super::{advance, can_not_drop, finish, load_table, shift_offsets, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct DropColumn;

impl JobKind for DropColumn {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
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
            return Err(can_not_drop(&name));
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
                // An index on its way out (dropped by the same multi-schema change) goes
                // with the column; other jobs on the table wait for this one.
                let indexed = table.handle_column == Some(pos)
                    || table
                        .indexes
                        .iter()
                        .any(|i| i.columns.contains(&pos) && i.state == SchemaState::Public);
                if indexed {
                    return Err(Error::new(
                        8200,
                        "HY000",
                        format!("Unsupported drop column '{name}': it is covered by an index; drop the index first"),
                    ));
                }
                advance(job, &mut table.columns[pos].state, SchemaState::WriteOnly);
            }
            SchemaState::WriteOnly => {
                advance(job, &mut table.columns[pos].state, SchemaState::DeleteOnly);
            }
            SchemaState::DeleteOnly => {
                advance(
                    job,
                    &mut table.columns[pos].state,
                    SchemaState::DeleteReorganization,
                );
            }
            _ => {
                table.columns.remove(pos);
                shift_offsets(&mut table, pos, false);
                meta::put_table(txn, &table);
                return finish(job, JobState::Done, SchemaState::None);
            }
        }
        meta::put_table(txn, &table);
        Ok(Step::SchemaChanged)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::Public
    }
}
