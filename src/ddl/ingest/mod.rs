//! Fast reorg: ADD INDEX by ingest (TiDB's `tidb_ddl_enable_fast_reorg = ON`).
//!
//! While the index is in write reorganization with its temporary index `running` (DML writes
//! only the temporary index, see `table`'s temp index), [`ingest_index`] builds the index
//! from the rows:
//!
//! 1. **Check** (`env`): the sort directory `<temp-dir>/tmp_ddl-<port>/<job id>` can be
//!    made (else the job falls back to `txn-merge`) and its disk can take a sorted run
//!    (else 8256).
//! 2. **Read and sort** (`read`): `tidb_ddl_reorg_worker_cnt` readers (no more than the
//!    cores clients' statements leave) take chunks of the handle space, read their rows at
//!    one snapshot, encode each row's entry as DML does and sort them externally (`sort`:
//!    bounded memory, sorted runs on disk).
//! 3. **Ingest** (`write`): the readers' runs are merged into one ascending stream, checked
//!    for unique duplicates and written with `Store::ingest`: blind, sorted, no per-row
//!    transaction. Then the chunks are recorded as ingested: the checkpoint.
//!
//! Steps 2 and 3 form a round. A round ends early when the sorted data on disk reaches
//! `tidb_ddl_disk_quota` (or the disk's free space above a tenth of it, if less): what is
//! sorted is ingested and the next round reads the rest. An interrupted round (pause,
//! cancel, restart, owner change) is abandoned: its chunks are read again by the next run,
//! and entries already ingested are simply written again (the same key gets the same value,
//! and a changed row's entry is put right by the merge).
//! Then every node writes both indexes (`ready to merge`), and `merge` replays the
//! temporary index onto the real one (`merging`), so the changes made during the build
//! are not lost.

mod env;
mod merge;
mod read;
mod write;

pub(super) use merge::merge_range;
pub use merge::{merge_temp_index, temp_index_range};
pub(super) use read::{chunks, Chunk};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use std::time::{Duration, Instant};

use super::backfill::{
    cores, index_being_built, job_knobs, knob, max_write_speed, readers, save, should_stop,
    spare_cores, Outcome, CHECKPOINT_EVERY,
};
use super::job::Job;
use super::progress::{fraction, Tracker};
use super::queue::{self, RowsDigest};
use super::throttle;
use crate::catalog::{IndexInfo, TableInfo};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv::sort::Sorter;
use crate::kv::Transaction;
use crate::table::{Digest, Table};
use read::{Read, Shared};
use write::Flushed;

/// Memory all readers' sorters may hold together before they spill runs to disk.
const SORT_MEMORY: usize = 128 << 20;
/// Entries handed from the merging thread to the ingesting one at a time (and between two
/// progress reports).
const INGEST_CHUNK: usize = 64 * 1024;
/// The handle space is cut into about this many chunks per reader.
const CHUNKS_PER_READER: u64 = 16;
/// Chunks span at least this many handles.
const MIN_CHUNK_SPAN: u64 = 4096;

/// Where job `job_id` sorts its entries.
pub fn job_dir(domain: &Domain, job_id: i64) -> PathBuf {
    domain.ddl_temp_dir().join(job_id.to_string())
}

/// Removes what job `job_id` sorted under any node's directory of the temp dir: when a
/// job ends, the sort files a killed owner left (under its port, perhaps not this one) are
/// orphans.
pub fn remove_job_dirs(domain: &Domain, job_id: i64) {
    let Ok(nodes) = std::fs::read_dir(&domain.temp_dir) else {
        return;
    };
    for node in nodes.flatten() {
        if node.file_name().to_string_lossy().starts_with("tmp_ddl-") {
            let _ = std::fs::remove_dir_all(node.path().join(job_id.to_string()));
        }
    }
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(8247, "HY000", format!("Ingest failed: {what}: {e}"))
}

/// What a build reports to and asks of whoever runs it: the DDL job on the owner, or a
/// subtask of the job's distributed task on any node.
pub trait Steer: Sync {
    /// Readers for the next round.
    fn readers(&self) -> usize;
    /// Keeps the build's checkpoint and progress.
    fn save(&self, reorg: &queue::Reorg) -> Result<()>;
    /// Whether to stop now (pause, cancel, ownership lost, node stopping).
    fn should_stop(&self) -> Result<bool>;
}

/// A build run by the DDL job itself: its checkpoint is the job's reorg record.
struct JobSteer<'a> {
    domain: &'a Domain,
    job_id: i64,
}

impl Steer for JobSteer<'_> {
    fn readers(&self) -> usize {
        job_knobs(self.domain, self.job_id).map_or_else(|_| readers(self.domain), |(n, _)| cores(n))
    }

    fn save(&self, reorg: &queue::Reorg) -> Result<()> {
        save(self.domain, self.job_id, reorg)
    }

    fn should_stop(&self) -> Result<bool> {
        should_stop(self.domain, self.job_id)
    }
}

/// Whether ingest can run for job `job_id`: `Ok(false)` when the sort directory cannot be
/// made (the job falls back to txn-merge), 8256 when its disk cannot take a sorted run.
pub fn prepare(domain: &Domain, job_id: i64) -> Result<bool> {
    let dir = job_dir(domain, job_id);
    // Whatever an interrupted run left is stale: its chunks are read again.
    let _ = std::fs::remove_dir_all(&dir);
    let checked = env::check(domain, &dir);
    // The check made the directory.
    let _ = std::fs::remove_dir_all(&dir);
    match checked {
        Ok(()) => Ok(true),
        Err(env::Unfit::NoSpace(e)) => Err(e),
        Err(env::Unfit::Unavailable(why)) => {
            tracing::warn!(job_id, reason = %why, "ingest unavailable, falling back to txn-merge");
            fall_back_to_txn_merge(domain, job_id)?;
            Ok(false)
        }
    }
}

/// Builds `index_id` of `table` from the rows by sort and ingest.
pub fn ingest_index(
    domain: &Arc<Domain>,
    job: &Job,
    table: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    if !prepare(domain, job.id)? {
        // The job's next step runs the txn-merge backfill.
        return Ok(Outcome::Interrupted);
    }
    let dir = job_dir(domain, job.id);
    let reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
    let steer = JobSteer {
        domain,
        job_id: job.id,
    };
    let result = Ingest::new(domain, &steer, job.id, table, index_id, &dir, reorg, false)
        .and_then(|mut i| i.run());
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Builds the entries of the rows `rows` (handles, both ends included) of `index_id`, one
/// subtask of a distributed build: other subtasks ingest into the same index meanwhile.
/// `reorg` is the subtask's checkpoint; returns how the run ended and the checkpoint.
pub fn ingest_range(
    domain: &Arc<Domain>,
    steer: &dyn Steer,
    job_id: i64,
    subtask_id: i64,
    table: &TableInfo,
    index_id: i64,
    mut reorg: queue::Reorg,
) -> Result<(Outcome, queue::Reorg)> {
    let dir = job_dir(domain, job_id).join(format!("subtask-{subtask_id}"));
    let _ = std::fs::remove_dir_all(&dir);
    let unfit = match env::check(domain, &dir) {
        Ok(()) => None,
        Err(env::Unfit::NoSpace(e)) => Some(e),
        Err(env::Unfit::Unavailable(why)) => Some(io_error("temp dir", std::io::Error::other(why))),
    };
    if let Some(e) = unfit {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    reorg.progress = None;
    let mut ingest = Ingest::new(domain, steer, job_id, table, index_id, &dir, reorg, true)?;
    let result = ingest.run();
    let _ = std::fs::remove_dir_all(&dir);
    Ok((result?, ingest.reorg))
}

/// Records that job `job_id` backfills in transactions into the temporary index.
fn fall_back_to_txn_merge(domain: &Domain, job_id: i64) -> Result<()> {
    let mut txn = domain.store.begin()?;
    if let Some(mut job) = queue::get_job(txn.as_ref(), job_id)? {
        job.reorg_type = Some("txn-merge".into());
        // A transactional backfill runs on the owner alone.
        job.dist_reorg = false;
        queue::put_job(txn.as_mut(), &job);
        txn.commit()?;
    }
    Ok(())
}

/// One ingest run over the rounds still to do.
struct Ingest<'a> {
    domain: &'a Arc<Domain>,
    steer: &'a dyn Steer,
    job_id: i64,
    table: Table,
    index: IndexInfo,
    dir: &'a Path,
    reorg: queue::Reorg,
    quota: u64,
    /// Other builds ingest into the index at the same time (the subtasks of a distributed
    /// build): unique entries are always checked against the store, one build at a time.
    shared: bool,
}

/// Locks by (table id, index id).
type IndexLocks = HashMap<(i64, i64), Arc<Mutex<()>>>;

/// One lock per index that several builds fill at once: a unique index's duplicate check
/// against the store and the ingest after it must not interleave with another build's.
fn unique_lock(table_id: i64, index_id: i64) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<IndexLocks>> = OnceLock::new();
    let mut locks = LOCKS.get_or_init(Default::default).lock();
    locks.retain(|_, lock| Arc::strong_count(lock) > 1);
    locks.entry((table_id, index_id)).or_default().clone()
}

impl<'a> Ingest<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        domain: &'a Arc<Domain>,
        steer: &'a dyn Steer,
        job_id: i64,
        info: &TableInfo,
        index_id: i64,
        dir: &'a Path,
        reorg: queue::Reorg,
        shared: bool,
    ) -> Result<Ingest<'a>> {
        let index = index_being_built(info, index_id)?.clone();
        let quota = domain
            .failpoints
            .number("ingest-disk-quota")
            .unwrap_or_else(|| {
                let knob = knob(domain, "tidb_ddl_disk_quota", 100 << 30, 1, i64::MAX) as u64;
                knob.min(env::room(&domain.ddl_temp_dir()))
            });
        Ok(Ingest {
            domain,
            steer,
            job_id,
            table: Table::new(Arc::new(info.clone())),
            index,
            dir,
            reorg,
            quota,
            shared,
        })
    }

    /// The snapshot a round reads at: the one the rows digested so far were read at (or
    /// their range decided at) while it can still be read, so that the whole build reads
    /// one snapshot and its verification can bring the digest up to date with the rows
    /// changed since; else the newest.
    fn round_snapshot(&self) -> Result<Box<dyn Transaction>> {
        let store = &self.domain.store;
        let earlier = self.reorg.rows_digest.map(|d| d.since);
        if let Some(ts) = earlier.filter(|&ts| ts != u64::MAX) {
            if let Ok(snapshot) = store.begin_at(ts) {
                return Ok(snapshot);
            }
        }
        Ok(store.begin_at(store.current_ts())?)
    }

    fn run(&mut self) -> Result<Outcome> {
        let (domain, job_id) = (self.domain, self.job_id);
        throttle::throttled(domain, job_id, || self.rounds())
    }

    fn rounds(&mut self) -> Result<Outcome> {
        let started = Instant::now();
        let mut round = 0u32;
        if self.reorg.ingested.is_empty() && self.reorg.ingest_bounds.is_none() {
            // A fresh build: the first round's snapshot decides the rows it reads.
            self.reorg.rows_digest = Some(RowsDigest::empty(self.index.id, u64::MAX));
        }
        loop {
            let snapshot = self.round_snapshot()?;
            // The rows are those of the first round's snapshot: rows inserted since are in
            // the temporary index (a build that chased them would never end under inserts).
            if self.reorg.ingest_bounds.is_none() {
                self.reorg.ingest_bounds = self.table.handle_bounds(snapshot.as_ref())?;
            }
            if let Some(d) = &mut self.reorg.rows_digest {
                // Even a round that reads nothing saw the rows at its snapshot.
                d.add(Digest::default(), snapshot.start_ts());
                super::verify::hold_snapshot(self.domain, self.job_id, d.since);
            }
            let Some((min, max)) = self.reorg.ingest_bounds else {
                break;
            };
            let readers = self.steer.readers().min(spare_cores(self.domain));
            let total_span = Chunk {
                first: min,
                last: max,
            }
            .span();
            let span = (total_span / (readers as u64 * CHUNKS_PER_READER)).max(MIN_CHUNK_SPAN);
            let todo = read::chunks(min, max, &self.reorg.ingested, span);
            if todo.is_empty() {
                break;
            }
            let read_started = Instant::now();
            let Some((reads, rows)) =
                self.read_round(snapshot.as_ref(), todo, readers, round, total_span)?
            else {
                return Ok(Outcome::Interrupted);
            };
            let ts = snapshot.start_ts();
            drop(snapshot);
            let read_secs = read_started.elapsed().as_secs_f64();
            let write_started = Instant::now();
            let chunks: Vec<Chunk> = reads.iter().flat_map(|r| r.chunks.clone()).collect();
            let mut digest = Digest::default();
            for r in &reads {
                digest.merge(r.digest);
            }
            let sorters: Vec<Sorter> = reads.into_iter().map(|r| r.sorter).collect();
            // The round's peak use of the temp dir.
            let spilled_bytes: u64 = sorters.iter().map(|s| s.spilled_bytes).sum();
            // From the second round on (or after a restart) entries may be in the store.
            let check_store = !self.reorg.ingested.is_empty() || self.shared;
            let lock = (self.shared && self.index.unique)
                .then(|| unique_lock(self.table.info.id, self.index.id));
            let _one_at_a_time = lock.as_ref().map(|l| l.lock());
            let tracker = Tracker::new("ingest", 0.0);
            let (domain, steer, ingested_rows, job_id) = (
                self.domain,
                self.steer,
                self.reorg.ingested_rows,
                self.job_id,
            );
            let mut reorg = self.reorg.clone();
            let mut last_save = Instant::now();
            let flushed = write::flush(
                domain,
                &self.table,
                &self.index,
                sorters,
                (ts, check_store),
                &|| max_write_speed(domain, job_id),
                |written, total| {
                    if last_save.elapsed() >= CHECKPOINT_EVERY {
                        last_save = Instant::now();
                        reorg.row_count = ingested_rows + rows;
                        reorg.progress = Some(tracker.at(fraction(written, total)));
                        steer.save(&reorg)?;
                        return Ok(!steer.should_stop()?);
                    }
                    Ok(true)
                },
            )?;
            let Flushed::All(entries) = flushed else {
                return Ok(Outcome::Interrupted);
            };
            read::add_ranges(&mut self.reorg.ingested, chunks);
            if let Some(d) = &mut self.reorg.rows_digest {
                d.add(digest, ts);
            }
            self.reorg.ingested_rows += rows;
            self.reorg.row_count = self.reorg.ingested_rows;
            // Until the next round reports, the share of the rows read and ingested.
            let ingested: u64 = self
                .reorg
                .ingested
                .iter()
                .map(|&(first, last)| Chunk { first, last }.span())
                .sum();
            let share = ingested as f64 / total_span as f64;
            self.reorg.progress = Some(Tracker::new("read+sort", share).at(Some(share)));
            self.steer.save(&self.reorg)?;
            let _ = std::fs::remove_dir_all(self.round_dir(round));
            tracing::info!(
                job_id = self.job_id,
                round,
                readers,
                rows,
                entries,
                spilled_bytes,
                read_secs,
                write_secs = write_started.elapsed().as_secs_f64(),
                "ingest round written"
            );
            round += 1;
        }
        tracing::info!(
            job_id = self.job_id,
            rows = self.reorg.ingested_rows,
            rounds = round,
            secs = started.elapsed().as_secs_f64(),
            "ingest backfill finished"
        );
        Ok(Outcome::Done(self.reorg.ingested_rows))
    }

    fn round_dir(&self, round: u32) -> PathBuf {
        self.dir.join(format!("round-{round}"))
    }

    /// Reads and sorts `todo` until it is done or the quota is reached; `None` when the
    /// round was abandoned. Saves progress meanwhile.
    fn read_round(
        &self,
        snapshot: &dyn Transaction,
        todo: Vec<Chunk>,
        readers: usize,
        round: u32,
        total_span: u64,
    ) -> Result<Option<(Vec<Read>, u64)>> {
        let left: u64 = todo.iter().map(|c| c.span()).sum();
        let done_share = 1.0 - left as f64 / total_span as f64;
        let (tx, rx) = crossbeam::channel::unbounded();
        for chunk in todo {
            let _ = tx.send(chunk);
        }
        drop(tx);
        let slow = self.domain.failpoints.number("reorg-slow").unwrap_or(0);
        let shared = Shared {
            pause_us: slow.saturating_mul(1000),
            ..Shared::default()
        };
        let dir = self.round_dir(round);
        // The quota counts only spilled data: with the quota failpoint the sorters' memory
        // is capped at the quota too, so that small tables spill and need several rounds.
        let memory = match self.domain.failpoints.number("ingest-disk-quota") {
            Some(quota) => (SORT_MEMORY / readers).min(quota.max(1) as usize),
            None => SORT_MEMORY / readers,
        };
        let sorters = (0..readers)
            .map(|i| Sorter::new(&dir.join(format!("reader-{i}")), memory))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| io_error("temp dir", e))?;
        let tracker = Tracker::new("read+sort", done_share);
        let mut reorg = self.reorg.clone();
        std::thread::scope(|scope| {
            let handles: Vec<_> = sorters
                .into_iter()
                .map(|sorter| {
                    let (rx, shared, table, index) = (&rx, &shared, &self.table, &self.index);
                    scope.spawn(move || {
                        let read =
                            read::read(table, index, snapshot, rx, sorter, shared, self.quota);
                        if read.is_err() {
                            shared.abort.store(true, Ordering::Relaxed);
                        }
                        read
                    })
                })
                .collect();
            let mut trouble: Option<Error> = None;
            let mut last_save = Instant::now();
            while !handles.iter().all(|h| h.is_finished()) {
                std::thread::sleep(Duration::from_millis(20));
                if last_save.elapsed() < CHECKPOINT_EVERY || shared.abort.load(Ordering::Relaxed) {
                    continue;
                }
                last_save = Instant::now();
                let covered = shared.covered.load(Ordering::Relaxed) as f64;
                reorg.row_count = reorg.ingested_rows + shared.rows.load(Ordering::Relaxed);
                reorg.progress = Some(tracker.at(Some(done_share + covered / total_span as f64)));
                let stop = self
                    .steer
                    .save(&reorg)
                    .and_then(|()| self.steer.should_stop());
                match stop {
                    Ok(false) => {}
                    Ok(true) => shared.abort.store(true, Ordering::Relaxed),
                    Err(e) => {
                        trouble = Some(e);
                        shared.abort.store(true, Ordering::Relaxed);
                    }
                }
            }
            let mut reads = Vec::with_capacity(handles.len());
            for handle in handles {
                match handle.join() {
                    Ok(Ok(read)) => reads.push(read),
                    Ok(Err(e)) => {
                        trouble.get_or_insert(e);
                    }
                    Err(_) => {
                        trouble.get_or_insert(Error::internal("an ingest reader panicked"));
                    }
                }
            }
            if let Some(e) = trouble {
                return Err(e);
            }
            if shared.abort.load(Ordering::Relaxed) {
                return Ok(None);
            }
            Ok(Some((reads, shared.rows.load(Ordering::Relaxed))))
        })
    }
}
