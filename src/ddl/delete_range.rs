//! Deleting a dropped object's data after the job, as TiDB's delete-range: DROP TABLE,
//! TRUNCATE TABLE, DROP DATABASE, DROP INDEX (and a rolled-back ADD INDEX, and the temporary
//! index of a finished build) end as soon as their schema states are walked; the step that
//! ends the object also records its key ranges (`mysql.gc_delete_range`), in the same
//! transaction. The DDL owner's delete-range worker removes a recorded range from the store
//! once no open snapshot predates it (nothing can read the data any more) and moves the
//! record to `mysql.gc_delete_range_done`. Removing is idempotent, so a worker stopped
//! half-way (crash, owner change) just removes the range again.
//!
//! - `mDelRange:{job:020}:{element:020}` -> [`DeleteRange`] (to do)
//! - `mDelRangeDone:{job:020}:{element:020}` -> [`DeleteRange`] (done)

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::job::Job;
use crate::codec::keys;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};

const TODO_PREFIX: &str = "mDelRange:";
const DONE_PREFIX: &str = "mDelRangeDone:";

/// One recorded range: TiDB's `gc_delete_range` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRange {
    pub job_id: i64,
    /// The table or index (an index's temporary index: its temporary id) the data was of.
    pub element_id: i64,
    pub start_key: Vec<u8>,
    pub end_key: Vec<u8>,
    /// The store's timestamp when the range was recorded: it is removed once every open
    /// snapshot is newer.
    pub ts: u64,
}

fn key(prefix: &str, job_id: i64, element_id: i64) -> Vec<u8> {
    format!("{prefix}{job_id:020}:{element_id:020}").into_bytes()
}

fn record(txn: &mut dyn Transaction, job_id: i64, element_id: i64, prefix: &[u8]) {
    let range = KeyRange::prefix(prefix);
    let record = DeleteRange {
        job_id,
        element_id,
        start_key: range.start,
        end_key: range.end,
        ts: txn.start_ts(),
    };
    txn.put(
        key(TODO_PREFIX, job_id, element_id),
        serde_json::to_vec(&record).unwrap_or_default(),
    );
}

/// Records the rows of a temporary table whose session dropped it or ended, and removes
/// it from the registry of temporary tables, in `txn`. Not a job's: recorded under job 0.
pub fn add_temporary_table(txn: &mut dyn Transaction, table_id: i64) {
    record(txn, 0, table_id, &keys::table_prefix(table_id));
    crate::catalog::meta::remove_temporary_table(txn, table_id);
}

/// At start, before any session: every registered temporary table belonged to a session of
/// a process that is gone.
pub fn release_temporary_tables(store: &dyn crate::kv::Store) -> Result<usize> {
    let mut txn = store.begin()?;
    let ids = crate::catalog::meta::temporary_tables(txn.as_ref())?;
    for &id in &ids {
        add_temporary_table(txn.as_mut(), id);
    }
    txn.commit()?;
    Ok(ids.len())
}

/// Records a dropped table's rows and index entries for removal.
pub fn add_table(txn: &mut dyn Transaction, job: &Job, table_id: i64) {
    record(txn, job.id, table_id, &keys::table_prefix(table_id));
}

/// Records an index's entries and those of its temporary index for removal.
pub fn add_index(txn: &mut dyn Transaction, job: &Job, table_id: i64, index_id: i64) {
    record(
        txn,
        job.id,
        index_id,
        &keys::index_prefix(table_id, index_id),
    );
    add_temp_index(txn, job, table_id, index_id);
}

/// Records the entries of an index's temporary index for removal.
pub fn add_temp_index(txn: &mut dyn Transaction, job: &Job, table_id: i64, index_id: i64) {
    let temp = keys::temp_index_id(index_id);
    record(txn, job.id, temp, &keys::index_prefix(table_id, temp));
}

fn list(txn: &dyn Transaction, prefix: &str) -> Result<Vec<DeleteRange>> {
    txn.scan(&KeyRange::prefix(prefix.as_bytes()), usize::MAX, false)?
        .into_iter()
        .map(|(k, v)| {
            serde_json::from_slice(&v).map_err(|e| {
                Error::internal(format!(
                    "corrupt delete range {}: {e}",
                    String::from_utf8_lossy(&k)
                ))
            })
        })
        .collect()
}

/// The ranges still to remove (`mysql.gc_delete_range`).
pub fn pending(txn: &dyn Transaction) -> Result<Vec<DeleteRange>> {
    list(txn, TODO_PREFIX)
}

/// The ranges removed (`mysql.gc_delete_range_done`).
pub fn done(txn: &dyn Transaction) -> Result<Vec<DeleteRange>> {
    list(txn, DONE_PREFIX)
}

/// Removes every recorded range no open snapshot can read, oldest first; returns how many
/// it removed. Stops early when the node stops or loses DDL ownership.
pub fn run(domain: &Arc<Domain>) -> Result<usize> {
    let ranges = pending(domain.store.begin()?.as_ref())?;
    let mut removed = 0;
    for r in ranges {
        if domain.is_stopped() || !domain.ownership.is_owner() {
            break;
        }
        if r.ts >= domain.store.min_active_ts() {
            continue;
        }
        let started = std::time::Instant::now();
        let versions = domain
            .store
            .delete_range(&KeyRange::new(r.start_key.clone(), r.end_key.clone()))?;
        crate::dxf::storage::retry(domain.store.as_ref(), |txn| {
            txn.delete(key(TODO_PREFIX, r.job_id, r.element_id));
            txn.put(
                key(DONE_PREFIX, r.job_id, r.element_id),
                serde_json::to_vec(&r).unwrap_or_default(),
            );
            Ok(())
        })?;
        tracing::info!(
            job_id = r.job_id,
            element_id = r.element_id,
            versions,
            secs = started.elapsed().as_secs_f64(),
            "delete range removed"
        );
        removed += 1;
    }
    Ok(removed)
}
