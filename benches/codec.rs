//! Key and row codecs: what every read and write pays per row and per index entry.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use moltdb::codec::{keys, row};
use moltdb::types::Value;

fn key_codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("key_codec");
    g.bench_function("record_key", |b| {
        b.iter(|| keys::record_key(black_box(104), black_box(123_456)))
    });
    let rk = keys::record_key(104, 123_456);
    g.bench_function("decode_record_key", |b| {
        b.iter(|| keys::decode_record_key(black_box(&rk)).unwrap())
    });
    let k = [Value::Int(4_242)];
    g.bench_function("index_key_int", |b| {
        b.iter(|| keys::index_key(104, 1, black_box(&k), Some(black_box(123_456))))
    });
    let c120 = [Value::str(&"12345678901-".repeat(10)[..119])];
    g.bench_function("index_key_char120", |b| {
        b.iter(|| keys::index_key(104, 2, black_box(&c120), Some(black_box(123_456))))
    });
    let ik = keys::index_key(104, 1, &k, Some(123_456));
    g.bench_function("decode_index_key_int", |b| {
        b.iter(|| keys::decode_index_key(black_box(&ik), 1).unwrap())
    });
    g.finish();
}

fn row_codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("row_codec");
    let values = common::sbtest_row(42, 100_000);
    let cols: Vec<(u64, &Value)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64 + 1, v))
        .collect();
    g.bench_function("encode_sbtest_row", |b| {
        b.iter(|| row::encode_row(black_box(&cols)))
    });
    let bytes = row::encode_row(&cols);
    g.bench_function("decode_sbtest_row", |b| {
        b.iter(|| row::decode_columns(black_box(&bytes), &[1, 2, 3, 4]).unwrap())
    });
    g.bench_function("decode_one_column", |b| {
        b.iter(|| row::decode_columns(black_box(&bytes), &[3]).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = key_codec, row_codec
}
criterion_main!(benches);
