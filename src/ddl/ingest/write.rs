//! Writing a round's sorted entries with `Store::ingest`, in chunks (other commits wait
//! while one runs), after the unique checks.
//!
//! Duplicates of a unique index meet in the sorted stream. Entries of an earlier round (or
//! of a run before a restart) are already in the store, so from the second round on each
//! unique entry is also looked up there: an entry of another row is a duplicate only if
//! that row still has those values — a stale entry (its row changed since; the temporary
//! index holds the change) is simply overwritten.

use std::time::Instant;

use super::{io_error, INGEST_CHUNK};
use crate::catalog::IndexInfo;
use crate::codec::keys;
use crate::ddl::backfill::CHECKPOINT_EVERY;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv::sort::{self, Sorter};
use crate::kv::write_speed::WriteSpeed;
use crate::kv::{KeyRange, PackedPairs, Transaction};
use crate::table::Table;

/// Entries from which an index gets a tree of its own in the store ([`Store::set_apart`]):
/// its ingest then moves down whole, instead of being rewritten with the writes flushed
/// beside it (1M entries, 32 MiB: 1.4 s of a core under DML, while the verification read
/// them). Below, a tree of its own is not worth its memtable and files.
///
/// [`Store::set_apart`]: crate::kv::Store::set_apart
const APART_FROM: u64 = 256 * 1024;

/// How a flush ended.
pub enum Flushed {
    /// Every entry is written: how many.
    All(u64),
    /// Stopped between two ingest chunks (`progress` said so); what was written stays,
    /// and the round's chunks are read again.
    Stopped,
}

/// Writes the entries of `sorters` as versions at `ts` (the snapshot they were read at), in
/// one ingest. `check_store`: entries from earlier rounds may be in the store. The writes
/// are held to `max_write_speed()` bytes per second (0: unlimited), read again every
/// checkpoint interval. `progress(written, total)` is called every [`INGEST_CHUNK`] entries
/// and returns false to stop. Another thread merges and checks the entries while this one
/// ingests them.
pub fn flush(
    domain: &Domain,
    table: &Table,
    index: &IndexInfo,
    sorters: Vec<Sorter>,
    (ts, check_store): (u64, bool),
    max_write_speed: &dyn Fn() -> Result<u64>,
    progress: impl FnMut(u64, u64) -> Result<bool>,
) -> Result<Flushed> {
    let total: u64 = sorters.iter().map(|s| s.len).sum();
    let apart_from = domain.failpoints.number("ingest-apart-from");
    if total >= apart_from.unwrap_or(APART_FROM) {
        let range = KeyRange::prefix(&keys::index_prefix(table.info.id, index.id));
        let apart = domain.store.set_apart(&range)?;
        tracing::debug!(index = %index.name, apart, entries = total, "index range set apart");
    }
    let entries = sort::merge(sorters).map_err(|e| io_error("sort", e))?;
    let stored = if check_store && index.unique {
        Some(domain.store.begin()?)
    } else {
        None
    };
    let corrupt = domain.failpoints.is_set("ingest-corrupt-entry");
    let (tx, rx) = crossbeam::channel::bounded::<Result<PackedPairs>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let chunks = Chunks {
                entries,
                table,
                index,
                stored: stored.as_deref(),
                previous: None,
            };
            for chunk in chunks.skip_first(corrupt) {
                let failed = chunk.is_err();
                // The ingesting side hung up: it stopped.
                if tx.send(chunk).is_err() || failed {
                    return;
                }
            }
        });
        let mut feed = Feed {
            chunks: rx,
            written: 0,
            total,
            speed: Paced {
                speed: WriteSpeed::new(max_write_speed()?),
                limit: max_write_speed,
                read_at: Instant::now(),
            },
            progress,
            stopped: false,
            failure: None,
        };
        let ingested = domain.store.ingest(ts, &mut feed);
        if let Some(e) = feed.failure {
            return Err(e);
        }
        ingested?;
        Ok(if feed.stopped {
            Flushed::Stopped
        } else {
            Flushed::All(feed.written)
        })
    })
}

/// The checked entries as one stream for `Store::ingest`: it ends early when a chunk
/// failed its checks or `progress` says stop.
struct Feed<'a, P> {
    chunks: crossbeam::channel::Receiver<Result<PackedPairs>>,
    written: u64,
    total: u64,
    speed: Paced<'a>,
    progress: P,
    stopped: bool,
    failure: Option<Error>,
}

impl<P: FnMut(u64, u64) -> Result<bool>> Iterator for Feed<'_, P> {
    type Item = PackedPairs;

    fn next(&mut self) -> Option<PackedPairs> {
        if self.written > 0 {
            match (self.progress)(self.written, self.total) {
                Ok(true) => {}
                Ok(false) => self.stopped = true,
                Err(e) => self.failure = Some(e),
            }
        }
        if self.stopped || self.failure.is_some() {
            return None;
        }
        match self.chunks.recv() {
            Ok(Ok(chunk)) => {
                self.written += chunk.len() as u64;
                if let Err(e) = self.speed.wrote(chunk.byte_len() as u64) {
                    self.failure = Some(e);
                    return None;
                }
                Some(chunk)
            }
            Ok(Err(e)) => {
                self.failure = Some(e);
                None
            }
            // Every entry was handed out.
            Err(_) => None,
        }
    }
}

/// MAX_WRITE_SPEED, its value read again every [`CHECKPOINT_EVERY`] (ADMIN ALTER DDL JOBS
/// reaches a running ingest).
struct Paced<'a> {
    speed: WriteSpeed,
    limit: &'a dyn Fn() -> Result<u64>,
    read_at: Instant,
}

impl Paced<'_> {
    fn wrote(&mut self, bytes: u64) -> Result<()> {
        if self.read_at.elapsed() >= CHECKPOINT_EVERY {
            self.read_at = Instant::now();
            self.speed.set_limit((self.limit)()?);
        }
        self.speed.wrote(bytes);
        Ok(())
    }
}

/// The merged entries, checked, in chunks of [`INGEST_CHUNK`].
struct Chunks<'a> {
    entries: sort::Merged,
    table: &'a Table,
    index: &'a IndexInfo,
    stored: Option<&'a dyn Transaction>,
    /// The last key of the chunk before (within a chunk, the chunk's own last one).
    previous: Option<Vec<u8>>,
}

impl Chunks<'_> {
    /// With the `ingest-corrupt-entry` failpoint, the first entry is lost.
    fn skip_first(mut self, corrupt: bool) -> Self {
        if corrupt {
            tracing::warn!("failpoint ingest-corrupt-entry: dropping the first entry");
            // The first pair was read when the merge began: lending it cannot fail.
            let _ = self.entries.next_pair();
        }
        self
    }
}

impl Iterator for Chunks<'_> {
    type Item = Result<PackedPairs>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut chunk = PackedPairs::with_capacity(INGEST_CHUNK, INGEST_CHUNK * 64);
        while chunk.len() < INGEST_CHUNK {
            let (key, value) = match self.entries.next_pair() {
                Ok(None) => break,
                Ok(Some(pair)) => pair,
                Err(e) => return Some(Err(io_error("sort", e))),
            };
            let previous = chunk.last_key().or(self.previous.as_deref());
            if previous == Some(key) {
                // Two rows with the same values in a unique index.
                let existing = keys::decode_handle_value(value).unwrap_or(0);
                return Some(Err(self
                    .table
                    .duplicate_entry(self.index, key, existing)
                    .into()));
            }
            if let Some(stored) = self.stored {
                if let Err(e) = check_stored(stored, self.table, self.index, key, value) {
                    return Some(Err(e));
                }
            }
            chunk.push(key, value);
            crate::background::breathe();
        }
        self.previous = chunk.last_key().map(<[u8]>::to_vec);
        (!chunk.is_empty()).then_some(Ok(chunk))
    }
}

/// Fails when the store's entry under `key` belongs to another row that still holds it.
fn check_stored(
    txn: &dyn Transaction,
    table: &Table,
    index: &IndexInfo,
    key: &[u8],
    value: &[u8],
) -> Result<()> {
    // An entry in the non-unique form (values with a NULL) has its handle in the key: no
    // other row's entry can have it.
    let Ok(ours) = keys::decode_handle_value(value) else {
        return Ok(());
    };
    let Some(existing) = txn.get(key)? else {
        return Ok(());
    };
    let existing = keys::decode_handle_value(&existing).map_err(crate::table::Error::from)?;
    if existing == ours {
        return Ok(());
    }
    if table.row_has_entry(txn, index, existing, key)? {
        return Err(table.duplicate_entry(index, key, existing).into());
    }
    Ok(())
}
