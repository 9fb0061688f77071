//! The compaction watchdog: a thread that keeps fjall's level 0 moving, flushes memtables
//! that would otherwise keep old versions or journals too long, and tells compactions
//! whether they may rest.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fjall::{AbstractTree, Database, Keyspace};
use parking_lot::RwLock;

use super::parts::Parts;

/// How long the data memtable may keep what it holds, once it holds at least
/// [`MEMTABLE_MIN_ROTATE_BYTES`]. GC makes a new safe point durable every 2 s, and a
/// compaction drops the versions below it, but only of what has been flushed. Under
/// sysbench's read_write an 8 MiB memtable held several seconds of writes, then waited in
/// level 0 for a second one before a compaction saw it: the ranges stepped over 2.69
/// versions per row they returned; with a flush every 2 s, 2.16 (BENCHMARKS.md).
const MEMTABLE_MAX_AGE: Duration = Duration::from_secs(2);

/// Below this the memtable is left to fill: a flush of a few writes would only add a table
/// to level 0 and a compaction.
const MEMTABLE_MIN_ROTATE_BYTES: u64 = 1 << 20;

/// Journal files from which the slowly written keyspaces are flushed so that the older
/// ones can go.
const JOURNALS: usize = 1;

/// Level-0 tables from which the watchdog checks that a compaction is under way (fjall
/// slows writes from 20 level-0 runs and halts them from 30).
const L0_WATCH: usize = 12;

/// Level-0 tables below which compactions may rest ([`crate::background::pace`]): from there on
/// they run at full speed whatever the throttle says, well before fjall slows writes.
pub(super) const L0_PACED: usize = 6;

/// Tombstones in the tree (GC's deletions of deleted rows, a dropped table's or index's
/// deleted range) from which the watchdog compacts the whole keyspace, when they are also
/// at least a tenth of its entries. A tombstone is dropped only when a compaction carries
/// it into the last level, which for updated rows can take hours, and every range scan
/// over those rows steps over all of them inside fjall: after ten minutes of sysbench
/// writes, a 100-row range over its hot rows cost 3.5 times one elsewhere.
const TOMBSTONES_TO_COMPACT: u64 = 100_000;

/// A major compaction rewrites the whole keyspace: above this size, tombstones are left to
/// the regular compactions.
const MAX_BYTES_TO_COMPACT: u64 = 4 << 30;

/// The tree's tombstones, when they are worth a major compaction now.
fn tombstones_to_compact(data: &Keyspace) -> Option<u64> {
    let tombstones = data.tree.tombstone_count();
    (tombstones >= TOMBSTONES_TO_COMPACT
        && tombstones.saturating_mul(10) >= data.approximate_len() as u64
        && data.disk_space() <= MAX_BYTES_TO_COMPACT)
        .then_some(tombstones)
}

/// The watchdog's period.
const TICK: Duration = Duration::from_millis(50);

/// fjall schedules compactions only after a flush or an ingestion, and a compaction
/// request can be lost (a full worker queue, or a request that met a compaction already
/// running and found nothing to do). When that happens with many level-0 runs and no
/// flush to come, every write halts for good: seen here under an index build with DML.
/// The watchdog notices level 0 staying full and rotates the memtable (whose flush
/// schedules compactions); with an empty memtable it compacts itself. It also compacts
/// everything when tombstones pile up ([`TOMBSTONES_TO_COMPACT`]).
///
/// It flushes the memtables of table data every [`MEMTABLE_MAX_AGE`], so that old versions
/// reach the compactions that drop them, and tells compactions whether they may rest
/// ([`L0_PACED`]).
///
/// The small keys' memtable fills slowly (and so may that of a range set apart), and a
/// journal is deleted only once every keyspace flushed what it holds of it: when journals
/// pile up, the watchdog flushes them.
pub(super) fn spawn(
    db: Database,
    parts: Arc<RwLock<Parts>>,
    paced: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("fjall-watchdog".into())
        .spawn(move || {
            crate::background::lower_priority();
            let mut watches: Vec<Watch> = Vec::new();
            let mut ticks = 0u32;
            let rotate_ticks = (MEMTABLE_MAX_AGE.as_millis() / TICK.as_millis()) as u32;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                ticks += 1;
                // Keyspaces set apart come and go while the watchdog runs. Not queued behind
                // a range being set apart: that waits for writes in flight, which may wait
                // for level 0 to shrink, which may wait for this thread.
                let parts = parts.read_recursive().clone();
                if watches.len() < parts.all().count() {
                    for keyspace in parts.all() {
                        if !watches.iter().any(|w| w.keyspace.name() == keyspace.name()) {
                            watches.push(Watch::new(keyspace.clone()));
                        }
                    }
                }
                let level0 = parts.tables().map(Keyspace::l0_table_count).max();
                paced.store(level0.unwrap_or(0) < L0_PACED, Ordering::Relaxed);
                if ticks.is_multiple_of(rotate_ticks) {
                    for keyspace in parts.tables() {
                        if keyspace.tree.active_memtable().size() < MEMTABLE_MIN_ROTATE_BYTES {
                            continue;
                        }
                        if let Err(e) = keyspace.rotate_memtable() {
                            tracing::warn!(error = %e, "fjall: flushing a data memtable");
                        }
                    }
                }
                for watch in &mut watches {
                    if ticks.is_multiple_of(200) {
                        watch.drop_tombstones();
                    }
                    if ticks.is_multiple_of(10) {
                        watch.unstick_level0();
                    }
                }
                if ticks.is_multiple_of(10) && db.journal_count() > JOURNALS {
                    // The data keyspace's memtable is flushed every few seconds anyway.
                    for keyspace in std::iter::once(&parts.meta).chain(parts.apart()) {
                        if keyspace.tree.active_memtable().size() == 0 {
                            continue;
                        }
                        if let Err(e) = keyspace.rotate_memtable() {
                            tracing::warn!(error = %e, "fjall: flushing a slow keyspace");
                        }
                    }
                }
            }
        })
}

/// What the watchdog keeps an eye on in one keyspace.
struct Watch {
    keyspace: Keyspace,
    /// Level-0 tables at the last look, and looks in a row without level 0 shrinking.
    previous: usize,
    stuck: u32,
}

impl Watch {
    fn new(keyspace: Keyspace) -> Watch {
        Watch {
            keyspace,
            previous: 0,
            stuck: 0,
        }
    }

    fn drop_tombstones(&self) {
        let data = &self.keyspace;
        let Some(tombstones) = tombstones_to_compact(data) else {
            return;
        };
        let started = std::time::Instant::now();
        match data.major_compact() {
            Ok(()) => tracing::info!(
                keyspace = %data.name(),
                tombstones,
                left = data.tree.tombstone_count(),
                elapsed = ?started.elapsed(),
                "fjall: compacted the keyspace to drop its tombstones"
            ),
            Err(e) => tracing::warn!(error = %e, "fjall tombstone compaction"),
        }
    }

    /// Called twice a second.
    fn unstick_level0(&mut self) {
        let data = &self.keyspace;
        let l0 = data.l0_table_count();
        self.stuck = if l0 >= L0_WATCH && l0 >= self.previous {
            self.stuck + 1
        } else {
            0
        };
        self.previous = l0;
        // Two seconds without level 0 shrinking.
        if self.stuck < 4 {
            return;
        }
        self.stuck = 0;
        tracing::info!(
            keyspace = %data.name(),
            level0_tables = l0,
            "fjall level 0 is not shrinking: scheduling a compaction"
        );
        let result = match data.rotate_memtable() {
            Ok(true) => Ok(()),
            Ok(false) => data.major_compact(),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "fjall compaction watchdog");
        }
    }
}
