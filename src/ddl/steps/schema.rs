//! Logical DDL: CREATE/DROP DATABASE, CREATE/DROP/TRUNCATE/RENAME TABLE.

use super::{load_table, reorg_done, reset_reorg, Reorg, Step};
use crate::catalog::{meta, DatabaseInfo, SchemaState};
use crate::ddl::job::{Action, Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};

fn done(job: &mut Job, state: SchemaState) -> Result<Step> {
    job.state = JobState::Done;
    job.schema_state = state;
    Ok(Step::SchemaChanged)
}

pub(super) fn forward_schema(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    match &job.args {
        JobArgs::CreateSchema { name } => {
            let name = name.clone();
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
                    charset: "utf8mb4".into(),
                    collation: "utf8mb4_bin".into(),
                    state: SchemaState::Public,
                },
            );
            job.db_id = id;
            done(job, SchemaState::Public)
        }
        JobArgs::DropSchema => {
            let Some(mut db) = meta::load_databases(txn)?
                .into_iter()
                .find(|d| d.id == job.db_id)
            else {
                return Err(Error::drop_missing_database(&job.db_name));
            };
            match job.schema_state {
                SchemaState::None => {
                    db.state = SchemaState::WriteOnly;
                    meta::put_database(txn, &db);
                    job.schema_state = SchemaState::WriteOnly;
                    Ok(Step::SchemaChanged)
                }
                _ => {
                    for t in meta::load_tables(txn, db.id)? {
                        delete_range(txn, &crate::codec::keys::table_prefix(t.id))?;
                        txn.delete(meta::table_key(db.id, t.id));
                    }
                    txn.delete(meta::db_key(db.id));
                    done(job, SchemaState::None)
                }
            }
        }
        _ => Err(Error::internal("schema job with foreign arguments")),
    }
}

pub(super) fn forward_table(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    match job.action {
        Action::CreateTable => {
            let JobArgs::CreateTable { table } = &job.args else {
                return Err(Error::internal("create table job without its table"));
            };
            let mut table = (**table).clone();
            if meta::load_tables(txn, job.db_id)?
                .iter()
                .any(|t| t.name.eq_ignore_ascii_case(&table.name))
            {
                return Err(Error::table_exists(&table.name));
            }
            table.id = meta::allocate_ids(txn, 1)?;
            table.db_id = job.db_id;
            table.state = SchemaState::Public;
            meta::put_table(txn, &table);
            job.table_id = table.id;
            done(job, SchemaState::Public)
        }
        Action::DropTable => {
            let mut table = load_table(txn, job)?;
            match job.schema_state {
                SchemaState::None => {
                    table.state = SchemaState::WriteOnly;
                    job.schema_state = SchemaState::WriteOnly;
                }
                SchemaState::WriteOnly => {
                    table.state = SchemaState::DeleteOnly;
                    job.schema_state = SchemaState::DeleteOnly;
                    reset_reorg(txn, job);
                }
                _ => {
                    if !reorg_done(txn, job)? {
                        return Ok(Step::Reorg(Reorg::CleanupTable { table_id: table.id }));
                    }
                    txn.delete(meta::table_key(table.db_id, table.id));
                    return done(job, SchemaState::None);
                }
            }
            meta::put_table(txn, &table);
            Ok(Step::SchemaChanged)
        }
        Action::TruncateTable => match job.schema_state {
            // The table gets a new id at once; the old id's data is removed afterwards.
            SchemaState::None => {
                let mut table = load_table(txn, job)?;
                txn.delete(meta::table_key(table.db_id, table.id));
                table.id = meta::allocate_ids(txn, 1)?;
                meta::put_table(txn, &table);
                job.schema_state = SchemaState::DeleteOnly;
                reset_reorg(txn, job);
                Ok(Step::SchemaChanged)
            }
            _ => {
                if !reorg_done(txn, job)? {
                    return Ok(Step::Reorg(Reorg::CleanupTable {
                        table_id: job.table_id,
                    }));
                }
                done(job, SchemaState::Public)
            }
        },
        Action::RenameTable => {
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
            table.name = new_name;
            meta::put_table(txn, &table);
            done(job, SchemaState::Public)
        }
        // Table options: metadata only, none -> public in one step.
        Action::ModifyTableComment | Action::ModifyTableCharsetAndCollate => {
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
            done(job, SchemaState::Public)
        }
        _ => Err(Error::internal("table job with foreign action")),
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
