//! DROP DATABASE: public -> write only (no new statements use it) -> none; the last step
//! removes its tables' records and records their data for the delete-range worker
//! (`ddl::delete_range`).

use super::{advance, finish, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::delete_range;
use crate::ddl::job::{Job, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct DropSchema;

impl JobKind for DropSchema {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let Some(mut db) = meta::load_databases(txn)?
            .into_iter()
            .find(|d| d.id == job.db_id)
        else {
            return Err(Error::drop_missing_database(&job.db_name));
        };
        match job.schema_state {
            SchemaState::None => {
                advance(job, &mut db.state, SchemaState::WriteOnly);
                meta::put_database(txn, &db);
                Ok(Step::SchemaChanged)
            }
            _ => {
                for t in meta::load_tables(txn, db.id)? {
                    delete_range::add_table(txn, job, t.id);
                    txn.delete(meta::table_key(db.id, t.id));
                }
                txn.delete(meta::db_key(db.id));
                finish(job, JobState::Done, SchemaState::None)
            }
        }
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::Public
    }
}
