//! Where jobs live in the store: the queue of unfinished jobs, the history of finished ones,
//! and backfill checkpoints. All under the meta prefix, so a job's state change commits in
//! the same transaction as the schema change it makes.
//!
//! - `mDDLJob:{id:020}` -> Job (queued, running, paused, ...)
//! - `mDDLJobIds` -> the ids of the queued jobs: the queue is read by id, never by scanning
//!   the job prefix, which holds the dead versions of every finished job until GC and
//!   compaction remove them (a scan there slowed each DDL step with the DDL history)
//! - `mDDLHistory:{id:020}` -> Job (synced, rollback done, cancelled)
//! - `mDDLReorg:{id:020}` -> Reorg (backfill checkpoint and progress)

use serde::{Deserialize, Serialize};

use super::job::{Job, JobWarning};
use super::progress::Progress;
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Store, Transaction};
use crate::table::Digest;

fn job_key(id: i64) -> Vec<u8> {
    format!("mDDLJob:{id:020}").into_bytes()
}

const QUEUE_IDS: &[u8] = b"mDDLJobIds";

fn history_key(id: i64) -> Vec<u8> {
    format!("mDDLHistory:{id:020}").into_bytes()
}

fn reorg_key(id: i64) -> Vec<u8> {
    format!("mDDLReorg:{id:020}").into_bytes()
}

/// Backfill progress of a reorg job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reorg {
    /// The first handle not yet backfilled; `None` = from the start.
    pub next_handle: Option<i64>,
    pub row_count: u64,
    pub done: bool,
    /// Where the merge of a temporary index goes on (`None` = from the start).
    #[serde(default)]
    pub next_key: Option<Vec<u8>>,
    /// Ingest: the smallest and largest handle at the first round's snapshot (`None`: not
    /// read yet, or no rows): what the build reads.
    #[serde(default)]
    pub ingest_bounds: Option<(i64, i64)>,
    /// Ingest: the handle ranges (inclusive) whose entries are ingested already, and how
    /// many rows they held. A resumed ingest reads only the rest.
    #[serde(default)]
    pub ingested: Vec<(i64, i64)>,
    #[serde(default)]
    pub ingested_rows: u64,
    /// Ingest: the digest of the entries encoded from the rows read so far (the ranges in
    /// `ingested`), and the snapshots they were read at. The verification before public
    /// brings it up to date with the rows changed since and compares the index with it,
    /// instead of reading every row again. `None` when unknown (a build begun by an older
    /// version).
    #[serde(default)]
    pub rows_digest: Option<RowsDigest>,
    /// The built index matched the rows (the last check before it turns public).
    #[serde(default)]
    pub verified: bool,
    /// What the work is doing now, for people.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// What the work warned about so far (a non-strict MODIFY COLUMN's values that did not
    /// fit), counted with the rows: the job takes them when the work is done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<JobWarning>,
}

/// What the entries of the rows an index build read should digest to (see
/// `Reorg::rows_digest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsDigest {
    /// The index built (a multi-schema change builds several, one after another).
    pub index_id: i64,
    pub entries: Digest,
    /// The earliest snapshot the rows were read at, or their range decided at.
    pub since: u64,
    /// The latest snapshot rows were read at (0: none yet, or a build begun by an older
    /// version). Equal to `since` when every row was read at one snapshot: the digest is
    /// then that of the rows at it, and the changes since can be applied to it.
    #[serde(default)]
    pub until: u64,
}

impl RowsDigest {
    /// Nothing read yet, at or after snapshot `since`.
    pub fn empty(index_id: i64, since: u64) -> RowsDigest {
        RowsDigest {
            index_id,
            entries: Digest::default(),
            since,
            until: 0,
        }
    }

    /// Adds rows read at snapshot `ts` whose entries digest to `entries`.
    pub fn add(&mut self, entries: Digest, ts: u64) {
        self.entries.merge(entries);
        self.since = self.since.min(ts);
        self.until = self.until.max(ts);
    }

    /// The snapshot every row was read at, if there was one.
    pub fn snapshot(&self) -> Option<u64> {
        (self.since == self.until).then_some(self.since)
    }

    /// The union of builds of `index_id` over disjoint rows; `None` if one of them is
    /// unknown, of another index, or from an older version.
    pub fn sum<'a>(
        index_id: i64,
        parts: impl IntoIterator<Item = &'a Option<RowsDigest>>,
    ) -> Option<RowsDigest> {
        parts
            .into_iter()
            .try_fold(RowsDigest::empty(index_id, u64::MAX), |mut sum, part| {
                // A part from an older version does not say when its rows were read.
                let part = part.filter(|p| p.index_id == index_id && p.until != 0)?;
                sum.add(part.entries, part.since);
                sum.until = sum.until.max(part.until);
                Some(sum)
            })
    }
}

fn decode<T: for<'de> Deserialize<'de>>(key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::internal(format!(
            "corrupt DDL record {}: {e}",
            String::from_utf8_lossy(key)
        ))
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

pub fn put_job(txn: &mut dyn Transaction, job: &Job) {
    txn.put(job_key(job.id), encode(job));
}

pub fn get_job(txn: &dyn Transaction, id: i64) -> Result<Option<Job>> {
    let key = job_key(id);
    txn.get(&key)?.map(|b| decode(&key, &b)).transpose()
}

pub fn get_history(txn: &dyn Transaction, id: i64) -> Result<Option<Job>> {
    let key = history_key(id);
    txn.get(&key)?.map(|b| decode(&key, &b)).transpose()
}

/// Puts a new job in the queue.
pub fn enqueue_job(txn: &mut dyn Transaction, job: &Job) -> Result<()> {
    let mut ids = queue_ids(txn)?;
    ids.push(job.id);
    txn.put(QUEUE_IDS.to_vec(), encode(&ids));
    put_job(txn, job);
    Ok(())
}

/// Moves a finished job from the queue to the history.
pub fn finish_job(txn: &mut dyn Transaction, job: &Job) -> Result<()> {
    let mut ids = queue_ids(txn)?;
    ids.retain(|&id| id != job.id);
    txn.put(QUEUE_IDS.to_vec(), encode(&ids));
    txn.delete(job_key(job.id));
    txn.delete(reorg_key(job.id));
    txn.put(history_key(job.id), encode(job));
    Ok(())
}

/// The ids of the queued jobs (from the job records themselves in a data directory written
/// before the id list existed).
fn queue_ids(txn: &dyn Transaction) -> Result<Vec<i64>> {
    match txn.get(QUEUE_IDS)? {
        Some(bytes) => decode(QUEUE_IDS, &bytes),
        None => Ok(scan_all(txn, b"mDDLJob:", false, usize::MAX)?
            .iter()
            .map(|j| j.id)
            .collect()),
    }
}

/// Every queued or running job, in id (submission) order.
pub fn queued_jobs(txn: &dyn Transaction) -> Result<Vec<Job>> {
    let mut ids = queue_ids(txn)?;
    ids.sort_unstable();
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        jobs.extend(get_job(txn, id)?);
    }
    Ok(jobs)
}

/// The newest `n` history jobs, newest first.
pub fn history_jobs(txn: &dyn Transaction, n: usize) -> Result<Vec<Job>> {
    scan_all(txn, b"mDDLHistory:", true, n)
}

fn scan_all(txn: &dyn Transaction, prefix: &[u8], reverse: bool, limit: usize) -> Result<Vec<Job>> {
    let mut range = KeyRange::prefix(prefix);
    let mut out = Vec::new();
    while out.len() < limit {
        let batch = txn.scan(&range, 256.min(limit - out.len()), reverse)?;
        let Some((last, _)) = batch.last() else { break };
        if reverse {
            range.end = last.clone();
        } else {
            let mut next = last.clone();
            next.push(0);
            range.start = next;
        }
        let n = batch.len();
        for (k, v) in &batch {
            out.push(decode(k, v)?);
        }
        if n < 256.min(limit) {
            break;
        }
    }
    Ok(out)
}

pub fn get_reorg(txn: &dyn Transaction, id: i64) -> Result<Reorg> {
    let key = reorg_key(id);
    Ok(txn
        .get(&key)?
        .map(|b| decode(&key, &b))
        .transpose()?
        .unwrap_or_default())
}

/// The checkpoint of job `id` as committed now (reorg work reads it when it starts).
pub fn load_reorg(store: &dyn Store, id: i64) -> Result<Reorg> {
    let txn = store.begin()?;
    get_reorg(txn.as_ref(), id)
}

pub fn put_reorg(txn: &mut dyn Transaction, id: i64, reorg: &Reorg) {
    txn.put(reorg_key(id), encode(reorg));
}
