//! RENAME TABLE: none -> public in one step.

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct RenameTable;

impl JobKind for RenameTable {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::RenameTable { new_name } = &job.args else {
            return Err(Error::internal("rename table job without the new name"));
        };
        let new_name = new_name.clone();
        let mut table = load_table(txn, job)?;
        if meta::load_tables(txn, job.db_id)?
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&new_name) && t.id != table.id)
        {
            return Err(Error::table_exists(&new_name));
        }
        let old_name = std::mem::replace(&mut table.name, new_name.clone());
        meta::put_table(txn, &table);
        // The constraints referencing the table follow it (its own, if it references
        // itself, included).
        super::update_references(txn, &job.db_name, &old_name, |fk| {
            fk.ref_table.clone_from(&new_name);
        })?;
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}
