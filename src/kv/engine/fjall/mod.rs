//! The fjall engine: keyspaces of a fjall LSM database, one for table data, one for the
//! small keys below it ([`META_BELOW`]) and one for each range of table data set apart
//! ([`parts`]).
//!
//! Batches go to moltdb's [`redo_log`](super::redo_log) and then to fjall (its journal makes
//! each atomic across a crash); `sync` syncs the redo log, and fjall's journal is synced only
//! at checkpoints. Ingestion writes sorted pairs straight into new tables, bypassing the
//! journal and the memtable, which is what makes bulk loads (fast-reorg ADD INDEX, IMPORT
//! INTO) cheap here.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use fjall::compaction::filter::{
    CompactionFilter, CompactionFilterResult, Context, Factory, ItemAccessor, Verdict,
};
use fjall::config::{BlockSizePolicy, FilterPolicy};
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable};

use super::redo_log::{RedoLog, LOG_BYTES};
use super::{
    Batch, CompactionGc, Durability, Engine, EngineIter, EngineKind, GarbageJudge, Options, RawPair,
};
use crate::kv::{Error, PackedPairs, Result};
use parking_lot::{Mutex, RwLock};
use parts::{apart_bounds, apart_name, is_apart, Parts, Place, META_BELOW};

mod parts;
mod watchdog;

/// Batches queued for the ingest writer (the MVCC layer packs about a thousand versions
/// into each: a few MiB in all).
const INGEST_BATCHES_IN_FLIGHT: usize = 64;

/// fjall background workers (flushes and compactions).
const FJALL_WORKERS: usize = 4;

pub struct FjallEngine {
    db: Database,
    /// Which keyspace holds which keys. Writers hold it (read) from routing a batch until
    /// fjall applied it, so that a range is set apart only while no write is on its way.
    parts: Arc<RwLock<Parts>>,
    /// Held (read) through an ingest, so that no range is set apart under one.
    ingesting: RwLock<()>,
    /// Makes commits durable (`Durability::Full`); without it a sync only hands fjall's
    /// buffers to the OS.
    redo: Option<Redo>,
    /// Tells the compaction watchdog to end.
    stop: Arc<AtomicBool>,
    watchdog: Option<std::thread::JoinHandle<()>>,
    /// The garbage rule the keyspace's compactions apply, once it is given.
    gc: Arc<OnceLock<Arc<dyn CompactionGc>>>,
}

/// The keyspace of table data: rows and index entries.
const KEYSPACE: &str = "data";
/// The keyspace of the keys below [`META_BELOW`].
const META_KEYSPACE: &str = "meta";

/// fjall's hook into the keyspace's compactions: each gets a judge of the garbage rule, or
/// none before the rule is given.
struct GcFilters {
    gc: Arc<OnceLock<Arc<dyn CompactionGc>>>,
    paced: Arc<AtomicBool>,
}

impl Factory for GcFilters {
    fn name(&self) -> &str {
        "mvcc-gc"
    }

    fn make_filter(&self, _: &Context) -> Box<dyn CompactionFilter> {
        Box::new(GcFilter {
            judge: self.gc.get().map(|gc| gc.judge()),
            dropped: 0,
            paced: self.paced.clone(),
        })
    }
}

struct GcFilter {
    judge: Option<Box<dyn GarbageJudge>>,
    dropped: u64,
    /// Whether compactions may rest now ([`watchdog::L0_PACED`]).
    paced: Arc<AtomicBool>,
}

impl CompactionFilter for GcFilter {
    // Garbage is destroyed, not replaced by a tombstone: the MVCC layer writes each version
    // key once, so there is no older copy of it below for a tombstone to hide.
    fn filter_item(&mut self, item: ItemAccessor<'_>, _: &Context) -> CompactionFilterResult {
        // Under an index build's throttle, a compaction rests as the build does: it takes
        // a core as the build would, and the clients' latency it raises would otherwise slow
        // only the build.
        if self.paced.load(Ordering::Relaxed) {
            crate::background::pace();
        }
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
/// steps over all of them (a compaction drops those older than the durable safe point,
/// which GC advances every 2 s). With 64 MiB under sysbench's read_write the memtable
/// lasts minutes; 8 MiB (under 10 s of writes) took a sixth off read_write's user CPU per
/// query against 32 MiB, with inserts and updates no dearer.
const MEMTABLE_BYTES: u64 = 8 << 20;

/// The memtable size of the keyspace below [`META_BELOW`]. A journal file is deleted only
/// once every keyspace has flushed what it holds, and these keys come slowly (a version of
/// the last commit's timestamp per commit, job and statistics updates): with the data
/// keyspace's size, journals of gigabytes of table writes would wait for them.
const META_MEMTABLE_BYTES: u64 = 4 << 20;

/// Data blocks of table data (fjall's default is 4 KiB, TiKV's 32 KiB). Every block a scan
/// reads that is not cached costs a cache lookup, a read call, an allocation and an
/// insertion into the cache: an index build reading a 1M-row table cold (3 s after a start)
/// spent a sixth of its CPU loading 4 KiB blocks, and 7% less CPU in all with 32 KiB ones.
const DATA_BLOCK_BYTES: u32 = 32 << 10;

/// Data blocks of the small keys: read one at a time.
const META_BLOCK_BYTES: u32 = 4 << 10;

/// Level-0 tables that start a compaction into level 1 (fjall's default is 4). A flushed
/// memtable of random writes spans the whole key range, so a point read seeks every level-0
/// table; with smaller memtables there would otherwise be more of them.
const L0_TABLES: u8 = 2;

/// Data directories from before the keyspace of small keys keep them in the data keyspace:
/// they move, in one atomic batch, the first time such a directory opens.
fn move_meta_keys(db: &Database, data: &Keyspace, meta: &Keyspace) -> Result<()> {
    let mut batch = db.batch();
    let mut moved = 0usize;
    for guard in db.snapshot().range(data, ..META_BELOW) {
        let (key, value) = guard.into_inner()?;
        batch.insert(meta, key.clone(), value);
        batch.remove(data, key);
        moved += 1;
    }
    if moved > 0 {
        batch.commit()?;
        db.persist(PersistMode::SyncAll)?;
        tracing::info!(
            keys = moved,
            "fjall: moved the catalog's keys to a keyspace of their own"
        );
    }
    Ok(())
}

/// How each keyspace is made. No bloom filters: they answer "is this exact key here", and
/// every data key carries its version's timestamp, so reads seek ranges and never ask.
/// Building them cost a twentieth of each ingest, flush and compaction, and their blocks stay
/// in memory. (Options are fixed when the keyspace is created: older data directories keep
/// theirs.)
fn keyspace_options(memtable_bytes: u64, block_bytes: u32) -> KeyspaceCreateOptions {
    KeyspaceCreateOptions::default()
        .filter_policy(FilterPolicy::disabled())
        .max_memtable_size(memtable_bytes)
        .data_block_size_policy(BlockSizePolicy::all(block_bytes))
        .compaction_strategy(Arc::new(
            fjall::compaction::Leveled::default().with_l0_threshold(L0_TABLES),
        ))
}

/// A keyspace of table data: the data keyspace, or one set apart.
fn table_options() -> KeyspaceCreateOptions {
    keyspace_options(MEMTABLE_BYTES, DATA_BLOCK_BYTES)
}

impl FjallEngine {
    pub fn open(path: &Path, options: &Options) -> Result<FjallEngine> {
        let gc = Arc::new(OnceLock::new());
        let paced = Arc::new(AtomicBool::new(true));
        let filters: Arc<dyn Factory> = Arc::new(GcFilters {
            gc: gc.clone(),
            paced: paced.clone(),
        });
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
                (keyspace == KEYSPACE || keyspace == META_KEYSPACE || is_apart(keyspace))
                    .then(|| filters.clone())
            }))
            .open()?;
        let data = db.keyspace(KEYSPACE, table_options)?;
        let meta = db.keyspace(META_KEYSPACE, || {
            keyspace_options(META_MEMTABLE_BYTES, META_BLOCK_BYTES)
        })?;
        move_meta_keys(&db, &data, &meta)?;
        let mut parts = Parts::new(meta, data);
        for name in db.list_keyspace_names() {
            if is_apart(&name) {
                let (start, end) = apart_bounds(&name)?;
                if parts.place(&start, &end) != Place::Free {
                    return Err(Error::Storage(format!(
                        "fjall: keyspace {} overlaps another",
                        &*name
                    )));
                }
                parts.add(&start, &end, db.keyspace(&name, table_options)?);
            }
        }
        // Replayed whatever the durability asked for now: a directory last written with
        // `full` may hold batches only in the log.
        let redo = Redo::open(&db, path, &parts)?;
        parts.drop_empty(&db)?;
        let redo = match options.durability {
            Durability::Full => Some(redo),
            Durability::Os => None,
        };
        let parts = Arc::new(RwLock::new(parts));
        let stop = Arc::new(AtomicBool::new(false));
        let watchdog = watchdog::spawn(db.clone(), parts.clone(), paced, stop.clone())
            .map_err(|e| Error::Storage(format!("cannot start the fjall watchdog: {e}")))?;
        Ok(FjallEngine {
            db,
            parts,
            ingesting: RwLock::new(()),
            redo,
            stop,
            watchdog: Some(watchdog),
            gc,
        })
    }

    /// Applies `writes` as one fjall batch (see [`apply`]), routed while no range is set
    /// apart.
    fn apply(&self, writes: Vec<(Vec<u8>, Option<Vec<u8>>)>, marker: Option<u64>) -> Result<()> {
        let parts = self.parts.read();
        let marker = marker.and_then(|lsn| Some((&self.redo.as_ref()?.keyspace, lsn)));
        apply(&self.db, &parts, writes, marker)
    }
}

/// Applies `writes` as one fjall batch, each to its keyspace, with the lsn of its redo
/// record when it has one.
fn apply(
    db: &Database,
    parts: &Parts,
    writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    marker: Option<(&Keyspace, u64)>,
) -> Result<()> {
    let mut b = db.batch();
    for (key, value) in writes {
        let keyspace = parts.keyspace_of(&key);
        match value {
            Some(value) => b.insert(keyspace, key, value),
            None => b.remove(keyspace, key),
        }
    }
    if let Some((keyspace, lsn)) = marker {
        b.insert(keyspace, REDO_LSN, lsn.to_le_bytes());
    }
    b.commit()?;
    Ok(())
}

/// The keyspace of the redo log's bookkeeping: the lsn of the last logged batch (written
/// in the batch) and the log's epoch.
const REDO_KEYSPACE: &str = "redo";
const REDO_LSN: &[u8] = b"lsn";
const REDO_EPOCH: &[u8] = b"epoch";

/// The redo log and what ties it to fjall. See [`redo_log`].
struct Redo {
    log: RedoLog,
    keyspace: Keyspace,
    /// Held from a batch's append to the log until fjall has applied it.
    order: Mutex<()>,
}

impl Redo {
    /// Opens the log beside fjall's directory, replays into fjall the batches it lost,
    /// and starts a new epoch.
    fn open(db: &Database, path: &Path, parts: &Parts) -> Result<Redo> {
        let keyspace = db.keyspace(REDO_KEYSPACE, || {
            KeyspaceCreateOptions::default().max_memtable_size(1 << 20)
        })?;
        let read = |key: &[u8]| -> Result<u64> {
            Ok(match keyspace.get(key)? {
                Some(v) => u64::from_le_bytes(v.as_ref().try_into().map_err(|_| {
                    Error::Storage("redo log: a malformed bookkeeping value".into())
                })?),
                None => 0,
            })
        };
        let durable = read(REDO_LSN)?;
        let epoch = u32::try_from(read(REDO_EPOCH)?)
            .map_err(|_| Error::Storage("redo log: a malformed epoch".into()))?;
        let (log, records) = RedoLog::open(&path.with_extension("redo"), epoch, LOG_BYTES)?;
        let mut last = durable;
        let mut replayed = 0usize;
        for record in records {
            if record.lsn <= last {
                continue;
            }
            if record.lsn != last + 1 {
                return Err(Error::Storage(format!(
                    "redo log: batches {} to {} are missing; the data directory is damaged",
                    last + 1,
                    record.lsn - 1
                )));
            }
            apply(db, parts, record.writes, Some((&keyspace, record.lsn)))?;
            last = record.lsn;
            replayed += 1;
        }
        keyspace.insert(REDO_EPOCH, u64::from(log.epoch()).to_le_bytes())?;
        db.persist(PersistMode::SyncAll)?;
        if replayed > 0 {
            tracing::info!(batches = replayed, lsn = last, "replayed the redo log");
        }
        log.start(last + 1);
        Ok(Redo {
            log,
            keyspace,
            order: Mutex::new(()),
        })
    }

    /// Logs `batch` durably without applying it: what fjall holds after a crash that took
    /// its unsynced journal.
    #[cfg(test)]
    fn log_only(&self, batch: &Batch) -> Result<()> {
        let _order = self.order.lock();
        self.log
            .append(&batch.writes)
            .ok_or_else(|| Error::Storage("too big for the log".into()))?;
        self.log.sync(|| Ok(()))
    }

    /// Makes everything fjall holds durable and starts the log again. Called with
    /// `order` held.
    fn checkpoint(&self, db: &Database) -> Result<()> {
        db.persist(PersistMode::SyncAll)?;
        self.log.wrap();
        tracing::debug!("redo log: checkpoint, the log starts again");
        Ok(())
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
        let value = self
            .db
            .snapshot()
            .get(self.parts.read().keyspace_of(key), key)?;
        Ok(value.map(|v| v.to_vec()))
    }

    fn range(&self, start: &[u8], end: &[u8]) -> EngineIter {
        let snapshot = self.db.snapshot();
        let sides: Vec<_> = self
            .parts
            .read()
            .sides(start, end)
            .into_iter()
            .map(|(keyspace, start, end)| snapshot.range(keyspace, start..end))
            .collect();
        let guards = sides.into_iter().flatten();
        Box::new(guards.map(|guard| Ok(guard.into_inner()?)))
    }

    // Bounded at both ends although an open-ended range seeks less: the first pair after
    // `start` may lie past a run of tombstones (a dropped table's deleted range, rows GC
    // removed), all of which fjall steps over inside `next`. Open-ended, an INSERT at the
    // end of a table followed by a dropped one stepped over its 600,000 deleted versions.
    fn first_in(&self, start: &[u8], end: &[u8]) -> Result<Option<RawPair>> {
        let snapshot = self.db.snapshot();
        let parts = self.parts.read();
        for (keyspace, start, end) in parts.sides(start, end) {
            if let Some(guard) = snapshot.range(keyspace, start..end).next() {
                return Ok(Some(guard.into_inner()?));
            }
        }
        Ok(None)
    }

    fn write(&self, batch: Batch) -> Result<()> {
        let Some(redo) = &self.redo else {
            return self.apply(batch.writes, None);
        };
        // The log holds the batches in the order fjall applies them.
        let _order = redo.order.lock();
        if RedoLog::too_big(&batch.writes) {
            self.apply(batch.writes, None)?;
            redo.log.bypass();
            return Ok(());
        }
        let lsn = match redo.log.append(&batch.writes) {
            Some(lsn) => lsn,
            None => {
                redo.checkpoint(&self.db)?;
                redo.log.append(&batch.writes).ok_or_else(|| {
                    Error::Storage("redo log: a batch does not fit an empty log".into())
                })?
            }
        };
        self.apply(batch.writes, Some(lsn))
    }

    fn sync(&self) -> Result<()> {
        match &self.redo {
            Some(redo) => redo.log.sync(|| Ok(self.db.persist(PersistMode::SyncAll)?)),
            None => Ok(self.db.persist(PersistMode::Buffer)?),
        }
    }

    // Two stages on two threads: the caller's produces the batches (for a bulk load, a
    // merge of sorted runs), a scoped one writes them into fjall's tables.
    fn ingest(&self, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()> {
        // No batch from before the ingest may be replayed after it (a deletion of what
        // the ingest writes again, say): everything logged so far goes into fjall's
        // durable state first.
        if let Some(redo) = &self.redo {
            let _order = redo.order.lock();
            self.db.persist(PersistMode::SyncAll)?;
        }
        let _ingesting = self.ingesting.read();
        let parts = self.parts.read().clone();
        let mut batches = batches.filter(|batch| !batch.is_empty()).peekable();
        // One keyspace takes the whole ingest: the one of its first key.
        let Some(keyspace) = batches
            .peek()
            .and_then(PackedPairs::first_key)
            .map(|key| parts.keyspace_of(key))
        else {
            return Ok(());
        };
        let crossing = |key: &[u8]| !std::ptr::eq(parts.keyspace_of(key), keyspace);
        let (tx, rx) = crossbeam::channel::bounded::<PackedPairs>(INGEST_BATCHES_IN_FLIGHT);
        std::thread::scope(|scope| {
            let writer = std::thread::Builder::new()
                .name("fjall-ingest".into())
                .spawn_scoped(scope, move || -> Result<()> {
                    let mut ingestion = keyspace.start_ingestion()?;
                    for batch in rx {
                        for (key, value) in batch.iter() {
                            if crossing(key) {
                                return Err(Error::Storage(
                                    "an ingest crosses from one keyspace into another".into(),
                                ));
                            }
                            ingestion.write(key, value)?;
                            crate::background::breathe();
                        }
                    }
                    // `finish` flushes the memtable while it holds the journal's lock,
                    // which stops every commit (250 ms under load): flushed here first,
                    // outside the lock, only what was written since is left for it (a
                    // 25-60 ms stop).
                    let flush = std::time::Instant::now();
                    keyspace.rotate_memtable_and_wait()?;
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
            for batch in batches {
                // A writer that failed dropped its receiver: its error is the one to report.
                if tx.send(batch).is_err() {
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

    fn set_apart(&self, start: &[u8], end: &[u8]) -> Result<bool> {
        // Not under an ingest, which routed its keys when it started.
        let _ingesting = self.ingesting.write();
        let Some(name) = apart_name(start, end) else {
            return Ok(false);
        };
        // No write is on its way while this is held: what the data keyspace holds of the
        // range now is all it will ever hold.
        let mut parts = self.parts.write();
        match parts.place(start, end) {
            Place::Apart => return Ok(true),
            Place::Unfit => return Ok(false),
            Place::Free => {}
        }
        if self
            .db
            .snapshot()
            .range(&parts.data, start..end)
            .next()
            .is_some()
        {
            return Ok(false);
        }
        let keyspace = self.db.keyspace(&name, table_options)?;
        self.db.persist(PersistMode::SyncAll)?;
        parts.add(start, end, keyspace);
        tracing::debug!(keyspace = %name, "fjall: a range set apart");
        Ok(true)
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
        for keyspace in self.parts.read().all() {
            keyspace.rotate_memtable_and_wait()?;
            keyspace.major_compact()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// Keys on both sides of [`META_BELOW`], in order.
    const KEYS: [&[u8]; 5] = [
        b"\x00last_ts",
        b"\x01m\x00\x00",
        b"\x01s",
        b"\x01t1",
        b"\x01t2",
    ];

    fn all_keys(engine: &FjallEngine, start: &[u8], end: &[u8]) -> Result<Vec<Vec<u8>>> {
        engine
            .range(start, end)
            .map(|p| p.map(|(k, _)| k.to_vec()))
            .collect()
    }

    /// [`all_keys`], read from the end.
    fn keys_backwards(engine: &FjallEngine, start: &[u8], end: &[u8]) -> Result<Vec<Vec<u8>>> {
        engine
            .range(start, end)
            .rev()
            .map(|p| p.map(|(k, _)| k.to_vec()))
            .collect()
    }

    #[test]
    fn reads_and_writes_cross_the_two_keyspaces_as_one() -> TestResult {
        let dir = tempfile::tempdir()?;
        let engine = FjallEngine::open(dir.path(), &Options::default())?;
        let mut batch = Batch::default();
        for key in KEYS {
            batch.put(key, key);
        }
        engine.write(batch)?;
        let expected: Vec<Vec<u8>> = KEYS.iter().map(|k| k.to_vec()).collect();
        assert_eq!(all_keys(&engine, b"", b"\xff")?, expected);
        assert_eq!(
            keys_backwards(&engine, b"", b"\xff")?,
            expected.iter().rev().cloned().collect::<Vec<_>>()
        );
        assert_eq!(
            all_keys(&engine, b"\x01m", b"\x01t2")?,
            expected[1..4].to_vec()
        );
        assert_eq!(
            engine.first_in(b"\x01n", b"\x02")?.map(|p| p.0.to_vec()),
            Some(b"\x01s".to_vec())
        );
        for key in KEYS {
            assert_eq!(engine.get(key)?.as_deref(), Some(key));
        }
        assert_eq!(engine.parts.read().meta.approximate_len(), 3);
        assert_eq!(engine.parts.read().data.approximate_len(), 2);
        // An ingest stays on one side.
        let mut crossing = PackedPairs::default();
        crossing.push(b"\x01r", b"v");
        crossing.push(b"\x01u", b"v");
        assert!(engine.ingest(&mut std::iter::once(crossing)).is_err());
        Ok(())
    }

    #[test]
    fn a_range_set_apart_reads_as_part_of_the_rest() -> TestResult {
        let dir = tempfile::tempdir()?;
        let pairs = |keys: &[&[u8]]| {
            let mut pairs = PackedPairs::default();
            for key in keys {
                pairs.push(key, key);
            }
            pairs
        };
        {
            let engine = FjallEngine::open(dir.path(), &Options::default())?;
            let mut batch = Batch::default();
            for key in KEYS {
                batch.put(key, key);
            }
            engine.write(batch)?;
            // `\x01t1` is stored already; overlapping the small keys or nothing is refused.
            assert!(!engine.set_apart(b"\x01t1", b"\x01t1\xff")?);
            assert!(!engine.set_apart(b"\x01s", b"\x01t0")?);
            assert!(!engine.set_apart(b"\x01t3", b"\x01t3")?);
            assert!(engine.set_apart(b"\x01t1a", b"\x01t1b")?);
            assert!(engine.set_apart(b"\x01t1a", b"\x01t1b")?);
            assert!(!engine.set_apart(b"\x01t1", b"\x01t1c")?);
            engine.ingest(&mut std::iter::once(pairs(&[b"\x01t1a1", b"\x01t1a2"])))?;
            let mut batch = Batch::default();
            batch.put(b"\x01t1a3".to_vec(), b"\x01t1a3".to_vec());
            batch.put(b"\x01t1c".to_vec(), b"\x01t1c".to_vec());
            engine.write(batch)?;
            // An ingest stays in one keyspace.
            let crossing = pairs(&[b"\x01t1a9", b"\x01t1b"]);
            assert!(engine.ingest(&mut std::iter::once(crossing)).is_err());
            assert_eq!(engine.parts.read().tables().count(), 2);
        }
        // Found again after a restart, redo log replayed into it.
        let engine = FjallEngine::open(dir.path(), &Options::default())?;
        let expected: Vec<&[u8]> = vec![
            b"\x00last_ts",
            b"\x01m\x00\x00",
            b"\x01s",
            b"\x01t1",
            b"\x01t1a1",
            b"\x01t1a2",
            b"\x01t1a3",
            b"\x01t1c",
            b"\x01t2",
        ];
        assert_eq!(all_keys(&engine, b"", b"\xff")?, expected);
        assert_eq!(
            keys_backwards(&engine, b"\x01t", b"\x01t1b")?,
            expected[3..7].iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(all_keys(&engine, b"\x01t1a2", b"\x01t1c")?, expected[5..7]);
        assert_eq!(
            engine
                .first_in(b"\x01t1", b"\x01t1a")?
                .map(|p| p.0.to_vec()),
            Some(b"\x01t1".to_vec())
        );
        assert_eq!(
            engine
                .first_in(b"\x01t10", b"\x01t1b")?
                .map(|p| p.0.to_vec()),
            Some(b"\x01t1a1".to_vec())
        );
        assert_eq!(engine.get(b"\x01t1a3")?.as_deref(), Some(&b"\x01t1a3"[..]));
        assert_eq!(engine.parts.read().tables().count(), 2);
        // Emptied, the keyspace goes at the next start; the range can be set apart again.
        let mut batch = Batch::default();
        for key in &expected[4..7] {
            batch.delete(key.to_vec());
        }
        engine.write(batch)?;
        drop(engine);
        let engine = FjallEngine::open(dir.path(), &Options::default())?;
        assert_eq!(engine.parts.read().tables().count(), 1);
        assert_eq!(
            all_keys(&engine, b"\x01t1", b"\x01t2")?,
            [expected[3], expected[7]]
        );
        assert!(engine.set_apart(b"\x01t1a", b"\x01t1b")?);
        Ok(())
    }

    #[test]
    fn batches_fjall_lost_come_back_from_the_redo_log() -> TestResult {
        let dir = tempfile::tempdir()?;
        let get = |engine: &FjallEngine, key: &[u8]| engine.get(key);
        {
            let engine = FjallEngine::open(dir.path(), &Options::default())?;
            let mut first = Batch::default();
            first.put(KEYS[0], "1");
            first.put(KEYS[3], "1");
            engine.write(first)?;
            engine.sync()?;
            let mut lost = Batch::default();
            lost.put(KEYS[0], "2");
            lost.delete(KEYS[3]);
            lost.put(KEYS[4], "2");
            engine.redo.as_ref().ok_or("no redo log")?.log_only(&lost)?;
            assert_eq!(get(&engine, KEYS[3])?.as_deref(), Some(&b"1"[..]));
        }
        // Replayed also when the directory is opened without the log in use.
        for durability in [Durability::Os, Durability::Full] {
            let options = Options {
                durability,
                ..Options::default()
            };
            let engine = FjallEngine::open(dir.path(), &options)?;
            assert_eq!(get(&engine, KEYS[0])?.as_deref(), Some(&b"2"[..]));
            assert_eq!(get(&engine, KEYS[3])?, None);
            assert_eq!(get(&engine, KEYS[4])?.as_deref(), Some(&b"2"[..]));
        }
        // A new epoch: the next batch after a restart is logged and read back as usual.
        {
            let engine = FjallEngine::open(dir.path(), &Options::default())?;
            let mut more = Batch::default();
            more.put(KEYS[1], "3");
            engine.redo.as_ref().ok_or("no redo log")?.log_only(&more)?;
        }
        let engine = FjallEngine::open(dir.path(), &Options::default())?;
        assert_eq!(get(&engine, KEYS[1])?.as_deref(), Some(&b"3"[..]));
        assert_eq!(get(&engine, KEYS[0])?.as_deref(), Some(&b"2"[..]));
        Ok(())
    }

    #[test]
    fn an_older_directory_moves_its_small_keys_once() -> TestResult {
        let dir = tempfile::tempdir()?;
        {
            let db = Database::builder(dir.path()).open()?;
            let data = db.keyspace(KEYSPACE, KeyspaceCreateOptions::default)?;
            for key in KEYS {
                data.insert(key, key)?;
            }
            db.persist(PersistMode::SyncAll)?;
        }
        for _ in 0..2 {
            let engine = FjallEngine::open(dir.path(), &Options::default())?;
            let expected: Vec<Vec<u8>> = KEYS.iter().map(|k| k.to_vec()).collect();
            assert_eq!(all_keys(&engine, b"", b"\xff")?, expected);
            assert_eq!(engine.parts.read().meta.approximate_len(), 3);
            let first = engine
                .parts
                .read()
                .data
                .first_key_value()
                .map(|kv| kv.key())
                .transpose()?;
            assert_eq!(first.as_deref(), Some(&b"\x01t1"[..]));
        }
        Ok(())
    }
}
