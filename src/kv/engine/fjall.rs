//! The fjall engine: one keyspace of a fjall LSM database.
//!
//! Batches go to fjall's journal (atomic across a crash, and to readers); `sync` fsyncs it. Ingestion writes
//! sorted pairs straight into new tables, bypassing the journal and the memtable, which is
//! what makes bulk loads (fast-reorg ADD INDEX, IMPORT INTO) cheap here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fjall::compaction::filter::{
    CompactionFilter, CompactionFilterResult, Context, Factory, ItemAccessor, Verdict,
};
use fjall::config::FilterPolicy;
use fjall::{AbstractTree, Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable};

use super::{
    Batch, CompactionGc, Durability, Engine, EngineIter, EngineKind, ForwardIter, GarbageJudge,
    Options,
};
use crate::kv::{Error, Pair, Result};

/// Pairs handed to the ingest writer at a time, and batches queued for it (about 8 MiB).
const INGEST_BATCH: usize = 1024;
const INGEST_BATCHES_IN_FLIGHT: usize = 64;

/// Up to [`INGEST_BATCH`] pairs copied into one buffer.
struct PackedPairs {
    bytes: Vec<u8>,
    /// Where each key ends and its value ends in `bytes`.
    ends: Vec<(usize, usize)>,
}

impl PackedPairs {
    fn take(pairs: &mut dyn Iterator<Item = Pair>) -> PackedPairs {
        let mut packed = PackedPairs {
            bytes: Vec::with_capacity(INGEST_BATCH * 128),
            ends: Vec::with_capacity(INGEST_BATCH),
        };
        for (key, value) in pairs.take(INGEST_BATCH) {
            packed.bytes.extend_from_slice(&key);
            let key_end = packed.bytes.len();
            packed.bytes.extend_from_slice(&value);
            packed.ends.push((key_end, packed.bytes.len()));
        }
        packed
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, value_end)| {
            let pair = (&self.bytes[start..key_end], &self.bytes[key_end..value_end]);
            start = value_end;
            pair
        })
    }
}

/// fjall background workers (flushes and compactions).
const FJALL_WORKERS: usize = 4;

pub struct FjallEngine {
    db: Database,
    data: Keyspace,
    sync_mode: PersistMode,
    /// Tells the compaction watchdog to end.
    stop: Arc<AtomicBool>,
    watchdog: Option<std::thread::JoinHandle<()>>,
    /// The garbage rule the keyspace's compactions apply, once it is given.
    gc: Arc<OnceLock<Arc<dyn CompactionGc>>>,
}

/// The keyspace that holds every pair.
const KEYSPACE: &str = "data";

/// fjall's hook into the keyspace's compactions: each gets a judge of the garbage rule, or
/// none before the rule is given.
struct GcFilters(Arc<OnceLock<Arc<dyn CompactionGc>>>);

impl Factory for GcFilters {
    fn name(&self) -> &str {
        "mvcc-gc"
    }

    fn make_filter(&self, _: &Context) -> Box<dyn CompactionFilter> {
        Box::new(GcFilter {
            judge: self.0.get().map(|gc| gc.judge()),
            dropped: 0,
        })
    }
}

struct GcFilter {
    judge: Option<Box<dyn GarbageJudge>>,
    dropped: u64,
}

impl CompactionFilter for GcFilter {
    // Garbage is destroyed, not replaced by a tombstone: the MVCC layer writes each version
    // key once, so there is no older copy of it below for a tombstone to hide.
    fn filter_item(&mut self, item: ItemAccessor<'_>, _: &Context) -> CompactionFilterResult {
        let Some(judge) = &mut self.judge else {
            return Ok(Verdict::Keep);
        };
        let value = item.value()?;
        if !judge.is_garbage(item.key(), &value) {
            return Ok(Verdict::Keep);
        }
        self.dropped += 1;
        Ok(Verdict::Destroy)
    }

    fn finish(self: Box<Self>) {
        if self.dropped > 0 {
            tracing::debug!(
                dropped = self.dropped,
                "fjall compaction dropped old versions"
            );
        }
    }
}

impl Drop for FjallEngine {
    fn drop(&mut self) {
        // The watchdog holds the keyspace: the database closes only once it is gone.
        self.stop.store(true, Ordering::Relaxed);
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

/// The size at which the memtable is flushed (fjall's default is 64 MiB). Every version
/// of a hot row stays in the memtable until it is flushed and compacted, and a range scan
/// steps over all of them: with 64 MiB under sysbench's read_write the memtable lasts
/// minutes, and a 100-row range over the hot rows cost 1.4-2.3 times as much as with a
/// smaller one.
const MEMTABLE_BYTES: u64 = 32 << 20;

/// Level-0 tables that start a compaction into level 1 (fjall's default is 4). A flushed
/// memtable of random writes spans the whole key range, so a point read seeks every level-0
/// table; with smaller memtables there would otherwise be more of them.
const L0_TABLES: u8 = 2;

/// Level-0 tables from which the watchdog checks that a compaction is under way (fjall
/// slows writes from 20 level-0 runs and halts them from 30).
const L0_WATCH: usize = 12;

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

/// fjall schedules compactions only after a flush or an ingestion, and a compaction
/// request can be lost (a full worker queue, or a request that met a compaction already
/// running and found nothing to do). When that happens with many level-0 runs and no
/// flush to come, every write halts for good: seen here under an index build with DML.
/// The watchdog notices level 0 staying full and rotates the memtable (whose flush
/// schedules compactions); with an empty memtable it compacts itself. It also compacts
/// everything when tombstones pile up ([`TOMBSTONES_TO_COMPACT`]).
fn spawn_compaction_watchdog(
    data: Keyspace,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("fjall-watchdog".into())
        .spawn(move || {
            crate::background::lower_priority();
            let mut previous = 0usize;
            let mut stuck = 0u32;
            let mut ticks = 0u32;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                ticks += 1;
                let due = ticks.is_multiple_of(200);
                if let Some(tombstones) = due.then(|| tombstones_to_compact(&data)).flatten() {
                    let started = std::time::Instant::now();
                    match data.major_compact() {
                        Ok(()) => tracing::info!(
                            tombstones,
                            left = data.tree.tombstone_count(),
                            elapsed = ?started.elapsed(),
                            "fjall: compacted the keyspace to drop its tombstones"
                        ),
                        Err(e) => tracing::warn!(error = %e, "fjall tombstone compaction"),
                    }
                }
                if !ticks.is_multiple_of(10) {
                    continue;
                }
                let l0 = data.l0_table_count();
                stuck = if l0 >= L0_WATCH && l0 >= previous {
                    stuck + 1
                } else {
                    0
                };
                previous = l0;
                // Two seconds without level 0 shrinking.
                if stuck < 4 {
                    continue;
                }
                stuck = 0;
                tracing::info!(
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
        })
}

impl FjallEngine {
    pub fn open(path: &Path, options: &Options) -> Result<FjallEngine> {
        let gc = Arc::new(OnceLock::new());
        let filters: Arc<dyn Factory> = Arc::new(GcFilters(gc.clone()));
        let db = Database::builder(path)
            .cache_size(options.cache_bytes)
            // Commits make themselves durable (group commit in the MVCC layer).
            .manual_journal_persist(true)
            // fjall's first worker hands compactions to the others and takes them back
            // when they are all busy, spinning a core meanwhile (with the default of one
            // worker per core, 2 here, a long compaction cost half the machine during an
            // ingest). With four, some worker is nearly always free to take it.
            .worker_threads(FJALL_WORKERS)
            .with_compaction_filter_factories(Arc::new(move |keyspace| {
                (keyspace == KEYSPACE).then(|| filters.clone())
            }))
            .open()?;
        // No bloom filters: they answer "is this exact key here", and every data key carries
        // its version's timestamp, so reads seek ranges and never ask. Building them cost a
        // twentieth of each ingest, flush and compaction, and their blocks stay in memory.
        // (Options are fixed when the keyspace is created: older data directories keep theirs.)
        let data = db.keyspace(KEYSPACE, || {
            KeyspaceCreateOptions::default()
                .filter_policy(FilterPolicy::disabled())
                .max_memtable_size(MEMTABLE_BYTES)
                .compaction_strategy(Arc::new(
                    fjall::compaction::Leveled::default().with_l0_threshold(L0_TABLES),
                ))
        })?;
        let sync_mode = match options.durability {
            Durability::Full => PersistMode::SyncAll,
            Durability::Os => PersistMode::Buffer,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let watchdog = spawn_compaction_watchdog(data.clone(), stop.clone())
            .map_err(|e| Error::Storage(format!("cannot start the fjall watchdog: {e}")))?;
        Ok(FjallEngine {
            db,
            data,
            sync_mode,
            stop,
            watchdog: Some(watchdog),
            gc,
        })
    }
}

impl From<fjall::Error> for Error {
    fn from(e: fjall::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl Engine for FjallEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Fjall
    }

    // Reads go through a snapshot of fjall's visible sequence number: the keyspace's own
    // `get` / `range` read at the newest sequence number, where a batch being applied is
    // partly visible, and a batch (a commit, or a GC batch that removes a tombstone with the
    // value it hides) must be seen whole or not at all.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.snapshot().get(&self.data, key)?.map(|v| v.to_vec()))
    }

    fn range(&self, start: &[u8], end: &[u8]) -> EngineIter {
        let iter = self.db.snapshot().range(&self.data, start..end);
        Box::new(iter.map(|guard| {
            let (k, v) = guard.into_inner()?;
            Ok((k.to_vec(), v.to_vec()))
        }))
    }

    // A range with an upper bound seeks every table's index and first data block twice,
    // once per end, before yielding anything; open-ended, only the lower end is sought and
    // the bound is checked on each pair read. Half the cost of a point select's read.
    fn short_range(&self, start: &[u8], end: &[u8]) -> ForwardIter {
        let end = end.to_vec();
        let iter = self.db.snapshot().range(&self.data, start..);
        Box::new(
            iter.map(|guard| guard.into_inner())
                .take_while(move |pair| pair.as_ref().map_or(true, |(k, _)| **k < *end))
                .map(|pair| {
                    let (k, v) = pair?;
                    Ok((k.to_vec(), v.to_vec()))
                }),
        )
    }

    fn first_in(&self, start: &[u8], end: &[u8]) -> Result<Option<Pair>> {
        let Some(guard) = self.db.snapshot().range(&self.data, start..).next() else {
            return Ok(None);
        };
        let (k, v) = guard.into_inner()?;
        Ok((&*k < end).then(|| (k.to_vec(), v.to_vec())))
    }

    fn write(&self, batch: Batch) -> Result<()> {
        let mut b = self.db.batch();
        for (key, value) in batch.writes {
            match value {
                Some(value) => b.insert(&self.data, key, value),
                None => b.remove(&self.data, key),
            }
        }
        b.commit()?;
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.db.persist(self.sync_mode)?;
        Ok(())
    }

    // Two stages on two threads: the caller's produces the pairs (for a bulk load, a merge
    // of sorted runs) and packs them into batches, a scoped one writes them into fjall's
    // tables. Packed, the pairs are freed by the thread that allocated them (a free from
    // another thread is several times dearer in the allocator).
    fn ingest(&self, pairs: &mut dyn Iterator<Item = Pair>) -> Result<()> {
        let (tx, rx) = crossbeam::channel::bounded::<PackedPairs>(INGEST_BATCHES_IN_FLIGHT);
        std::thread::scope(|scope| {
            let writer = std::thread::Builder::new()
                .name("fjall-ingest".into())
                .spawn_scoped(scope, move || -> Result<()> {
                    let mut ingestion = self.data.start_ingestion()?;
                    for batch in rx {
                        for (key, value) in batch.iter() {
                            ingestion.write(key, value)?;
                        }
                    }
                    // `finish` flushes the memtable while it holds the journal's lock,
                    // which stops every commit (250 ms under load): flushed here first,
                    // outside the lock, only what was written since is left for it (a
                    // 25-60 ms stop).
                    let flush = std::time::Instant::now();
                    self.data.rotate_memtable_and_wait()?;
                    let finish = std::time::Instant::now();
                    ingestion.finish()?;
                    tracing::debug!(
                        flush = ?(finish - flush),
                        finish = ?finish.elapsed(),
                        "ingested tables registered"
                    );
                    Ok(())
                })
                .map_err(|e| Error::Storage(format!("cannot start an ingest writer: {e}")))?;
            loop {
                let batch = PackedPairs::take(pairs);
                // A writer that failed dropped its receiver: its error is the one to report.
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
            drop(tx);
            writer
                .join()
                .map_err(|_| Error::Storage("the ingest writer panicked".into()))?
        })
    }

    fn ingest_is_atomic(&self) -> bool {
        true
    }

    fn disk_size(&self) -> Result<u64> {
        Ok(self.db.disk_space()?)
    }

    fn collect_in_compactions(&self, gc: Arc<dyn CompactionGc>) -> bool {
        // A store opens its engine once; a second rule would be a bug, not a change of rule.
        self.gc.set(gc).is_ok()
    }

    #[cfg(test)]
    fn compact(&self) -> Result<()> {
        self.data.rotate_memtable_and_wait()?;
        self.data.major_compact()?;
        Ok(())
    }
}
