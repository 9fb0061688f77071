//! The `backfill` task type: how the framework plans and executes an ADD INDEX build.
//!
//! - `read-index`: the table's handle space at the planning snapshot, cut into ranges, a few
//!   per eligible node; a subtask reads its rows (at that snapshot while it can), sorts
//!   their entries under the node's temp dir and ingests them (`ingest::ingest_range`),
//!   checkpointing the ranges it ingested.
//! - `merge-temp-index`: planned once the job has turned the temporary index to `merging`;
//!   the temporary index's keys cut into one range per node, each replayed onto the index
//!   (`ingest::merge_range`), checkpointing the next key.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{TaskMeta, STEP_MERGE_TEMP_INDEX, STEP_READ_INDEX};
use crate::catalog::{meta, BackfillState, TableInfo};
use crate::ddl::backfill::Outcome as BuildOutcome;
use crate::ddl::ingest::{self, chunks, merge_range, Chunk, Steer};
use crate::ddl::queue::{Reorg, RowsDigest};
use crate::domain::Domain;
use crate::dxf::proto::{from_json, to_json};
use crate::dxf::{NextStep, Outcome, Step, Subtask, SubtaskContext, Summary, Task, TaskType};
use crate::dxf::{STEP_DONE, STEP_INIT};
use crate::error::{Error, Result};
use crate::kv::KeyRange;
use crate::table::Table;

/// read-index subtasks planned per eligible node when there are several: enough that a
/// node that stops costs only a share of the work, few enough that each sorts a good
/// amount. A lone node gets one subtask: there is no one to hand work to, and one sort
/// ingests one sorted run instead of several overlapping ones, which the store would
/// otherwise merge and the verification read through (its rounds still checkpoint).
const RANGES_PER_NODE: u64 = 4;
/// A read-index range spans at least this many handles.
const MIN_RANGE_SPAN: u64 = 16 * 1024;
/// A temporary index with fewer keys is merged by one subtask.
const MIN_MERGE_KEYS_PER_NODE: usize = 4096;

/// One read-index subtask: rows with handles in `[first, last]`, cut from the table's
/// handles at snapshot `planned_at` (0: unknown, a task planned by an older version).
#[derive(Serialize, Deserialize)]
struct ReadRange {
    first: i64,
    last: i64,
    #[serde(default)]
    planned_at: u64,
}

/// One merge-temp-index subtask: temporary-index keys in `[start, end)` (empty end: no
/// end), in hex.
#[derive(Serialize, Deserialize)]
struct MergeRange {
    start: String,
    end: String,
}

pub struct Backfill;

/// The table as the schema has it now (the job's current state).
fn load_table(domain: &Domain, m: &TaskMeta) -> Result<TableInfo> {
    let txn = domain.store.begin()?;
    meta::get_table(txn.as_ref(), m.db_id, m.table_id)?
        .ok_or_else(|| Error::internal("the table of a backfill task vanished"))
}

impl TaskType for Backfill {
    fn name(&self) -> &'static str {
        super::TASK_TYPE
    }

    fn step_name(&self, step: Step) -> &'static str {
        match step {
            STEP_INIT => "init",
            STEP_READ_INDEX => "read-index",
            STEP_MERGE_TEMP_INDEX => "merge-temp-index",
            STEP_DONE => "done",
            _ => "unknown",
        }
    }

    fn next_step(
        &self,
        domain: &Arc<Domain>,
        task: &Task,
        _previous: &[Subtask],
        nodes: usize,
    ) -> Result<NextStep> {
        let m: TaskMeta = from_json("backfill task meta", &task.meta)?;
        match task.step {
            STEP_INIT => {
                let table = Table::new(Arc::new(load_table(domain, &m)?));
                let (bounds, planned_at) = {
                    let txn = domain.store.begin()?;
                    // The subtasks read at this snapshot, held until the verification,
                    // which asks which rows changed since.
                    crate::ddl::verify::hold_snapshot(domain, m.job_id, txn.start_ts());
                    (table.handle_bounds(txn.as_ref())?, txn.start_ts())
                };
                let subtasks = match bounds {
                    None => Vec::new(),
                    Some((min, max)) => {
                        let span = Chunk {
                            first: min,
                            last: max,
                        }
                        .span();
                        let ranges = match nodes {
                            0 | 1 => 1,
                            n => n as u64 * RANGES_PER_NODE,
                        };
                        let per = (span / ranges).max(MIN_RANGE_SPAN);
                        chunks(min, max, &[], per)
                            .into_iter()
                            .map(|c| {
                                to_json(&ReadRange {
                                    first: c.first,
                                    last: c.last,
                                    planned_at,
                                })
                            })
                            .collect()
                    }
                };
                Ok(NextStep::Plan {
                    step: STEP_READ_INDEX,
                    subtasks,
                })
            }
            STEP_READ_INDEX => {
                let table = load_table(domain, &m)?;
                let merging = table
                    .index_by_id(m.index_id)
                    .is_some_and(|ix| ix.backfill == BackfillState::Merging);
                if !merging {
                    // The job moves the temporary index to merging first.
                    return Ok(NextStep::NotYet);
                }
                Ok(NextStep::Plan {
                    step: STEP_MERGE_TEMP_INDEX,
                    subtasks: merge_ranges(domain, &m, nodes)?,
                })
            }
            _ => Ok(NextStep::Done),
        }
    }

    fn execute(&self, ctx: &SubtaskContext, subtask: &Subtask) -> Result<Outcome> {
        let m: TaskMeta = from_json("backfill task meta", &ctx.task.meta)?;
        let table = load_table(ctx.domain, &m)?;
        let steer = SubtaskSteer { ctx };
        let checkpoint: Option<Reorg> = if subtask.checkpoint.is_empty() {
            None
        } else {
            Some(from_json("subtask checkpoint", &subtask.checkpoint)?)
        };
        match subtask.step {
            STEP_READ_INDEX => {
                let range: ReadRange = from_json("read-index subtask", &subtask.meta)?;
                // The rows read are those in the range at the planning snapshot: the
                // verification may take their digest for the rows only if none has changed
                // since (`RowsDigest`).
                let reorg = checkpoint.unwrap_or_else(|| Reorg {
                    ingest_bounds: Some((range.first, range.last)),
                    rows_digest: Some(RowsDigest::empty(m.index_id, range.planned_at)),
                    ..Default::default()
                });
                let (outcome, _) = ingest::ingest_range(
                    ctx.domain, &steer, m.job_id, subtask.id, &table, m.index_id, reorg,
                )?;
                Ok(done(outcome))
            }
            STEP_MERGE_TEMP_INDEX => {
                let range: MergeRange = from_json("merge-temp-index subtask", &subtask.meta)?;
                let mut reorg = checkpoint.unwrap_or_default();
                let unhex = |k: &str| {
                    hex::decode(k).map_err(|e| Error::internal(format!("corrupt merge range: {e}")))
                };
                let keys = KeyRange {
                    start: unhex(&range.start)?,
                    end: unhex(&range.end)?,
                };
                let outcome = merge_range(
                    ctx.domain, &steer, m.job_id, &table, m.index_id, &keys, &mut reorg,
                )?;
                Ok(done(outcome))
            }
            step => Err(Error::internal(format!("backfill has no step {step}"))),
        }
    }

    fn cleanup(&self, domain: &Arc<Domain>, task: &Task) {
        if let Ok(m) = from_json::<TaskMeta>("backfill task meta", &task.meta) {
            ingest::remove_job_dirs(domain, m.job_id);
        }
    }
}

fn done(outcome: BuildOutcome) -> Outcome {
    match outcome {
        BuildOutcome::Done(rows) => Outcome::Done(Summary {
            row_count: rows,
            bytes: 0,
        }),
        BuildOutcome::Interrupted => Outcome::Interrupted,
    }
}

/// The temporary index's keys cut into about one range per node.
fn merge_ranges(domain: &Domain, m: &TaskMeta, nodes: usize) -> Result<Vec<Vec<u8>>> {
    let whole = ingest::temp_index_range(m.table_id, m.index_id);
    let keys = {
        let txn = domain.store.begin()?;
        let mut keys = Vec::new();
        let mut range = whole.clone();
        loop {
            let batch = txn.scan(&range, 1024, false)?;
            let full = batch.len() == 1024;
            keys.extend(batch.into_iter().map(|(k, _)| k));
            match keys.last() {
                Some(last) if full => {
                    let mut next = last.clone();
                    next.push(0);
                    range.start = next;
                }
                _ => break,
            }
        }
        keys
    };
    let parts = (keys.len() / MIN_MERGE_KEYS_PER_NODE).clamp(1, nodes.max(1));
    let mut bounds = vec![whole.start.clone()];
    for i in 1..parts {
        if let Some(k) = keys.get(i * keys.len() / parts) {
            bounds.push(k.clone());
        }
    }
    bounds.push(whole.end.clone());
    Ok(bounds
        .windows(2)
        .map(|w| {
            to_json(&MergeRange {
                start: hex::encode(&w[0]),
                end: hex::encode(&w[1]),
            })
        })
        .collect())
}

/// A subtask's build reports into the subtask and stops with the task.
struct SubtaskSteer<'a> {
    ctx: &'a SubtaskContext<'a>,
}

impl Steer for SubtaskSteer<'_> {
    fn readers(&self) -> usize {
        self.ctx.slots
    }

    fn save(&self, reorg: &Reorg) -> Result<()> {
        if let Some(ms) = self.ctx.domain.failpoints.number("reorg-slow") {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        let summary = Summary {
            row_count: reorg.row_count,
            bytes: 0,
        };
        self.ctx.save(to_json(reorg), summary)
    }

    fn should_stop(&self) -> Result<bool> {
        self.ctx.should_stop()
    }
}
