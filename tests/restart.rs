//! Durability: everything acknowledged as committed survives `kill -9` and a restart on the
//! same data directory; uncommitted work does not. SIGTERM shuts the server down cleanly.

mod common;

use std::time::Duration;

use common::TestServer;
use mysql_async::prelude::*;
use mysql_async::Conn;

async fn ids(conn: &mut Conn, table: &str) -> Vec<i64> {
    conn.query(format!("SELECT id FROM {table} ORDER BY id"))
        .await
        .unwrap()
}

#[tokio::test]
async fn committed_rows_survive_kill_9() {
    let mut server = TestServer::start();
    let mut expected: Vec<i64> = Vec::new();
    {
        let mut c = server.conn().await;
        c.query_drop("CREATE DATABASE durable").await.unwrap();
        c.query_drop("USE durable").await.unwrap();
        c.query_drop(
            "CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20), k INT, \
             UNIQUE KEY uk_v (v), KEY idx_k (k))",
        )
        .await
        .unwrap();
        // Autocommit single-row inserts, text and prepared.
        for i in 1..=100i64 {
            if i % 2 == 0 {
                c.exec_drop(
                    "INSERT INTO t VALUES (?, ?, ?)",
                    (i, format!("v{i}"), i % 7),
                )
                .await
                .unwrap();
            } else {
                c.query_drop(format!("INSERT INTO t VALUES ({i}, 'v{i}', {})", i % 7))
                    .await
                    .unwrap();
            }
            expected.push(i);
        }
        // A multi-row insert, an update and a delete, all autocommit.
        c.query_drop("INSERT INTO t (v, k) VALUES ('m1', 100), ('m2', 100), ('m3', 100)")
            .await
            .unwrap();
        expected.extend([101, 102, 103]);
        c.query_drop("UPDATE t SET k = 42 WHERE id = 7")
            .await
            .unwrap();
        c.query_drop("DELETE FROM t WHERE id = 8").await.unwrap();
        expected.retain(|&id| id != 8);

        // An explicit transaction committed right before the kill.
        c.query_drop("BEGIN").await.unwrap();
        for i in 200..210i64 {
            c.query_drop(format!("INSERT INTO t VALUES ({i}, 'tx{i}', 9)"))
                .await
                .unwrap();
            expected.push(i);
        }
        c.query_drop("COMMIT").await.unwrap();

        // An open transaction at the time of the kill: must vanish.
        let mut open = server.conn().await;
        open.query_drop("USE durable").await.unwrap();
        open.query_drop("BEGIN").await.unwrap();
        open.query_drop("INSERT INTO t VALUES (999, 'uncommitted', 1)")
            .await
            .unwrap();
        open.query_drop("DELETE FROM t WHERE id = 1").await.unwrap();

        // kill -9 with both connections still open.
        server.kill9();
        drop(open);
        drop(c);
    }

    server.restart();
    let mut c = server.conn().await;
    c.query_drop("USE durable").await.unwrap();
    assert_eq!(ids(&mut c, "t").await, expected);

    // Column values and indexes came back too.
    let v: Option<String> = c
        .query_first("SELECT v FROM t WHERE id = 206")
        .await
        .unwrap();
    assert_eq!(v.as_deref(), Some("tx206"));
    let by_unique: Option<i64> = c
        .query_first("SELECT id FROM t WHERE v = 'm2'")
        .await
        .unwrap();
    assert_eq!(by_unique, Some(102));
    let by_k: Vec<i64> = c.query("SELECT id FROM t WHERE k = 42").await.unwrap();
    assert_eq!(by_k, vec![7]);
    let by_k: Vec<i64> = c
        .query("SELECT id FROM t WHERE k = 9 ORDER BY id")
        .await
        .unwrap();
    assert_eq!(by_k, (200..210).collect::<Vec<_>>());
    let gone: Option<i64> = c
        .query_first("SELECT id FROM t WHERE v = 'uncommitted'")
        .await
        .unwrap();
    assert_eq!(gone, None);

    // Unique constraints still hold, and AUTO_INCREMENT never hands out a used id.
    let res = c.query_drop("INSERT INTO t (v, k) VALUES ('v5', 0)").await;
    common::expect_server_error(res, 1062);
    c.query_drop("INSERT INTO t (v, k) VALUES ('after', 0)")
        .await
        .unwrap();
    let new_id = c.last_insert_id().unwrap() as i64;
    assert!(
        new_id > 209,
        "auto_increment reused an id after restart: {new_id}"
    );

    // The store keeps working across a second crash.
    server.kill9();
    server.restart();
    let mut c = server.conn().await;
    c.query_drop("USE durable").await.unwrap();
    let mut all = expected.clone();
    all.push(new_id);
    assert_eq!(ids(&mut c, "t").await, all);
}

/// A commit of more writes than the store applies through its write buffer (it ingests
/// them): acknowledged, it survives kill -9 whole; killed while in flight, it is there
/// whole or not at all, and later commits land above it.
#[tokio::test]
async fn a_huge_commit_is_all_or_nothing_across_kill_9() {
    let mut server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE huge").await.unwrap();
    c.query_drop("USE huge").await.unwrap();
    c.query_drop("CREATE TABLE src (id BIGINT PRIMARY KEY, k INT, KEY ik (k))")
        .await
        .unwrap();
    for chunk in 0..30 {
        let values: Vec<String> = (chunk * 1000..(chunk + 1) * 1000)
            .map(|i| format!("({i}, {})", i % 13))
            .collect();
        c.query_drop(format!("INSERT INTO src VALUES {}", values.join(",")))
            .await
            .unwrap();
    }
    c.query_drop("CREATE TABLE acked LIKE src").await.unwrap();
    let started = std::time::Instant::now();
    c.query_drop("INSERT INTO acked SELECT * FROM src")
        .await
        .unwrap();
    // Kills around the time the copy takes, to land in its commit.
    let took = started.elapsed().as_millis() as u64;
    drop(c);
    server.kill9();
    for delay_ms in [took * 8 / 10, took * 95 / 100, took * 11 / 10] {
        server.restart();
        let mut c = server.conn().await;
        c.query_drop("USE huge").await.unwrap();
        c.query_drop("DROP TABLE IF EXISTS inflight").await.unwrap();
        c.query_drop("CREATE TABLE inflight LIKE src")
            .await
            .unwrap();
        let opts = server.opts();
        let copy = tokio::spawn(async move {
            let mut conn = Conn::new(opts).await.unwrap();
            let _ = conn
                .query_drop("INSERT INTO huge.inflight SELECT * FROM huge.src")
                .await;
        });
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.kill9();
        let _ = copy.await;
        server.restart();
        let mut c = server.conn().await;
        c.query_drop("USE huge").await.unwrap();
        let acked: i64 = c
            .query_first("SELECT COUNT(*) FROM acked")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acked, 30_000);
        let inflight: i64 = c
            .query_first("SELECT COUNT(*) FROM inflight")
            .await
            .unwrap()
            .unwrap();
        assert!(
            inflight == 0 || inflight == 30_000,
            "{inflight} rows after a kill at {delay_ms} ms"
        );
        eprintln!("killed at {delay_ms} ms: {inflight} rows");
        c.query_drop("ADMIN CHECK TABLE acked, inflight")
            .await
            .unwrap();
        // A later commit is seen over the huge one.
        c.query_drop("UPDATE acked SET k = -1 WHERE id = 7")
            .await
            .unwrap();
        let k: i64 = c
            .query_first("SELECT k FROM acked WHERE id = 7")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k, -1);
        c.query_drop("UPDATE acked SET k = 7 WHERE id = 7")
            .await
            .unwrap();
        drop(c);
        server.kill9();
    }
}

#[tokio::test]
async fn concurrent_commits_survive_kill_9() {
    let mut server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE durable2").await.unwrap();
    c.query_drop("CREATE TABLE durable2.t (id BIGINT PRIMARY KEY, w INT)")
        .await
        .unwrap();
    let mut handles = Vec::new();
    for w in 0..4i64 {
        let opts = server.opts();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(opts).await.unwrap();
            for i in 0..25i64 {
                conn.exec_drop("INSERT INTO durable2.t VALUES (?, ?)", (w * 100 + i, w))
                    .await
                    .unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    drop(c);
    server.kill9();
    server.restart();
    let mut c = server.conn().await;
    let got = ids(&mut c, "durable2.t").await;
    assert_eq!(got.len(), 100);
}

#[tokio::test]
async fn ddl_survives_kill_9() {
    let mut server = TestServer::start();
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE d1").await.unwrap();
    c.query_drop("CREATE DATABASE d2").await.unwrap();
    c.query_drop("CREATE TABLE d1.a (x INT PRIMARY KEY)")
        .await
        .unwrap();
    c.query_drop("CREATE TABLE d1.b (x INT)").await.unwrap();
    c.query_drop("INSERT INTO d1.b VALUES (1)").await.unwrap();
    c.query_drop("DROP TABLE d1.b").await.unwrap();
    c.query_drop("DROP DATABASE d2").await.unwrap();
    c.query_drop("CREATE TABLE d1.c (id INT AUTO_INCREMENT PRIMARY KEY, y INT)")
        .await
        .unwrap();
    c.query_drop("INSERT INTO d1.c (y) VALUES (1), (2)")
        .await
        .unwrap();
    c.query_drop("TRUNCATE TABLE d1.c").await.unwrap();
    drop(c);
    server.kill9();
    server.restart();

    let mut c = server.conn().await;
    let dbs: Vec<String> = c.query("SHOW DATABASES").await.unwrap();
    assert!(dbs.contains(&"d1".to_string()), "{dbs:?}");
    assert!(!dbs.contains(&"d2".to_string()), "{dbs:?}");
    c.query_drop("USE d1").await.unwrap();
    let mut tables: Vec<String> = c.query("SHOW TABLES").await.unwrap();
    tables.sort();
    assert_eq!(tables, vec!["a".to_string(), "c".to_string()]);
    let rows: Vec<(i32, i32)> = c.query("SELECT id, y FROM c").await.unwrap();
    assert!(rows.is_empty(), "TRUNCATE must survive: {rows:?}");
    let res = c.query_drop("SELECT * FROM b").await;
    common::expect_server_error(res, 1146);
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly_and_keeps_data() {
    let mut server = TestServer::start();
    {
        let mut c = server.conn().await;
        c.query_drop("CREATE DATABASE graceful").await.unwrap();
        c.query_drop("CREATE TABLE graceful.t (id INT PRIMARY KEY)")
            .await
            .unwrap();
        c.query_drop("INSERT INTO graceful.t VALUES (1), (2), (3)")
            .await
            .unwrap();
        c.disconnect().await.unwrap();
    }
    let status = server
        .terminate(Duration::from_secs(15))
        .expect("moltdb did not exit within 15 s of SIGTERM");
    assert!(status.success(), "exit status after SIGTERM: {status}");
    server.restart();
    let mut c = server.conn().await;
    assert_eq!(ids(&mut c, "graceful.t").await, vec![1, 2, 3]);
}

/// How many times the server's log says GC swept the whole store.
fn full_sweeps(server: &TestServer) -> usize {
    server.log().matches("swept the whole store").count()
}

/// Waits up to 20 s for `full_sweeps` to reach `n`.
fn wait_for_sweeps(server: &TestServer, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while full_sweeps(server) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "no GC sweep {n} within 20 s:\n{}",
            server.log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn a_clean_shutdown_spares_the_next_start_a_gc_sweep_of_everything() {
    let mut server = TestServer::start();
    // The first start knows nothing of what the directory holds: its first pass sweeps.
    wait_for_sweeps(&server, 1);
    let mut c = server.conn().await;
    c.query_drop("CREATE DATABASE sweep").await.unwrap();
    c.query_drop("CREATE TABLE sweep.t (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    c.query_drop("INSERT INTO sweep.t VALUES (1, 1), (2, 2), (3, 3)")
        .await
        .unwrap();
    c.query_drop("DELETE FROM sweep.t WHERE id = 2")
        .await
        .unwrap();
    c.disconnect().await.unwrap();
    server.restart_gracefully();
    let mut c = server.conn().await;
    c.query_drop("UPDATE sweep.t SET v = 10 WHERE id = 1")
        .await
        .unwrap();
    assert_eq!(ids(&mut c, "sweep.t").await, vec![1, 3]);
    // Past a few GC passes (one every 2 s): none of them swept everything.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(full_sweeps(&server), 1, "{}", server.log_tail());
    c.disconnect().await.unwrap();
    // After a crash the first pass sweeps again.
    server.restart();
    wait_for_sweeps(&server, 2);
    let mut c = server.conn().await;
    assert_eq!(ids(&mut c, "sweep.t").await, vec![1, 3]);
}
