//! The dispatcher, run by the DDL owner (TiDB's scheduler manager): it moves every task
//! through its states, plans each step into subtasks spread over the eligible nodes,
//! advances a step when all its subtasks succeeded, reverts a task whose subtask failed,
//! and hands the subtasks of a node that stopped or stopped heartbeating to live ones.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::proto::{now_micros, NodeMeta, Subtask, SubtaskState, Task, TaskState, STEP_DONE};
use super::registry::{NextStep, Registry};
use super::scheduler::rank;
use super::storage;
use crate::domain::{now_ms, Domain};
use crate::error::{Error, Result, SavedError};
use crate::kv::Transaction;

/// At most this many tasks are scheduled at once; the others stay pending.
pub const MAX_SCHEDULED: usize = 16;
/// A node silent for this long is gone: its subtasks go to other nodes.
pub const NODE_LEASE_MS: i64 = 5_000;
/// The scope whose nodes, when any exist, run every task submitted without a scope.
const BACKGROUND: &str = "background";

pub fn run(domain: &Arc<Domain>, registry: &Registry) {
    while !domain.is_stopped() {
        let seen = domain.events.tasks.generation();
        if domain.ownership.is_owner() {
            if let Err(e) = dispatch_all(domain, registry) {
                tracing::warn!(error = %e, "DXF dispatch failed");
            }
        }
        domain.events.tasks.wait(seen, Duration::from_millis(200));
    }
}

/// Live nodes; forgets the ones whose heartbeat expired.
fn live_nodes(domain: &Domain) -> Result<Vec<NodeMeta>> {
    let now = now_ms();
    let (live, dead): (Vec<_>, Vec<_>) = {
        let txn = domain.store.begin()?;
        storage::nodes(txn.as_ref())?
            .into_iter()
            .partition(|n| now - n.heartbeat_ms < NODE_LEASE_MS)
    };
    if !dead.is_empty() {
        storage::retry(domain.store.as_ref(), |txn| {
            for n in &dead {
                tracing::info!(node = %n.host, "DXF node gone");
                storage::remove_node(txn, &n.host);
            }
            Ok(())
        })?;
    }
    Ok(live)
}

/// The nodes that may run a task of `scope` (TiDB's rule): the nodes of that scope; for no
/// scope, the `background` nodes if there are any, else every node.
pub fn eligible(nodes: &[NodeMeta], scope: &str) -> Vec<String> {
    let of = |role: &str| -> Vec<String> {
        nodes
            .iter()
            .filter(|n| n.role.eq_ignore_ascii_case(role))
            .map(|n| n.host.clone())
            .collect()
    };
    let mut hosts = if !scope.is_empty() {
        of(scope)
    } else if nodes
        .iter()
        .any(|n| n.role.eq_ignore_ascii_case(BACKGROUND))
    {
        of(BACKGROUND)
    } else {
        nodes.iter().map(|n| n.host.clone()).collect()
    };
    hosts.sort();
    hosts
}

fn dispatch_all(domain: &Arc<Domain>, registry: &Registry) -> Result<()> {
    let live = live_nodes(domain)?;
    let mut tasks = {
        let txn = domain.store.begin()?;
        storage::tasks(txn.as_ref())?
    };
    tasks.sort_by_key(rank);
    let mut scheduled = 0;
    for task in tasks {
        if task.state == TaskState::Paused {
            continue;
        }
        if task.state == TaskState::Pending && scheduled >= MAX_SCHEDULED {
            continue;
        }
        scheduled += 1;
        let key = task.key.clone();
        if let Err(e) = dispatch(domain, registry, task, &live) {
            tracing::warn!(task = %key, error = %e, "DXF could not advance a task");
        }
    }
    Ok(())
}

/// Takes `task` one move further, if it can move.
fn dispatch(
    domain: &Arc<Domain>,
    registry: &Registry,
    task: Task,
    live: &[NodeMeta],
) -> Result<()> {
    let Some(kind) = registry.get(&task.task_type) else {
        let e = Error::internal(format!("unknown task type {}", task.task_type));
        return update(domain, &task, |_, t| {
            t.state = TaskState::Failed;
            t.error = Some(SavedError::from(&e));
            Ok(true)
        });
    };
    match task.state {
        TaskState::Pending => {
            let nodes = if task.eligible.is_empty() {
                eligible(live, &task.target_scope)
            } else {
                task.eligible.clone()
            };
            update(domain, &task, |_, t| {
                t.state = TaskState::Running;
                t.start_time = Some(now_micros());
                t.dispatcher_id = domain.address.clone();
                t.eligible = nodes.clone();
                Ok(true)
            })
        }
        TaskState::Running => {
            let nodes = reassign(domain, &task, live)?;
            let subtasks = step_subtasks(domain, &task)?;
            if let Some(failed) = subtasks.iter().find(|s| s.state == SubtaskState::Failed) {
                let error = failed.error.clone();
                tracing::warn!(task = %task.key, subtask = failed.id, "subtask failed, reverting the task");
                return update(domain, &task, |_, t| {
                    t.state = TaskState::Reverting;
                    t.error = error.clone();
                    Ok(true)
                });
            }
            if !subtasks.iter().all(|s| s.state == SubtaskState::Succeed) || nodes.is_empty() {
                return Ok(());
            }
            match kind.next_step(domain, &task, &subtasks, nodes.len())? {
                NextStep::NotYet => Ok(()),
                NextStep::Done => {
                    tracing::info!(task = %task.key, "task succeeded");
                    update(domain, &task, |_, t| {
                        t.state = TaskState::Succeed;
                        t.step = STEP_DONE;
                        Ok(true)
                    })?;
                    kind.cleanup(domain, &ended(&task, TaskState::Succeed));
                    Ok(())
                }
                NextStep::Plan { step, subtasks } => {
                    tracing::info!(
                        task = %task.key,
                        step = kind.step_name(step),
                        subtasks = subtasks.len(),
                        nodes = nodes.len(),
                        "task step planned"
                    );
                    update(domain, &task, |txn, t| {
                        let ids = crate::catalog::meta::allocate_ids(txn, subtasks.len() as i64)?;
                        let now = now_micros();
                        for (ordinal, meta) in subtasks.iter().enumerate() {
                            let subtask = Subtask {
                                id: ids + ordinal as i64,
                                task_id: t.id,
                                step,
                                task_type: t.task_type.clone(),
                                exec_id: nodes[ordinal % nodes.len()].clone(),
                                state: SubtaskState::Pending,
                                concurrency: t.concurrency,
                                ordinal: ordinal as i64,
                                meta: meta.clone(),
                                checkpoint: Vec::new(),
                                summary: Default::default(),
                                error: None,
                                create_time: now,
                                start_time: None,
                                state_update_time: now,
                                end_time: None,
                            };
                            storage::put_subtask(txn, &subtask);
                        }
                        t.step = step;
                        Ok(true)
                    })
                }
            }
        }
        TaskState::Cancelling => update(domain, &task, |_, t| {
            t.state = TaskState::Reverting;
            t.error
                .get_or_insert_with(|| SavedError::from(&Error::Cancelled));
            Ok(true)
        }),
        TaskState::Reverting => {
            if settle(domain, &task, live, SubtaskState::Canceled)? {
                update(domain, &task, |_, t| {
                    t.state = TaskState::Reverted;
                    Ok(true)
                })?;
                tracing::info!(task = %task.key, "task reverted");
                kind.cleanup(domain, &ended(&task, TaskState::Reverted));
            }
            Ok(())
        }
        TaskState::Pausing => {
            if settle(domain, &task, live, SubtaskState::Paused)? {
                update(domain, &task, |_, t| {
                    t.state = TaskState::Paused;
                    Ok(true)
                })?;
                tracing::info!(task = %task.key, "task paused");
            }
            Ok(())
        }
        TaskState::Resuming => update(domain, &task, |txn, t| {
            for mut s in storage::subtasks(txn, t.id)? {
                if s.state == SubtaskState::Paused {
                    s.state = SubtaskState::Pending;
                    s.state_update_time = now_micros();
                    storage::put_subtask(txn, &s);
                }
            }
            t.state = TaskState::Running;
            Ok(true)
        }),
        TaskState::Paused | TaskState::Succeed | TaskState::Failed | TaskState::Reverted => Ok(()),
    }
}

/// `task` as it ended, for its type's cleanup.
fn ended(task: &Task, state: TaskState) -> Task {
    Task {
        state,
        ..task.clone()
    }
}

/// The subtasks of the task's current step.
fn step_subtasks(domain: &Domain, task: &Task) -> Result<Vec<Subtask>> {
    let txn = domain.store.begin()?;
    Ok(storage::subtasks(txn.as_ref(), task.id)?
        .into_iter()
        .filter(|s| s.step == task.step)
        .collect())
}

/// Changes `task` through `change` if it is still as read (another dispatcher round or an
/// ADMIN statement may have moved it); a final task moves to the history.
fn update(
    domain: &Domain,
    task: &Task,
    mut change: impl FnMut(&mut dyn Transaction, &mut Task) -> Result<bool>,
) -> Result<()> {
    storage::retry(domain.store.as_ref(), |txn| {
        let Some(mut t) = storage::get_task(txn, task.id)? else {
            return Ok(());
        };
        if t.state != task.state || t.step != task.step || !change(txn, &mut t)? {
            return Ok(());
        }
        let now = now_micros();
        t.state_update_time = now;
        if t.state.is_final() {
            t.end_time = Some(now);
            storage::finish(txn, &t)?;
        } else {
            storage::put_task(txn, &t);
        }
        Ok(())
    })?;
    domain.events.tasks.notify();
    Ok(())
}

/// Hands the pending and running subtasks of nodes that are gone (or no longer eligible)
/// to the live eligible nodes with the fewest subtasks; returns those nodes.
fn reassign(domain: &Domain, task: &Task, live: &[NodeMeta]) -> Result<Vec<String>> {
    let alive: HashSet<&str> = live.iter().map(|n| n.host.as_str()).collect();
    let mut nodes: Vec<String> = task
        .eligible
        .iter()
        .filter(|h| alive.contains(h.as_str()))
        .cloned()
        .collect();
    if nodes.is_empty() {
        // Every node the task started with is gone: it goes on where it may run now.
        nodes = eligible(live, &task.target_scope);
    }
    if nodes.is_empty() {
        return Ok(nodes);
    }
    storage::retry(domain.store.as_ref(), |txn| {
        let subtasks = storage::subtasks(txn, task.id)?;
        let mut load: BTreeMap<&str, usize> = nodes.iter().map(|n| (n.as_str(), 0)).collect();
        for s in subtasks.iter().filter(|s| s.state.is_active()) {
            if let Some(n) = load.get_mut(s.exec_id.as_str()) {
                *n += 1;
            }
        }
        for s in &subtasks {
            if !s.state.is_active() || load.contains_key(s.exec_id.as_str()) {
                continue;
            }
            let Some((&to, _)) = load.iter().min_by_key(|(_, n)| **n) else {
                break;
            };
            let to = to.to_string();
            tracing::info!(task = %task.key, subtask = s.id, from = %s.exec_id, to = %to, "subtask handed to another node");
            let mut moved = s.clone();
            if moved.state == SubtaskState::Running {
                moved.state = SubtaskState::Pending;
            }
            moved.exec_id = to.clone();
            moved.state_update_time = now_micros();
            storage::put_subtask(txn, &moved);
            if let Some(n) = load.get_mut(to.as_str()) {
                *n += 1;
            }
        }
        Ok(())
    })?;
    if nodes != task.eligible {
        update(domain, task, |_, t| {
            t.eligible = nodes.clone();
            Ok(true)
        })?;
    }
    Ok(nodes)
}

/// Moves the task's pending subtasks (and the running ones of nodes that are gone) to
/// `to`; true once no subtask runs anywhere.
fn settle(domain: &Domain, task: &Task, live: &[NodeMeta], to: SubtaskState) -> Result<bool> {
    let alive: HashSet<&str> = live.iter().map(|n| n.host.as_str()).collect();
    storage::retry(domain.store.as_ref(), |txn| {
        let mut running = false;
        for mut s in storage::subtasks(txn, task.id)? {
            let orphan = s.state == SubtaskState::Running && !alive.contains(s.exec_id.as_str());
            if s.state == SubtaskState::Pending || orphan {
                s.state = to;
                s.state_update_time = now_micros();
                storage::put_subtask(txn, &s);
            } else if s.state == SubtaskState::Running {
                running = true;
            }
        }
        Ok(!running)
    })
}
