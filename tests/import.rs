//! IMPORT INTO end to end, through the MySQL protocol on in-process clusters: CSV with each
//! delimiter / enclosure / escape / NULL option, SQL dumps and parquet files, SET
//! assignments, globbed and compressed files, tables with secondary and unique indexes and
//! AUTO_INCREMENT (ADMIN CHECK TABLE and the rows equal to the files), generated columns
//! and CHECK constraints, each precheck and option error, bad data and duplicates (the table
//! left empty), DETACHED with SHOW IMPORT JOB(S) (progress included) and CANCEL IMPORT JOB,
//! kill -9 mid-import, a node stopped mid-import on a 3-node cluster, and where the task
//! runs: on several nodes with the framework on, on the statement's node with it off.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ddl::*;
use moltdb::node::cluster::Cluster;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn gzip(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    path.to_string_lossy().into_owned()
}

/// `rows` lines `id,k,"c<id>",u` with u unique and k = id % 97.
fn csv_rows(range: std::ops::Range<usize>) -> String {
    range
        .map(|i| format!("{i},{},\"c{i}, with a comma\",{}\n", i % 97, i * 10))
        .collect()
}

async fn create_t(c: &mut Conn) {
    c.query_drop("CREATE DATABASE IF NOT EXISTS d")
        .await
        .unwrap();
    c.query_drop("DROP TABLE IF EXISTS d.t").await.unwrap();
    c.query_drop(
        "CREATE TABLE d.t (id INT PRIMARY KEY, k INT, c VARCHAR(40), u INT, \
         INDEX ik (k), UNIQUE KEY uu (u))",
    )
    .await
    .unwrap();
}

/// The import's result row as (job id, phase, status, imported rows, message).
fn result(row: &Row) -> (i64, String, String, Option<i64>, String) {
    (
        row.get("Job_ID").unwrap(),
        row.get("Phase").unwrap(),
        row.get("Status").unwrap(),
        row.get("Imported_Rows").unwrap(),
        row.get("Result_Message").unwrap(),
    )
}

async fn import(c: &mut Conn, sql: &str) -> Result<Row, mysql_async::Error> {
    let row: Option<Row> = c.query_first(sql).await?;
    Ok(row.expect("a result row"))
}

/// SHOW IMPORT JOB `job`'s row.
async fn show_job(c: &mut Conn, job: i64) -> Row {
    c.query_first(format!("SHOW IMPORT JOB {job}"))
        .await
        .unwrap()
        .expect("job listed")
}

/// Polls SHOW IMPORT JOB `job` until its status is one of `statuses` (panics after 60 s).
async fn wait_status(c: &mut Conn, job: i64, statuses: &[&str]) -> Row {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = show_job(c, job).await;
        if statuses.contains(&result(&r).2.as_str()) {
            return r;
        }
        assert!(Instant::now() < deadline, "{:?}", result(&r));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn count(c: &mut Conn) -> i64 {
    c.query_first("SELECT COUNT(*) FROM d.t")
        .await
        .unwrap()
        .unwrap()
}

fn code(e: &mysql_async::Error) -> (u16, String) {
    match e {
        mysql_async::Error::Server(s) => (s.code, s.message.clone()),
        other => panic!("not a server error: {other}"),
    }
}

async fn stop(cluster: Arc<Cluster>) {
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

/// Globbed plain and gzip files into a table with a secondary and a unique index: every row
/// lands once, the indexes agree with the rows, the task ran its two steps.
#[test]
fn csv_files_with_indexes_land_whole() {
    run_test(async {
        let (cluster, _dir) = start_cluster(3).await;
        let files = tempfile::tempdir().unwrap();
        write(files.path(), "part-1.csv", &csv_rows(1..20_001));
        write(files.path(), "part-2.csv", &csv_rows(20_001..30_001));
        gzip(files.path(), "part-3.csv.gz", &csv_rows(30_001..40_001));
        write(files.path(), "other.txt", "not,matched\n");
        let mut c = node_conn(&cluster, 0, None).await;
        create_t(&mut c).await;
        let location = format!("{}/part-*.csv*", files.path().display());
        let row = import(&mut c, &format!("IMPORT INTO d.t FROM '{location}'"))
            .await
            .unwrap();
        let (job, phase, status, rows, message) = result(&row);
        assert_eq!(
            (phase.as_str(), status.as_str(), rows, message.as_str()),
            ("", "finished", Some(40_000), "")
        );
        assert_eq!(row.get::<String, _>("Target_Table").unwrap(), "`d`.`t`");
        assert_eq!(count(&mut c).await, 40_000);
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        let sample: Vec<(i64, i64, String, i64)> = c
            .query("SELECT id, k, c, u FROM d.t WHERE id IN (1, 20001, 39999) ORDER BY id")
            .await
            .unwrap();
        assert_eq!(
            sample,
            vec![
                (1, 1, "c1, with a comma".into(), 10),
                (20001, 20001 % 97, "c20001, with a comma".into(), 200010),
                (39999, 39999 % 97, "c39999, with a comma".into(), 399990),
            ]
        );
        let by_index: i64 = c
            .query_first("SELECT COUNT(*) FROM d.t WHERE k >= 0")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_index, 40_000);
        let steps: Vec<(i64, String)> = c
            .exec(
                "SELECT step, state FROM mysql.tidb_background_subtask_history \
                 WHERE task_key = (SELECT CAST(id AS CHAR) FROM mysql.tidb_global_task_history \
                 WHERE task_key = ?) ORDER BY step",
                (format!("ImportInto/{job}"),),
            )
            .await
            .unwrap();
        assert!(
            steps.iter().any(|s| s.0 == 1) && steps.iter().any(|s| s.0 == 2),
            "{steps:?}"
        );
        assert!(steps.iter().all(|s| s.1 == "succeed"), "{steps:?}");
        let shown: Row = c
            .query_first(format!("SHOW IMPORT JOB {job}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(result(&shown), result(&row));
        drop(c);
        stop(cluster).await;
    });
}

/// Each CSV option: separators of any length, no enclosure, another escape, a NULL marker,
/// SKIP_ROWS, a column list with a skipped field; missing fields are NULL, AUTO_INCREMENT
/// fills and is rebased past the imported ids.
#[test]
fn csv_options_and_column_lists() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let files = tempfile::tempdir().unwrap();
        let mut c = node_conn(&cluster, 0, None).await;
        c.query_drop("CREATE DATABASE d").await.unwrap();
        c.query_drop(
            "CREATE TABLE d.o (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(20), b INT, \
             note VARCHAR(20) DEFAULT 'dflt')",
        )
        .await
        .unwrap();
        let path = write(
            files.path(),
            "o.tsv",
            "header line to skip\n7\tx|y\t1\tignored\n\tNIL\tNIL\n9\ttab\\there\t3\n",
        );
        let row = import(
            &mut c,
            &format!(
                "IMPORT INTO d.o (id, a, b, @rest) FROM '{path}' WITH \
                 fields_terminated_by='\\t', fields_enclosed_by='', fields_defined_null_by='NIL', \
                 skip_rows=1"
            ),
        )
        .await
        .unwrap();
        assert_eq!(result(&row).3, Some(3));
        let rows: Vec<(i64, Option<String>, Option<i64>, String)> = c
            .query("SELECT id, a, b, note FROM d.o ORDER BY id")
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (7, Some("x|y".into()), Some(1), "dflt".into()),
                (8, None, None, "dflt".into()),
                (9, Some("tab\there".into()), Some(3), "dflt".into()),
            ]
        );
        c.query_drop("INSERT INTO d.o (a) VALUES ('after')")
            .await
            .unwrap();
        let next: i64 = c
            .query_first("SELECT MAX(id) FROM d.o")
            .await
            .unwrap()
            .unwrap();
        assert!(
            next > 9,
            "AUTO_INCREMENT rebased past the imported ids: {next}"
        );

        // Multi-character separators and terminators; '' enclosures in the data.
        c.query_drop("CREATE TABLE d.m (a INT, b VARCHAR(20), c VARCHAR(20))")
            .await
            .unwrap();
        let path = write(
            files.path(),
            "m.txt",
            "1::'it''s'::\\N;;2::'a::b'::'c;;d';;",
        );
        import(
            &mut c,
            &format!(
                "IMPORT INTO d.m FROM '{path}' FORMAT 'csv' WITH fields_terminated_by='::', \
                 fields_enclosed_by='''', lines_terminated_by=';;'"
            ),
        )
        .await
        .unwrap();
        let rows: Vec<(i64, String, Option<String>)> =
            c.query("SELECT a, b, c FROM d.m ORDER BY a").await.unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "it's".into(), None),
                (2, "a::b".into(), Some("c;;d".into()))
            ]
        );

        // CHARACTER_SET: gbk and gb18030 text decoded; a malformed sequence fails the
        // import with its bytes, file and line, and leaves the table empty.
        c.query_drop("CREATE TABLE d.g (a INT, b VARCHAR(20))")
            .await
            .unwrap();
        let mut gbk = b"1,".to_vec();
        gbk.extend_from_slice(&encoding_rs::GBK.encode("\u{4e2d}\u{6587}").0);
        gbk.extend_from_slice(b"\n2,");
        gbk.extend_from_slice(&encoding_rs::GB18030.encode("\u{20000}").0);
        gbk.push(b'\n');
        let path = files.path().join("g.csv");
        std::fs::write(&path, &gbk).unwrap();
        for charset in ["gbk", "gb18030"] {
            c.query_drop("TRUNCATE TABLE d.g").await.unwrap();
            let result = import(
                &mut c,
                &format!(
                    "IMPORT INTO d.g FROM '{}' WITH character_set='{charset}'",
                    path.display()
                ),
            )
            .await;
            if charset == "gbk" {
                // U+20000 is beyond GBK: its four gb18030 bytes are not GBK.
                let (code, message) = self::code(&result.unwrap_err());
                assert_eq!(code, 1300, "{message}");
                assert!(
                    message.starts_with("Invalid gbk character string: '")
                        && message.ends_with("(file g.csv, line 2)"),
                    "{message}"
                );
                assert_eq!(
                    c.query_first::<i64, _>("SELECT COUNT(*) FROM d.g")
                        .await
                        .unwrap(),
                    Some(0)
                );
            } else {
                result.unwrap();
                let rows: Vec<(i64, String)> =
                    c.query("SELECT a, b FROM d.g ORDER BY a").await.unwrap();
                assert_eq!(
                    rows,
                    vec![(1, "\u{4e2d}\u{6587}".into()), (2, "\u{20000}".into())]
                );
            }
        }
        drop(c);
        stop(cluster).await;
    });
}

/// A parquet file of `rows` rows with columns (k INT32, id INT64, name UTF8 nullable,
/// d DATE), snappy-compressed: the columns in another order than the table's.
fn parquet_file(dir: &Path, name: &str, rows: std::ops::Range<i64>) -> String {
    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    let schema = parquet::schema::parser::parse_message_type(
        "message m { REQUIRED INT32 k; REQUIRED INT64 id; OPTIONAL BINARY name (UTF8); \
         REQUIRED INT32 d (DATE); }",
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).unwrap();
    let ids: Vec<i64> = rows.collect();
    let mut group = writer.next_row_group().unwrap();
    let mut column = 0;
    while let Some(mut w) = group.next_column().unwrap() {
        match column {
            0 => {
                let k: Vec<i32> = ids.iter().map(|i| (i % 7) as i32).collect();
                w.typed::<Int32Type>().write_batch(&k, None, None).unwrap();
            }
            1 => {
                w.typed::<Int64Type>()
                    .write_batch(&ids, None, None)
                    .unwrap();
            }
            2 => {
                // Every tenth name is NULL.
                let levels: Vec<i16> = ids.iter().map(|i| i16::from(i % 10 != 0)).collect();
                let names: Vec<ByteArray> = ids
                    .iter()
                    .filter(|i| *i % 10 != 0)
                    .map(|i| ByteArray::from(format!("n{i}").as_str()))
                    .collect();
                w.typed::<ByteArrayType>()
                    .write_batch(&names, Some(&levels), None)
                    .unwrap();
            }
            _ => {
                // 2024-01-01 is day 19723 of the epoch.
                let days: Vec<i32> = ids.iter().map(|i| 19723 + (i % 30) as i32).collect();
                w.typed::<Int32Type>()
                    .write_batch(&days, None, None)
                    .unwrap();
            }
        }
        w.close().unwrap();
        column += 1;
    }
    group.close().unwrap();
    writer.close().unwrap();
    path.to_string_lossy().into_owned()
}

/// SQL dumps (comments, SET statements, escapes, multi-row INSERTs, a gzip file), parquet
/// files (columns mapped by name, NULLs, dates, a column left to its default) and SET
/// assignments over `@variables`, with TiDB's errors for assignments it refuses.
#[test]
fn sql_and_parquet_files_and_set_assignments() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let files = tempfile::tempdir().unwrap();
        let mut c = node_conn(&cluster, 0, None).await;
        create_t(&mut c).await;
        let dump = |range: std::ops::Range<usize>| {
            let mut text = String::from("/*!40101 SET NAMES binary*/;\n-- rows; of t\n");
            for chunk in range.collect::<Vec<_>>().chunks(100) {
                let tuples: Vec<String> = chunk
                    .iter()
                    .map(|i| format!("({i},{},'it''s \\\"{i}\\\"; ok',{})", i % 97, i * 10))
                    .collect();
                text.push_str(&format!("INSERT INTO `t` VALUES {};\n", tuples.join(",\n")));
            }
            text
        };
        write(files.path(), "t.000.sql", &dump(1..5_001));
        gzip(files.path(), "t.001.sql.gz", &dump(5_001..10_001));
        let location = format!("{}/t.00*", files.path().display());
        let row = import(
            &mut c,
            &format!("IMPORT INTO d.t FROM '{location}' FORMAT 'sql'"),
        )
        .await
        .unwrap();
        assert_eq!(result(&row).3, Some(10_000));
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        let sample: Option<(i64, String, i64)> = c
            .query_first("SELECT k, c, u FROM d.t WHERE id = 9999")
            .await
            .unwrap();
        assert_eq!(sample, Some((9999 % 97, "it's \"9999\"; ok".into(), 99990)));
        let bad = write(
            files.path(),
            "bad.sql",
            "INSERT INTO t VALUES (1, 2, 'x', 3);\nINSERT INTO t VALUES (2, now(), 'y', 4);",
        );
        create_t(&mut c).await;
        let e = import(&mut c, &format!("IMPORT INTO d.t FROM '{bad}'"))
            .await
            .unwrap_err();
        let (code_, message) = code(&e);
        assert_eq!(code_, 8160, "{message}");
        assert!(message.contains("line 2 of bad.sql"), "{message}");
        assert_eq!(count(&mut c).await, 0);

        c.query_drop(
            "CREATE TABLE d.p (id BIGINT PRIMARY KEY, k INT, name VARCHAR(20), d DATE, \
             note VARCHAR(10) DEFAULT 'dflt', INDEX (k))",
        )
        .await
        .unwrap();
        parquet_file(files.path(), "p-1.parquet", 1..3_001);
        parquet_file(files.path(), "p-2.parquet", 3_001..6_001);
        let location = format!("{}/p-*.parquet", files.path().display());
        let row = import(&mut c, &format!("IMPORT INTO d.p FROM '{location}'"))
            .await
            .unwrap();
        assert_eq!(result(&row).3, Some(6_000));
        c.query_drop("ADMIN CHECK TABLE d.p").await.unwrap();
        let rows: Vec<(i64, i64, Option<String>, String, String)> = c
            .query("SELECT id, k, name, CAST(d AS CHAR), note FROM d.p WHERE id IN (10, 4321) ORDER BY id")
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (10, 3, None, "2024-01-11".into(), "dflt".into()),
                (
                    4321,
                    4321 % 7,
                    Some("n4321".into()),
                    "2024-01-02".into(),
                    "dflt".into()
                ),
            ]
        );
        c.query_drop("CREATE TABLE d.narrow (id BIGINT PRIMARY KEY, k INT)")
            .await
            .unwrap();
        let e = import(&mut c, &format!("IMPORT INTO d.narrow FROM '{location}'"))
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (1054, "Unknown column 'name' in 'field list'".into())
        );

        c.query_drop("CREATE TABLE d.s (id INT PRIMARY KEY, c VARCHAR(40), k INT)")
            .await
            .unwrap();
        let path = write(files.path(), "s.csv", "1,ab,3\n2,cd,\\N\n");
        import(
            &mut c,
            &format!(
                "IMPORT INTO d.s (id, @a, @b) SET c = concat(upper(@a), '-', @b), k = @b * 2 \
                 FROM '{path}'"
            ),
        )
        .await
        .unwrap();
        let rows: Vec<(i64, Option<String>, Option<i64>)> = c
            .query("SELECT id, c, k FROM d.s ORDER BY id")
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![(1, Some("AB-3".into()), Some(6)), (2, None, None)]
        );
        for (set, message) in [
            (
                "c = id + 1",
                "COLUMN reference is not supported in IMPORT INTO column assignment, index 0",
            ),
            (
                "k = 1, c = (SELECT 1)",
                "subquery is not supported in IMPORT INTO column assignment, index 1",
            ),
            (
                "c = @zz",
                "column assignment cannot use variables set outside IMPORT INTO statement, index 0",
            ),
        ] {
            let e = import(
                &mut c,
                &format!("IMPORT INTO d.s (id, @a, @b) SET {set} FROM '{path}'"),
            )
            .await
            .unwrap_err();
            assert_eq!(code(&e), (1105, message.into()), "{set}");
        }
        let e = import(
            &mut c,
            &format!("IMPORT INTO d.s (id, @a) SET nope = @a FROM '{path}'"),
        )
        .await
        .unwrap_err();
        assert_eq!(code(&e).0, 1054);
        drop(c);
        stop(cluster).await;
    });
}

/// TiDB's errors for bad statements and the prechecks; nothing is imported.
#[test]
fn option_errors_and_prechecks() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let files = tempfile::tempdir().unwrap();
        let good = write(files.path(), "g.csv", &csv_rows(1..11));
        write(files.path(), "empty.csv", "");
        let mut c = node_conn(&cluster, 0, None).await;
        create_t(&mut c).await;
        let cases = [
            (format!("IMPORT INTO d.t FROM '{good}' WITH xx=1"), 8163, "Unknown option xx"),
            (format!("IMPORT INTO d.t FROM '{good}' WITH detached='x'"), 8164, "Invalid option value for detached"),
            (format!("IMPORT INTO d.t FROM '{good}' WITH thread=0"), 8164, "Invalid option value for thread"),
            (format!("IMPORT INTO d.t FROM '{good}' WITH detached, DETACHED"), 8165, "Option detached specified more than once"),
            (format!("IMPORT INTO d.t FROM '{good}' FORMAT 'sql' WITH skip_rows=1"), 8166, "Unsupported option skip_rows for non-CSV format"),
            (format!("IMPORT INTO d.t FROM '{good}' FORMAT 'xml'"), 8157, "The FORMAT 'xml' is not supported"),
            (format!("IMPORT INTO d.t FROM '{good}' WITH split_file"), 8164, "Invalid option value for lines_terminated_by, should not be empty when use split_file"),
            ("IMPORT INTO d.t FROM 's3://bucket/x.csv'".to_string(), 8158, "The URI of data source is invalid. Reason: storage s3 not support yet."),
            (format!("IMPORT INTO d.t FROM '{}/none-*.csv'", files.path().display()), 8173, "PreCheck failed: No file matched, or the file is empty. Please provide a valid file location."),
            (format!("IMPORT INTO d.t FROM '{}/empty.csv'", files.path().display()), 8173, "PreCheck failed: No file matched, or the file is empty. Please provide a valid file location."),
            (format!("IMPORT INTO d.t (id, nope) FROM '{good}'"), 1054, "Unknown column 'nope' in 'field list'"),
            (format!("IMPORT INTO d.nope FROM '{good}'"), 1146, "Table 'd.nope' doesn't exist"),
        ];
        for (sql, want, text) in cases {
            let e = c.query_drop(&sql).await.expect_err(&sql);
            let (got, message) = code(&e);
            assert_eq!(got, want, "{sql}: {message}");
            assert!(message.starts_with(text), "{sql}: {message}");
        }
        c.query_drop("BEGIN").await.unwrap();
        let e = c
            .query_drop(format!("IMPORT INTO d.t FROM '{good}'"))
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (
                1105,
                "cannot run IMPORT INTO in explicit transaction".into()
            )
        );
        c.query_drop("ROLLBACK").await.unwrap();
        c.query_drop("INSERT INTO d.t VALUES (1, 1, 'x', 1)")
            .await
            .unwrap();
        let e = c
            .query_drop(format!("IMPORT INTO d.t FROM '{good}'"))
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (8173, "PreCheck failed: target table is not empty".into())
        );
        assert_eq!(count(&mut c).await, 1);
        drop(c);
        stop(cluster).await;
    });
}

/// A value that does not fit its column, a NULL in a NOT NULL column, an unterminated
/// quote, two rows with one key in a file and across files: the import fails with the
/// reason and the table is left empty.
#[test]
fn bad_data_and_duplicates_leave_the_table_empty() {
    run_test(async {
        let (cluster, _dir) = start_cluster(2).await;
        let files = tempfile::tempdir().unwrap();
        let mut c = node_conn(&cluster, 0, None).await;
        create_t(&mut c).await;
        let mut bad_type = csv_rows(1..5_000);
        bad_type.push_str("5000,not-a-number,x,50000\n");
        let cases = [
            (
                bad_type,
                1366,
                "Incorrect integer value: 'not-a-number' for column 'k'",
            ),
            (
                format!("{}\\N,1,x,1\n", csv_rows(1..100)),
                1048,
                "Column 'id' cannot be null",
            ),
            (
                format!("{}7,1,\"open,1\n", csv_rows(1..5)),
                8160,
                "Failed to read source files. Reason: unterminated quoted field",
            ),
            (
                format!("{}2999,5,dup,99999\n", csv_rows(1..3_000)),
                1062,
                "Duplicate entry '2999' for key 't.PRIMARY'",
            ),
            (
                format!("{}4000,1,x,10\n", csv_rows(1..3_000)),
                1062,
                "Duplicate entry '10' for key 't.uu'",
            ),
        ];
        for (i, (text, want, start)) in cases.into_iter().enumerate() {
            let path = write(files.path(), &format!("bad-{i}.csv"), &text);
            let e = c
                .query_drop(format!("IMPORT INTO d.t FROM '{path}'"))
                .await
                .expect_err(start);
            let (got, message) = code(&e);
            assert_eq!(got, want, "{message}");
            assert!(message.starts_with(start), "{message}");
            assert_eq!(count(&mut c).await, 0, "{start}: the table is left empty");
            c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        }
        // The same key in two files (two subtasks): the checksum tells.
        let dup_dir = tempfile::tempdir().unwrap();
        write(dup_dir.path(), "a.csv", &csv_rows(1..2_000));
        write(dup_dir.path(), "b.csv", &csv_rows(1_999..3_000));
        let e = c
            .query_drop(format!(
                "IMPORT INTO d.t FROM '{}/*.csv'",
                dup_dir.path().display()
            ))
            .await
            .unwrap_err();
        let (_, message) = code(&e);
        assert!(
            message.contains("checksum mismatched remote vs local"),
            "{message}"
        );
        assert_eq!(count(&mut c).await, 0);
        let jobs: Vec<Row> = c.query("SHOW IMPORT JOBS").await.unwrap();
        let last = jobs.last().unwrap();
        assert_eq!(last.get::<String, _>("Status").unwrap(), "failed");
        assert!(last
            .get::<String, _>("Result_Message")
            .unwrap()
            .contains("checksum mismatched"));
        drop(c);
        stop(cluster).await;
    });
}

async fn g_rows(c: &mut Conn) -> Vec<(i64, i64, i64, String)> {
    c.query("SELECT * FROM d.g ORDER BY id").await.unwrap()
}

/// Generated columns are computed for imported rows, whatever the file holds for them
/// (their fields without a column list are read and dropped, as LOAD DATA drops them);
/// naming one in the column list or SET is 3105; a row that violates a CHECK constraint fails
/// the import with 3819 and its line, and the table stays empty.
#[test]
fn generated_columns_and_check_constraints() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let files = tempfile::tempdir().unwrap();
        let mut c = node_conn(&cluster, 0, None).await;
        c.query_drop("SET GLOBAL tidb_enable_check_constraint = ON")
            .await
            .unwrap();
        let mut c = node_conn(&cluster, 0, None).await;
        c.query_drop("CREATE DATABASE d").await.unwrap();
        c.query_drop(
            "CREATE TABLE d.g (id INT PRIMARY KEY, b INT, s INT AS (b * 2) STORED, \
             v VARCHAR(20) AS (CONCAT('v', s)) VIRTUAL, CHECK (b > 0), INDEX is_ (s), \
             UNIQUE KEY uv (v))",
        )
        .await
        .unwrap();
        let want: Vec<(i64, i64, i64, String)> = (1..=300)
            .map(|i| (i, i + 1, 2 * (i + 1), format!("v{}", 2 * (i + 1))))
            .collect();

        // A column list without the generated columns.
        let two: String = (1..=300).map(|i| format!("{i},{}\n", i + 1)).collect();
        let path = write(files.path(), "two.csv", &two);
        import(&mut c, &format!("IMPORT INTO d.g (id, b) FROM '{path}'"))
            .await
            .unwrap();
        assert_eq!(g_rows(&mut c).await, want);
        c.query_drop("ADMIN CHECK TABLE d.g").await.unwrap();
        let by_index: Vec<i64> = c
            .query("SELECT id FROM d.g FORCE INDEX (is_) WHERE s = 42")
            .await
            .unwrap();
        assert_eq!(by_index, [20]);

        // No column list: the file's values for s and v are not what is stored.
        c.query_drop("TRUNCATE TABLE d.g").await.unwrap();
        let four: String = (1..=300)
            .map(|i| format!("{i},{},-1,junk\n", i + 1))
            .collect();
        let path = write(files.path(), "four.csv", &four);
        import(&mut c, &format!("IMPORT INTO d.g FROM '{path}'"))
            .await
            .unwrap();
        assert_eq!(g_rows(&mut c).await, want);
        c.query_drop("ADMIN CHECK TABLE d.g").await.unwrap();

        // LOAD DATA drops them the same way.
        c.query_drop("TRUNCATE TABLE d.g").await.unwrap();
        c.query_drop(format!(
            "LOAD DATA INFILE '{path}' INTO TABLE d.g FIELDS TERMINATED BY ','"
        ))
        .await
        .unwrap();
        assert_eq!(g_rows(&mut c).await, want);
        c.query_drop("TRUNCATE TABLE d.g").await.unwrap();

        for sql in [
            format!("IMPORT INTO d.g (id, b, s) FROM '{path}'"),
            format!("IMPORT INTO d.g (id, b, @x) SET v = @x FROM '{path}'"),
        ] {
            let e = c.query_drop(&sql).await.unwrap_err();
            assert_eq!(
                code(&e),
                (
                    3105,
                    format!(
                        "The value specified for generated column '{}' in table 'g' is not allowed.",
                        if sql.contains("SET") { "v" } else { "s" }
                    )
                ),
                "{sql}"
            );
        }

        let mut bad = two.clone();
        bad.push_str("301,-4\n");
        let path = write(files.path(), "bad.csv", &bad);
        let e = c
            .query_drop(format!("IMPORT INTO d.g (id, b) FROM '{path}'"))
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (
                3819,
                "Check constraint 'g_chk_1' is violated. (file bad.csv, line 301)".to_string()
            )
        );
        assert!(g_rows(&mut c).await.is_empty(), "the table is left empty");
        drop(c);
        stop(cluster).await;
    });
}

/// DETACHED returns at once with a pending job; SHOW IMPORT JOB follows it to the end;
/// CANCEL IMPORT JOB of a running job leaves it cancelled with an empty table; unknown and
/// finished ids get 8170 and 8171.
#[test]
fn detached_jobs_show_and_cancel() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let files = tempfile::tempdir().unwrap();
        let path = write(files.path(), "a.csv", &csv_rows(1..30_001));
        let mut c = node_conn(&cluster, 0, None).await;
        create_t(&mut c).await;
        let row = import(
            &mut c,
            &format!("IMPORT INTO d.t FROM '{path}' WITH DETACHED"),
        )
        .await
        .unwrap();
        let (job, phase, status, rows, _) = result(&row);
        assert_eq!(
            (phase.as_str(), status.as_str(), rows),
            ("", "pending", None)
        );
        assert_eq!(row.get::<Option<String>, _>("Start_Time").unwrap(), None);
        let done = wait_status(&mut c, job, &["finished"]).await;
        assert_eq!(result(&done).3, Some(30_000));
        assert_eq!(done.get::<Option<String>, _>("Cur_Step").unwrap(), None);
        assert_eq!(count(&mut c).await, 30_000);
        let e = c
            .query_drop(format!("CANCEL IMPORT JOB {job}"))
            .await
            .unwrap_err();
        assert_eq!(
            code(&e),
            (
                8171,
                "The current job status cannot perform the operation. CANCEL".into()
            )
        );
        let e = c.query_drop("SHOW IMPORT JOB 987654").await.unwrap_err();
        assert_eq!(code(&e), (8170, "Job ID 987654 doesn't exist".into()));

        // Cancel one that is running (slowed by the failpoint).
        create_t(&mut c).await;
        set_failpoint(&cluster, "import-slow", "20");
        let row = import(
            &mut c,
            &format!("IMPORT INTO d.t FROM '{path}' WITH DETACHED"),
        )
        .await
        .unwrap();
        let job = result(&row).0;
        wait_status(&mut c, job, &["running"]).await;
        // Progress while it runs: rows and bytes read grow, with a percent, speed and ETA.
        let deadline = Instant::now() + Duration::from_secs(30);
        let progress = loop {
            let r = show_job(&mut c, job).await;
            let rows: Option<i64> = r.get("Imported_Rows").unwrap();
            let pct: Option<String> = r.get("Cur_Step_Progress_Pct").unwrap();
            if rows.unwrap_or(0) > 0 && pct.is_some() {
                break r;
            }
            assert!(Instant::now() < deadline, "no progress shown");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let text = |name: &str| progress.get::<Option<String>, _>(name).unwrap();
        assert_eq!(text("Cur_Step").as_deref(), Some("import"));
        assert_eq!(text("Cur_Step_Total_Size").as_deref(), Some("1.134MB"));
        let pct: u64 = text("Cur_Step_Progress_Pct").unwrap().parse().unwrap();
        assert!(pct < 100, "{pct}");
        assert!(text("Cur_Step_Speed").unwrap().ends_with("B/s"));
        assert!(
            text("Cur_Step_ETA").is_some_and(|t| t.len() == 8),
            "{:?}",
            text("Cur_Step_ETA")
        );
        c.query_drop(format!("CANCEL IMPORT JOB {job}"))
            .await
            .unwrap();
        clear_failpoint(&cluster, "import-slow");
        let (_, _, status, _, message) = result(&show_job(&mut c, job).await);
        assert_eq!(
            (status.as_str(), message.as_str()),
            ("cancelled", "cancelled by user")
        );
        let task: (String,) = c
            .exec_first(
                "SELECT state FROM mysql.tidb_global_task_history WHERE task_key = ?",
                (format!("ImportInto/{job}"),),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(task.0, "reverted");
        assert_eq!(count(&mut c).await, 0);
        drop(c);
        stop(cluster).await;
    });
}

/// With the framework on, an import's files are read on several nodes; off, only on the
/// node the statement came to.
#[test]
fn where_the_import_runs() {
    run_test(async {
        let (cluster, _dir) = start_cluster(3).await;
        let files = tempfile::tempdir().unwrap();
        for i in 0..6 {
            write(
                files.path(),
                &format!("f{i}.csv"),
                &csv_rows(i * 5_000 + 1..(i + 1) * 5_000 + 1),
            );
        }
        let location = format!("{}/f*.csv", files.path().display());
        let mut c = node_conn(&cluster, 1, None).await;
        let nodes_of = |job: i64| {
            format!(
            "SELECT DISTINCT exec_id FROM mysql.tidb_background_subtask_history WHERE step = 1 \
             AND task_key = (SELECT CAST(id AS CHAR) FROM mysql.tidb_global_task_history \
             WHERE task_key = 'ImportInto/{job}')"
        )
        };
        create_t(&mut c).await;
        let job = result(
            &import(&mut c, &format!("IMPORT INTO d.t FROM '{location}'"))
                .await
                .unwrap(),
        )
        .0;
        let used: BTreeSet<String> = c.query(nodes_of(job)).await.unwrap().into_iter().collect();
        assert!(used.len() >= 2, "subtasks on several nodes: {used:?}");
        assert_eq!(count(&mut c).await, 30_000);

        c.query_drop("SET GLOBAL tidb_enable_dist_task = OFF")
            .await
            .unwrap();
        create_t(&mut c).await;
        let job = result(
            &import(&mut c, &format!("IMPORT INTO d.t FROM '{location}'"))
                .await
                .unwrap(),
        )
        .0;
        let used: Vec<String> = c.query(nodes_of(job)).await.unwrap();
        let here = cluster.addresses()[1].unwrap().to_string();
        assert_eq!(used, vec![here], "only the statement's node");
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        assert_eq!(count(&mut c).await, 30_000);

        // SPLIT_FILE: one file read in chunks by several subtasks on several nodes (chunks
        // of 64 KB here instead of 256 MiB), a header skipped, rows straddling the cuts
        // read once; with a two-byte terminator too.
        c.query_drop("SET GLOBAL tidb_enable_dist_task = ON")
            .await
            .unwrap();
        set_failpoint(&cluster, "import-split-size", "65536");
        for (name, terminator) in [("one.csv", "\n"), ("crlf.csv", "\r\n")] {
            let text =
                format!("id,k,c,u{terminator}") + &csv_rows(1..40_001).replace('\n', terminator);
            let path = write(files.path(), name, &text);
            create_t(&mut c).await;
            let escaped = terminator.replace('\r', "\\r").replace('\n', "\\n");
            let job = result(
                &import(
                    &mut c,
                    &format!(
                        "IMPORT INTO d.t FROM '{path}' WITH split_file, skip_rows=1, \
                         lines_terminated_by='{escaped}'"
                    ),
                )
                .await
                .unwrap(),
            )
            .0;
            let used: BTreeSet<String> =
                c.query(nodes_of(job)).await.unwrap().into_iter().collect();
            assert!(used.len() >= 2, "chunks on several nodes: {used:?}");
            let chunks: i64 = c
                .query_first(format!(
                    "SELECT COUNT(*) FROM mysql.tidb_background_subtask_history WHERE step = 1 \
                     AND task_key = (SELECT CAST(id AS CHAR) FROM mysql.tidb_global_task_history \
                     WHERE task_key = 'ImportInto/{job}')"
                ))
                .await
                .unwrap()
                .unwrap();
            assert!(chunks >= 6, "{chunks} subtasks");
            assert_eq!(count(&mut c).await, 40_000, "{name}");
            let sum: i64 = c
                .query_first("SELECT SUM(id) FROM d.t")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(sum, 40_000 * 40_001 / 2);
            c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        }
        clear_failpoint(&cluster, "import-split-size");

        // MAX_WRITE_SPEED holds the writing back: about 450 KB of pairs at 150 KiB/s.
        create_t(&mut c).await;
        let path = write(files.path(), "slow.csv", &csv_rows(1..5_001));
        let started = Instant::now();
        import(
            &mut c,
            &format!("IMPORT INTO d.t FROM '{path}' WITH max_write_speed='150KiB'"),
        )
        .await
        .unwrap();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(2),
            "throttled import took {took:?}"
        );
        assert_eq!(count(&mut c).await, 5_000);
        drop(c);
        stop(cluster).await;
    });
}

/// A node stopped while it runs an import subtask, on a 3-node cluster with the framework
/// on: the dispatcher hands its subtasks to the other nodes, the statement keeps waiting
/// and succeeds, and every row is there once.
#[test]
fn a_node_stopped_mid_import_hands_its_files_to_the_others() {
    run_test(async {
        let (cluster, _dir) = start_cluster(3).await;
        let owner = owner_node(&cluster);
        let victim = (owner + 1) % 3;
        let victim_addr = cluster.addresses()[victim].unwrap().to_string();
        let files = tempfile::tempdir().unwrap();
        for i in 0..6 {
            write(
                files.path(),
                &format!("f{i}.csv"),
                &csv_rows(i * 8_000 + 1..(i + 1) * 8_000 + 1),
            );
        }
        let location = format!("{}/f*.csv", files.path().display());
        let mut c = node_conn(&cluster, owner, None).await;
        create_t(&mut c).await;
        set_failpoint(&cluster, "import-slow", "20");
        let mut submit = node_conn(&cluster, owner, None).await;
        let statement = format!("IMPORT INTO d.t FROM '{location}'");
        let running = tokio::spawn(async move { import(&mut submit, &statement).await });
        // The victim's running and pending import subtasks, once one of them runs.
        let subtasks = "SELECT s.id, s.state FROM mysql.tidb_background_subtask s \
                        JOIN mysql.tidb_global_task t ON s.task_key = CAST(t.id AS CHAR) \
                        WHERE t.task_key LIKE 'ImportInto/%' AND s.step = 1 AND s.exec_id = ?";
        let deadline = Instant::now() + Duration::from_secs(60);
        let handed: Vec<i64> = loop {
            let rows: Vec<(i64, String)> = c.exec(subtasks, (&victim_addr,)).await.unwrap();
            if rows.iter().any(|r| r.1 == "running") {
                break rows
                    .iter()
                    .filter(|r| r.1 == "running" || r.1 == "pending")
                    .map(|r| r.0)
                    .collect();
            }
            assert!(Instant::now() < deadline, "no subtask ran on the victim");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let stopping = cluster.clone();
        tokio::task::spawn_blocking(move || stopping.stop_node(victim))
            .await
            .unwrap();
        clear_failpoint(&cluster, "import-slow");
        let row = tokio::time::timeout(Duration::from_secs(120), running)
            .await
            .expect("the import finishes")
            .unwrap()
            .expect("the import succeeds");
        assert_eq!(result(&row).3, Some(48_000));
        assert_eq!(count(&mut c).await, 48_000);
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        for id in handed {
            let (exec, state): (String, String) = c
                .exec_first(
                    "SELECT exec_id, state FROM mysql.tidb_background_subtask_history WHERE id = ?",
                    (id,),
                )
                .await
                .unwrap()
                .expect("subtask kept");
            assert!(
                exec != victim_addr && state == "succeed",
                "subtask {id} finished elsewhere: {exec} {state}"
            );
        }
        drop(c);
        stop(cluster).await;
    });
}

/// kill -9 of the server while an import runs: after the restart the node takes the
/// import's subtask up again (rows with explicit keys encode to the same pairs), the job
/// finishes, and every row is there once.
/// Kills the server mid-import, restarts it without failpoints and waits for import job
/// `job` to finish with its 20,000 rows, each once.
async fn kill_and_finish(server: &mut common::TestServer, job: i64) -> Conn {
    server.kill9();
    server.set_env(&[]);
    server.restart();
    let mut c = server.conn().await;
    let done = wait_status(&mut c, job, &["finished", "failed", "cancelled"]).await;
    assert_eq!(
        (result(&done).2.as_str(), result(&done).3),
        ("finished", Some(20_000)),
        "{:?}",
        result(&done)
    );
    assert_eq!(count(&mut c).await, 20_000);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_resumes_the_import() {
    let files = tempfile::tempdir().unwrap();
    let path = write(files.path(), "k.csv", &csv_rows(1..20_001));
    let mut server =
        common::TestServer::start_with(&[("MOLTDB_FAILPOINTS", "import-slow=20")], &[]);
    let mut c = server.conn().await;
    create_t(&mut c).await;
    let row = import(
        &mut c,
        &format!("IMPORT INTO d.t FROM '{path}' WITH DETACHED"),
    )
    .await
    .unwrap();
    let job = result(&row).0;
    wait_status(&mut c, job, &["running"]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = kill_and_finish(&mut server, job).await;
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
}

/// DISK_QUOTA: a subtask whose sorted data reaches the quota ingests it and reads on, so
/// rows land while the import runs; killed with rounds ingested, the restarted server
/// resumes after them. The table has no primary key, so a row read twice would land twice
/// (under a new row id) and the count and the checksum would show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_quota_rounds_land_once_across_kill_9() {
    let files = tempfile::tempdir().unwrap();
    let path = write(files.path(), "q.csv", &csv_rows(1..20_001));
    let mut server =
        common::TestServer::start_with(&[("MOLTDB_FAILPOINTS", "import-slow=20")], &[]);
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE d").await.unwrap();
    c.query_drop("CREATE TABLE d.t (k INT, c VARCHAR(40), u INT, INDEX ik (k), UNIQUE KEY uu (u))")
        .await
        .unwrap();
    let row = import(
        &mut c,
        &format!(
            "IMPORT INTO d.t (@id, k, c, u) FROM '{path}' \
             WITH DETACHED, DISK_QUOTA = '128KiB', THREAD = 1"
        ),
    )
    .await
    .unwrap();
    let job = result(&row).0;
    // Rows of the first rounds are in the table while the import still runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let landed = loop {
        let n = count(&mut c).await;
        if n > 0 {
            break n;
        }
        assert!(Instant::now() < deadline, "no round landed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(landed < 20_000, "{landed}");
    assert_eq!(result(&show_job(&mut c, job).await).2, "running");
    let mut c = kill_and_finish(&mut server, job).await;
    let distinct: i64 = c
        .query_first("SELECT COUNT(DISTINCT u) FROM d.t")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(distinct, 20_000);
    c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
}
