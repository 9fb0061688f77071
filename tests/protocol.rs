//! MySQL protocol behaviour seen by real clients: authentication, connection ids, the bootstrap
//! statements clients send, prepared statements (binary protocol) with parameters of several
//! types and NULL, OK-packet fields, and pipelined large packets written in one TCP write.

mod common;

use std::time::Duration;

use common::raw::{self, RawConn, Reply};
use common::{expect_server_error, TestServer};
use mysql_async::prelude::*;
use mysql_async::{Row, Value};

#[tokio::test]
async fn root_with_empty_password_connects() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    let one: Option<i64> = conn.query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
    conn.disconnect().await.unwrap();
}

#[tokio::test]
async fn wrong_password_is_refused_with_1045() {
    let server = TestServer::external_or_start();
    let opts = server.opts_builder().pass(Some("definitely-wrong"));
    let res = mysql_async::Conn::new(opts).await;
    let msg = expect_server_error(res.map(|_| ()), 1045);
    assert!(
        msg.starts_with("Access denied for user 'root'@"),
        "unexpected 1045 message: {msg}"
    );
    // The server is still fine afterwards.
    let mut conn = server.conn().await;
    let one: Option<i64> = conn.query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
}

#[tokio::test]
async fn unknown_user_is_refused_with_1045() {
    // Only against moltdb: a stock MariaDB/MySQL install may have an anonymous account
    // that accepts any user name.
    let server = TestServer::start();
    let opts = server.opts_builder().user(Some("nosuchuser"));
    let res = mysql_async::Conn::new(opts).await;
    expect_server_error(res.map(|_| ()), 1045);
}

#[tokio::test]
async fn connection_ids_are_unique_and_match_the_handshake() {
    let server = TestServer::external_or_start();
    let mut ids = Vec::new();
    let mut conns = Vec::new();
    for _ in 0..4 {
        let mut conn = server.conn().await;
        let id: Option<u64> = conn.query_first("SELECT CONNECTION_ID()").await.unwrap();
        assert_eq!(
            id,
            Some(conn.id() as u64),
            "CONNECTION_ID() must equal the handshake's connection id"
        );
        ids.push(conn.id());
        conns.push(conn);
    }
    // A connection opened after others were closed still gets a fresh id.
    for conn in conns.drain(..2) {
        conn.disconnect().await.unwrap();
    }
    let conn = server.conn().await;
    ids.push(conn.id());
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "connection ids repeat: {ids:?}");
}

#[tokio::test]
async fn client_bootstrap_statements_work() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    // mysql_async already sent `SELECT @@max_allowed_packet,@@wait_timeout` during connect.
    let (max_packet, wait_timeout): (u64, u64) = conn
        .query_first("SELECT @@max_allowed_packet,@@wait_timeout")
        .await
        .unwrap()
        .unwrap();
    assert!(
        max_packet >= 4 * 1024 * 1024,
        "max_allowed_packet = {max_packet}"
    );
    assert!(wait_timeout > 0);

    // What the mysql command-line client sends.
    let comment: Vec<Row> = conn
        .query("select @@version_comment limit 1")
        .await
        .unwrap();
    assert_eq!(comment.len(), 1);
    let db: Option<Option<String>> = conn.query_first("SELECT DATABASE()").await.unwrap();
    assert_eq!(db, Some(None), "no default database yet");
    conn.query_drop("CREATE DATABASE IF NOT EXISTS proto_boot")
        .await
        .unwrap();
    conn.query_drop("USE proto_boot").await.unwrap();
    conn.query_drop("CREATE TABLE IF NOT EXISTS boot_t (a INT)")
        .await
        .unwrap();
    let dbs: Vec<String> = conn.query("show databases").await.unwrap();
    assert!(dbs.contains(&"proto_boot".to_string()), "{dbs:?}");
    let tables: Vec<String> = conn.query("show tables").await.unwrap();
    assert_eq!(tables, vec!["boot_t".to_string()]);
    let db: Option<String> = conn.query_first("SELECT DATABASE()").await.unwrap();
    assert_eq!(db.as_deref(), Some("proto_boot"));

    let version: String = conn.query_first("SELECT VERSION()").await.unwrap().unwrap();
    if !server.is_external() {
        let expected = format!("8.0.11-moltdb-{}", env!("CARGO_PKG_VERSION"));
        assert_eq!(version, expected);
        assert_eq!(conn.server_version(), (8, 0, 11));
        // Tools look for the data directory here (MySQL's form: absolute, trailing slash).
        let datadir: String = conn.query_first("SELECT @@datadir").await.unwrap().unwrap();
        let expected = std::fs::canonicalize(server.data_dir()).unwrap();
        assert_eq!(datadir, format!("{}/", expected.display()));
        let set = conn.query_drop("SET GLOBAL datadir = '/tmp'").await;
        expect_server_error(set, 1238);
    }
    conn.query_drop("DROP DATABASE proto_boot").await.unwrap();
}

#[tokio::test]
async fn show_create_table_quotes_names_as_sql_quote_show_create_says() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    conn.query_drop("CREATE DATABASE IF NOT EXISTS proto_quote")
        .await
        .unwrap();
    conn.query_drop(
        "CREATE TABLE proto_quote.`select` (a INT PRIMARY KEY, `my col` INT, b INT, KEY k (b))",
    )
    .await
    .unwrap();
    let create = |quoted: bool| {
        let q = |name: &str| match quoted || name == "select" || name == "my col" {
            true => format!("`{name}`"),
            false => name.to_string(),
        };
        format!(
            "CREATE TABLE {} (\n  {} int NOT NULL,\n  {} int DEFAULT NULL,\n  {} int DEFAULT \
             NULL,\n  PRIMARY KEY ({}) /*T![clustered_index] CLUSTERED */,\n  KEY {} ({})\n) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            q("select"),
            q("a"),
            q("my col"),
            q("b"),
            q("a"),
            q("k"),
            q("b")
        )
    };
    for (setting, quoted) in [("0", false), ("DEFAULT", true)] {
        conn.query_drop(format!("SET sql_quote_show_create = {setting}"))
            .await
            .unwrap();
        let (_, text): (String, String) = conn
            .query_first("SHOW CREATE TABLE proto_quote.`select`")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(text, create(quoted));
    }
    conn.query_drop("DROP DATABASE proto_quote").await.unwrap();
}

#[tokio::test]
async fn ok_packets_carry_affected_rows_and_last_insert_id() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    conn.query_drop("DROP DATABASE IF EXISTS proto_ok")
        .await
        .unwrap();
    conn.query_drop("CREATE DATABASE proto_ok").await.unwrap();
    conn.query_drop("USE proto_ok").await.unwrap();
    conn.query_drop("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    conn.query_drop("INSERT INTO t (v) VALUES (1), (2), (3)")
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 3);
    assert_eq!(conn.last_insert_id(), Some(1));
    conn.query_drop("INSERT INTO t (v) VALUES (4)")
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 1);
    assert_eq!(conn.last_insert_id(), Some(4));
    conn.query_drop("UPDATE t SET v = v * 10 WHERE id >= 2")
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 3);
    conn.query_drop("DELETE FROM t WHERE id = 1").await.unwrap();
    assert_eq!(conn.affected_rows(), 1);
    // Prepared statements report the same.
    conn.exec_drop("INSERT INTO t (v) VALUES (?), (?)", (5, 6))
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 2);
    assert_eq!(conn.last_insert_id(), Some(5));
    conn.query_drop("DROP DATABASE proto_ok").await.unwrap();
}

#[tokio::test]
async fn prepared_statements_with_parameters_of_several_types() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    conn.query_drop("DROP DATABASE IF EXISTS proto_ps")
        .await
        .unwrap();
    conn.query_drop("CREATE DATABASE proto_ps").await.unwrap();
    conn.query_drop("USE proto_ps").await.unwrap();
    conn.query_drop(
        "CREATE TABLE t (id INT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, s VARCHAR(50), \
         f DOUBLE, d DECIMAL(10,2), dt DATETIME, day DATE, b VARBINARY(10), n VARCHAR(10))",
    )
    .await
    .unwrap();

    let insert = conn
        .prep("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .await
        .unwrap();
    assert_eq!(insert.num_params(), 10);
    conn.exec_drop(
        &insert,
        vec![
            Value::Int(1),
            Value::Int(-5_000_000_000),
            Value::UInt(u64::MAX),
            Value::from("héllo 'quoted' \\ text"),
            Value::Double(1.5),
            Value::from("12.34"),
            Value::Date(2024, 1, 2, 3, 4, 5, 0),
            Value::Date(2024, 2, 29, 0, 0, 0, 0),
            Value::Bytes(vec![0, 1, 2, 0xff]),
            Value::NULL,
        ],
    )
    .await
    .unwrap();
    // The same statement again, with other values and a NULL in a different place.
    conn.exec_drop(
        &insert,
        vec![
            Value::Int(2),
            Value::NULL,
            Value::UInt(0),
            Value::from(""),
            Value::Double(-0.25),
            Value::from("-0.5"),
            Value::NULL,
            Value::NULL,
            Value::Bytes(vec![]),
            Value::from("x"),
        ],
    )
    .await
    .unwrap();
    // Batch execution.
    conn.exec_batch(
        "INSERT INTO t (id, i, s) VALUES (?, ?, ?)",
        (3..=5).map(|i| (i, i * 100, format!("row{i}"))),
    )
    .await
    .unwrap();

    // Typed results through the binary protocol.
    type RowTuple = (
        i32,
        Option<i64>,
        Option<u64>,
        Option<String>,
        Option<f64>,
        Option<String>,
        Value,
        Value,
        Option<Vec<u8>>,
        Option<String>,
    );
    let row: RowTuple = conn
        .exec_first("SELECT * FROM t WHERE id = ?", (1,))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.0, 1);
    assert_eq!(row.1, Some(-5_000_000_000));
    assert_eq!(row.2, Some(u64::MAX));
    assert_eq!(row.3.as_deref(), Some("héllo 'quoted' \\ text"));
    assert_eq!(row.4, Some(1.5));
    assert_eq!(row.5.as_deref(), Some("12.34"));
    assert_eq!(row.6, Value::Date(2024, 1, 2, 3, 4, 5, 0));
    assert_eq!(row.7, Value::Date(2024, 2, 29, 0, 0, 0, 0));
    assert_eq!(row.8, Some(vec![0, 1, 2, 0xff]));
    assert_eq!(row.9, None);

    let row: RowTuple = conn
        .exec_first("SELECT * FROM t WHERE id = ?", (2,))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.1, None);
    assert_eq!(row.2, Some(0));
    assert_eq!(row.3.as_deref(), Some(""));
    assert_eq!(row.4, Some(-0.25));
    assert_eq!(row.5.as_deref(), Some("-0.50"));
    assert_eq!(row.6, Value::NULL);
    assert_eq!(row.8, Some(vec![]));
    assert_eq!(row.9.as_deref(), Some("x"));

    // Parameters in WHERE: strings, ranges, NULL (which matches nothing with `=`).
    let ids: Vec<i32> = conn
        .exec("SELECT id FROM t WHERE s = ?", ("row4",))
        .await
        .unwrap();
    assert_eq!(ids, vec![4]);
    let ids: Vec<i32> = conn
        .exec(
            "SELECT id FROM t WHERE i BETWEEN ? AND ? ORDER BY id",
            (300i64, 500i64),
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![3, 4, 5]);
    let ids: Vec<i32> = conn
        .exec("SELECT id FROM t WHERE n = ?", (Value::NULL,))
        .await
        .unwrap();
    assert!(ids.is_empty());
    let ids: Vec<i32> = conn
        .exec(
            "SELECT id FROM t WHERE n IS NULL AND id < ? ORDER BY id",
            (4,),
        )
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 3]);
    let ids: Vec<i32> = conn
        .exec("SELECT id FROM t WHERE f > ? ORDER BY id", (0.0f64,))
        .await
        .unwrap();
    assert_eq!(ids, vec![1]);

    // Parameters in UPDATE and DELETE, and a parameter as a select-list value.
    conn.exec_drop("UPDATE t SET s = ? WHERE id = ?", ("updated", 3))
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 1);
    let s: Option<String> = conn
        .exec_first("SELECT s FROM t WHERE id = ?", (3,))
        .await
        .unwrap();
    assert_eq!(s.as_deref(), Some("updated"));
    conn.exec_drop("DELETE FROM t WHERE id > ?", (3,))
        .await
        .unwrap();
    assert_eq!(conn.affected_rows(), 2);

    // Errors from prepared statements carry MySQL codes.
    let mut dup = vec![Value::NULL; 10];
    dup[0] = Value::Int(1);
    let res = conn.exec_drop(&insert, dup).await;
    expect_server_error(res, 1062);
    let res = conn.prep("SELECT nope FROM t WHERE id = ?").await;
    expect_server_error(res.map(|_| ()), 1054);
    conn.close(insert).await.unwrap();
    conn.query_drop("DROP DATABASE proto_ps").await.unwrap();
}

#[tokio::test]
async fn errors_keep_the_connection_usable() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    let res = conn.query_drop("SELEC 1").await;
    expect_server_error(res, 1064);
    let res = conn.query_drop("SELECT * FROM nosuchdb.t").await;
    let code = match res {
        Err(e) => common::server_error_code(&e),
        Ok(()) => None,
    };
    assert!(matches!(code, Some(1049) | Some(1146)), "got {code:?}");
    let one: Option<i64> = conn.query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
}

/// One COM_QUERY larger than 4 KiB followed by another in the SAME TCP write: the server must
/// answer both and stay alive.
#[test]
fn pipelined_large_packets_in_one_write() {
    let server = TestServer::external_or_start();
    let mut raw = RawConn::connect(server.addr(), server.user(), Duration::from_secs(10))
        .expect("raw handshake with an empty password");

    for (round, size) in [8 * 1024, 40 * 1024, 5 * 1024].into_iter().enumerate() {
        let big = "x".repeat(size);
        let mut bytes = raw::packet(0, &raw::com_query(&format!("SELECT '{big}'")));
        bytes.extend(raw::packet(0, &raw::com_query("SELECT 1")));
        raw.stream.write_all_checked(&bytes);

        match raw.read_reply().expect("reply to the large query") {
            Reply::Rows(rows) => {
                assert_eq!(rows.len(), 1, "round {round}");
                assert_eq!(rows[0][0].as_deref(), Some(big.as_bytes()), "round {round}");
            }
            other => panic!("round {round}: unexpected reply to the large query: {other:?}"),
        }
        match raw.read_reply().expect("reply to SELECT 1") {
            Reply::Rows(rows) => assert_eq!(rows, vec![vec![Some(b"1".to_vec())]]),
            other => panic!("round {round}: unexpected reply to SELECT 1: {other:?}"),
        }
    }

    // Three small commands in one write as well.
    let mut bytes = Vec::new();
    for q in ["SELECT 1", "SELECT 2", "SELECT 3"] {
        bytes.extend(raw::packet(0, &raw::com_query(q)));
    }
    raw.stream.write_all_checked(&bytes);
    for expected in ["1", "2", "3"] {
        match raw.read_reply().expect("reply") {
            Reply::Rows(rows) => assert_eq!(rows, vec![vec![Some(expected.as_bytes().to_vec())]]),
            other => panic!("unexpected reply: {other:?}"),
        }
    }
    raw.quit();

    // The server process is still alive and accepts new clients.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut conn = server.conn().await;
        let one: Option<i64> = conn.query_first("SELECT 1").await.unwrap();
        assert_eq!(one, Some(1));
    });
}

/// A 20 KiB string through mysql_async, in a prepared INSERT and a text-protocol SELECT.
#[tokio::test]
async fn large_values_round_trip() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    conn.query_drop("DROP DATABASE IF EXISTS proto_big")
        .await
        .unwrap();
    conn.query_drop("CREATE DATABASE proto_big").await.unwrap();
    conn.query_drop("USE proto_big").await.unwrap();
    conn.query_drop("CREATE TABLE t (id INT PRIMARY KEY, body TEXT)")
        .await
        .unwrap();
    let body: String = (0..20 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    conn.exec_drop("INSERT INTO t VALUES (?, ?)", (1, &body))
        .await
        .unwrap();
    conn.query_drop(format!("INSERT INTO t VALUES (2, '{body}')"))
        .await
        .unwrap();
    let rows: Vec<(i32, String)> = conn
        .query("SELECT id, body FROM t ORDER BY id")
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, b)| *b == body));
    conn.query_drop("DROP DATABASE proto_big").await.unwrap();
}

trait WriteAllChecked {
    fn write_all_checked(&mut self, bytes: &[u8]);
}

impl WriteAllChecked for std::net::TcpStream {
    fn write_all_checked(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.write_all(bytes).expect("write to server");
        self.flush().expect("flush");
    }
}

/// Temporal values print as many fractional digits as their type has: NOW(3) and a
/// DATETIME(3) column three, NOW() none; NOW(7) is MySQL's 1426.
#[tokio::test]
async fn fractional_seconds_print_to_their_precision() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    let (now, now3, now6): (String, String, String) = conn
        .query_first("SELECT NOW(), NOW(3), CURRENT_TIMESTAMP(6)")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.len(), now3.len(), now6.len()), (19, 23, 26));
    expect_server_error(conn.query_drop("SELECT NOW(7)").await, 1426);
    conn.query_drop("DROP DATABASE IF EXISTS proto_fsp")
        .await
        .unwrap();
    conn.query_drop("CREATE DATABASE proto_fsp").await.unwrap();
    conn.query_drop("CREATE TABLE proto_fsp.t (a DATETIME(3), b DATETIME)")
        .await
        .unwrap();
    conn.query_drop(
        "INSERT INTO proto_fsp.t VALUES ('2020-01-01 00:00:00.5', '2020-01-01 00:00:01')",
    )
    .await
    .unwrap();
    let row: (String, String) = conn
        .query_first("SELECT a, b FROM proto_fsp.t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row,
        (
            "2020-01-01 00:00:00.500".into(),
            "2020-01-01 00:00:01".into()
        )
    );
}

/// Result columns are named by the text the client wrote, also where a subquery was
/// evaluated ahead of the query (its result is not what the client wrote).
#[tokio::test]
async fn columns_holding_subqueries_are_named_as_written() {
    let server = TestServer::external_or_start();
    let mut conn = server.conn().await;
    for sql in [
        "DROP DATABASE IF EXISTS proto_names",
        "CREATE DATABASE proto_names",
        "CREATE TABLE proto_names.t (id INT PRIMARY KEY, a INT)",
        "CREATE TABLE proto_names.p (x INT)",
        "INSERT INTO proto_names.t VALUES (1, 1), (2, 2)",
        "INSERT INTO proto_names.p VALUES (2), (9)",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    let sql = "SELECT a IN (SELECT x FROM proto_names.p), (SELECT  MAX(x) FROM proto_names.p), \
               EXISTS (SELECT 1 FROM proto_names.p WHERE x = t.a), (SELECT 1) AS named, a \
               FROM proto_names.t ORDER BY id";
    let mut result = conn.query_iter(sql).await.unwrap();
    let names: Vec<String> = result
        .columns_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let rows: Vec<(i64, i64, i64, i64, i64)> = result.collect().await.unwrap();
    assert_eq!(
        names,
        [
            "a IN (SELECT x FROM proto_names.p)",
            "(SELECT  MAX(x) FROM proto_names.p)",
            "EXISTS (SELECT 1 FROM proto_names.p WHERE x = t.a)",
            "named",
            "a"
        ]
    );
    assert_eq!(rows, [(0, 9, 0, 1, 1), (1, 9, 1, 1, 2)]);
    conn.query_drop("DROP DATABASE proto_names").await.unwrap();
}
