//! What the framework keeps about a task and its subtasks, with TiDB's states and step
//! numbers (`pkg/disttask/framework/proto`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, SavedError};

/// A task's step: a number its type defines, or one of the two the framework knows.
pub type Step = i64;
/// Before the first step is planned.
pub const STEP_INIT: Step = -1;
/// After the last step.
pub const STEP_DONE: Step = -2;

/// A task's state. The dispatcher moves it along:
///
/// ```text
/// pending -> running -> succeed
/// running -> reverting -> reverted            (a subtask failed)
/// pending|running|paused -> cancelling -> reverting -> reverted
/// pending|running -> pausing -> paused -> resuming -> running
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Pending,
    Running,
    Succeed,
    Failed,
    Reverting,
    Reverted,
    Cancelling,
    Pausing,
    Paused,
    Resuming,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Running => "running",
            TaskState::Succeed => "succeed",
            TaskState::Failed => "failed",
            TaskState::Reverting => "reverting",
            TaskState::Reverted => "reverted",
            TaskState::Cancelling => "cancelling",
            TaskState::Pausing => "pausing",
            TaskState::Paused => "paused",
            TaskState::Resuming => "resuming",
        }
    }

    /// The task is over: it moves to the history.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskState::Succeed | TaskState::Failed | TaskState::Reverted
        )
    }
}

/// A subtask's state. `running -> pending` only when its node is gone and it is handed
/// to another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubtaskState {
    Pending,
    Running,
    Succeed,
    Failed,
    Canceled,
    Paused,
}

impl SubtaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubtaskState::Pending => "pending",
            SubtaskState::Running => "running",
            SubtaskState::Succeed => "succeed",
            SubtaskState::Failed => "failed",
            SubtaskState::Canceled => "canceled",
            SubtaskState::Paused => "paused",
        }
    }

    /// A node may still be working on it.
    pub fn is_active(self) -> bool {
        matches!(self, SubtaskState::Pending | SubtaskState::Running)
    }
}

/// One backend task: an ADD INDEX's backfill, an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    /// Unique among tasks: `ddl/backfill/<job id>`, `ImportInto/<job id>`.
    pub key: String,
    /// The registered type that plans and executes it (`backfill`).
    pub task_type: String,
    pub state: TaskState,
    pub step: Step,
    /// Lower runs first (1..=1024).
    pub priority: i64,
    /// Slots one of its subtasks holds on a node.
    pub concurrency: u32,
    /// The service scope of the node that submitted it: which nodes may run it.
    pub target_scope: String,
    /// The node whose dispatcher scheduled it.
    pub dispatcher_id: String,
    /// The nodes chosen when it started (a later change of a node's scope does not move
    /// it); a node that stops leaves the set.
    #[serde(default)]
    pub eligible: Vec<String>,
    /// The type's own description of the work (JSON).
    pub meta: Vec<u8>,
    pub error: Option<SavedError>,
    /// Microseconds since the epoch.
    pub create_time: i64,
    pub start_time: Option<i64>,
    pub state_update_time: i64,
    pub end_time: Option<i64>,
}

/// What a subtask did, for the task's totals and for people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub row_count: u64,
    pub bytes: u64,
}

/// A piece of a step that one node executes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subtask {
    pub id: i64,
    pub task_id: i64,
    pub step: Step,
    pub task_type: String,
    /// The node (its address) that runs it.
    pub exec_id: String,
    pub state: SubtaskState,
    pub concurrency: u32,
    /// Its place in the step (0, 1, ...).
    pub ordinal: i64,
    /// What to do (JSON the type defines).
    pub meta: Vec<u8>,
    /// Where a resumed run starts (JSON the type defines; empty: from the start).
    pub checkpoint: Vec<u8>,
    pub summary: Summary,
    pub error: Option<SavedError>,
    pub create_time: i64,
    pub start_time: Option<i64>,
    pub state_update_time: i64,
    pub end_time: Option<i64>,
}

/// A node taking part (`mysql.dist_framework_meta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeMeta {
    /// Its address, the id subtasks are assigned to.
    pub host: String,
    /// Its `tidb_service_scope` ('' or 'background').
    pub role: String,
    pub cpu_count: u32,
    pub heartbeat_ms: i64,
}

/// The number `mysql.tidb_background_subtask.type` shows for a task type (TiDB's ids).
pub fn type_number(task_type: &str) -> i64 {
    match task_type {
        "Example" => 1,
        "backfill" => 2,
        "ImportInto" => 3,
        "analyze" => 4,
        _ => 0,
    }
}

/// Microseconds since the epoch.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A task's or subtask's meta or checkpoint (JSON, as its type defines it).
pub fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain data structs always serialize.
    serde_json::to_vec(value).unwrap_or_default()
}

/// Reads back what [`to_json`] wrote; `what` names it in the error.
pub fn from_json<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::internal(format!("corrupt {what}: {e}")))
}
