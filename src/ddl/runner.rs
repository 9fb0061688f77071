//! Running one job: a loop of steps of its kind (`kinds`), each committed with the schema it
//! changes and a new schema version, each followed by a wait until every node has that
//! version; reorg work in between.

use std::sync::Arc;

use super::job::{Action, Job, JobState};
use super::kinds::{self, Reorg, Step};
use super::{backfill, dist, ingest, queue, syncer, throttle, verify};
use crate::catalog::{meta, SchemaState};
use crate::domain::Domain;
use crate::error::{Error, Result, SavedError};
use crate::kv::Transaction;

pub fn run_job(domain: &Arc<Domain>, id: i64) {
    if let Err(e) = drive(domain, id) {
        tracing::warn!(job_id = id, error = %e, "DDL job paused by an error; it resumes on the next schedule");
    }
}

fn drive(domain: &Arc<Domain>, id: i64) -> Result<()> {
    let job = {
        let txn = domain.store.begin()?;
        queue::get_job(txn.as_ref(), id)?
    };
    let Some(job) = job else { return Ok(()) };
    let mut version = job.schema_version;
    loop {
        if domain.is_stopped() || !domain.ownership.is_owner() {
            return Ok(());
        }
        if version > 0 {
            domain.events.set_sync_target(version);
            let keep_going = || !domain.is_stopped() && domain.ownership.is_owner();
            let tables = locked_tables(domain, &job);
            let synced = syncer::wait_synced(domain, version, &tables, &keep_going);
            domain.events.set_sync_target(0);
            synced?;
        }
        match step_once(domain, id)? {
            Some(next) => version = next,
            None => return Ok(()),
        }
    }
}

/// The tables whose transactions a step of `job` waits for (the metadata lock): the job's
/// table, or every table of a dropped database; none with `tidb_enable_metadata_lock` off
/// (a transaction then fails with 8028 at its commit if a table it wrote moved on).
fn locked_tables(domain: &Domain, job: &Job) -> Vec<i64> {
    if !domain.metadata_lock_enabled() {
        return Vec::new();
    }
    if job.table_id != 0 {
        return vec![job.table_id];
    }
    match job.action {
        Action::DropSchema => domain
            .catalog
            .snapshot()
            .tables_by_db_id(job.db_id)
            .iter()
            .map(|t| t.id)
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs one step of job `id`; returns the schema version every node must have loaded before
/// the next step (the job's, as this step left or found it), or None when the job needs
/// nothing more from this thread.
fn step_once(domain: &Arc<Domain>, id: i64) -> Result<Option<u64>> {
    let mut txn = domain.store.begin()?;
    let Some(mut job) = queue::get_job(txn.as_ref(), id)? else {
        return Ok(None);
    };
    let stored_state = job.state;
    match job.state {
        JobState::Paused => return Ok(None),
        JobState::Pausing => {
            // A distributed build stops on every node before the job is paused.
            if job.dist_reorg && !dist::pause_task(domain, id)? {
                return Ok(None);
            }
            job.state = JobState::Paused;
            commit_job(domain, txn, &job)?;
            verify::release_snapshot(job.id);
            throttle::forget(job.id);
            return Ok(None);
        }
        JobState::Done | JobState::RollbackDone | JobState::Cancelled => {
            if job.state == JobState::Done {
                job.state = JobState::Synced;
            }
            job.end_time.get_or_insert_with(super::job::now_micros);
            queue::finish_job(txn.as_mut(), &job)?;
            // The change itself is durable (the step before): after a crash here the job
            // is finished again.
            let moved = match txn.commit_unsynced() {
                Ok(_) => true,
                Err(crate::kv::Error::WriteConflict) => false,
                Err(e) => return Err(e.into()),
            };
            verify::release_snapshot(job.id);
            throttle::forget(job.id);
            if moved {
                tracing::info!(
                    job_id = job.id,
                    job_type = job.action.as_str(),
                    state = job.state.as_str(),
                    "DDL job finished"
                );
                domain.events.queue_changed();
                if job.action.is_reorg() {
                    ingest::remove_job_dirs(domain, job.id);
                }
            }
            return Ok(None);
        }
        JobState::Cancelling => {
            // A distributed build stops on every node before the job rolls back.
            if job.dist_reorg && !dist::end_task(domain, id)? {
                return Ok(None);
            }
            let cancelled = Error::Cancelled;
            job.error = Some(SavedError::from(&cancelled));
            job.state = if job.start_time.is_none() || job.schema_state == SchemaState::None {
                JobState::Cancelled
            } else {
                JobState::RollingBack
            };
            commit_job(domain, txn, &job)?;
            return Ok(Some(job.schema_version));
        }
        JobState::Queueing | JobState::None => {
            job.state = JobState::Running;
            job.start_time.get_or_insert_with(super::job::now_micros);
        }
        _ => {}
    }
    let started = stored_state != job.state;
    let kind = kinds::of(job.action);
    let result = if job.state == JobState::RollingBack {
        kind.rollback(txn.as_mut(), &mut job)
    } else {
        kind.forward(txn.as_mut(), &mut job)
    };
    match result {
        Ok(Step::SchemaChanged) => {
            let found = job.schema_version;
            job.schema_version = meta::bump_schema_version(txn.as_mut())?;
            let committed = if job.state.is_finished() {
                commit_job(domain, txn, &job)?
            } else {
                commit_step(domain, txn, &job)?
            };
            // A step that lost to another writer of the job (ADMIN PAUSE or CANCEL, another
            // owner) published no version: the next step starts from the one found.
            Ok(Some(if committed { job.schema_version } else { found }))
        }
        Ok(Step::Reorg(work)) => {
            // A job started or resumed right into reorg work is running from now on: the
            // work stops as soon as it reads any other state.
            if started {
                queue::put_job(txn.as_mut(), &job);
                if !commit(txn)? {
                    return Ok(Some(job.schema_version));
                }
            } else {
                drop(txn);
            }
            run_reorg(domain, &mut job, work)?;
            Ok(Some(job.schema_version))
        }
        Err(Error::WriteConflict { .. }) => Ok(Some(job.schema_version)),
        Err(e) => {
            drop(txn);
            fail(domain, id, &e)?;
            Ok(Some(job.schema_version))
        }
    }
}

/// Records a job's failure: it rolls back what it did (or just ends, if nothing was done).
fn fail(domain: &Domain, id: i64, e: &Error) -> Result<()> {
    let dist_reorg = {
        let txn = domain.store.begin()?;
        queue::get_job(txn.as_ref(), id)?.is_some_and(|j| j.dist_reorg)
    };
    // A distributed build stops on every node before the job rolls back.
    if dist_reorg && !dist::end_task(domain, id)? {
        return Ok(());
    }
    let txn = domain.store.begin()?;
    let Some(mut job) = queue::get_job(txn.as_ref(), id)? else {
        return Ok(());
    };
    tracing::warn!(job_id = id, error = %e, "DDL job failed, rolling back");
    job.error = Some(SavedError::from(e));
    job.state = if job.schema_state == SchemaState::None || job.state == JobState::RollingBack {
        JobState::RollbackDone
    } else {
        JobState::RollingBack
    };
    commit_job(domain, txn, &job).map(|_| ())
}

fn commit(txn: Box<dyn Transaction>) -> Result<bool> {
    match txn.commit() {
        Ok(_) => Ok(true),
        Err(crate::kv::Error::WriteConflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Commits `job` with what `txn` wrote; false when another writer got there first.
fn commit_job(domain: &Domain, mut txn: Box<dyn Transaction>, job: &Job) -> Result<bool> {
    queue::put_job(txn.as_mut(), job);
    let committed = commit(txn)?;
    if committed {
        domain.events.notify();
        // The owner's own schema cache follows at once.
        domain.reload_schema()?;
    }
    Ok(committed)
}

/// Commits a step that does not end the job without waiting for the disk. Nothing is
/// acknowledged on the strength of it: the job's last step commits durably before the
/// client hears of the job's end, and every durable commit after this one (a DML statement
/// on the new schema, a backfill's batch) flushes it too, the store having one journal. All
/// nodes share one process and one store, so after a crash none remembers the step: the
/// job is found at the state before and takes the step again.
fn commit_step(domain: &Domain, mut txn: Box<dyn Transaction>, job: &Job) -> Result<bool> {
    queue::put_job(txn.as_mut(), job);
    match txn.commit_unsynced() {
        Ok(_) => {
            domain.events.notify();
            domain.reload_schema()?;
            Ok(true)
        }
        Err(crate::kv::Error::WriteConflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn run_reorg(domain: &Arc<Domain>, job: &mut Job, work: Reorg) -> Result<()> {
    let result = match &work {
        Reorg::Backfill { table, index_id } => {
            backfill::backfill_index(domain, job, table, *index_id)
        }
        Reorg::Ingest { table, index_id } if job.dist_reorg => {
            dist::build(domain, job, table, *index_id, dist::Phase::Ingest)
        }
        Reorg::Ingest { table, index_id } => ingest::ingest_index(domain, job, table, *index_id),
        Reorg::Merge { table, index_id } if job.dist_reorg => {
            dist::build(domain, job, table, *index_id, dist::Phase::Merge)
        }
        Reorg::Merge { table, index_id } => ingest::merge_temp_index(domain, job, table, *index_id),
        Reorg::Verify { table, index_id } => verify::verify_index(domain, job, table, *index_id),
        Reorg::Generate { table, column_id } => {
            backfill::backfill_generated(domain, job, table, *column_id)
        }
        Reorg::Convert { table, column_id } => {
            backfill::backfill_converted(domain, job, table, *column_id)
        }
    };
    release_memory();
    match result {
        Ok(backfill::Outcome::Done(rows)) => {
            let mut txn = domain.store.begin()?;
            let mut reorg = queue::get_reorg(txn.as_ref(), job.id)?;
            match work {
                Reorg::Verify { .. } => reorg.verified = true,
                Reorg::Backfill { .. }
                | Reorg::Ingest { .. }
                | Reorg::Merge { .. }
                | Reorg::Generate { .. }
                | Reorg::Convert { .. } => {
                    reorg.done = true;
                    reorg.row_count = reorg.row_count.max(rows);
                }
            }
            reorg.progress = None;
            queue::put_reorg(txn.as_mut(), job.id, &reorg);
            commit(txn)?;
            Ok(())
        }
        Ok(backfill::Outcome::Interrupted) => Ok(()),
        // A build that fails (a duplicate, a full disk, a wrong index) fails the job, which
        // rolls back.
        Err(e)
            if matches!(
                work,
                Reorg::Backfill { .. }
                    | Reorg::Ingest { .. }
                    | Reorg::Merge { .. }
                    | Reorg::Verify { .. }
                    | Reorg::Generate { .. }
                    | Reorg::Convert { .. }
            ) =>
        {
            fail(domain, job.id, &e)
        }
        Err(e) => Err(e),
    }
}

/// Hands the memory a reorg step freed (sort buffers, readers' batches) back to the system:
/// glibc keeps freed memory in per-thread arenas, and the readers of every build are new
/// threads, so without this the server's RSS grew by each build's peak.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
