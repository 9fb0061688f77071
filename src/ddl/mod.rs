//! Online schema change, the way TiDB runs it.
//!
//! Every DDL statement becomes a [`Job`] persisted in the store's queue (`queue`). The
//! submitting session then waits for the job to reach the history and returns its result,
//! whichever node runs it. One node at a time is the DDL owner (`owner`, a lease in the
//! store); its worker (`worker`) runs runnable jobs step by step. Each step commits the new
//! schema, the job's new state and a bumped global schema version in ONE transaction, then
//! waits until every live node has loaded that version and no transaction uses an older
//! one (`syncer`), so nodes never work more than one version apart. Index and column states
//! walk TiDB's path, one file per kind of job (`kinds`), run by `runner`; ADD INDEX backfills existing rows in write reorganization
//! with checkpoints (`backfill`), so an interrupted job resumes where it stopped.

pub mod backfill;
pub mod control;
pub mod delete_range;
pub mod dist;
pub mod ingest;
pub mod job;
mod job_threads;
mod kinds;
pub mod owner;
pub mod progress;
pub mod queue;
mod runner;
pub mod syncer;
mod throttle;
mod verify;
pub mod worker;

pub use job::{Action, Job, JobArgs, JobState};
pub use kinds::{check_modify_column, convert_columns_to};

use std::time::Duration;

use crate::catalog::meta;
use crate::domain::Domain;
use crate::error::{Error, Result};

/// Persists `job` in the queue and wakes the owner; returns the job id.
pub fn submit(domain: &Domain, mut job: Job) -> Result<i64> {
    loop {
        let mut txn = domain.store.begin()?;
        job.id = meta::allocate_ids(txn.as_mut(), 1)?;
        job.create_time = job::now_micros();
        queue::enqueue_job(txn.as_mut(), &job)?;
        // Durable with the job's first step, before anything is acknowledged.
        match txn.commit_unsynced() {
            Ok(_) => break,
            Err(crate::kv::Error::WriteConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(job_id = job.id, job_type = job.action.as_str(), query = %job.query, "DDL job submitted");
    domain.events.queue_changed();
    Ok(job.id)
}

/// Waits until job `id` is in the history; returns its error if it failed or was cancelled.
/// `cancelled` is asked between polls: a KILLed session stops waiting.
pub fn wait(domain: &Domain, id: i64, cancelled: &dyn Fn() -> bool) -> Result<Job> {
    loop {
        let seen = domain.events.queue.generation();
        let txn = domain.store.begin()?;
        if let Some(job) = queue::get_history(txn.as_ref(), id)? {
            drop(txn);
            // The session's next statement must see the new schema.
            domain.reload_schema()?;
            return match (&job.state, &job.error) {
                (JobState::Synced, _) => Ok(job),
                (_, Some(e)) => Err(e.to_error()),
                _ => Err(Error::Cancelled),
            };
        }
        drop(txn);
        if cancelled() {
            return Err(Error::Interrupted);
        }
        domain.events.queue.wait(seen, Duration::from_millis(50));
    }
}

/// Submits a job and waits for it.
pub fn run(domain: &Domain, job: Job) -> Result<Job> {
    let id = submit(domain, job)?;
    wait(domain, id, &|| false)
}
