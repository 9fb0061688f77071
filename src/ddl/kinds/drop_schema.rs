//! DROP DATABASE: public -> write only (no new statements use it) -> none, its tables'
//! data and records removed in the last step.

use super::{advance, finish, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobState};
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};

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
                    delete_range(txn, &crate::codec::keys::table_prefix(t.id))?;
                    txn.delete(meta::table_key(db.id, t.id));
                }
                txn.delete(meta::db_key(db.id));
                finish(job, JobState::Done, SchemaState::None)
            }
        }
    }

    fn is_rollbackable(&self, state: SchemaState) -> bool {
        state == SchemaState::Public
    }
}

/// Deletes every key under `prefix` inside the transaction (small tables only: large ones
/// are cleaned in batches by the reorg cleanup).
fn delete_range(txn: &mut dyn Transaction, prefix: &[u8]) -> Result<()> {
    let mut range = KeyRange::prefix(prefix);
    loop {
        let batch = txn.scan(&range, 1024, false)?;
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        let mut next = last.clone();
        next.push(0);
        range.start = next;
        for (k, _) in batch {
            txn.delete(k);
        }
    }
}
