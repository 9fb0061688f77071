//! Runs the public SQLite sqllogictest corpus files in `../shared/slt/` (`select1.test` and
//! `index/**/*.test`, see SOURCES.md there) against moltdb, record for record, with the
//! conventions of the reference runner (sqllogictest.c with its ODBC engine):
//!
//! * the server is `mysql` for `skipif` / `onlyif` conditions;
//! * values are formatted by the *expected* column type letter: `I` as an integer
//!   (truncated, as ODBC's conversion to SQL_C_SLONG does), `R` with three decimals, `T` as
//!   text with `(empty)` for the empty string and `@` for unprintable characters; NULL is
//!   `NULL`;
//! * `hash-threshold N` and `N values hashing to <md5>`, `rowsort`, `valuesort`, `nosort`
//!   are the sqllogictest crate's, which implements them as the reference runner does.
//!
//! The crate runs each record; this file only drives it record by record, so the adapter
//! can learn each query's expected types (the reference runner formats by them), and so it
//! can count what ran. `SLT_FILTER=<substring>` runs the files whose path contains it.
//! A missing corpus directory fails the test unless `MOLTDB_SKIP_CORPUS=1` asks to skip it.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::TestServer;
use mysql_async::prelude::Queryable;
use sqllogictest::{Condition, DBOutput, DefaultColumnType, QueryExpect, Record};

/// The engine name the corpus's conditions test.
const ENGINE: &str = "mysql";

#[derive(Debug)]
struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

impl From<mysql_async::Error> for SltError {
    fn from(e: mysql_async::Error) -> Self {
        SltError(e.to_string())
    }
}

/// The expected column types of the query about to run, shared with the driver loop.
type ExpectedTypes = Arc<Mutex<Vec<DefaultColumnType>>>;

struct CorpusDb {
    conn: Option<mysql_async::Conn>,
    expected: ExpectedTypes,
}

/// The reference runner's value formatting for one type letter.
fn format_value(v: &mysql_async::Value, ty: &DefaultColumnType) -> String {
    let text = match v {
        mysql_async::Value::NULL => return "NULL".to_string(),
        mysql_async::Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.as_sql(true).trim_matches('\'').to_string(),
    };
    match ty {
        DefaultColumnType::Integer => integer_text(&text),
        DefaultColumnType::FloatingPoint => format!("{:.3}", number_prefix(&text)),
        _ if text.is_empty() => "(empty)".to_string(),
        _ => text
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '@' })
            .collect(),
    }
}

/// An integer rendering of a value: exact for integers, truncated toward zero otherwise.
fn integer_text(text: &str) -> String {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(u) = t.parse::<u64>() {
        return u.to_string();
    }
    let f = number_prefix(t).trunc();
    if f == 0.0 {
        "0".to_string()
    } else {
        format!("{f:.0}")
    }
}

/// The number a string starts with (0 if none), as C's `atof`.
fn number_prefix(text: &str) -> f64 {
    let t = text.trim_start();
    let mut end = 0;
    for (i, c) in t.char_indices() {
        let ok = c.is_ascii_digit()
            || c == '.'
            || ((c == '-' || c == '+') && (i == 0 || t[..i].ends_with(['e', 'E'])))
            || ((c == 'e' || c == 'E') && i > 0);
        if !ok {
            break;
        }
        end = i + c.len_utf8();
    }
    let mut s = &t[..end];
    while !s.is_empty() {
        if let Ok(f) = s.parse::<f64>() {
            return f;
        }
        s = &s[..s.len() - 1];
    }
    0.0
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for CorpusDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| SltError("connection already shut down".into()))?;
        let mut result = conn.query_iter(sql).await?;
        let ncols = result.columns_ref().len();
        if ncols == 0 {
            let affected = result.affected_rows();
            result.drop_result().await?;
            return Ok(DBOutput::StatementComplete(affected));
        }
        let rows: Vec<mysql_async::Row> = result.collect().await?;
        result.drop_result().await?;
        let mut types = self.expected.lock().map(|t| t.clone()).unwrap_or_default();
        types.resize(ncols, DefaultColumnType::Text);
        let rows = rows
            .into_iter()
            .map(|row| {
                row.unwrap()
                    .iter()
                    .zip(&types)
                    .map(|(v, t)| format_value(v, t))
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
    }

    fn engine_name(&self) -> &str {
        ENGINE
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/slt")
}

/// `select1.test` and the files under `index/`, in a stable order.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "test") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let filter = std::env::var("SLT_FILTER").unwrap_or_default();
    files.retain(|p| p.to_string_lossy().contains(&filter));
    files.sort();
    files
}

#[derive(Debug, Default)]
struct Counts {
    records: usize,
    skipped: usize,
    passed: usize,
    failed: usize,
}

/// The corpus lists each value on its own line, whatever the number of columns.
fn value_per_line_validator(
    normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let actual: Vec<String> = actual.iter().flatten().map(normalizer).collect();
    let expected: Vec<String> = expected.iter().map(normalizer).collect();
    actual == expected
}

/// `skipif postgresql # why`: the reference runner reads only the label; the crate's
/// parser wants nothing after it.
fn strip_condition_comments(script: &str) -> String {
    script
        .lines()
        .map(|line| {
            let tokens: Vec<&str> = line.split_whitespace().collect();
            match tokens.as_slice() {
                [kw @ ("skipif" | "onlyif"), label, ..] => format!("{kw} {label}"),
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn skipped(conditions: &[Condition]) -> bool {
    conditions.iter().any(|c| match c {
        Condition::OnlyIf { label } => label != ENGINE,
        Condition::SkipIf { label } => label == ENGINE,
    })
}

async fn run_file(server: &TestServer, path: &Path, counts: &mut Counts) -> Vec<String> {
    let db = format!(
        "corpus_{}",
        path.file_stem()
            .map(|s| s
                .to_string_lossy()
                .replace(|c: char| !c.is_alphanumeric(), "_"))
            .unwrap_or_default()
    );
    let mut admin = server.conn().await;
    admin
        .query_drop(format!("DROP DATABASE IF EXISTS `{db}`"))
        .await
        .expect("drop corpus database");
    admin
        .query_drop(format!("CREATE DATABASE `{db}`"))
        .await
        .expect("create corpus database");

    let expected: ExpectedTypes = Arc::default();
    let opts = server.opts();
    let (conn_db, conn_expected) = (db.clone(), expected.clone());
    let mut runner = sqllogictest::Runner::new(move || {
        let (opts, db, expected) = (opts.clone(), conn_db.clone(), conn_expected.clone());
        async move {
            let mut conn = mysql_async::Conn::new(opts).await?;
            conn.query_drop(format!("USE `{db}`")).await?;
            Ok::<_, SltError>(CorpusDb {
                conn: Some(conn),
                expected,
            })
        }
    });
    // The reference runner hashes results of more than 8 values unless a file says otherwise,
    // and lists results one value per line.
    runner.with_hash_threshold(8);
    runner.with_validator(value_per_line_validator);
    let script =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(
        &strip_condition_comments(&script),
        path.display().to_string(),
    )
    .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    let mut failures = Vec::new();
    for record in records {
        let conditions = match &record {
            Record::Statement { conditions, .. } | Record::Query { conditions, .. } => {
                conditions.clone()
            }
            _ => {
                // Directives (hash-threshold, halt, ...) are the runner's business.
                let _ = runner.run_async(record).await;
                continue;
            }
        };
        counts.records += 1;
        if skipped(&conditions) {
            counts.skipped += 1;
            continue;
        }
        if let Record::Query {
            expected: QueryExpect::Results { types, .. },
            ..
        } = &record
        {
            if let Ok(mut e) = expected.lock() {
                e.clone_from(types);
            }
        }
        match runner.run_async(record).await {
            Ok(_) => counts.passed += 1,
            Err(e) => {
                counts.failed += 1;
                failures.push(e.display(false).to_string());
            }
        }
    }
    runner.shutdown_async().await;
    let _ = admin
        .query_drop(format!("DROP DATABASE IF EXISTS `{db}`"))
        .await;
    let _ = admin.disconnect().await;
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        // A missing corpus is a failure, not a pass: only an explicit opt-out skips it.
        assert!(
            std::env::var_os("MOLTDB_SKIP_CORPUS").is_some(),
            "slt corpus: {} is absent; put the reference material beside the repository \
             or set MOLTDB_SKIP_CORPUS=1 to skip the SQLite corpus (see README)",
            dir.display()
        );
        eprintln!("slt corpus: skipped (MOLTDB_SKIP_CORPUS)");
        return;
    }
    let files = corpus_files(&dir);
    let server = TestServer::external_or_start();
    let mut report = Vec::new();
    let mut all_failures = Vec::new();
    for path in &files {
        let mut counts = Counts::default();
        let started = std::time::Instant::now();
        let failures = run_file(&server, path, &mut counts).await;
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .display()
            .to_string();
        let line = format!(
            "slt corpus {name}: {} records, {} skipped, {} passed, {} failed ({:.1?})",
            counts.records,
            counts.skipped,
            counts.passed,
            counts.failed,
            started.elapsed()
        );
        eprintln!("{line}");
        report.push(line);
        for f in failures.iter().take(20) {
            eprintln!("{f}\n");
        }
        all_failures.extend(failures.into_iter().map(|f| format!("{name}: {f}")));
    }
    assert!(
        all_failures.is_empty(),
        "{} corpus records failed:\n{}\n\n{}",
        all_failures.len(),
        report.join("\n"),
        all_failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
