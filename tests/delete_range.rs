//! DROP INDEX, DROP TABLE, TRUNCATE TABLE and DROP DATABASE end with their schema states;
//! the data is recorded in `mysql.gc_delete_range` and removed in the background once no
//! open snapshot predates the drop, then listed in `mysql.gc_delete_range_done`. Checked
//! through the MySQL protocol on an in-process node, and below it with snapshots of the
//! store: one older than the drop holds the removal back; one taken after the drop sees
//! the data until the removal and nothing after it.

mod common;

use std::time::{Duration, Instant};

use common::ddl::*;
use moltdb::codec::keys;
use moltdb::kv::KeyRange;
use mysql_async::prelude::*;
use mysql_async::Conn;

/// The (element id, start key as hex) of the ranges job `job` recorded in `table`.
async fn ranges(c: &mut Conn, table: &str, job: i64) -> Vec<(i64, String)> {
    c.query(format!(
        "SELECT element_id, start_key FROM mysql.{table} WHERE job_id = {job} ORDER BY element_id"
    ))
    .await
    .unwrap()
}

/// Waits until job `job`'s ranges are all done (panics after 30 s); returns them.
async fn wait_done(c: &mut Conn, job: i64) -> Vec<(i64, String)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if ranges(c, "gc_delete_range", job).await.is_empty() {
            return ranges(c, "gc_delete_range_done", job).await;
        }
        assert!(Instant::now() < deadline, "ranges of job {job} not removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn last_job(c: &mut Conn) -> i64 {
    c.query_first("SELECT MAX(job_id) FROM information_schema.ddl_jobs")
        .await
        .unwrap()
        .unwrap()
}

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn dropped_data_is_removed_once_no_snapshot_predates_the_drop() {
    run_test(async {
        let (cluster, _dir) = start_cluster(1).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, 3000, 7).await;
        c.query_drop("CREATE INDEX ik ON d.t (k)").await.unwrap();
        let domain = cluster.domain(0).unwrap();
        let table = table_id(&cluster, "d", "t");
        let index = domain
            .catalog
            .snapshot()
            .table("d", "t")
            .unwrap()
            .indexes
            .iter()
            .find(|ix| ix.name == "ik")
            .unwrap()
            .id;
        let entries = KeyRange::prefix(&keys::index_prefix(table, index));

        // DROP INDEX: the entries stay while an older snapshot is open.
        let old = domain.store.begin().unwrap();
        c.query_drop("ALTER TABLE d.t DROP INDEX ik").await.unwrap();
        let job = last_job(&mut c).await;
        let after = domain.store.begin().unwrap();
        assert_eq!(after.scan(&entries, usize::MAX, false).unwrap().len(), 3000);
        let temp = keys::temp_index_id(index);
        let expected = vec![
            (index, hex(&keys::index_prefix(table, index))),
            (temp, hex(&keys::index_prefix(table, temp))),
        ];
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(ranges(&mut c, "gc_delete_range", job).await, expected);
        assert_eq!(after.scan(&entries, usize::MAX, false).unwrap().len(), 3000);
        drop(old);
        assert_eq!(wait_done(&mut c, job).await, expected);
        assert!(after.scan(&entries, usize::MAX, false).unwrap().is_empty());
        drop(after);
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();

        // TRUNCATE TABLE: the old id's rows go; the table is empty and usable at once.
        let rows = KeyRange::prefix(&keys::table_prefix(table));
        c.query_drop("TRUNCATE TABLE d.t").await.unwrap();
        let job = last_job(&mut c).await;
        let after = domain.store.begin().unwrap();
        c.query_drop("INSERT INTO d.t VALUES (1, 1, 'one')")
            .await
            .unwrap();
        assert_eq!(
            wait_done(&mut c, job).await,
            vec![(table, hex(&rows.start))]
        );
        assert!(after.scan(&rows, usize::MAX, false).unwrap().is_empty());
        let count: i64 = c
            .query_first("SELECT COUNT(*) FROM d.t")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(count, 1);
        drop(after);

        // DROP TABLE: the name is free at once, the data goes.
        let table = table_id(&cluster, "d", "t");
        let rows = KeyRange::prefix(&keys::table_prefix(table));
        c.query_drop("DROP TABLE d.t").await.unwrap();
        let job = last_job(&mut c).await;
        c.query_drop("CREATE TABLE d.t (id INT PRIMARY KEY)")
            .await
            .unwrap();
        let after = domain.store.begin().unwrap();
        assert_eq!(after.scan(&rows, usize::MAX, false).unwrap().len(), 1);
        assert_eq!(
            wait_done(&mut c, job).await,
            vec![(table, hex(&rows.start))]
        );
        assert!(after.scan(&rows, usize::MAX, false).unwrap().is_empty());
        drop(after);

        // DROP DATABASE: every table's data.
        c.query_drop("CREATE TABLE d.u (id INT PRIMARY KEY)")
            .await
            .unwrap();
        c.query_drop("INSERT INTO d.t VALUES (1), (2)")
            .await
            .unwrap();
        c.query_drop("INSERT INTO d.u VALUES (3)").await.unwrap();
        let tables = [table_id(&cluster, "d", "t"), table_id(&cluster, "d", "u")];
        c.query_drop("DROP DATABASE d").await.unwrap();
        let job = last_job(&mut c).await;
        let after = domain.store.begin().unwrap();
        let done = wait_done(&mut c, job).await;
        assert_eq!(
            done,
            tables
                .iter()
                .map(|t| (*t, hex(&keys::table_prefix(*t))))
                .collect::<Vec<_>>()
        );
        for t in tables {
            let rows = KeyRange::prefix(&keys::table_prefix(t));
            assert!(after.scan(&rows, usize::MAX, false).unwrap().is_empty());
        }
        drop(after);
        drop(c);
        tokio::task::spawn_blocking(move || cluster.stop())
            .await
            .unwrap();
    });
}
