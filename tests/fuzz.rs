//! Bounded fuzzing, run in every test pass: malformed packets of every command, and mutated
//! SQL (cut, spliced, deeply nested, huge literals). After each case the server must still
//! answer `SELECT 1`, and a sentinel table must be unchanged at the end. The random choices
//! come from a fixed seed (`MOLTDB_FUZZ_SEED` picks another, `MOLTDB_FUZZ_CASES` more cases),
//! so a failure names a case that can be replayed.

mod common;

use std::time::Duration;

use common::raw::{RawConn, Reply};
use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::OptsBuilder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn seed() -> u64 {
    std::env::var("MOLTDB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_202)
}

fn cases(default: usize) -> usize {
    std::env::var("MOLTDB_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The sentinel's contents, as one string.
async fn sentinel(root: &mut mysql_async::Conn) -> String {
    let rows: Vec<(i64, String)> = root
        .query("SELECT id, v FROM fz.sentinel ORDER BY id")
        .await
        .unwrap();
    format!("{rows:?}")
}

async fn prepare_sentinel(server: &TestServer) -> (mysql_async::Conn, String) {
    let mut root = server.conn().await;
    for sql in [
        "CREATE DATABASE fz",
        "CREATE TABLE fz.sentinel (id INT PRIMARY KEY, v VARCHAR(20), KEY kv (v))",
        "INSERT INTO fz.sentinel VALUES (1, 'one'), (2, 'two'), (3, 'three')",
        "CREATE DATABASE play",
        "CREATE TABLE play.t (id INT PRIMARY KEY, a INT, b VARCHAR(40), c DECIMAL(10,2), d DATETIME)",
        "INSERT INTO play.t VALUES (1, 10, 'x', 1.5, '2024-01-01 00:00:00'), (2, 20, 'y', NULL, NULL)",
        "CREATE USER fuzzer",
        "GRANT ALL ON play.* TO fuzzer",
    ] {
        root.query_drop(sql).await.unwrap();
    }
    let before = sentinel(&mut root).await;
    (root, before)
}

fn alive(server: &TestServer, case: &str) {
    let mut c = RawConn::connect(server.addr(), "root", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("server gone after {case}: {e}\n{}", server.log_tail()));
    match c.query("SELECT 1") {
        Ok(Reply::Rows(rows)) => assert_eq!(rows, vec![vec![Some(b"1".to_vec())]], "{case}"),
        other => panic!("SELECT 1 after {case}: {other:?}"),
    }
    c.quit();
}

/// A body for `command`: random bytes, or a plausible prefix (a statement id, a short
/// header) followed by random bytes, so parsers get past their first check.
fn body(rng: &mut StdRng, command: u8, statement: u32) -> Vec<u8> {
    let len = match rng.random_range(0..4) {
        0 => 0,
        1 => rng.random_range(1..8),
        2 => rng.random_range(8..64),
        _ => rng.random_range(64..600),
    };
    let mut b = Vec::with_capacity(len + 16);
    if matches!(command, 0x17..=0x1a | 0x1c) && rng.random_bool(0.7) {
        b.extend_from_slice(&statement.to_le_bytes());
        if command == 0x17 {
            b.push(rng.random_range(0..4)); // cursor flags
            b.extend_from_slice(&1u32.to_le_bytes());
        }
    }
    b.extend((0..len).map(|_| rng.random::<u8>()));
    b
}

#[tokio::test]
async fn malformed_packets_of_every_command() {
    let server = TestServer::start();
    let (mut root, before) = prepare_sentinel(&server).await;
    let mut rng = StdRng::seed_from_u64(seed());
    for case in 0..cases(300) {
        let command = if rng.random_bool(0.8) {
            rng.random_range(0x00..=0x1f)
        } else {
            rng.random::<u8>()
        };
        let Ok(mut c) = RawConn::connect(server.addr(), "root", Duration::from_secs(10)) else {
            panic!("case {case}: cannot connect\n{}", server.log_tail());
        };
        // A real statement to aim COM_STMT_* at, with parameters to decode.
        let statement = match c.prepare("SELECT ? + ?, CONCAT(?, 'x')") {
            Ok(Ok((id, _))) => id,
            other => panic!("case {case}: prepare: {other:?}"),
        };
        let body = body(&mut rng, command, statement);
        let mut payload = vec![command];
        payload.extend_from_slice(&body);
        let name = format!(
            "case {case}: command {command:#04x}, {} body bytes",
            body.len()
        );
        if c.write_packet(0, &payload).is_ok() {
            // Any answer (or a closed connection) will do; what matters is the process.
            let _ = c.stream.set_read_timeout(Some(Duration::from_millis(300)));
            let _ = c.read_packet();
        }
        drop(c);
        alive(&server, &name);
    }
    assert_eq!(sentinel(&mut root).await, before);
}

/// Statements to mutate: everyday SQL over `play.t`.
const SEEDS: &[&str] = &[
    "SELECT a, b FROM t WHERE id IN (1, 2) ORDER BY a DESC LIMIT 1",
    "SELECT COUNT(*), SUM(c), GROUP_CONCAT(b ORDER BY b SEPARATOR '-') FROM t GROUP BY a HAVING COUNT(*) > 0",
    "INSERT INTO t VALUES (3, 30, 'z', 2.25, NOW()) ON DUPLICATE KEY UPDATE a = a + 1",
    "UPDATE t SET b = CONCAT(b, REPEAT('q', 3)), c = c * 2 WHERE a BETWEEN 5 AND 25",
    "DELETE FROM t WHERE id > 100 OR b LIKE 'zz%'",
    "SELECT * FROM t t1 JOIN t t2 ON t1.id = t2.a LEFT JOIN t t3 USING (id)",
    "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT SUM(n) FROM r",
    "SELECT CAST(a AS UNSIGNED), DATE_ADD(d, INTERVAL 1 DAY), SUBSTRING(b, 2, 3), HEX(b) FROM t",
    "CREATE TABLE IF NOT EXISTS u (k INT PRIMARY KEY, s TEXT)",
    "SELECT (SELECT MAX(a) FROM t) + 1, EXISTS (SELECT 1 FROM t WHERE a = 10)",
    "PREPARE p FROM 'SELECT ? + 1'",
    "SET @x := (SELECT b FROM t LIMIT 1)",
];

/// Pieces spliced into statements: syntax, edge values and huge or deep inputs.
const PIECES: &[&str] = &[
    "(",
    ")",
    ",",
    "'",
    "\"",
    "`",
    ";",
    "--",
    "/*",
    "*/",
    "\\",
    "NULL",
    "SELECT",
    "FROM",
    "WHERE",
    "UNION ALL SELECT 1",
    " OR 1=1",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e308",
    "-1e309",
    "0x",
    "b'2'",
    "_utf8mb4'",
    "@@",
    "@x :=",
    "REPEAT('a', 1099511627776)",
    "LPAD('a', 1099511627776, 'b')",
    "SPACE(-1)",
    "SUBSTRING('abc', 9223372036854775807, 9223372036854775807)",
    "CAST('x' AS DECIMAL(65,30))",
    "DATE_ADD('9999-12-31', INTERVAL 1 DAY)",
    "1/0",
    "\u{0}",
    "\u{ff}\u{fe}",
    "😀",
    "INTERVAL",
    "COLLATE utf8mb4_general_ci",
    "LIMIT 18446744073709551615",
];

fn mutate(rng: &mut StdRng, sql: &str) -> String {
    let mut s: Vec<char> = sql.chars().collect();
    for _ in 0..rng.random_range(1..4) {
        let at = rng.random_range(0..=s.len());
        match rng.random_range(0..6) {
            0 => {
                let end = rng.random_range(at..=s.len());
                s.drain(at..end);
            }
            1 | 2 => {
                let piece = PIECES[rng.random_range(0..PIECES.len())];
                s.splice(at..at, piece.chars());
            }
            3 => s.truncate(at),
            4 => {
                // Deep nesting around a fragment.
                let depth = rng.random_range(100..2_000);
                let inner: String = s[at..].iter().collect();
                s.truncate(at);
                s.extend("(".repeat(depth).chars());
                s.extend(inner.chars());
                s.extend(")".repeat(depth).chars());
            }
            _ => {
                // A long run of one piece (wide expressions, huge literals).
                let piece = PIECES[rng.random_range(0..PIECES.len())];
                let n = rng.random_range(100..3_000);
                s.splice(at..at, piece.repeat(n).chars());
            }
        }
    }
    s.into_iter().collect()
}

#[tokio::test]
async fn mutated_statements() {
    let server = TestServer::start();
    let (mut root, before) = prepare_sentinel(&server).await;
    let opts = OptsBuilder::from_opts(server.opts())
        .user(Some("fuzzer"))
        .db_name(Some("play"));
    let mut c = mysql_async::Conn::new(opts.clone()).await.unwrap();
    let mut rng = StdRng::seed_from_u64(seed());
    for case in 0..cases(400) {
        let seed_sql = SEEDS[rng.random_range(0..SEEDS.len())];
        let sql = mutate(&mut rng, seed_sql);
        let shown: String = sql.chars().take(200).collect();
        let _ = c.query_drop(&sql).await;
        // The connection stays usable: an error is the only acceptable outcome.
        let one: Result<Vec<i64>, _> = c.query("SELECT 1").await;
        match one {
            Ok(v) => assert_eq!(v, vec![1], "case {case}: {shown}"),
            Err(e) => panic!(
                "case {case}: SELECT 1 after `{shown}` failed: {e}\n{}",
                server.log_tail()
            ),
        }
        alive(&server, &format!("case {case}: {shown}"));
    }
    assert_eq!(sentinel(&mut root).await, before);
}
