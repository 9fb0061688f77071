//! A transaction's buffered writes (`None` meaning delete), and the log that takes them back
//! to a savepoint.
//!
//! What a transaction does with its buffer is mostly writing to it and reading its own
//! writes back by key (a LOAD DATA buffers millions of row and index entries, each checked
//! for a duplicate first); scans that merge the buffer with the snapshot in key order are
//! rare in such transactions. So the buffer is a hash map that keeps its entries in
//! insertion order (`IndexMap`): a key is stored once, growing moves indices rather than
//! entries, and a rollback drops the newest entries from the end. The key order is built
//! only when a scan first asks for it, then kept up to date. A commit sorts the entries
//! itself.

use std::collections::BTreeSet;
use std::ops::Bound;

use indexmap::IndexMap;
use parking_lot::{Mutex, MutexGuard};

type Value = Option<Vec<u8>>;

/// How to take one write back.
enum Undo {
    /// The write added the newest entry: drop it.
    Added,
    /// The write replaced entry `index`'s value: put this one back.
    Replaced(usize, Value),
}

#[derive(Default)]
pub struct WriteBuffer {
    /// foldhash rather than the standard SipHash: cheaper on short keys, and a bulk load's
    /// keys are not chosen by an attacker who could benefit from collisions (each buffer's
    /// seed is random all the same).
    values: IndexMap<Vec<u8>, Value, foldhash::fast::RandomState>,
    /// One entry per write: a savepoint is a length of this log.
    undo: Vec<Undo>,
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

    /// Writes `value` at `key`.
    pub fn insert(&mut self, key: Vec<u8>, value: Value) {
        match self.values.get_full_mut(&key) {
            Some((index, _, slot)) => {
                let previous = std::mem::replace(slot, value);
                self.undo.push(Undo::Replaced(index, previous));
            }
            None => {
                if let Some(order) = self.order.get_mut() {
                    order.insert(key.clone());
                }
                self.values.insert(key, value);
                self.undo.push(Undo::Added);
            }
        }
    }

    /// A position to [`WriteBuffer::rollback_to`].
    pub fn savepoint(&self) -> usize {
        self.undo.len()
    }

    /// Takes back every write made after `savepoint`, the newest first.
    pub fn rollback_to(&mut self, savepoint: usize) {
        while self.undo.len() > savepoint {
            match self.undo.pop() {
                Some(Undo::Added) => {
                    if let Some((key, _)) = self.values.pop() {
                        if let Some(order) = self.order.get_mut() {
                            order.remove(&key);
                        }
                    }
                }
                Some(Undo::Replaced(index, previous)) => {
                    if let Some((_, slot)) = self.values.get_index_mut(index) {
                        *slot = previous;
                    }
                }
                None => break,
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
        let before_b = b.savepoint();
        b.insert(b"b".to_vec(), Some(b"2".to_vec()));
        b.insert(b"c".to_vec(), Some(b"33".to_vec()));
        assert_eq!(scanned(&b, b"b", b"", true), [b"c".to_vec(), b"b".to_vec()]);
        assert_eq!(b.get(b"c"), Some(&Some(b"33".to_vec())));
        // Rolled back: out of the map and of the order, the old value back.
        b.rollback_to(before_b);
        assert_eq!(scanned(&b, b"", b"", false), [b"a".to_vec(), b"c".to_vec()]);
        assert_eq!(b.get(b"c"), Some(&Some(b"3".to_vec())));
        assert_eq!(b.keys_with_prefix(b"").len(), 2);
    }

    #[test]
    fn rollback_undoes_overwrites_and_additions_in_order() {
        let mut b = WriteBuffer::default();
        b.insert(b"k".to_vec(), Some(b"1".to_vec()));
        let sp = b.savepoint();
        b.insert(b"k".to_vec(), None);
        b.insert(b"n".to_vec(), Some(b"x".to_vec()));
        b.insert(b"k".to_vec(), Some(b"2".to_vec()));
        b.rollback_to(sp);
        assert_eq!(b.get(b"k"), Some(&Some(b"1".to_vec())));
        assert_eq!(b.get(b"n"), None);
        assert_eq!(b.keys_with_prefix(b""), [b"k".to_vec()]);
        b.rollback_to(0);
        assert!(b.is_empty());
    }
}
