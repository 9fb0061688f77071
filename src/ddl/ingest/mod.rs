//! Fast reorg: ADD INDEX by ingest (TiDB's `tidb_ddl_enable_fast_reorg = ON`).
//!
//! While the index is in write reorganization with its temporary index `running` (DML writes
//! only the temporary index, see `table`'s temp index), [`ingest_index`] reads the table at
//! a snapshot, encodes every row's entry the way DML does (`Table::index_pair`), sorts the
//! entries externally under the node's DDL temp directory (`<temp-dir>/tmp_ddl-<port>/<job
//! id>`) and writes them with `Store::ingest`: blind, sorted, no per-row transaction. A
//! unique index's duplicates meet in the sorted stream and fail the job with 1062. Then every
//! node writes both indexes (`ready to merge`), and [`merge_temp_index`] replays the
//! temporary index onto the real one in small transactions (`merging`), so the changes made
//! during the build are not lost.
//!
//! An interrupted read-and-sort starts again (entries are idempotent: the same key gets the
//! same value); the merge resumes from its checkpointed key.

mod sort;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::backfill::{save, should_stop, Outcome, CHECKPOINT_EVERY};
use super::job::Job;
use super::queue;
use crate::catalog::{IndexInfo, TableInfo};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv;
use crate::table::{self, HandleRange, Table};
use sort::Sorter;

/// Memory the sort may hold before it spills a run to disk.
const SORT_MEMORY: usize = 64 << 20;
/// Entries per `Store::ingest` call: other commits wait while one runs.
const INGEST_CHUNK: usize = 64 * 1024;
/// Temporary-index keys per merge transaction.
const MERGE_BATCH: usize = 256;

/// Where job `job_id` sorts its entries.
pub fn job_dir(domain: &Domain, job_id: i64) -> PathBuf {
    domain.ddl_temp_dir().join(job_id.to_string())
}

fn index_of(table: &TableInfo, index_id: i64) -> Result<&IndexInfo> {
    table
        .indexes
        .iter()
        .find(|i| i.id == index_id)
        .ok_or_else(|| Error::internal("the index being added vanished"))
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(8247, "HY000", format!("Ingest failed: {what}: {e}"))
}

/// Builds `index_id` of `table` from a snapshot of the rows by sort and ingest.
pub fn ingest_index(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let dir = job_dir(domain, job.id);
    // Whatever an interrupted run left is stale: this run reads a new snapshot.
    let _ = std::fs::remove_dir_all(&dir);
    let result = sort_and_ingest(domain, job, table, index_id, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn sort_and_ingest(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
    dir: &std::path::Path,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_of(info, index_id)?;
    let mut sorter = Sorter::new(dir, SORT_MEMORY).map_err(|e| io_error("temp dir", e))?;
    let started = Instant::now();
    let snapshot = domain.store.begin_at(domain.store.current_ts())?;
    let mut reorg = queue::Reorg::default();
    let mut last_save = Instant::now();
    let mut failure: Option<Error> = None;
    let mut stopped = false;
    table.scan_rows(
        snapshot.as_ref(),
        &HandleRange::all(),
        false,
        |handle, row| {
            let (key, value) = table.index_pair(index, &row, handle);
            if let Err(e) = sorter.add(key, value) {
                failure = Some(io_error("sort", e));
                return Ok(false);
            }
            reorg.row_count += 1;
            if last_save.elapsed() >= CHECKPOINT_EVERY {
                last_save = Instant::now();
                // Progress people can read: ROW_COUNT moves while rows are read and sorted.
                if let Err(e) = save(domain, job.id, &reorg) {
                    failure = Some(e);
                    return Ok(false);
                }
                match should_stop(domain, job.id) {
                    Ok(false) => {}
                    Ok(true) => {
                        stopped = true;
                        return Ok(false);
                    }
                    Err(e) => {
                        failure = Some(e);
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        },
    )?;
    drop(snapshot);
    if let Some(e) = failure {
        return Err(e);
    }
    if stopped {
        return Ok(Outcome::Interrupted);
    }
    let rows = reorg.row_count;
    let spilled = sorter.spilled_bytes;
    let sorted = sorter.finish().map_err(|e| io_error("sort", e))?;
    let mut chunk: Vec<kv::Pair> = Vec::with_capacity(INGEST_CHUNK);
    let mut previous: Option<Vec<u8>> = None;
    for pair in sorted {
        let (key, value) = pair.map_err(|e| io_error("sort", e))?;
        if previous.as_deref() == Some(key.as_slice()) {
            // Two rows with the same values in a unique index.
            let existing = crate::codec::keys::decode_handle_value(&value).unwrap_or(0);
            let e: table::Error = table.duplicate_entry(index, &key, existing);
            return Err(e.into());
        }
        previous = Some(key.clone());
        chunk.push((key, value));
        if chunk.len() == INGEST_CHUNK {
            domain.store.ingest(&mut chunk.drain(..))?;
        }
    }
    if !chunk.is_empty() {
        domain.store.ingest(&mut chunk.drain(..))?;
    }
    tracing::info!(
        job_id = job.id,
        rows,
        spilled_bytes = spilled,
        secs = started.elapsed().as_secs_f64(),
        "ingest backfill finished"
    );
    Ok(Outcome::Done(rows))
}

/// Replays the temporary index of `index_id` onto the index, from the checkpoint on.
pub fn merge_temp_index(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_of(info, index_id)?;
    let mut reorg = {
        let txn = domain.store.begin()?;
        queue::get_reorg(txn.as_ref(), job.id)?
    };
    let mut last_save = Instant::now();
    loop {
        if should_stop(domain, job.id)? {
            save(domain, job.id, &reorg)?;
            return Ok(Outcome::Interrupted);
        }
        let mut txn = domain.store.begin()?;
        let (n, next) = table.merge_temp_entries(
            txn.as_mut(),
            index,
            reorg.next_key.as_deref(),
            MERGE_BATCH,
        )?;
        match txn.commit() {
            Ok(_) => {}
            // A row changed under the batch: do it again.
            Err(kv::Error::WriteConflict) => continue,
            Err(e) => return Err(e.into()),
        }
        reorg.next_key = next;
        if reorg.next_key.is_none() {
            save(domain, job.id, &reorg)?;
            return Ok(Outcome::Done(reorg.row_count));
        }
        if n > 0 && last_save.elapsed() >= CHECKPOINT_EVERY {
            last_save = Instant::now();
            save(domain, job.id, &reorg)?;
        }
    }
}
