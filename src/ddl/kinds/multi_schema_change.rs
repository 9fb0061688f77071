//! A multi-schema change: one ALTER TABLE with several changes, run as one job whose
//! sub-jobs are jobs of their own kinds, all or nothing (TiDB's `onMultiSchemaChange`).
//!
//! 1. **Revertible phase**: the sub-jobs advance one step at a time, left to right, each up
//!    to the last state from which it can still go back ([`JobKind::holds`]: an added
//!    column in write only, an added index built, merged and verified; a drop holds before
//!    it starts). A failure or ADMIN CANCEL here rolls every started sub-job back, the
//!    latest first, and the table is as it was.
//! 2. **Non-revertible phase**: once every sub-job holds, each step advances every
//!    unfinished sub-job together, in one transaction and one schema version: the added
//!    columns and indexes turn public at once, the drops walk down in lockstep. From here
//!    the job can no longer be cancelled (8226).
//!
//! A sub-job runs as a proxy: a copy of the parent job with the sub-job's kind, arguments
//! and states, so each kind's walk is the one a job of its own would take. The builds of
//! several added indexes run one after the other under the parent's reorg record; a built
//! index keeps a copy of its record until it turns public.

use super::{finish, JobKind, Step};
use crate::catalog::SchemaState;
use crate::ddl::job::{Action, Job, JobArgs, JobState, JobWarning, MultiSchemaInfo, SubJob};
use crate::ddl::queue;
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct MultiSchemaChange;

impl JobKind for MultiSchemaChange {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut info = info(job)?;
        let step = if info.revertible {
            revertible_step(txn, job, &mut info)
        } else {
            final_step(txn, job, &mut info)
        };
        job.warnings = Vec::new();
        for w in info.subs.iter().flat_map(|s| &s.warnings) {
            JobWarning::add(&mut job.warnings, &w.first, w.count);
        }
        job.args = JobArgs::MultiSchemaChange(info);
        step
    }

    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut info = info(job)?;
        let step = rollback_step(txn, job, &mut info);
        job.args = JobArgs::MultiSchemaChange(info);
        step
    }

    /// Until every sub-job reached its last revertible state.
    fn is_rollbackable(&self, job: &Job) -> bool {
        matches!(&job.args, JobArgs::MultiSchemaChange(info) if info.revertible)
    }

    fn is_reorg(&self) -> bool {
        true
    }
}

fn info(job: &Job) -> Result<MultiSchemaInfo> {
    match &job.args {
        JobArgs::MultiSchemaChange(info) => Ok(info.clone()),
        _ => Err(Error::internal(
            "multi-schema change job without its sub-jobs",
        )),
    }
}

/// Advances the first sub-job that does not hold yet by one step; when all hold, the job
/// turns non-revertible and takes its first non-revertible step at once.
fn revertible_step(
    txn: &mut dyn Transaction,
    job: &mut Job,
    info: &mut MultiSchemaInfo,
) -> Result<Step> {
    for sub in info.subs.iter_mut().filter(|s| !s.held) {
        let kind = super::of(sub.action);
        let mut proxy = proxy(job, sub, JobState::Running);
        if kind.holds(txn, &proxy)? {
            sub.held = true;
            if kind.is_reorg() {
                sub.reorg = Some(queue::get_reorg(txn, job.id)?);
            }
            continue;
        }
        let step = kind.forward(txn, &mut proxy)?;
        absorb(job, sub, &proxy);
        return Ok(step);
    }
    info.revertible = false;
    final_step(txn, job, info)
}

/// Advances every unfinished sub-job by one step in this one transaction.
fn final_step(
    txn: &mut dyn Transaction,
    job: &mut Job,
    info: &mut MultiSchemaInfo,
) -> Result<Step> {
    let mut changed = false;
    // Dropped indexes go first, so that a column they cover can be dropped in the same
    // step; added columns and indexes turn public before the drops start, so that the
    // drops see the columns the table keeps.
    let mut order: Vec<&mut SubJob> = info.subs.iter_mut().collect();
    order.sort_by_key(|s| match s.action {
        Action::DropIndex | Action::DropPrimaryKey => 0,
        Action::AddColumn | Action::AddIndex | Action::AddPrimaryKey => 1,
        _ => 2,
    });
    for sub in order.into_iter().filter(|s| s.state != JobState::Done) {
        let kind = super::of(sub.action);
        if let Some(reorg) = &sub.reorg {
            queue::put_reorg(txn, job.id, reorg);
        }
        let mut proxy = proxy(job, sub, JobState::Running);
        match kind.forward(txn, &mut proxy)? {
            Step::SchemaChanged => {
                absorb(job, sub, &proxy);
                changed = true;
            }
            // Not expected past the revertible phase: run it alone, in a step of its own.
            Step::Reorg(work) if !changed => {
                absorb(job, sub, &proxy);
                return Ok(Step::Reorg(work));
            }
            Step::Reorg(_) => break,
        }
    }
    if info.subs.iter().all(|s| s.state == JobState::Done) {
        return finish(job, JobState::Done, SchemaState::None);
    }
    Ok(Step::SchemaChanged)
}

/// Rolls back the latest started sub-job by one step; sub-jobs never started are
/// cancelled; when none is left the job is rolled back.
fn rollback_step(
    txn: &mut dyn Transaction,
    job: &mut Job,
    info: &mut MultiSchemaInfo,
) -> Result<Step> {
    for sub in info.subs.iter_mut().rev() {
        match sub.state {
            JobState::RollbackDone | JobState::Cancelled | JobState::Done => continue,
            _ if sub.schema_state == SchemaState::None => {
                sub.state = JobState::Cancelled;
                continue;
            }
            _ => {}
        }
        let mut proxy = proxy(job, sub, JobState::RollingBack);
        let step = super::of(sub.action).rollback(txn, &mut proxy)?;
        absorb(job, sub, &proxy);
        return Ok(step);
    }
    finish(job, JobState::RollbackDone, SchemaState::None)
}

/// The job a sub-job would be on its own.
/// `mode` is `Running` going forward, `RollingBack` going back.
fn proxy(parent: &Job, sub: &SubJob, mode: JobState) -> Job {
    let mut proxy = parent.clone();
    proxy.action = sub.action;
    proxy.args = sub.args.clone();
    proxy.state = match sub.state {
        _ if mode == JobState::RollingBack => JobState::RollingBack,
        JobState::Queueing | JobState::None => JobState::Running,
        state => state,
    };
    proxy.schema_state = sub.schema_state;
    proxy.row_count = sub.row_count;
    proxy.warnings = sub.warnings.clone();
    proxy
}

/// Takes back what a step did to the proxy. The parent shows the state the latest step
/// reached (it stays past `none` once anything started, so a failure rolls back).
fn absorb(parent: &mut Job, sub: &mut SubJob, proxy: &Job) {
    sub.state = proxy.state;
    sub.schema_state = proxy.schema_state;
    sub.row_count = proxy.row_count;
    sub.args = proxy.args.clone();
    parent.reorg_type = proxy.reorg_type.clone();
    sub.warnings.clone_from(&proxy.warnings);
    parent.row_count = parent.row_count.max(proxy.row_count);
    if proxy.schema_state != SchemaState::None {
        parent.schema_state = proxy.schema_state;
    }
}
