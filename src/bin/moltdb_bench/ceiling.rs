//! `storage-ceiling`: how fast each storage engine absorbs index entries.
//!
//! An ADD INDEX writes one index entry per row. This writes the same number of keys, shaped
//! exactly like moltdb's entries for an index on `k` (`t{table}_i{index}{k}{handle}`, value
//! "0"), on each engine (fjall, sled), four ways:
//!
//! * `raw batches`: the engine's atomic batches, one sync at the end: its batch ceiling;
//! * `raw batches+sync`: each batch made durable: the ceiling for durable batches;
//! * `mvcc txn/batch`: one moltdb `kv::MvccStore` transaction per batch (versioned keys,
//!   conflict check, group-commit sync): what the transactional layer can absorb;
//! * `mvcc ingest`: every entry, sorted, through `Store::ingest` (versions at one snapshot, no per-key
//!   transaction): the path fast-reorg ADD INDEX and IMPORT INTO use.
//!
//! And it reads back, after a reopen (nothing in the engine's cache, as for a build after a
//! start), what a build must read, each in one scan on one thread:
//!
//! * `mvcc scan rows`: `rows` sbtest rows (record keys, rows encoded as moltdb stores them),
//!   the build's read phase;
//! * `mvcc scan index`: the index entries ingested above, its verification.
//!
//! The ratio of a server's build time to these figures is the "% of the store's ceiling";
//! the scans bound how close to the ingest's figure a build that reads the rows and then
//! the index can come.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use moltdb::codec::{keys, row as row_codec};
use moltdb::kv::engine::{self, Batch, EngineKind};
use moltdb::kv::{KeyRange, MvccStore, PackedPairs, Store};
use moltdb::types::Value;

use super::data;
use super::stats::{Line, Stats};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A table and index id that look like a real table's.
const TABLE_ID: i64 = 104;
const INDEX_ID: i64 = 2;

fn entry(seed: u64, rows: i64, handle: i64) -> Vec<u8> {
    let k = data::row(seed, rows, handle).k;
    keys::index_key(TABLE_ID, INDEX_ID, &[Value::Int(k)], Some(handle))
}

/// Row `handle` as moltdb stores an sbtest row (columns `id`, `k`, `c`, `pad`).
fn record(seed: u64, rows: i64, handle: i64) -> Vec<u8> {
    let row = data::row(seed, rows, handle);
    let values = [
        Value::Int(row.id),
        Value::Int(row.k),
        Value::Bytes(row.c.into_bytes()),
        Value::Bytes(row.pad.into_bytes()),
    ];
    let columns: Vec<(u64, &Value)> = (1..).zip(&values).collect();
    row_codec::encode_row(&columns)
}

/// Reads every key under `prefix` at a snapshot, in scans of a thousand keys.
fn scan(store: &MvccStore, prefix: &[u8], name: &str) -> Result<Line, BoxError> {
    let snapshot = store.begin_at(store.current_ts())?;
    let mut range = KeyRange::prefix(prefix);
    let mut stats = Stats::default();
    let start = Instant::now();
    loop {
        let mut last = Vec::new();
        let mut bytes = 0;
        let n = snapshot.scan_each(&range, 1000, false, &mut |key, value| {
            bytes += key.len() + value.len();
            last.clear();
            last.extend_from_slice(key);
            Ok(true)
        })?;
        stats.rows += n as u64;
        std::hint::black_box(bytes);
        if n < 1000 {
            break;
        }
        last.push(0);
        range.start = last;
    }
    stats.record(start.elapsed(), 1);
    Ok(stats.line(name, start.elapsed()))
}

fn fresh_dir(base: &Path, name: &str) -> std::io::Result<PathBuf> {
    let dir = base.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes `rows` index entries in batches of `batch` on every engine, each way stopping at
/// `deadline`.
pub fn run(
    base: &Path,
    rows: i64,
    batch: i64,
    seed: u64,
    deadline: Duration,
) -> Result<Vec<Line>, BoxError> {
    let mut lines = Vec::new();
    for kind in [EngineKind::Fjall, EngineKind::Sled] {
        for sync_each in [false, true] {
            let dir = fresh_dir(base, "raw")?;
            let engine = engine::open(&dir, Some(kind), &engine::Options::default())?;
            let mut stats = Stats::default();
            let start = Instant::now();
            let mut first = 1;
            while first <= rows && start.elapsed() < deadline {
                let n = batch.min(rows - first + 1);
                let t0 = Instant::now();
                let mut b = Batch::default();
                for h in first..first + n {
                    b.put(entry(seed, rows, h), &b"0"[..]);
                }
                engine.write(b)?;
                if sync_each {
                    engine.sync()?;
                }
                stats.record(t0.elapsed(), 1);
                stats.rows += n as u64;
                first += n;
            }
            engine.sync()?;
            let name = if sync_each {
                "raw batches+sync"
            } else {
                "raw batches"
            };
            lines.push(stats.line(&format!("{kind} {name}"), start.elapsed()));
            drop(engine);
            std::fs::remove_dir_all(&dir)?;
        }

        let dir = fresh_dir(base, "mvcc")?;
        let store =
            MvccStore::with_engine(engine::open(&dir, Some(kind), &engine::Options::default())?)?;
        let mut stats = Stats::default();
        let start = Instant::now();
        let mut first = 1;
        while first <= rows && start.elapsed() < deadline {
            let n = batch.min(rows - first + 1);
            let t0 = Instant::now();
            let mut txn = store.begin()?;
            for h in first..first + n {
                txn.put(entry(seed, rows, h), b"0".to_vec());
            }
            txn.commit()?;
            stats.record(t0.elapsed(), 1);
            stats.rows += n as u64;
            first += n;
        }
        lines.push(stats.line(&format!("{kind} mvcc txn/batch"), start.elapsed()));
        drop(store);
        std::fs::remove_dir_all(&dir)?;

        // Encoding and sorting the entries is the caller's work, not the store's: done first.
        let mut entries: Vec<Vec<u8>> = (1..=rows).map(|h| entry(seed, rows, h)).collect();
        entries.sort_unstable();
        let dir = fresh_dir(base, "ingest")?;
        let store =
            MvccStore::with_engine(engine::open(&dir, Some(kind), &engine::Options::default())?)?;
        let batches: Vec<PackedPairs> =
            PackedPairs::batches(entries.into_iter().map(|k| (k, b"0".to_vec())), 4096).collect();
        let mut stats = Stats::default();
        let start = Instant::now();
        store.ingest(store.current_ts(), &mut batches.into_iter())?;
        stats.record(start.elapsed(), 1);
        stats.rows += rows as u64;
        lines.push(stats.line(&format!("{kind} mvcc ingest"), start.elapsed()));
        let records = (1..=rows).map(|h| (keys::record_key(TABLE_ID, h), record(seed, rows, h)));
        store.ingest(store.current_ts(), &mut PackedPairs::batches(records, 4096))?;
        drop(store);
        let store =
            MvccStore::with_engine(engine::open(&dir, Some(kind), &engine::Options::default())?)?;
        for (what, prefix) in [
            ("rows", keys::record_prefix(TABLE_ID)),
            ("index", keys::index_prefix(TABLE_ID, INDEX_ID)),
        ] {
            lines.push(scan(&store, &prefix, &format!("{kind} mvcc scan {what}"))?);
        }
        drop(store);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(lines)
}
