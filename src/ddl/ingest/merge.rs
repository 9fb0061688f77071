//! Merging the temporary index into the index (`merging`): the operations DML recorded
//! while the entries were read and ingested are replayed in small transactions, from a
//! checkpointed key on.

use std::sync::Arc;
use std::time::Instant;

use crate::catalog::TableInfo;
use crate::codec::keys;
use crate::ddl::backfill::{index_being_built, save, should_stop, Outcome, CHECKPOINT_EVERY};
use crate::ddl::job::Job;
use crate::ddl::progress::{fraction, Tracker};
use crate::ddl::queue;
use crate::ddl::throttle::Throttle;
use crate::domain::Domain;
use crate::error::Result;
use crate::kv::{self, KeyRange};
use crate::table::Table;

/// Temporary-index keys per merge transaction.
const MERGE_BATCH: usize = 256;

/// Replays the temporary index of `index_id` onto the index, from the checkpoint on.
pub fn merge_temp_index(
    domain: &Arc<Domain>,
    job: &Job,
    info: &TableInfo,
    index_id: i64,
) -> Result<Outcome> {
    let table = Table::new(Arc::new(info.clone()));
    let index = index_being_built(info, index_id)?;
    let mut reorg = queue::load_reorg(domain.store.as_ref(), job.id)?;
    let total = keys_to_merge(domain, info.id, index_id, reorg.next_key.as_deref())?;
    let tracker = Tracker::new("merge", 0.0);
    let mut merged = 0u64;
    let mut last_save = Instant::now();
    let mut throttle = Throttle::start(domain);
    let mut pause = std::time::Duration::ZERO;
    loop {
        std::thread::sleep(pause);
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
        merged += n as u64;
        reorg.next_key = next;
        reorg.progress = Some(tracker.at(fraction(merged, total)));
        if reorg.next_key.is_none() {
            save(domain, job.id, &reorg)?;
            return Ok(Outcome::Done(reorg.row_count));
        }
        if n > 0 && last_save.elapsed() >= CHECKPOINT_EVERY {
            last_save = Instant::now();
            pause = throttle.adjust(domain);
            save(domain, job.id, &reorg)?;
        }
    }
}

/// How many temporary-index keys lie from `from` on (the merge's total, for progress).
fn keys_to_merge(
    domain: &Domain,
    table_id: i64,
    index_id: i64,
    from: Option<&[u8]>,
) -> Result<u64> {
    let mut range = KeyRange::prefix(&keys::index_prefix(table_id, keys::temp_index_id(index_id)));
    if let Some(from) = from {
        range.start = from.to_vec();
    }
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
