//! Garbage collection: removing the versions no snapshot at or after the safe point can read.
//!
//! A version is garbage once a newer version of its key is at or below the safe point
//! (every snapshot from there on reads that one or a newer), and the newest version at or
//! below the safe point is garbage too when it is a tombstone. Two mechanisms remove it:
//!
//! * **Compactions** of an engine that can judge pairs while it rewrites them (fjall): the
//!   judge ([`VersionGc`]) drops every version that is shadowed by a newer one in the same
//!   compaction, TiKV's way. Nothing is written, and nothing is left for reads to step over
//!   (a deletion would leave a tombstone in front of every range scan until it reaches the
//!   last level). It uses the safe point only once that is durable: after a crash,
//!   snapshots below a safe point that compactions already acted on must be refused.
//! * **Sweeps** ([`Sweep`]), which delete versions with engine deletions: the background
//!   thread's passes over the keys written since the previous pass ([`super::dirty`]) and
//!   [`crate::kv::Store::gc`]. On an engine whose compactions collect, the passes only
//!   remove deleted keys (a tombstone and what it hides), which compactions cannot: a
//!   compaction does not see the older versions below it, and dropping the tombstone alone
//!   would bring them back.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam::channel::{self, RecvTimeoutError, Sender};

use super::engine::{Batch, CompactionGc, Engine, GarbageJudge};
use super::{all_versions, dirty, just_after, keys, Inner};
use crate::kv::{Error, Result};

/// How often the background thread collects garbage. A pass visits only the keys written
/// since the previous one ([`dirty`]), so it can run often enough that the old versions of
/// hot rows are gone while they are still in the engine's memtable. Each pass also makes
/// its safe point durable, the one fjall's compactions collect below: versions written
/// since the last pass survive a compaction, and a range over hot rows steps over them.
pub const GC_INTERVAL: Duration = Duration::from_secs(2);

/// GC applies its deletions in batches of about this many, so a huge collection does not build
/// one giant batch, while each key's deletions still land in a single batch.
const GC_BATCH: usize = 1024;

/// Starts the thread that periodically collects versions no open snapshot can read.
///
/// It holds only a `Weak` reference so it never keeps the database alive, and exits as soon as
/// the store drops the channel's sender.
pub(super) fn spawn_gc_thread(inner: Weak<Inner>) -> Result<(Sender<()>, JoinHandle<()>)> {
    let (stop_tx, stop_rx) = channel::bounded::<()>(0);
    let handle = std::thread::Builder::new()
        .name("mvcc-gc".into())
        .spawn(move || {
            crate::background::lower_priority();
            loop {
                match stop_rx.recv_timeout(GC_INTERVAL) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                let Some(inner) = inner.upgrade() else { return };
                let safe_point = inner.advance_safe_point(None);
                match inner.collect_written(safe_point) {
                    Ok(removed) => {
                        tracing::debug!(safe_point, removed, "MVCC GC removed old versions")
                    }
                    Err(e) => tracing::warn!(safe_point, error = %e, "MVCC GC failed"),
                }
            }
        })
        .map_err(|e| Error::Storage(format!("cannot start the GC thread: {e}")))?;
    Ok((stop_tx, handle))
}

impl Inner {
    /// Fixes the safe point of a GC run: `requested`, or the oldest open snapshot if `None`,
    /// never beyond the last commit (a later commit could otherwise land at or below it and
    /// lose its predecessor while a snapshot still needs it). Done under the registry lock so no
    /// transaction can start below it afterwards.
    pub(super) fn advance_safe_point(&self, requested: Option<u64>) -> u64 {
        let mut active = self.active.lock();
        let last = self.last_ts.load(Ordering::Acquire);
        let safe_point = requested
            .unwrap_or_else(|| self.min_active(&active))
            .min(last);
        active.gc_safe_point = active.gc_safe_point.max(safe_point);
        safe_point
    }

    /// Removes every version that no snapshot at or after `safe_point` can read: for each key,
    /// everything older than the newest version at or below the safe point, and that version
    /// too if it is a tombstone.
    ///
    /// Safe alongside commits, which only add versions above the safe point, and readers at or
    /// above it: all deletions of one key go into one atomic batch, so a reader never sees a
    /// tombstone gone but the value it hid still there.
    pub(super) fn collect(&self, safe_point: u64) -> Result<usize> {
        self.sweep_everything(safe_point, Shadowed::Delete)
    }

    fn sweep_everything(&self, safe_point: u64, shadowed: Shadowed) -> Result<usize> {
        let _gc = self.gc_lock.lock();
        self.record_safe_point()?;
        let mut sweep = Sweep::new(self.engine.as_ref(), safe_point, shadowed);
        for entry in all_versions(self.engine.as_ref()) {
            let (raw_key, raw_value) = entry?;
            sweep.visit(&raw_key, &raw_value)?;
        }
        sweep.finish()
    }

    /// A GC pass of the background thread: the keys committed since the previous pass, or
    /// everything when those are not all known. Where compactions collect, only the keys
    /// some commit deleted are named, and shadowed versions are left to compactions.
    pub(super) fn collect_written(&self, safe_point: u64) -> Result<usize> {
        let shadowed = if self.compactions_collect {
            // Compactions wait for a durable safe point: make this one so.
            self.record_safe_point()?;
            Shadowed::UnderTombstone
        } else {
            Shadowed::Delete
        };
        let pass = self.dirty.lock().take(safe_point);
        let collected = match pass {
            dirty::Pass::Everything => {
                let started = std::time::Instant::now();
                let swept = self.sweep_everything(safe_point, shadowed);
                tracing::info!(
                    secs = started.elapsed().as_secs_f64(),
                    "MVCC GC swept the whole store (what came before this open, or was \
                     written unnamed)"
                );
                swept
            }
            dirty::Pass::Keys(keys) if keys.is_empty() => Ok(0),
            dirty::Pass::Keys(keys) => self.collect_keys(safe_point, &keys, shadowed),
        };
        if collected.is_err() {
            // The keys it was handed are forgotten: leave them to a pass over everything.
            self.dirty.lock().unnamed(safe_point);
        }
        collected
    }

    /// At a clean close (the GC thread stopped): a last pass over the keys committed since
    /// the previous one, up to the newest commit, and a record that it was done, so that
    /// the next open need not sweep the whole store (on a large one, a scan of everything
    /// competing with the first clients). Nothing is recorded while a snapshot is still
    /// open or versions were written unnamed: the next open sweeps, as after a crash.
    pub(super) fn close(&self) -> Result<()> {
        let last_ts = self.last_ts.load(Ordering::Acquire);
        if !self.active.lock().by_ts.is_empty() || !self.dirty.lock().all_named() {
            return Ok(());
        }
        let safe_point = self.advance_safe_point(None);
        if safe_point != last_ts {
            return Ok(());
        }
        self.collect_written(safe_point)?;
        let mut record = Batch::default();
        record.put(keys::META_GC_CLOSED_AT, keys::encode_ts(last_ts));
        self.engine.write(record)?;
        self.engine.sync()
    }

    /// A sweep over the versions of `keys` only.
    fn collect_keys(
        &self,
        safe_point: u64,
        keys: &BTreeSet<Vec<u8>>,
        shadowed: Shadowed,
    ) -> Result<usize> {
        let _gc = self.gc_lock.lock();
        self.record_safe_point()?;
        let mut sweep = Sweep::new(self.engine.as_ref(), safe_point, shadowed);
        for key in keys {
            let versions = self.engine.range(
                &keys::data_lower_bound(key),
                &just_after(keys::data_key(key, 0)),
            );
            for entry in versions {
                let (raw_key, raw_value) = entry?;
                sweep.visit(&raw_key, &raw_value)?;
            }
        }
        sweep.finish()
    }

    /// Makes the safe point GC is about to use durable before any version is removed, and
    /// then hands it to compactions.
    pub(super) fn record_safe_point(&self) -> Result<()> {
        let recorded = self.active.lock().gc_safe_point;
        if recorded == self.durable_safe_point.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut meta = Batch::default();
        meta.put(keys::META_GC_SAFE_POINT, keys::encode_ts(recorded));
        self.engine.write(meta)?;
        // A sweep's deletions follow the record through the same journal; a compaction's
        // tables do not.
        self.engine.sync()?;
        self.durable_safe_point
            .fetch_max(recorded, Ordering::AcqRel);
        Ok(())
    }
}

/// The garbage rule compactions apply: versions shadowed by a newer one at or below the
/// durable safe point.
pub(super) struct VersionGc {
    pub(super) safe_point: Arc<AtomicU64>,
}

impl CompactionGc for VersionGc {
    fn judge(&self) -> Box<dyn GarbageJudge> {
        // The safe point when the compaction starts: a later one would only drop more.
        Box::new(VersionWalk::new(self.safe_point.load(Ordering::Acquire)))
    }
}

impl GarbageJudge for VersionWalk {
    // Only shadowed versions: the newest at or below the safe point stays even when it is
    // a tombstone, since older versions of its key may sit below this compaction. The
    // bookkeeping keys and anything malformed are kept.
    fn is_garbage(&mut self, key: &[u8], _value: &[u8]) -> bool {
        matches!(self.visit(key), Ok((Standing::Shadowed, _)))
    }
}

/// Where a version stands against the safe point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Newer than the safe point: a snapshot may still read it or a version below it.
    Above,
    /// The newest version of its key at or below the safe point: what snapshots at the
    /// safe point read.
    Newest,
    /// Older than that one: no snapshot at or after the safe point reads it.
    Shadowed,
}

/// Follows the versions of each key in engine order (newest first) to tell where each stands.
struct VersionWalk {
    safe_point: u64,
    /// The escaped user key whose versions are being visited.
    current: Vec<u8>,
    /// Whether the current key's newest version at or below the safe point was seen.
    reached_safe_point: bool,
}

impl VersionWalk {
    fn new(safe_point: u64) -> VersionWalk {
        VersionWalk {
            safe_point,
            current: Vec::new(),
            reached_safe_point: false,
        }
    }

    /// Where the version with data key `raw_key`, the next in engine order, stands, and
    /// whether it is the first of its key.
    fn visit(&mut self, raw_key: &[u8]) -> Result<(Standing, bool)> {
        let (user, ts) = keys::split_data_key(raw_key)?;
        let first = user != self.current.as_slice();
        if first {
            self.current.clear();
            self.current.extend_from_slice(user);
            self.reached_safe_point = false;
        }
        let standing = if ts > self.safe_point {
            Standing::Above
        } else if std::mem::replace(&mut self.reached_safe_point, true) {
            Standing::Shadowed
        } else {
            Standing::Newest
        };
        Ok((standing, first))
    }
}

/// Which shadowed versions a sweep deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shadowed {
    /// All of them.
    Delete,
    /// Only those under a tombstone (the rest are left to compactions).
    UnderTombstone,
}

/// Deletes, version by version in engine order, what a GC pass at `safe_point` removes: for
/// each key, the newest version at or below the safe point if it is a tombstone, and the
/// versions it shadows ([`Shadowed`]). A key's deletions go into one batch.
struct Sweep<'a> {
    engine: &'a dyn Engine,
    walk: VersionWalk,
    shadowed: Shadowed,
    batch: Batch,
    removed: usize,
    /// Whether the current key's newest version at or below the safe point is a tombstone.
    deleted: bool,
}

impl<'a> Sweep<'a> {
    fn new(engine: &'a dyn Engine, safe_point: u64, shadowed: Shadowed) -> Self {
        Sweep {
            engine,
            walk: VersionWalk::new(safe_point),
            shadowed,
            batch: Batch::default(),
            removed: 0,
            deleted: false,
        }
    }

    fn visit(&mut self, raw_key: &[u8], raw_value: &[u8]) -> Result<()> {
        let (standing, first) = self.walk.visit(raw_key)?;
        if first {
            // The previous key's deletions are complete.
            self.removed += write_if_full(self.engine, &mut self.batch)?;
        }
        let obsolete = match standing {
            Standing::Above => false,
            Standing::Newest => {
                self.deleted = keys::decode_value(raw_value)?.is_none();
                self.deleted
            }
            Standing::Shadowed => self.deleted || self.shadowed == Shadowed::Delete,
        };
        if obsolete {
            self.batch.delete(raw_key);
        }
        Ok(())
    }

    /// Writes the last deletions; returns how many versions the pass removed.
    fn finish(mut self) -> Result<usize> {
        if !self.batch.is_empty() {
            self.removed += self.batch.len();
            self.engine.write(std::mem::take(&mut self.batch))?;
        }
        Ok(self.removed)
    }
}

/// Writes `batch` once it holds [`GC_BATCH`] deletions; returns how many it wrote.
pub(super) fn write_if_full(engine: &dyn Engine, batch: &mut Batch) -> Result<usize> {
    if batch.len() < GC_BATCH {
        return Ok(0);
    }
    let n = batch.len();
    engine.write(std::mem::take(batch))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(key: &[u8], ts: u64) -> Vec<u8> {
        keys::data_key(key, ts)
    }

    #[test]
    fn compactions_drop_only_versions_shadowed_at_the_safe_point() {
        let mut judge = VersionGc {
            safe_point: Arc::new(AtomicU64::new(10)),
        }
        .judge();
        let put = keys::encode_value(Some(b"v"));
        let tombstone = keys::encode_value(None);
        let mut garbage = |key: &[u8], value: &[u8]| judge.is_garbage(key, value);
        assert!(!garbage(keys::META_LAST_TS, b"x"), "bookkeeping stays");
        // a: one version above the safe point, one at it, two below.
        assert!(!garbage(&version(b"a", 12), &put));
        assert!(!garbage(&version(b"a", 10), &put));
        assert!(garbage(&version(b"a", 7), &put));
        assert!(garbage(&version(b"a", 3), &tombstone));
        // b: a tombstone at the safe point stays, what it hides goes.
        assert!(!garbage(&version(b"b", 9), &tombstone));
        assert!(garbage(&version(b"b", 2), &put));
        // c: the compaction starts below the newest version; the first it sees stays.
        assert!(!garbage(&version(b"c", 5), &put));
        assert!(garbage(&version(b"c", 4), &put));
        // d: only versions above the safe point, and then its first below.
        assert!(!garbage(&version(b"d", 20), &put));
        assert!(!garbage(&version(b"d", 11), &put));
        assert!(!garbage(&version(b"d", 1), &put));
    }
}
