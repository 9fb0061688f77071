//! The versions of [`Store::ingest`](crate::kv::Store::ingest): the caller's batches of pairs
//! encoded as versions at one timestamp, checked to ascend, repacked in batches the engine's
//! writer takes one at a time; and those of a huge commit applied as an ingest.

use super::keys;
use crate::kv::PackedPairs;

/// Versions per batch handed to the engine.
const VERSIONS_PER_BATCH: usize = 1024;

/// A commit's writes (keys ascending) as versions at `commit_ts`, in batches.
pub(super) fn commit_versions(
    writes: &[(Vec<u8>, Option<Vec<u8>>)],
    commit_ts: u64,
) -> impl Iterator<Item = PackedPairs> + '_ {
    writes.chunks(VERSIONS_PER_BATCH).map(move |writes| {
        let mut versions = PackedPairs::with_capacity(writes.len(), writes.len() * 64);
        for (key, value) in writes {
            versions.push_with(
                |out| keys::data_key_into(key, commit_ts, out),
                |out| keys::encode_value_into(value.as_deref(), out),
            );
        }
        versions
    })
}

/// The pairs of `batches` as versions at `ts`, cut short before the first key that does not
/// ascend.
pub(super) struct Versions<'a> {
    batches: &'a mut dyn Iterator<Item = PackedPairs>,
    ts: u64,
    /// The caller's batch at hand, and the next of its pairs to encode.
    current: PackedPairs,
    at: usize,
    /// The last key of the caller's batch before `current`.
    before_current: Option<Vec<u8>>,
    /// The first key encoded.
    pub first: Option<Vec<u8>>,
    /// A key did not ascend.
    pub unsorted: bool,
}

impl<'a> Versions<'a> {
    pub fn new(batches: &'a mut dyn Iterator<Item = PackedPairs>, ts: u64) -> Versions<'a> {
        Versions {
            batches,
            ts,
            current: PackedPairs::default(),
            at: 0,
            before_current: None,
            first: None,
            unsorted: false,
        }
    }

    /// The last key encoded.
    pub fn last_key(&self) -> Option<&[u8]> {
        match self.at.checked_sub(1) {
            Some(last) => self.current.get(last).map(|(key, _)| key),
            None => self.before_current.as_deref(),
        }
    }
}

impl Iterator for Versions<'_> {
    type Item = PackedPairs;

    fn next(&mut self) -> Option<PackedPairs> {
        let mut out = PackedPairs::with_capacity(VERSIONS_PER_BATCH, VERSIONS_PER_BATCH * 64);
        while out.len() < VERSIONS_PER_BATCH && !self.unsorted {
            let Some((key, value)) = self.current.get(self.at) else {
                let Some(next) = self.batches.next() else {
                    break;
                };
                if let Some(last) = self.current.last_key() {
                    self.before_current = Some(last.to_vec());
                }
                (self.current, self.at) = (next, 0);
                continue;
            };
            let previous = match self.at.checked_sub(1) {
                Some(before) => self.current.get(before).map(|(key, _)| key),
                None => self.before_current.as_deref(),
            };
            if previous.is_some_and(|previous| previous >= key) {
                self.unsorted = true;
                break;
            }
            if self.first.is_none() {
                self.first = Some(key.to_vec());
            }
            out.push_with(
                |out| keys::data_key_into(key, self.ts, out),
                |out| keys::encode_value_into(Some(value), out),
            );
            self.at += 1;
            crate::background::breathe();
        }
        (!out.is_empty()).then_some(out)
    }
}
