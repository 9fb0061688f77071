//! Writing a round's sorted entries with `Store::ingest`, in chunks (other commits wait
//! while one runs), after the unique checks.
//!
//! Duplicates of a unique index meet in the sorted stream. Entries of an earlier round (or
//! of a run before a restart) are already in the store, so from the second round on each
//! unique entry is also looked up there: an entry of another row is a duplicate only if
//! that row still has those values — a stale entry (its row changed since; the temporary
//! index holds the change) is simply overwritten.

use super::sort::{self, Sorter};
use super::{io_error, INGEST_CHUNK};
use crate::catalog::IndexInfo;
use crate::codec::keys;
use crate::domain::Domain;
use crate::error::Result;
use crate::kv::{self, Transaction};
use crate::table::Table;

/// How a flush ended.
pub enum Flushed {
    /// Every entry is written: how many.
    All(u64),
    /// Stopped between two ingest chunks (`progress` said so); what was written stays,
    /// and the round's chunks are read again.
    Stopped,
}

/// Writes the entries of `sorters`. `check_store`: entries from earlier rounds may be in
/// the store. `progress(written, total)` is called after every chunk and returns false to
/// stop.
pub fn flush(
    domain: &Domain,
    table: &Table,
    index: &IndexInfo,
    sorters: Vec<Sorter>,
    check_store: bool,
    mut progress: impl FnMut(u64, u64) -> Result<bool>,
) -> Result<Flushed> {
    let total: u64 = sorters.iter().map(|s| s.len).sum();
    let mut entries = sort::merge(sorters).map_err(|e| io_error("sort", e))?;
    if domain.failpoints.is_set("ingest-corrupt-entry") {
        tracing::warn!("failpoint ingest-corrupt-entry: dropping the first entry");
        entries.next();
    }
    let stored = if check_store && index.unique {
        Some(domain.store.begin()?)
    } else {
        None
    };
    let mut chunk: Vec<kv::Pair> = Vec::with_capacity(INGEST_CHUNK);
    let mut previous: Option<Vec<u8>> = None;
    let mut written = 0u64;
    for pair in entries {
        let (key, value) = pair.map_err(|e| io_error("sort", e))?;
        if previous.as_deref() == Some(key.as_slice()) {
            // Two rows with the same values in a unique index.
            let existing = keys::decode_handle_value(&value).unwrap_or(0);
            return Err(table.duplicate_entry(index, &key, existing).into());
        }
        if let Some(stored) = &stored {
            check_stored(stored.as_ref(), table, index, &key, &value)?;
        }
        previous = Some(key.clone());
        chunk.push((key, value));
        if chunk.len() == INGEST_CHUNK {
            written += chunk.len() as u64;
            domain.store.ingest(&mut chunk.drain(..))?;
            if !progress(written, total)? {
                return Ok(Flushed::Stopped);
            }
        }
    }
    if !chunk.is_empty() {
        written += chunk.len() as u64;
        domain.store.ingest(&mut chunk.drain(..))?;
    }
    Ok(Flushed::All(written))
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
    let holds = match table.row(txn, existing)? {
        Some(row) => table.index_pair(index, &row, existing).0 == key,
        None => false,
    };
    if holds {
        return Err(table.duplicate_entry(index, key, existing).into());
    }
    Ok(())
}
