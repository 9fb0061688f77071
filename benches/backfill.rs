//! A backfill batch, the unit of work of ADD INDEX: read 256 rows of a table at a snapshot and
//! build their entries for the new index (and, in the second bench, write them durably in one
//! transaction). Per-row cost here times the table size bounds how fast a backfill can be
//! before the store's write rate (see `moltdb-bench --workload sled-ceiling`) is reached.

mod common;

use std::hint::black_box;
use std::ops::Bound;

use criterion::{criterion_group, criterion_main, Criterion};
use moltdb::catalog::SchemaState;
use moltdb::kv::{MvccStore, Store};
use moltdb::table::{HandleRange, Table};

const ROWS: i64 = 4096;
const BATCH: i64 = 256;

fn backfill(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = MvccStore::open(dir.path()).expect("open");
    let table = Table::new(common::sbtest_info());
    for chunk in (1..=ROWS).collect::<Vec<_>>().chunks(512) {
        let mut txn = store.begin().expect("begin");
        for &h in chunk {
            table
                .add_record(txn.as_mut(), &common::sbtest_row(h, ROWS), h)
                .expect("add");
        }
        txn.commit().expect("commit");
    }
    let new_index = common::k_index(2, "k_2", SchemaState::WriteReorganization);
    let snapshot = store.current_ts();

    let mut g = c.benchmark_group("backfill_batch");
    g.throughput(criterion::Throughput::Elements(BATCH as u64));
    let mut start = 1;
    let mut batch_keys = |txn: &dyn moltdb::kv::Transaction| {
        let range = HandleRange {
            start: Bound::Included(start),
            end: Bound::Excluded(start + BATCH),
        };
        start = if start + BATCH > ROWS {
            1
        } else {
            start + BATCH
        };
        let mut out = Vec::with_capacity(BATCH as usize);
        table
            .scan_rows(txn, &range, false, |h, row| {
                out.push(table.index_key(&new_index, &row, h).0);
                Ok(true)
            })
            .unwrap();
        out
    };
    g.bench_function("scan_and_encode_256", |b| {
        let txn = store.begin_at(snapshot).unwrap();
        b.iter(|| black_box(batch_keys(txn.as_ref())))
    });
    g.bench_function("scan_encode_commit_256", |b| {
        b.iter(|| {
            let reader = store.begin_at(snapshot).unwrap();
            let keys = batch_keys(reader.as_ref());
            let mut txn = store.begin().unwrap();
            for k in keys {
                txn.put(k, b"0".to_vec());
            }
            txn.commit().unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = backfill
}
criterion_main!(benches);
