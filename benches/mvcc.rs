//! The MVCC store's read and commit paths (kv::MvccStore on sled, in a temporary directory).

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use moltdb::codec::keys;
use moltdb::kv::{MvccStore, Store};
use moltdb::types::Value;

const ROWS: i64 = 10_000;

fn mvcc(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MvccStore::open(dir.path()).expect("open");
    let value = vec![7u8; 200];
    for chunk in (1..=ROWS).collect::<Vec<_>>().chunks(1000) {
        let mut txn = store.begin().expect("begin");
        for &h in chunk {
            txn.put(keys::record_key(104, h), value.clone());
        }
        txn.commit().expect("commit");
    }

    let mut g = c.benchmark_group("mvcc");
    let txn = store.begin().expect("begin");
    let mut h = 0i64;
    g.bench_function("point_get", |b| {
        b.iter(|| {
            h = h * 7 % ROWS + 1;
            txn.get(black_box(&keys::record_key(104, h))).unwrap()
        })
    });
    drop(txn);
    g.bench_function("begin_get_drop", |b| {
        b.iter(|| {
            h = h * 7 % ROWS + 1;
            let txn = store.begin().unwrap();
            txn.get(&keys::record_key(104, h)).unwrap()
        })
    });
    // A read-only commit takes no lock and writes nothing.
    g.bench_function("commit_read_only", |b| {
        b.iter(|| store.begin().unwrap().commit().unwrap())
    });
    // Durable commits: conflict check, one sled batch, one group-commit flush (fsync).
    g.bench_function("commit_update_row_and_index", |b| {
        b.iter(|| {
            h = h * 7 % ROWS + 1;
            let mut txn = store.begin().unwrap();
            txn.put(keys::record_key(104, h), value.clone());
            txn.delete(keys::index_key(104, 1, &[Value::Int(h)], Some(h)));
            txn.put(
                keys::index_key(104, 1, &[Value::Int(h + 1)], Some(h)),
                b"0".to_vec(),
            );
            txn.commit().unwrap()
        })
    });
    g.bench_function("commit_256_index_entries", |b| {
        b.iter(|| {
            let mut txn = store.begin().unwrap();
            for i in 0..256 {
                h = h * 7 % ROWS + 1;
                txn.put(
                    keys::index_key(104, 2, &[Value::Int(h)], Some(i)),
                    b"0".to_vec(),
                );
            }
            txn.commit().unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = mvcc
}
criterion_main!(benches);
