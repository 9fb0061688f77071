//! Snapshot-isolation MVCC over one raw ordered [`Engine`] (fjall or sled).
//!
//! # Key layout
//!
//! Everything lives in the engine's one key space, split by the first byte:
//!
//! * `0x00 name` — bookkeeping: `last_commit_ts` (the timestamp oracle) and `gc_safe_point`.
//! * `0x01 escape(user_key) !commit_ts` — one version of a user key. `escape` turns 0x00 into
//!   0x00 0xFF and appends 0x00 0x00; it preserves order and no encoding is a prefix of another,
//!   so all versions of one key are contiguous and a user range `[start, end)` is exactly the
//!   engine range `[0x01 escape(start), 0x01 escape(end))`. The timestamp is stored inverted and
//!   big-endian so the newest version of a key comes first.
//!
//! A version's value is a tag byte (0x01 put, 0x00 tombstone) followed by the user value.
//!
//! # Timestamps and snapshots
//!
//! Commit timestamps are consecutive integers. The newest one is kept in memory (`last_ts`) and
//! in the `last_commit_ts` meta key, which is written in the same atomic engine batch as the
//! versions of the commit that produced it, so after a crash the oracle and the data agree. A
//! transaction's snapshot is simply `start_ts = last_ts` at begin: it reads, for every key, the
//! newest version with `commit_ts <= start_ts`.
//!
//! # Commit protocol
//!
//! Writes are buffered in the transaction. `commit` then:
//!
//! 1. takes the process-wide commit mutex (commits are serialised; they are short, as the disk
//!    sync happens outside it);
//! 2. picks `commit_ts = last_ts + 1` and checks every written key for a version newer than
//!    `start_ts` — if one exists another transaction won, and nothing is written
//!    ([`Error::WriteConflict`]); the keys of recent commits answer that from memory
//!    (`recent`), the engine is probed only for a transaction older than they reach;
//! 3. applies one engine batch with all versions plus the new `last_commit_ts` (a huge
//!    commit, on an engine whose ingest is atomic, makes `last_commit_ts` durable and then
//!    ingests its versions as sorted tables);
//! 4. publishes `last_ts = commit_ts` only now, so no snapshot can include a commit whose
//!    versions are not all in the tree;
//! 5. releases the mutex and waits until a flush covers the batch. Concurrent committers share
//!    flushes through [`group_commit::GroupCommit`], so the cost of a sync is amortised.
//!
//! Because the publish happens under the commit mutex after the batch, a snapshot either sees all
//! of a commit or none of it, and a reader never needs a lock.
//!
//! # Garbage collection
//!
//! Old versions are removed up to a safe point, the oldest open snapshot (open transactions
//! are registered by start timestamp for that): on fjall by its compactions, which drop
//! every version a newer one at or below the safe point shadows, and by a background thread
//! every [`gc::GC_INTERVAL`] that deletes what compactions cannot (deleted keys), visiting
//! only the keys committed since its previous pass ([`dirty`]); on the other engines that
//! thread deletes all of it. See [`gc`]. Snapshots older than the last safe point are
//! refused by `begin_at`, since they may no longer be complete.

mod dirty;
mod gc;
mod group_commit;
mod ingest;
mod keys;
mod latest;
mod recent;
#[cfg(test)]
mod tests;
mod write_buffer;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam::channel::Sender;
use parking_lot::Mutex;

use super::engine::{self, Batch, Engine, EngineIter, Slice};
use super::{
    Error, KeyRange, PackedPairs, Pair, PairVisitor, Result, Savepoint, Store, Transaction,
};
use gc::write_if_full;
use group_commit::GroupCommit;
use write_buffer::WriteBuffer;

/// A commit of at least this many writes is applied as an ingest when the engine's ingest
/// is atomic.
const INGEST_WRITES: usize = 50_000;

/// The embedded transactional store.
pub struct MvccStore {
    inner: Arc<Inner>,
    /// Dropping the sender stops the GC thread, which is then joined so that it no longer holds
    /// the database when `drop` returns (the directory can be reopened right away).
    gc_thread: Option<(Sender<()>, JoinHandle<()>)>,
}

/// State shared by the store, its transactions and the GC thread.
struct Inner {
    engine: Box<dyn Engine>,
    /// The newest commit whose batch is fully applied: the snapshot of a new transaction.
    last_ts: AtomicU64,
    /// Serialises conflict check, batch application and publication of `last_ts`; holds
    /// the keys of the recent commits that check looks at.
    commit_lock: Mutex<recent::Recent>,
    active: Mutex<Active>,
    group_commit: GroupCommit,
    /// Serialises GC runs; two collectors over the same keys would only waste work.
    gc_lock: Mutex<()>,
    /// The keys written since the last GC pass (taken after `commit_lock` when both are).
    dirty: Mutex<dirty::Dirty>,
    /// Whether the engine's compactions drop shadowed versions ([`gc`]); GC passes then
    /// only remove deleted keys.
    compactions_collect: bool,
    /// The newest safe point known durable, the one compactions collect at.
    durable_safe_point: Arc<AtomicU64>,
    /// The newest version of recently written keys (`latest`).
    latest: latest::Latest,
}

/// Open snapshots, and the oldest snapshot that is still complete.
///
/// One mutex covers both, and `begin` reads `last_ts` under it, so a safe point computed from
/// `min_active_ts` can never overtake a transaction that is just starting.
struct Active {
    /// start_ts -> number of open transactions reading at it.
    by_ts: BTreeMap<u64, usize>,
    /// The highest safe point GC has used. Versions only snapshots below it could read may be
    /// gone, so `begin_at` refuses such snapshots rather than return wrong results.
    gc_safe_point: u64,
}

impl MvccStore {
    /// Opens (or creates) the store in data directory `dir` with the engine the directory
    /// records (fjall for a new one).
    pub fn open(dir: &std::path::Path) -> Result<MvccStore> {
        Self::with_engine(engine::open(dir, None, &engine::Options::default())?)
    }

    /// The store over an opened engine; starts its background GC thread.
    pub fn with_engine(engine: Box<dyn Engine>) -> Result<MvccStore> {
        let last_ts = match engine.get(keys::META_LAST_TS)? {
            Some(raw) => keys::decode_ts(&raw)?,
            None => 0,
        };
        let gc_safe_point = match engine.get(keys::META_GC_SAFE_POINT)? {
            Some(raw) => keys::decode_ts(&raw)?,
            None => 0,
        };
        // After a clean close nothing is left for GC that its passes will not be told of;
        // otherwise the first pass sweeps the whole store. The record vouches for that one
        // close only: it goes before anything else is written.
        let closed_at = match engine.get(keys::META_GC_CLOSED_AT)? {
            Some(raw) => Some(keys::decode_ts(&raw)?),
            None => None,
        };
        if closed_at.is_some() {
            let mut forget = Batch::default();
            forget.delete(keys::META_GC_CLOSED_AT.to_vec());
            engine.write(forget)?;
            engine.sync()?;
        }
        let dirty = if closed_at == Some(last_ts) {
            dirty::Dirty::after_clean_close()
        } else {
            dirty::Dirty::new(last_ts)
        };
        let durable_safe_point = Arc::new(AtomicU64::new(gc_safe_point));
        let compactions_collect = engine.collect_in_compactions(Arc::new(gc::VersionGc {
            safe_point: durable_safe_point.clone(),
        }));
        let inner = Arc::new(Inner {
            engine,
            last_ts: AtomicU64::new(last_ts),
            commit_lock: Mutex::new(recent::Recent::new(last_ts)),
            active: Mutex::new(Active {
                by_ts: BTreeMap::new(),
                gc_safe_point,
            }),
            group_commit: GroupCommit::new(last_ts),
            gc_lock: Mutex::new(()),
            dirty: Mutex::new(dirty),
            compactions_collect,
            durable_safe_point,
            latest: latest::Latest::default(),
        });
        let gc_thread = gc::spawn_gc_thread(Arc::downgrade(&inner))?;
        Ok(MvccStore {
            inner,
            gc_thread: Some(gc_thread),
        })
    }

    fn begin_txn(&self, ts: Option<u64>) -> Result<MvccTransaction> {
        let start_ts = self.inner.register(ts)?;
        Ok(MvccTransaction {
            inner: self.inner.clone(),
            start_ts,
            writes: WriteBuffer::default(),
            locks: BTreeSet::new(),
            empty: Vec::new(),
            replay: false,
        })
    }
}

impl Drop for MvccStore {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.gc_thread.take() {
            drop(stop);
            if handle.join().is_err() {
                tracing::warn!("MVCC GC thread panicked");
            }
        }
        if let Err(e) = self.inner.close() {
            tracing::warn!(error = %e, "MVCC GC at close");
        }
    }
}

impl Store for MvccStore {
    fn begin(&self) -> Result<Box<dyn Transaction>> {
        Ok(Box::new(self.begin_txn(None)?))
    }

    fn begin_at(&self, ts: u64) -> Result<Box<dyn Transaction>> {
        Ok(Box::new(self.begin_txn(Some(ts))?))
    }

    fn current_ts(&self) -> u64 {
        self.inner.last_ts.load(Ordering::Acquire)
    }

    fn gc(&self, safe_point: u64) -> Result<usize> {
        let safe_point = self.inner.advance_safe_point(Some(safe_point));
        self.inner.collect(safe_point)
    }

    fn min_active_ts(&self) -> u64 {
        let active = self.inner.active.lock();
        self.inner.min_active(&active)
    }

    fn changes_since(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let inner = &self.inner;
        // GC removes versions at or below the safe point it records first: a deletion
        // above `ts` can be gone only once the recorded safe point passed `ts`, so asking
        // after the read covers a GC running meanwhile.
        let collected_above = || inner.active.lock().gc_safe_point > ts;
        if collected_above() {
            return Ok(None);
        }
        // While a snapshot at `ts` is open (an index build holds one), the commits since
        // are remembered: no need to read every version in the range.
        let remembered = inner.commit_lock.lock().changes_since(ts, range, limit);
        let changed = match remembered {
            recent::Changes::Keys(keys) => Some(keys),
            recent::Changes::TooMany => None,
            recent::Changes::Unknown => inner.keys_written_after(range, ts, limit)?,
        };
        Ok(changed.filter(|_| !collected_above()))
    }

    fn ingest(&self, ts: u64, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()> {
        let inner = &self.inner;
        if ts > inner.last_ts.load(Ordering::Acquire) {
            return Err(Error::Storage(
                "ingest above the newest commit timestamp".into(),
            ));
        }
        inner.commit_lock.lock().ingest_started(ts);
        if !inner.compactions_collect {
            // Only puts: where compactions collect, nothing here is for a GC pass.
            inner.dirty.lock().unnamed(ts);
        }
        // Versions below the newest commit: a remembered newest version may be older.
        inner.latest.clear();
        let mut versions = ingest::Versions::new(batches, ts);
        let ingested = inner.engine.ingest(&mut versions);
        inner.latest.clear();
        // Snapshots below `ts` see these versions as changes (even of a failed ingest).
        let written = versions
            .first
            .take()
            .zip(versions.last_key())
            .map(|(first, last)| KeyRange::new(first, just_after(last.to_vec())));
        let unsorted = versions.unsorted;
        let until = ts.saturating_sub(1);
        let everything = KeyRange::default();
        inner
            .commit_lock
            .lock()
            .outside_ended(&everything, until, written);
        ingested?;
        if unsorted {
            return Err(Error::Storage(
                "ingested keys must be strictly ascending".into(),
            ));
        }
        inner.engine.sync()
    }

    fn delete_range(&self, range: &KeyRange) -> Result<u64> {
        self.inner.commit_lock.lock().outside_started(range);
        let removed = self.remove_range(range);
        let last_ts = self.inner.last_ts.load(Ordering::Acquire);
        let done = Some(range.clone());
        self.inner
            .commit_lock
            .lock()
            .outside_ended(range, last_ts, done);
        removed
    }

    fn set_apart(&self, range: &KeyRange) -> Result<bool> {
        self.inner.engine.set_apart(
            &keys::data_lower_bound(&range.start),
            &keys::data_upper_bound(&range.end),
        )
    }
}

impl MvccStore {
    fn remove_range(&self, range: &KeyRange) -> Result<u64> {
        let engine = self.inner.engine.as_ref();
        self.inner.latest.clear();
        let (start, end) = (
            keys::data_lower_bound(&range.start),
            keys::data_upper_bound(&range.end),
        );
        let mut removed = 0u64;
        let mut batch = Batch::default();
        for entry in engine.range(&start, &end) {
            batch.delete(entry?.0.to_vec());
            removed += write_if_full(engine, &mut batch)? as u64;
        }
        removed += batch.len() as u64;
        if !batch.is_empty() {
            engine.write(batch)?;
        }
        self.inner.latest.clear();
        engine.sync()?;
        Ok(removed)
    }
}

impl Inner {
    /// The keys in `range` with a version above `ts` in the engine, sorted, each once;
    /// `None` when more than `limit`.
    fn keys_written_after(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let versions = self.engine.range(
            &keys::data_lower_bound(&range.start),
            &keys::data_upper_bound(&range.end),
        );
        let mut changed = Vec::new();
        // The escaped form of the last key listed (never empty: it ends with its
        // terminator); its other versions follow it.
        let mut last = Vec::new();
        for entry in versions {
            let (raw_key, _) = entry?;
            let (key, version) = keys::split_data_key(&raw_key)?;
            if version <= ts || last == key {
                continue;
            }
            if changed.len() == limit {
                return Ok(None);
            }
            changed.push(keys::unescape(key)?);
            last = key.to_vec();
        }
        Ok(Some(changed))
    }

    /// Registers a new snapshot at `ts` (or at the newest commit) and returns its timestamp.
    fn register(&self, ts: Option<u64>) -> Result<u64> {
        let mut active = self.active.lock();
        let last = self.last_ts.load(Ordering::Acquire);
        let start_ts = match ts {
            None => last,
            Some(ts) if ts > last => {
                // Later commits would become visible to it: not a snapshot.
                return Err(Error::Storage(format!(
                    "snapshot timestamp {ts} is newer than the last commit {last}"
                )));
            }
            Some(ts) if ts < active.gc_safe_point => {
                return Err(Error::Storage(format!(
                    "snapshot timestamp {ts} is older than the GC safe point {}",
                    active.gc_safe_point
                )));
            }
            Some(ts) => ts,
        };
        *active.by_ts.entry(start_ts).or_insert(0) += 1;
        Ok(start_ts)
    }

    fn unregister(&self, start_ts: u64) {
        let mut active = self.active.lock();
        if let Some(count) = active.by_ts.get_mut(&start_ts) {
            *count -= 1;
            if *count == 0 {
                active.by_ts.remove(&start_ts);
            }
        }
    }

    fn min_active(&self, active: &Active) -> u64 {
        match active.by_ts.keys().next() {
            Some(&ts) => ts,
            None => self.last_ts.load(Ordering::Acquire),
        }
    }

    /// The value of `key` in the snapshot at `ts`: its newest version at or below `ts`. One
    /// engine read, hence atomic with respect to commits and GC batches.
    fn read_at(&self, key: &[u8], ts: u64) -> Result<Option<Vec<u8>>> {
        if let Some(known) = self.latest.read(key, ts) {
            return Ok(known);
        }
        let oldest = just_after(keys::data_key(key, 0));
        match self.engine.first_in(&keys::data_key(key, ts), &oldest)? {
            Some((_, value)) => Ok(keys::decode_value(&value)?.map(<[u8]>::to_vec)),
            None => Ok(None),
        }
    }

    /// Applies a huge commit's versions as an ingest of sorted tables instead of a batch
    /// through the engine's write buffer and journal (a LOAD DATA of a million rows: about
    /// half the commit's time). The new `last_ts` is made durable first: after a crash in
    /// between, the versions are either all there, at a timestamp every later commit is
    /// above, or not there at all.
    fn apply_by_ingest(&self, writes: &[(Vec<u8>, Option<Vec<u8>>)], commit_ts: u64) -> Result<()> {
        let mut meta = Batch::default();
        meta.put(keys::META_LAST_TS, keys::encode_ts(commit_ts));
        self.engine.write(meta)?;
        self.engine.sync()?;
        // The writes' keys ascend (sorted before the commit lock was taken), and so do
        // their versions at one timestamp.
        self.engine
            .ingest(&mut ingest::commit_versions(writes, commit_ts))
    }

    /// True if some transaction committed a version of `key` after `start_ts`.
    fn written_since(&self, key: &[u8], start_ts: u64) -> Result<bool> {
        let Some(after) = start_ts.checked_add(1) else {
            return Ok(false);
        };
        let oldest = just_after(keys::data_key(key, after));
        let newer = self
            .engine
            .first_in(&keys::data_key(key, u64::MAX), &oldest)?;
        Ok(newer.is_some())
    }
}

/// Every version of every user key, in engine order.
fn all_versions(engine: &dyn Engine) -> EngineIter {
    engine.range(&keys::data_lower_bound(b""), &keys::data_upper_bound(b""))
}

/// The smallest key after `key`: an exclusive bound that includes `key`.
fn just_after(mut key: Vec<u8>) -> Vec<u8> {
    key.push(0);
    key
}

/// A transaction of [`MvccStore`]: a snapshot plus a buffer of writes.
pub struct MvccTransaction {
    inner: Arc<Inner>,
    start_ts: u64,
    /// Buffered writes, `None` meaning delete, with the log savepoints roll back.
    writes: WriteBuffer,
    /// Keys read under a lock: conflict-checked at commit like writes, but not written.
    locks: BTreeSet<Vec<u8>>,
    /// Ranges the snapshot holds no key in ([`Transaction::snapshot_is_empty`]).
    empty: Vec<KeyRange>,
    /// A replay of others' changes ([`Transaction::mark_replay`]).
    replay: bool,
}

impl Drop for MvccTransaction {
    fn drop(&mut self) {
        self.inner.unregister(self.start_ts);
    }
}

impl Transaction for MvccTransaction {
    fn start_ts(&self) -> u64 {
        self.start_ts
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.writes.get(key) {
            Some(buffered) => Ok(buffered.clone()),
            None if self.empty.iter().any(|r| r.contains(key)) => Ok(None),
            None => self.inner.read_at(key, self.start_ts),
        }
    }

    fn snapshot_is_empty(&mut self, range: &KeyRange) -> Result<bool> {
        if self.empty.contains(range) {
            return Ok(true);
        }
        let empty = SnapshotScan::new(&self.inner, range, self.start_ts, false)
            .next()
            .transpose()?
            .is_none();
        if empty {
            self.empty.push(range.clone());
        }
        Ok(empty)
    }

    // The snapshot's pairs merged with the transaction's own writes, nothing copied: the
    // snapshot's keys are unescaped into one buffer and its values lent as the engine
    // holds them.
    fn scan_each(
        &self,
        range: &KeyRange,
        limit: usize,
        reverse: bool,
        visit: &mut PairVisitor,
    ) -> Result<usize> {
        if limit == 0 || (!range.end.is_empty() && range.start >= range.end) {
            return Ok(0);
        }
        let mut snapshot = SnapshotScan::new(&self.inner, range, self.start_ts, reverse);
        let mut buffered = self
            .writes
            .range(&range.start, &range.end, reverse)
            .peekable();
        // The snapshot's next pair, read only when the merge needs it: a scan that ends at
        // `limit` reads no pair beyond it (backward, each costs a point read).
        let mut snapshot_key = Vec::new();
        let mut snapshot_value = None;
        let mut snapshot_ended = false;
        let mut visited = 0;
        while visited < limit {
            if snapshot_value.is_none() && !snapshot_ended {
                snapshot_value = snapshot.next_lent(&mut snapshot_key)?;
                snapshot_ended = snapshot_value.is_none();
            }
            // Which source holds the next key in scan order (ties go to the buffer).
            let take_snapshot = match (&snapshot_value, buffered.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(_), Some((buffered_key, _))) => {
                    let order = snapshot_key.as_slice().cmp(buffered_key.as_slice());
                    let order = if reverse { order.reverse() } else { order };
                    if order.is_eq() {
                        // Shadowed by this transaction's own write.
                        snapshot_value = None;
                    }
                    order.is_lt()
                }
            };
            if take_snapshot {
                if let Some(value) = snapshot_value.take() {
                    visited += 1;
                    if !visit(&snapshot_key, value.bytes()?)? {
                        break;
                    }
                }
            } else if let Some((key, Some(value))) = buffered.next() {
                visited += 1;
                if !visit(key, value)? {
                    break;
                }
            }
        }
        Ok(visited)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    fn savepoint(&self) -> Savepoint {
        Savepoint(self.writes.savepoint())
    }

    fn rollback_to(&mut self, savepoint: Savepoint) {
        self.writes.rollback_to(savepoint.0);
    }

    fn is_read_only(&self) -> bool {
        self.writes.is_empty()
    }

    fn written_keys(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.writes.keys_with_prefix(prefix)
    }

    fn lock(&mut self, key: Vec<u8>) {
        self.locks.insert(key);
    }

    fn mark_replay(&mut self) {
        self.replay = true;
    }

    fn commit(self: Box<Self>) -> Result<u64> {
        let inner = self.inner.clone();
        let commit_ts = (*self).apply()?;
        inner.group_commit.wait_durable(
            commit_ts,
            || inner.last_ts.load(Ordering::Acquire),
            || inner.engine.sync(),
        )?;
        Ok(commit_ts)
    }

    fn commit_unsynced(self: Box<Self>) -> Result<u64> {
        (*self).apply()
    }
}

impl MvccTransaction {
    /// Checks for conflicts and applies the writes (visible from then on, durable once the
    /// engine syncs); returns the commit timestamp.
    fn apply(mut self) -> Result<u64> {
        if self.writes.is_empty() && self.locks.is_empty() {
            return Ok(self.start_ts);
        }
        // In key order (an ingest needs it; the conflict check searches it), sorted before
        // the commit lock is taken: a LOAD DATA's millions of writes hold up no other commit.
        let mut writes = std::mem::take(&mut self.writes).into_pairs();
        writes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let locks = std::mem::take(&mut self.locks);
        let conflicts = |key: &[u8]| {
            locks.contains(key)
                || writes
                    .binary_search_by(|(k, _)| k.as_slice().cmp(key))
                    .is_ok()
        };
        let inner = &self.inner;
        let commit_ts = {
            let mut recent = inner.commit_lock.lock();
            let last = inner.last_ts.load(Ordering::Acquire);
            let commit_ts = last
                .checked_add(1)
                .ok_or_else(|| Error::Storage("commit timestamps exhausted".into()))?;
            match recent.check(self.start_ts, &conflicts, !self.replay) {
                recent::Check::Clear => {}
                recent::Check::Conflict => return Err(Error::WriteConflict),
                recent::Check::Unknown => {
                    for key in writes.iter().map(|(k, _)| k).chain(locks.iter()) {
                        if inner.written_since(key, self.start_ts)? {
                            return Err(Error::WriteConflict);
                        }
                    }
                }
            }
            if writes.is_empty() {
                return Ok(self.start_ts);
            }
            let by_ingest = writes.len() >= INGEST_WRITES && inner.engine.ingest_is_atomic();
            // What the next GC pass must visit: every key written, or where compactions
            // collect, every key deleted.
            let for_gc = |value: &Option<Vec<u8>>| !inner.compactions_collect || value.is_none();
            if by_ingest {
                inner.latest.clear();
                if writes.iter().any(|(_, value)| for_gc(value)) {
                    inner.dirty.lock().unnamed(commit_ts);
                }
                let applied = inner.apply_by_ingest(&writes, commit_ts);
                inner.latest.clear();
                applied?;
            } else {
                let mut batch = Batch::default();
                for (key, value) in &writes {
                    batch.put(
                        keys::data_key(key, commit_ts),
                        keys::encode_value(value.as_deref()),
                    );
                }
                batch.put(keys::META_LAST_TS, keys::encode_ts(commit_ts));
                inner.engine.write(batch)?;
            }
            if !by_ingest {
                let named: Vec<Vec<u8>> = writes
                    .iter()
                    .filter(|(_, value)| for_gc(value))
                    .map(|(key, _)| key.clone())
                    .collect();
                inner.dirty.lock().record(commit_ts, named);
            }
            // Before the timestamp is published: see `latest` (an ingest cleared it).
            let remember = writes.len() <= latest::MAX_COMMIT_KEYS;
            let keys = writes
                .into_iter()
                .map(|(key, value)| {
                    match (by_ingest, remember) {
                        (true, _) => {}
                        (false, true) => inner.latest.record(&key, commit_ts, value),
                        (false, false) => inner.latest.forget(&key),
                    }
                    key
                })
                .collect::<Vec<_>>();
            inner.last_ts.store(commit_ts, Ordering::Release);
            let min_active = inner.min_active(&inner.active.lock());
            recent.record(commit_ts, keys, min_active, self.replay);
            commit_ts
        };
        Ok(commit_ts)
    }
}

/// Versions a forward scan steps over within one key before it re-seeks past them. On fjall
/// the old versions of hot rows reach the scan until a compaction drops them, and a
/// re-seek opens every table and memtable again: with 8, re-seeks were a third of
/// `oltp_read_only`'s CPU after a minute of updates.
const MAX_SEQUENTIAL_SKIP: usize = 32;

/// Lazily yields the live pairs of a user key range as of a snapshot, in either direction,
/// reading one key's versions at a time from the engine.
struct SnapshotScan<'a> {
    inner: &'a Inner,
    iter: EngineIter,
    /// The engine-level end of the scan, for re-seeking.
    end: Vec<u8>,
    ts: u64,
    reverse: bool,
    /// The escaped user key whose versions are being skipped, its snapshot value already
    /// decided.
    decided: Option<Vec<u8>>,
}

impl<'a> SnapshotScan<'a> {
    fn new(inner: &'a Inner, range: &KeyRange, ts: u64, reverse: bool) -> Self {
        let end = keys::data_upper_bound(&range.end);
        let iter = inner
            .engine
            .range(&keys::data_lower_bound(&range.start), &end);
        SnapshotScan {
            inner,
            iter,
            end,
            ts,
            reverse,
            decided: None,
        }
    }

    /// The next pair in scan order: its user key is unescaped into `key` (cleared first),
    /// its value lent.
    fn next_lent(&mut self, key: &mut Vec<u8>) -> Result<Option<Lent>> {
        match self.reverse {
            true => self.next_reverse(key),
            false => self.next_forward(key),
        }
    }

    /// Next pair going forward. Versions come newest first, so the first one at or below the
    /// snapshot decides the key; the scan then steps over the key's older versions. After
    /// [`MAX_SEQUENTIAL_SKIP`] steps within one key it jumps past the rest with a re-seek
    /// instead (RocksDB's rule): a re-seek costs a lookup in every table of the LSM tree,
    /// far more than a step, so it pays only when a key has many versions.
    fn next_forward(&mut self, key: &mut Vec<u8>) -> Result<Option<Lent>> {
        let mut skipped = 0usize;
        while let Some(entry) = self.iter.next() {
            crate::background::breathe();
            let (raw_key, raw_value) = entry?;
            let (user, ts) = keys::split_data_key(&raw_key)?;
            let same_key = self.decided.as_deref() == Some(user);
            if same_key || ts > self.ts {
                skipped += 1;
                if skipped >= MAX_SEQUENTIAL_SKIP {
                    skipped = 0;
                    let next = if same_key {
                        keys::after_all_versions(user)
                    } else {
                        keys::version_at(user, self.ts)
                    };
                    self.iter = self.inner.engine.range(&next, &self.end);
                }
                continue;
            }
            match &mut self.decided {
                Some(decided) => {
                    decided.clear();
                    decided.extend_from_slice(user);
                }
                None => self.decided = Some(user.to_vec()),
            }
            if keys::decode_value(&raw_value)?.is_some() {
                keys::unescape_into(user, key)?;
                return Ok(Some(Lent::Version(raw_value)));
            }
        }
        Ok(None)
    }

    /// Next pair going backward. Here a key's versions come oldest first, and an engine
    /// iterator need not be a snapshot: GC could delete a newer tombstone after we passed the
    /// older value it hides. So the first version met of each key only identifies the key, whose snapshot
    /// value is then read with one atomic point read.
    fn next_reverse(&mut self, key: &mut Vec<u8>) -> Result<Option<Lent>> {
        while let Some(entry) = self.iter.next_back() {
            crate::background::breathe();
            let (raw_key, _) = entry?;
            let (user, _) = keys::split_data_key(&raw_key)?;
            if self.decided.as_deref() == Some(user) {
                continue;
            }
            self.decided = Some(user.to_vec());
            keys::unescape_into(user, key)?;
            if let Some(value) = self.inner.read_at(key, self.ts)? {
                return Ok(Some(Lent::Value(value)));
            }
        }
        Ok(None)
    }
}

/// A value a scan lends.
enum Lent {
    /// The engine's value of a version that is a put (its tag byte first).
    Version(Slice),
    /// A value read on its own.
    Value(Vec<u8>),
}

impl Lent {
    fn bytes(&self) -> Result<&[u8]> {
        match self {
            Lent::Version(raw) => keys::decode_value(raw)?
                .ok_or_else(|| Error::Storage("a scan lent a tombstone".into())),
            Lent::Value(value) => Ok(value),
        }
    }
}

impl Iterator for SnapshotScan<'_> {
    type Item = Result<Pair>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut key = Vec::new();
        let pair = match self.next_lent(&mut key) {
            Ok(Some(value)) => value.bytes().map(|value| (key, value.to_vec())),
            Ok(None) => return None,
            Err(e) => Err(e),
        };
        Some(pair)
    }
}
