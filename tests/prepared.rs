//! Prepared statements over the binary protocol (mysql_async `prep` / `exec`): every column
//! type, NULL in every position, one statement reused many times, parameters wherever a value
//! may stand, and explicit close.

mod common;

use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::{Params, Row, Value};

const COLUMNS: &str = "id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, \
    siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, \
    bi BIGINT, biu BIGINT UNSIGNED, de DECIMAL(10,3), f FLOAT, d DOUBLE, c CHAR(5), \
    vc VARCHAR(20), t TEXT, b BLOB, vb VARBINARY(10), dt DATE, dtt DATETIME, ts TIMESTAMP, \
    bo BOOL";

/// One full row of values (after the id), at the edges of each type's range.
fn full_row() -> Vec<Value> {
    vec![
        Value::Int(-128),
        Value::UInt(255),
        Value::Int(-32768),
        Value::UInt(65535),
        Value::Int(-8388608),
        Value::UInt(16777215),
        Value::Int(i64::from(i32::MIN)),
        Value::UInt(u64::from(u32::MAX)),
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Bytes(b"1234567.891".to_vec()),
        Value::Float(1.5),
        Value::Double(2.25),
        Value::Bytes(b"abc".to_vec()),
        Value::Bytes("héllo wörld".as_bytes().to_vec()),
        Value::Bytes(b"a longer text value".to_vec()),
        Value::Bytes(vec![0, 1, 2, 254, 255]),
        Value::Bytes(vec![0xde, 0xad, 0x00]),
        Value::Date(2024, 2, 29, 0, 0, 0, 0),
        Value::Date(2024, 1, 2, 3, 4, 5, 0),
        Value::Date(2023, 12, 31, 23, 59, 59, 0),
        Value::Int(1),
    ]
}

/// Checks one column read back through the binary protocol against what was written.
fn check(row: &Row, col: usize, written: &Value) {
    let name = row.columns_ref()[col].name_str().to_string();
    let got = row.as_ref(col).cloned().unwrap_or(Value::NULL);
    if *written == Value::NULL {
        assert_eq!(got, Value::NULL, "column {name}");
        return;
    }
    match written {
        Value::Int(v) => {
            let g: i64 = mysql_async::from_value(got);
            assert_eq!(g, *v, "column {name}");
        }
        Value::UInt(v) => {
            let g: u64 = mysql_async::from_value(got);
            assert_eq!(g, *v, "column {name}");
        }
        Value::Float(v) => {
            let g: f32 = mysql_async::from_value(got);
            assert_eq!(g, *v, "column {name}");
        }
        Value::Double(v) => {
            let g: f64 = mysql_async::from_value(got);
            assert_eq!(g, *v, "column {name}");
        }
        Value::Bytes(v) => {
            let g: Vec<u8> = mysql_async::from_value(got);
            assert_eq!(g, *v, "column {name}");
        }
        Value::Date(..) => assert_eq!(&got, written, "column {name}"),
        other => panic!("unexpected written value {other:?}"),
    }
}

#[tokio::test]
async fn prepared_every_type_with_nulls_reused_and_closed() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    conn.query_drop("DROP DATABASE IF EXISTS prep_types")
        .await
        .unwrap();
    conn.query_drop("CREATE DATABASE prep_types").await.unwrap();
    conn.query_drop("USE prep_types").await.unwrap();
    conn.query_drop(format!("CREATE TABLE p ({COLUMNS})"))
        .await
        .unwrap();

    let n = full_row().len();
    let marks = vec!["?"; n + 1].join(", ");
    let insert = conn
        .prep(format!("INSERT INTO p VALUES ({marks})"))
        .await
        .unwrap_or_else(|e| panic!("prepare insert: {e}\n{}", server.log_tail()));
    assert_eq!(insert.num_params() as usize, n + 1);

    // Row 0: every value; row k (1..=n): NULL in column k; row n+1: all NULL. One statement.
    let mut expected: Vec<(i64, Vec<Value>)> = Vec::new();
    expected.push((0, full_row()));
    for k in 0..n {
        let mut r = full_row();
        r[k] = Value::NULL;
        expected.push((k as i64 + 1, r));
    }
    expected.push((n as i64 + 1, vec![Value::NULL; n]));
    for (id, values) in &expected {
        let mut params = vec![Value::Int(*id)];
        params.extend(values.iter().cloned());
        conn.exec_drop(&insert, Params::Positional(params))
            .await
            .unwrap_or_else(|e| panic!("insert row {id}: {e}\n{}", server.log_tail()));
        assert_eq!(conn.affected_rows(), 1);
    }

    // Read every row back through one reused SELECT.
    let select = conn.prep("SELECT * FROM p WHERE id = ?").await.unwrap();
    for _round in 0..3 {
        for (id, values) in &expected {
            let rows: Vec<Row> = conn.exec(&select, (*id,)).await.unwrap();
            assert_eq!(rows.len(), 1, "row {id}");
            let row = &rows[0];
            assert_eq!(row.len(), n + 1);
            check(row, 0, &Value::Int(*id));
            for (k, v) in values.iter().enumerate() {
                check(row, k + 1, v);
            }
        }
    }

    // Parameters wherever a value may stand.
    let s = conn
        .prep("SELECT id, ? + 1, CONCAT(?, vc) FROM p WHERE bi = ? AND id IN (?, ?) ORDER BY id LIMIT ?")
        .await
        .unwrap();
    let rows: Vec<(i64, i64, Option<String>)> =
        conn.exec(&s, (41, "x-", i64::MIN, 0, 2, 10)).await.unwrap();
    assert_eq!(
        rows,
        vec![
            (0, 42, Some("x-héllo wörld".to_string())),
            (2, 42, Some("x-héllo wörld".to_string()))
        ]
    );
    let upd = conn
        .prep("UPDATE p SET vc = ?, de = ?, dt = ? WHERE id = ?")
        .await
        .unwrap();
    for id in 0..5i64 {
        conn.exec_drop(
            &upd,
            (
                format!("v{id}"),
                Value::Bytes(b"-0.5".to_vec()),
                Value::NULL,
                id,
            ),
        )
        .await
        .unwrap();
        assert_eq!(conn.affected_rows(), 1);
    }
    let got: Vec<(Option<String>, Option<String>, Option<String>)> = conn
        .exec(
            "SELECT vc, CAST(de AS CHAR), CAST(dt AS CHAR) FROM p WHERE id < ? ORDER BY id",
            (2,),
        )
        .await
        .unwrap();
    assert_eq!(
        got,
        vec![
            (Some("v0".into()), Some("-0.500".into()), None),
            (Some("v1".into()), Some("-0.500".into()), None),
        ]
    );
    let del = conn.prep("DELETE FROM p WHERE id = ?").await.unwrap();
    conn.exec_drop(&del, (n as i64 + 1,)).await.unwrap();
    assert_eq!(conn.affected_rows(), 1);
    let count: Option<i64> = conn
        .exec_first("SELECT COUNT(*) FROM p WHERE ti IS NULL OR ti = ?", (-128,))
        .await
        .unwrap();
    assert_eq!(count, Some(n as i64 + 1));

    // Explicit close: the statements are gone, the connection keeps working.
    for stmt in [insert, select, s, upd, del] {
        conn.close(stmt).await.unwrap();
    }
    let again = conn
        .prep("SELECT COUNT(*) FROM p WHERE id >= ?")
        .await
        .unwrap();
    for _ in 0..50 {
        let c: Option<i64> = conn.exec_first(&again, (0,)).await.unwrap();
        assert_eq!(c, Some(n as i64 + 1));
    }
    conn.close(again).await.unwrap();
    conn.disconnect().await.unwrap();
}
