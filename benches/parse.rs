//! Statement parsing (sqlparser's MySQL dialect through moltdb::sql::parse): paid by every
//! text-protocol statement and by every COM_STMT_PREPARE.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

const STATEMENTS: [(&str, &str); 5] = [
    ("point_select", "SELECT c FROM sbtest1 WHERE id=42"),
    ("range_order", "SELECT c FROM sbtest1 WHERE id BETWEEN 100 AND 199 ORDER BY c"),
    ("update_index", "UPDATE sbtest1 SET k=k+1 WHERE id=42"),
    (
        "insert_row",
        "INSERT INTO sbtest1 (id, k, c, pad) VALUES (42, 4242, '68487932199-96439406143-93774651418-41631865787-96406072701-20604855487-25459966574-28203206787-41238978918-19503783441', '22195207048-70116052123-74140395089-76317954521-98694025897')",
    ),
    (
        "create_table",
        "CREATE TABLE sbtest1 (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k))",
    ),
];

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, sql) in STATEMENTS {
        g.bench_function(name, |b| {
            b.iter(|| moltdb::sql::parse(black_box(sql)).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = parse
}
criterion_main!(benches);
