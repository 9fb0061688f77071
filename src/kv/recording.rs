//! A store that remembers what its transactions commit, in the order they wrote it: the
//! window golden tests look through to pin down exactly which keys a statement or a DDL
//! state writes.

use std::sync::Arc;

use parking_lot::Mutex;

use super::{KeyRange, PackedPairs, PairVisitor, Result, Savepoint, Store, Transaction};

/// One write of a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
    /// A key made part of the conflict check without being written.
    Lock(Vec<u8>),
}

type Log = Arc<Mutex<Vec<Write>>>;

/// Wraps a store; every committed transaction appends its writes to the log.
pub struct RecordingStore {
    inner: Arc<dyn Store>,
    log: Log,
}

impl RecordingStore {
    pub fn new(inner: Arc<dyn Store>) -> RecordingStore {
        RecordingStore {
            inner,
            log: Log::default(),
        }
    }

    /// The writes committed since the last call, oldest first.
    pub fn take(&self) -> Vec<Write> {
        std::mem::take(&mut *self.log.lock())
    }

    fn wrap(&self, inner: Box<dyn Transaction>) -> Box<dyn Transaction> {
        Box::new(RecordingTransaction {
            inner,
            pending: Vec::new(),
            savepoints: Mutex::default(),
            log: self.log.clone(),
        })
    }
}

impl Store for RecordingStore {
    fn begin(&self) -> Result<Box<dyn Transaction>> {
        Ok(self.wrap(self.inner.begin()?))
    }

    fn begin_at(&self, ts: u64) -> Result<Box<dyn Transaction>> {
        Ok(self.wrap(self.inner.begin_at(ts)?))
    }

    fn current_ts(&self) -> u64 {
        self.inner.current_ts()
    }

    fn gc(&self, safe_point: u64) -> Result<usize> {
        self.inner.gc(safe_point)
    }

    fn min_active_ts(&self) -> u64 {
        self.inner.min_active_ts()
    }

    fn ingest(&self, ts: u64, batches: &mut dyn Iterator<Item = PackedPairs>) -> Result<()> {
        let mut written = Vec::new();
        let mut recorded = batches.inspect(|batch| {
            written.extend(
                batch
                    .iter()
                    .map(|(k, v)| Write::Put(k.to_vec(), v.to_vec())),
            );
        });
        self.inner.ingest(ts, &mut recorded)?;
        self.log.lock().extend(written);
        Ok(())
    }

    fn changes_since(
        &self,
        range: &KeyRange,
        ts: u64,
        limit: usize,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        self.inner.changes_since(range, ts, limit)
    }

    fn delete_range(&self, range: &KeyRange) -> Result<u64> {
        self.inner.delete_range(range)
    }

    fn set_apart(&self, range: &KeyRange) -> Result<bool> {
        self.inner.set_apart(range)
    }
}

struct RecordingTransaction {
    inner: Box<dyn Transaction>,
    /// Writes so far, in call order.
    pending: Vec<Write>,
    /// Each savepoint handed out, with the length `pending` had then.
    savepoints: Mutex<Vec<(Savepoint, usize)>>,
    log: Log,
}

impl Transaction for RecordingTransaction {
    fn start_ts(&self) -> u64 {
        self.inner.start_ts()
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }

    fn scan_each(
        &self,
        range: &KeyRange,
        limit: usize,
        reverse: bool,
        visit: &mut PairVisitor,
    ) -> Result<usize> {
        self.inner.scan_each(range, limit, reverse, visit)
    }

    fn snapshot_is_empty(&mut self, range: &KeyRange) -> Result<bool> {
        self.inner.snapshot_is_empty(range)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.pending.push(Write::Put(key.clone(), value.clone()));
        self.inner.put(key, value);
    }

    fn delete(&mut self, key: Vec<u8>) {
        self.pending.push(Write::Delete(key.clone()));
        self.inner.delete(key);
    }

    fn savepoint(&self) -> Savepoint {
        let savepoint = self.inner.savepoint();
        self.savepoints.lock().push((savepoint, self.pending.len()));
        savepoint
    }

    fn rollback_to(&mut self, savepoint: Savepoint) {
        let mut savepoints = self.savepoints.lock();
        if let Some(i) = savepoints.iter().position(|(s, _)| *s == savepoint) {
            self.pending.truncate(savepoints[i].1);
            savepoints.truncate(i + 1);
        }
        drop(savepoints);
        self.inner.rollback_to(savepoint);
    }

    fn is_read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    fn written_keys(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.inner.written_keys(prefix)
    }

    fn lock(&mut self, key: Vec<u8>) {
        self.pending.push(Write::Lock(key.clone()));
        self.inner.lock(key);
    }

    fn mark_replay(&mut self) {
        self.inner.mark_replay();
    }

    fn commit(self: Box<Self>) -> Result<u64> {
        let ts = self.inner.commit()?;
        self.log.lock().extend(self.pending);
        Ok(ts)
    }

    fn commit_unsynced(self: Box<Self>) -> Result<u64> {
        let ts = self.inner.commit_unsynced()?;
        self.log.lock().extend(self.pending);
        Ok(ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_committed_writes_in_order_without_rolled_back_ones() {
        let store = RecordingStore::new(crate::kv::open_memory().expect("memory store"));
        let mut txn = store.begin().expect("begin");
        txn.put(b"a".to_vec(), b"1".to_vec());
        let savepoint = txn.savepoint();
        txn.delete(b"b".to_vec());
        txn.rollback_to(savepoint);
        txn.lock(b"c".to_vec());
        txn.commit().expect("commit");
        let dropped = store.begin().expect("begin");
        drop(dropped);
        assert_eq!(
            store.take(),
            [
                Write::Put(b"a".to_vec(), b"1".to_vec()),
                Write::Lock(b"c".to_vec())
            ]
        );
        assert!(store.take().is_empty());
    }
}
