//! Task types plug into the framework here: each registers one [`TaskType`] that plans its
//! steps (on the owner) and executes its subtasks (on every eligible node). The framework
//! itself knows no task type: ADD INDEX's backfill lives in `ddl`, imports in `import`.

use std::collections::HashMap;
use std::sync::Arc;

use super::proto::{Step, Subtask, Summary, Task};
use super::scheduler::SubtaskContext;
use crate::domain::Domain;
use crate::error::Result;

/// What comes after a task's current step.
pub enum NextStep {
    /// Step `step`, one subtask per meta (the framework spreads them over the nodes).
    Plan { step: Step, subtasks: Vec<Vec<u8>> },
    /// The next step cannot be planned yet (its type waits for something outside the
    /// framework, such as a DDL job's schema change); asked again later.
    NotYet,
    /// The task is complete.
    Done,
}

/// How a subtask run ended.
pub enum Outcome {
    Done(Summary),
    /// Stopped before the end (pause, cancel, node stopping, handed elsewhere); its
    /// checkpoint says where a later run resumes.
    Interrupted,
}

pub trait TaskType: Send + Sync {
    /// The type's name, as `mysql.tidb_global_task.type` shows it.
    fn name(&self) -> &'static str;

    /// A step's name, for logs and progress.
    fn step_name(&self, step: Step) -> &'static str;

    /// Plans the step after `task.step` (`STEP_INIT` at first) for `nodes` eligible nodes.
    /// `previous` are the subtasks of the step that just ended, all succeeded.
    fn next_step(
        &self,
        domain: &Arc<Domain>,
        task: &Task,
        previous: &[Subtask],
        nodes: usize,
    ) -> Result<NextStep>;

    /// Runs one subtask on this node with the slots `ctx` grants; reports checkpoints
    /// through `ctx` and stops soon after `ctx.should_stop()` turns true. Running a
    /// subtask again (after a failover, from its checkpoint) must give the same result.
    fn execute(&self, ctx: &SubtaskContext, subtask: &Subtask) -> Result<Outcome>;

    /// Called on the owner once the task ended (succeed or reverted): removes what its
    /// subtasks left behind.
    fn cleanup(&self, _domain: &Arc<Domain>, _task: &Task) {}
}

/// The task types a node knows, by name.
#[derive(Default)]
pub struct Registry {
    types: HashMap<&'static str, Arc<dyn TaskType>>,
}

impl Registry {
    pub fn register(&mut self, task_type: Arc<dyn TaskType>) {
        self.types.insert(task_type.name(), task_type);
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn TaskType>> {
        self.types.get(name)
    }
}
