//! The DDL worker every node runs: it campaigns for ownership, and while owner it schedules
//! queued jobs and runs each runnable one on a thread of its own (`job_threads`), and
//! removes the data of dropped objects on another (`delete_range`).
//!
//! Scheduling follows TiDB since v6.2: jobs on the same table run in submission order,
//! schema-level jobs (CREATE/DROP DATABASE) exclude every job on that database, and jobs on
//! different tables run at the same time. A job waits only for earlier jobs it conflicts
//! with.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::job::{Job, JobArgs, JobState};
use super::job_threads::JobThreads;
use super::owner::{self, OWNER_LEASE_MS};
use super::{delete_range, queue};
use crate::domain::now_ms;
use crate::domain::Domain;

/// Renew the lease this often (well inside OWNER_LEASE_MS).
const RENEW_EVERY_MS: i64 = 1_000;
/// Scan the queue at least this often, whatever the process was told.
const SCHEDULE_EVERY_MS: i64 = 1_000;
/// Look for delete ranges to remove this often.
const DELETE_RANGES_EVERY_MS: i64 = 1_000;

pub fn run(domain: &Arc<Domain>) {
    let mut running = JobThreads::new(domain);
    let mut last_campaign = 0i64;
    let mut deleting: Option<JoinHandle<()>> = None;
    let mut last_delete = 0i64;
    let (mut scheduled, mut last_schedule) = (u64::MAX, 0i64);
    while !domain.is_stopped() {
        let seen = domain.events.generation();
        if now_ms() - last_campaign >= RENEW_EVERY_MS {
            let campaign_start = now_ms();
            match owner::campaign(domain.store.as_ref(), &domain.id, &domain.address) {
                Ok(true) => {
                    if !domain.ownership.is_owner() {
                        tracing::info!(node = %domain.id, "became DDL owner");
                    }
                    domain.ownership.set_until(campaign_start + OWNER_LEASE_MS);
                }
                Ok(false) => domain.ownership.set_until(0),
                Err(e) => tracing::warn!(error = %e, "DDL owner campaign failed"),
            }
            last_campaign = campaign_start;
        }
        if domain.ownership.is_owner() {
            // The queue is scanned when it changed (a job was submitted, finished, paused,
            // resumed or cancelled) or a second passed: not at every wake-up of the process.
            let queue = domain.events.queue.generation();
            if queue != scheduled || now_ms() - last_schedule >= SCHEDULE_EVERY_MS {
                scheduled = queue;
                last_schedule = now_ms();
                if let Err(e) = schedule(domain, &mut running) {
                    tracing::warn!(error = %e, "DDL scheduling failed");
                }
            }
            let idle = deleting.as_ref().is_none_or(|h| h.is_finished());
            if idle && now_ms() - last_delete >= DELETE_RANGES_EVERY_MS {
                last_delete = now_ms();
                deleting = spawn_delete_ranges(domain).or(deleting);
            }
        }
        domain.events.wait(seen, Duration::from_millis(100));
    }
    running.stop();
    if let Some(h) = deleting {
        let _ = h.join();
    }
}

/// One pass of the delete-range worker on a thread of its own (a large range takes a while).
fn spawn_delete_ranges(domain: &Arc<Domain>) -> Option<JoinHandle<()>> {
    let domain = domain.clone();
    std::thread::Builder::new()
        .name("ddl-delete-range".into())
        .spawn(move || {
            if let Err(e) = delete_range::run(&domain) {
                tracing::warn!(error = %e, "delete range failed; retried on the next pass");
            }
        })
        .inspect_err(|e| tracing::warn!(error = %e, "cannot start the delete-range worker"))
        .ok()
}

/// The objects a job locks: `(db, None)` is the whole database, `(db, Some(table))` one table.
fn objects(job: &Job) -> Vec<(i64, Option<String>)> {
    match &job.args {
        JobArgs::CreateSchema { .. } | JobArgs::DropSchema => vec![(job.db_id, None)],
        JobArgs::RenameTable { new_name } => vec![
            (job.db_id, Some(job.table_name.to_lowercase())),
            (job.db_id, Some(new_name.to_lowercase())),
        ],
        _ => vec![(job.db_id, Some(job.table_name.to_lowercase()))],
    }
}

fn conflicts(a: &(i64, Option<String>), b: &(i64, Option<String>)) -> bool {
    a.0 == b.0 && (a.1.is_none() || b.1.is_none() || a.1 == b.1)
}

fn schedule(domain: &Arc<Domain>, running: &mut JobThreads) -> crate::error::Result<()> {
    let txn = domain.store.begin()?;
    let jobs = queue::queued_jobs(txn.as_ref())?;
    drop(txn);
    let mut claimed: Vec<(i64, Option<String>)> = Vec::new();
    for job in jobs {
        let objs = objects(&job);
        let blocked = objs.iter().any(|o| claimed.iter().any(|c| conflicts(o, c)));
        claimed.extend(objs);
        if blocked || running.is_running(job.id) || job.state == JobState::Paused {
            continue;
        }
        running.start(job.id)?;
    }
    Ok(())
}
