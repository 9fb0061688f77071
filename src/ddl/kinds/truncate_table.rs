//! TRUNCATE TABLE: the table gets a new id at once (statements see it empty); once every
//! node uses the new id, the old id's rows and entries are recorded for the delete-range
//! worker (`ddl::delete_range`).

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::delete_range;
use crate::ddl::job::{Job, JobState};
use crate::error::Result;
use crate::kv::Transaction;

pub struct TruncateTable;

impl JobKind for TruncateTable {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        match job.schema_state {
            SchemaState::None => {
                let mut table = load_table(txn, job)?;
                txn.delete(meta::table_key(table.db_id, table.id));
                table.id = meta::allocate_ids(txn, 1)?;
                meta::put_table(txn, &table);
                job.schema_state = SchemaState::DeleteOnly;
                Ok(Step::SchemaChanged)
            }
            _ => {
                delete_range::add_table(txn, job, job.table_id);
                finish(job, JobState::Done, SchemaState::Public)
            }
        }
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}
