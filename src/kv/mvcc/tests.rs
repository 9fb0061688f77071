//! The engine conformance suite: every test runs once per engine (see the bottom of this
//! file), so fjall and sled must give the same MVCC behaviour.

use super::*;

use std::sync::atomic::AtomicUsize;

use crate::kv::engine::EngineKind;

/// `pairs` in batches of `per_batch`, as `Store::ingest` takes them.
fn packed(
    pairs: impl IntoIterator<Item = Pair>,
    per_batch: usize,
) -> impl Iterator<Item = PackedPairs> {
    PackedPairs::batches(pairs, per_batch)
}

/// Opens the store in `dir`. sled lets go of its file lock from a background thread a
/// moment after the previous store was dropped, so a reopen may have to wait for it.
fn open_in(dir: &std::path::Path, kind: EngineKind) -> MvccStore {
    let options = engine::Options::default();
    let mut attempts = 0;
    let engine = loop {
        match engine::open(dir, Some(kind), &options) {
            Ok(engine) => break engine,
            Err(e) if attempts < 100 => {
                attempts += 1;
                tracing::debug!(error = %e, "engine still locked; retrying");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("open engine: {e}"),
        }
    };
    MvccStore::with_engine(engine).expect("open")
}

fn open(kind: EngineKind) -> (tempfile::TempDir, MvccStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_in(dir.path(), kind);
    (dir, store)
}

fn put(store: &MvccStore, pairs: &[(&[u8], &[u8])]) -> u64 {
    let mut txn = store.begin().expect("begin");
    for (k, v) in pairs {
        txn.put(k.to_vec(), v.to_vec());
    }
    txn.commit().expect("commit")
}

fn del(store: &MvccStore, key: &[u8]) -> u64 {
    let mut txn = store.begin().expect("begin");
    txn.delete(key.to_vec());
    txn.commit().expect("commit")
}

fn pairs(items: &[(&[u8], &[u8])]) -> Vec<Pair> {
    items
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_vec()))
        .collect()
}

fn all() -> KeyRange {
    KeyRange::default()
}

/// Every stored version of every key, for checking what GC left behind.
fn versions(store: &MvccStore) -> Vec<(Vec<u8>, u64)> {
    all_versions(store.inner.engine.as_ref())
        .map(|entry| {
            let (k, _) = entry.expect("entry");
            let (user, ts) = keys::split_data_key(&k).expect("key");
            (keys::unescape(user).expect("unescape"), ts)
        })
        .collect()
}

fn snapshot_isolation(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let t1 = put(&store, &[(b"a", b"1")]);
    let reader = store.begin().expect("begin");
    assert_eq!(reader.start_ts(), t1);
    put(&store, &[(b"a", b"2"), (b"b", b"2")]);
    del(&store, b"a");
    assert_eq!(reader.get(b"a").expect("get"), Some(b"1".to_vec()));
    assert_eq!(reader.get(b"b").expect("get"), None);
    assert_eq!(
        reader.scan(&all(), usize::MAX, false).expect("scan"),
        pairs(&[(b"a", b"1")])
    );
    let fresh = store.begin().expect("begin");
    assert_eq!(fresh.get(b"a").expect("get"), None);
    assert_eq!(fresh.get(b"b").expect("get"), Some(b"2".to_vec()));

    // begin_at reads an old snapshot; future or collected ones are refused.
    let old = store.begin_at(t1).expect("begin_at");
    assert_eq!(old.get(b"a").expect("get"), Some(b"1".to_vec()));
    assert!(store.begin_at(store.current_ts() + 1).is_err());
}

fn read_your_writes(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(&store, &[(b"a", b"old"), (b"b", b"old")]);
    let mut txn = store.begin().expect("begin");
    txn.put(b"a".to_vec(), b"new".to_vec());
    txn.delete(b"b".to_vec());
    txn.put(b"c".to_vec(), b"new".to_vec());
    assert_eq!(txn.get(b"a").expect("get"), Some(b"new".to_vec()));
    assert_eq!(txn.get(b"b").expect("get"), None);
    assert_eq!(txn.get(b"c").expect("get"), Some(b"new".to_vec()));
    assert_eq!(
        txn.scan(&all(), usize::MAX, false).expect("scan"),
        pairs(&[(b"a", b"new"), (b"c", b"new")])
    );
    // Others do not see them until commit.
    let other = store.begin().expect("begin");
    assert_eq!(other.get(b"a").expect("get"), Some(b"old".to_vec()));
    txn.commit().expect("commit");
    let after = store.begin().expect("begin");
    assert_eq!(
        after.scan(&all(), usize::MAX, false).expect("scan"),
        pairs(&[(b"a", b"new"), (b"c", b"new")])
    );
}

fn scan_merges_buffer_and_snapshot_in_both_directions(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(
        &store,
        &[
            (b"a", b"1"),
            (b"b", b"1"),
            (b"c", b"1"),
            (b"d", b"1"),
            (b"e", b"1"),
            (b"f", b"1"),
        ],
    );
    put(&store, &[(b"b", b"2"), (b"d", b"2")]); // several versions per key
    del(&store, b"e"); // committed tombstone
    let mut txn = store.begin().expect("begin");
    txn.delete(b"c".to_vec());
    txn.put(b"d".to_vec(), b"3".to_vec());
    txn.put(b"bb".to_vec(), b"3".to_vec());
    txn.put(b"g".to_vec(), b"3".to_vec());
    txn.delete(b"zz".to_vec()); // delete of a key that never existed

    let expected = pairs(&[
        (b"a", b"1"),
        (b"b", b"2"),
        (b"bb", b"3"),
        (b"d", b"3"),
        (b"f", b"1"),
        (b"g", b"3"),
    ]);
    assert_eq!(txn.scan(&all(), usize::MAX, false).expect("scan"), expected);
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(txn.scan(&all(), usize::MAX, true).expect("scan"), reversed);

    for limit in 0..=expected.len() + 1 {
        let n = limit.min(expected.len());
        assert_eq!(
            txn.scan(&all(), limit, false).expect("scan"),
            expected[..n].to_vec()
        );
        assert_eq!(
            txn.scan(&all(), limit, true).expect("scan"),
            reversed[..n].to_vec()
        );
        // Lent rather than collected: the same pairs, and a visitor that stops early
        // stops the scan.
        for reverse in [false, true] {
            let want = if reverse { &reversed } else { &expected };
            assert_eq!(lent(&*txn, limit, reverse, usize::MAX), want[..n].to_vec());
            assert_eq!(lent(&*txn, limit, reverse, 2), want[..n.min(2)].to_vec());
        }
    }

    // Sub-ranges: [b, e) and a prefix.
    let range = KeyRange::new(b"b".to_vec(), b"e".to_vec());
    assert_eq!(
        txn.scan(&range, usize::MAX, false).expect("scan"),
        pairs(&[(b"b", b"2"), (b"bb", b"3"), (b"d", b"3")])
    );
    assert_eq!(
        txn.scan(&range, 2, true).expect("scan"),
        pairs(&[(b"d", b"3"), (b"bb", b"3")])
    );
    assert_eq!(
        txn.scan(&KeyRange::prefix(b"b"), usize::MAX, true)
            .expect("scan"),
        pairs(&[(b"bb", b"3"), (b"b", b"2")])
    );
    let empty = KeyRange::new(b"e".to_vec(), b"b".to_vec());
    assert!(txn
        .scan(&empty, usize::MAX, false)
        .expect("scan")
        .is_empty());
}

/// The pairs `scan_each` lends over everything, copied, with a visitor that stops after
/// `stop_after`; checks the count it returns.
fn lent(txn: &dyn Transaction, limit: usize, reverse: bool, stop_after: usize) -> Vec<Pair> {
    let mut seen = Vec::new();
    let visited = txn
        .scan_each(&all(), limit, reverse, &mut |key, value| {
            seen.push((key.to_vec(), value.to_vec()));
            Ok(seen.len() < stop_after)
        })
        .expect("scan_each");
    assert_eq!(visited, seen.len());
    seen
}

fn keys_with_zero_bytes_scan_in_order(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let keys: Vec<&[u8]> = vec![b"", b"\x00", b"\x00\x00", b"\x00\x01", b"\x01", b"\xff\x00"];
    let mut txn = store.begin().expect("begin");
    for k in &keys {
        txn.put(k.to_vec(), k.to_vec());
    }
    txn.commit().expect("commit");
    put(&store, &[(b"\x00", b"x")]);
    let reader = store.begin().expect("begin");
    let got: Vec<Vec<u8>> = reader
        .scan(&all(), usize::MAX, false)
        .expect("scan")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(got, keys.iter().map(|k| k.to_vec()).collect::<Vec<_>>());
    assert_eq!(reader.get(b"\x00").expect("get"), Some(b"x".to_vec()));
    assert_eq!(
        reader
            .scan(&KeyRange::prefix(b"\x00"), usize::MAX, true)
            .expect("scan"),
        pairs(&[
            (b"\x00\x01", b"\x00\x01"),
            (b"\x00\x00", b"\x00\x00"),
            (b"\x00", b"x")
        ])
    );
}

fn write_write_conflict_first_committer_wins(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(&store, &[(b"k", b"0")]);
    let mut t1 = store.begin().expect("begin");
    let mut t2 = store.begin().expect("begin");
    t1.put(b"k".to_vec(), b"1".to_vec());
    t2.put(b"other".to_vec(), b"2".to_vec());
    t2.put(b"k".to_vec(), b"2".to_vec());
    let ts = store.current_ts();
    t1.commit().expect("first committer wins");
    assert_eq!(t2.commit(), Err(Error::WriteConflict));
    assert_eq!(store.current_ts(), ts + 1);
    let reader = store.begin().expect("begin");
    assert_eq!(reader.get(b"k").expect("get"), Some(b"1".to_vec()));
    assert_eq!(reader.get(b"other").expect("get"), None);

    // Deletes conflict too, and a transaction started after the commit does not conflict.
    let mut t3 = store.begin().expect("begin");
    let mut t4 = store.begin().expect("begin");
    t3.delete(b"k".to_vec());
    t4.delete(b"k".to_vec());
    t3.commit().expect("commit");
    assert_eq!(t4.commit(), Err(Error::WriteConflict));
    let mut t5 = store.begin().expect("begin");
    t5.put(b"k".to_vec(), b"5".to_vec());
    t5.commit().expect("commit");
}

fn savepoint_rollback(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(&store, &[(b"a", b"committed")]);
    let mut txn = store.begin().expect("begin");
    assert!(txn.is_read_only());
    txn.put(b"a".to_vec(), b"1".to_vec());
    txn.put(b"b".to_vec(), b"1".to_vec());
    let sp = txn.savepoint();
    txn.put(b"a".to_vec(), b"2".to_vec());
    txn.delete(b"b".to_vec());
    txn.put(b"c".to_vec(), b"2".to_vec());
    txn.rollback_to(sp);
    assert_eq!(txn.get(b"a").expect("get"), Some(b"1".to_vec()));
    assert_eq!(txn.get(b"b").expect("get"), Some(b"1".to_vec()));
    assert_eq!(txn.get(b"c").expect("get"), None);

    txn.rollback_to(Savepoint(0));
    assert!(txn.is_read_only());
    assert_eq!(txn.get(b"a").expect("get"), Some(b"committed".to_vec()));
    let start = txn.start_ts();
    assert_eq!(txn.commit().expect("commit"), start);
    assert_eq!(store.current_ts(), start);
}

fn persists_across_reopen(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ts = {
        let store = open_in(dir.path(), kind);
        put(&store, &[(b"a", b"1")]);
        put(&store, &[(b"b", b"2")]);
        let ts = del(&store, b"a");
        assert_eq!(store.current_ts(), ts);
        ts
    };
    let store = open_in(dir.path(), kind);
    assert_eq!(store.current_ts(), ts);
    let txn = store.begin().expect("begin");
    assert_eq!(txn.get(b"a").expect("get"), None);
    assert_eq!(
        txn.scan(&all(), usize::MAX, false).expect("scan"),
        pairs(&[(b"b", b"2")])
    );
    // The old snapshot is still readable, and new commits continue the sequence.
    let old = store.begin_at(ts - 1).expect("begin_at");
    assert_eq!(old.get(b"a").expect("get"), Some(b"1".to_vec()));
    assert_eq!(put(&store, &[(b"c", b"3")]), ts + 1);
}

fn gc_removes_only_unreadable_versions(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let t1 = put(&store, &[(b"a", b"1"), (b"b", b"1"), (b"c", b"1")]);
    let t2 = put(&store, &[(b"a", b"2")]);
    let t3 = del(&store, b"b");
    let old_reader = store.begin_at(t2).expect("begin_at");
    let t4 = put(&store, &[(b"a", b"4")]);
    assert_eq!(store.min_active_ts(), t2);
    let _ = (t1, t3);

    // Nothing at or below t2 is older than what t2 reads except a@t1.
    assert_eq!(store.gc(store.min_active_ts()).expect("gc"), 1);
    assert_eq!(old_reader.get(b"a").expect("get"), Some(b"2".to_vec()));
    assert_eq!(old_reader.get(b"b").expect("get"), Some(b"1".to_vec()));
    assert_eq!(
        old_reader.scan(&all(), usize::MAX, true).expect("scan"),
        pairs(&[(b"c", b"1"), (b"b", b"1"), (b"a", b"2")])
    );
    drop(old_reader);
    assert_eq!(store.min_active_ts(), t4);

    // Now a@t2, and b's tombstone with the value it hid, go.
    assert_eq!(store.gc(store.min_active_ts()).expect("gc"), 3);
    assert_eq!(
        versions(&store),
        vec![(b"a".to_vec(), t4), (b"c".to_vec(), t1)]
    );
    let reader = store.begin().expect("begin");
    assert_eq!(
        reader.scan(&all(), usize::MAX, false).expect("scan"),
        pairs(&[(b"a", b"4"), (b"c", b"1")])
    );
    assert!(store.begin_at(t2).is_err(), "snapshot below the safe point");
    assert_eq!(store.gc(store.min_active_ts()).expect("gc"), 0);
}

/// The background thread's passes visit the keys committed since the previous pass (all of
/// the store after opening or an ingest), and leave a key whose old version a snapshot can
/// still read to a later pass. Where compactions collect, passes only remove deleted keys
/// and a compaction drops the rest.
fn background_passes_collect_what_commits_made_obsolete(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let inner = &store.inner;
    let pass = || {
        inner
            .collect_written(inner.advance_safe_point(None))
            .expect("gc")
    };
    // What a pass removes of the versions that newer puts shadow.
    let shadowed = |n: usize| if inner.compactions_collect { 0 } else { n };
    put(&store, &[(b"a", b"1"), (b"b", b"1"), (b"c", b"1")]);
    put(&store, &[(b"a", b"2")]);
    del(&store, b"b");
    assert_eq!(pass(), 2 + shadowed(1), "b's tombstone, b@1 and a@1");
    let reader = store.begin().expect("begin");
    let t4 = put(&store, &[(b"a", b"4")]);
    let t5 = put(&store, &[(b"c", b"5")]);
    inner.engine.compact().expect("compact");
    assert_eq!(pass(), 0, "the reader still sees a@2 and c@1");
    inner.engine.compact().expect("compact");
    assert_eq!(reader.get(b"a").expect("get"), Some(b"2".to_vec()));
    assert_eq!(reader.get(b"c").expect("get"), Some(b"1".to_vec()));
    drop(reader);
    assert_eq!(pass(), shadowed(2));
    inner.engine.compact().expect("compact");
    assert_eq!(
        versions(&store),
        vec![(b"a".to_vec(), t4), (b"c".to_vec(), t5)]
    );
    assert_eq!(pass(), 0);
    store
        .ingest(t5, &mut packed([(b"d".to_vec(), b"6".to_vec())], 1))
        .expect("ingest");
    let after_ingest = if inner.compactions_collect {
        dirty::Pass::Keys(Default::default())
    } else {
        dirty::Pass::Everything
    };
    assert_eq!(inner.dirty.lock().take(t5), after_ingest);
}

/// A compaction keeps what snapshots at or after the durable safe point read, tombstones
/// included, and only that; its safe point becomes durable before it is used.
fn compactions_keep_what_snapshots_read(kind: EngineKind) {
    let (dir, store) = open(kind);
    let inner = &store.inner;
    let t1 = put(&store, &[(b"a", b"1"), (b"b", b"1")]);
    let t2 = put(&store, &[(b"a", b"2")]);
    let t3 = del(&store, b"b");
    let t4 = put(&store, &[(b"a", b"4")]);
    // The safe point advances to t2 but is not yet recorded: nothing may go.
    assert_eq!(inner.advance_safe_point(Some(t2)), t2);
    inner.engine.compact().expect("compact");
    assert_eq!(
        versions(&store),
        vec![
            (b"a".to_vec(), t4),
            (b"a".to_vec(), t2),
            (b"a".to_vec(), t1),
            (b"b".to_vec(), t3),
            (b"b".to_vec(), t1)
        ]
    );
    inner.collect_written(t2).expect("gc");
    inner.engine.compact().expect("compact");
    let at_t2 = store.begin_at(t2).expect("begin_at");
    assert_eq!(at_t2.get(b"a").expect("get"), Some(b"2".to_vec()));
    assert_eq!(at_t2.get(b"b").expect("get"), Some(b"1".to_vec()));
    drop(at_t2);
    // a@1 went (by the pass, or the compaction); b@1 is still what t2 reads.
    assert_eq!(
        versions(&store),
        vec![
            (b"a".to_vec(), t4),
            (b"a".to_vec(), t2),
            (b"b".to_vec(), t3),
            (b"b".to_vec(), t1)
        ]
    );
    // At t4 a@2 and b@1 are shadowed, the tombstone b@3 is what t4 reads.
    inner.advance_safe_point(Some(t4));
    inner.record_safe_point().expect("record");
    inner.engine.compact().expect("compact");
    let mut expected = vec![(b"a".to_vec(), t4), (b"b".to_vec(), t3)];
    if !inner.compactions_collect {
        expected.insert(1, (b"a".to_vec(), t2));
        expected.push((b"b".to_vec(), t1));
    }
    assert_eq!(versions(&store), expected);
    assert_eq!(store.begin().expect("begin").get(b"b").expect("get"), None);
    drop(store);
    // The safe point compactions used survived: a snapshot below it is refused.
    let reopened = open_in(dir.path(), kind);
    assert!(reopened.begin_at(t2).is_err());
    assert_eq!(
        reopened
            .begin_at(t4)
            .expect("begin_at")
            .get(b"a")
            .expect("get"),
        Some(b"4".to_vec())
    );
}

fn gc_runs_safely_alongside_commits_and_readers(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let store = Arc::new(store);
    put(&store, &[(b"x", b"0"), (b"y", b"0")]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let collector = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                store.gc(store.min_active_ts()).expect("gc");
            }
        })
    };
    for i in 0..100u32 {
        let reader = store.begin().expect("begin");
        let expected = reader.scan(&all(), usize::MAX, false).expect("scan");
        // Each round rewrites x and deletes/recreates y.
        let mut txn = store.begin().expect("begin");
        txn.put(b"x".to_vec(), i.to_be_bytes().to_vec());
        if i % 2 == 0 {
            txn.delete(b"y".to_vec());
        } else {
            txn.put(b"y".to_vec(), i.to_be_bytes().to_vec());
        }
        txn.commit().expect("commit");
        assert_eq!(
            reader.scan(&all(), usize::MAX, false).expect("scan"),
            expected
        );
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(
            reader.scan(&all(), usize::MAX, true).expect("scan"),
            reversed
        );
    }
    stop.store(true, Ordering::SeqCst);
    collector.join().expect("join");
    store.gc(store.min_active_ts()).expect("gc");
    let last = store.current_ts();
    assert_eq!(
        versions(&store),
        vec![(b"x".to_vec(), last), (b"y".to_vec(), last)]
    );
}

fn concurrent_committers_are_all_durable(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    const THREADS: usize = 4;
    const PER_THREAD: usize = 25;
    let conflicts = AtomicUsize::new(0);
    {
        let store = open_in(dir.path(), kind);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (store, conflicts) = (&store, &conflicts);
                s.spawn(move || {
                    for i in 0..PER_THREAD {
                        // A private key, plus a shared counter incremented with retries.
                        loop {
                            let mut txn = store.begin().expect("begin");
                            let n = match txn.get(b"counter").expect("get") {
                                Some(v) => u64::from_be_bytes(v.try_into().expect("u64")),
                                None => 0,
                            };
                            txn.put(b"counter".to_vec(), (n + 1).to_be_bytes().to_vec());
                            txn.put(format!("k{t}-{i:03}").into_bytes(), vec![t as u8]);
                            match txn.commit() {
                                Ok(_) => break,
                                Err(Error::WriteConflict) => {
                                    conflicts.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => panic!("commit failed: {e}"),
                            }
                        }
                    }
                });
            }
        });
        assert_eq!(store.current_ts(), (THREADS * PER_THREAD) as u64);
    }
    let store = open_in(dir.path(), kind);
    assert_eq!(store.current_ts(), (THREADS * PER_THREAD) as u64);
    let txn = store.begin().expect("begin");
    assert_eq!(
        txn.get(b"counter").expect("get"),
        Some(((THREADS * PER_THREAD) as u64).to_be_bytes().to_vec())
    );
    let written = txn
        .scan(&KeyRange::prefix(b"k"), usize::MAX, false)
        .expect("scan");
    assert_eq!(written.len(), THREADS * PER_THREAD);
}

fn a_commit_is_all_or_nothing_visible(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let store = Arc::new(store);
    const KEYS: usize = 500;
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for round in 0..5u8 {
                let mut txn = store.begin().expect("begin");
                for i in 0..KEYS {
                    txn.put(format!("key{i:04}").into_bytes(), vec![round]);
                }
                txn.commit().expect("commit");
            }
        })
    };
    let mut observations = 0;
    while !writer.is_finished() || observations == 0 {
        let txn = store.begin().expect("begin");
        let rows = txn.scan(&all(), usize::MAX, false).expect("scan");
        assert!(rows.is_empty() || rows.len() == KEYS, "partial commit seen");
        if let Some((_, first)) = rows.first() {
            assert!(rows.iter().all(|(_, v)| v == first), "mixed commits seen");
        }
        observations += 1;
    }
    writer.join().expect("join");
    let rows = store
        .begin()
        .expect("begin")
        .scan(&all(), usize::MAX, true)
        .expect("scan");
    assert_eq!(rows.len(), KEYS);
    assert!(rows.iter().all(|(_, v)| v == &vec![4u8]));
}

/// Keys with many versions older and newer than the snapshot, between keys with one: the
/// scan steps over a few and re-seeks past the rest, and sees each key's snapshot value.
fn scan_over_many_versions_on_both_sides_of_the_snapshot(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let write = |version: u8| {
        let mut txn = store.begin().expect("begin");
        for key in [b"b", b"d"] {
            txn.put(key.to_vec(), vec![version]);
        }
        if version == 0 {
            for key in [b"a", b"c", b"e"] {
                txn.put(key.to_vec(), vec![version]);
            }
        }
        txn.commit().expect("commit");
    };
    for version in 0..20 {
        write(version);
    }
    let reader = store.begin().expect("begin");
    for version in 20..40 {
        write(version);
    }
    for limit in [1, 2, 5] {
        let mut seen = Vec::new();
        let mut range = all();
        loop {
            let batch = reader.scan(&range, limit, false).expect("scan");
            let Some((last, _)) = batch.last() else { break };
            range.start = [last.as_slice(), &[0]].concat();
            seen.extend(batch);
        }
        let expected: Vec<Pair> = [(b"a", 0), (b"b", 19), (b"c", 0), (b"d", 19), (b"e", 0)]
            .iter()
            .map(|(k, v)| (k.to_vec(), vec![*v]))
            .collect();
        assert_eq!(seen, expected, "limit {limit}");
    }
}

fn scan_with_limit_stops_early(kind: EngineKind) {
    let (_dir, store) = open(kind);
    let mut txn = store.begin().expect("begin");
    for i in 0..2000u32 {
        txn.put(i.to_be_bytes().to_vec(), vec![0; 16]);
    }
    txn.commit().expect("commit");
    for _ in 0..3 {
        let mut txn = store.begin().expect("begin");
        for i in 0..2000u32 {
            txn.put(i.to_be_bytes().to_vec(), vec![1; 16]);
        }
        txn.commit().expect("commit");
    }
    let reader = store.begin().expect("begin");
    let mut scan = SnapshotScan::new(&store.inner, &all(), reader.start_ts(), false);
    assert_eq!(
        scan.next().expect("one").expect("pair"),
        (0u32.to_be_bytes().to_vec(), vec![1; 16])
    );
    // Taking one pair consumed only the first key's newest version: the next raw entry is
    // its next older version (a few older versions are stepped over, not re-sought).
    let (raw, _) = scan.iter.next().expect("more").expect("entry");
    let (user, ts) = keys::split_data_key(&raw).expect("key");
    assert_eq!(
        keys::unescape(user).expect("key"),
        0u32.to_be_bytes().to_vec()
    );
    assert!(ts < reader.start_ts());
    assert_eq!(
        reader.scan(&all(), 1, true).expect("scan"),
        vec![(1999u32.to_be_bytes().to_vec(), vec![1; 16])]
    );
    assert_eq!(reader.scan(&all(), 3, false).expect("scan").len(), 3);
}

fn min_active_ts_tracks_open_transactions(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(&store, &[(b"a", b"1")]);
    let t1 = store.begin().expect("begin");
    let t1b = store.begin().expect("begin");
    put(&store, &[(b"a", b"2")]);
    let t2 = store.begin().expect("begin");
    assert_eq!(store.min_active_ts(), t1.start_ts());
    drop(t1);
    assert_eq!(store.min_active_ts(), t1b.start_ts());
    drop(t1b);
    assert_eq!(store.min_active_ts(), t2.start_ts());
    let mut t2 = t2;
    t2.put(b"b".to_vec(), b"x".to_vec());
    t2.commit().expect("commit");
    assert_eq!(store.min_active_ts(), store.current_ts());
}

fn dropping_the_store_stops_the_gc_thread(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_in(dir.path(), kind);
    let weak = Arc::downgrade(&store.inner);
    drop(store);
    assert!(weak.upgrade().is_none(), "nothing keeps the database alive");
    // The engine can be opened again: its lock is released.
    open_in(dir.path(), kind);
}

/// A clean close collects what the last commits left and spares the next open a sweep of
/// the whole store; a close with a snapshot still open does not, nor does the record
/// outlive the open it was for.
fn a_clean_close_spares_the_next_open_a_sweep(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_in(dir.path(), kind);
    put(&store, &[(b"a", b"1"), (b"b", b"1")]);
    del(&store, b"a");
    assert!(
        !store.inner.dirty.lock().all_named(),
        "a fresh store knows nothing"
    );
    // The first background pass: over everything.
    store.inner.collect_written(store.current_ts()).expect("gc");
    del(&store, b"b");
    drop(store);
    let store = open_in(dir.path(), kind);
    assert!(store.inner.dirty.lock().all_named());
    assert!(
        !versions(&store).iter().any(|(k, _)| k.as_slice() == b"b"),
        "the close collected the deletion made after the last pass"
    );
    // Used up by this open: a crash now would leave no record behind.
    let record = store
        .inner
        .engine
        .get(keys::META_GC_CLOSED_AT)
        .expect("get");
    assert_eq!(record, None);
    put(&store, &[(b"c", b"1")]);
    let reader = store.begin().expect("begin");
    drop(store);
    drop(reader);
    let store = open_in(dir.path(), kind);
    assert!(
        !store.inner.dirty.lock().all_named(),
        "a snapshot was open at the close: the next pass sweeps everything"
    );
}

/// An index built by ingest into a range set apart (fjall only; other engines decline)
/// reads, before and after a restart, as if it were not: scans across it in both
/// directions, commits into it after the ingest, and a delete of the whole range.
fn ingest_into_a_range_set_apart(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    let range = KeyRange::prefix(b"tx\x00");
    let inside = |i: u32| format!("tx\x00{i:03}").into_bytes();
    let expected = |store: &MvccStore| {
        let txn = store.begin().expect("begin");
        let forward = txn
            .scan(&KeyRange::prefix(b"t"), usize::MAX, false)
            .expect("scan");
        let mut backward = txn
            .scan(&KeyRange::prefix(b"t"), usize::MAX, true)
            .expect("scan");
        backward.reverse();
        assert_eq!(forward, backward);
        forward.into_iter().map(|(k, _)| k).collect::<Vec<_>>()
    };
    let keys: Vec<Vec<u8>> = [b"tw".to_vec()]
        .into_iter()
        .chain((0..500).map(inside))
        .chain([b"tx\x01".to_vec(), b"ty".to_vec()])
        .collect();
    {
        let store = open_in(dir.path(), kind);
        put(
            &store,
            &[(b"tw", b"row"), (b"tx\x01", b"row"), (b"ty", b"row")],
        );
        let apart = store.set_apart(&range).expect("set apart");
        assert_eq!(apart, kind == EngineKind::Fjall);
        let ts = store.current_ts();
        let entries = (0..500)
            .filter(|i| i % 2 == 0)
            .map(|i| (inside(i), b"e".to_vec()));
        store.ingest(ts, &mut packed(entries, 64)).expect("ingest");
        let mut txn = store.begin().expect("begin");
        for i in (0..500).filter(|i| i % 2 == 1) {
            txn.put(inside(i), b"dml".to_vec());
        }
        txn.commit().expect("commit");
        assert_eq!(expected(&store), keys);
        // Set apart again: the same answer (the range now holds keys either way).
        assert_eq!(store.set_apart(&range).expect("set apart"), apart);
    }
    let store = open_in(dir.path(), kind);
    assert_eq!(expected(&store), keys);
    assert_eq!(store.delete_range(&range).expect("delete range"), 500);
    assert_eq!(expected(&store), [&keys[..1], &keys[501..]].concat());
}

fn ingest_writes_versions_at_a_past_snapshot(kind: EngineKind) {
    let (_dir, store) = open(kind);
    put(&store, &[(b"i005", b"old"), (b"z", b"other")]);
    let ts = store.current_ts();
    put(&store, &[(b"i005", b"new")]);
    // Batches of 7: keys ascend across the batches' ends too.
    let pairs = (0..1000u32).map(|i| (format!("i{i:03}").into_bytes(), vec![b'v'; 3]));
    store.ingest(ts, &mut packed(pairs, 7)).expect("ingest");
    // The snapshot at `ts` sees the entries as of `ts` (over i005's older version) ...
    let at = store.begin_at(ts).expect("begin");
    assert_eq!(
        at.scan(&all(), usize::MAX, false).expect("scan").len(),
        1001
    );
    assert_eq!(at.get(b"i005").expect("get"), Some(b"vvv".to_vec()));
    assert_eq!(at.get(b"i006").expect("get"), Some(b"vvv".to_vec()));
    // ... and a newer commit stays newer.
    let now = store.begin().expect("begin");
    assert_eq!(now.get(b"i005").expect("get"), Some(b"new".to_vec()));
    assert_eq!(now.get(b"i006").expect("get"), Some(b"vvv".to_vec()));
    // Unsorted input, or a timestamp above the newest commit, is refused without a panic.
    // (Within a batch, and from one batch to the next.)
    let unsorted = [
        (b"b".to_vec(), b"1".to_vec()),
        (b"a".to_vec(), b"2".to_vec()),
    ];
    for per_batch in [2, 1] {
        let mut batches = packed(unsorted.clone(), per_batch);
        assert!(store.ingest(ts, &mut batches).is_err());
    }
    let mut one = packed([(b"c".to_vec(), b"1".to_vec())], 1);
    assert!(store.ingest(store.current_ts() + 1, &mut one).is_err());
    // A version a commit wrote (and a read since remembers), replaced by an ingest at the
    // same timestamp: reads see the ingested one.
    let ts2 = put(&store, &[(b"j1", b"committed")]);
    let read = |key: &[u8]| store.begin().expect("begin").get(key).expect("get");
    assert_eq!(read(b"j1"), Some(b"committed".to_vec()));
    let mut replaced = packed([(b"j1".to_vec(), b"ingested".to_vec())], 1);
    store.ingest(ts2, &mut replaced).expect("ingest");
    assert_eq!(read(b"j1"), Some(b"ingested".to_vec()));
}

/// A commit big enough to be applied as an ingest (where the engine's ingest is atomic)
/// reads like any other: over older versions, with its deletions, conflict-checked, and
/// still there after a reopen.
fn a_huge_commit_reads_like_any_other(kind: EngineKind) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open_in(dir.path(), kind);
    put(&store, &[(b"k000007", b"old"), (b"k000008", b"gone")]);
    let before = store.begin().expect("begin");
    let mut rival = store.begin().expect("begin");
    let mut txn = store.begin().expect("begin");
    for i in 0..INGEST_WRITES as u32 + 10 {
        txn.put(format!("k{i:06}").into_bytes(), i.to_be_bytes().to_vec());
    }
    txn.delete(b"k000008".to_vec());
    let ts = txn.commit().expect("commit");
    let now = store.begin().expect("begin");
    assert_eq!(
        now.get(b"k000007").expect("get"),
        Some(7u32.to_be_bytes().to_vec())
    );
    assert_eq!(now.get(b"k000008").expect("get"), None);
    assert_eq!(
        now.scan(&all(), usize::MAX, false).expect("scan").len(),
        INGEST_WRITES + 9
    );
    assert_eq!(before.get(b"k000007").expect("get"), Some(b"old".to_vec()));
    rival.put(b"k000100".to_vec(), b"late".to_vec());
    assert!(matches!(rival.commit(), Err(Error::WriteConflict)));
    // Commits after it are above it.
    assert!(put(&store, &[(b"k000007", b"newer")]) > ts);
    drop((before, now));
    if kind != EngineKind::Memory {
        drop(store);
        let store = open_in(dir.path(), kind);
        let txn = store.begin().expect("begin");
        assert_eq!(txn.get(b"k000007").expect("get"), Some(b"newer".to_vec()));
        assert_eq!(
            txn.get(b"k050000").expect("get"),
            Some(50_000u32.to_be_bytes().to_vec())
        );
        assert!(put(&store, &[(b"x", b"y")]) > ts + 1);
    }
}

fn delete_range_removes_every_version_in_the_range_only(kind: EngineKind) {
    let (_dir, store) = open(kind);
    // Keys with a zero byte inside the range and on its edges, several versions each.
    let inside: [&[u8]; 3] = [b"t1", b"t1\x00", b"t1_r\x00\x01"];
    let outside: [&[u8]; 3] = [b"t0\xff", b"t2", b"t\x00"];
    for round in 0..3u8 {
        for k in inside.iter().chain(&outside) {
            put(&store, &[(k, &[round])]);
        }
    }
    del(&store, b"t1");
    let range = KeyRange::prefix(b"t1");
    assert_eq!(store.delete_range(&range).expect("delete range"), 10);
    let gone: Vec<Vec<u8>> = versions(&store).into_iter().map(|(k, _)| k).collect();
    assert!(gone.iter().all(|k| !range.contains(k)), "{gone:?}");
    assert_eq!(
        gone.len(),
        9,
        "three versions of each key outside: {gone:?}"
    );
    let txn = store.begin().expect("begin");
    for k in outside {
        assert_eq!(txn.get(k).expect("get"), Some(vec![2]));
    }
    // Point reads too, of keys whose newest version a commit had just written.
    for k in inside {
        assert_eq!(txn.get(k).expect("get"), None);
    }
    assert!(txn
        .scan(&range, usize::MAX, false)
        .expect("scan")
        .is_empty());
    assert_eq!(store.delete_range(&range).expect("again"), 0);
}

fn changes_since_lists_the_keys_committed_in_the_range_after_the_timestamp(kind: EngineKind) {
    // Without a snapshot at the timestamp the store reads the versions; with one (as an
    // index build holds) it answers from the commits it remembers. Both must agree.
    for hold in [false, true] {
        let (_dir, store) = open(kind);
        put(&store, &[(b"a1", b"x"), (b"b1", b"x"), (b"c1", b"x")]);
        let ts = store.current_ts();
        let held = hold.then(|| store.begin_at(ts).expect("snapshot"));
        let b = KeyRange::prefix(b"b");
        let changes =
            |range: &KeyRange, ts: u64| store.changes_since(range, ts, 2).expect("changes");
        assert_eq!(changes(&b, ts), Some(vec![]));
        // Writes outside the range, and an ingest at the snapshot itself, are not changes.
        put(&store, &[(b"a2", b"y"), (b"c0", b"y")]);
        store
            .ingest(ts, &mut packed(pairs(&[(b"b2", b"i")]), 1))
            .expect("ingest");
        assert_eq!(changes(&b, ts), Some(vec![]), "{hold}");
        assert_eq!(
            changes(&KeyRange::prefix(b"a"), ts),
            Some(vec![b"a2".to_vec()])
        );
        // A deletion is a change, and so is a key written twice (listed once).
        del(&store, b"b1");
        put(&store, &[(b"b\0", b"y")]);
        put(&store, &[(b"b\0", b"z")]);
        assert_eq!(
            changes(&b, ts),
            Some(vec![b"b\0".to_vec(), b"b1".to_vec()]),
            "{hold}"
        );
        assert_eq!(changes(&b, store.current_ts()), Some(vec![]));
        // More than the limit.
        put(&store, &[(b"b3", b"y")]);
        assert_eq!(changes(&b, ts), None, "{hold}");
        // Once GC took the deleted key away, the changes are not known.
        drop(held);
        store.gc(store.min_active_ts()).expect("gc");
        assert_eq!(changes(&b, ts), None);
    }
}

/// Instantiates every conformance test for one engine.
macro_rules! conformance {
    ($engine:ident, $kind:expr, [$($test:ident),* $(,)?]) => {
        mod $engine {
            $(
                #[test]
                fn $test() {
                    super::$test($kind);
                }
            )*
        }
    };
}

/// Behaviour every engine shares, the memory engine included.
macro_rules! for_every_engine {
    ($tests:tt) => {
        conformance!(fjall, crate::kv::EngineKind::Fjall, $tests);
        conformance!(sled, crate::kv::EngineKind::Sled, $tests);
        conformance!(memory, crate::kv::EngineKind::Memory, $tests);
    };
}

/// Durability across a reopen: the on-disk engines only.
macro_rules! for_every_disk_engine {
    ($tests:tt) => {
        conformance!(fjall_disk, crate::kv::EngineKind::Fjall, $tests);
        conformance!(sled_disk, crate::kv::EngineKind::Sled, $tests);
    };
}

for_every_engine!([
    snapshot_isolation,
    read_your_writes,
    scan_merges_buffer_and_snapshot_in_both_directions,
    keys_with_zero_bytes_scan_in_order,
    write_write_conflict_first_committer_wins,
    savepoint_rollback,
    gc_removes_only_unreadable_versions,
    gc_runs_safely_alongside_commits_and_readers,
    background_passes_collect_what_commits_made_obsolete,
    a_commit_is_all_or_nothing_visible,
    scan_with_limit_stops_early,
    scan_over_many_versions_on_both_sides_of_the_snapshot,
    min_active_ts_tracks_open_transactions,
    dropping_the_store_stops_the_gc_thread,
    ingest_writes_versions_at_a_past_snapshot,
    a_huge_commit_reads_like_any_other,
    delete_range_removes_every_version_in_the_range_only,
    changes_since_lists_the_keys_committed_in_the_range_after_the_timestamp
]);

for_every_disk_engine!([
    persists_across_reopen,
    compactions_keep_what_snapshots_read,
    concurrent_committers_are_all_durable,
    a_clean_close_spares_the_next_open_a_sweep,
    ingest_into_a_range_set_apart,
]);
