//! CREATE DATABASE: none -> public in one step.

use super::{finish, JobKind, Step};
use crate::catalog::{meta, DatabaseInfo, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct CreateSchema;

impl JobKind for CreateSchema {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::CreateSchema { name, collation } = &job.args else {
            return Err(Error::internal("create schema job without its name"));
        };
        let (name, collation) = (name.clone(), *collation);
        if meta::load_databases(txn)?
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(&name))
        {
            return Err(Error::database_exists(&name));
        }
        let id = meta::allocate_ids(txn, 1)?;
        meta::put_database(
            txn,
            &DatabaseInfo {
                id,
                name,
                charset: collation.charset().into(),
                collation: collation.name().into(),
                state: SchemaState::Public,
            },
        );
        job.db_id = id;
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}
