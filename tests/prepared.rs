//! Prepared statements over the binary protocol (mysql_async `prep` / `exec`): every column
//! type, NULL in every position, one statement reused many times, parameters wherever a value
//! may stand, and explicit close; and the short path point selects take, prepared or text.

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

/// A prepared point select (`... WHERE pk = ?`, which takes moltdb's short path) answers
/// exactly as the general path: after the table changes, when a temporary table or another
/// database shadows it, inside a transaction, for parameters that are no integer, and for
/// tables whose handle is hidden or unsigned.
#[tokio::test]
async fn prepared_point_select_follows_the_table_it_names() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    let mut other = server.conn().await;
    for sql in [
        "DROP DATABASE IF EXISTS prep_pg",
        "DROP DATABASE IF EXISTS prep_pg2",
        "CREATE DATABASE prep_pg",
        "CREATE DATABASE prep_pg2",
        "CREATE TABLE prep_pg2.t (id INT PRIMARY KEY, c VARCHAR(10))",
        "INSERT INTO prep_pg2.t VALUES (1, 'other db')",
        "USE prep_pg",
        "CREATE TABLE t (id INT PRIMARY KEY, c VARCHAR(10))",
        "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (-3, 'minus')",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    let select = conn.prep("SELECT c FROM t WHERE id = ?").await.unwrap();
    let star = conn.prep("SELECT * FROM t WHERE id = ?").await.unwrap();
    let c = |v: &str| vec![v.to_string()];
    let got = |rows: Vec<Row>| -> Vec<String> {
        rows.into_iter()
            .map(|r| mysql_async::from_value::<String>(r.as_ref(r.len() - 1).unwrap().clone()))
            .collect()
    };
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("one"));
    assert_eq!(got(conn.exec(&select, (-3,)).await.unwrap()), c("minus"));
    assert!(conn
        .exec::<Row, _, _>(&select, (9,))
        .await
        .unwrap()
        .is_empty());
    // Parameters that are no integer compare by MySQL's rules.
    assert_eq!(got(conn.exec(&select, ("2",)).await.unwrap()), c("two"));
    assert_eq!(got(conn.exec(&select, (2.0f64,)).await.unwrap()), c("two"));
    assert!(conn
        .exec::<Row, _, _>(&select, (2.5f64,))
        .await
        .unwrap()
        .is_empty());
    assert!(conn
        .exec::<Row, _, _>(&select, (Value::NULL,))
        .await
        .unwrap()
        .is_empty());
    assert!(conn
        .exec::<Row, _, _>(&select, (u64::MAX,))
        .await
        .unwrap()
        .is_empty());

    // A new column shows in `SELECT *`; a changed value shows at once.
    conn.query_drop("ALTER TABLE t ADD COLUMN d VARCHAR(10) DEFAULT 'dflt'")
        .await
        .unwrap();
    let rows: Vec<Row> = conn.exec(&star, (1,)).await.unwrap();
    assert_eq!(rows[0].len(), 3);
    assert_eq!(got(rows), c("dflt"));
    other
        .query_drop("UPDATE prep_pg.t SET c = 'uno' WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("uno"));

    // Inside a transaction: its own writes, and its snapshot against others' commits.
    conn.query_drop("BEGIN").await.unwrap();
    assert_eq!(got(conn.exec(&select, (2,)).await.unwrap()), c("two"));
    conn.query_drop("UPDATE t SET c = 'mine' WHERE id = 1")
        .await
        .unwrap();
    other
        .query_drop("UPDATE prep_pg.t SET c = 'theirs' WHERE id = 2")
        .await
        .unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("mine"));
    assert_eq!(got(conn.exec(&select, (2,)).await.unwrap()), c("two"));
    conn.query_drop("ROLLBACK").await.unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("uno"));
    assert_eq!(got(conn.exec(&select, (2,)).await.unwrap()), c("theirs"));

    // Shadowed by a temporary table, then by another database's table.
    conn.query_drop("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, c VARCHAR(10))")
        .await
        .unwrap();
    conn.query_drop("INSERT INTO t VALUES (1, 'temp')")
        .await
        .unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("temp"));
    conn.query_drop("DROP TEMPORARY TABLE t").await.unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("uno"));
    conn.query_drop("USE prep_pg2").await.unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("other db"));
    conn.query_drop("USE prep_pg").await.unwrap();

    // A dropped table is an error, and so is a view with the name.
    conn.query_drop("DROP TABLE t").await.unwrap();
    let err = conn.exec::<Row, _, _>(&select, (1,)).await.unwrap_err();
    assert!(err.to_string().contains("1146"), "{err}");
    conn.query_drop("CREATE VIEW t AS SELECT 1 AS id, 'view' AS c")
        .await
        .unwrap();
    assert_eq!(got(conn.exec(&select, (1,)).await.unwrap()), c("view"));

    // Tables outside the catalog: system tables, and a database that does not exist.
    let variable = conn
        .prep("SELECT state FROM mysql.tidb_background_subtask_history WHERE id = ?")
        .await
        .unwrap();
    assert!(conn
        .exec::<Row, _, _>(&variable, (1,))
        .await
        .unwrap()
        .is_empty());
    let err = conn
        .prep("SELECT c FROM no_such_db.t WHERE id = ?")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1049"), "{err}");

    // A hidden handle and an unsigned one.
    for sql in [
        "CREATE TABLE n (c VARCHAR(10))",
        "INSERT INTO n VALUES ('first'), ('second')",
        "CREATE TABLE u (id BIGINT UNSIGNED PRIMARY KEY, c VARCHAR(10))",
        "INSERT INTO u VALUES (5, 'five')",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    let hidden = conn
        .prep("SELECT c FROM n WHERE _tidb_rowid = ?")
        .await
        .unwrap();
    assert_eq!(got(conn.exec(&hidden, (2,)).await.unwrap()), c("second"));
    let unsigned = conn.prep("SELECT c FROM u WHERE id = ?").await.unwrap();
    assert_eq!(got(conn.exec(&unsigned, (5,)).await.unwrap()), c("five"));
    assert!(conn
        .exec::<Row, _, _>(&unsigned, (u64::MAX,))
        .await
        .unwrap()
        .is_empty());
    assert!(conn
        .exec::<Row, _, _>(&unsigned, (-1,))
        .await
        .unwrap()
        .is_empty());
}

/// Text point selects (`... WHERE pk = 42`) are matched to a cached point select with their
/// literal taken out: they answer as the general path does, columns named alike, after the
/// table changes and when a temporary table shadows it.
#[tokio::test]
async fn text_point_select_answers_as_the_general_path() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    for sql in [
        "DROP DATABASE IF EXISTS text_pg",
        "CREATE DATABASE text_pg",
        "USE text_pg",
        "CREATE TABLE t (id BIGINT PRIMARY KEY, c VARCHAR(10), n INT)",
        "INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20), (-3, 'minus', 30)",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    // The short path's answer against the general path's (an always-true extra condition
    // keeps a statement off the short path).
    async fn same(conn: &mut mysql_async::Conn, select: &str) -> Vec<Vec<Value>> {
        let fast: Vec<Row> = conn.query(select).await.unwrap();
        let slow: Vec<Row> = conn.query(format!("{select} AND 1 = 1")).await.unwrap();
        let names = |rows: &[Row]| -> Vec<String> {
            rows.first()
                .map(|r| {
                    r.columns_ref()
                        .iter()
                        .map(|c| c.name_str().to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(names(&fast), names(&slow), "{select}");
        let values =
            |rows: Vec<Row>| -> Vec<Vec<Value>> { rows.into_iter().map(|r| r.unwrap()).collect() };
        let fast = values(fast);
        assert_eq!(fast, values(slow), "{select}");
        fast
    }
    for _ in 0..2 {
        for id in [
            "1",
            "2",
            "-3",
            "9",
            "'2'",
            "2.0",
            "NULL",
            "18446744073709551615",
        ] {
            same(
                &mut conn,
                &format!("SELECT c, n AS x FROM t WHERE id = {id}"),
            )
            .await;
            same(
                &mut conn,
                &format!("select * from text_pg.t where `id`={id}"),
            )
            .await;
        }
    }
    let one = "SELECT * FROM t WHERE id = 1";
    assert_eq!(same(&mut conn, one).await[0].len(), 3);
    conn.query_drop("ALTER TABLE t ADD COLUMN d INT DEFAULT 4")
        .await
        .unwrap();
    assert_eq!(same(&mut conn, one).await[0].len(), 4);
    conn.query_drop("CREATE TEMPORARY TABLE t (id INT PRIMARY KEY, c VARCHAR(10))")
        .await
        .unwrap();
    conn.query_drop("INSERT INTO t VALUES (1, 'temp')")
        .await
        .unwrap();
    assert_eq!(
        same(&mut conn, one).await,
        vec![vec![
            Value::Bytes(b"1".to_vec()),
            Value::Bytes(b"temp".to_vec())
        ]]
    );
    conn.query_drop("DROP TEMPORARY TABLE t").await.unwrap();
    conn.query_drop("DROP TABLE t").await.unwrap();
    let err = conn.query_drop(one).await.unwrap_err();
    assert!(err.to_string().contains("1146"), "{err}");
}

/// Prepared SELECTs run by their cached plan answer as the general path does (the same
/// statement as text with the values in place), for any integer parameters; TiDB's
/// `@@last_plan_from_cache` says when a plan made before ran, and it does not for
/// statements whose plan could differ with the values, nor after the table or a variable
/// changed.
#[tokio::test]
async fn prepared_selects_by_cached_plan_answer_as_the_general_path() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    for sql in [
        "DROP DATABASE IF EXISTS prep_cache",
        "CREATE DATABASE prep_cache",
        "USE prep_cache",
        "CREATE TABLE t (id INT PRIMARY KEY, k INT, c VARCHAR(10), tm TIME, KEY k (k))",
        "INSERT INTO t VALUES (1, 10, 'b', '09:00:00'), (2, 20, 'a', '10:00:00'), \
         (3, 10, 'b', NULL), (5, 30, 'c', '00:00:05'), (-4, 20, 'x', '01:00:00')",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    fn text(v: &Value) -> String {
        match v {
            Value::NULL => "NULL".into(),
            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            other => format!("{other:?}"),
        }
    }
    fn rows(rows: Vec<Row>) -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| r.unwrap().iter().map(text).collect())
            .collect()
    }
    async fn from_cache(conn: &mut mysql_async::Conn) -> i64 {
        conn.query_first("SELECT @@last_plan_from_cache")
            .await
            .unwrap()
            .unwrap()
    }
    // Each execution against the text statement with the values written in.
    async fn same(conn: &mut mysql_async::Conn, sql: &str, params: Vec<Value>) -> i64 {
        let prepared: Vec<Row> = conn.exec(sql, params.clone()).await.unwrap();
        let cached = from_cache(conn).await;
        let mut literal = String::new();
        let mut values = params.iter();
        for part in sql.split('?') {
            literal.push_str(part);
            if let Some(v) = values.next() {
                literal.push_str(&v.as_sql(false));
            }
        }
        let general: Vec<Row> = conn.query(&literal).await.unwrap();
        assert_eq!(rows(prepared), rows(general), "{literal}");
        cached
    }
    let ints = |v: &[i64]| v.iter().map(|&i| Value::Int(i)).collect::<Vec<_>>();
    let cacheable = [
        (
            "SELECT c FROM t WHERE id BETWEEN ? AND ?",
            vec![ints(&[1, 3]), ints(&[-9, 2]), ints(&[4, 4]), ints(&[6, 1])],
        ),
        (
            "SELECT SUM(k) FROM t WHERE id BETWEEN ? AND ?",
            vec![ints(&[1, 5]), ints(&[7, 9])],
        ),
        (
            "SELECT DISTINCT c FROM t WHERE id BETWEEN ? AND ? ORDER BY c",
            vec![ints(&[-5, 5]), ints(&[2, 3])],
        ),
        (
            "SELECT id, c FROM t WHERE k IN (?, ?) AND c <> 'x' ORDER BY c, id",
            vec![ints(&[10, 30]), ints(&[20, 99])],
        ),
        (
            "SELECT k, COUNT(*) FROM t WHERE id > ? GROUP BY k ORDER BY k",
            vec![ints(&[0]), ints(&[-10])],
        ),
    ];
    for (sql, param_sets) in &cacheable {
        let stmt = conn.prep(*sql).await.unwrap();
        for (n, params) in param_sets.iter().enumerate() {
            let prepared: Vec<Row> = conn.exec(&stmt, params.clone()).await.unwrap();
            let cached = from_cache(&mut conn).await;
            assert_eq!(cached, i64::from(n > 0), "{sql} execution {n}");
            let again = same(&mut conn, sql, params.clone()).await;
            assert_eq!(again, 1, "{sql}");
            let by_text: Vec<Row> = conn.exec(&stmt, params.clone()).await.unwrap();
            assert_eq!(rows(prepared), rows(by_text), "{sql}");
        }
        // Unsigned integers (as mysql-connector sends positive ones) are the same values.
        let unsigned: Vec<Value> = param_sets[0]
            .iter()
            .map(|v| match v {
                Value::Int(i) if *i >= 0 => Value::UInt(*i as u64),
                other => other.clone(),
            })
            .collect();
        assert_eq!(same(&mut conn, sql, unsigned).await, 1, "{sql}");
        // Values that are no integers take the general path, with its answers.
        let strings: Vec<Value> = param_sets[0]
            .iter()
            .map(|v| Value::Bytes(text(v).into_bytes()))
            .collect();
        assert_eq!(same(&mut conn, sql, strings).await, 0, "{sql}");
    }
    // Plans that could differ with the values are not kept: an order the access path gives
    // (an index lookup here, a full scan for other values), a TIME compared with a number.
    for (sql, params) in [
        ("SELECT id FROM t WHERE k = ? ORDER BY id", ints(&[10])),
        ("SELECT id FROM t WHERE tm = ?", ints(&[90000])),
        ("SELECT id FROM t WHERE tm > ? ORDER BY id", ints(&[5])),
    ] {
        for _ in 0..3 {
            assert_eq!(same(&mut conn, sql, params.clone()).await, 0, "{sql}");
        }
    }
    // A changed table or variable: planned again once, then cached again.
    let stmt = conn
        .prep("SELECT * FROM t WHERE id BETWEEN ? AND ?")
        .await
        .unwrap();
    async fn run(conn: &mut mysql_async::Conn, stmt: &mysql_async::Statement) -> (usize, i64) {
        let rows: Vec<Row> = conn.exec(stmt, (1, 2)).await.unwrap();
        (rows[0].len(), from_cache(conn).await)
    }
    assert_eq!(run(&mut conn, &stmt).await, (4, 0));
    assert_eq!(run(&mut conn, &stmt).await, (4, 1));
    conn.query_drop("ALTER TABLE t ADD COLUMN d INT DEFAULT 4")
        .await
        .unwrap();
    assert_eq!(run(&mut conn, &stmt).await, (5, 0));
    assert_eq!(run(&mut conn, &stmt).await, (5, 1));
    conn.query_drop("SET sql_mode = ''").await.unwrap();
    assert_eq!(run(&mut conn, &stmt).await, (5, 0));
    assert_eq!(run(&mut conn, &stmt).await, (5, 1));
    let err = conn
        .query_drop("SET last_plan_from_cache = 1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1238"), "{err}");
}
