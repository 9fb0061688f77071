//! The raw ordered key-value engines under the MVCC layer.
//!
//! An [`Engine`] knows nothing of versions or transactions: ordered byte keys, point reads,
//! range scans in both directions, atomic write batches, a durable sync and bulk ingestion of
//! sorted pairs. [`super::MvccStore`] is written once on top of this trait, so every engine
//! gets the same snapshot isolation, conflict rules and GC.
//!
//! Two engines exist: **fjall** (an LSM tree; the default for new data directories) and
//! **sled** (kept for directories that use it and for users who ask for it by name). A data
//! directory records the engine and storage format that wrote it in `moltdb-engine`; opening
//! it with another engine or format fails with a message saying so, never silently.

mod fjall;
pub mod memory;
mod redo_log;
mod sled;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::{Error, PackedPairs, Result};

/// Bytes as an engine hands them out. fjall's share the memory of its memtable and blocks
/// (a clone is a reference count), so a scan that steps over versions it does not want,
/// the old versions of sysbench's hot rows, copies none of them; the other engines copy
/// theirs in.
pub type Slice = ::fjall::Slice;

/// A key and its value as an engine stores them.
pub type RawPair = (Slice, Slice);

/// A lazy scan over an engine's pairs.
pub type EngineIter = Box<dyn DoubleEndedIterator<Item = Result<RawPair>> + Send>;

/// An ordered, durable byte-key store.
pub trait Engine: Send + Sync + 'static {
    fn kind(&self) -> EngineKind;

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// The pairs with `start <= key < end`, in key order; `next_back` walks from the end.
    fn range(&self, start: &[u8], end: &[u8]) -> EngineIter;

    /// The first pair with `start <= key < end`: an MVCC point read (the newest version of
    /// a key at or below a timestamp) is exactly this.
    fn first_in(&self, start: &[u8], end: &[u8]) -> Result<Option<RawPair>> {
        self.range(start, end).next().transpose()
    }

    /// Applies every write of `batch` atomically: after a crash, all of it or none.
    fn write(&self, batch: Batch) -> Result<()>;

    /// Makes every write applied so far durable.
    fn sync(&self) -> Result<()>;

    /// Writes the pairs of `batches`, given in strictly ascending key order (the caller
    /// guarantees it; fjall panics otherwise), faster than [`Engine::write`]; they are durable when this returns.
    /// Atomicity is the caller's business (the MVCC layer makes an ingest visible only
    /// through its commit timestamp) unless [`Engine::ingest_is_atomic`].
    fn ingest(&self, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()>;

    /// Whether after a crash an ingest is there whole or not at all (fjall registers the
    /// tables it wrote in one step; sled inserts one pair at a time).
    fn ingest_is_atomic(&self) -> bool {
        false
    }

    /// Keeps the keys in `[start, end)` in a tree of their own from now on, if the engine has
    /// such trees and none of those keys is stored yet (see [`super::Store::set_apart`]).
    /// True if they are kept apart.
    fn set_apart(&self, start: &[u8], end: &[u8]) -> Result<bool> {
        let _ = (start, end);
        Ok(false)
    }

    /// Bytes the engine occupies on disk.
    fn disk_size(&self) -> Result<u64>;

    /// Has the engine drop, whenever it compacts, the pairs `gc` judges garbage; false if it
    /// cannot (it has no compactions, or no hook into them), and then the caller deletes its
    /// garbage itself.
    fn collect_in_compactions(&self, gc: Arc<dyn CompactionGc>) -> bool {
        let _ = gc;
        false
    }

    /// Puts everything written so far through a compaction now, for tests of what
    /// compactions drop.
    #[cfg(test)]
    fn compact(&self) -> Result<()> {
        Ok(())
    }
}

/// The garbage rule the MVCC layer gives an engine that can apply it while compacting
/// (TiKV's way of collecting old versions): nothing is written to delete them, and no
/// tombstone is left for reads to step over.
pub trait CompactionGc: Send + Sync + std::panic::RefUnwindSafe + 'static {
    /// A judge for one compaction, which shows it every pair it rewrites, in key order.
    fn judge(&self) -> Box<dyn GarbageJudge>;
}

/// Tells, pair by pair in key order within one compaction, which pairs are garbage.
pub trait GarbageJudge: Send {
    fn is_garbage(&mut self, key: &[u8], value: &[u8]) -> bool;
}

/// Writes applied together; `None` deletes the key.
#[derive(Debug, Default)]
pub struct Batch {
    pub writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.writes.push((key.into(), Some(value.into())));
    }

    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.writes.push((key.into(), None));
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// The engines moltdb can store its data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Fjall,
    Sled,
    /// Nothing on disk; gone with the process.
    Memory,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Fjall => "fjall",
            EngineKind::Sled => "sled",
            EngineKind::Memory => "memory",
        }
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "fjall" => Ok(EngineKind::Fjall),
            "sled" => Ok(EngineKind::Sled),
            "memory" => Ok(EngineKind::Memory),
            other => Err(format!(
                "unknown storage engine '{other}' (fjall, sled or memory)"
            )),
        }
    }
}

/// How an engine is opened.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The engine's block / page cache.
    pub cache_bytes: u64,
    /// What [`Engine::sync`] guarantees.
    pub durability: Durability,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache_bytes: 256 << 20,
            durability: Durability::Full,
        }
    }
}

/// What an acknowledged commit survives (MySQL's `innodb_flush_log_at_trx_commit` 1 / 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync at every commit (shared by concurrent commits): survives power loss.
    Full,
    /// Written to the operating system at every commit: survives a crash of moltdb, not of
    /// the machine. For bulk loads and tests.
    Os,
}

impl std::str::FromStr for Durability {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(Durability::Full),
            "os" => Ok(Durability::Os),
            other => Err(format!("unknown durability '{other}' (full or os)")),
        }
    }
}

/// The file in a data directory that names its engine and storage format.
const MARKER: &str = "moltdb-engine";
/// The layout of moltdb's keys and values in the engine; bumped when it changes incompatibly.
const FORMAT: u32 = 1;

/// Opens the engine of data directory `dir`: the one it records, else `requested`, else fjall.
pub fn open(
    dir: &Path,
    requested: Option<EngineKind>,
    options: &Options,
) -> Result<Box<dyn Engine>> {
    if requested == Some(EngineKind::Memory) {
        return Ok(Box::new(memory::MemoryEngine::default()));
    }
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let marker = dir.join(MARKER);
    let recorded = read_marker(&marker)?;
    // Directories from before the marker existed hold sled's files at the top level.
    let legacy_sled = recorded.is_none() && dir.join("conf").is_file() && dir.join("db").is_file();
    let recorded = recorded.or(legacy_sled.then_some(EngineKind::Sled));
    if let (Some(recorded), Some(requested)) = (recorded, requested) {
        if recorded != requested {
            return Err(Error::Storage(format!(
                "data directory {} was written by the {recorded} engine and cannot be opened \
                 with --engine {requested}; start with --engine {recorded}, or use another \
                 --data-dir",
                dir.display()
            )));
        }
    }
    let kind = recorded.or(requested).unwrap_or(EngineKind::Fjall);
    let path = if legacy_sled {
        dir.to_path_buf()
    } else {
        dir.join(kind.name())
    };
    let engine: Box<dyn Engine> = match kind {
        EngineKind::Fjall => Box::new(fjall::FjallEngine::open(&path, options)?),
        EngineKind::Sled => Box::new(sled::SledEngine::open(&path, options)?),
        EngineKind::Memory => Box::new(memory::MemoryEngine::default()),
    };
    if !marker.exists() {
        let text = format!("engine={kind}\nformat={FORMAT}\n");
        std::fs::write(&marker, text).map_err(|e| io_error(&marker, e))?;
    }
    Ok(engine)
}

fn read_marker(marker: &Path) -> Result<Option<EngineKind>> {
    let text = match std::fs::read_to_string(marker) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(marker, e)),
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    let bad = || {
        Error::Storage(format!(
            "{} is not a moltdb engine marker",
            marker.display()
        ))
    };
    let format: u32 = field("format")
        .and_then(|f| f.parse().ok())
        .ok_or_else(bad)?;
    if format != FORMAT {
        return Err(Error::Storage(format!(
            "{} was written with storage format {format}; this moltdb reads format {FORMAT}",
            marker.display()
        )));
    }
    let kind = field("engine").ok_or_else(bad)?;
    kind.parse().map(Some).map_err(Error::Storage)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Storage(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_keeps_its_engine_and_refuses_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let engine = open(dir.path(), None, &Options::default()).unwrap();
        assert_eq!(engine.kind(), EngineKind::Fjall);
        drop(engine);
        let err = open(dir.path(), Some(EngineKind::Sled), &Options::default())
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("written by the fjall engine"),
            "{err}"
        );
        assert_eq!(
            open(dir.path(), None, &Options::default()).unwrap().kind(),
            EngineKind::Fjall
        );

        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path(), Some(EngineKind::Sled), &Options::default()).unwrap());
        assert_eq!(
            open(dir.path(), None, &Options::default()).unwrap().kind(),
            EngineKind::Sled
        );
        let err = open(dir.path(), Some(EngineKind::Fjall), &Options::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("--engine sled"), "{err}");
    }

    #[test]
    fn an_incompatible_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MARKER), "engine=fjall\nformat=99\n").unwrap();
        let err = open(dir.path(), None, &Options::default()).err().unwrap();
        assert!(err.to_string().contains("storage format 99"), "{err}");
    }
}
