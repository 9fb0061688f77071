//! External sort of key-value pairs ahead of a bulk ingest (`Store::ingest` wants them in
//! key order): bounded memory, sorted runs on disk, a k-way merge.
//!
//! Pairs are buffered until `memory_limit` bytes, sorted and written to a run file
//! (`run-<n>`: repeated `[u32 key len][key][u32 value len][value]`, big-endian lengths);
//! [`Sorter::finish`] merges the runs and what is still in memory into one ascending
//! stream; [`merge`] merges several sorters (one per reader) into one. The caller owns the
//! directory and removes it when done.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::Pair;

/// What a buffered pair costs beyond its bytes (its key's and value's `Vec` headers), and
/// what it costs in a run file (their lengths).
const PAIR_OVERHEAD: usize = 2 * std::mem::size_of::<Vec<u8>>();
const RUN_PAIR_OVERHEAD: usize = 2 * std::mem::size_of::<u32>();

pub struct Sorter {
    dir: PathBuf,
    memory_limit: usize,
    buffer: Vec<Pair>,
    /// Whether `buffer` is in key order (see [`Sorter::sort_buffer`]).
    buffer_sorted: bool,
    buffered_bytes: usize,
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
        Ok(Sorter {
            dir: dir.to_path_buf(),
            memory_limit: memory_limit.max(1),
            buffer: Vec::new(),
            buffer_sorted: true,
            buffered_bytes: 0,
            runs: Vec::new(),
            spilling: None,
            spilled_bytes: 0,
            len: 0,
        })
    }

    pub fn add(&mut self, key: Vec<u8>, value: Vec<u8>) -> io::Result<()> {
        self.buffered_bytes += key.len() + value.len() + PAIR_OVERHEAD;
        self.buffer.push((key, value));
        self.buffer_sorted = false;
        self.len += 1;
        if self.buffered_bytes >= self.memory_limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Sorts the pairs held in memory now, on the caller's thread (so that several
    /// sorters, each filled by a thread of its own, sort at once rather than one after the
    /// other in [`merge`]).
    pub fn sort_buffer(&mut self) {
        if !self.buffer_sorted {
            sort_pairs(&mut self.buffer);
            self.buffer_sorted = true;
        }
    }

    /// The pairs added so far, in ascending key order (equal keys in any order).
    pub fn finish(self) -> io::Result<Merged> {
        merge(vec![self])
    }

    /// Each run, and what is still in memory, as a sorted source.
    fn into_sources(mut self) -> io::Result<Vec<Source>> {
        self.wait_for_spill()?;
        self.sort_buffer();
        let mut sources: Vec<Source> = Vec::new();
        for run in &self.runs {
            sources.push(Box::new(RunReader {
                input: BufReader::with_capacity(1 << 16, File::open(run)?),
            }));
        }
        sources.push(Box::new(
            std::mem::take(&mut self.buffer).into_iter().map(Ok),
        ));
        Ok(sources)
    }

    /// Hands the buffer to a thread that sorts it and writes it to the next run file, once
    /// the previous run is written.
    fn spill(&mut self) -> io::Result<()> {
        self.wait_for_spill()?;
        let pairs = std::mem::take(&mut self.buffer);
        // A run holds each pair's bytes behind two 4-byte lengths where the buffer counted
        // two `Vec` headers.
        self.spilled_bytes +=
            (self.buffered_bytes - pairs.len() * (PAIR_OVERHEAD - RUN_PAIR_OVERHEAD)) as u64;
        self.buffered_bytes = 0;
        let path = self.dir.join(format!("run-{}", self.runs.len()));
        self.runs.push(path.clone());
        self.spilling = Some(
            std::thread::Builder::new()
                .name("sort-spill".into())
                .spawn(move || write_run(&path, pairs))?,
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

/// Sorts `pairs` and writes them to the run file `path`.
fn write_run(path: &Path, mut pairs: Vec<Pair>) -> io::Result<()> {
    sort_pairs(&mut pairs);
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
    for (k, v) in pairs {
        for part in [&k, &v] {
            let len = u32::try_from(part.len())
                .map_err(|_| io::Error::other("a key or value over 4 GiB"))?;
            out.write_all(&len.to_be_bytes())?;
            out.write_all(part)?;
        }
    }
    // No fsync: after a crash the runs are discarded and their rows read again.
    out.flush()
}

/// Sorts `pairs` by key (equal keys in any order).
///
/// The keys of one sort usually share a long prefix (an index's entries all begin with
/// the table and index ids), and comparing two of them reads both from the heap. So the
/// sort orders small fixed-size records instead: the 16 bytes of each key after the prefix
/// all keys share, big-endian, zero-padded (an order that never contradicts the keys'),
/// the full keys compared only where those are equal; then the pairs are moved into that
/// order in place.
pub fn sort_pairs(pairs: &mut [Pair]) {
    let Some((first, _)) = pairs.first() else {
        return;
    };
    let shared = pairs.iter().fold(first.len(), |shared, (key, _)| {
        shared.min(first.iter().zip(key).take_while(|(a, b)| a == b).count())
    });
    let mut order: Vec<(u128, usize)> = pairs
        .iter()
        .enumerate()
        .map(|(i, (key, _))| {
            let mut bytes = [0u8; 16];
            let rest = &key[shared..];
            let n = rest.len().min(16);
            bytes[..n].copy_from_slice(&rest[..n]);
            (u128::from_be_bytes(bytes), i)
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
        a.0.cmp(&b.0).then_with(|| pairs[a.1].0.cmp(&pairs[b.1].0))
    });
    // Position `to` takes the pair at `order[to].1`: follow each cycle of the permutation,
    // marking the positions filled.
    const FILLED: usize = usize::MAX;
    for start in 0..order.len() {
        if order[start].1 == FILLED {
            continue;
        }
        let held = std::mem::take(&mut pairs[start]);
        let mut to = start;
        loop {
            crate::background::breathe();
            let from = std::mem::replace(&mut order[to].1, FILLED);
            if from == start {
                pairs[to] = held;
                break;
            }
            pairs[to] = std::mem::take(&mut pairs[from]);
            to = from;
        }
    }
}

struct RunReader {
    input: BufReader<File>,
}

impl RunReader {
    fn part(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut part = vec![0u8; u32::from_be_bytes(len) as usize];
        self.input.read_exact(&mut part)?;
        Ok(Some(part))
    }
}

impl Iterator for RunReader {
    type Item = io::Result<Pair>;

    fn next(&mut self) -> Option<Self::Item> {
        let key = match self.part() {
            Ok(Some(k)) => k,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        Some(match self.part() {
            Ok(Some(v)) => Ok((key, v)),
            Ok(None) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "sort run ends inside a pair",
            )),
            Err(e) => Err(e),
        })
    }
}

type Source = Box<dyn Iterator<Item = io::Result<Pair>> + Send>;

/// Everything the sorters were given, in ascending key order (equal keys in any order).
pub fn merge(sorters: Vec<Sorter>) -> io::Result<Merged> {
    let mut sources = Vec::new();
    for sorter in sorters {
        sources.extend(sorter.into_sources()?);
    }
    Merged::new(sources)
}

/// The ascending merge of sorted sources.
pub struct Merged {
    sources: Vec<Source>,
    /// The head of each source: (key, source index) smallest first, with its value.
    heap: BinaryHeap<Reverse<(Vec<u8>, usize)>>,
    values: Vec<Option<Vec<u8>>>,
}

impl Merged {
    fn new(mut sources: Vec<Source>) -> io::Result<Merged> {
        let mut heap = BinaryHeap::new();
        let mut values = vec![None; sources.len()];
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some(pair) = s.next() {
                let (k, v) = pair?;
                heap.push(Reverse((k, i)));
                values[i] = Some(v);
            }
        }
        Ok(Merged {
            sources,
            heap,
            values,
        })
    }
}

impl Iterator for Merged {
    type Item = io::Result<Pair>;

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((key, i)) = self.heap.pop()?;
        let value = self.values[i].take().unwrap_or_default();
        match self.sources[i].next() {
            Some(Ok((k, v))) => {
                self.heap.push(Reverse((k, i)));
                self.values[i] = Some(v);
            }
            Some(Err(e)) => return Some(Err(e)),
            None => {}
        }
        Some(Ok((key, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_and_merges_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sorter = Sorter::new(dir.path(), 200).expect("sorter");
        let n = 1000u32;
        // A permutation of 0..n.
        for i in 0..n {
            let k = (i * 7919) % n;
            sorter
                .add(k.to_be_bytes().to_vec(), format!("v{k}").into_bytes())
                .expect("add");
        }
        assert!(sorter.runs.len() > 5, "small memory limit spills");
        assert!(sorter.spilled_bytes > 0);
        let out: Vec<Pair> = sorter
            .finish()
            .expect("finish")
            .collect::<io::Result<_>>()
            .expect("merge");
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
            sorter.add(k.to_be_bytes().to_vec(), vec![]).expect("add");
        }
        assert_eq!(sorters.iter().map(|s| s.len).sum::<u64>(), 300);
        let keys: Vec<Vec<u8>> = merge(sorters)
            .expect("merge")
            .map(|p| p.expect("pair").0)
            .collect();
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
        let mut pairs: Vec<Pair> = keys
            .iter()
            .rev()
            .enumerate()
            .map(|(i, k)| (k.clone(), i.to_be_bytes().to_vec()))
            .collect();
        let mut expected = pairs.clone();
        expected.sort();
        sort_pairs(&mut pairs);
        let sorted_keys: Vec<&Vec<u8>> = pairs.iter().map(|p| &p.0).collect();
        assert_eq!(
            sorted_keys,
            expected.iter().map(|p| &p.0).collect::<Vec<_>>()
        );
        // Each key kept its value.
        pairs.sort();
        assert_eq!(pairs, expected);
        sort_pairs(&mut []);
    }

    #[test]
    fn nothing_added_merges_to_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sorter = Sorter::new(dir.path(), 1 << 20).expect("sorter");
        assert_eq!(sorter.finish().expect("finish").count(), 0);
    }
}
