//! Reading one key range with several threads at once (an index build's verification,
//! IMPORT INTO's checksum), without knowing beforehand where the keys lie.
//!
//! The range is first cut at midpoints between its first and last keys, read as binary
//! fractions; that spreads the work only as evenly as the keys are spread (sysbench's `k`
//! puts three quarters of its values in a hundredth of their span). So a thread that runs
//! out of work takes the upper half of what another thread has left (work stealing): the
//! owner keeps only the keys below the cut it finds after each batch, the thief reads from
//! the cut on, and a thread stops once `SMALL_THEFTS` pieces in a row held less than a
//! batch each.

use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;

use super::{Error, KeyRange, PackedPairs, Result, Transaction};

/// Pairs read per scan.
const BATCH: usize = 1024;

/// Stolen pieces in a row that each held less than a batch, after which a thread stops
/// stealing: each theft halves what another thread has left, and keys may crowd just above
/// where that thread is reading (sysbench's `k` puts three quarters of its values in a
/// hundredth of their span), so a few empty halves do not yet say the work is done.
const SMALL_THEFTS: usize = 32;

/// Reads `range` at `txn`'s snapshot with `threads` threads (this one among them), each
/// folding the pairs it reads into a `T` of its own; returns them all. Every pair is read
/// by exactly one thread.
pub fn scan_in_parallel<T, F>(
    txn: &dyn Transaction,
    range: &KeyRange,
    threads: usize,
    fold: F,
) -> Result<Vec<T>>
where
    T: Default + Send,
    F: Fn(&mut T, &[u8], &[u8]) + Sync,
{
    let threads = threads.max(1);
    let pieces = split(txn, range, threads)?;
    let taken = AtomicUsize::new(0);
    // What each thread is reading now: another may cut off its upper half.
    let slots: Vec<Mutex<Part>> = (0..threads).map(|_| Mutex::new(Part::done())).collect();
    let worker = |own: usize| -> Result<T> {
        let mut folded = T::default();
        let slot = &slots[own];
        while let Some(piece) = pieces.get(taken.fetch_add(1, Ordering::Relaxed)) {
            *slot.lock() = piece.clone();
            read_part(txn, slot, &mut folded, &fold)?;
        }
        let mut small = 0;
        while small < SMALL_THEFTS {
            let others = (1..threads).map(|k| &slots[(own + k) % threads]);
            let Some(stolen) = others.into_iter().find_map(|other| other.lock().cut()) else {
                break;
            };
            *slot.lock() = stolen;
            if read_part(txn, slot, &mut folded, &fold)? < BATCH {
                small += 1;
            } else {
                small = 0;
            }
        }
        Ok(folded)
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|own| scope.spawn(move || worker(own)))
            .collect();
        let mut all = vec![worker(0)?];
        for helper in helpers {
            let folded = helper
                .join()
                .map_err(|_| Error::Storage("a parallel scan panicked".into()))??;
            all.push(folded);
        }
        Ok(all)
    })
}

/// The keys a thread has left to read: `[next, end)` (an empty `end`: to the end of the
/// keyspace), none from `high` on as far as is known (where halves are cut).
#[derive(Clone)]
struct Part {
    next: Vec<u8>,
    end: Vec<u8>,
    high: Vec<u8>,
    done: bool,
}

impl Part {
    fn done() -> Part {
        Part {
            next: Vec::new(),
            end: Vec::new(),
            high: Vec::new(),
            done: true,
        }
    }

    /// Takes the upper half of what is left, when there is a key between the two halves.
    fn cut(&mut self) -> Option<Part> {
        if self.done || self.high.is_empty() {
            return None;
        }
        let middle = midpoint(&self.next, &self.high);
        if middle <= self.next || middle >= self.high {
            return None;
        }
        Some(Part {
            next: middle.clone(),
            end: std::mem::replace(&mut self.end, middle.clone()),
            high: std::mem::replace(&mut self.high, middle),
            done: false,
        })
    }
}

/// Reads the part in `slot` until it is done, folding its pairs; returns how many.
fn read_part<T, F>(
    txn: &dyn Transaction,
    slot: &Mutex<Part>,
    folded: &mut T,
    fold: &F,
) -> Result<usize>
where
    F: Fn(&mut T, &[u8], &[u8]),
{
    let mut read = 0;
    // One buffer for every batch: a pair costs no allocation of its own.
    let mut batch = PackedPairs::default();
    loop {
        let range = {
            let part = slot.lock();
            if part.done {
                return Ok(read);
            }
            KeyRange::new(part.next.clone(), part.end.clone())
        };
        batch.clear();
        txn.scan_each(&range, BATCH, false, &mut |key, value| {
            batch.push(key, value);
            Ok(true)
        })?;
        let keep = {
            let mut part = slot.lock();
            // A thief may have cut the part meanwhile: the keys from its cut on are its own.
            let keep = if part.end.is_empty() {
                batch.len()
            } else {
                batch
                    .iter()
                    .take_while(|(key, _)| *key < part.end.as_slice())
                    .count()
            };
            match keep.checked_sub(1).and_then(|last| batch.get(last)) {
                Some((last, _)) if keep == BATCH => {
                    part.next.clear();
                    part.next.extend_from_slice(last);
                    part.next.push(0);
                }
                // Fewer than a batch below the end: nothing is left before it.
                _ => part.done = true,
            }
            keep
        };
        for (key, value) in batch.iter().take(keep) {
            fold(folded, key, value);
        }
        read += keep;
        if keep < BATCH {
            return Ok(read);
        }
    }
}

/// A key about halfway between `low` and `high` (`low <= high`), reading keys as binary
/// fractions (`0.low`, `0.high`): where to cut a range in two for two scans side by side.
/// The result is never below `low` nor above `high`.
fn midpoint(low: &[u8], high: &[u8]) -> Vec<u8> {
    let len = low.len().max(high.len());
    let byte = |k: &[u8], i: usize| u16::from(k.get(i).copied().unwrap_or(0));
    // The digits of low + high, base 256, with the carry out of the first one.
    let mut sum = vec![0u16; len];
    let mut carry = 0u16;
    for i in (0..len).rev() {
        let s = byte(low, i) + byte(high, i) + carry;
        sum[i] = s & 0xff;
        carry = s >> 8;
    }
    // Halved from the front: each digit takes the remainder of the one before.
    let mut out = Vec::with_capacity(len + 1);
    let mut remainder = carry;
    for s in sum {
        let d = (remainder << 8) | s;
        out.push((d >> 1) as u8);
        remainder = d & 1;
    }
    if remainder == 1 {
        out.push(0x80);
    }
    out
}

/// `range` cut into about `parts` parts (rounded up to a power of two) that hold about as
/// many keys each when the keys are spread evenly: cut at midpoints between the first and
/// last keys `txn` sees in it. One part when it holds fewer than two keys.
fn split(txn: &dyn Transaction, range: &KeyRange, parts: usize) -> Result<Vec<Part>> {
    let whole = || {
        vec![Part {
            next: range.start.clone(),
            end: range.end.clone(),
            high: range.end.clone(),
            done: false,
        }]
    };
    let first = txn.scan(range, 1, false)?.pop();
    let last = txn.scan(range, 1, true)?.pop();
    let (Some((first, _)), Some((last, _))) = (first, last) else {
        return Ok(whole());
    };
    if first == last {
        return Ok(whole());
    }
    // Bisect [first, last] until there are enough pieces; the cuts stay sorted.
    let mut bounds = vec![first, last];
    while bounds.len() - 1 < parts {
        let mut finer = Vec::with_capacity(bounds.len() * 2);
        for pair in bounds.windows(2) {
            finer.push(pair[0].clone());
            finer.push(midpoint(&pair[0], &pair[1]));
        }
        finer.extend(bounds.pop());
        bounds = finer;
    }
    let Some(mut last) = bounds.pop() else {
        return Ok(whole());
    };
    // The last part ends where the range does; it is cut below its last key.
    last.push(0);
    let mut pieces = Vec::with_capacity(bounds.len());
    let mut start = range.start.clone();
    for cut in bounds.into_iter().skip(1) {
        if cut > start {
            pieces.push(Part {
                next: std::mem::replace(&mut start, cut.clone()),
                end: cut.clone(),
                high: cut,
                done: false,
            });
        }
    }
    pieces.push(Part {
        next: start,
        end: range.end.clone(),
        high: last,
        done: false,
    });
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midpoints_fall_between_their_ends() {
        assert_eq!(midpoint(b"\x00", b"\x02"), b"\x01".to_vec());
        assert_eq!(midpoint(b"\x01", b"\x02"), b"\x01\x80".to_vec());
        assert_eq!(midpoint(b"\xff", b"\xff"), b"\xff".to_vec());
        assert_eq!(midpoint(b"", b""), Vec::<u8>::new());
        let cases: [(&[u8], &[u8]); 5] = [
            (
                b"t\x80\x00\x01_r\x80",
                b"t\x80\x00\x01_r\x80\x00\x00\x00\x00\x0f\x42\x40",
            ),
            (b"a", b"b"),
            (b"a", b"a\x00\x01"),
            (b"\xfe\xff", b"\xff"),
            (b"same", b"same"),
        ];
        for (low, high) in cases {
            let mid = midpoint(low, high);
            assert!(
                low <= mid.as_slice() && mid.as_slice() <= high,
                "{low:?} {mid:?} {high:?}"
            );
        }
    }

    #[test]
    fn a_split_covers_the_range_in_pieces_of_about_equal_size() -> Result<()> {
        let store = crate::kv::open_memory()?;
        let mut txn = store.begin()?;
        for i in 0u32..1000 {
            txn.put([b"k".as_slice(), &i.to_be_bytes()].concat(), vec![1]);
        }
        txn.put(b"z".to_vec(), vec![1]);
        txn.commit()?;
        let snapshot = store.begin()?;
        let range = KeyRange::new(b"k".to_vec(), b"l".to_vec());
        let parts = split(snapshot.as_ref(), &range, 3)?;
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0].next, range.start);
        assert_eq!(parts[3].end, range.end);
        // The last part is cut below its last key, the others below their ends.
        assert_eq!(
            parts[3].high,
            [b"k".as_slice(), &999u32.to_be_bytes(), &[0]].concat()
        );
        let mut total = 0;
        for (i, part) in parts.iter().enumerate() {
            if let Some(next) = parts.get(i + 1) {
                assert_eq!(part.end, next.next);
                assert_eq!(part.high, part.end);
            }
            let keys = KeyRange::new(part.next.clone(), part.end.clone());
            let n = snapshot.scan(&keys, 2000, false)?.len();
            assert!((240..=260).contains(&n), "{keys:?} holds {n} keys");
            total += n;
        }
        assert_eq!(total, 1000);
        // Fewer than two keys: nothing to cut.
        for range in [
            KeyRange::new(b"z".to_vec(), Vec::new()),
            KeyRange::new(b"a".to_vec(), b"b".to_vec()),
        ] {
            let parts = split(snapshot.as_ref(), &range, 4)?;
            assert_eq!(parts.len(), 1);
            assert_eq!((&parts[0].next, &parts[0].end), (&range.start, &range.end));
        }
        Ok(())
    }

    #[test]
    fn every_pair_is_read_once_however_the_keys_lie() -> Result<()> {
        let store = crate::kv::open_memory()?;
        let mut txn = store.begin()?;
        let key = |i: u32| [b"k".as_slice(), &i.to_be_bytes()].concat();
        // A few keys spread over the span, most of them in a hundredth of it.
        let mut expected: Vec<Vec<u8>> = (0..100u32).map(|i| key(i * 10_000)).collect();
        expected.extend((0..20_000u32).map(|i| key(500_000 + i)));
        expected.sort();
        expected.dedup();
        for k in &expected {
            txn.put(k.clone(), b"v".to_vec());
        }
        txn.put(b"z".to_vec(), b"outside".to_vec());
        txn.commit()?;
        let snapshot = store.begin()?;
        let range = KeyRange::new(b"k".to_vec(), b"l".to_vec());
        for threads in [1, 2, 3, 8] {
            let read = scan_in_parallel(
                snapshot.as_ref(),
                &range,
                threads,
                |keys: &mut Vec<Vec<u8>>, k, _| keys.push(k.to_vec()),
            )?;
            assert_eq!(read.len(), threads);
            let mut all: Vec<Vec<u8>> = read.into_iter().flatten().collect();
            all.sort();
            assert_eq!(all, expected, "{threads} threads");
        }
        let empty = KeyRange::new(b"a".to_vec(), b"b".to_vec());
        let read = scan_in_parallel(snapshot.as_ref(), &empty, 2, |n: &mut usize, _, _| *n += 1)?;
        assert_eq!(read.iter().sum::<usize>(), 0);
        Ok(())
    }
}
