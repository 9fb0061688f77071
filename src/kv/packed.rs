//! Key-value pairs packed one after another in one buffer: how a bulk write travels from the
//! sort to the engine's files ([`super::Store::ingest`]).
//!
//! A pair of `Vec`s per entry costs two allocations where the entry is made and two frees
//! where it is written, and a merge of entries allocated one by one reads each of them from
//! cold memory: in an ADD INDEX of a million rows that was a third of the build's CPU. Packed,
//! a few thousand pairs take one allocation and are read in the order they were written.

use super::Pair;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PackedPairs {
    bytes: Vec<u8>,
    /// Where each key ends and its value ends in `bytes` (each pair starts where the one
    /// before ends).
    ends: Vec<(usize, usize)>,
}

impl PackedPairs {
    /// Room for `pairs` pairs of `bytes` bytes in all.
    pub fn with_capacity(pairs: usize, bytes: usize) -> PackedPairs {
        PackedPairs {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(pairs),
        }
    }

    pub fn push(&mut self, key: &[u8], value: &[u8]) {
        self.push_with(
            |out| out.extend_from_slice(key),
            |out| out.extend_from_slice(value),
        );
    }

    /// Appends the pair that `key` and then `value` write at the end of the buffer: an
    /// encoding of a pair costs no buffer of its own.
    pub fn push_with(&mut self, key: impl FnOnce(&mut Vec<u8>), value: impl FnOnce(&mut Vec<u8>)) {
        key(&mut self.bytes);
        let key_end = self.bytes.len();
        value(&mut self.bytes);
        self.ends.push((key_end, self.bytes.len()));
    }

    /// Empties the batch, keeping its memory for the next pairs.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of every key and value.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The pair at `i`.
    pub fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let &(key_end, value_end) = self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.ends[before].1,
            None => 0,
        };
        Some((&self.bytes[start..key_end], &self.bytes[key_end..value_end]))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, value_end)| {
            let pair = (&self.bytes[start..key_end], &self.bytes[key_end..value_end]);
            start = value_end;
            pair
        })
    }

    pub fn first_key(&self) -> Option<&[u8]> {
        let &(key_end, _) = self.ends.first()?;
        Some(&self.bytes[..key_end])
    }

    pub fn last_key(&self) -> Option<&[u8]> {
        Some(self.last()?.0)
    }

    pub fn last(&self) -> Option<(&[u8], &[u8])> {
        self.get(self.len().checked_sub(1)?)
    }

    /// `pairs` packed `per_batch` at a time.
    pub fn batches<I>(pairs: I, per_batch: usize) -> impl Iterator<Item = PackedPairs>
    where
        I: IntoIterator<Item = Pair>,
    {
        let mut pairs = pairs.into_iter().peekable();
        std::iter::from_fn(move || {
            pairs.peek()?;
            let mut batch = PackedPairs::default();
            for (key, value) in pairs.by_ref().take(per_batch.max(1)) {
                batch.push(&key, &value);
            }
            Some(batch)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_back_as_pushed() {
        let mut packed = PackedPairs::default();
        assert_eq!((packed.first_key(), packed.last_key()), (None, None));
        packed.push(b"a", b"1");
        assert_eq!(packed.last_key(), Some(&b"a"[..]));
        packed.push(b"", b"");
        packed.push_with(|k| k.extend_from_slice(b"cc"), |v| v.push(3));
        let pairs: Vec<(&[u8], &[u8])> = packed.iter().collect();
        assert_eq!(
            pairs,
            vec![
                (&b"a"[..], &b"1"[..]),
                (&b""[..], &b""[..]),
                (&b"cc"[..], &[3u8][..])
            ]
        );
        assert_eq!((packed.len(), packed.byte_len()), (3, 5));
        assert_eq!(packed.first_key(), Some(&b"a"[..]));
        assert_eq!(packed.get(2), Some((&b"cc"[..], &[3u8][..])));
        assert_eq!(packed.get(3), None);
        assert_eq!(packed.last_key(), Some(&b"cc"[..]));
    }

    #[test]
    fn batches_hold_at_most_their_size() {
        let pairs = (0..5u8).map(|i| (vec![i], vec![i, i]));
        let batches: Vec<PackedPairs> = PackedPairs::batches(pairs, 2).collect();
        assert_eq!(
            batches.iter().map(PackedPairs::len).collect::<Vec<_>>(),
            [2, 2, 1]
        );
        assert_eq!(batches[2].iter().next(), Some((&[4u8][..], &[4u8, 4][..])));
        assert_eq!(PackedPairs::batches(Vec::new(), 2).count(), 0);
    }
}
