//! DROP INDEX: public -> write only -> delete only -> delete reorganization (entries
//! removed) -> none.

use super::{advance, can_not_drop, load_table, remove_index, reset_reorg, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct DropIndex;

impl JobKind for DropIndex {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::DropIndex { name } = &job.args else {
            return Err(Error::internal("drop index job without its name"));
        };
        let name = name.clone();
        let mut table = load_table(txn, job)?;
        let Some(pos) = table
            .indexes
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(&name))
        else {
            return Err(can_not_drop(&name));
        };
        let ix = &mut table.indexes[pos];
        match job.schema_state {
            SchemaState::None => {
                if ix.state != SchemaState::Public {
                    return Err(can_not_drop(&name));
                }
                advance(job, &mut ix.state, SchemaState::WriteOnly);
            }
            SchemaState::WriteOnly => advance(job, &mut ix.state, SchemaState::DeleteOnly),
            SchemaState::DeleteOnly => {
                advance(job, &mut ix.state, SchemaState::DeleteReorganization);
                reset_reorg(txn, job);
            }
            SchemaState::DeleteReorganization => {
                return remove_index(txn, job, table, pos, JobState::Done);
            }
            _ => return Err(Error::internal("drop index job in an unexpected state")),
        }
        meta::put_table(txn, &table);
        Ok(Step::SchemaChanged)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::Public
    }
}
