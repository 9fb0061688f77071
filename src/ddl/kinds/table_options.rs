//! ALTER TABLE ... COMMENT / CHARSET / COLLATE: metadata only, none -> public in one step.
//! The charset and collation are recorded only: every string is stored and compared as
//! utf8mb4 whatever the table says.

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct TableOptions;

impl JobKind for TableOptions {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut table = load_table(txn, job)?;
        match &job.args {
            JobArgs::ModifyTableComment { comment } => table.comment.clone_from(comment),
            JobArgs::ModifyTableCharsetAndCollate { charset, collation } => {
                table.charset.clone_from(charset);
                table.collation.clone_from(collation);
            }
            _ => return Err(Error::internal("table option job without its option")),
        }
        meta::put_table(txn, &table);
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, state: SchemaState) -> bool {
        state == SchemaState::None
    }
}
