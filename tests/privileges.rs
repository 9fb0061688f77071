//! Accounts and privileges through the MySQL protocol, as a DBA and an application user see
//! them: logins (mysql_native_password and caching_sha2_password, wrong passwords, locked
//! accounts), a user with SELECT on one database that can read or change nothing else,
//! grants and revokes taking effect on open connections, accounts surviving a restart, and
//! the server's start-up rules for root's password.

mod common;

use common::{server_error_code, TestServer};
use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder};

fn as_user(server: &TestServer, user: &str, password: &str, db: Option<&str>) -> Opts {
    OptsBuilder::from_opts(server.opts())
        .user(Some(user))
        .pass(Some(password))
        .db_name(db)
        .into()
}

async fn login(
    server: &TestServer,
    user: &str,
    password: &str,
) -> Result<Conn, mysql_async::Error> {
    Conn::new(as_user(server, user, password, None)).await
}

async fn code_of(c: &mut Conn, sql: &str) -> Option<u16> {
    match c.query_drop(sql).await {
        Ok(()) => None,
        Err(e) => server_error_code(&e),
    }
}

async fn strings(c: &mut Conn, sql: &str) -> Vec<String> {
    c.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn logins_follow_the_accounts() {
    let server = TestServer::start();
    let mut root = server.conn().await;
    root.query_drop(
        "CREATE USER app IDENTIFIED BY 'pw1', 'sha'@'%' IDENTIFIED WITH caching_sha2_password BY 'pw2'",
    )
    .await
    .unwrap();
    let mut app = login(&server, "app", "pw1").await.unwrap();
    assert_eq!(
        strings(&mut app, "SELECT CURRENT_USER()").await,
        vec!["app@%".to_string()]
    );
    let mut sha = login(&server, "sha", "pw2").await.unwrap();
    assert_eq!(
        strings(&mut sha, "SELECT CURRENT_USER()").await,
        vec!["sha@%".to_string()]
    );
    for (user, password) in [("app", "nope"), ("app", ""), ("sha", "pw1"), ("ghost", "")] {
        let err = login(&server, user, password).await.unwrap_err();
        assert_eq!(
            server_error_code(&err),
            Some(1045),
            "{user}/{password}: {err:?}"
        );
    }
    // A user changes their own password; the old one stops working.
    app.query_drop("SET PASSWORD = 'pw3'").await.unwrap();
    assert!(login(&server, "app", "pw1").await.is_err());
    login(&server, "app", "pw3").await.unwrap();
    // Changing someone else's takes CREATE USER.
    assert_eq!(
        code_of(&mut app, "SET PASSWORD FOR sha = 'x'").await,
        Some(1227)
    );
    root.query_drop("ALTER USER app ACCOUNT LOCK")
        .await
        .unwrap();
    let err = login(&server, "app", "pw3").await.unwrap_err();
    assert_eq!(server_error_code(&err), Some(3118), "{err:?}");
    root.query_drop("ALTER USER app ACCOUNT UNLOCK")
        .await
        .unwrap();
    root.query_drop("DROP USER app").await.unwrap();
    assert!(login(&server, "app", "pw3").await.is_err());
    assert_eq!(code_of(&mut root, "DROP USER app").await, Some(1396));
    assert_eq!(code_of(&mut root, "CREATE USER sha").await, Some(1396));
    root.query_drop("DROP USER IF EXISTS app").await.unwrap();
}

#[tokio::test]
async fn a_reader_of_one_database_reads_nothing_else() {
    let server = TestServer::start();
    let mut root = server.conn().await;
    for sql in [
        "CREATE DATABASE shop",
        "CREATE DATABASE secret",
        "CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO shop.items VALUES (1, 'pen')",
        "CREATE TABLE secret.keys (id INT PRIMARY KEY, k VARCHAR(20))",
        "INSERT INTO secret.keys VALUES (1, 'hunter2')",
        "CREATE VIEW shop.key_count AS SELECT COUNT(*) AS n FROM secret.keys",
        "CREATE USER reader IDENTIFIED BY 'r'",
        "GRANT SELECT ON shop.* TO reader",
    ] {
        root.query_drop(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let mut r = Conn::new(as_user(&server, "reader", "r", Some("shop")))
        .await
        .unwrap();
    assert_eq!(strings(&mut r, "SELECT name FROM items").await, vec!["pen"]);
    // The view reads secret.keys with its definer's privileges.
    assert_eq!(
        strings(&mut r, "SELECT CAST(n AS CHAR) FROM key_count").await,
        vec!["1"]
    );
    let denied = [
        ("SELECT * FROM secret.keys", 1142),
        (
            "SELECT * FROM items WHERE id IN (SELECT id FROM secret.keys)",
            1142,
        ),
        ("INSERT INTO items VALUES (2, 'ink')", 1142),
        ("UPDATE items SET name = 'x'", 1142),
        ("DELETE FROM items", 1142),
        ("INSERT INTO items SELECT * FROM secret.keys", 1142),
        ("CREATE TABLE shop.t2 (a INT)", 1142),
        ("DROP TABLE items", 1142),
        ("ALTER TABLE items ADD COLUMN c INT", 1142),
        ("CREATE INDEX i ON items (name)", 1142),
        ("TRUNCATE TABLE items", 1142),
        // TiDB's: LOCK TABLES on the database, then SELECT on each table.
        ("LOCK TABLES items READ", 1044),
        ("CREATE DATABASE more", 1044),
        ("DROP DATABASE secret", 1044),
        ("USE secret", 1044),
        ("USE nosuchdb", 1044),
        ("SHOW TABLES FROM secret", 1044),
        ("SHOW COLUMNS FROM secret.keys", 1142),
        ("SHOW CREATE TABLE secret.keys", 1142),
        ("SELECT * FROM mysql.user", 1142),
        ("ADMIN SHOW DDL JOBS", 1227),
        ("SET GLOBAL max_connections = 10", 1227),
        ("CREATE USER other", 1227),
        ("GRANT SELECT ON shop.* TO reader", 1044),
        ("SHOW GRANTS FOR root", 1044),
    ];
    for (sql, code) in denied {
        assert_eq!(code_of(&mut r, sql).await, Some(code), "{sql}");
    }
    assert_eq!(
        strings(&mut r, "SHOW DATABASES").await,
        vec!["information_schema", "shop"]
    );
    assert_eq!(
        strings(
            &mut r,
            "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA <> 'information_schema' ORDER BY 1"
        )
        .await,
        vec!["shop.items", "shop.key_count"]
    );
    // Another user's connection: not in the process list, not killable.
    let root_id: Vec<u32> = root.query("SELECT CONNECTION_ID()").await.unwrap();
    let users = strings(&mut r, "SELECT USER FROM information_schema.PROCESSLIST").await;
    assert_eq!(users, vec!["reader"]);
    assert_eq!(
        code_of(&mut r, &format!("KILL {}", root_id[0])).await,
        Some(1095)
    );
    // Nothing changed.
    let keys: Vec<String> = root.query("SELECT k FROM secret.keys").await.unwrap();
    assert_eq!(keys, vec!["hunter2"]);
    assert_eq!(
        strings(&mut r, "SHOW GRANTS").await,
        vec![
            "GRANT USAGE ON *.* TO 'reader'@'%'",
            "GRANT SELECT ON `shop`.* TO 'reader'@'%'"
        ]
    );
}

#[tokio::test]
async fn grants_and_revokes_apply_to_open_connections() {
    let server = TestServer::start();
    let mut root = server.conn().await;
    for sql in [
        "CREATE DATABASE d",
        "CREATE TABLE d.a (id INT PRIMARY KEY)",
        "CREATE TABLE d.b (id INT PRIMARY KEY)",
        "CREATE USER w IDENTIFIED BY 'w'",
        "CREATE USER peer",
    ] {
        root.query_drop(sql).await.unwrap();
    }
    let mut w = login(&server, "w", "w").await.unwrap();
    assert_eq!(
        code_of(&mut w, "INSERT INTO d.a VALUES (1)").await,
        Some(1142)
    );
    root.query_drop("GRANT INSERT, SELECT ON d.a TO w WITH GRANT OPTION")
        .await
        .unwrap();
    w.query_drop("INSERT INTO d.a VALUES (1)").await.unwrap();
    assert_eq!(code_of(&mut w, "SELECT * FROM d.b").await, Some(1142));
    assert_eq!(strings(&mut w, "SHOW TABLES FROM d").await, vec!["a"]);
    // GRANT OPTION passes on what the grantor holds, and nothing more.
    w.query_drop("GRANT SELECT ON d.a TO peer").await.unwrap();
    assert_eq!(
        code_of(&mut w, "GRANT DELETE ON d.a TO peer").await,
        Some(1142)
    );
    assert_eq!(
        strings(&mut root, "SHOW GRANTS FOR peer").await,
        vec![
            "GRANT USAGE ON *.* TO 'peer'@'%'",
            "GRANT SELECT ON `d`.`a` TO 'peer'@'%'"
        ]
    );
    root.query_drop("REVOKE INSERT ON d.a FROM w")
        .await
        .unwrap();
    assert_eq!(
        code_of(&mut w, "INSERT INTO d.a VALUES (2)").await,
        Some(1142)
    );
    assert_eq!(
        strings(&mut w, "SELECT CAST(id AS CHAR) FROM d.a").await,
        vec!["1"]
    );
    // Database-level and global grants.
    root.query_drop("GRANT ALL ON d.* TO w").await.unwrap();
    w.query_drop("CREATE TABLE d.c (x INT)").await.unwrap();
    w.query_drop("DROP TABLE d.c").await.unwrap();
    root.query_drop("GRANT SUPER ON *.* TO w").await.unwrap();
    w.query_drop("ADMIN SHOW DDL JOBS").await.unwrap();
    root.query_drop("REVOKE ALL PRIVILEGES, GRANT OPTION FROM w")
        .await
        .unwrap();
    assert_eq!(code_of(&mut w, "SELECT * FROM d.a").await, Some(1142));
    assert_eq!(
        strings(&mut root, "SHOW GRANTS FOR w").await,
        vec!["GRANT USAGE ON *.* TO 'w'@'%'"]
    );
    // Errors as MySQL's.
    for (sql, code) in [
        ("GRANT SELECT ON d.a TO nobody", 1410),
        ("GRANT SUPER ON d.* TO w", 1221),
        ("GRANT EXECUTE ON d.a TO w", 1144),
        ("GRANT SELECT ON d.missing TO w", 1146),
        ("REVOKE SELECT ON d.* FROM w", 1141),
        ("SHOW GRANTS FOR nobody", 1141),
        ("CREATE USER x IDENTIFIED WITH no_such_plugin", 1524),
    ] {
        assert_eq!(code_of(&mut root, sql).await, Some(code), "{sql}");
    }
}

#[tokio::test]
async fn accounts_survive_a_restart() {
    let mut server = TestServer::start();
    {
        let mut root = server.conn().await;
        root.query_drop("CREATE DATABASE k").await.unwrap();
        root.query_drop("CREATE USER keep IDENTIFIED BY 'k'")
            .await
            .unwrap();
        root.query_drop("GRANT SELECT ON k.* TO keep")
            .await
            .unwrap();
        root.query_drop("ALTER USER root IDENTIFIED BY 'rootpw'")
            .await
            .unwrap();
    }
    server.restart();
    let mut keep = login(&server, "keep", "k").await.unwrap();
    assert_eq!(
        strings(&mut keep, "SHOW GRANTS").await,
        vec![
            "GRANT USAGE ON *.* TO 'keep'@'%'",
            "GRANT SELECT ON `k`.* TO 'keep'@'%'"
        ]
    );
    assert!(login(&server, "root", "").await.is_err());
    login(&server, "root", "rootpw").await.unwrap();
}

#[tokio::test]
async fn root_password_at_first_start() {
    let server = TestServer::start_with(&[], &["--initial-root-password".into(), "s3cret".into()]);
    let err = login(&server, "root", "").await.unwrap_err();
    assert_eq!(server_error_code(&err), Some(1045));
    let mut root = login(&server, "root", "s3cret").await.unwrap();
    assert_eq!(
        strings(
            &mut root,
            "SELECT authentication_string <> '' FROM mysql.user WHERE User = 'root'"
        )
        .await,
        vec!["1"]
    );
}

#[test]
fn a_public_address_needs_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_moltdb"))
        .args(["--host", "0.0.0.0", "--port", "0", "--data-dir"])
        .arg(dir.path().join("data"))
        .env_remove("MOLTDB_ROOT_PASSWORD")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no password"), "{stderr}");
}

/// Retries `attempt` for up to ten seconds (another node loads account changes within its
/// loader's next round).
async fn eventually<T>(what: &str, mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(v) = attempt().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[test]
fn every_node_sees_account_changes() {
    common::ddl::run_test(async {
        let (cluster, _dir) = common::ddl::start_cluster(2).await;
        let mut root = common::ddl::node_conn(&cluster, 0, None).await;
        for sql in [
            "CREATE DATABASE g",
            "CREATE TABLE g.t (id INT PRIMARY KEY)",
            "CREATE USER gu IDENTIFIED BY 'g'",
        ] {
            root.query_drop(sql).await.unwrap();
        }
        let other: Opts = OptsBuilder::from_opts(common::ddl::node_opts(&cluster, 1, None))
            .user(Some("gu"))
            .pass(Some("g"))
            .into();
        let mut gu = eventually("node 1 lets the new account in", async || {
            Conn::new(other.clone()).await.ok()
        })
        .await;
        assert_eq!(code_of(&mut gu, "SELECT * FROM g.t").await, Some(1142));
        root.query_drop("GRANT SELECT ON g.t TO gu").await.unwrap();
        eventually("node 1 applies the grant", async || {
            code_of(&mut gu, "SELECT * FROM g.t")
                .await
                .is_none()
                .then_some(())
        })
        .await;
        root.query_drop("DROP USER gu").await.unwrap();
        eventually("node 1 refuses the dropped account", async || {
            Conn::new(other.clone()).await.is_err().then_some(())
        })
        .await;
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}

#[tokio::test]
async fn preparing_a_statement_checks_it_too() {
    let server = TestServer::start();
    let mut root = server.conn().await;
    for sql in [
        "CREATE DATABASE p",
        "CREATE TABLE p.hidden (secret_column INT)",
        "CREATE USER prep",
    ] {
        root.query_drop(sql).await.unwrap();
    }
    let mut c = login(&server, "prep", "").await.unwrap();
    let err = c
        .prep("SELECT * FROM p.hidden WHERE secret_column = ?")
        .await
        .unwrap_err();
    assert_eq!(server_error_code(&err), Some(1142), "{err:?}");
}

/// A multi-table UPDATE or DELETE writes only the tables its SET columns or targets
/// resolve to: UPDATE / DELETE is needed there (also for an unqualified column, which only
/// execution can place), SELECT on the tables it only reads.
#[tokio::test]
async fn multi_table_statements_need_write_privileges_on_what_they_write() {
    let server = TestServer::start();
    let mut root = server.conn().await;
    for sql in [
        "CREATE DATABASE shop",
        "CREATE TABLE shop.items (id INT PRIMARY KEY, price INT)",
        "CREATE TABLE shop.prices (item INT, amount INT)",
        "INSERT INTO shop.items VALUES (1, 10), (2, 20)",
        "INSERT INTO shop.prices VALUES (1, 11), (2, 21)",
        "CREATE USER clerk IDENTIFIED BY 'pw'",
        "GRANT SELECT, UPDATE ON shop.items TO clerk",
        "GRANT SELECT ON shop.prices TO clerk",
    ] {
        root.query_drop(sql).await.unwrap();
    }
    let mut clerk = Conn::new(as_user(&server, "clerk", "pw", Some("shop")))
        .await
        .unwrap();
    // Writing items from prices: allowed, qualified or not.
    clerk
        .query_drop("UPDATE items JOIN prices ON prices.item = items.id SET items.price = amount")
        .await
        .unwrap();
    clerk
        .query_drop("UPDATE items, prices SET price = 5 WHERE items.id = 1 AND prices.item = 9")
        .await
        .unwrap();
    // Writing prices: denied, however the column is named.
    for sql in [
        "UPDATE items JOIN prices ON prices.item = items.id SET prices.amount = 0",
        "UPDATE items, prices SET amount = 0 WHERE prices.item = items.id",
        "DELETE prices FROM items JOIN prices ON prices.item = items.id",
    ] {
        assert_eq!(code_of(&mut clerk, sql).await, Some(1142), "{sql}");
    }
    let prices: Vec<(i32, i32)> = root
        .query("SELECT item, amount FROM shop.prices ORDER BY item")
        .await
        .unwrap();
    assert_eq!(prices, vec![(1, 11), (2, 21)]);
    let items: Vec<(i32, i32)> = root
        .query("SELECT id, price FROM shop.items ORDER BY id")
        .await
        .unwrap();
    assert_eq!(items, vec![(1, 11), (2, 21)]);
}
