//! The newest version of recently written keys, kept in memory so that a read of such a key
//! skips the engine.
//!
//! A point read through the engine seeks every table of the LSM tree whose range holds the
//! key, and decodes a block of each. The keys read most often are often the ones written
//! most often: the schema version and the DDL job records at every DDL step, a hot row. Each
//! small commit therefore records here, under the commit lock and before its timestamp is
//! published, the value it wrote for each key and its commit timestamp. A reader at
//! snapshot `ts` that finds an entry committed at or before `ts` has the answer: no later
//! commit of the key can be at or before `ts`, since it would have replaced the entry before
//! `ts` was published. An entry committed after `ts` sends the reader to the engine.
//!
//! A commit that does not record a key (a big commit, a big value) removes it. Whatever
//! writes versions outside a commit (an ingest, a commit applied as an ingest, a range
//! deletion) clears everything: its entries could then be older than the engine's.
//! Eviction only forgets; an entry is only ever replaced by a newer commit. (Reads do not
//! add entries: proving that what a read found is still the newest version costs more than
//! it saves; measured with point selects over 100k rows.)

use std::collections::HashMap;

use parking_lot::Mutex;

/// Shards, so that readers on many threads rarely meet on one lock.
const SHARDS: usize = 16;
/// Entries per shard.
const SHARD_CAPACITY: usize = 4096;
/// Values longer than this are not kept (a commit writing one removes the key instead).
const MAX_VALUE: usize = 1024;
/// A commit of more writes than this removes the keys it writes rather than recording
/// them (a bulk load would only push everything else out).
pub const MAX_COMMIT_KEYS: usize = 64;

type Shard = HashMap<Vec<u8>, (u64, Option<Vec<u8>>), foldhash::fast::RandomState>;

pub struct Latest {
    shards: Vec<Mutex<Shard>>,
    hasher: foldhash::fast::RandomState,
}

impl Default for Latest {
    fn default() -> Latest {
        Latest {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }
}

impl Latest {
    fn shard(&self, key: &[u8]) -> &Mutex<Shard> {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(key) as usize;
        &self.shards[h % SHARDS]
    }

    /// The value of `key` as of snapshot `ts` (`Some(None)`: deleted), when known here.
    pub fn read(&self, key: &[u8], ts: u64) -> Option<Option<Vec<u8>>> {
        let shard = self.shard(key).lock();
        match shard.get(key) {
            Some((committed, value)) if *committed <= ts => Some(value.clone()),
            _ => None,
        }
    }

    /// Commit `ts` wrote `value` at `key`. Call under the commit lock, after the engine
    /// holds the write and before `ts` is published.
    pub fn record(&self, key: &[u8], ts: u64, value: Option<Vec<u8>>) {
        let mut shard = self.shard(key).lock();
        if value.as_ref().is_some_and(|v| v.len() > MAX_VALUE) {
            shard.remove(key);
            return;
        }
        if let Some(entry) = shard.get_mut(key) {
            *entry = (ts, value);
            return;
        }
        if shard.len() >= SHARD_CAPACITY {
            if let Some(victim) = shard.keys().next().cloned() {
                shard.remove(&victim);
            }
        }
        shard.insert(key.to_vec(), (ts, value));
    }

    /// A commit wrote `key` without recording it (same place as [`Latest::record`]).
    pub fn forget(&self, key: &[u8]) {
        self.shard(key).lock().remove(key);
    }

    /// Versions are written or removed outside a commit: nothing here can be trusted. Call
    /// before and after such writes.
    pub fn clear(&self) {
        for shard in &self.shards {
            shard.lock().clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_answers_snapshots_at_or_after_its_commit() {
        let latest = Latest::default();
        latest.record(b"k", 10, Some(b"v10".to_vec()));
        assert_eq!(latest.read(b"k", 9), None);
        assert_eq!(latest.read(b"k", 10), Some(Some(b"v10".to_vec())));
        latest.record(b"k", 12, None);
        assert_eq!(latest.read(b"k", 11), None);
        assert_eq!(latest.read(b"k", 20), Some(None));
        latest.forget(b"k");
        assert_eq!(latest.read(b"k", 20), None);
    }

    #[test]
    fn big_values_and_clears_are_forgotten() {
        let latest = Latest::default();
        latest.record(b"k", 1, Some(b"small".to_vec()));
        latest.record(b"k", 2, Some(vec![0u8; MAX_VALUE + 1]));
        assert_eq!(latest.read(b"k", 5), None);
        latest.record(b"j", 3, Some(b"x".to_vec()));
        latest.clear();
        assert_eq!(latest.read(b"j", 5), None);
    }

    #[test]
    fn a_full_shard_makes_room() {
        let latest = Latest::default();
        for i in 0..(SHARDS * SHARD_CAPACITY * 2) as u32 {
            latest.record(&i.to_be_bytes(), 1, Some(b"v".to_vec()));
        }
        let kept: usize = latest.shards.iter().map(|s| s.lock().len()).sum();
        assert!(kept <= SHARDS * SHARD_CAPACITY);
    }
}
