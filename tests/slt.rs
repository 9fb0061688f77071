//! Runs every `sql-tests/*.slt` file (sqllogictest format) against a real moltdb server over the
//! MySQL protocol, one connection per file, each file in a fresh database `slt_<file stem>`.
//!
//! * `MOLTDB_TEST_ADDR=host:port` runs the files against an external MySQL-compatible server
//!   instead of a spawned moltdb (to check expectations against MySQL / MariaDB).
//! * `SLT_FILTER=<substring>` runs only the files whose name contains the substring.
//!
//! Result conventions (the sqllogictest crate's): column types are `I` (integer types), `R`
//! (FLOAT, DOUBLE, DECIMAL) and `T` (everything else); SQL NULL is `NULL`, the empty string is
//! `(empty)`. Column types are checked strictly. Errors display as
//! `ERROR <code> (<sqlstate>): <message>`, so records can say `statement error 1146` or match
//! the full text; `statement error (42S02)` matches the SQLSTATE.
//!
//! The connection's engine label (`moltdb`, `mysql` or `mariadb`) works in `skipif` / `onlyif`
//! conditions: records pinning MySQL 8 behaviour that MariaDB 10.11 lacks say `skipif mariadb`.

mod common;

use std::path::{Path, PathBuf};

use common::TestServer;
use mysql_async::consts::ColumnType as MyType;
use mysql_async::prelude::Queryable;
use sqllogictest::{DBOutput, DefaultColumnType};

/// An error as the slt files see it.
#[derive(Debug)]
struct SltError {
    display: String,
    sqlstate: Option<String>,
}

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

impl std::error::Error for SltError {}

impl From<mysql_async::Error> for SltError {
    fn from(e: mysql_async::Error) -> Self {
        match e {
            // mysql_async's ServerError displays as `ERROR 1146 (42S02): Table ... doesn't exist`.
            mysql_async::Error::Server(se) => SltError {
                display: se.to_string(),
                sqlstate: Some(se.state.clone()),
            },
            other => SltError {
                display: format!("client error: {other}"),
                sqlstate: None,
            },
        }
    }
}

/// One MySQL connection driven by the sqllogictest runner.
struct MySqlDb {
    conn: Option<mysql_async::Conn>,
    /// `moltdb`, `mysql` or `mariadb`: usable in `skipif` / `onlyif` conditions. Records that
    /// pin MySQL 8 behaviour MariaDB does not share carry `skipif mariadb` (and usually an
    /// `onlyif mariadb` twin), so the files can be validated against MariaDB as well.
    engine: String,
}

impl MySqlDb {
    async fn connect(
        opts: mysql_async::Opts,
        db: String,
        engine: String,
    ) -> Result<MySqlDb, SltError> {
        let mut conn = mysql_async::Conn::new(opts).await?;
        conn.query_drop(format!("USE `{db}`")).await?;
        Ok(MySqlDb {
            conn: Some(conn),
            engine,
        })
    }
}

/// The engine label of the server under test.
async fn engine_of(server: &TestServer, conn: &mut mysql_async::Conn) -> String {
    if !server.is_external() {
        return "moltdb".to_string();
    }
    let version: Option<String> = conn.query_first("SELECT VERSION()").await.ok().flatten();
    match version {
        Some(v) if v.contains("MariaDB") => "mariadb".to_string(),
        Some(v) if v.contains("moltdb") => "moltdb".to_string(),
        _ => "mysql".to_string(),
    }
}

fn column_type(t: MyType) -> DefaultColumnType {
    match t {
        MyType::MYSQL_TYPE_TINY
        | MyType::MYSQL_TYPE_SHORT
        | MyType::MYSQL_TYPE_LONG
        | MyType::MYSQL_TYPE_INT24
        | MyType::MYSQL_TYPE_LONGLONG
        | MyType::MYSQL_TYPE_YEAR => DefaultColumnType::Integer,
        MyType::MYSQL_TYPE_FLOAT
        | MyType::MYSQL_TYPE_DOUBLE
        | MyType::MYSQL_TYPE_DECIMAL
        | MyType::MYSQL_TYPE_NEWDECIMAL => DefaultColumnType::FloatingPoint,
        _ => DefaultColumnType::Text,
    }
}

fn render(v: &mysql_async::Value) -> String {
    use mysql_async::Value;
    match v {
        Value::NULL => "NULL".to_string(),
        Value::Bytes(b) if b.is_empty() => "(empty)".to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        // The text protocol only yields NULL and Bytes; keep the rest readable anyway.
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        other => other.as_sql(true).trim_matches('\'').to_string(),
    }
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for MySqlDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let conn = self.conn.as_mut().expect("connection already shut down");
        let mut result = conn.query_iter(sql).await?;
        let columns = result.columns_ref().to_vec();
        if columns.is_empty() {
            let affected = result.affected_rows();
            result.drop_result().await?;
            return Ok(DBOutput::StatementComplete(affected));
        }
        let types = columns
            .iter()
            .map(|c| column_type(c.column_type()))
            .collect();
        let rows: Vec<mysql_async::Row> = result.collect().await?;
        result.drop_result().await?;
        let rows = rows
            .into_iter()
            .map(|row| row.unwrap().iter().map(render).collect())
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
    }

    fn engine_name(&self) -> &str {
        &self.engine
    }

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await
    }

    fn error_sql_state(err: &SltError) -> Option<String> {
        err.sqlstate.clone()
    }
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql-tests");
    let filter = std::env::var("SLT_FILTER").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(&filter))
        .collect();
    files.sort();
    files
}

async fn run_file(server: &TestServer, path: &Path) -> Result<(), String> {
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let db = format!("slt_{stem}");

    // A separate admin connection creates the file's database and drops it afterwards, whatever
    // the file did to its own session.
    let mut admin = server.conn().await;
    admin
        .query_drop(format!("DROP DATABASE IF EXISTS `{db}`"))
        .await
        .map_err(|e| format!("drop {db}: {e}"))?;
    admin
        .query_drop(format!("CREATE DATABASE `{db}`"))
        .await
        .map_err(|e| format!("create {db}: {e}"))?;

    let engine = engine_of(server, &mut admin).await;
    let opts = server.opts();
    let conn_db = db.clone();
    let mut runner = sqllogictest::Runner::new(move || {
        MySqlDb::connect(opts.clone(), conn_db.clone(), engine.clone())
    });
    runner.with_column_validator(sqllogictest::strict_column_validator);
    let result = runner.run_file_async(path).await;
    runner.shutdown_async().await;

    let cleanup = admin
        .query_drop(format!("DROP DATABASE IF EXISTS `{db}`"))
        .await;
    let _ = admin.disconnect().await;

    result.map_err(|e| e.display(false).to_string())?;
    cleanup.map_err(|e| format!("drop {db} after the file: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqllogictest_files() {
    let files = slt_files();
    assert!(!files.is_empty(), "no sql-tests/*.slt files found");
    let server = TestServer::external_or_start();
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let started = std::time::Instant::now();
        match run_file(&server, path).await {
            Ok(()) => eprintln!("slt ok    {name} ({:.2?})", started.elapsed()),
            Err(e) => {
                eprintln!("slt FAIL  {name}\n{e}\n");
                failures.push(format!("{name}:\n{e}"));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} slt files failed:\n\n{}\n{}",
            failures.len(),
            files.len(),
            failures.join("\n\n"),
            server.log_tail()
        );
    }
}
