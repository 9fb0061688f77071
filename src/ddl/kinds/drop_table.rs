//! DROP TABLE: public -> write only -> delete only -> none; the last step records the
//! table's rows and entries for the delete-range worker (`ddl::delete_range`).

use super::{advance, finish, load_table, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::delete_range;
use crate::ddl::job::{Job, JobState};
use crate::error::Result;
use crate::kv::Transaction;

pub struct DropTable;

impl JobKind for DropTable {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut table = load_table(txn, job)?;
        match job.schema_state {
            SchemaState::None => advance(job, &mut table.state, SchemaState::WriteOnly),
            SchemaState::WriteOnly => advance(job, &mut table.state, SchemaState::DeleteOnly),
            _ => {
                delete_range::add_table(txn, job, table.id);
                txn.delete(meta::table_key(table.db_id, table.id));
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
