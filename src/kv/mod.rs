//! The transactional key-value layer: everything above it sees ordered byte keys, snapshots and
//! commits, never the storage engine.
//!
//! The trait is shaped like TiKV's transactional client (begin at a start timestamp, get, scan a
//! range, put, delete, commit with conflict detection) so that a distributed store can replace
//! the embedded one without the SQL, DDL or DXF layers noticing. [`MvccStore`] is the embedded
//! implementation: multi-version snapshot isolation over a raw ordered [`engine::Engine`]
//! (fjall by default, or sled).

pub mod engine;
mod error;
mod mvcc;
mod packed;
pub mod parallel_scan;
pub mod range;
pub mod recording;
pub mod sort;
pub mod write_speed;

pub use engine::EngineKind;
pub use error::{Error, Result};
pub use mvcc::MvccStore;
pub use packed::PackedPairs;
pub use range::KeyRange;

use std::sync::Arc;

/// A key-value pair as scans return it.
pub type Pair = (Vec<u8>, Vec<u8>);

/// A transactional, multi-version store.
pub trait Store: Send + Sync + 'static {
    /// Starts a read-write transaction that reads the snapshot of everything committed so far.
    fn begin(&self) -> Result<Box<dyn Transaction>>;

    /// Starts a transaction that reads the snapshot at `ts` (a timestamp returned earlier by
    /// [`Store::current_ts`] or a commit). Used by backfill, which must read one fixed snapshot
    /// across many batches.
    fn begin_at(&self, ts: u64) -> Result<Box<dyn Transaction>>;

    /// The newest committed timestamp: a snapshot at it sees every acknowledged commit.
    fn current_ts(&self) -> u64;

    /// Removes versions no snapshot at or after `safe_point` can read. Returns how many
    /// versions were removed.
    fn gc(&self, safe_point: u64) -> Result<usize>;

    /// The oldest start timestamp among open transactions, or [`Store::current_ts`] when none
    /// is open: the highest safe point for [`Store::gc`].
    fn min_active_ts(&self) -> u64;

    /// Writes the pairs of `batches` (strictly ascending keys across all of them, at most one
    /// value each) as versions at `ts`, a snapshot already taken (at most
    /// [`Store::current_ts`]), straight into the engine's files: no transaction, no conflict
    /// check, no commit lock — the bulk path of fast-reorg ADD INDEX and IMPORT INTO. Only
    /// for keys no transaction reads or writes until the caller makes them reachable (the
    /// entries of an index being built are the rows' entries as of `ts`, and nothing reads
    /// the index before it is merged and verified): a snapshot at or above `ts` may see
    /// them appear, and a failed or cut-off ingest may leave part of them, which the caller
    /// writes again or removes.
    fn ingest(&self, ts: u64, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()>;

    /// Removes every version of every key in `range` straight from the engine, durably: no
    /// transaction, and no snapshot keeps them. Only for ranges nothing reads or writes any
    /// more — a dropped table's or index's data once no open snapshot predates the drop
    /// (`ddl::delete_range`). Idempotent; returns how many versions it removed.
    fn delete_range(&self, range: &KeyRange) -> Result<u64>;

    /// Asks the engine to keep `range` in a tree of its own from now on, before a large
    /// [`Store::ingest`] into it (the entries of an index being built): there the ingest is
    /// not rewritten by the next compaction of the writes around it. True if `range` is kept
    /// apart; false if the engine cannot (no such trees, or the range already holds keys).
    fn set_apart(&self, range: &KeyRange) -> Result<bool>;

    /// The keys in `range` with a version committed after `ts`, sorted, each once; `None`
    /// when more than `limit` did, or when that cannot be known: once GC has collected
    /// above `ts`, a deletion made after it may be gone without a trace. While a snapshot
    /// at `ts` stays open the commits since are known and the answer costs little;
    /// otherwise it reads every version in the range: for a check made once per job (the
    /// rows an index build read, under the snapshot the build holds), not per statement.
    fn changes_since(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
    ) -> Result<Option<Vec<Vec<u8>>>>;
}

/// What [`Transaction::scan_each`] lends each pair to: returns false to stop the scan.
pub type PairVisitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool> + 'a;

/// One snapshot-isolated transaction. Writes are buffered until [`Transaction::commit`], which
/// applies them atomically and durably, or fails with [`Error::WriteConflict`] if another
/// transaction committed a write to one of the same keys after this one started (first
/// committer wins). Dropping an uncommitted transaction discards it.
pub trait Transaction: Send + Sync {
    fn start_ts(&self) -> u64;

    /// Reads a key, seeing this transaction's own uncommitted writes.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Reads up to `limit` pairs in `range`, in key order (descending if `reverse`), merged
    /// with this transaction's own uncommitted writes.
    fn scan(&self, range: &KeyRange, limit: usize, reverse: bool) -> Result<Vec<Pair>> {
        let mut out = Vec::new();
        self.scan_each(range, limit, reverse, &mut |key, value| {
            out.push((key.to_vec(), value.to_vec()));
            Ok(true)
        })?;
        Ok(out)
    }

    /// Visits up to `limit` pairs in `range` as [`Transaction::scan`] reads them, lending
    /// each key and value to `visit` instead of collecting copies; `visit` returns false to
    /// stop. Returns how many pairs it visited.
    fn scan_each(
        &self,
        range: &KeyRange,
        limit: usize,
        reverse: bool,
        visit: &mut PairVisitor,
    ) -> Result<usize>;

    /// Whether the snapshot holds no key in `range` (this transaction's own writes aside).
    /// An empty range is remembered: the snapshot never changes, so later reads of keys in
    /// it need not look at the store. LOAD DATA into an empty table saves a store lookup
    /// per row this way.
    fn snapshot_is_empty(&mut self, range: &KeyRange) -> Result<bool>;

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>);

    fn delete(&mut self, key: Vec<u8>);

    /// Marks a point to which [`Transaction::rollback_to`] can undo writes: how a failed
    /// statement inside an explicit transaction leaves no trace.
    fn savepoint(&self) -> Savepoint;

    /// Undoes every write made since `savepoint`.
    fn rollback_to(&mut self, savepoint: Savepoint);

    /// True if nothing has been written.
    fn is_read_only(&self) -> bool;

    /// The keys under `prefix` this transaction has written (put or deleted) so far, in
    /// order: what a schema change touched, so that nodes reload only that.
    fn written_keys(&self, prefix: &[u8]) -> Vec<Vec<u8>>;

    /// Makes `key` part of the commit's conflict check without writing it: the commit fails
    /// if another transaction wrote the key after this one started. Backfill locks the rows
    /// it reads so a concurrent change to a row makes it retry the batch; SELECT ... FOR
    /// UPDATE locks the rows it returns.
    fn lock(&mut self, key: Vec<u8>);

    /// Marks this transaction as a replay of changes other transactions committed before
    /// (an index build's merge of its temporary index): a transaction that writes a key
    /// this one wrote after it started does not lose a write conflict to it at commit,
    /// since its own write is the newer change (unless it is older than the commits the
    /// store remembers, and asks the engine, which cannot tell). This one still loses to
    /// theirs (and the merge replays its batch again, theirs included).
    fn mark_replay(&mut self);

    /// Applies all writes atomically and durably; returns the commit timestamp.
    fn commit(self: Box<Self>) -> Result<u64>;

    /// Applies all writes atomically and makes them visible like [`Transaction::commit`],
    /// without waiting for them to reach the disk: the next durable commit (which flushes
    /// the one journal, in order) makes them durable too. Only for writes whose loss in a
    /// crash loses nothing a client was told is done: a DDL job's submission (the job's
    /// first step commits durably before the client hears anything) or its move to the
    /// history (the change itself was made durable by the step before).
    fn commit_unsynced(self: Box<Self>) -> Result<u64>;
}

/// An opaque position in a transaction's write log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint(pub(crate) usize);

/// Opens the embedded store in data directory `dir`, with the engine the directory records,
/// else `engine`, else fjall; asking for an engine other than the recorded one is an error.
pub fn open(
    dir: &std::path::Path,
    engine: Option<EngineKind>,
    options: &engine::Options,
) -> Result<Arc<dyn Store>> {
    let engine = engine::open(dir, engine, options)?;
    Ok(Arc::new(MvccStore::with_engine(engine)?))
}

/// A store in memory (the `memory` engine): for tests, and for a server whose data may go.
pub fn open_memory() -> Result<Arc<dyn Store>> {
    let engine: Box<dyn engine::Engine> = Box::new(engine::memory::MemoryEngine::default());
    Ok(Arc::new(MvccStore::with_engine(engine)?))
}
