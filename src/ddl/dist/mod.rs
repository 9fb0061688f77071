//! ADD INDEX through the distributed execution framework (`tidb_enable_dist_task = ON`
//! when the job was submitted): the job's ingest and merge run as one task,
//! `ddl/backfill/<job id>` of type `backfill` (`task_type`), whose subtasks every eligible
//! node executes. The job's own thread, on the owner, only submits the task, follows it
//! (rows and progress into the job's ROW_COUNT and COMMENTS), and steers it: ADMIN PAUSE /
//! RESUME / CANCEL of the job pause, resume and cancel the task.
//!
//! The job still walks its states itself: the task's `read-index` step fills the index
//! while the temporary index is `running`; the job then turns it to `ready to merge` and
//! `merging`, which lets the task plan `merge-temp-index`; when the task succeeds the job
//! goes on to verify and publish the index.

mod task_type;

pub use task_type::Backfill;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::backfill::{knob, save, Outcome, CHECKPOINT_EVERY};
use super::job::{Job, JobState};
use super::progress::Tracker;
use super::queue::RowsDigest;
use super::{ingest, queue};
use crate::catalog::TableInfo;
use crate::domain::Domain;
use crate::dxf::{self, Control, Step, Subtask, SubtaskState, Task, TaskState};
use crate::error::{Error, Result};

/// The framework's name for ADD INDEX builds.
pub const TASK_TYPE: &str = "backfill";
pub const STEP_READ_INDEX: Step = 1;
pub const STEP_MERGE_TEMP_INDEX: Step = 4;
/// TiDB ranks ADD INDEX tasks at 512 (1 runs first, 1024 last).
const PRIORITY: i64 = 512;

/// What a backfill task builds.
#[derive(Serialize, Deserialize)]
struct TaskMeta {
    job_id: i64,
    db_id: i64,
    table_id: i64,
    index_id: i64,
}

/// The task of job `job_id`.
pub fn task_key(job_id: i64) -> String {
    format!("ddl/backfill/{job_id}")
}

/// Which part of the build the job waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Read, sort and ingest the rows (`read-index`).
    Ingest,
    /// Replay the temporary index (`merge-temp-index`), then the task ends.
    Merge,
}

/// Runs `phase` of job `job`'s build through its task (submitting the task first) and
/// follows it until the phase is done, the task fails, or the job stops wanting it.
pub fn build(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    index_id: i64,
    phase: Phase,
) -> Result<Outcome> {
    let key = task_key(job.id);
    let mut follower = Follower::new(phase);
    if phase == Phase::Merge {
        // The job has just moved the temporary index to merging, which the dispatcher
        // waits for to plan the merge: it need not wait for its next look.
        domain.events.tasks.notify();
    }
    loop {
        let seen = domain.events.tasks.generation();
        if let Some(outcome) = steer(domain, job.id)? {
            return Ok(outcome);
        }
        let Some(task) = dxf::task(domain, &key)? else {
            if phase == Phase::Merge {
                return Err(Error::internal("the job's backfill task vanished"));
            }
            if !ingest::prepare(domain, job.id)? {
                // No place to sort: the job goes on as txn-merge, on the owner alone.
                return Ok(Outcome::Interrupted);
            }
            submit(domain, job, table, index_id)?;
            continue;
        };
        let subtasks = dxf::subtasks(domain, &task)?;
        let rows = rows(&subtasks);
        match task.state {
            TaskState::Succeed => return Ok(Outcome::Done(rows)),
            TaskState::Reverted | TaskState::Failed => {
                return Err(task
                    .error
                    .map(|e| e.to_error())
                    .unwrap_or_else(|| Error::internal("the backfill task failed")));
            }
            TaskState::Paused => {
                // The job was resumed (or paused and resumed before the task settled).
                dxf::control(domain, &key, Control::Resume)?;
            }
            _ => {}
        }
        if phase == Phase::Ingest && read_index_done(&task, &subtasks) {
            record_rows_digest(domain, job.id, index_id, &subtasks)?;
            return Ok(Outcome::Done(rows));
        }
        follower.report(domain, job.id, &task, &subtasks)?;
        domain.events.tasks.wait(seen, Duration::from_millis(100));
    }
}

fn submit(domain: &Domain, job: &Job, table: &TableInfo, index_id: i64) -> Result<Task> {
    let meta = TaskMeta {
        job_id: job.id,
        db_id: job.db_id,
        table_id: table.id,
        index_id,
    };
    let scope = dxf::service_scope(domain);
    dxf::submit(
        domain,
        &dxf::NewTask {
            key: task_key(job.id),
            task_type: TASK_TYPE,
            meta: serde_json::to_vec(&meta).unwrap_or_default(),
            concurrency: knob(domain, "tidb_ddl_reorg_worker_cnt", 4, 1, 256) as u32,
            priority: PRIORITY,
            target_scope: scope,
            nodes: Vec::new(),
        },
    )
}

/// Rows the read-index subtasks built so far.
fn rows(subtasks: &[Subtask]) -> u64 {
    subtasks
        .iter()
        .filter(|s| s.step == STEP_READ_INDEX)
        .map(|s| s.summary.row_count)
        .sum()
}

/// Keeps the sum of the read-index subtasks' digests of the rows they read in the job's
/// reorg record, for the verification before public; none when a subtask's is unknown or
/// there was no subtask (an empty table: no snapshot is known to have seen it empty).
fn record_rows_digest(
    domain: &Domain,
    job_id: i64,
    index_id: i64,
    subtasks: &[Subtask],
) -> Result<()> {
    let parts: Vec<Option<RowsDigest>> = subtasks
        .iter()
        .filter(|s| s.step == STEP_READ_INDEX)
        .map(|s| {
            serde_json::from_slice::<queue::Reorg>(&s.checkpoint)
                .ok()
                .and_then(|r| r.rows_digest)
        })
        .collect();
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job_id)?;
    reorg.rows_digest = match parts.is_empty() {
        true => None,
        false => RowsDigest::sum(index_id, &parts),
    };
    save(domain, job_id, &reorg)
}

/// The task has read and ingested every row (it waits for the job to start the merge).
fn read_index_done(task: &Task, subtasks: &[Subtask]) -> bool {
    task.step > STEP_READ_INDEX
        || task.step == STEP_READ_INDEX
            && subtasks
                .iter()
                .filter(|s| s.step == STEP_READ_INDEX)
                .all(|s| s.state == SubtaskState::Succeed)
}

/// Carries the job's wishes to its task: `Some` when the job's thread must stop following
/// it (this node lost ownership or stops; the job is pausing or cancelling, and then the
/// task is paused or ended first, so the job's next step never races a running subtask).
fn steer(domain: &Domain, job_id: i64) -> Result<Option<Outcome>> {
    if domain.is_stopped() || !domain.ownership.is_owner() {
        return Ok(Some(Outcome::Interrupted));
    }
    let state = {
        let txn = domain.store.begin()?;
        queue::get_job(txn.as_ref(), job_id)?.map(|j| j.state)
    };
    match state {
        Some(JobState::Running) => Ok(None),
        Some(JobState::Pausing) => {
            pause_task(domain, job_id)?;
            Ok(Some(Outcome::Interrupted))
        }
        _ => {
            end_task(domain, job_id)?;
            Ok(Some(Outcome::Interrupted))
        }
    }
}

/// Pauses job `job_id`'s task, if it has one still going, and waits until no subtask of it
/// runs; false if this node stopped being the owner meanwhile.
pub fn pause_task(domain: &Domain, job_id: i64) -> Result<bool> {
    let key = task_key(job_id);
    dxf::control(domain, &key, Control::Pause)?;
    wait_for(domain, &key, |s| s == TaskState::Paused || s.is_final())
}

/// Cancels job `job_id`'s task, if it has one still going, and waits until no subtask of
/// it runs; false if this node stopped being the owner meanwhile.
pub fn end_task(domain: &Domain, job_id: i64) -> Result<bool> {
    let key = task_key(job_id);
    dxf::control(domain, &key, Control::Cancel)?;
    wait_for(domain, &key, TaskState::is_final)
}

/// Waits until the task of `key` is absent or in a state `done` accepts; false if this node
/// stopped being the owner meanwhile.
fn wait_for(domain: &Domain, key: &str, done: impl Fn(TaskState) -> bool) -> Result<bool> {
    loop {
        let seen = domain.events.tasks.generation();
        match dxf::task(domain, key)? {
            None => return Ok(true),
            Some(t) if done(t.state) => return Ok(true),
            Some(_) => {}
        }
        if domain.is_stopped() || !domain.ownership.is_owner() {
            return Ok(false);
        }
        domain.events.tasks.wait(seen, Duration::from_millis(100));
    }
}

/// Keeps the job's ROW_COUNT and progress current while its task runs.
struct Follower {
    phase: Phase,
    tracker: Tracker,
    last: Instant,
}

impl Follower {
    fn new(phase: Phase) -> Follower {
        let name = match phase {
            Phase::Ingest => "read-index",
            Phase::Merge => "merge-temp-index",
        };
        Follower {
            phase,
            tracker: Tracker::new(name, 0.0),
            last: Instant::now(),
        }
    }

    fn report(
        &mut self,
        domain: &Domain,
        job_id: i64,
        task: &Task,
        subtasks: &[Subtask],
    ) -> Result<()> {
        if self.last.elapsed() < CHECKPOINT_EVERY {
            return Ok(());
        }
        self.last = Instant::now();
        let step = match self.phase {
            Phase::Ingest => STEP_READ_INDEX,
            Phase::Merge => STEP_MERGE_TEMP_INDEX,
        };
        let ours: Vec<&Subtask> = subtasks.iter().filter(|s| s.step == step).collect();
        if task.step != step || ours.is_empty() {
            return Ok(());
        }
        let done: f64 = ours.iter().map(|s| share_done(s)).sum();
        let mut reorg = queue::load_reorg(domain.store.as_ref(), job_id)?;
        if self.phase == Phase::Ingest {
            reorg.row_count = rows(subtasks);
        }
        reorg.progress = Some(self.tracker.at(Some(done / ours.len() as f64)));
        save(domain, job_id, &reorg)
    }
}

/// How much of its work a subtask has done, from its checkpoint's progress (a read-index
/// subtask's read and sort count for one half, its ingest for the other).
fn share_done(subtask: &Subtask) -> f64 {
    if subtask.state == SubtaskState::Succeed {
        return 1.0;
    }
    let Ok(reorg) = serde_json::from_slice::<queue::Reorg>(&subtask.checkpoint) else {
        return 0.0;
    };
    let Some(p) = reorg.progress else { return 0.0 };
    let share = p.percent.unwrap_or(0.0) / 100.0;
    match (subtask.step, p.phase.as_str()) {
        (STEP_READ_INDEX, "ingest") => 0.5 + share / 2.0,
        (STEP_READ_INDEX, _) => share / 2.0,
        _ => share,
    }
}
