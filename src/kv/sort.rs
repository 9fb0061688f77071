//! External sort of key-value pairs ahead of a bulk ingest (`Store::ingest` wants them in
//! key order): bounded memory, sorted runs on disk, a k-way merge.
//!
//! Pairs are copied into one buffer as they are added, in the run format (repeated
//! `[u32 key len][key][u32 value len][value]`, big-endian lengths): a pair costs no
//! allocation of its own, and once sorted the pairs lie in the order they are read. Beyond
//! `memory_limit` bytes the buffer is sorted and written to a run file (`run-<n>`);
//! [`merge`] merges the runs and what is still in memory of several sorters (one per
//! reader) into one ascending stream, lent a pair at a time. The caller owns the directory
//! and removes it when done.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes of a length in the run format.
const LEN: usize = std::mem::size_of::<u32>();

pub struct Sorter {
    dir: PathBuf,
    memory_limit: usize,
    /// The pairs added since the last spill, in the run format.
    buffer: Vec<u8>,
    /// Where each pair of `buffer` starts (its cost, beyond its bytes, against the limit).
    starts: Vec<usize>,
    /// Whether `buffer` is in key order (see [`Sorter::sort_buffer`]).
    buffer_sorted: bool,
    runs: Vec<PathBuf>,
    /// The last full buffer, sorted and written to its run on a thread of its own while the
    /// caller fills the next one (sorting and writing were a third of a bulk load's encoder
    /// thread). So up to twice `memory_limit` is held while a run is written.
    spilling: Option<std::thread::JoinHandle<io::Result<()>>>,
    /// Bytes written (or being written) to run files so far.
    pub spilled_bytes: u64,
    /// Pairs added so far.
    pub len: u64,
}

impl Sorter {
    /// A sorter spilling into `dir` (created if missing) beyond `memory_limit` bytes.
    pub fn new(dir: &Path, memory_limit: usize) -> io::Result<Sorter> {
        std::fs::create_dir_all(dir)?;
        let memory_limit = memory_limit.max(1);
        let (buffer, starts) = empty_buffers(memory_limit);
        Ok(Sorter {
            dir: dir.to_path_buf(),
            memory_limit,
            buffer,
            starts,
            buffer_sorted: true,
            runs: Vec::new(),
            spilling: None,
            spilled_bytes: 0,
            len: 0,
        })
    }

    pub fn add(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        let too_long = || io::Error::other("a key or value over 4 GiB");
        let key_len = u32::try_from(key.len()).map_err(|_| too_long())?;
        let value_len = u32::try_from(value.len()).map_err(|_| too_long())?;
        self.starts.push(self.buffer.len());
        self.buffer.extend_from_slice(&key_len.to_be_bytes());
        self.buffer.extend_from_slice(key);
        self.buffer.extend_from_slice(&value_len.to_be_bytes());
        self.buffer.extend_from_slice(value);
        self.buffer_sorted = false;
        self.len += 1;
        let held = self.buffer.len() + self.starts.len() * std::mem::size_of::<usize>();
        if held >= self.memory_limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the pairs held in memory now, on the caller's thread (so that several
    /// sorters, each filled by a thread of its own, sort at once rather than one after the
    /// other in [`merge`]). The sorted copy is made before the unsorted buffer is freed.
    pub fn sort_buffer(&mut self) {
        if self.buffer_sorted {
            return;
        }
        let order = sort_order(&self.buffer, &self.starts);
        let mut sorted = Vec::with_capacity(self.buffer.len());
        for (i, &start) in order.iter().enumerate() {
            self.starts[i] = sorted.len();
            sorted.extend_from_slice(&self.buffer[start..pair_end(&self.buffer, start)]);
            crate::background::breathe();
        }
        self.buffer = sorted;
        self.buffer_sorted = true;
    }

    /// The pairs added so far, in ascending key order (equal keys in any order).
    pub fn finish(self) -> io::Result<Merged> {
        merge(vec![self])
    }

    /// Each run, and what is still in memory, as a sorted source.
    fn into_sources(mut self) -> io::Result<Vec<Source>> {
        self.wait_for_spill()?;
        self.sort_buffer();
        let mut sources = Vec::new();
        for run in &self.runs {
            sources.push(Source::Run {
                input: BufReader::with_capacity(1 << 16, File::open(run)?),
                key: Vec::new(),
                value: Vec::new(),
            });
        }
        sources.push(Source::Memory {
            bytes: std::mem::take(&mut self.buffer),
            next: 0,
            pair: (0..0, 0..0),
        });
        Ok(sources)
    }

    /// Hands the buffer to a thread that sorts it and writes it to the next run file, once
    /// the previous run is written.
    fn spill(&mut self) -> io::Result<()> {
        self.wait_for_spill()?;
        let (buffer, starts) = empty_buffers(self.memory_limit);
        let buffer = std::mem::replace(&mut self.buffer, buffer);
        let starts = std::mem::replace(&mut self.starts, starts);
        self.spilled_bytes += buffer.len() as u64;
        let path = self.dir.join(format!("run-{}", self.runs.len()));
        self.runs.push(path.clone());
        self.spilling = Some(
            std::thread::Builder::new()
                .name("sort-spill".into())
                .spawn(move || write_run(&path, &buffer, &starts))?,
        );
        Ok(())
    }

    fn wait_for_spill(&mut self) -> io::Result<()> {
        match self.spilling.take() {
            Some(spilling) => spilling
                .join()
                .map_err(|_| io::Error::other("a sort run writer panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Sorter {
    // A run being written is waited for, so that the caller can remove the directory.
    fn drop(&mut self) {
        let _ = self.wait_for_spill();
    }
}

/// A sorter's empty buffer and pair starts, with room for a full buffer reserved at once.
/// Grown by doubling, a build reader's buffer was copied as it grew and its pages touched
/// twice (a tenth of the reader's time); reserved, only the pages written are ever touched.
/// Where the address space cannot be had, they grow as they need.
fn empty_buffers(memory_limit: usize) -> (Vec<u8>, Vec<usize>) {
    // A pair takes at least its two lengths in the buffer and its start in `starts`.
    let per_pair = 2 * LEN + std::mem::size_of::<usize>();
    let (mut buffer, mut starts) = (Vec::new(), Vec::new());
    let _ = buffer.try_reserve_exact(memory_limit);
    let _ = starts.try_reserve_exact(memory_limit / per_pair + 1);
    (buffer, starts)
}

/// The key of the pair at `start` of a buffer in the run format (one [`Sorter::add`] wrote).
fn key_at(buffer: &[u8], start: usize) -> &[u8] {
    let key = start + LEN;
    &buffer[key..key + len_at(buffer, start)]
}

/// Where the pair at `start` ends.
fn pair_end(buffer: &[u8], start: usize) -> usize {
    let value = start + LEN + len_at(buffer, start);
    value + LEN + len_at(buffer, value)
}

fn len_at(buffer: &[u8], at: usize) -> usize {
    let mut len = [0u8; LEN];
    len.copy_from_slice(&buffer[at..at + LEN]);
    u32::from_be_bytes(len) as usize
}

/// Writes the pairs of `buffer` to the run file `path` in key order.
fn write_run(path: &Path, buffer: &[u8], starts: &[usize]) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
    for start in sort_order(buffer, starts) {
        out.write_all(&buffer[start..pair_end(buffer, start)])?;
    }
    // No fsync: after a crash the runs are discarded and their rows read again.
    out.flush()
}

/// The `starts` of the pairs of `buffer` in the order of their keys (equal keys in any
/// order).
///
/// The keys of one sort usually share a long prefix (an index's entries all begin with
/// the table and index ids), and comparing two of them reads both from memory. So the
/// sort orders small fixed-size records instead: the 16 bytes of each key after the prefix
/// all keys share, big-endian, zero-padded (an order that never contradicts the keys'),
/// the full keys compared only where those are equal.
fn sort_order(buffer: &[u8], starts: &[usize]) -> Vec<usize> {
    let Some(&first) = starts.first() else {
        return Vec::new();
    };
    let first = key_at(buffer, first);
    let shared = starts.iter().fold(first.len(), |shared, &start| {
        let key = key_at(buffer, start);
        shared.min(first.iter().zip(key).take_while(|(a, b)| a == b).count())
    });
    let mut order: Vec<(u128, usize)> = starts
        .iter()
        .map(|&start| {
            let mut bytes = [0u8; 16];
            let rest = &key_at(buffer, start)[shared..];
            let n = rest.len().min(16);
            bytes[..n].copy_from_slice(&rest[..n]);
            (u128::from_be_bytes(bytes), start)
        })
        .collect();
    // A background sort of a reader's whole buffer keeps a core for 100 ms or more: it
    // steps aside as storage loops do (`breathe`), counted every 64 comparisons.
    let mut compared = 0u32;
    order.sort_unstable_by(|a, b| {
        compared = compared.wrapping_add(1);
        if compared.is_multiple_of(64) {
            crate::background::breathe();
        }
        a.0.cmp(&b.0)
            .then_with(|| key_at(buffer, a.1).cmp(key_at(buffer, b.1)))
    });
    order.into_iter().map(|(_, start)| start).collect()
}

/// A sorted sequence of pairs: a run file, or a sorter's sorted buffer.
enum Source {
    Run {
        input: BufReader<File>,
        /// The pair at hand.
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Memory {
        bytes: Vec<u8>,
        /// Where the pair after the one at hand starts.
        next: usize,
        /// Where the key and value of the pair at hand are.
        pair: (Range<usize>, Range<usize>),
    },
}

impl Source {
    /// Moves to the next pair; false when there is none.
    fn advance(&mut self) -> io::Result<bool> {
        match self {
            Source::Run { input, key, value } => {
                if !read_part(input, key)? {
                    return Ok(false);
                }
                if !read_part(input, value)? {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "sort run ends inside a pair",
                    ));
                }
                Ok(true)
            }
            Source::Memory { bytes, next, pair } => {
                if *next >= bytes.len() {
                    return Ok(false);
                }
                let key = *next + LEN..*next + LEN + len_at(bytes, *next);
                let value = key.end + LEN..key.end + LEN + len_at(bytes, key.end);
                *next = value.end;
                *pair = (key, value);
                Ok(true)
            }
        }
    }

    /// The pair at hand.
    fn pair(&self) -> (&[u8], &[u8]) {
        match self {
            Source::Run { key, value, .. } => (key, value),
            Source::Memory { bytes, pair, .. } => (&bytes[pair.0.clone()], &bytes[pair.1.clone()]),
        }
    }
}

/// Reads one length-prefixed part of a run into `part`; false at the end of the run.
fn read_part(input: &mut BufReader<File>, part: &mut Vec<u8>) -> io::Result<bool> {
    let mut len = [0u8; LEN];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(e),
    }
    part.resize(u32::from_be_bytes(len) as usize, 0);
    input.read_exact(part)?;
    Ok(true)
}

/// Everything the sorters were given, in ascending key order (equal keys in any order).
pub fn merge(sorters: Vec<Sorter>) -> io::Result<Merged> {
    let mut sources = Vec::new();
    for sorter in sorters {
        sources.extend(sorter.into_sources()?);
    }
    Merged::new(sources)
}

/// The ascending merge of sorted sources, lent a pair at a time
/// ([`Merged::next_pair`]).
pub struct Merged {
    sources: Vec<Source>,
    /// The sources with a pair at hand, as a binary heap with the smallest key on top.
    heap: Vec<usize>,
    /// The pair lent last is the top source's: it moves on at the next call.
    lent: bool,
}

impl Merged {
    fn new(mut sources: Vec<Source>) -> io::Result<Merged> {
        let mut heap = Vec::new();
        for (i, source) in sources.iter_mut().enumerate() {
            if source.advance()? {
                heap.push(i);
            }
        }
        let mut merged = Merged {
            sources,
            heap,
            lent: false,
        };
        for at in (0..merged.heap.len() / 2).rev() {
            merged.sift_down(at);
        }
        Ok(merged)
    }

    /// The next pair, lent until the next call; `None` once every pair was.
    pub fn next_pair(&mut self) -> io::Result<Option<(&[u8], &[u8])>> {
        self.peek()?;
        self.lent = !self.heap.is_empty();
        Ok(self.heap.first().map(|&top| self.sources[top].pair()))
    }

    /// The pair [`Merged::next_pair`] will lend next.
    pub fn peek(&mut self) -> io::Result<Option<(&[u8], &[u8])>> {
        if std::mem::take(&mut self.lent) {
            if let Some(&top) = self.heap.first() {
                if !self.sources[top].advance()? {
                    self.heap.swap_remove(0);
                }
                self.sift_down(0);
            }
        }
        Ok(self.heap.first().map(|&top| self.sources[top].pair()))
    }

    fn key(&self, at: usize) -> &[u8] {
        self.sources[self.heap[at]].pair().0
    }

    /// Moves the source at `at` of the heap down to where its key belongs.
    fn sift_down(&mut self, mut at: usize) {
        loop {
            let mut smallest = at;
            for child in [2 * at + 1, 2 * at + 2] {
                if child < self.heap.len() && self.key(child) < self.key(smallest) {
                    smallest = child;
                }
            }
            if smallest == at {
                return;
            }
            self.heap.swap(at, smallest);
            at = smallest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::Pair;

    fn all(mut merged: Merged) -> Vec<Pair> {
        let mut out = Vec::new();
        while let Some((k, v)) = merged.next_pair().expect("merge") {
            out.push((k.to_vec(), v.to_vec()));
        }
        out
    }

    #[test]
    fn spills_and_merges_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sorter = Sorter::new(dir.path(), 200).expect("sorter");
        let n = 1000u32;
        // A permutation of 0..n.
        for i in 0..n {
            let k = (i * 7919) % n;
            sorter
                .add(&k.to_be_bytes(), format!("v{k}").as_bytes())
                .expect("add");
        }
        assert!(sorter.runs.len() > 5, "small memory limit spills");
        assert!(sorter.spilled_bytes > 0);
        let out = all(sorter.finish().expect("finish"));
        assert_eq!(out.len(), n as usize);
        for (i, (k, v)) in out.iter().enumerate() {
            assert_eq!(k, &(i as u32).to_be_bytes().to_vec());
            assert_eq!(v, &format!("v{i}").into_bytes());
        }
    }

    #[test]
    fn several_sorters_merge_into_one_stream() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sorters: Vec<Sorter> = (0..3)
            .map(|i| Sorter::new(&dir.path().join(format!("r{i}")), 64).expect("sorter"))
            .collect();
        for k in (0..300u32).rev() {
            let sorter = &mut sorters[(k % 3) as usize];
            sorter.add(&k.to_be_bytes(), &[]).expect("add");
        }
        assert_eq!(sorters.iter().map(|s| s.len).sum::<u64>(), 300);
        let mut merged = merge(sorters).expect("merge");
        // A peek lends the pair the next call lends, and moves nothing on.
        let first = 0u32.to_be_bytes();
        for _ in 0..2 {
            assert_eq!(merged.peek().expect("peek"), Some((&first[..], &[][..])));
        }
        let keys: Vec<Vec<u8>> = all(merged).into_iter().map(|p| p.0).collect();
        let expected: Vec<Vec<u8>> = (0..300u32).map(|k| k.to_be_bytes().to_vec()).collect();
        assert_eq!(keys, expected);
    }

    #[test]
    fn pairs_sort_by_their_whole_keys() {
        // A shared prefix, keys equal in their next 16 bytes, keys that are prefixes of
        // others, zero bytes where a shorter key is padded.
        let mut keys: Vec<Vec<u8>> =
            vec![b"tab".to_vec(), b"tab\0".to_vec(), b"tab\0\0\x01".to_vec()];
        for i in 0..200u32 {
            let mut key = b"tab_".to_vec();
            key.extend_from_slice(&[7; 16]);
            key.extend_from_slice(&(i * 7919 % 200).to_be_bytes());
            keys.push(key);
            keys.push([b"tab_".as_slice(), &(i % 13).to_be_bytes()].concat());
        }
        let pairs: Vec<Pair> = keys
            .iter()
            .rev()
            .enumerate()
            .map(|(i, k)| (k.clone(), i.to_be_bytes().to_vec()))
            .collect();
        let mut expected = pairs.clone();
        expected.sort();
        // Sorted in memory, and sorted into runs.
        for memory in [1 << 20, 512] {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut sorter = Sorter::new(dir.path(), memory).expect("sorter");
            for (k, v) in &pairs {
                sorter.add(k, v).expect("add");
            }
            let mut sorted = all(sorter.finish().expect("finish"));
            let sorted_keys: Vec<&Vec<u8>> = sorted.iter().map(|p| &p.0).collect();
            assert_eq!(
                sorted_keys,
                expected.iter().map(|p| &p.0).collect::<Vec<_>>()
            );
            // Each key kept its value.
            sorted.sort();
            assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn nothing_added_merges_to_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sorter = Sorter::new(dir.path(), 1 << 20).expect("sorter");
        assert!(all(sorter.finish().expect("finish")).is_empty());
    }
}
