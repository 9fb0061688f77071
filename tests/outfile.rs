//! `SELECT ... INTO OUTFILE` / `INTO DUMPFILE` and `SELECT ... INTO @var` through the MySQL
//! protocol against a running server: the bytes each FIELDS / LINES option writes, rows
//! read back by LOAD DATA with the same clauses equal to the table, DUMPFILE's one row,
//! MySQL's errors (file exists, no such directory, more than one row, no FILE privilege),
//! and `?` parameters of prepared statements with an INTO clause.

mod common;

use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};

async fn setup(server: &TestServer) -> Conn {
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE d").await.unwrap();
    c.query_drop(
        "CREATE TABLE d.t (id INT PRIMARY KEY, s VARCHAR(40), k INT, \
         m DECIMAL(6,2), dt DATETIME, b VARBINARY(8))",
    )
    .await
    .unwrap();
    c.query_drop(
        "INSERT INTO d.t VALUES \
         (1, 'tab\there', 5, 1.5, '2024-01-02 03:04:05', x'00ff'), \
         (2, 'quote\" comma, back\\\\slash\nnewline', NULL, -2, NULL, NULL), \
         (3, NULL, 7, 0, '2020-02-29 00:00:00', '')",
    )
    .await
    .unwrap();
    c
}

fn code(e: &mysql_async::Error) -> (u16, String) {
    match e {
        mysql_async::Error::Server(s) => (s.code, s.message.clone()),
        other => panic!("not a server error: {other:?}"),
    }
}

async fn rows(c: &mut Conn, table: &str) -> Vec<Row> {
    c.query(format!("SELECT * FROM {table} ORDER BY id"))
        .await
        .unwrap()
}

fn same(a: &[Row], b: &[Row]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.clone().unwrap() == y.clone().unwrap())
}

#[tokio::test]
async fn outfile_writes_what_load_data_reads_back() {
    let server = TestServer::start();
    let mut c = setup(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();

    // MySQL's defaults: tabs, `\` escapes, `\N` for NULL, a newline after each row.
    let plain = path("plain.txt");
    c.query_drop(format!("SELECT * FROM d.t INTO OUTFILE '{plain}'"))
        .await
        .unwrap();
    assert_eq!(c.affected_rows(), 3);
    assert_eq!(
        std::fs::read(&plain).unwrap(),
        b"1\ttab\\\there\t5\t1.50\t2024-01-02 03:04:05\t\\0\xff\n\
          2\tquote\" comma, back\\\\slash\\\nnewline\t\\N\t-2.00\t\\N\t\\N\n\
          3\t\\N\t7\t0.00\t2020-02-29 00:00:00\t\n"
    );

    // CSV with optional quotes: numbers bare, strings and dates quoted. Only the first
    // character of the line terminator is escaped: `\r`, not the newline.
    let csv = path("t.csv");
    let clauses =
        "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n'";
    c.query_drop(format!(
        "SELECT id, s, k, dt FROM d.t WHERE id < 3 INTO OUTFILE '{csv}' {clauses}"
    ))
    .await
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "1,\"tab\there\",5,\"2024-01-02 03:04:05\"\r\n\
         2,\"quote\\\" comma, back\\\\slash\nnewline\",\\N,\\N\r\n"
    );

    // The INTO clause in its other place, and LINES STARTING BY.
    let starting = path("starting.txt");
    c.query_drop(format!(
        "SELECT id INTO OUTFILE '{starting}' LINES STARTING BY 'row: ' FROM d.t WHERE id > 1"
    ))
    .await
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&starting).unwrap(),
        "row: 2\nrow: 3\n"
    );

    // Each file read back with the clauses it was written with gives the table again.
    let want = rows(&mut c, "d.t").await;
    for (table, file, clauses) in [
        ("d.plain", plain.as_str(), ""),
        ("d.csv", &path("all.csv"), clauses),
    ] {
        if table == "d.csv" {
            c.query_drop(format!("SELECT * FROM d.t INTO OUTFILE '{file}' {clauses}"))
                .await
                .unwrap();
        }
        c.query_drop(format!("CREATE TABLE {table} LIKE d.t"))
            .await
            .unwrap();
        c.query_drop(format!(
            "LOAD DATA INFILE '{file}' INTO TABLE {table} {clauses}"
        ))
        .await
        .unwrap();
        let got = rows(&mut c, table).await;
        assert!(same(&got, &want), "{table}: {got:?} against {want:?}");
    }
}

#[tokio::test]
async fn dumpfile_and_the_errors_of_files() {
    let server = TestServer::start();
    let mut c = setup(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();

    // One row's values as they are, nothing between them.
    let dump = path("one.bin");
    c.query_drop(format!(
        "SELECT s, b INTO DUMPFILE '{dump}' FROM d.t WHERE id = 1"
    ))
    .await
    .unwrap();
    assert_eq!(std::fs::read(&dump).unwrap(), b"tab\there\x00\xff");

    let e = c
        .query_drop(format!(
            "SELECT s INTO DUMPFILE '{}' FROM d.t",
            path("many.bin")
        ))
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, 1172);
    assert!(!dir.path().join("many.bin").exists());

    // A file is never overwritten.
    let e = c
        .query_drop(format!("SELECT 1 INTO OUTFILE '{dump}'"))
        .await
        .unwrap_err();
    assert_eq!(code(&e), (1086, format!("File '{dump}' already exists")));
    assert_eq!(std::fs::read(&dump).unwrap(), b"tab\there\x00\xff");

    let missing = path("no/such/dir.txt");
    let e = c
        .query_drop(format!("SELECT 1 INTO OUTFILE '{missing}'"))
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        (
            1,
            format!(
                "Can't create/write to file '{missing}' (OS errno 2 - No such file or directory)"
            )
        )
    );

    // No rows: an empty file.
    let empty = path("empty.txt");
    c.query_drop(format!(
        "SELECT * FROM d.t WHERE id > 9 INTO OUTFILE '{empty}'"
    ))
    .await
    .unwrap();
    assert_eq!(c.affected_rows(), 0);
    assert_eq!(std::fs::read(&empty).unwrap(), b"");

    let e = c
        .query_drop(format!(
            "SELECT 1 INTO OUTFILE '{}' FIELDS ENCLOSED BY 'ab'",
            path("bad.txt")
        ))
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, 1083);

    // Files on the server's host need FILE; user variables only SELECT.
    c.query_drop("CREATE USER reader").await.unwrap();
    c.query_drop("GRANT SELECT ON d.* TO reader").await.unwrap();
    let mut reader = Conn::new(
        server
            .opts_builder()
            .user(Some("reader"))
            .pass(None::<String>),
    )
    .await
    .unwrap();
    let e = reader
        .query_drop(format!(
            "SELECT * FROM d.t INTO OUTFILE '{}'",
            path("r.txt")
        ))
        .await
        .unwrap_err();
    assert_eq!(code(&e).0, 1227);
    assert!(!dir.path().join("r.txt").exists());
    reader
        .query_drop("SELECT k INTO @k FROM d.t WHERE id = 3")
        .await
        .unwrap();
    let k: Option<i64> = reader.query_first("SELECT @k").await.unwrap();
    assert_eq!(k, Some(7));
    c.query_drop("GRANT FILE ON *.* TO reader").await.unwrap();
    reader
        .query_drop(format!(
            "SELECT * FROM d.t INTO OUTFILE '{}'",
            path("r.txt")
        ))
        .await
        .unwrap();
    assert_eq!(reader.affected_rows(), 3);
}

#[tokio::test]
async fn prepared_statements_with_an_into_clause_take_parameters() {
    let server = TestServer::start();
    let mut c = setup(&server).await;
    let dir = tempfile::tempdir().unwrap();

    let into_var = c
        .prep("SELECT s, k INTO @s, @k FROM d.t WHERE id = ?")
        .await
        .unwrap();
    assert_eq!(into_var.num_params(), 1);
    c.exec_drop(&into_var, (3,)).await.unwrap();
    let got: Option<(Option<String>, i64)> = c.query_first("SELECT @s, @k").await.unwrap();
    assert_eq!(got, Some((None, 7)));
    c.exec_drop(&into_var, (1,)).await.unwrap();
    let got: Option<(String, i64)> = c.query_first("SELECT @s, @k").await.unwrap();
    assert_eq!(got, Some(("tab\there".to_string(), 5)));

    let file = dir.path().join("p.txt").to_string_lossy().into_owned();
    let outfile = c
        .prep(format!(
            "SELECT id FROM d.t WHERE id >= ? AND k < ? INTO OUTFILE '{file}'"
        ))
        .await
        .unwrap();
    assert_eq!(outfile.num_params(), 2);
    c.exec_drop(&outfile, (1, 6)).await.unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "1\n");

    let r#do = c.prep("DO ? + 1").await.unwrap();
    assert_eq!(r#do.num_params(), 1);
    c.exec_drop(&r#do, (1,)).await.unwrap();

    // PREPARE / EXECUTE by name too.
    c.query_drop("PREPARE p FROM 'SELECT k INTO @k FROM d.t WHERE id = ?'")
        .await
        .unwrap();
    c.query_drop("SET @id = 1").await.unwrap();
    c.query_drop("EXECUTE p USING @id").await.unwrap();
    let k: Option<i64> = c.query_first("SELECT @k").await.unwrap();
    assert_eq!(k, Some(5));
}
