//! The distributed execution framework (TiDB's DXF): backend work as persisted tasks, cut
//! into subtasks that every eligible node of the cluster executes.
//!
//! A task's life, ADD INDEX's backfill for example:
//!
//! 1. The DDL job [`submit`]s a task `ddl/backfill/<job id>` of type `backfill`: stored,
//!    `pending` (`storage`, `proto`).
//! 2. The owner's `dispatcher` starts it (`running`), records the nodes eligible by
//!    `tidb_service_scope`, and asks the type's planner (`registry`) for the first step:
//!    `read-index`, one subtask per range of rows, spread over those nodes.
//! 3. Each node's `scheduler` claims its subtasks in rank order, takes slots for the task's
//!    concurrency from the node's `pool`, and runs the type's executor on a pool thread;
//!    the executor checkpoints into its subtask and stops when the task stops running.
//! 4. When every subtask of a step succeeded the dispatcher plans the next step
//!    (`merge-temp-index`), then marks the task `succeed`; a failed subtask makes it
//!    `reverting` then `reverted` with the subtask's error; a node that stops hands its
//!    subtasks to the others. Finished tasks and their subtasks move to the history.
//!
//! The framework knows no task type: `ddl` and `import` register theirs in a [`Registry`].
//! `mysql.tidb_global_task`, `mysql.tidb_background_subtask` (and their histories) and
//! `mysql.dist_framework_meta` show all of it.
//!
//! ## Across hosts
//!
//! Here the nodes of a cluster are threads of one process over one embedded store; nothing
//! in the framework depends on that. Everything nodes share goes through `kv::Store`
//! transactions: tasks, subtasks and heartbeats are records under `mDXF*` keys, claims and
//! state changes are read-modify-write transactions that lose with a write conflict when
//! another node got there first, and the dispatcher runs only on the holder of the DDL
//! owner lease (`ddl::owner`, also a record in the store). Put TiKV behind `kv::Store`
//! (its transactional client gives the same begin / get / scan / commit with conflicts and
//! the same bulk ingest, as SST import) and run one moltdb process per host: the same
//! records and transactions coordinate them. What would change:
//!
//! - **Leases and liveness**: the owner lease and node heartbeats would better live in PD's
//!   etcd (leases with keep-alive, watches instead of polling), as TiDB keeps them; the
//!   wall-clock comparison of heartbeats assumes hosts with synchronized clocks.
//! - **Wake-ups**: `domain::events` wakes threads of one process; across hosts a watch on the
//!   task keys (etcd) or the same polling the loops already do (every 200 ms) stands in.
//! - **Sort files**: a subtask sorts under its own host's temp dir and ingests from there, as
//!   TiDB's local sort does; nothing crosses hosts but the ingested keys. A global sort
//!   (sorted runs in shared object storage, merged by later steps) would need two more
//!   steps and a cloud storage URI, as TiDB's `tidb_cloud_storage_uri`.
//! - **Unique indexes**: concurrent subtasks check duplicates against the store under a lock
//!   of this process (`ddl::ingest`); across hosts that check moves to the ingest itself
//!   (TiKV's duplicate detection on import) or to a lock record in the store.

pub mod dispatcher;
pub mod pool;
pub mod proto;
pub mod registry;
pub mod scheduler;
pub mod storage;

pub use pool::Pool;
pub use proto::{Step, Subtask, SubtaskState, Summary, Task, TaskState, STEP_DONE, STEP_INIT};
pub use registry::{NextStep, Outcome, Registry, TaskType};
pub use scheduler::SubtaskContext;

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::domain::Domain;
use crate::error::{Error, Result};

/// Starts a node's scheduler and dispatcher (which works only while the node is owner).
pub fn start(
    domain: &Arc<Domain>,
    registry: Arc<Registry>,
    slots: usize,
    index: u32,
) -> Result<Vec<JoinHandle<()>>> {
    let pool = Pool::new(slots);
    let scheduler = {
        let (domain, registry) = (domain.clone(), registry.clone());
        std::thread::Builder::new()
            .name(format!("dxf-scheduler-{index}"))
            .spawn(move || scheduler::run(&domain, &registry, &pool))
            .map_err(Error::internal)?
    };
    let dispatcher = {
        let domain = domain.clone();
        std::thread::Builder::new()
            .name(format!("dxf-dispatcher-{index}"))
            .spawn(move || dispatcher::run(&domain, &registry))
            .map_err(Error::internal)?
    };
    Ok(vec![scheduler, dispatcher])
}

/// This node's `tidb_service_scope` ('' or 'background'): which tasks it runs, and the
/// target scope of the tasks it submits.
pub fn service_scope(domain: &Domain) -> String {
    domain
        .globals
        .read()
        .get("tidb_service_scope")
        .map(|(_, v)| v.to_string_lossy())
        .unwrap_or_default()
}

/// What a new task needs.
pub struct NewTask {
    pub key: String,
    pub task_type: &'static str,
    pub meta: Vec<u8>,
    pub concurrency: u32,
    pub priority: i64,
    pub target_scope: String,
    /// The nodes that run it (their addresses); empty: the nodes its scope allows.
    pub nodes: Vec<String>,
}

/// Submits a task: pending until the dispatcher starts it.
pub fn submit(domain: &Domain, new: &NewTask) -> Result<Task> {
    let now = proto::now_micros();
    let task = storage::retry(domain.store.as_ref(), |txn| {
        let mut task = Task {
            id: 0,
            key: new.key.clone(),
            task_type: new.task_type.to_string(),
            state: TaskState::Pending,
            step: STEP_INIT,
            priority: new.priority,
            concurrency: new.concurrency.max(1),
            target_scope: new.target_scope.clone(),
            dispatcher_id: String::new(),
            eligible: new.nodes.clone(),
            meta: new.meta.clone(),
            error: None,
            create_time: now,
            start_time: None,
            state_update_time: now,
            end_time: None,
        };
        storage::submit(txn, &mut task)?;
        Ok(task)
    })?;
    tracing::info!(task = %task.key, id = task.id, "task submitted");
    domain.events.tasks.notify();
    Ok(task)
}

/// The task of `key`, running or finished.
pub fn task(domain: &Domain, key: &str) -> Result<Option<Task>> {
    let txn = domain.store.begin()?;
    storage::task_by_key(txn.as_ref(), key)
}

/// The subtasks of `task`, running or finished.
pub fn subtasks(domain: &Domain, task: &Task) -> Result<Vec<Subtask>> {
    let txn = domain.store.begin()?;
    if task.state.is_final() {
        storage::subtask_history_of(txn.as_ref(), task.id)
    } else {
        storage::subtasks(txn.as_ref(), task.id)
    }
}

/// What a task's owner (a DDL job, an import job) asks of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Cancel,
}

/// Applies `control` to the task of `key` if its state allows; returns whether it did.
pub fn control(domain: &Domain, key: &str, control: Control) -> Result<bool> {
    let changed = storage::retry(domain.store.as_ref(), |txn| {
        let Some(mut task) = storage::task_by_key(txn, key)? else {
            return Ok(false);
        };
        use TaskState::*;
        let to = match (control, task.state) {
            (Control::Pause, Pending | Running | Resuming) => Pausing,
            (Control::Resume, Paused | Pausing) => Resuming,
            (Control::Cancel, Pending | Running | Pausing | Paused | Resuming) => Cancelling,
            _ => return Ok(false),
        };
        task.state = to;
        task.state_update_time = proto::now_micros();
        storage::put_task(txn, &task);
        Ok(true)
    })?;
    if changed {
        tracing::info!(task = %key, ?control, "task control");
        domain.events.tasks.notify();
    }
    Ok(changed)
}
