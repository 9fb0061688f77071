//! The sled engine: sled 0.34's default tree.
//!
//! sled has no bulk-load path; ingestion inserts the sorted pairs one by one (measured as
//! sled's fastest crash-consistent write for sorted data) and flushes once at the end.

use std::path::{Path, PathBuf};

use super::io_error;
use super::{Batch, Engine, EngineIter, EngineKind, Options, Slice};
use crate::kv::{Error, PackedPairs, Result};

pub struct SledEngine {
    db: sled::Db,
    path: PathBuf,
}

impl SledEngine {
    /// sled has one way to make writes durable, its flush (which does not fsync), whatever
    /// the durability option.
    pub fn open(path: &Path, options: &Options) -> Result<SledEngine> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(options.cache_bytes)
            // Commits flush explicitly (group commit); a timer flush would only add syncs.
            .flush_every_ms(None)
            .open()?;
        Ok(SledEngine {
            db,
            path: path.to_path_buf(),
        })
    }
}

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl Engine for SledEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sled
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get(key)?.map(|v| v.to_vec()))
    }

    fn range(&self, start: &[u8], end: &[u8]) -> EngineIter {
        let iter = self.db.range(start..end);
        Box::new(iter.map(|entry| {
            let (k, v) = entry?;
            Ok((Slice::from(&*k), Slice::from(&*v)))
        }))
    }

    fn write(&self, batch: Batch) -> Result<()> {
        let mut b = sled::Batch::default();
        for (key, value) in batch.writes {
            match value {
                Some(value) => b.insert(key, value),
                None => b.remove(key),
            }
        }
        self.db.apply_batch(b)?;
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    fn ingest(&self, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()> {
        for batch in batches {
            for (key, value) in batch.iter() {
                self.db.insert(key, value)?;
            }
        }
        self.sync()
    }

    fn disk_size(&self) -> Result<u64> {
        dir_size(&self.path)
    }
}

/// Sums the sizes of the files under `dir`.
fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let meta = entry.metadata().map_err(|e| io_error(&entry.path(), e))?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
