//! Short queries that ask for huge results or overflowing numbers get MySQL's answers — NULL
//! with warning 1301 past `max_allowed_packet`, an error for an exhausted AUTO_INCREMENT —
//! and the server, a spawned release-like process, keeps serving.

mod common;

use common::{server_error_code, TestServer};
use mysql_async::prelude::*;

#[tokio::test]
async fn huge_string_results_are_null_with_warning_1301() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    for (function, sql) in [
        ("lpad", "SELECT LPAD('a', 1099511627776, 'b')"),
        ("rpad", "SELECT RPAD('a', 1099511627776, 'b')"),
        ("repeat", "SELECT REPEAT(REPEAT('ab', 100000), 100000)"),
        (
            "replace",
            "SELECT REPLACE(REPEAT('a', 100000), 'a', REPEAT('b', 100000))",
        ),
        ("space", "SELECT SPACE(9223372036854775807)"),
        (
            "regexp_replace",
            "SELECT REGEXP_REPLACE(REPEAT('a', 100000), 'a', REPEAT('b', 1000))",
        ),
        (
            "concat",
            "SELECT CONCAT(REPEAT('a', 40000000), REPEAT('b', 40000000))",
        ),
    ] {
        let value: Option<Option<Vec<u8>>> = c.query_first(sql).await.unwrap();
        assert_eq!(value, Some(None), "{sql}");
        let warnings: Vec<(String, u16, String)> = c.query("SHOW WARNINGS").await.unwrap();
        assert_eq!(
            warnings,
            vec![(
                "Warning".to_string(),
                1301,
                format!(
                    "Result of {function}() was larger than max_allowed_packet (67108864) - truncated"
                )
            )],
            "{sql}"
        );
    }
    // Below the limit results are whole, and positions do not overflow.
    let n: i64 = c
        .query_first("SELECT LENGTH(REPEAT('ab', 2000000))")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 4_000_000);
    let tail: String = c
        .query_first("SELECT SUBSTRING('abc', 2, 9223372036854775807)")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tail, "bc");
    // A row per warning at most MySQL's 1024.
    let rows: Vec<Option<String>> = c
        .query(
            "SELECT LPAD('a', 1099511627776 + id, 'b') FROM \
             (SELECT 1 AS id UNION ALL SELECT 2) AS t",
        )
        .await
        .unwrap();
    assert_eq!(rows, vec![None, None]);
    let count: i64 = c
        .query_first("SELECT @@warning_count")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn an_exhausted_auto_increment_is_an_error() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE h").await.unwrap();
    c.query_drop("CREATE TABLE h.a (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    c.query_drop("INSERT INTO h.a VALUES (9223372036854775807, 1)")
        .await
        .unwrap();
    let err = c
        .query_drop("INSERT INTO h.a (v) VALUES (2)")
        .await
        .unwrap_err();
    match err {
        mysql_async::Error::Server(e) => assert_eq!(e.code, 1467, "{}", e.message),
        other => panic!("{other}"),
    }
    let n: i64 = c
        .query_first("SELECT COUNT(*) FROM h.a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn connections_past_max_connections_get_1040() {
    let server = TestServer::start();
    let mut first = server.conn().await;
    first
        .query_drop("SET GLOBAL max_connections = 3")
        .await
        .unwrap();
    let second = server.conn().await;
    let third = server.conn().await;
    let refused = mysql_async::Conn::new(server.opts()).await.unwrap_err();
    match refused {
        mysql_async::Error::Server(e) => {
            assert_eq!((e.code, e.message.as_str()), (1040, "Too many connections"))
        }
        other => panic!("{other}"),
    }
    drop(third.disconnect().await);
    // The slot is free once the server sees the connection end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut again = loop {
        match mysql_async::Conn::new(server.opts()).await {
            Ok(c) => break c,
            Err(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    };
    again.query_drop("SELECT 1").await.unwrap();
    first
        .query_drop("SET GLOBAL max_connections = 151")
        .await
        .unwrap();
    drop(second);
}

/// Statements whose shape drives recursion (issue examples that overflowed a worker's
/// stack and aborted the process): wide sums, long OR chains and UNION ALL chains answer;
/// nesting past the parser's limit is a 1064, and the connection goes on.
#[tokio::test]
async fn deep_and_wide_statements_answer_instead_of_aborting() {
    let server = TestServer::start();
    let mut c = server.conn().await;
    let sum = format!("SELECT {}", vec!["1"; 2000].join("+"));
    let total: Option<i64> = c.query_first(&sum).await.unwrap();
    assert_eq!(total, Some(2000));

    c.query_drop("CREATE DATABASE deep").await.unwrap();
    c.query_drop("CREATE TABLE deep.t (a INT PRIMARY KEY)")
        .await
        .unwrap();
    c.query_drop("INSERT INTO deep.t VALUES (1), (500), (1999), (5000)")
        .await
        .unwrap();
    let ors: Vec<String> = (0..2000).map(|i| format!("a={i}")).collect();
    let count: Option<i64> = c
        .query_first(format!(
            "SELECT COUNT(*) FROM deep.t WHERE {}",
            ors.join(" OR ")
        ))
        .await
        .unwrap();
    assert_eq!(count, Some(3));

    let unions = vec!["SELECT 1"; 1000].join(" UNION ALL ");
    let rows: Vec<i64> = c.query(&unions).await.unwrap();
    assert_eq!(rows.len(), 1000);

    let nested = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    let err = c.query_drop(&nested).await.unwrap_err();
    assert_eq!(server_error_code(&err), Some(1064), "{err:?}");
    let one: Option<i64> = c.query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
}
