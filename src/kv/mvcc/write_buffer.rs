//! A transaction's buffered writes, `None` meaning delete.
//!
//! What a transaction does with its buffer is mostly writing to it and reading its own
//! writes back by key (a LOAD DATA buffers millions of row and index entries, each checked
//! for a duplicate first); scans that merge the buffer with the snapshot in key order are
//! rare in such transactions. So the buffer is a hash map, and the key order is built only
//! when a scan first asks for it, then kept up to date. A commit needs no order (an engine
//! batch takes keys in any order) unless it is applied as an ingest, which sorts first.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use parking_lot::{Mutex, MutexGuard};

type Value = Option<Vec<u8>>;

#[derive(Default)]
pub struct WriteBuffer {
    /// foldhash rather than the standard SipHash: the map is rehashed as it grows, and a
    /// bulk load's keys are not chosen by an attacker who could benefit from collisions
    /// (each transaction's seed is random all the same).
    values: HashMap<Vec<u8>, Value, foldhash::fast::RandomState>,
    /// Every key of `values`, sorted; `None` until a scan needs it.
    order: Mutex<Option<BTreeSet<Vec<u8>>>>,
}

impl WriteBuffer {
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.values.get(key)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Writes `value` at `key`; returns what the buffer held there before.
    pub fn insert(&mut self, key: Vec<u8>, value: Value) -> Option<Value> {
        if let Some(order) = self.order.get_mut() {
            if !self.values.contains_key(&key) {
                order.insert(key.clone());
            }
        }
        self.values.insert(key, value)
    }

    /// Forgets `key` (a rollback to before its first write).
    pub fn remove(&mut self, key: &[u8]) {
        if self.values.remove(key).is_some() {
            if let Some(order) = self.order.get_mut() {
                order.remove(key);
            }
        }
    }

    /// The buffered pairs with keys in `[start, end)` (an empty `end`: no end), in key
    /// order or in reverse. Each step looks its key up in the order afresh, so nothing is
    /// held between steps (a scan may stop after a few keys of millions).
    pub fn range<'a>(&'a self, start: &'a [u8], end: &'a [u8], reverse: bool) -> Range<'a> {
        Range {
            buffer: self,
            low: Bound::Included(start),
            high: match end.is_empty() {
                true => Bound::Unbounded,
                false => Bound::Excluded(end),
            },
            reverse,
        }
    }

    /// The key order, built on first use.
    fn order(&self) -> MutexGuard<'_, Option<BTreeSet<Vec<u8>>>> {
        let mut order = self.order.lock();
        if order.is_none() {
            *order = Some(self.values.keys().cloned().collect());
        }
        order
    }

    /// The keys starting with `prefix`, sorted.
    pub fn keys_with_prefix(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = self
            .values
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        keys.sort_unstable();
        keys
    }

    /// The pairs in no particular order.
    pub fn into_pairs(self) -> Vec<(Vec<u8>, Value)> {
        self.values.into_iter().collect()
    }
}

/// An ordered walk over part of a [`WriteBuffer`].
pub struct Range<'a> {
    buffer: &'a WriteBuffer,
    low: Bound<&'a [u8]>,
    high: Bound<&'a [u8]>,
    reverse: bool,
}

impl<'a> Iterator for Range<'a> {
    type Item = (&'a Vec<u8>, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.values.is_empty() {
            return None;
        }
        let order = self.buffer.order();
        let mut keys = order.as_ref()?.range::<[u8], _>((self.low, self.high));
        let key = match self.reverse {
            true => keys.next_back(),
            false => keys.next(),
        }?;
        // The map's own key and value: they live as long as the buffer is borrowed.
        let (key, value) = self.buffer.values.get_key_value(key.as_slice())?;
        match self.reverse {
            true => self.high = Bound::Excluded(key.as_slice()),
            false => self.low = Bound::Excluded(key.as_slice()),
        }
        Some((key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(b: &WriteBuffer, start: &[u8], end: &[u8], reverse: bool) -> Vec<Vec<u8>> {
        b.range(start, end, reverse)
            .map(|(k, _)| k.clone())
            .collect()
    }

    #[test]
    fn scans_see_writes_before_and_after_the_order_is_built() {
        let mut b = WriteBuffer::default();
        b.insert(b"c".to_vec(), Some(b"3".to_vec()));
        b.insert(b"a".to_vec(), None);
        assert_eq!(scanned(&b, b"", b"", false), [b"a".to_vec(), b"c".to_vec()]);
        // Written after the order exists: kept in it.
        b.insert(b"b".to_vec(), Some(b"2".to_vec()));
        b.insert(b"c".to_vec(), Some(b"33".to_vec()));
        assert_eq!(scanned(&b, b"b", b"", true), [b"c".to_vec(), b"b".to_vec()]);
        b.remove(b"b");
        assert_eq!(scanned(&b, b"a", b"c", false), [b"a".to_vec()]);
        assert_eq!(b.get(b"c"), Some(&Some(b"33".to_vec())));
    }

    #[test]
    fn insert_returns_what_was_there() {
        let mut b = WriteBuffer::default();
        assert_eq!(b.insert(b"k".to_vec(), Some(b"1".to_vec())), None);
        assert_eq!(b.insert(b"k".to_vec(), None), Some(Some(b"1".to_vec())));
        assert_eq!(b.keys_with_prefix(b"k"), [b"k".to_vec()]);
    }
}
