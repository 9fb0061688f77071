//! User-level locks (GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_FREE_LOCK,
//! IS_USED_LOCK) across the nodes of a cluster, as TiDB keeps them: a connection holds a
//! lock until it releases it as often as it took it or goes away, whichever node the
//! other connections use.

mod common;

use std::time::{Duration, Instant};

use common::ddl::{node_conn, run_test, start_cluster};
use common::expect_server_error;
use mysql_async::prelude::*;
use mysql_async::Conn;

async fn one(c: &mut Conn, sql: &str) -> Option<i64> {
    c.query_first::<Option<i64>, _>(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .flatten()
}

#[test]
fn locks_hold_across_nodes_until_released_or_disconnected() {
    run_test(async {
        let (cluster, _dir) = start_cluster(2).await;
        let mut a = node_conn(&cluster, 0, None).await;
        let mut b = node_conn(&cluster, 1, None).await;
        let a_id = i64::from(a.id());

        // Taken twice (names compare without case), released twice.
        assert_eq!(
            one(&mut a, "SELECT GET_LOCK('Migrations', 5)").await,
            Some(1)
        );
        assert_eq!(
            one(&mut a, "SELECT GET_LOCK('migrations', 5)").await,
            Some(1)
        );
        assert_eq!(
            one(&mut b, "SELECT IS_FREE_LOCK('migrations')").await,
            Some(0)
        );
        assert_eq!(
            one(&mut b, "SELECT IS_USED_LOCK('MIGRATIONS')").await,
            Some(a_id)
        );
        // Another connection neither releases nor takes it; TiDB waits a second at least.
        assert_eq!(
            one(&mut b, "SELECT RELEASE_LOCK('migrations')").await,
            Some(0)
        );
        let started = Instant::now();
        assert_eq!(
            one(&mut b, "SELECT GET_LOCK('migrations', 0)").await,
            Some(0)
        );
        assert!(started.elapsed() >= Duration::from_millis(900));
        // A transaction's end leaves it held.
        a.query_drop("BEGIN").await.unwrap();
        a.query_drop("ROLLBACK").await.unwrap();
        assert_eq!(
            one(&mut a, "SELECT RELEASE_LOCK('migrations')").await,
            Some(1)
        );
        assert_eq!(
            one(&mut b, "SELECT IS_FREE_LOCK('migrations')").await,
            Some(0)
        );
        assert_eq!(
            one(&mut a, "SELECT RELEASE_LOCK('migrations')").await,
            Some(1)
        );
        assert_eq!(
            one(&mut b, "SELECT IS_FREE_LOCK('migrations')").await,
            Some(1)
        );
        assert_eq!(one(&mut b, "SELECT IS_USED_LOCK('migrations')").await, None);
        assert_eq!(one(&mut a, "SELECT RELEASE_LOCK('migrations')").await, None);

        // A waiter gets the lock once the holder releases it.
        assert_eq!(one(&mut a, "SELECT GET_LOCK('x', 5)").await, Some(1));
        let waiter = tokio::spawn(async move {
            let started = Instant::now();
            let got = one(&mut b, "SELECT GET_LOCK('x', 30)").await;
            (got, started.elapsed(), b)
        });
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(one(&mut a, "SELECT RELEASE_ALL_LOCKS()").await, Some(1));
        let (got, waited, b) = waiter.await.unwrap();
        assert_eq!(got, Some(1));
        assert!(
            waited >= Duration::from_millis(500) && waited < Duration::from_secs(10),
            "{waited:?}"
        );
        assert_eq!(one(&mut a, "SELECT GET_LOCK('x', 1)").await, Some(0));

        // A holder that disconnects gives its locks back.
        drop(b);
        let started = Instant::now();
        assert_eq!(one(&mut a, "SELECT GET_LOCK('x', 20)").await, Some(1));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(one(&mut a, "SELECT RELEASE_LOCK('x')").await, Some(1));

        // So does a node that stops.
        let mut b = node_conn(&cluster, 1, None).await;
        assert_eq!(one(&mut b, "SELECT GET_LOCK('y', 1)").await, Some(1));
        cluster.stop_node(1);
        assert_eq!(one(&mut a, "SELECT GET_LOCK('y', 20)").await, Some(1));
        drop(a);
        cluster.stop();
    });
}

#[test]
fn kill_query_ends_a_wait_and_bad_names_are_3057() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let mut a = node_conn(&cluster, 0, None).await;
        let mut b = node_conn(&cluster, 0, None).await;
        let b_id = b.id();
        assert_eq!(one(&mut a, "SELECT GET_LOCK('k', 1)").await, Some(1));
        let waiter = tokio::spawn(async move {
            let result = b.query_drop("SELECT GET_LOCK('k', 60)").await;
            (result, b)
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        a.query_drop(format!("KILL QUERY {b_id}")).await.unwrap();
        let (result, mut b) = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("KILL QUERY ended the wait")
            .unwrap();
        expect_server_error(result, 1317);
        assert_eq!(
            one(&mut b, "SELECT IS_USED_LOCK('k') IS NOT NULL").await,
            Some(1)
        );

        for name in ["''", "NULL", "REPEAT('x', 65)"] {
            let sql = format!("SELECT GET_LOCK({name}, 1)");
            let message = expect_server_error(a.query_drop(&sql).await, 3057);
            assert!(
                message.starts_with("Incorrect user-level lock name"),
                "{message}"
            );
        }
        assert_eq!(
            one(&mut a, "SELECT GET_LOCK(REPEAT('x', 64), 1)").await,
            Some(1)
        );
        expect_server_error(a.query_drop("SELECT GET_LOCK('k')").await, 1582);
        expect_server_error(a.query_drop("SELECT RELEASE_ALL_LOCKS(1)").await, 1582);
        assert_eq!(one(&mut a, "SELECT RELEASE_ALL_LOCKS()").await, Some(2));
        drop((a, b));
        cluster.stop();
    });
}
