//! The scheduler every node runs (TiDB's task executor manager): it heartbeats the node into
//! `mysql.dist_framework_meta`, claims the subtasks the dispatcher assigned to this node,
//! runs each through its task type's executor on slots of the node's pool, and records how
//! each ended.
//!
//! Tasks are served in rank order (priority, then age); a node runs at most one subtask of a
//! task at a time, and a subtask that finds too few free slots waits, with every task ranked
//! below it.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::pool::Pool;
use super::proto::{now_micros, NodeMeta, Subtask, SubtaskState, Summary, Task, TaskState};
use super::registry::{Outcome, Registry, TaskType};
use super::storage;
use crate::domain::{now_ms, Domain};
use crate::error::{Result, SavedError};

/// How often a node reports itself.
const HEARTBEAT_MS: i64 = 1_000;

/// What a subtask's executor may ask of the framework.
pub struct SubtaskContext<'a> {
    pub domain: &'a Arc<Domain>,
    pub task: Task,
    /// Threads the subtask may use: the slots it holds.
    pub slots: usize,
    subtask_id: i64,
}

impl SubtaskContext<'_> {
    /// Whether to stop now: the node is stopping, the task is no longer running (pausing,
    /// cancelling, reverting), or the subtask was handed to another node.
    pub fn should_stop(&self) -> Result<bool> {
        if self.domain.is_stopped() {
            return Ok(true);
        }
        let txn = self.domain.store.begin()?;
        let task_runs = storage::get_task(txn.as_ref(), self.task.id)?
            .is_some_and(|t| t.state == TaskState::Running);
        let still_mine = storage::get_subtask(txn.as_ref(), self.task.id, self.subtask_id)?
            .is_some_and(|s| s.state == SubtaskState::Running && s.exec_id == self.domain.address);
        Ok(!(task_runs && still_mine))
    }

    /// Records where a resumed run would start and what the subtask did so far.
    pub fn save(&self, checkpoint: Vec<u8>, summary: Summary) -> Result<()> {
        let me = &self.domain.address;
        storage::retry(self.domain.store.as_ref(), |txn| {
            let Some(mut s) = storage::get_subtask(txn, self.task.id, self.subtask_id)? else {
                return Ok(());
            };
            if s.state == SubtaskState::Running && &s.exec_id == me {
                s.checkpoint = checkpoint.clone();
                s.summary = summary;
                s.state_update_time = now_micros();
                storage::put_subtask(txn, &s);
            }
            Ok(())
        })
    }
}

/// The scheduler loop of one node, until the node stops; then it leaves the framework.
pub fn run(domain: &Arc<Domain>, registry: &Registry, pool: &Arc<Pool>) {
    // subtask id -> (task id, its thread)
    let mut running: HashMap<i64, (i64, JoinHandle<()>)> = HashMap::new();
    let mut last_beat = 0i64;
    while !domain.is_stopped() {
        let seen = domain.events.tasks.generation();
        if now_ms() - last_beat >= HEARTBEAT_MS {
            match heartbeat(domain, pool) {
                Ok(()) => last_beat = now_ms(),
                Err(e) => tracing::warn!(error = %e, "DXF heartbeat failed"),
            }
        }
        running.retain(|_, (_, h)| !h.is_finished());
        if let Err(e) = claim(domain, registry, pool, &mut running) {
            tracing::warn!(error = %e, "DXF scheduler could not claim subtasks");
        }
        domain.events.tasks.wait(seen, Duration::from_millis(200));
    }
    for (_, (_, h)) in running {
        let _ = h.join();
    }
    // Leaving at once lets the dispatcher hand this node's subtasks to others without
    // waiting for the heartbeat to expire.
    let _ = storage::retry(domain.store.as_ref(), |txn| {
        storage::remove_node(txn, &domain.address);
        Ok(())
    });
    domain.events.tasks.notify();
}

fn heartbeat(domain: &Domain, pool: &Pool) -> Result<()> {
    let role = super::service_scope(domain);
    let node = NodeMeta {
        host: domain.address.clone(),
        role,
        cpu_count: pool.capacity() as u32,
        heartbeat_ms: now_ms(),
    };
    storage::retry(domain.store.as_ref(), |txn| {
        storage::put_node(txn, &node);
        Ok(())
    })
}

/// Lower ranks run first: priority, then age, then id.
pub fn rank(task: &Task) -> (i64, i64, i64) {
    (task.priority, task.create_time, task.id)
}

fn claim(
    domain: &Arc<Domain>,
    registry: &Registry,
    pool: &Arc<Pool>,
    running: &mut HashMap<i64, (i64, JoinHandle<()>)>,
) -> Result<()> {
    let (mut tasks, subtasks) = {
        let txn = domain.store.begin()?;
        (
            storage::tasks(txn.as_ref())?,
            storage::all_subtasks(txn.as_ref())?,
        )
    };
    tasks.retain(|t| t.state == TaskState::Running);
    tasks.sort_by_key(rank);
    for task in tasks {
        if running.values().any(|(t, _)| *t == task.id) {
            continue;
        }
        let Some(kind) = registry.get(&task.task_type) else {
            continue;
        };
        let mine = subtasks
            .iter()
            .filter(|s| {
                s.task_id == task.id
                    && s.step == task.step
                    && s.exec_id == domain.address
                    && s.state.is_active()
                    && !running.contains_key(&s.id)
            })
            .min_by_key(|s| s.ordinal);
        let Some(subtask) = mine else { continue };
        let Some(slots) = pool.try_take(task.concurrency as usize) else {
            // Tasks ranked lower wait too.
            break;
        };
        let Some(subtask) = start(domain, subtask)? else {
            continue;
        };
        let (domain2, kind, task_id, id) = (domain.clone(), kind.clone(), task.id, subtask.id);
        let name = format!("dxf-{}-{}", task.id, subtask.ordinal);
        let handle = pool.spawn(name, slots, move |slots| {
            let ctx = SubtaskContext {
                domain: &domain2,
                task,
                slots: slots.count(),
                subtask_id: subtask.id,
            };
            let result = execute(kind.as_ref(), &ctx, &subtask);
            if let Err(e) = record(&domain2, &subtask, result) {
                tracing::warn!(subtask = subtask.id, error = %e, "DXF could not record a subtask's end");
            }
        })?;
        running.insert(id, (task_id, handle));
    }
    Ok(())
}

/// Marks `subtask` running on this node; `None` if it is no longer this node's to run.
fn start(domain: &Domain, subtask: &Subtask) -> Result<Option<Subtask>> {
    storage::retry(domain.store.as_ref(), |txn| {
        let Some(mut s) = storage::get_subtask(txn, subtask.task_id, subtask.id)? else {
            return Ok(None);
        };
        if s.exec_id != domain.address || !s.state.is_active() {
            return Ok(None);
        }
        let now = now_micros();
        s.state = SubtaskState::Running;
        s.start_time.get_or_insert(now);
        s.state_update_time = now;
        storage::put_subtask(txn, &s);
        Ok(Some(s))
    })
}

fn execute(kind: &dyn TaskType, ctx: &SubtaskContext, subtask: &Subtask) -> Result<Outcome> {
    tracing::info!(
        task = %ctx.task.key,
        step = kind.step_name(subtask.step),
        subtask = subtask.id,
        ordinal = subtask.ordinal,
        slots = ctx.slots,
        "subtask started"
    );
    let started = std::time::Instant::now();
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kind.execute(ctx, subtask)))
            .unwrap_or_else(|_| Err(crate::error::Error::internal("a subtask panicked")));
    match &result {
        Ok(Outcome::Done(summary)) => tracing::info!(
            task = %ctx.task.key,
            subtask = subtask.id,
            rows = summary.row_count,
            secs = started.elapsed().as_secs_f64(),
            "subtask succeeded"
        ),
        Ok(Outcome::Interrupted) => {
            tracing::info!(task = %ctx.task.key, subtask = subtask.id, "subtask stopped")
        }
        Err(e) => {
            tracing::warn!(task = %ctx.task.key, subtask = subtask.id, error = %e, "subtask failed")
        }
    }
    result
}

/// Records how a run of `subtask` on this node ended, unless it was taken from this node
/// meanwhile.
fn record(domain: &Domain, subtask: &Subtask, result: Result<Outcome>) -> Result<()> {
    storage::retry(domain.store.as_ref(), |txn| {
        let Some(mut s) = storage::get_subtask(txn, subtask.task_id, subtask.id)? else {
            return Ok(());
        };
        if s.exec_id != domain.address || s.state != SubtaskState::Running {
            return Ok(());
        }
        let task_state = storage::get_task(txn, subtask.task_id)?.map(|t| t.state);
        let now = now_micros();
        match &result {
            Ok(Outcome::Done(summary)) => {
                s.state = SubtaskState::Succeed;
                s.summary = *summary;
                s.end_time = Some(now);
            }
            Err(e) => {
                s.state = SubtaskState::Failed;
                s.error = Some(SavedError::from(e));
                s.end_time = Some(now);
            }
            Ok(Outcome::Interrupted) => match task_state {
                Some(TaskState::Pausing) => s.state = SubtaskState::Paused,
                Some(TaskState::Running) | Some(TaskState::Resuming) => {
                    // This node stops: the subtask stays running here until the dispatcher
                    // hands it to another node (or this node, restarted, takes it up).
                    return Ok(());
                }
                _ => {
                    s.state = SubtaskState::Canceled;
                    s.end_time = Some(now);
                }
            },
        }
        s.state_update_time = now;
        storage::put_subtask(txn, &s);
        Ok(())
    })?;
    domain.events.tasks.notify();
    Ok(())
}
