//! ADD INDEX: none -> delete only -> write only -> write reorganization (backfill) -> public.
//! DROP INDEX: public -> write only -> delete only -> delete reorganization -> none.
//! A failed or cancelled ADD INDEX walks back: delete only -> delete reorganization -> none.

use super::{load_table, reorg_done, reset_reorg, Reorg, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

fn can_not_drop(name: &str) -> Error {
    Error::new(
        1091,
        "42000",
        format!("Can't DROP '{name}'; check that column/key exists"),
    )
}

pub(super) fn add_forward(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    let JobArgs::AddIndex { index, columns } = &job.args else {
        return Err(Error::internal("add index job without its index"));
    };
    let (index, columns) = (index.clone(), columns.clone());
    let mut table = load_table(txn, job)?;
    let state = job.schema_state;
    if state == SchemaState::None {
        if table.index_by_name(&index.name).is_some() {
            return Err(Error::duplicate_key_name(&index.name));
        }
        let mut ix = index;
        ix.columns = columns
            .iter()
            .map(|c| {
                table
                    .column_by_name(c)
                    .filter(|(_, col)| col.state == SchemaState::Public)
                    .map(|(i, _)| i)
                    .ok_or_else(|| {
                        Error::new(
                            1072,
                            "42000",
                            format!("Key column '{c}' doesn't exist in table"),
                        )
                    })
            })
            .collect::<Result<_>>()?;
        ix.id = table.next_index_id;
        ix.state = SchemaState::DeleteOnly;
        table.next_index_id += 1;
        table.indexes.push(ix);
        job.schema_state = SchemaState::DeleteOnly;
        reset_reorg(txn, job);
    } else {
        let Some(ix) = table
            .indexes
            .iter_mut()
            .find(|i| i.name.eq_ignore_ascii_case(&index.name))
        else {
            return Err(Error::internal("the index being added vanished"));
        };
        match state {
            SchemaState::DeleteOnly => {
                ix.state = SchemaState::WriteOnly;
                job.schema_state = SchemaState::WriteOnly;
            }
            SchemaState::WriteOnly => {
                ix.state = SchemaState::WriteReorganization;
                job.schema_state = SchemaState::WriteReorganization;
                job.reorg_type = Some("txn".into());
            }
            SchemaState::WriteReorganization => {
                if !reorg_done(txn, job)? {
                    let index_id = ix.id;
                    return Ok(Step::Reorg(Reorg::Backfill {
                        table: Box::new(table),
                        index_id,
                    }));
                }
                ix.state = SchemaState::Public;
                job.schema_state = SchemaState::Public;
                job.state = JobState::Done;
            }
            _ => return Err(Error::internal("add index job in an unexpected state")),
        }
    }
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}

pub(super) fn add_rollback(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
    let JobArgs::AddIndex { index, .. } = &job.args else {
        return Err(Error::internal("add index job without its index"));
    };
    let name = index.name.clone();
    let Ok(mut table) = load_table(txn, job) else {
        job.state = JobState::RollbackDone;
        job.schema_state = SchemaState::None;
        return Ok(Step::SchemaChanged);
    };
    let Some(pos) = table
        .indexes
        .iter()
        .position(|i| i.name.eq_ignore_ascii_case(&name) && i.state != SchemaState::Public)
    else {
        job.state = JobState::RollbackDone;
        job.schema_state = SchemaState::None;
        return Ok(Step::SchemaChanged);
    };
    let ix = &mut table.indexes[pos];
    match ix.state {
        SchemaState::DeleteOnly => {
            ix.state = SchemaState::DeleteReorganization;
            job.schema_state = SchemaState::DeleteReorganization;
            reset_reorg(txn, job);
        }
        SchemaState::DeleteReorganization => {
            if !reorg_done(txn, job)? {
                return Ok(Step::Reorg(Reorg::CleanupIndex {
                    table_id: table.id,
                    index_id: ix.id,
                }));
            }
            table.indexes.remove(pos);
            job.state = JobState::RollbackDone;
            job.schema_state = SchemaState::None;
        }
        _ => {
            ix.state = SchemaState::DeleteOnly;
            job.schema_state = SchemaState::DeleteOnly;
        }
    }
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}

pub(super) fn drop_forward(txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
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
            ix.state = SchemaState::WriteOnly;
            job.schema_state = SchemaState::WriteOnly;
        }
        SchemaState::WriteOnly => {
            ix.state = SchemaState::DeleteOnly;
            job.schema_state = SchemaState::DeleteOnly;
        }
        SchemaState::DeleteOnly => {
            ix.state = SchemaState::DeleteReorganization;
            job.schema_state = SchemaState::DeleteReorganization;
            reset_reorg(txn, job);
        }
        SchemaState::DeleteReorganization => {
            if !reorg_done(txn, job)? {
                return Ok(Step::Reorg(Reorg::CleanupIndex {
                    table_id: table.id,
                    index_id: ix.id,
                }));
            }
            table.indexes.remove(pos);
            job.schema_state = SchemaState::None;
            job.state = JobState::Done;
        }
        _ => return Err(Error::internal("drop index job in an unexpected state")),
    }
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}
