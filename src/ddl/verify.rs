//! The last check of a built index before it turns public (beyond TiDB, which publishes
//! what it built): at one snapshot, the entry count and a checksum over the index's
//! entries must equal those computed from the rows, the way ADMIN CHECK INDEX compares
//! them. Every node writes the index itself by then, so rows and index agree at any
//! snapshot. A difference fails the job, which rolls back instead of publishing a wrong
//! index; the error names the first differing entry (ADMIN CHECK's 8223) when it can.
//!
//! The rows' side usually comes from the build: its readers digested the entries they
//! encoded (`queue::RowsDigest`) from the rows at one snapshot, and the store lists the rows
//! changed since (concurrent DML, whose entries the temporary index carried): the digest
//! loses each such row's entry then and gains its entry now, and only the index and those
//! rows are read. A build read at several snapshots (a restart past GC) keeps its digest
//! only if no row changed since the earliest. Too many changes, changes no longer known, a
//! build begun by an older version, or the `verify-rows-again` failpoint make the check read
//! the rows again: in handle ranges, by `tidb_ddl_reorg_worker_cnt` threads (at most one per
//! core), the index alongside on another. Otherwise that many threads read the index.
//! Memory stays small whatever the table's size.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use std::time::Instant;

use super::backfill::{index_being_built, readers, save, should_stop, Outcome, CHECKPOINT_EVERY};
use super::ingest::chunks;
use super::job::Job;
use super::progress::{fraction, Tracker};
use super::queue::{self, RowsDigest};
use super::throttle;
use crate::catalog::{IndexInfo, TableInfo};
use crate::codec::keys;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};
use crate::table::{Digest, Table};

/// Handles per range of rows.
const RANGE_SPAN: u64 = 64 * 1024;

pub fn verify_index(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    throttle::throttled(domain, job.id, || verify(domain, job, info, index_id))
}

fn verify(domain: &Domain, job: &Job, info: &TableInfo, index_id: i64) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_being_built(info, index_id)?;
    let started = Instant::now();
    let snapshot = domain.store.begin_at(domain.store.current_ts())?;
    let snapshot = snapshot.as_ref();
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
    let build = reorg.rows_digest.filter(|d| d.index_id == index_id);
    if let Some(read) = build.filter(|_| !domain.failpoints.is_set("verify-rows-again")) {
        // The phase shows while it runs; it reads in one go, so no percent.
        reorg.progress = Some(Tracker::new("verify", 0.0).at(None));
        save(domain, job.id, &reorg)?;
        // The rows' digest now, and the index's (by the job's readers), side by side.
        let (rows, entries) = std::thread::scope(|scope| {
            let rows = scope.spawn(|| rows_now(domain, &table, index, &read, snapshot));
            let entries = table.index_digest(snapshot, index, readers(domain));
            let rows = rows
                .join()
                .map_err(|_| Error::internal("the check for changed rows panicked"))?;
            Ok::<_, Error>((rows?, entries?))
        })?;
        match rows {
            Some(rows) if rows == entries => {
                release_snapshot(job.id);
                return Ok(verified(job, entries, started, false));
            }
            // The rows read again have the last word.
            Some(rows) => tracing::warn!(
                job_id = job.id,
                ?entries,
                ?rows,
                "the index does not match the rows the build read and the changes since: \
                 reading them again"
            ),
            None => {}
        }
    }
    let tracker = Tracker::new("verify", 0.0);
    let ranges = match table.handle_bounds(snapshot)? {
        Some((min, max)) => chunks(min, max, &[], RANGE_SPAN)
            .into_iter()
            .map(|c| c.range())
            .collect(),
        None => Vec::new(),
    };
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Adds the next range's rows to `digest`; false when none is left (or the work stops).
    let take = |digest: &mut Digest| -> Result<bool> {
        let range = match ranges.get(next.fetch_add(1, Ordering::Relaxed)) {
            Some(range) if !stop.load(Ordering::Relaxed) => range,
            _ => return Ok(false),
        };
        digest.merge(table.expected_digest(snapshot, index, range)?);
        Ok(true)
    };
    let rows_side = || -> Result<Digest> {
        let mut digest = Digest::default();
        while take(&mut digest)? {}
        Ok(digest)
    };
    let readers = readers(domain);
    let (index_digest, rows) = std::thread::scope(|scope| {
        let index_side = scope.spawn(|| table.index_digest(snapshot, index, 1));
        let helpers: Vec<_> = (1..readers).map(|_| scope.spawn(rows_side)).collect();
        // This thread reads rows too, and reports progress between its ranges.
        let mut rows = Digest::default();
        let mut last_save = Instant::now();
        while take(&mut rows)? {
            if last_save.elapsed() >= CHECKPOINT_EVERY {
                last_save = Instant::now();
                let taken = next.load(Ordering::Relaxed).min(ranges.len());
                reorg.progress = Some(tracker.at(fraction(taken as u64, ranges.len() as u64)));
                save(domain, job.id, &reorg)?;
                if should_stop(domain, job.id)? {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        for helper in helpers {
            rows.merge(
                helper
                    .join()
                    .map_err(|_| Error::internal("an index check panicked"))??,
            );
        }
        let index_digest = index_side
            .join()
            .map_err(|_| Error::internal("the index check panicked"))??;
        let interrupted = stop.load(Ordering::Relaxed);
        Ok::<_, Error>(((!interrupted).then_some(index_digest), rows))
    })?;
    let Some(entries) = index_digest else {
        return Ok(Outcome::Interrupted);
    };
    release_snapshot(job.id);
    if entries != rows {
        tracing::error!(
            job_id = job.id,
            ?entries,
            ?rows,
            "the built index does not match the rows"
        );
        return Err(mismatch(&table, index, snapshot, entries, rows));
    }
    Ok(verified(job, entries, started, true))
}

/// The digest of the entries the rows at `now` should have in `index`, from the build's
/// digest of the rows it read and the rows changed since; `None` when those changes cannot
/// be known (GC passed the build's snapshot, or too many rows changed to be worth it).
fn rows_now(
    domain: &Domain,
    table: &Table,
    index: &IndexInfo,
    read: &RowsDigest,
    now: &dyn Transaction,
) -> Result<Option<Digest>> {
    let records = KeyRange::prefix(&keys::record_prefix(table.info.id));
    let Some(ts) = read.snapshot() else {
        // Rows read at several snapshots: the digest holds only if no row has changed since
        // the earliest (a limit of no key: any change is "too many").
        let unchanged = domain.store.changes_since(&records, read.since, 0)?;
        return Ok(unchanged.map(|_| read.entries));
    };
    // Past a quarter of the rows, reading them all again costs less than two reads each.
    let limit = usize::try_from(read.entries.count / 4).map_or(usize::MAX, |n| n.max(1024));
    let Some(changed) = domain.store.changes_since(&records, ts, limit)? else {
        return Ok(None);
    };
    let mut digest = read.entries;
    if !changed.is_empty() {
        let Ok(then) = domain.store.begin_at(ts) else {
            return Ok(None);
        };
        table.update_digest(then.as_ref(), now, index, &changed, &mut digest)?;
        tracing::debug!(
            rows = changed.len(),
            "rows changed since the build read them"
        );
    }
    Ok(Some(digest))
}

/// The job's outcome for an index found equal to its rows; `rows_read`: whether the rows
/// were read again (else their digest is the build's).
fn verified(job: &Job, entries: Digest, started: Instant, rows_read: bool) -> Outcome {
    tracing::info!(
        job_id = job.id,
        entries = entries.count,
        rows_read,
        secs = started.elapsed().as_secs_f64(),
        "index verified"
    );
    Outcome::Done(entries.count)
}

/// The error for an index that does not match its rows: ADMIN CHECK's first difference,
/// or TiDB's count mismatch (8134) when that search finds none.
fn mismatch(
    table: &Table,
    index: &IndexInfo,
    snapshot: &dyn Transaction,
    entries: Digest,
    rows: Digest,
) -> Error {
    if let Ok(Some(m)) = table.check_index(snapshot, index) {
        return m.error(&table.info.name, &index.name);
    }
    Error::new(
        8134,
        "HY000",
        format!(
            "data inconsistency in table: {}, index: {}, index-count:{} != record-count:{}",
            table.info.name, index.name, entries.count, rows.count
        ),
    )
}

/// Snapshots held for index builds, by job: from the build's first read to its
/// verification, GC stays below the snapshot the build's digest of the rows dates from, so
/// that a row deleted since cannot vanish without a trace before the verification asks
/// (`Store::changes_since`). In memory only: after a restart the verification may find GC
/// has passed it and read the rows again.
fn held() -> &'static Mutex<HashMap<i64, Box<dyn Transaction>>> {
    static HELD: OnceLock<Mutex<HashMap<i64, Box<dyn Transaction>>>> = OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// Holds a snapshot at `ts` for job `job_id`'s verification, unless one is held already
/// (or GC has passed `ts`: the verification will read the rows again).
pub fn hold_snapshot(domain: &Domain, job_id: i64, ts: u64) {
    if let std::collections::hash_map::Entry::Vacant(slot) = held().lock().entry(job_id) {
        if let Ok(snapshot) = domain.store.begin_at(ts) {
            slot.insert(snapshot);
        }
    }
}

/// Lets GC past job `job_id`'s snapshot: its verification is done, or the job paused or
/// ended.
pub fn release_snapshot(job_id: i64) {
    held().lock().remove(&job_id);
}
