//! moltdb driven by the stock clients users have: the Python drivers and SQLAlchemy
//! (`tests/clients/drivers.py`), Django's ORM (`tests/clients/django_app.py`), sysbench in
//! its default prepared-statement mode, and the mariadb command-line client. `scripts/test.sh` installs them (Debian packages and a Python
//! venv named by `MOLTDB_PYTHON`); a missing client fails the test with that advice.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::TestServer;
use mysql_async::prelude::*;

fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("`{name}` is not installed: run scripts/test.sh, which installs the clients")
    })
}

fn python() -> PathBuf {
    let python = std::env::var_os("MOLTDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/clients-venv/bin/python")
        });
    assert!(
        python.is_file(),
        "no Python with the client drivers at {}: run scripts/test.sh (or set MOLTDB_PYTHON)",
        python.display()
    );
    python
}

fn check(what: &str, out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// Runs the Python client suite `script` against a fresh server.
fn python_suite(script: &str) {
    let server = TestServer::start();
    let out = Command::new(python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(script))
        .env("MOLTDB_HOST", server.host())
        .env("MOLTDB_PORT", server.port().to_string())
        .output()
        .expect("run the Python client suite");
    check(script, out);
}

#[test]
fn python_drivers_and_sqlalchemy() {
    python_suite("tests/clients/drivers.py");
}

/// Django's ORM over mysqlclient: migrations (foreign keys added by ALTER TABLE), lookups
/// with `LIKE BINARY`, nested atomic blocks (savepoints).
#[test]
fn django_orm() {
    python_suite("tests/clients/django_app.py");
}

/// sysbench through libmariadb's prepared statements, which re-execute without re-sending
/// parameter types.
fn sysbench(server: &TestServer, db: &str, args: &[&str]) -> String {
    let out = Command::new(tool("sysbench"))
        .args(args)
        .arg(format!("--mysql-host={}", server.host()))
        .arg(format!("--mysql-port={}", server.port()))
        .arg("--mysql-user=root")
        .arg(format!("--mysql-db={db}"))
        .arg("--tables=1")
        .arg("--table-size=2000")
        .arg("--rand-seed=42")
        .output()
        .expect("run sysbench");
    check(&format!("sysbench {args:?}"), out)
}

async fn table_digest(conn: &mut mysql_async::Conn, db: &str) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let rows: Vec<(i64, i64, String, String)> = conn
        .query(format!(
            "SELECT id, k, c, pad FROM {db}.sbtest1 ORDER BY id"
        ))
        .await
        .unwrap();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    rows.hash(&mut h);
    (rows.len(), h.finish())
}

#[tokio::test(flavor = "multi_thread")]
async fn sysbench_in_prepared_mode_runs_clean_and_writes_what_text_mode_writes() {
    let server = TestServer::start();
    let mut conn = server.conn().await;
    // sysbench's prepare is not reproducible even with a seed: load once, then copy.
    conn.query_drop("CREATE DATABASE sb_text").await.unwrap();
    tokio::task::block_in_place(|| sysbench(&server, "sb_text", &["oltp_write_only", "prepare"]));
    for sql in [
        "CREATE DATABASE sb_ps",
        "CREATE TABLE sb_ps.sbtest1 LIKE sb_text.sbtest1",
        "INSERT INTO sb_ps.sbtest1 SELECT * FROM sb_text.sbtest1",
    ] {
        conn.query_drop(sql).await.unwrap();
    }
    let loaded = table_digest(&mut conn, "sb_text").await;
    assert_eq!(loaded.0, 2000);
    assert_eq!(table_digest(&mut conn, "sb_ps").await, loaded);
    // The same seeded writes (updates, deletes, re-inserts), once per protocol. (oltp_insert
    // would not do: it sends text even in prepared mode.)
    for (db, mode) in [("sb_text", "disable"), ("sb_ps", "auto")] {
        let ps = format!("--db-ps-mode={mode}");
        let run = [
            "oltp_write_only",
            "--threads=1",
            "--events=300",
            "--time=0",
            &ps,
            "run",
        ];
        tokio::task::block_in_place(|| sysbench(&server, db, &run));
    }
    let text = table_digest(&mut conn, "sb_text").await;
    let prepared = table_digest(&mut conn, "sb_ps").await;
    assert_ne!(text, loaded, "the writes changed nothing");
    assert_eq!(
        prepared, text,
        "prepared-mode rows differ from text-mode rows"
    );

    // Every prepared workload, with errors counted rather than fatal. oltp_read_write runs on
    // one thread: its explicit transactions are optimistic, so two threads on a 2,000-row table
    // legitimately lose write conflicts (9007) at COMMIT.
    for (workload, threads) in [
        ("oltp_point_select", "--threads=2"),
        ("oltp_read_write", "--threads=1"),
        ("oltp_insert", "--threads=2"),
        ("oltp_update_index", "--threads=2"),
    ] {
        let args = [
            workload,
            threads,
            "--time=3",
            "--mysql-ignore-errors=all",
            "run",
        ];
        let out = tokio::task::block_in_place(|| sysbench(&server, "sb_ps", &args));
        let errors = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("ignored errors:"))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("{workload}: no error count in:\n{out}"));
        assert_eq!(errors, "0", "{workload}:\n{out}");
        let queries = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("total:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        assert!(queries > 0, "{workload} ran no queries:\n{out}");
    }
}

/// The options of a CLI tool (mariadb, mariadb-dump) that reach `server` as root.
fn connection(server: &TestServer) -> Vec<String> {
    let port = server.port().to_string();
    ["-h", server.host(), "-P", &port, "-u", "root"]
        .map(String::from)
        .to_vec()
}

/// Runs `sql` with the mariadb CLI against `server`, with `extra` options.
fn mariadb(server: &TestServer, sql: &str, extra: &[&str]) -> Output {
    Command::new(tool("mariadb"))
        .args(connection(server))
        .args(extra)
        .args(["-e", sql])
        .output()
        .expect("run mariadb")
}

/// Runs the SQL script `script` with the mariadb CLI against `server`, as `mariadb
/// [extra] < file` does.
fn mariadb_script(server: &TestServer, script: &str, extra: &[&str]) -> Output {
    let mut cli = Command::new(tool("mariadb"))
        .args(connection(server))
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mariadb");
    let mut input = cli.stdin.take().expect("the CLI's input");
    std::io::Write::write_all(&mut input, script.as_bytes()).expect("send the script");
    drop(input);
    cli.wait_with_output().expect("mariadb")
}

/// A dump as MySQL 8.0's mysqldump writes it restores: every versioned comment is code, as
/// in TiDB (`/*!40101 SET ...*/`, the view's `/*!50001 ...*/`, CREATE DATABASE's `/*!80016
/// DEFAULT ENCRYPTION='N' */`), LOCK TABLES warns, and the table's `AUTO_INCREMENT=10`
/// (rows 4 to 9 were deleted before the dump) is where its ids go on. Its indexes keep
/// their prefix lengths, comments and visibility.
#[test]
fn a_mysql_8_dump_restores() {
    let server = TestServer::start();
    let dump = include_str!("clients/mysql80_dump.sql");
    check("restoring the dump", mariadb_script(&server, dump, &[]));
    let out = mariadb(
        &server,
        "INSERT INTO items (name) VALUES ('new'); \
         SELECT * FROM items ORDER BY id; SELECT * FROM cheap ORDER BY name; \
         SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop8'; \
         SELECT INDEX_NAME, SUB_PART, IS_VISIBLE, INDEX_COMMENT FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = 'shop8' AND TABLE_NAME = 'items' ORDER BY INDEX_NAME",
        &["-D", "shop8", "--batch"],
    );
    assert_eq!(
        check("the restored database", out),
        "id\tname\tprice\thidden\n1\tpen\t1.50\tNULL\n2\tit's\tNULL\t7\n3\tcaf\u{e9}\t-0.25\tNULL\n10\tnew\tNULL\tNULL\n\
         name\ncaf\u{e9}\npen\n\
         DEFAULT_COLLATION_NAME\nutf8mb4_0900_ai_ci\n\
         INDEX_NAME\tSUB_PART\tIS_VISIBLE\tINDEX_COMMENT\n\
         PRIMARY\tNULL\tYES\t\nby_name\tNULL\tYES\t\nby_price\tNULL\tNO\t\n\
         name_start\t3\tYES\tfirst three letters\n"
    );
}

/// The mariadb CLI in batch mode: its table output, its error line, its exit status.
#[test]
fn mariadb_cli_batch_mode() {
    let server = TestServer::start();
    let run = |sql: &str, extra: &[&str]| mariadb(&server, sql, extra);
    let out = run(
        "CREATE DATABASE cli; USE cli; \
         CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(6,2)); \
         INSERT INTO items VALUES (1, 'pen', 1.50), (2, 'book', NULL); \
         SELECT * FROM items ORDER BY id",
        &["--table"],
    );
    let text = check("mariadb --table", out);
    assert_eq!(
        text,
        "+----+------+-------+\n\
         | id | name | price |\n\
         +----+------+-------+\n\
         |  1 | pen  |  1.50 |\n\
         |  2 | book |  NULL |\n\
         +----+------+-------+\n"
    );
    let out = run(
        "SELECT name, price FROM items ORDER BY id",
        &["-D", "cli", "--batch"],
    );
    assert_eq!(
        check("mariadb --batch", out),
        "name\tprice\npen\t1.50\nbook\tNULL\n"
    );
    // SHOW ... LIKE names its column after the pattern, as MySQL does.
    let out = run("SHOW DATABASES LIKE 'cl%'", &["--batch"]);
    assert_eq!(check("SHOW DATABASES LIKE", out), "Database (cl%)\ncli\n");
    // SHOW ... WHERE, views and server-side PREPARE, as a CLI user types them.
    let out = run(
        "SHOW INDEX FROM items WHERE Key_name = 'PRIMARY'; \
         SHOW COLUMNS FROM items WHERE Field LIKE 'p%'; \
         CREATE VIEW cheap AS SELECT name FROM items WHERE price < 2; \
         SELECT * FROM cheap; \
         PREPARE s FROM 'SELECT HEX(name) FROM items WHERE id = ?'; SET @i := 2; EXECUTE s USING @i",
        &["-D", "cli", "--batch"],
    );
    assert_eq!(
        check("SHOW ... WHERE, views, PREPARE", out),
        "Table\tNon_unique\tKey_name\tSeq_in_index\tColumn_name\tCollation\tCardinality\tSub_part\tPacked\tNull\tIndex_type\tComment\tIndex_comment\tVisible\tExpression\n\
         items\t0\tPRIMARY\t1\tid\tA\t0\tNULL\tNULL\t\tBTREE\t\t\tYES\tNULL\n\
         Field\tType\tNull\tKey\tDefault\tExtra\n\
         price\tdecimal(6,2)\tYES\t\tNULL\t\n\
         name\n\
         pen\n\
         HEX(name)\n\
         626F6F6B\n"
    );
    let out = run("SELECT * FROM nosuch", &["-D", "cli", "--batch"]);
    assert!(!out.status.success());
    // (mariadb 10.11's CLI echoes the failed statement before the error line)
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .ends_with("ERROR 1146 (42S02) at line 1: Table 'cli.nosuch' doesn't exist\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A database dumped from moltdb with mariadb-dump's default options (which send `LOCK
/// TABLES t READ LOCAL` while reading and write `LOCK TABLES t WRITE` around each table's
/// rows, TiDB's warning-only statements here) and its stored programs (`--routines
/// --events`: none, but asked for), restored with the mariadb CLI into another database:
/// the same tables, definitions and rows.
#[test]
fn mariadb_dump_and_restore() {
    let server = TestServer::start();
    check(
        "the database to dump",
        mariadb(
            &server,
            "CREATE DATABASE src; USE src; \
             CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, \
               price DECIMAL(10,2), added DATETIME, KEY by_name (name), \
               KEY by_start (name(2)) COMMENT 'first two', KEY by_price (price) INVISIBLE); \
             INSERT INTO items (name, price, added) VALUES ('pen', 1.50, '2026-01-02 03:04:05'), \
               ('it''s \\\\ \"quoted\"', NULL, NULL), ('caf\u{e9} \u{1f600}', -0.25, '1999-12-31 23:59:59'); \
             CREATE TABLE tags (item INT NOT NULL, tag VARCHAR(10) NOT NULL, PRIMARY KEY (item, tag), \
               UNIQUE KEY one_tag (tag, item)); \
             INSERT INTO tags VALUES (1, 'office'), (2, 'odd'), (3, 'food');",
            &[],
        ),
    );
    let dump = Command::new(tool("mariadb-dump"))
        .args(connection(&server))
        .args(["--routines", "--events", "src"])
        .output()
        .expect("run mariadb-dump");
    let dump = check("mariadb-dump", dump);
    assert!(dump.contains("LOCK TABLES `items` WRITE;"), "{dump}");
    // The ids go on where they were (TiDB's figure: after the range reserved).
    assert!(dump.contains("AUTO_INCREMENT=1002"), "{dump}");
    assert!(
        dump.contains("KEY `by_start` (`name`(2)) COMMENT 'first two'")
            && dump.contains("KEY `by_price` (`price`) /*!80000 INVISIBLE */"),
        "{dump}"
    );
    check(
        "the target database",
        mariadb(&server, "CREATE DATABASE dst", &[]),
    );
    check(
        "restoring the dump",
        mariadb_script(&server, &dump, &["dst"]),
    );
    let contents = |db: &str| {
        let out = mariadb(
            &server,
            "SELECT * FROM items ORDER BY id; SELECT * FROM tags ORDER BY item; \
             SELECT name FROM items FORCE INDEX (by_name) ORDER BY name; \
             SHOW CREATE TABLE items; SHOW CREATE TABLE tags",
            &["-D", db, "--batch"],
        );
        check("the restored tables", out)
    };
    let (src, dst) = (contents("src"), contents("dst"));
    assert!(
        src.contains("caf\u{e9} \u{1f600}") && src.contains("it's"),
        "{src}"
    );
    assert_eq!(src, dst);
    let checked = mariadb(
        &server,
        "ADMIN CHECK TABLE items, tags",
        &["-D", "dst", "--batch"],
    );
    check("ADMIN CHECK TABLE", checked);
}

/// LOAD DATA LOCAL INFILE from the mariadb CLI: the client sends its file, the server's
/// OK carries MySQL's `Records: ...` line (printed with -vv), duplicates are skipped with
/// warnings; with --local-infile=0 the client refuses to send; LINES STARTING BY and SET.
#[test]
fn mariadb_cli_load_data_local() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("items.tsv");
    std::fs::write(&file, "1\tpen\t1.50\n2\tbook\t\\N\n1\tdup\t9\n3\tink\n").unwrap();
    let run = |sql: &str, extra: &[&str]| mariadb(&server, sql, extra);
    check(
        "create",
        run(
            "CREATE DATABASE cli; CREATE TABLE cli.items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(6,2))",
            &[],
        ),
    );
    let sql = format!(
        "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.items; SHOW WARNINGS; \
         SELECT * FROM cli.items ORDER BY id",
        file.display()
    );
    let text = check(
        "LOAD DATA LOCAL",
        run(&sql, &["--local-infile=1", "-vv", "--batch"]),
    );
    assert!(
        text.contains("Records: 4  Deleted: 0  Skipped: 1  Warnings: 2"),
        "{text}"
    );
    assert!(
        text.contains("Warning\t1062\tDuplicate entry '1' for key 'items.PRIMARY'"),
        "{text}"
    );
    assert!(
        text.contains("Warning\t1261\tRow 4 doesn't contain data for all columns"),
        "{text}"
    );
    assert!(
        text.contains("id\tname\tprice\n1\tpen\t1.50\n2\tbook\tNULL\n3\tink\tNULL\n"),
        "{text}"
    );
    let out = run(
        &format!(
            "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.items",
            file.display()
        ),
        &["--local-infile=0"],
    );
    assert!(!out.status.success(), "sent a file it was told not to");

    // LINES STARTING BY, a column list with @variables and SET over them and the columns.
    let file = dir.path().join("prefixed.txt");
    std::fs::write(
        &file,
        "noise line\nxxx10,ruler,2\nskip me too\nxxx11,glue,3\n",
    )
    .unwrap();
    let sql = format!(
        "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.items FIELDS TERMINATED BY ',' \
         LINES STARTING BY 'xxx' (id, @name, @qty) SET name = UPPER(@name), \
         price = @qty * 1.25 + id; SELECT * FROM cli.items WHERE id >= 10 ORDER BY id",
        file.display()
    );
    let text = check(
        "LOAD DATA ... SET",
        run(&sql, &["--local-infile=1", "--batch"]),
    );
    assert_eq!(text, "id\tname\tprice\n10\tRULER\t12.50\n11\tGLUE\t14.75\n");

    // CHARACTER SET: a gbk file's text converted; an unknown character set is 1115.
    let file = dir.path().join("gbk.txt");
    let mut gbk = b"20\t".to_vec();
    gbk.extend_from_slice(&encoding_rs::GBK.encode("\u{4e2d}\u{6587}").0);
    gbk.extend_from_slice(b"\t1\n");
    std::fs::write(&file, gbk).unwrap();
    let sql = format!(
        "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.items CHARACTER SET gbk; \
         SELECT name, HEX(name) FROM cli.items WHERE id = 20",
        file.display()
    );
    let text = check(
        "LOAD DATA ... CHARACTER SET gbk",
        run(&sql, &["--local-infile=1", "--batch"]),
    );
    assert_eq!(text, "name\tHEX(name)\n\u{4e2d}\u{6587}\tE4B8ADE69687\n");
    let out = run(
        &format!(
            "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.items CHARACTER SET klingon",
            file.display()
        ),
        &["--local-infile=1"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ERROR 1115 (42000)")
            && String::from_utf8_lossy(&out.stderr).contains("Unknown character set: 'klingon'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A foreign key: LOCAL skips a row without its parent with warning 1452, as it skips a
    // duplicate.
    let file = dir.path().join("orders.tsv");
    std::fs::write(&file, "1\t1\n2\t99\n3\t2\n").unwrap();
    check(
        "create the child",
        run(
            "CREATE TABLE cli.orders (id INT PRIMARY KEY, item_id INT, FOREIGN KEY (item_id) REFERENCES cli.items (id))",
            &[],
        ),
    );
    let sql = format!(
        "LOAD DATA LOCAL INFILE '{}' INTO TABLE cli.orders; SHOW WARNINGS; \
         SELECT * FROM cli.orders ORDER BY id",
        file.display()
    );
    let text = check(
        "LOAD DATA into a child",
        run(&sql, &["--local-infile=1", "-vv", "--batch"]),
    );
    assert!(
        text.contains("Records: 3  Deleted: 0  Skipped: 1  Warnings: 1"),
        "{text}"
    );
    assert!(
        text.contains("Warning\t1452\tCannot add or update a child row: a foreign key constraint fails (`cli`.`orders`, CONSTRAINT `orders_ibfk_1` FOREIGN KEY (`item_id`) REFERENCES `items` (`id`))"),
        "{text}"
    );
    assert!(text.contains("id\titem_id\n1\t1\n3\t2\n"), "{text}");
}

/// TLS (`--tls-cert` / `--tls-key`, a self-signed certificate): the mariadb CLI, PyMySQL,
/// mysqlclient and mysql-connector connect over it and see its version in SHOW STATUS; an
/// account with REQUIRE SSL and `require_secure_transport` refuse plain connections.
#[test]
fn tls_for_the_cli_and_the_python_drivers() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    let server = TestServer::start_with(
        &[],
        &[
            "--tls-cert".into(),
            cert.display().to_string(),
            "--tls-key".into(),
            key.display().to_string(),
        ],
    );
    let status = "SHOW STATUS LIKE 'Ssl_version'";
    let secured = check("mariadb --ssl", mariadb(&server, status, &["--ssl"]));
    assert!(secured.contains("TLSv1.3"), "{secured}");
    let plain = check(
        "mariadb --skip-ssl",
        mariadb(&server, status, &["--skip-ssl"]),
    );
    assert!(!plain.contains("TLS"), "{plain}");

    check(
        "create the account",
        mariadb(
            &server,
            "CREATE USER sec IDENTIFIED BY 'pw' REQUIRE SSL",
            &["--ssl"],
        ),
    );
    let as_sec = |flag: &str| {
        Command::new(tool("mariadb"))
            .args(["-h", server.host(), "-P", &server.port().to_string()])
            .args(["-u", "sec", "-ppw", flag, "-e", "SELECT CURRENT_USER()"])
            .output()
            .unwrap()
    };
    let refused = as_sec("--skip-ssl");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("1045"));
    assert!(check("sec over TLS", as_sec("--ssl")).contains("sec@%"));

    check(
        "require_secure_transport",
        mariadb(
            &server,
            "SET GLOBAL require_secure_transport = ON",
            &["--ssl"],
        ),
    );
    let refused = mariadb(&server, "SELECT 1", &["--skip-ssl"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("3159"));
    check("TLS still in", mariadb(&server, "SELECT 1", &["--ssl"]));

    let script = r#"
import os, ssl, pymysql, MySQLdb, mysql.connector
host, port = os.environ["MOLTDB_HOST"], int(os.environ["MOLTDB_PORT"])
connections = {
    "pymysql": pymysql.connect(host=host, port=port, user="sec", password="pw",
                               ssl={"check_hostname": False, "verify_mode": ssl.CERT_NONE}),
    "mysqlclient": MySQLdb.connect(host=host, port=port, user="sec", passwd="pw",
                                   ssl_mode="REQUIRED"),
    "mysql-connector": mysql.connector.connect(host=host, port=port, user="sec", password="pw",
                                               use_pure=True, ssl_verify_cert=False),
}
for name, conn in connections.items():
    cur = conn.cursor()
    cur.execute("SHOW STATUS LIKE 'Ssl_version'")
    print(name, cur.fetchall()[0][1])
"#;
    let out = Command::new(python())
        .args(["-c", script])
        .env("MOLTDB_HOST", server.host())
        .env("MOLTDB_PORT", server.port().to_string())
        .output()
        .unwrap();
    let printed = check("Python drivers over TLS", out);
    for driver in ["pymysql", "mysqlclient", "mysql-connector"] {
        assert!(printed.contains(&format!("{driver} TLSv1.3")), "{printed}");
    }
}
