//! The wire protocol byte by byte, with a raw client: what drivers send that the usual test
//! clients never do (prepared re-execution without types, long data, unknown commands,
//! oversized packets, COM_CHANGE_USER, multi-statements, bytes that are not UTF-8).

mod common;

use std::time::Duration;

use common::raw::{self, BinaryReply, RawConn, Reply};
use common::TestServer;

const TIMEOUT: Duration = Duration::from_secs(20);

// Binary-protocol parameter types.
const T_LONG: u8 = 3;
const T_LONGLONG: u8 = 8;
const T_VAR_STRING: u8 = 0xfd;

fn connect(server: &TestServer) -> RawConn {
    RawConn::connect(server.addr(), server.user(), TIMEOUT).expect("raw handshake")
}

fn ok(conn: &mut RawConn, sql: &str) {
    match conn.query(sql).expect("query") {
        Reply::Ok { .. } => {}
        other => panic!("{sql}: {other:?}"),
    }
}

fn rows(conn: &mut RawConn, sql: &str) -> Vec<Vec<Option<String>>> {
    match conn.query(sql).expect("query") {
        Reply::Rows(rows) => rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| c.map(|b| String::from_utf8(b).unwrap()))
                    .collect()
            })
            .collect(),
        other => panic!("{sql}: {other:?}"),
    }
}

fn lenenc_str(s: &str) -> Vec<u8> {
    assert!(s.len() < 251);
    let mut v = vec![s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

/// The parameter block of an execution: NULL bitmap, bound flag, (types), values.
fn params(n: usize, types: Option<&[u8]>, values: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; n.div_ceil(8)];
    match types {
        Some(types) => {
            p.push(1);
            for t in types {
                p.extend_from_slice(&[*t, 0]);
            }
        }
        None => p.push(0),
    }
    p.extend_from_slice(values);
    p
}

#[test]
fn the_greeting_says_autocommit_is_on() {
    let server = TestServer::start();
    let conn = connect(&server);
    assert_ne!(conn.greeting_status & 0x0002, 0, "SERVER_STATUS_AUTOCOMMIT");
    conn.quit();
}

#[test]
fn an_empty_database_name_at_connect_means_no_database() {
    let server = TestServer::start();
    let mut conn = RawConn::connect_with(server.addr(), server.user(), TIMEOUT, 0, Some(""))
        .expect("connect with an empty database name, as mysql-connector does");
    assert_eq!(rows(&mut conn, "SELECT DATABASE()"), vec![vec![None]]);
    conn.quit();
    let refused = RawConn::connect_with(server.addr(), server.user(), TIMEOUT, 0, Some("nosuch"));
    let msg = refused.err().expect("unknown database refused").to_string();
    assert!(msg.contains("1049"), "{msg}");
}

/// Issue: a re-execution with "new params bound" = 0 read the flag byte as the first value.
#[test]
fn prepared_statements_re_executed_without_types_read_every_value_exactly() {
    let server = TestServer::start();
    let mut conn = connect(&server);
    ok(&mut conn, "CREATE DATABASE w");
    ok(&mut conn, "USE w");
    ok(
        &mut conn,
        "CREATE TABLE probe (s INT PRIMARY KEY, v BIGINT, pad VARCHAR(120))",
    );
    let (insert, n) = conn
        .prepare("INSERT INTO probe (s, v, pad) VALUES (?, ?, ?)")
        .unwrap()
        .unwrap();
    assert_eq!(n, 3);
    let pad = "p".repeat(120);
    let values = |s: i32, v: i64| {
        let mut b = s.to_le_bytes().to_vec();
        b.extend_from_slice(&v.to_le_bytes());
        b.extend_from_slice(&[120]);
        b.extend_from_slice(pad.as_bytes());
        b
    };
    let types = [T_LONG, T_LONGLONG, T_VAR_STRING];
    let first = conn
        .execute(insert, &params(3, Some(&types), &values(0, 0)))
        .unwrap();
    assert_eq!(first, BinaryReply::Ok(1));
    for s in 1..200 {
        let reply = conn
            .execute(insert, &params(3, None, &values(s, i64::from(s) * 127)))
            .unwrap();
        assert_eq!(reply, BinaryReply::Ok(1), "execution {s}");
    }
    let got = rows(
        &mut conn,
        "SELECT COUNT(*), SUM(v), MIN(LENGTH(pad)) FROM probe",
    );
    let sum: i64 = (0..200).map(|s| s * 127).sum();
    assert_eq!(
        got,
        vec![vec![
            Some("200".into()),
            Some(sum.to_string()),
            Some("120".into())
        ]]
    );

    // A prepared point select, re-executed without types, finds each row.
    let (select, _) = conn
        .prepare("SELECT v FROM probe WHERE s = ?")
        .unwrap()
        .unwrap();
    let reply = conn
        .execute(select, &params(1, Some(&[T_LONG]), &5i32.to_le_bytes()))
        .unwrap();
    assert_eq!(reply, BinaryReply::Rows(vec![binary_bigint_row(5 * 127)]));
    for s in [199i32, 3, 150] {
        let reply = conn
            .execute(select, &params(1, None, &s.to_le_bytes()))
            .unwrap();
        assert_eq!(
            reply,
            BinaryReply::Rows(vec![binary_bigint_row(i64::from(s) * 127)])
        );
    }
    // A NULL parameter without types: no row.
    let mut null = params(1, None, &[]);
    null[0] = 1;
    assert_eq!(
        conn.execute(select, &null).unwrap(),
        BinaryReply::Rows(vec![])
    );
    conn.quit();
}

fn binary_bigint_row(v: i64) -> Vec<u8> {
    let mut row = vec![0x00, 0x00]; // header, NULL bitmap of one column
    row.extend_from_slice(&v.to_le_bytes());
    row
}

#[test]
fn long_data_unknown_statements_and_malformed_executions() {
    let server = TestServer::start();
    let mut conn = connect(&server);
    ok(&mut conn, "CREATE DATABASE w");
    ok(&mut conn, "USE w");
    ok(&mut conn, "CREATE TABLE t (id INT PRIMARY KEY, body TEXT)");
    let (id, _) = conn
        .prepare("INSERT INTO t VALUES (?, ?)")
        .unwrap()
        .unwrap();
    for piece in ["hello ", "long ", "data"] {
        let mut p = vec![raw::COM_STMT_SEND_LONG_DATA];
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&1u16.to_le_bytes());
        p.extend_from_slice(piece.as_bytes());
        conn.write_packet(0, &p).unwrap(); // no reply
    }
    let reply = conn
        .execute(id, &params(2, Some(&[T_LONG, 0xfc]), &1i32.to_le_bytes()))
        .unwrap();
    assert_eq!(reply, BinaryReply::Ok(1));
    // Long data is used up: the next execution sends its value inline.
    let mut v = 2i32.to_le_bytes().to_vec();
    v.extend(lenenc_str("inline"));
    assert_eq!(
        conn.execute(id, &params(2, None, &v)).unwrap(),
        BinaryReply::Ok(1)
    );
    assert_eq!(
        rows(&mut conn, "SELECT body FROM t ORDER BY id"),
        vec![
            vec![Some("hello long data".into())],
            vec![Some("inline".into())]
        ]
    );

    // A truncated parameter block: 1210, and the connection stays in sync.
    match conn.execute(id, &params(2, None, &[1, 0])).unwrap() {
        BinaryReply::Err((code, _)) => assert_eq!(code, 1210),
        other => panic!("{other:?}"),
    }
    match conn.execute(999, &[]).unwrap() {
        BinaryReply::Err((code, msg)) => {
            assert_eq!(code, 1243);
            assert!(msg.contains("(999) given to mysqld_stmt_execute"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    let mut reset = vec![raw::COM_STMT_RESET];
    reset.extend_from_slice(&999u32.to_le_bytes());
    conn.write_packet(0, &reset).unwrap();
    assert!(matches!(
        conn.read_reply().unwrap(),
        Reply::Err { code: 1243, .. }
    ));
    assert_eq!(rows(&mut conn, "SELECT 1"), vec![vec![Some("1".into())]]);

    // 70,000 placeholders: MySQL's 1390, not a count wrapped at 16 bits.
    let many = vec!["?"; 70_000].join(",");
    match conn.prepare(&format!("SELECT {many}")).unwrap() {
        Err((code, _)) => assert_eq!(code, 1390),
        Ok(other) => panic!("{other:?}"),
    }
    conn.quit();
}

#[test]
fn unknown_commands_and_invalid_text_get_errors_and_the_connection_lives() {
    let server = TestServer::start();
    let mut conn = connect(&server);
    for command in [0x00u8, 0x05, 0x64] {
        conn.write_packet(0, &[command]).unwrap();
        match conn.read_reply().unwrap() {
            Reply::Err { code, .. } => assert_eq!(code, 1047, "command {command:#x}"),
            other => panic!("{other:?}"),
        }
    }
    conn.write_packet(0, b"\x03SELECT \xff\xfe").unwrap();
    match conn.read_reply().unwrap() {
        Reply::Err { code, .. } => assert_eq!(code, 1300),
        other => panic!("{other:?}"),
    }
    // Inside a string literal the bytes are a binary string's (mysqlclient sends BLOBs so).
    conn.write_packet(0, b"\x03SELECT '\xff\xfe'").unwrap();
    match conn.read_reply().unwrap() {
        Reply::Rows(rows) => assert_eq!(rows, vec![vec![Some(vec![255, 254])]]),
        other => panic!("{other:?}"),
    }
    assert_eq!(rows(&mut conn, "SELECT 1"), vec![vec![Some("1".into())]]);
    conn.quit();
}

#[test]
fn a_packet_over_max_allowed_packet_is_refused_with_1153() {
    let server = TestServer::start();
    let mut admin = connect(&server);
    ok(&mut admin, "SET GLOBAL max_allowed_packet = 4096");
    let mut conn = connect(&server);
    let big = "x".repeat(8192);
    conn.write_packet(0, &raw::com_query(&format!("SELECT '{big}'")))
        .unwrap();
    match conn.read_reply().unwrap() {
        Reply::Err { code, .. } => assert_eq!(code, 1153),
        other => panic!("{other:?}"),
    }
    // The server hangs up on that client, and only on it.
    assert!(conn.read_packet().is_err());
    assert_eq!(rows(&mut admin, "SELECT 1"), vec![vec![Some("1".into())]]);
    admin.quit();
}

#[test]
fn change_user_re_authenticates_and_a_wrong_password_is_refused() {
    let server = TestServer::start();
    let mut conn = connect(&server);
    ok(&mut conn, "SET @x = 1");
    // root with the right (empty) password: a fresh session.
    conn.write_packet(0, b"\x11root\0\0\0").unwrap();
    assert!(matches!(conn.read_reply().unwrap(), Reply::Ok { .. }));
    assert_eq!(rows(&mut conn, "SELECT @x"), vec![vec![None]]);
    // A wrong password: 1045 and the connection ends.
    let mut p = b"\x11root\0\x14".to_vec();
    p.extend_from_slice(&[7u8; 20]);
    p.push(0);
    conn.write_packet(0, &p).unwrap();
    match conn.read_reply().unwrap() {
        Reply::Err { code, message } => {
            assert_eq!(code, 1045);
            assert!(message.contains("using password: YES"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(conn.read_packet().is_err());
}

#[test]
fn multi_statements_when_the_client_asks_for_them() {
    let server = TestServer::start();
    let mut conn = RawConn::connect_with(
        server.addr(),
        server.user(),
        TIMEOUT,
        raw::CLIENT_MULTI_STATEMENTS,
        None,
    )
    .unwrap();
    conn.write_packet(0, &raw::com_query("SELECT 1; SELECT 'a;b'; SET @a = 1"))
        .unwrap();
    assert_eq!(
        conn.read_reply().unwrap(),
        Reply::Rows(vec![vec![Some(b"1".to_vec())]])
    );
    assert_eq!(
        conn.read_reply().unwrap(),
        Reply::Rows(vec![vec![Some(b"a;b".to_vec())]])
    );
    assert!(matches!(conn.read_reply().unwrap(), Reply::Ok { .. }));
    // The first error ends the batch.
    conn.write_packet(0, &raw::com_query("SELECT 1; SELEC 2; SELECT 3"))
        .unwrap();
    assert!(matches!(conn.read_reply().unwrap(), Reply::Rows(_)));
    assert!(matches!(
        conn.read_reply().unwrap(),
        Reply::Err { code: 1064, .. }
    ));
    assert_eq!(rows(&mut conn, "SELECT 4"), vec![vec![Some("4".into())]]);
    conn.quit();

    // Without the capability, two statements are a syntax error.
    let mut plain = connect(&server);
    assert!(matches!(
        plain.query("SELECT 1; SELECT 2").unwrap(),
        Reply::Err { code: 1064, .. }
    ));
    plain.quit();
}
