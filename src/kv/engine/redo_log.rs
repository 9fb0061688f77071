//! The fjall engine's redo log: what makes a commit durable.
//!
//! fjall's own journal makes a commit durable with an `fsync` of a file it sizes with
//! `set_len`: a sparse file, so every sync allocates blocks and commits ext4's journal, and
//! in ext4's ordered mode that commit first writes out the data of every file with blocks
//! allocated since the last one: the tables a flush, a compaction or an index build is
//! writing. A commit's sync then cost 170 us under sysbench's writes (80 us for MariaDB's
//! `fdatasync` of its pre-written redo log) and tens of milliseconds during an ingest.
//! So moltdb does what InnoDB does: every batch is appended here first, to a file whose
//! blocks are written once (zeros) before they hold records, with `O_DIRECT` writes and
//! `fdatasync`, which then flushes this file's blocks and nothing else; fjall's journal is
//! left to its buffers and made durable only at checkpoints.
//!
//! # Records
//!
//! `len u32 | checksum u64 | epoch u32 | lsn u64 | payload (len bytes)`, little-endian; the
//! checksum (xxh3) covers epoch, lsn and payload. Records follow each other from offset 0;
//! when the next one would pass [`LOG_BYTES`] the owner checkpoints (makes everything in the
//! engine durable) and the log starts again at offset 0 ([`RedoLog::wrap`]).
//!
//! # Recovery
//!
//! The engine keeps, in the same atomic batch as each logged write, the record's lsn, and
//! in its own storage the log's epoch, bumped and made durable at every open before any
//! record of the new epoch is written. Recovery reads from offset 0 the records of the
//! current epoch with consecutive lsns, and replays those the engine lost (lsn above its
//! own). What follows them is not theirs: a torn record fails its checksum, an older lap's
//! record has a smaller lsn, and a record of an earlier run (written past a torn one, and
//! never acknowledged) carries an older epoch.
//!
//! A batch bigger than [`BYPASS_BYTES`] (a bulk load's) goes around the log, to fjall's
//! journal alone: the next sync makes fjall's journal durable before it writes any record
//! appended after that batch, so no record is ever replayed without the batches before it.
//!
//! A block rewritten by a later sync holds the same bytes up to the end of the records
//! already synced, so a torn write of it cannot damage them.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use parking_lot::Mutex;

use crate::kv::{Error, Result};

/// The log's size; a checkpoint of the engine starts it again (with sysbench's writes,
/// every few seconds).
pub const LOG_BYTES: u64 = 16 << 20;
/// The unit of `O_DIRECT` writes.
const BLOCK: usize = 4096;
/// The file grows, zero-filled ahead of its records, by this much at a time.
const GROW_BYTES: u64 = 1 << 20;
/// `len u32 | checksum u64 | epoch u32 | lsn u64`.
const HEADER: usize = 24;
/// A batch bigger than this goes around the log, straight to fjall's journal ([`RedoLog::bypass`]):
/// a bulk load's batches would be written twice, and fill the log (each time it is full,
/// fjall's journal is synced under the lock that orders writes).
pub const BYPASS_BYTES: usize = 64 << 10;
/// Marks a deletion where a value's length would be.
const DELETED: u32 = u32::MAX;

/// One recovered record: its lsn and writes.
pub struct Record {
    pub lsn: u64,
    pub writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

pub struct RedoLog {
    file: File,
    capacity: u64,
    tail: Mutex<Tail>,
    /// Held by the one sync at a time, and by a wrap (so no sync writes an older lap's
    /// bytes after it).
    syncing: Mutex<SyncState>,
}

/// What was appended and not yet made durable.
struct Tail {
    epoch: u32,
    next_lsn: u64,
    /// File offset of `buf[0]`, a multiple of [`BLOCK`].
    base: u64,
    /// The records from `base` to the append position (the first block's head again,
    /// when a record ended inside it: it is rewritten whole).
    buf: Vec<u8>,
    /// The file offset the last sync wrote up to.
    synced_to: u64,
    /// A batch went around the log since the last sync: the next sync makes the engine's
    /// own journal durable first.
    bypassed: bool,
}

struct SyncState {
    /// Bytes of the file (zero-filled past the records).
    file_len: u64,
    /// Block-aligned copy of the tail, for `O_DIRECT`.
    scratch: AlignedBuf,
    /// `O_DIRECT` could not be had (tmpfs): writes go through the page cache.
    direct: bool,
}

impl RedoLog {
    /// Opens (or creates) the log at `path`, returning it, set to append records of epoch
    /// `epoch + 1`, and the records of `epoch` found in it.
    /// The caller replays those it lacks, makes the new epoch durable, then calls
    /// [`RedoLog::start`].
    pub fn open(path: &Path, epoch: u32, capacity: u64) -> Result<(RedoLog, Vec<Record>)> {
        let io = |e: std::io::Error| Error::Storage(format!("{}: {e}", path.display()));
        let mut existing = Vec::new();
        if path.exists() {
            File::open(path)
                .and_then(|mut f| f.read_to_end(&mut existing))
                .map_err(io)?;
        }
        let records = read_records(&existing, epoch);
        let open = |direct: bool| {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            if direct {
                options.custom_flags(libc::O_DIRECT);
            }
            options.open(path)
        };
        let (file, direct) = match open(true) {
            Ok(file) => (file, true),
            Err(_) => (open(false).map_err(io)?, false),
        };
        let file_len = file.metadata().map_err(io)?.len();
        let log = RedoLog {
            file,
            capacity,
            tail: Mutex::new(Tail {
                epoch: epoch.wrapping_add(1),
                next_lsn: 1,
                base: 0,
                buf: Vec::new(),
                synced_to: 0,
                bypassed: false,
            }),
            syncing: Mutex::new(SyncState {
                file_len,
                scratch: AlignedBuf::default(),
                direct,
            }),
        };
        Ok((log, records))
    }

    /// Starts appending at lsn `next_lsn`, from offset 0.
    pub fn start(&self, next_lsn: u64) {
        self.tail.lock().next_lsn = next_lsn;
    }

    /// The epoch the records appended now carry.
    pub fn epoch(&self) -> u32 {
        self.tail.lock().epoch
    }

    /// Appends a record of `writes` and returns its lsn, or `None` when it does not fit
    /// before the end of the log (then the caller checkpoints and [`RedoLog::wrap`]s). The
    /// caller sends batches that are [`RedoLog::too_big`] around the log, and orders
    /// appends as it orders the writes in the engine.
    pub fn append(&self, writes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Option<u64> {
        let mut tail = self.tail.lock();
        let start = tail.buf.len();
        let (epoch, lsn) = (tail.epoch, tail.next_lsn);
        let buf = &mut tail.buf;
        buf.extend_from_slice(&[0; 12]);
        buf.extend_from_slice(&epoch.to_le_bytes());
        buf.extend_from_slice(&lsn.to_le_bytes());
        for (key, value) in writes {
            put_bytes(buf, key);
            match value {
                Some(value) => put_bytes(buf, value),
                None => buf.extend_from_slice(&DELETED.to_le_bytes()),
            }
        }
        let payload = buf.len() - start - HEADER;
        let end = tail.base + tail.buf.len() as u64;
        let Ok(len) = u32::try_from(payload) else {
            tail.buf.truncate(start);
            return None;
        };
        if end > self.capacity {
            tail.buf.truncate(start);
            return None;
        }
        let checksum = xxhash_rust::xxh3::xxh3_64(&tail.buf[start + 12..]);
        tail.buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
        tail.buf[start + 4..start + 12].copy_from_slice(&checksum.to_le_bytes());
        tail.next_lsn += 1;
        Some(lsn)
    }

    /// Whether `writes` make a batch to send around the log: its record's writes (each a
    /// key and a value with their two 4-byte lengths) over [`BYPASS_BYTES`].
    pub fn too_big(writes: &[(Vec<u8>, Option<Vec<u8>>)]) -> bool {
        writes.iter().fold(0usize, |sum, (key, value)| {
            sum.saturating_add(key.len() + value.as_ref().map_or(0, Vec::len) + 2 * 4)
        }) > BYPASS_BYTES
    }

    /// Records that a batch was applied to the engine without a record here (called after
    /// applying it, in the order of appends): the next [`RedoLog::sync`] makes the engine
    /// durable before any record appended after it.
    pub fn bypass(&self) {
        self.tail.lock().bypassed = true;
    }

    /// Starts again at offset 0, once the engine made everything durable.
    pub fn wrap(&self) {
        let _sync = self.syncing.lock();
        let mut tail = self.tail.lock();
        tail.base = 0;
        tail.buf.clear();
        tail.synced_to = 0;
        tail.bypassed = false;
    }

    /// Makes every record appended so far durable; first, when a batch went around the
    /// log, the engine's own journal (`sync_engine`).
    pub fn sync(&self, sync_engine: impl FnOnce() -> Result<()>) -> Result<()> {
        let mut state = self.syncing.lock();
        // The flag and the records are taken together: a record appended after a batch
        // that went around the log is never written before that batch is durable.
        let (base, len, bypassed) = {
            let mut tail = self.tail.lock();
            let len = tail.buf.len();
            let bypassed = std::mem::take(&mut tail.bypassed);
            if tail.base + len as u64 == tail.synced_to {
                (tail.base, 0, bypassed)
            } else {
                state.scratch.fill(&tail.buf);
                (tail.base, len, bypassed)
            }
        };
        if bypassed {
            if let Err(e) = sync_engine() {
                self.tail.lock().bypassed = true;
                return Err(e);
            }
        }
        if len == 0 {
            return Ok(());
        }
        let io = |e: std::io::Error| Error::Storage(format!("redo log: {e}"));
        let write_len = len.next_multiple_of(BLOCK) as u64;
        self.grow(&mut state, base + write_len).map_err(io)?;
        let bytes = if state.direct {
            state.scratch.bytes(write_len as usize)
        } else {
            state.scratch.bytes(len)
        };
        self.file.write_all_at(bytes, base).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        // Whole blocks are done with; a partial last block is written again next time.
        let mut tail = self.tail.lock();
        tail.synced_to = base + len as u64;
        let done = len - len % BLOCK;
        tail.buf.drain(..done);
        tail.base += done as u64;
        Ok(())
    }

    /// Zero-fills the file up to at least `end`, so that records overwrite blocks that
    /// exist: the sync of a record then writes no metadata.
    fn grow(&self, state: &mut SyncState, end: u64) -> std::io::Result<()> {
        if state.file_len >= end {
            return Ok(());
        }
        let target = end.next_multiple_of(GROW_BYTES).min(self.capacity.max(end));
        let zeros = AlignedBuf::zeroed(64 << 10);
        let mut at = state.file_len - state.file_len % BLOCK as u64;
        while at < target {
            let n = (target - at).min(zeros.len() as u64) as usize;
            self.file.write_all_at(zeros.bytes(n), at)?;
            at += n as u64;
        }
        state.file_len = target;
        Ok(())
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    // A length past `u32` makes the record's payload pass it too, and `append` drops it.
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// The records of `epoch` from offset 0 on, while their checksums hold and lsns follow.
fn read_records(bytes: &[u8], epoch: u32) -> Vec<Record> {
    let mut records = Vec::new();
    let mut at = 0usize;
    while let Some((record, next)) = read_record(bytes, at) {
        let (record_epoch, record) = record;
        let follows = records
            .last()
            .is_none_or(|last: &Record| record.lsn == last.lsn + 1);
        if record_epoch != epoch || !follows {
            break;
        }
        records.push(record);
        at = next;
    }
    records
}

fn read_record(bytes: &[u8], at: usize) -> Option<((u32, Record), usize)> {
    let header = bytes.get(at..at.checked_add(HEADER)?)?;
    let len = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
    let checksum = u64::from_le_bytes(header[4..12].try_into().ok()?);
    let end = at.checked_add(HEADER)?.checked_add(len)?;
    let body = bytes.get(at + 12..end)?;
    if xxhash_rust::xxh3::xxh3_64(body) != checksum {
        return None;
    }
    let epoch = u32::from_le_bytes(body[0..4].try_into().ok()?);
    let lsn = u64::from_le_bytes(body[4..12].try_into().ok()?);
    let mut payload = &body[12..];
    let mut writes = Vec::new();
    while !payload.is_empty() {
        let key = take_bytes(&mut payload)?;
        let len = u32::from_le_bytes(payload.get(..4)?.try_into().ok()?);
        let value = if len == DELETED {
            payload = &payload[4..];
            None
        } else {
            Some(take_bytes(&mut payload)?)
        };
        writes.push((key, value));
    }
    Some(((epoch, Record { lsn, writes }), end))
}

fn take_bytes(payload: &mut &[u8]) -> Option<Vec<u8>> {
    let len = u32::from_le_bytes(payload.get(..4)?.try_into().ok()?) as usize;
    let bytes = payload.get(4..4usize.checked_add(len)?)?.to_vec();
    *payload = &payload[4 + len..];
    Some(bytes)
}

/// Memory aligned for `O_DIRECT`.
#[derive(Default)]
struct AlignedBuf {
    blocks: Vec<Block>,
}

#[repr(C, align(4096))]
#[derive(Clone, Copy)]
struct Block([u8; BLOCK]);

impl AlignedBuf {
    fn zeroed(len: usize) -> AlignedBuf {
        AlignedBuf {
            blocks: vec![Block([0; BLOCK]); len.div_ceil(BLOCK)],
        }
    }

    fn len(&self) -> usize {
        self.blocks.len() * BLOCK
    }

    /// Holds `data`, zero-padded to whole blocks.
    fn fill(&mut self, data: &[u8]) {
        let blocks = data.len().div_ceil(BLOCK);
        self.blocks.clear();
        self.blocks.resize(blocks, Block([0; BLOCK]));
        for (block, chunk) in self.blocks.iter_mut().zip(data.chunks(BLOCK)) {
            block.0[..chunk.len()].copy_from_slice(chunk);
        }
    }

    /// The first `len` bytes (at most [`AlignedBuf::len`]).
    fn bytes(&self, len: usize) -> &[u8] {
        // SAFETY: `Block` is a plain byte array without padding, so the blocks are
        // `self.len()` initialised, contiguous bytes; `len` is clamped to them.
        let all =
            unsafe { std::slice::from_raw_parts(self.blocks.as_ptr().cast::<u8>(), self.len()) };
        &all[..len.min(all.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Writes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

    fn writes(n: u8) -> Writes {
        vec![
            (vec![b'k', n], Some(vec![n; n as usize])),
            (vec![b'd', n], None),
        ]
    }

    fn reopen(path: &Path, epoch: u32) -> Vec<(u64, Writes)> {
        let (_, records) = RedoLog::open(path, epoch, 1 << 16).expect("open");
        records.into_iter().map(|r| (r.lsn, r.writes)).collect()
    }

    #[test]
    fn synced_records_come_back_in_order_and_only_for_their_epoch() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("redo");
        let (log, found) = RedoLog::open(&path, 0, 1 << 16).expect("open");
        assert!(found.is_empty());
        log.start(7);
        for n in 0..3 {
            assert_eq!(log.append(&writes(n)), Some(7 + n as u64));
        }
        log.sync(|| Ok(())).expect("sync");
        // Not synced: lost with the process.
        log.append(&writes(9));
        drop(log);
        let back = reopen(&path, 1);
        assert_eq!(
            back,
            (0..3)
                .map(|n| (7 + n as u64, writes(n)))
                .collect::<Vec<_>>()
        );
        assert!(reopen(&path, 2).is_empty());
    }

    #[test]
    fn a_torn_record_ends_recovery_and_a_wrap_hides_the_older_lap() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("redo");
        let (log, _) = RedoLog::open(&path, 0, 1 << 16).expect("open");
        log.start(1);
        let big: Writes = vec![(b"big".to_vec(), Some(vec![1; 20_000]))];
        let mut lsns = Vec::new();
        while let Some(lsn) = log.append(&big) {
            lsns.push(lsn);
            log.sync(|| Ok(())).expect("sync");
        }
        assert_eq!(lsns, vec![1, 2, 3]);
        log.wrap();
        assert_eq!(log.append(&writes(1)), Some(4));
        log.sync(|| Ok(())).expect("sync");
        drop(log);
        assert_eq!(reopen(&path, 1), vec![(4, writes(1))]);
        // Damage the first record: nothing is read past it.
        let file = OpenOptions::new().write(true).open(&path).expect("file");
        file.write_all_at(&[0xAB], 30).expect("write");
        assert!(reopen(&path, 1).is_empty());
    }

    #[test]
    fn a_batch_around_the_log_is_made_durable_before_the_records_after_it() {
        let dir = tempfile::tempdir().expect("dir");
        let (log, _) = RedoLog::open(&dir.path().join("redo"), 0, 1 << 20).expect("open");
        let huge = [(b"huge".to_vec(), Some(vec![0; BYPASS_BYTES]))];
        assert!(RedoLog::too_big(&huge));
        assert!(!RedoLog::too_big(&writes(1)));
        let engine_syncs = std::cell::Cell::new(0);
        let sync_engine = || {
            engine_syncs.set(engine_syncs.get() + 1);
            Ok(())
        };
        log.append(&writes(1));
        log.sync(sync_engine).expect("sync");
        assert_eq!(engine_syncs.get(), 0);
        log.bypass();
        log.append(&writes(2));
        let failing = || Err(Error::Storage("disk".into()));
        assert!(log.sync(failing).is_err());
        // Still owed after the failure, and only once after that.
        log.sync(sync_engine).expect("sync");
        log.sync(sync_engine).expect("sync");
        assert_eq!(engine_syncs.get(), 1);
    }
}
