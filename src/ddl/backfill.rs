//! Reorganization work: building a new index from the existing rows (backfill), and deleting
//! the entries of a dropped index or the data of a dropped table.
//!
//! Backfill in "txn" mode, as TiDB's `tidb_ddl_enable_fast_reorg = OFF`: a coordinator walks
//! the table in handle order and hands ranges of `tidb_ddl_reorg_batch_size` rows to
//! `tidb_ddl_reorg_worker_cnt` workers. A worker reads its range in a transaction of its own,
//! writes the index entries and locks the rows it read, so a concurrent change to any of those
//! rows makes its commit fail and the range is simply done again. Concurrent DML maintains the
//! index itself (it is in write reorganization), so every row is covered either way. The
//! coordinator records, as a checkpoint, the first handle not yet covered by a finished
//! range; after a restart or an owner change the backfill resumes from there. Both knobs are
//! read again for every range, so changing them affects a running backfill.
//!
//! The same backfill is TiDB's `txn-merge` when ingest cannot be set up: the index's
//! temporary index is `running` then, so the entries go where DML writes them, into the
//! temporary index, and the merge that follows puts them into the index.
//!
//! ADD COLUMN of a generated column walks the rows the same way, writing each row's value
//! of the new column ([`backfill_generated`]); DML computes it for the rows it writes. So
//! does MODIFY COLUMN, converting each row's value into the changing column
//! ([`backfill_converted`]).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam::channel;

use super::job::{Job, JobState, JobWarning};
use super::progress::Tracker;
use super::queue;
use crate::catalog::{IndexInfo, TableInfo};
use crate::domain::Domain;
use crate::error::{Error, Result, SavedError};
use crate::kv;
use crate::table::row_expressions::{self, ColumnValue};
use crate::table::{self, HandleRange, Table};
use crate::types::Value;

/// How the work ended.
pub enum Outcome {
    /// All done; the number of rows processed.
    Done(u64),
    /// Stopped early (cancel, pause, lost ownership, shutdown); resume later.
    Interrupted,
}

/// How often progress is saved.
pub(super) const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

pub(super) fn knob(domain: &Domain, name: &str, default: i64, min: i64, max: i64) -> i64 {
    let globals = domain.globals.read();
    globals
        .get(name)
        .map(|(_, v)| v.to_f64() as i64)
        .unwrap_or(default)
        .clamp(min, max)
}

/// The index a reorg step builds or checks, as the step's table definition has it.
pub(super) fn index_being_built(table: &TableInfo, index_id: i64) -> Result<&IndexInfo> {
    table
        .index_by_id(index_id)
        .ok_or_else(|| Error::internal("the index being built vanished"))
}

/// Threads that read rows in bulk (ingest's read and sort, the verification):
/// `tidb_ddl_reorg_worker_cnt`, at most one per spare core (they are CPU-bound).
pub(super) fn readers(domain: &Domain) -> usize {
    cores(knob(domain, "tidb_ddl_reorg_worker_cnt", 4, 1, 256) as usize).min(spare_cores(domain))
}

/// At most one thread per core.
pub(super) fn cores(threads: usize) -> usize {
    threads.min(core_count())
}

fn core_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The cores clients' statements leave to a build's CPU-bound threads (at least one): the
/// cores less the statements running at a time over the last second. Background threads
/// yield to statements, but with as many of them as cores they mostly yield to each other
/// while a woken statement waits: on two cores under two clients' DML, one reader instead
/// of two kept the DML p99 lower in eight of eleven paired runs, and the build took about
/// as long (BENCHMARKS.md). A second that was busy but has no statement under way for
/// [`QUIET_PROBE`] was a load that has ended (CREATE INDEX right after LOAD DATA): all
/// cores are spare.
pub(super) fn spare_cores(domain: &Domain) -> usize {
    let busy = domain.latency.in_flight(std::time::Duration::from_secs(1));
    let busy = if busy >= 0.5 && domain.latency.quiet_for(QUIET_PROBE) {
        0.0
    } else {
        busy
    };
    (core_count() as f64 - busy).round().max(1.0) as usize
}

/// How long no client statement may run for the clients' load to count as ended. Under
/// two clients' DML neither is ever idle that long (a build then still reads with one
/// thread per spare core).
const QUIET_PROBE: std::time::Duration = std::time::Duration::from_millis(10);

/// Job `job_id`'s (worker count, batch size): its own (ADMIN ALTER DDL JOBS) or the global
/// variables', read again at every call so that a change reaches a running backfill.
pub(super) fn job_knobs(domain: &Domain, job_id: i64) -> Result<(usize, usize)> {
    let params = {
        let txn = domain.store.begin()?;
        queue::get_job(txn.as_ref(), job_id)?.map(|j| j.reorg_params)
    }
    .unwrap_or_default();
    let threads = match params.thread {
        Some(n) => i64::from(n),
        None => knob(domain, "tidb_ddl_reorg_worker_cnt", 4, 1, 256),
    };
    let batch = match params.batch_size {
        Some(n) => i64::from(n),
        None => knob(domain, "tidb_ddl_reorg_batch_size", 256, 32, 10240),
    };
    Ok((
        threads.clamp(1, 256) as usize,
        batch.clamp(32, 10240) as usize,
    ))
}

/// Job `job_id`'s MAX_WRITE_SPEED in bytes per second (0: unlimited): its own (ADMIN ALTER
/// DDL JOBS) or `tidb_ddl_reorg_max_write_speed`, read again at every call.
pub(super) fn max_write_speed(domain: &Domain, job_id: i64) -> Result<u64> {
    let own = {
        let txn = domain.store.begin()?;
        queue::get_job(txn.as_ref(), job_id)?.and_then(|j| j.reorg_params.max_write_speed)
    };
    if let Some(speed) = own {
        return Ok(speed);
    }
    Ok(global_max_write_speed(&domain.globals.read()))
}

/// `tidb_ddl_reorg_max_write_speed` in bytes per second (0: unlimited).
pub fn global_max_write_speed(globals: &crate::domain::variables::GlobalVariables) -> u64 {
    globals
        .get("tidb_ddl_reorg_max_write_speed")
        .and_then(|(_, v)| crate::types::byte_size::parse(&v.to_string_lossy()))
        .unwrap_or(0)
}

/// A range of rows for one worker, inclusive.
struct Task {
    first: i64,
    last: i64,
}

enum Done {
    Ok {
        first: i64,
        rows: u64,
        warnings: Vec<JobWarning>,
    },
    Failed(Error),
}

/// What a backfill does to each row of a range, inside the range's transaction; what it
/// warns about goes to `warn`.
trait RowWork: Sync {
    fn apply(
        &self,
        txn: &mut dyn kv::Transaction,
        table: &Table,
        handle: i64,
        row: &[Value],
        warn: &mut dyn FnMut(Error),
    ) -> table::Result<()>;
}

/// ADD INDEX: the row's entry, where DML writes the index now: a txn-merge backfill (DML
/// writes only the temporary index) writes the temporary index too. The row is locked, so
/// a concurrent change to it makes the range's commit fail (and the range is done again).
struct IndexEntries<'a>(&'a IndexInfo);

impl RowWork for IndexEntries<'_> {
    fn apply(
        &self,
        txn: &mut dyn kv::Transaction,
        table: &Table,
        handle: i64,
        row: &[Value],
        _warn: &mut dyn FnMut(Error),
    ) -> table::Result<()> {
        if self.0.backfill.writes_temp_index() {
            table.put_temp_entry(txn, self.0, row, handle)?;
        } else {
            let (key, value) = table.index_entry(txn, self.0, row, handle)?;
            txn.put(key, value);
        }
        txn.lock(table.record_key(handle));
        Ok(())
    }
}

/// ADD COLUMN of a generated column: the row rewritten with the column's value (unless DML
/// wrote it already).
struct GeneratedValues {
    column: usize,
    value: ColumnValue,
}

impl RowWork for GeneratedValues {
    fn apply(
        &self,
        txn: &mut dyn kv::Transaction,
        table: &Table,
        handle: i64,
        row: &[Value],
        _warn: &mut dyn FnMut(Error),
    ) -> table::Result<()> {
        let v = (self.value)(handle, row).map_err(table::Error::Resolve)?;
        if row.get(self.column) == Some(&v) {
            return Ok(());
        }
        let mut new = row.to_vec();
        new[self.column] = v;
        table.update_record(txn, handle, row, &new)
    }
}

/// MODIFY COLUMN that rewrites data: the row stored again with its changing column (this
/// id) converted, and its entries in the changing indexes. Every changing column of the
/// table is computed (a multi-schema change has several); only this one's warnings are
/// this work's.
struct ConvertedValues(u64);

impl RowWork for ConvertedValues {
    fn apply(
        &self,
        txn: &mut dyn kv::Transaction,
        table: &Table,
        handle: i64,
        row: &[Value],
        warn: &mut dyn FnMut(Error),
    ) -> table::Result<()> {
        table.convert_record(txn, handle, row, &mut |column, e| {
            if column == self.0 {
                warn(e);
            }
        })
    }
}

pub fn backfill_index(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let index = index_being_built(table, index_id)?.clone();
    tracing::info!(job_id = job.id, table = %table.name, index = %index.name, "backfill started");
    backfill(domain, job, table, &IndexEntries(&index))
}

/// Writes the value of the generated column `column_id` being added into every row.
pub fn backfill_generated(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    column_id: u64,
) -> Result<Outcome> {
    let column = table
        .columns
        .iter()
        .position(|c| c.id == column_id)
        .ok_or_else(|| Error::internal("the column being added vanished"))?;
    let value = row_expressions::installed()?.generated(&job.db_name, table, column)?;
    tracing::info!(job_id = job.id, table = %table.name, column = %table.columns[column].name, "backfill started");
    backfill(domain, job, table, &GeneratedValues { column, value })
}

/// Converts every row's value of a MODIFY COLUMN's changing column `column_id`.
pub fn backfill_converted(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    column_id: u64,
) -> Result<Outcome> {
    let column = table
        .columns
        .iter()
        .find(|c| c.id == column_id)
        .ok_or_else(|| Error::internal("the changing column vanished"))?;
    tracing::info!(job_id = job.id, table = %table.name, column = %column.name, "backfill started");
    backfill(domain, job, table, &ConvertedValues(column_id))
}

/// Walks the table's rows in ranges, `work` done on each range in a transaction, from the
/// job's checkpoint on.
fn backfill(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    work: &dyn RowWork,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(table.clone()));
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
    let (task_tx, task_rx) = channel::unbounded::<Task>();
    let (done_tx, done_rx) = channel::unbounded::<Done>();
    let error_limit = knob(domain, "tidb_ddl_error_count_limit", 512, 0, i64::MAX) as u64;
    let started = Instant::now();
    // Progress: the share of the handle space behind the checkpoint.
    let bounds = {
        let txn = domain.store.begin()?;
        table.handle_bounds(txn.as_ref())?
    };
    let share = |next: Option<i64>| match (bounds, next) {
        (Some((min, max)), Some(next)) => {
            let span = (i128::from(max) - i128::from(min) + 1) as f64;
            Some((i128::from(next) - i128::from(min)) as f64 / span)
        }
        (_, None) => Some(0.0),
        (None, _) => None,
    };
    let tracker = Tracker::new("backfill", share(reorg.next_handle).unwrap_or(0.0));
    std::thread::scope(|scope| -> Result<Outcome> {
        let mut workers = 0usize;
        // first handle of each range in flight -> handle after its end
        let mut in_flight: BTreeMap<i64, i64> = BTreeMap::new();
        let mut finished: BTreeMap<i64, i64> = BTreeMap::new();
        let mut next = reorg.next_handle;
        let mut exhausted = false;
        let mut last_checkpoint = Instant::now();
        let mut outcome = None;
        while outcome.is_none() {
            let (worker_cnt, batch) = job_knobs(domain, job.id)?;
            while workers < worker_cnt {
                let (rx, tx, table, domain) =
                    (task_rx.clone(), done_tx.clone(), &table, domain.clone());
                scope.spawn(move || worker(&domain, table, work, rx, tx, error_limit));
                workers += 1;
            }
            // Keep every worker busy.
            while !exhausted && in_flight.len() < worker_cnt {
                match next_range(domain, &table, next, batch)? {
                    Some((first, last)) => {
                        in_flight.insert(first, last.saturating_add(1));
                        next = Some(last.saturating_add(1));
                        let _ = task_tx.send(Task { first, last });
                        if last == i64::MAX {
                            exhausted = true;
                        }
                    }
                    None => exhausted = true,
                }
            }
            if in_flight.is_empty() && exhausted {
                outcome = Some(Outcome::Done(reorg.row_count));
                break;
            }
            match done_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Done::Ok {
                    first,
                    rows,
                    warnings,
                }) => {
                    if let Some(end) = in_flight.remove(&first) {
                        finished.insert(first, end);
                        reorg.row_count += rows;
                        for w in &warnings {
                            JobWarning::add(&mut reorg.warnings, &w.first, w.count);
                        }
                    }
                }
                Ok(Done::Failed(e)) => {
                    drop(task_tx);
                    return Err(e);
                }
                Err(_) => {}
            }
            // The checkpoint is the end of the finished prefix: nothing before it is missing.
            let first_unfinished = in_flight.keys().next().copied();
            while let Some((&first, &end)) = finished.iter().next() {
                if first_unfinished.is_some_and(|u| u < first) {
                    break;
                }
                finished.remove(&first);
                reorg.next_handle = Some(end);
            }
            // Under the `reorg-slow` failpoint every pass here (a finished range, or 100 ms
            // without one) is a checkpoint, so that a small table's backfill is slowed too
            // (and can be watched running).
            let slowed = domain.failpoints.is_set("reorg-slow");
            if last_checkpoint.elapsed() >= CHECKPOINT_EVERY || slowed {
                last_checkpoint = Instant::now();
                reorg.progress = Some(tracker.at(share(reorg.next_handle)));
                save(domain, job.id, &reorg)?;
                if should_stop(domain, job.id)? {
                    outcome = Some(Outcome::Interrupted);
                }
            }
        }
        drop(task_tx);
        let outcome = outcome.unwrap_or(Outcome::Interrupted);
        if let Outcome::Done(rows) = &outcome {
            reorg.row_count = *rows;
            let secs = started.elapsed().as_secs_f64();
            tracing::info!(
                job_id = job.id,
                rows,
                secs,
                rate = (*rows as f64 / secs.max(1e-9)) as u64,
                "backfill finished"
            );
        }
        save(domain, job.id, &reorg)?;
        Ok(outcome)
    })
}

/// Finds the next range of up to `batch` rows from `from`: (first handle, last handle).
fn next_range(
    domain: &Domain,
    table: &Table,
    from: Option<i64>,
    batch: usize,
) -> Result<Option<(i64, i64)>> {
    let txn = domain.store.begin()?;
    let range = HandleRange {
        start: from.map_or(Bound::Unbounded, Bound::Included),
        end: Bound::Unbounded,
    };
    let mut first = None;
    let mut last = None;
    let mut n = 0;
    table.scan_rows(txn.as_ref(), &range, false, |h, _| {
        first.get_or_insert(h);
        last = Some(h);
        n += 1;
        Ok(n < batch)
    })?;
    Ok(first.zip(last))
}

fn worker(
    domain: &Domain,
    table: &Table,
    work: &dyn RowWork,
    tasks: channel::Receiver<Task>,
    done: channel::Sender<Done>,
    error_limit: u64,
) {
    let mut errors = 0u64;
    while let Ok(task) = tasks.recv() {
        loop {
            match backfill_range(domain, table, work, &task) {
                Ok((rows, warnings)) => {
                    let _ = done.send(Done::Ok {
                        first: task.first,
                        rows,
                        warnings,
                    });
                    break;
                }
                Err(table::Error::Kv(kv::Error::WriteConflict)) if errors < error_limit => {
                    // A row of the range changed under us: do the range again.
                    errors += 1;
                }
                Err(e) => {
                    let _ = done.send(Done::Failed(e.into()));
                    return;
                }
            }
        }
    }
}

/// Does `work` on the rows of `task`'s range in one transaction: how many, and what it
/// warned about.
fn backfill_range(
    domain: &Domain,
    table: &Table,
    work: &dyn RowWork,
    task: &Task,
) -> table::Result<(u64, Vec<JobWarning>)> {
    let mut txn = domain.store.begin()?;
    let mut rows: Vec<(i64, Vec<Value>)> = Vec::new();
    let range = HandleRange {
        start: Bound::Included(task.first),
        end: Bound::Included(task.last),
    };
    table.scan_rows(txn.as_ref(), &range, false, |h, row| {
        rows.push((h, row));
        Ok(true)
    })?;
    let mut warnings = Vec::new();
    let mut warn = |e: Error| JobWarning::add(&mut warnings, &SavedError::from(&e), 1);
    for (handle, row) in &rows {
        work.apply(txn.as_mut(), table, *handle, row, &mut warn)?;
    }
    txn.commit()?;
    Ok((rows.len() as u64, warnings))
}

pub(super) fn save(domain: &Domain, job_id: i64, reorg: &queue::Reorg) -> Result<()> {
    if let Some(ms) = domain.failpoints.number("reorg-slow") {
        std::thread::sleep(Duration::from_millis(ms));
    }
    loop {
        let mut txn = domain.store.begin()?;
        queue::put_reorg(txn.as_mut(), job_id, reorg);
        match txn.commit() {
            Ok(_) => return Ok(()),
            Err(kv::Error::WriteConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Stop when the job is being cancelled or paused, or this node is no longer the owner.
pub(super) fn should_stop(domain: &Domain, job_id: i64) -> Result<bool> {
    if domain.is_stopped() || !domain.ownership.is_owner() {
        return Ok(true);
    }
    let txn = domain.store.begin()?;
    let state = queue::get_job(txn.as_ref(), job_id)?.map(|j| j.state);
    Ok(!matches!(state, Some(JobState::Running)))
}
