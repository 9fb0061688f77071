//! Shared fixtures of the microbenchmarks: an sbtest-shaped table and its rows.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use moltdb::catalog::{ColumnInfo, IndexInfo, SchemaState, TableInfo};
use moltdb::types::{DataType, IntKind, Value};

/// Short runs: the whole `cargo bench` must finish in a few minutes on 2 cores.
pub fn quick() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots()
}

fn column(id: u64, name: &str, ty: DataType) -> ColumnInfo {
    ColumnInfo {
        id,
        name: name.into(),
        ty,
        nullable: false,
        default: None,
        auto_increment: id == 1,
        on_update_current_timestamp: false,
        comment: String::new(),
        state: SchemaState::Public,
        origin_default: None,
        generated: None,
        change: None,
        no_default: false,
    }
}

/// An index on `k` (column 1).
pub fn k_index(id: i64, name: &str, state: SchemaState) -> IndexInfo {
    IndexInfo {
        id,
        name: name.into(),
        columns: vec![1],
        unique: false,
        primary: false,
        state,
        comment: String::new(),
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    }
}

/// sbtest1: id INT AUTO_INCREMENT PRIMARY KEY (the handle), k INT, c CHAR(120),
/// pad CHAR(60), KEY k_1 (k).
pub fn sbtest_info() -> Arc<TableInfo> {
    let int = DataType::Int {
        kind: IntKind::Int,
        unsigned: false,
    };
    Arc::new(TableInfo {
        foreign_keys: Vec::new(),
        temporary: false,
        view: None,
        checks: Vec::new(),
        auto_id_rebases: 0,
        id: 104,
        db_id: 2,
        name: "sbtest1".into(),
        columns: vec![
            column(1, "id", int.clone()),
            column(2, "k", int),
            column(
                3,
                "c",
                DataType::Char {
                    len: 120,
                    varying: false,
                    collation: Default::default(),
                },
            ),
            column(
                4,
                "pad",
                DataType::Char {
                    len: 60,
                    varying: false,
                    collation: Default::default(),
                },
            ),
        ],
        indexes: vec![k_index(1, "k_1", SchemaState::Public)],
        handle_column: Some(0),
        next_column_id: 5,
        next_index_id: 2,
        comment: String::new(),
        charset: "utf8mb4".into(),
        collation: "utf8mb4_bin".into(),
        state: SchemaState::Public,
    })
}

/// sysbench's digit groups, from a cheap deterministic generator.
fn digits(state: &mut u64, groups: usize) -> String {
    let mut s = String::new();
    for g in 0..groups {
        if g > 0 {
            s.push('-');
        }
        for _ in 0..11 {
            *state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push((b'0' + ((*state >> 33) % 10) as u8) as char);
        }
    }
    s
}

/// Row `id` of a `rows`-row sbtest table.
pub fn sbtest_row(id: i64, rows: i64) -> Vec<Value> {
    let mut state = id as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let c = digits(&mut state, 10);
    let pad = digits(&mut state, 5);
    Vec::from([
        Value::Int(id),
        Value::Int((state >> 20) as i64 % rows + 1),
        Value::str(&c),
        Value::str(&pad),
    ])
}
