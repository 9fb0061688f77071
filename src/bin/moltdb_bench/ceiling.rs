//! `sled-ceiling`: how fast the storage engine alone absorbs index entries.
//!
//! An ADD INDEX backfill writes one index entry per row. This writes the same number of keys,
//! shaped exactly like moltdb's entries for an index on `k` (`t{table}_i{index}{k}{handle}`,
//! value "0"), in batches, three ways:
//!
//! * `sled apply_batch`: raw sled batches, one flush at the end: the engine's ceiling;
//! * `sled apply_batch+flush`: raw sled batches, each made durable: the ceiling for durable
//!   batches;
//! * `mvcc txn/batch`: one moltdb `kv::MvccStore` transaction per batch (versioned keys,
//!   conflict check, group-commit flush): what the transactional layer can absorb.
//!
//! The ratio of a server's build time to these figures is the "% of the store's ceiling".

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use moltdb::codec::keys;
use moltdb::kv::Store;
use moltdb::types::Value;

use super::data;
use super::stats::{Line, Stats};

/// A table and index id that look like a real table's.
const TABLE_ID: i64 = 104;
const INDEX_ID: i64 = 2;

fn entry(seed: u64, rows: i64, handle: i64) -> Vec<u8> {
    let k = data::row(seed, rows, handle).k;
    keys::index_key(TABLE_ID, INDEX_ID, &[Value::Int(k)], Some(handle))
}

fn fresh_dir(base: &Path, name: &str) -> std::io::Result<PathBuf> {
    let dir = base.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes `rows` index entries in batches of `batch`, stopping at `deadline`.
pub fn run(
    base: &Path,
    rows: i64,
    batch: i64,
    seed: u64,
    deadline: Duration,
) -> Result<Vec<Line>, Box<dyn std::error::Error + Send + Sync>> {
    let mut lines = Vec::new();
    for (name, flush_each) in [
        ("sled apply_batch", false),
        ("sled apply_batch+flush", true),
    ] {
        let dir = fresh_dir(base, "raw")?;
        let db = sled::Config::new()
            .path(&dir)
            .cache_capacity(256 * 1024 * 1024)
            .flush_every_ms(None)
            .open()?;
        let start = Instant::now();
        let mut stats = Stats::default();
        let mut first = 1;
        while first <= rows && start.elapsed() < deadline {
            let n = batch.min(rows - first + 1);
            let t0 = Instant::now();
            let mut b = sled::Batch::default();
            for h in first..first + n {
                b.insert(entry(seed, rows, h), &b"0"[..]);
            }
            db.apply_batch(b)?;
            if flush_each {
                db.flush()?;
            }
            stats.record(t0.elapsed(), 1);
            stats.rows += n as u64;
            first += n;
        }
        db.flush()?;
        let elapsed = start.elapsed();
        drop(db);
        lines.push(stats.line(name, elapsed));
        std::fs::remove_dir_all(&dir)?;
    }

    let dir = fresh_dir(base, "mvcc")?;
    let store = moltdb::kv::MvccStore::open(&dir)?;
    let start = Instant::now();
    let mut stats = Stats::default();
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
    let elapsed = start.elapsed();
    drop(store);
    lines.push(stats.line("mvcc txn/batch", elapsed));
    std::fs::remove_dir_all(&dir)?;
    Ok(lines)
}
