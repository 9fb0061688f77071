//! Read and sort: readers take chunks of the table's handle space, scan their rows at the
//! round's snapshot, encode each row's entry the way DML does (`Table::index_pair`) and feed
//! a sorter of their own, digesting the entries as they go (the verification before public
//! compares the built index with that digest, brought up to date with the rows changed
//! since).

use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam::channel::Receiver;

use super::io_error;
use crate::catalog::IndexInfo;
use crate::error::Result;
use crate::kv::sort::Sorter;
use crate::kv::Transaction;
use crate::table::{Digest, HandleRange, Table};

/// A range of handles, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub first: i64,
    pub last: i64,
}

impl Chunk {
    /// The rows the chunk covers.
    pub fn range(self) -> HandleRange {
        HandleRange {
            start: Bound::Included(self.first),
            end: Bound::Included(self.last),
        }
    }

    /// How many handles the chunk spans.
    pub fn span(self) -> u64 {
        (i128::from(self.last) - i128::from(self.first) + 1) as u64
    }
}

/// `[min, max]` without the ranges in `done`, cut into chunks of at most `span` handles.
pub fn chunks(min: i64, max: i64, done: &[(i64, i64)], span: u64) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut done: Vec<(i64, i64)> = done.to_vec();
    done.sort_unstable();
    let mut from = i128::from(min);
    let max = i128::from(max);
    let span = i128::from(span.max(1));
    let mut cut = |first: i128, last: i128| {
        let mut first = first;
        while first <= last {
            let end = (first + span - 1).min(last);
            // Both ends lie within [min, max], so within i64.
            out.push(Chunk {
                first: first as i64,
                last: end as i64,
            });
            first = end + 1;
        }
    };
    for (a, b) in done {
        let (a, b) = (i128::from(a), i128::from(b));
        if a > from {
            cut(from, (a - 1).min(max));
        }
        from = from.max(b + 1);
    }
    cut(from, max);
    out
}

/// Merges `more` into `ranges`, joining ranges that touch or overlap.
pub fn add_ranges(ranges: &mut Vec<(i64, i64)>, more: impl IntoIterator<Item = Chunk>) {
    ranges.extend(more.into_iter().map(|c| (c.first, c.last)));
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for &(a, b) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if i128::from(a) <= i128::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    *ranges = merged;
}

/// What the readers of a round share.
#[derive(Default)]
pub struct Shared {
    /// Handles covered so far in this round (progress).
    pub covered: AtomicU64,
    pub rows: AtomicU64,
    /// Bytes the readers' sorters wrote to disk.
    pub spilled: AtomicU64,
    /// The round's sorted data reached the disk quota: finish the chunk at hand, take no
    /// more.
    pub full: AtomicBool,
    /// The round is abandoned (cancel, pause, lost ownership, an error elsewhere).
    pub abort: AtomicBool,
    /// Microseconds each reader rests after each chunk (the `reorg-slow` failpoint's, so
    /// that tests can watch a build's phases).
    pub pause_us: u64,
}

impl Shared {
    /// Adds `rows` read and `handles` of the handle space covered.
    fn report(&self, rows: u64, handles: i128) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
        self.covered.fetch_add(handles as u64, Ordering::Relaxed);
    }
}

/// Rows a reader reads between two updates of the shared progress counters.
const REPORT_EVERY: u64 = 1024;

/// What one reader did in a round.
pub struct Read {
    pub sorter: Sorter,
    /// The chunks it read completely.
    pub chunks: Vec<Chunk>,
    /// The digest of the entries it encoded (those of `chunks`).
    pub digest: Digest,
}

/// One reader: chunks from `todo` until none is left, the quota is reached or the round is
/// abandoned.
pub fn read(
    table: &Table,
    index: &IndexInfo,
    snapshot: &dyn Transaction,
    todo: &Receiver<Chunk>,
    mut sorter: Sorter,
    shared: &Shared,
    quota: u64,
) -> Result<Read> {
    let mut done = Vec::new();
    let mut digest = Digest::default();
    while !shared.full.load(Ordering::Relaxed) && !shared.abort.load(Ordering::Relaxed) {
        let Ok(chunk) = todo.try_recv() else { break };
        let mut previous = i128::from(chunk.first) - 1;
        // Progress goes to the shared counters every few rows, not per row: the readers
        // would otherwise fight over their cache line.
        let mut unreported_rows = 0u64;
        let mut reported_to = previous;
        let mut failure = None;
        table.scan_rows_for_index(snapshot, &chunk.range(), index, |handle, row| {
            if shared.abort.load(Ordering::Relaxed) {
                return Ok(false);
            }
            let (key, value) = table.index_pair(index, row, handle);
            digest.add(&key, &value);
            let spilled = sorter.spilled_bytes;
            if let Err(e) = sorter.add(&key, &value) {
                failure = Some(io_error("sort", e));
                return Ok(false);
            }
            if sorter.spilled_bytes > spilled {
                let more = sorter.spilled_bytes - spilled;
                if shared.spilled.fetch_add(more, Ordering::Relaxed) + more >= quota {
                    shared.full.store(true, Ordering::Relaxed);
                }
            }
            previous = i128::from(handle);
            unreported_rows += 1;
            if unreported_rows == REPORT_EVERY {
                shared.report(unreported_rows, previous - reported_to);
                (unreported_rows, reported_to) = (0, previous);
            }
            Ok(true)
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        if shared.abort.load(Ordering::Relaxed) {
            break;
        }
        shared.report(unreported_rows, i128::from(chunk.last) - reported_to);
        done.push(chunk);
        let pause = shared.pause_us;
        if pause > 0 {
            std::thread::sleep(std::time::Duration::from_micros(pause));
        }
    }
    // Each reader sorts what it holds, at the same time as the others.
    if !shared.abort.load(Ordering::Relaxed) {
        sorter.sort_buffer();
    }
    Ok(Read {
        sorter,
        chunks: done,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(first: i64, last: i64) -> Chunk {
        Chunk { first, last }
    }

    #[test]
    fn chunks_cover_what_is_not_done() {
        assert_eq!(chunks(1, 10, &[], 4), vec![c(1, 4), c(5, 8), c(9, 10)]);
        assert_eq!(
            chunks(1, 10, &[(3, 4), (8, 20)], 100),
            vec![c(1, 2), c(5, 7)]
        );
        assert_eq!(chunks(1, 10, &[(1, 10)], 4), vec![]);
        // The whole handle space, without overflow.
        let all = chunks(i64::MIN, i64::MAX, &[], u64::MAX / 2);
        assert_eq!(all.len(), 3);
        assert_eq!(
            all.iter().map(|c| u128::from(c.span())).sum::<u128>(),
            1 << 64
        );
    }

    #[test]
    fn ranges_join_when_they_touch() {
        let mut r = vec![(1, 4)];
        add_ranges(&mut r, [c(9, 12), c(5, 8), c(20, 30)]);
        assert_eq!(r, vec![(1, 12), (20, 30)]);
        add_ranges(&mut r, [c(i64::MAX - 1, i64::MAX), c(13, 19)]);
        assert_eq!(r, vec![(1, 30), (i64::MAX - 1, i64::MAX)]);
    }
}
