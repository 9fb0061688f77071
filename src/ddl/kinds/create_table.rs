//! CREATE TABLE: none -> public in one step.

use super::{finish, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct CreateTable;

impl JobKind for CreateTable {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::CreateTable {
            table,
            auto_increment,
        } = &job.args
        else {
            return Err(Error::internal("create table job without its table"));
        };
        let mut table = (**table).clone();
        if meta::table_by_name(txn, job.db_id, &table.name)?.is_some() {
            return Err(Error::table_exists(&table.name));
        }
        table.id = meta::allocate_ids(txn, 1)?;
        table.db_id = job.db_id;
        table.state = SchemaState::Public;
        meta::put_table(txn, &table);
        // With the table, so that no id below it is ever handed out.
        if let Some(first) = auto_increment.filter(|&n| n > 1) {
            meta::put_auto_id(txn, table.id, first - 1);
        }
        job.table_id = table.id;
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}
