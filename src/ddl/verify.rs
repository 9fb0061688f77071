//! The last check of a built index before it turns public (beyond TiDB, which publishes
//! what it built): at one snapshot, the entry count and a checksum over the index's
//! entries must equal those computed from the rows, the way ADMIN CHECK INDEX compares
//! them. Every node writes the index itself by then, so rows and index agree at any
//! snapshot. A difference fails the job, which rolls back instead of publishing a wrong
//! index; the error names the first differing entry (ADMIN CHECK's 8223) when it can.
//!
//! The rows are read in handle ranges by `tidb_ddl_reorg_worker_cnt` threads (at most one
//! per core), the index alongside on another; memory stays small whatever the table's size.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::backfill::{index_being_built, save, should_stop, Outcome, CHECKPOINT_EVERY};
use super::ingest::chunks;
use super::job::Job;
use super::progress::{fraction, Tracker};
use super::queue;
use super::throttle::Throttle;
use crate::catalog::{IndexInfo, TableInfo};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::table::{Digest, Table};

/// Handles per range of rows.
const RANGE_SPAN: u64 = 64 * 1024;

pub fn verify_index(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_being_built(info, index_id)?;
    let started = Instant::now();
    let snapshot = domain.store.begin_at(domain.store.current_ts())?;
    let snapshot = snapshot.as_ref();
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
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
    let mut throttle = Throttle::start(domain);
    // Microseconds each thread rests after each range (the throttle's say).
    let pause = AtomicU64::new(0);
    // Adds the next range's rows to `digest`; false when none is left (or the work stops).
    let take = |digest: &mut Digest| -> Result<bool> {
        let range = match ranges.get(next.fetch_add(1, Ordering::Relaxed)) {
            Some(range) if !stop.load(Ordering::Relaxed) => range,
            _ => return Ok(false),
        };
        digest.merge(table.expected_digest(snapshot, index, range)?);
        std::thread::sleep(Duration::from_micros(pause.load(Ordering::Relaxed)));
        Ok(true)
    };
    let rows_side = || -> Result<Digest> {
        let mut digest = Digest::default();
        while take(&mut digest)? {}
        Ok(digest)
    };
    let readers = super::backfill::readers(domain);
    let (index_digest, rows) = std::thread::scope(|scope| {
        let index_side = scope.spawn(|| table.index_digest(snapshot, index));
        let helpers: Vec<_> = (1..readers).map(|_| scope.spawn(rows_side)).collect();
        // This thread reads rows too, and reports progress between its ranges.
        let mut rows = Digest::default();
        let mut last_save = Instant::now();
        while take(&mut rows)? {
            if last_save.elapsed() >= CHECKPOINT_EVERY {
                last_save = Instant::now();
                let rest = throttle.adjust(domain).as_micros() as u64;
                pause.store(rest, Ordering::Relaxed);
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
    if entries != rows {
        tracing::error!(
            job_id = job.id,
            ?entries,
            ?rows,
            "the built index does not match the rows"
        );
        return Err(mismatch(&table, index, snapshot, entries, rows));
    }
    tracing::info!(
        job_id = job.id,
        entries = entries.count,
        secs = started.elapsed().as_secs_f64(),
        "index verified"
    );
    Ok(Outcome::Done(entries.count))
}

/// The error for an index that does not match its rows: ADMIN CHECK's first difference,
/// or TiDB's count mismatch (8134) when that search finds none.
fn mismatch(
    table: &Table,
    index: &IndexInfo,
    snapshot: &dyn crate::kv::Transaction,
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
