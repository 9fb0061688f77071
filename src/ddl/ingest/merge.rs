//! Merging the temporary index into the index (`merging`): the operations DML recorded
//! while the entries were read and ingested are replayed in small transactions, from a
//! checkpointed key on: by the job itself over the whole temporary index, or by the
//! subtasks of its distributed task, each over a range of it.

use std::sync::Arc;
use std::time::Instant;

use super::{JobSteer, Steer};
use crate::catalog::TableInfo;
use crate::codec::keys;
use crate::ddl::backfill::{index_being_built, Outcome, CHECKPOINT_EVERY};
use crate::ddl::job::Job;
use crate::ddl::progress::{fraction, Tracker};
use crate::ddl::queue::{self, Reorg};
use crate::ddl::throttle;
use crate::domain::Domain;
use crate::error::Result;
use crate::kv::{self, KeyRange};
use crate::table::Table;

/// Temporary-index keys per merge transaction.
const MERGE_BATCH: usize = 256;

/// Replays the temporary index of `index_id` onto the index, from the job's checkpoint on.
pub fn merge_temp_index(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
    let steer = JobSteer {
        domain,
        job_id: job.id,
    };
    let whole = temp_index_range(info.id, index_id);
    // The job's row count stays the rows its index was built from.
    Ok(
        match merge_range(domain, &steer, job.id, info, index_id, &whole, &mut reorg)? {
            Outcome::Done(_) => Outcome::Done(reorg.row_count),
            interrupted => interrupted,
        },
    )
}

/// The keys of the temporary index of `index_id`.
pub fn temp_index_range(table_id: i64, index_id: i64) -> KeyRange {
    KeyRange::prefix(&keys::index_prefix(table_id, keys::temp_index_id(index_id)))
}

/// Replays the temporary-index keys of `range` onto the index `index_id` of job
/// `job_id`, from `reorg.next_key` on (the checkpoint, kept in `reorg` and saved through
/// `steer`); done, it tells how many keys it replayed.
pub(in crate::ddl) fn merge_range(
    domain: &Arc<Domain>,
    steer: &dyn Steer,
    job_id: i64,
    info: &TableInfo,
    index_id: i64,
    range: &KeyRange,
    reorg: &mut Reorg,
) -> Result<Outcome> {
    throttle::throttled(domain, job_id, || {
        merge_batches(domain, steer, info, index_id, range, reorg)
    })
}

fn merge_batches(
    domain: &Domain,
    steer: &dyn Steer,
    info: &TableInfo,
    index_id: i64,
    range: &KeyRange,
    reorg: &mut Reorg,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_being_built(info, index_id)?;
    let from = reorg
        .next_key
        .clone()
        .unwrap_or_else(|| range.start.clone());
    let total = keys_in(domain, &from, &range.end)?;
    let tracker = Tracker::new("merge", 0.0);
    let until = (!range.end.is_empty()).then_some(range.end.as_slice());
    let mut next = Some(from);
    let mut merged = 0u64;
    let mut last_save = Instant::now();
    let (started, mut batches, mut conflicts) = (Instant::now(), 0u64, 0u64);
    loop {
        if steer.should_stop()? {
            steer.save(reorg)?;
            return Ok(Outcome::Interrupted);
        }
        let mut txn = domain.store.begin()?;
        // A row changed twice during the build has its first change replayed here onto
        // the entry its second one (writing the index too by now) changes again: the
        // client's transaction, the newer change, must not fail for it.
        txn.mark_replay();
        let (n, after) =
            table.merge_temp_entries(txn.as_mut(), index, next.as_deref(), until, MERGE_BATCH)?;
        batches += 1;
        match txn.commit() {
            Ok(_) => {}
            // A row changed under the batch: do it again.
            Err(kv::Error::WriteConflict) => {
                conflicts += 1;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        merged += n as u64;
        next = after;
        reorg.next_key = next.clone();
        reorg.progress = Some(tracker.at(fraction(merged, total)));
        if next.is_none() {
            steer.save(reorg)?;
            tracing::info!(
                keys = merged,
                batches,
                conflicts,
                secs = started.elapsed().as_secs_f64(),
                "temporary index merged"
            );
            return Ok(Outcome::Done(merged));
        }
        // Under the `reorg-slow` failpoint every batch is a checkpoint, so that a short
        // merge is slowed too (and can be watched, paused or killed).
        let slowed = domain.failpoints.is_set("reorg-slow");
        if n > 0 && (last_save.elapsed() >= CHECKPOINT_EVERY || slowed) {
            last_save = Instant::now();
            steer.save(reorg)?;
        }
    }
}

/// How many keys lie in `[from, end)` (the merge's total, for progress; empty `end`: no end).
fn keys_in(domain: &Domain, from: &[u8], end: &[u8]) -> Result<u64> {
    let mut range = KeyRange {
        start: from.to_vec(),
        end: end.to_vec(),
    };
    let txn = domain.store.begin()?;
    let mut n = 0u64;
    loop {
        let batch = txn.scan(&range, 1024, false)?;
        n += batch.len() as u64;
        match batch.last() {
            Some((last, _)) if batch.len() == 1024 => {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
            _ => return Ok(n),
        }
    }
}
