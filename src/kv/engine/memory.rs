//! An engine in memory: nothing reaches disk and nothing survives the process. For unit
//! and golden tests (a store in a few microseconds, no temporary directory) and for a
//! throwaway server (`--engine memory`).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::RwLock;

use super::{Batch, Engine, EngineIter, EngineKind, PackedPairs, RawPair, Result, Slice};

type Map = Arc<RwLock<BTreeMap<Vec<u8>, Vec<u8>>>>;

#[derive(Default)]
pub struct MemoryEngine {
    map: Map,
}

impl Engine for MemoryEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Memory
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.read().get(key).cloned())
    }

    fn range(&self, start: &[u8], end: &[u8]) -> EngineIter {
        Box::new(Cursor {
            map: self.map.clone(),
            front: Bound::Included(start.to_vec()),
            back: Bound::Excluded(end.to_vec()),
        })
    }

    fn write(&self, batch: Batch) -> Result<()> {
        let mut map = self.map.write();
        for (key, value) in batch.writes {
            match value {
                Some(value) => map.insert(key, value),
                None => map.remove(&key),
            };
        }
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }

    fn ingest(&self, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()> {
        let mut map = self.map.write();
        for batch in batches {
            map.extend(batch.iter().map(|(k, v)| (k.to_vec(), v.to_vec())));
        }
        Ok(())
    }

    fn ingest_is_atomic(&self) -> bool {
        true
    }

    fn disk_size(&self) -> Result<u64> {
        Ok(0)
    }
}

/// A scan that takes the lock per step, so no lock is held between steps (like the
/// on-disk engines' iterators, it may see writes made after it started; the MVCC layer
/// filters by timestamp).
struct Cursor {
    map: Map,
    front: Bound<Vec<u8>>,
    back: Bound<Vec<u8>>,
}

impl Cursor {
    fn is_empty(&self) -> bool {
        match (&self.front, &self.back) {
            (Bound::Included(f), Bound::Excluded(b)) | (Bound::Excluded(f), Bound::Excluded(b)) => {
                f >= b
            }
            (Bound::Included(f), Bound::Included(b)) => f > b,
            (Bound::Excluded(f), Bound::Included(b)) => f >= b,
            _ => false,
        }
    }
}

impl Iterator for Cursor {
    type Item = Result<RawPair>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.is_empty() {
            return None;
        }
        let map = self.map.read();
        let (k, v) = map.range((self.front.clone(), self.back.clone())).next()?;
        self.front = Bound::Excluded(k.clone());
        Some(Ok((Slice::from(&k[..]), Slice::from(&v[..]))))
    }
}

impl DoubleEndedIterator for Cursor {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.is_empty() {
            return None;
        }
        let map = self.map.read();
        let (k, v) = map
            .range((self.front.clone(), self.back.clone()))
            .next_back()?;
        self.back = Bound::Excluded(k.clone());
        Some(Ok((Slice::from(&k[..]), Slice::from(&v[..]))))
    }
}
