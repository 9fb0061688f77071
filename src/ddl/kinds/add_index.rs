//! ADD INDEX: none -> delete only -> write only -> write reorganization (backfill) -> public.
//! A failed or cancelled ADD INDEX walks back: delete only -> delete reorganization -> none.
//!
//! The backfill is `txn` (transactions over ranges of rows, DML writing the index) or, with
//! `tidb_ddl_enable_fast_reorg` on, `ingest`: from delete only on, DML writes the temporary
//! index (`running`); in write reorganization a snapshot is sorted and ingested, then every
//! node writes both indexes (`ready to merge`), the temporary index is merged (`merging`)
//! and removed (`inapplicable`), and the index turns public (TiDB's BackfillState walk).
//! When ingest cannot be set up the job falls back to `txn-merge`: the same walk, with a
//! transactional backfill into the temporary index instead of the ingest. On a table with
//! no rows when the job starts, the job is `txn` whatever was asked: nothing to sort.
//!
//! Either way the index turns public only after it is verified: its entry count and a
//! checksum over its entries equal those computed from the rows at one snapshot.

use super::{
    advance, finish, load_table, remove_index, reorg_done, reorg_verified, reset_reorg, JobKind,
    Reorg, Step,
};
use crate::catalog::{meta, BackfillState, SchemaState, TableInfo};
use crate::ddl::delete_range;
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct AddIndex;

impl JobKind for AddIndex {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::AddIndex { index, columns, .. } = &job.args else {
            return Err(Error::internal("add index job without its index"));
        };
        let (index, columns) = (index.clone(), columns.clone());
        let mut table = load_table(txn, job)?;
        if job.schema_state == SchemaState::None {
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
            if ix.primary {
                primary_key_columns(txn, job, &mut table, &ix.columns)?;
            }
            ix.id = table.next_index_id;
            table.next_index_id += 1;
            if uses_temp_index(job) && is_empty(txn, &table)? {
                // Nothing to sort and ingest: the transactional backfill walks four schema
                // versions instead of seven, with no temporary index to merge (DML written
                // meanwhile is backfilled either way).
                job.reorg_type = Some("txn".into());
                job.dist_reorg = false;
            }
            if uses_temp_index(job) {
                ix.backfill = BackfillState::Running;
            } else {
                job.reorg_type = Some("txn".into());
            }
            advance(job, &mut ix.state, SchemaState::DeleteOnly);
            table.indexes.push(ix);
            reset_reorg(txn, job);
        } else {
            let Some(ix) = table
                .indexes
                .iter_mut()
                .find(|i| i.name.eq_ignore_ascii_case(&index.name))
            else {
                return Err(Error::internal("the index being added vanished"));
            };
            match job.schema_state {
                SchemaState::DeleteOnly => advance(job, &mut ix.state, SchemaState::WriteOnly),
                SchemaState::WriteOnly => {
                    advance(job, &mut ix.state, SchemaState::WriteReorganization);
                }
                SchemaState::WriteReorganization if uses_temp_index(job) => {
                    let (index_id, backfill) = (ix.id, ix.backfill);
                    let done = reorg_done(txn, job)?;
                    let work = |table| Box::new(table);
                    match backfill {
                        BackfillState::Running if !done => {
                            let table = work(table);
                            return Ok(Step::Reorg(if is_txn_merge(job) {
                                Reorg::Backfill { table, index_id }
                            } else {
                                Reorg::Ingest { table, index_id }
                            }));
                        }
                        BackfillState::Running => {
                            ix.backfill = BackfillState::ReadyToMerge;
                            reset_reorg(txn, job);
                        }
                        BackfillState::ReadyToMerge => ix.backfill = BackfillState::Merging,
                        BackfillState::Merging if !done => {
                            return Ok(Step::Reorg(Reorg::Merge {
                                table: work(table),
                                index_id,
                            }));
                        }
                        BackfillState::Merging => {
                            ix.backfill = BackfillState::Inapplicable;
                            reset_reorg(txn, job);
                        }
                        BackfillState::Inapplicable if !reorg_verified(txn, job)? => {
                            return Ok(Step::Reorg(Reorg::Verify {
                                table: work(table),
                                index_id,
                            }));
                        }
                        // Every node writes the index alone since the last step: its
                        // temporary index goes.
                        BackfillState::Inapplicable => {
                            check_primary_not_null(txn, &table, index_id)?;
                            let Some(ix) = table.indexes.iter_mut().find(|i| i.id == index_id)
                            else {
                                return Err(Error::internal("the index being added vanished"));
                            };
                            delete_range::add_temp_index(txn, job, table.id, index_id);
                            advance(job, &mut ix.state, SchemaState::Public);
                            job.state = JobState::Done;
                        }
                    }
                }
                SchemaState::WriteReorganization => {
                    let index_id = ix.id;
                    // Every node writes the index since write only, and no transaction
                    // from before holds the table (the metadata lock): with no row now,
                    // every row to come gets its entry from DML. Nothing to build or check.
                    let nothing_to_build = is_empty(txn, &table)?;
                    if !nothing_to_build && !reorg_done(txn, job)? {
                        return Ok(Step::Reorg(Reorg::Backfill {
                            table: Box::new(table),
                            index_id,
                        }));
                    }
                    if !nothing_to_build && !reorg_verified(txn, job)? {
                        return Ok(Step::Reorg(Reorg::Verify {
                            table: Box::new(table),
                            index_id,
                        }));
                    }
                    check_primary_not_null(txn, &table, index_id)?;
                    let Some(ix) = table.indexes.iter_mut().find(|i| i.id == index_id) else {
                        return Err(Error::internal("the index being added vanished"));
                    };
                    advance(job, &mut ix.state, SchemaState::Public);
                    job.state = JobState::Done;
                }
                _ => return Err(Error::internal("add index job in an unexpected state")),
            }
        }
        meta::put_table(txn, &table);
        Ok(Step::SchemaChanged)
    }

    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::AddIndex { index, .. } = &job.args else {
            return Err(Error::internal("add index job without its index"));
        };
        let name = index.name.clone();
        let Ok(mut table) = load_table(txn, job) else {
            return finish(job, JobState::RollbackDone, SchemaState::None);
        };
        let Some(pos) = table
            .indexes
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(&name) && i.state != SchemaState::Public)
        else {
            return finish(job, JobState::RollbackDone, SchemaState::None);
        };
        let ix = &mut table.indexes[pos];
        // Going back, DML writes the index itself again (its deletes must reach it).
        ix.backfill = BackfillState::Inapplicable;
        match ix.state {
            SchemaState::DeleteOnly => {
                advance(job, &mut ix.state, SchemaState::DeleteReorganization);
                reset_reorg(txn, job);
            }
            SchemaState::DeleteReorganization => {
                if let JobArgs::AddIndex { made_not_null, .. } = &job.args {
                    for c in table.columns.iter_mut() {
                        if made_not_null.contains(&c.id) {
                            c.nullable = true;
                        }
                    }
                }
                return remove_index(txn, job, table, pos, JobState::RollbackDone);
            }
            _ => advance(job, &mut ix.state, SchemaState::DeleteOnly),
        }
        meta::put_table(txn, &table);
        Ok(Step::SchemaChanged)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state != SchemaState::Public
    }

    fn is_reorg(&self) -> bool {
        true
    }

    /// Built, merged and verified: the next step makes the index public.
    fn holds(&self, txn: &dyn Transaction, job: &Job) -> Result<bool> {
        if job.schema_state != SchemaState::WriteReorganization {
            return Ok(false);
        }
        let JobArgs::AddIndex { index, .. } = &job.args else {
            return Err(Error::internal("add index job without its index"));
        };
        let table = load_table(txn, job)?;
        let merged = table
            .index_by_name(&index.name)
            .is_some_and(|ix| ix.backfill == BackfillState::Inapplicable);
        Ok(merged && (reorg_verified(txn, job)? || is_empty(txn, &table)?))
    }
}

/// ADD PRIMARY KEY, as it starts: none there yet (1068), no NULL in its columns (1138),
/// which become NOT NULL (the job remembers which, to undo it on rollback).
fn primary_key_columns(
    txn: &dyn Transaction,
    job: &mut Job,
    table: &mut TableInfo,
    columns: &[usize],
) -> Result<()> {
    if table.handle_column.is_some() || table.indexes.iter().any(|i| i.primary) {
        return Err(Error::new(1068, "42000", "Multiple primary key defined"));
    }
    check_not_null(txn, table, columns)?;
    let mut made = Vec::new();
    for &c in columns {
        if table.columns[c].nullable {
            table.columns[c].nullable = false;
            made.push(table.columns[c].id);
        }
    }
    if let JobArgs::AddIndex { made_not_null, .. } = &mut job.args {
        *made_not_null = made;
    }
    Ok(())
}

/// Before a primary key turns public: no row holds NULL in it (one may have been written
/// by a node that did not yet know its columns were NOT NULL).
fn check_primary_not_null(txn: &dyn Transaction, table: &TableInfo, index_id: i64) -> Result<()> {
    match table.index_by_id(index_id) {
        Some(ix) if ix.primary => check_not_null(txn, table, &ix.columns),
        _ => Ok(()),
    }
}

/// 1138 when a row holds NULL in one of `columns`.
fn check_not_null(txn: &dyn Transaction, table: &TableInfo, columns: &[usize]) -> Result<()> {
    if super::any_null(txn, table, columns)? {
        return Err(Error::new(1138, "22004", "Invalid use of NULL value"));
    }
    Ok(())
}

/// Whether DML writes the temporary index while the job builds its index: by ingest
/// (chosen when it was submitted), or by txn-merge (ingest could not be set up).
fn uses_temp_index(job: &Job) -> bool {
    matches!(job.reorg_type.as_deref(), Some("ingest" | "txn-merge"))
}

/// Whether the table has no row at the step's snapshot.
fn is_empty(txn: &dyn Transaction, table: &crate::catalog::TableInfo) -> Result<bool> {
    let table = crate::table::Table::new(std::sync::Arc::new(table.clone()));
    Ok(table.handle_bounds(txn)?.is_none())
}

fn is_txn_merge(job: &Job) -> bool {
    job.reorg_type.as_deref() == Some("txn-merge")
}
