//! The distributed execution framework, end to end on in-process clusters: ADD INDEX with
//! `tidb_enable_dist_task = ON` (the default) runs as a task whose subtasks every eligible
//! node executes, as the `mysql.tidb_global_task` / `tidb_background_subtask` tables and
//! their histories show; only `background` nodes run tasks when there are any; a node
//! stopped mid-task hands its subtasks to the others; pause, resume and cancel in each
//! step; a failing subtask reverts the task and rolls the job back; a killed server resumes
//! the task after its restart.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ddl::*;
use common::TestServer;
use moltdb::node::cluster::Cluster;
use mysql_async::prelude::*;
use mysql_async::{Conn, Row};

/// (task id, task key, state, step, error) of a task, from `table`.
type TaskRow = (i64, String, String, i64, Option<String>);
/// (subtask id, step, exec id, state, ordinal, error) of a subtask.
type SubtaskRow = (i64, i64, String, String, i64, Option<String>);

async fn task_of(c: &mut Conn, table: &str, job_id: i64) -> Option<TaskRow> {
    c.exec_first(
        format!("SELECT id, task_key, state, step, error FROM mysql.{table} WHERE task_key = ?"),
        (format!("ddl/backfill/{job_id}"),),
    )
    .await
    .unwrap()
}

async fn subtasks_of(c: &mut Conn, table: &str, task_id: i64) -> Vec<SubtaskRow> {
    c.exec(
        format!(
            "SELECT id, step, exec_id, state, ordinal, error FROM mysql.{table} \
             WHERE task_key = ? ORDER BY step, ordinal"
        ),
        (task_id.to_string(),),
    )
    .await
    .unwrap()
}

/// The running task's row and subtasks, once `pred` holds for them (panics after 60 s).
async fn wait_task(
    c: &mut Conn,
    what: &str,
    pred: impl Fn(&TaskRow, &[SubtaskRow]) -> bool,
) -> (TaskRow, Vec<SubtaskRow>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    loop {
        let job = newest_job(c, "add index").await;
        if let Some((job_id, ..)) = job {
            if let Some(task) = task_of(c, "tidb_global_task", job_id).await {
                let subtasks = subtasks_of(c, "tidb_background_subtask", task.0).await;
                if pred(&task, &subtasks) {
                    return (task, subtasks);
                }
                last = Some((task, subtasks));
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last seen {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The (schema state, state, comments) of job `id`.
async fn job_state(c: &mut Conn, id: i64) -> (String, String, String) {
    let row: Row = c
        .query_first(format!("ADMIN SHOW DDL JOBS 30 WHERE job_id = {id}"))
        .await
        .unwrap()
        .expect("job listed");
    (
        row.get("SCHEMA_STATE").unwrap(),
        row.get("STATE").unwrap(),
        row.get("COMMENTS").unwrap(),
    )
}

fn address(cluster: &Cluster, node: usize) -> String {
    cluster.addresses()[node].expect("running").to_string()
}

async fn stop(cluster: Arc<Cluster>) {
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
}

async fn secondary_indexes(c: &mut Conn) -> BTreeSet<String> {
    let rows: Vec<Row> = c.query("SHOW INDEX FROM d.t").await.unwrap();
    rows.into_iter()
        .map(|r| r.get::<String, _>("Key_name").unwrap())
        .filter(|k| k != "PRIMARY")
        .collect()
}

/// Subtasks run on every node; with a `background` node, only there; with the framework
/// off, no task at all.
#[test]
fn subtasks_spread_over_the_eligible_nodes() {
    run_test(async {
        let rows = 60_000;
        let (cluster, _dir) = start_cluster(3).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, rows, 97).await;
        let nodes: Vec<String> = c
            .query("SELECT host FROM mysql.dist_framework_meta ORDER BY host")
            .await
            .unwrap();
        assert_eq!(nodes.len(), 3, "every node takes part: {nodes:?}");

        c.query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
            .unwrap();
        let (job_id, _, _, row_count) = newest_job(&mut c, "add index").await.unwrap();
        assert_eq!(row_count, rows as i64);
        assert_eq!(
            job_state(&mut c, job_id).await,
            ("public".into(), "synced".into(), "ingest, DXF".into())
        );
        let task = task_of(&mut c, "tidb_global_task_history", job_id)
            .await
            .expect("the job ran as a task");
        assert_eq!(
            (task.2.as_str(), task.3, task.4.as_deref()),
            ("succeed", -2, None)
        );
        assert!(task_of(&mut c, "tidb_global_task", job_id).await.is_none());
        let subtasks = subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
        let read: Vec<&SubtaskRow> = subtasks.iter().filter(|s| s.1 == 1).collect();
        assert!(read.len() >= 3, "{subtasks:?}");
        assert!(
            subtasks.iter().any(|s| s.1 == 4),
            "no merge step: {subtasks:?}"
        );
        assert!(subtasks.iter().all(|s| s.3 == "succeed"), "{subtasks:?}");
        let used: BTreeSet<&str> = read.iter().map(|s| s.2.as_str()).collect();
        assert_eq!(used.len(), 3, "read-index ran on every node: {subtasks:?}");
        assert_index_matches_scan(&mut c).await;

        // Node 2 turns 'background': later tasks run there only.
        let background = address(&cluster, 2);
        let mut bg = node_conn(&cluster, 2, None).await;
        bg.query_drop("SET GLOBAL tidb_service_scope = 'background'")
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let role: Option<String> = c
                .exec_first(
                    "SELECT role FROM mysql.dist_framework_meta WHERE host = ?",
                    (background.clone(),),
                )
                .await
                .unwrap();
            if role.as_deref() == Some("background") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the scope never showed: {role:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        c.query_drop("ALTER TABLE d.t ADD INDEX ic (c)")
            .await
            .unwrap();
        let (job_id, ..) = newest_job(&mut c, "add index").await.unwrap();
        let task = task_of(&mut c, "tidb_global_task_history", job_id)
            .await
            .unwrap();
        let subtasks = subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
        // A lone eligible node reads in one subtask, then merges.
        assert!(subtasks.len() >= 2, "{subtasks:?}");
        assert!(
            subtasks.iter().all(|s| s.2 == background),
            "only the background node runs the task: {subtasks:?}"
        );
        c.query_drop("ADMIN CHECK INDEX d.t ic").await.unwrap();

        // With the framework off, the owner builds alone.
        c.query_drop("SET GLOBAL tidb_enable_dist_task = OFF")
            .await
            .unwrap();
        c.query_drop("ALTER TABLE d.t ADD INDEX ikc (k, c)")
            .await
            .unwrap();
        let (job_id, ..) = newest_job(&mut c, "add index").await.unwrap();
        assert_eq!(job_state(&mut c, job_id).await.2, "ingest");
        assert!(task_of(&mut c, "tidb_global_task_history", job_id)
            .await
            .is_none());
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        drop((c, bg));
        stop(cluster).await;
    });
}

/// A node stopped while it runs a subtask: the dispatcher hands its subtasks to the other
/// nodes, the statement keeps waiting and succeeds, and the index is whole.
#[test]
fn a_stopped_node_hands_its_subtasks_to_the_others() {
    run_test(async {
        let rows = 60_000;
        let (cluster, _dir) = start_cluster(3).await;
        let owner = owner_node(&cluster);
        let victim = (owner + 1) % 3;
        let victim_addr = address(&cluster, victim);
        let mut c = node_conn(&cluster, owner, None).await;
        populate(&mut c, rows, 97).await;
        // Each reader rests after each chunk of its subtask.
        set_failpoint(&cluster, "reorg-slow", "400");
        let mut submit = node_conn(&cluster, owner, Some("d")).await;
        let started = Instant::now();
        let alter =
            tokio::spawn(async move { submit.query_drop("ALTER TABLE t ADD INDEX ik (k)").await });
        let (task, subtasks) = wait_task(&mut c, "a subtask running on the victim", |_, s| {
            s.iter()
                .any(|s| s.2 == victim_addr && s.3 == "running" && s.1 == 1)
        })
        .await;
        let handed: Vec<i64> = subtasks
            .iter()
            .filter(|s| s.2 == victim_addr && (s.3 == "running" || s.3 == "pending"))
            .map(|s| s.0)
            .collect();
        let stop_at = started.elapsed();
        let stopping = cluster.clone();
        tokio::task::spawn_blocking(move || stopping.stop_node(victim))
            .await
            .unwrap();
        clear_failpoint(&cluster, "reorg-slow");
        tokio::time::timeout(Duration::from_secs(120), alter)
            .await
            .expect("the ALTER finishes")
            .unwrap()
            .expect("add index succeeds");
        eprintln!(
            "node stopped after {stop_at:?}; build took {:?}",
            started.elapsed()
        );
        let history = subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
        for id in &handed {
            let s = history.iter().find(|s| s.0 == *id).expect("subtask kept");
            assert!(
                s.2 != victim_addr && s.3 == "succeed",
                "subtask {id} finished elsewhere: {s:?}"
            );
        }
        let (job_id, _, _, row_count) = newest_job(&mut c, "add index").await.unwrap();
        assert_eq!(row_count, rows as i64, "every row counted once");
        assert_eq!(job_state(&mut c, job_id).await.1, "synced");
        assert_index_matches_scan(&mut c).await;
        drop(c);
        stop(cluster).await;
    });
}

/// Fills the temporary index while `read-index` runs: two updates of every row, in one
/// transaction, which holds the job before `merging` (the metadata lock) until it commits,
/// so the merge has all of it still to do when this returns.
async fn update_every_row_twice(cluster: &Cluster, node: usize) {
    let mut dml = node_conn(cluster, node, Some("d")).await;
    dml.query_drop("BEGIN").await.unwrap();
    for _ in 0..2 {
        dml.query_drop("UPDATE t SET k = k + 1").await.unwrap();
    }
    dml.query_drop("COMMIT").await.unwrap();
}

/// ADMIN PAUSE and RESUME, then ADMIN CANCEL, in `read-index` and in `merge-temp-index`:
/// the task and its subtasks pause, resume and revert with the job, as the system tables
/// show.
#[test]
fn pause_resume_and_cancel_in_each_step() {
    run_test(async {
        let rows = 40_000;
        let (cluster, _dir) = start_cluster(3).await;
        let owner = owner_node(&cluster);
        let mut c = node_conn(&cluster, owner, None).await;
        populate(&mut c, rows, 97).await;
        c.query_drop("USE d").await.unwrap();
        let table_id = table_id(&cluster, "d", "t");
        for (step, step_name) in [(1, "read-index"), (4, "merge-temp-index")] {
            for cancel in [false, true] {
                let what = format!("{} in {step_name}", if cancel { "cancel" } else { "pause" });
                set_failpoint(&cluster, "reorg-slow", "300");
                let mut submit = node_conn(&cluster, owner, Some("d")).await;
                let alter = tokio::spawn(async move {
                    submit.query_drop("ALTER TABLE t ADD INDEX ik (k)").await
                });
                wait_task(&mut c, "read-index running", |t, s| {
                    t.3 == 1 && s.iter().any(|s| s.3 == "running")
                })
                .await;
                if step == 4 {
                    update_every_row_twice(&cluster, owner).await;
                }
                let (task, _) = wait_task(&mut c, &format!("{step_name} running"), |t, s| {
                    t.3 == step && s.iter().any(|s| s.1 == step && s.3 == "running")
                })
                .await;
                let (job_id, ..) = newest_job(&mut c, "add index").await.unwrap();
                if cancel {
                    let r: Vec<(String, String)> = c
                        .query(format!("ADMIN CANCEL DDL JOBS {job_id}"))
                        .await
                        .unwrap();
                    assert_eq!(r[0].1, "successful", "{what}");
                    let e = alter.await.unwrap().expect_err("cancelled ALTER fails");
                    assert_eq!(server_code(&e), 8214, "{what}: {e}");
                    let reverted = task_of(&mut c, "tidb_global_task_history", job_id)
                        .await
                        .expect("task in history");
                    assert_eq!(reverted.2, "reverted", "{what}");
                    assert!(
                        reverted.4.as_deref().is_some_and(|e| e.contains("8214")),
                        "{what}: {reverted:?}"
                    );
                    let subtasks =
                        subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
                    assert!(
                        subtasks
                            .iter()
                            .all(|s| s.3 != "running" && s.3 != "pending"),
                        "{what}: {subtasks:?}"
                    );
                    assert!(
                        subtasks.iter().any(|s| s.3 == "canceled"),
                        "{what}: {subtasks:?}"
                    );
                    assert_eq!(job_state(&mut c, job_id).await.1, "rollback done");
                    assert!(secondary_indexes(&mut c).await.is_empty(), "{what}");
                    assert_eq!(index_entry_count(&cluster, table_id), 0, "{what}");
                    c.query_drop("ADMIN CHECK TABLE t").await.unwrap();
                    continue;
                }
                let r: Vec<(String, String)> = c
                    .query(format!("ADMIN PAUSE DDL JOBS {job_id}"))
                    .await
                    .unwrap();
                assert_eq!(r[0].1, "successful", "{what}");
                let deadline = Instant::now() + Duration::from_secs(30);
                while job_state(&mut c, job_id).await.1 != "paused" {
                    assert!(Instant::now() < deadline, "{what}: never paused");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                let paused = task_of(&mut c, "tidb_global_task", job_id).await.unwrap();
                assert_eq!((paused.2.as_str(), paused.3), ("paused", step), "{what}");
                let subtasks = subtasks_of(&mut c, "tidb_background_subtask", task.0).await;
                assert!(
                    subtasks
                        .iter()
                        .all(|s| s.3 != "running" && s.3 != "pending"),
                    "{what}: nothing runs while paused: {subtasks:?}"
                );
                assert!(
                    subtasks.iter().any(|s| s.3 == "paused"),
                    "{what}: {subtasks:?}"
                );
                clear_failpoint(&cluster, "reorg-slow");
                let r: Vec<(String, String)> = c
                    .query(format!("ADMIN RESUME DDL JOBS {job_id}"))
                    .await
                    .unwrap();
                assert_eq!(r[0].1, "successful", "{what}");
                tokio::time::timeout(Duration::from_secs(60), alter)
                    .await
                    .expect("the resumed ALTER finishes")
                    .unwrap()
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let done = task_of(&mut c, "tidb_global_task_history", job_id)
                    .await
                    .unwrap();
                assert_eq!(done.2, "succeed", "{what}");
                assert_eq!(
                    newest_job(&mut c, "add index").await.unwrap().3,
                    rows as i64
                );
                assert_index_matches_scan(&mut c).await;
                c.query_drop("ALTER TABLE t DROP INDEX ik").await.unwrap();
            }
        }
        drop(c);
        stop(cluster).await;
    });
}

/// A unique index over duplicates that different subtasks (on different nodes) read: the
/// subtask that meets the second one fails with 1062, the task reverts with that error,
/// and the job rolls back leaving no entry.
#[test]
fn a_failed_subtask_reverts_the_task_and_rolls_the_job_back() {
    run_test(async {
        let rows = 60_000;
        let (cluster, _dir) = start_cluster(3).await;
        let mut c = node_conn(&cluster, 0, None).await;
        populate(&mut c, rows, rows + 1).await;
        c.query_drop("UPDATE d.t SET k = 5 WHERE id = 59000")
            .await
            .unwrap();
        let table_id = table_id(&cluster, "d", "t");
        let e = c
            .query_drop("ALTER TABLE d.t ADD UNIQUE INDEX uk (k)")
            .await
            .expect_err("duplicates");
        assert_eq!(server_code(&e), 1062, "{e}");
        assert!(
            e.to_string().contains("Duplicate entry '5' for key 't.uk'"),
            "{e}"
        );
        let (job_id, schema_state, state, _) = newest_job(&mut c, "add index").await.unwrap();
        assert_eq!(
            (schema_state.as_str(), state.as_str()),
            ("none", "rollback done")
        );
        let task = task_of(&mut c, "tidb_global_task_history", job_id)
            .await
            .unwrap();
        assert_eq!(task.2, "reverted");
        assert!(
            task.4.as_deref().is_some_and(|e| e.starts_with("[1062]")),
            "{task:?}"
        );
        let subtasks = subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
        let failed: Vec<&SubtaskRow> = subtasks.iter().filter(|s| s.3 == "failed").collect();
        assert_eq!(failed.len(), 1, "{subtasks:?}");
        assert!(failed[0]
            .5
            .as_deref()
            .is_some_and(|e| e.contains("Duplicate entry")));
        assert!(secondary_indexes(&mut c).await.is_empty());
        assert_eq!(
            index_entry_count(&cluster, table_id),
            0,
            "entries left behind"
        );
        c.query_drop("ADMIN CHECK TABLE d.t").await.unwrap();
        drop(c);
        stop(cluster).await;
    });
}

/// kill -9 while the task's subtasks run: after the restart the node takes its subtasks up
/// again from their checkpoints; paused, the task stays paused across another kill -9;
/// resumed, the task and the job finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_resumes_the_task_after_restart() {
    let rows = 60_000;
    // Two nodes in the process: a lone node's build is one read-index subtask.
    let mut server = TestServer::start_with(
        &[("MOLTDB_FAILPOINTS", "reorg-slow=400")],
        &["--nodes".to_string(), "2".to_string()],
    );
    populate(&mut server.conn().await, rows, 97).await;
    let mut submitter = server.conn().await;
    let alter = tokio::spawn(async move {
        submitter
            .query_drop("ALTER TABLE d.t ADD INDEX ik (k)")
            .await
    });
    let mut c = server.conn().await;
    let (task, before) = wait_task(&mut c, "a subtask done and one running", |t, s| {
        t.3 == 1 && s.iter().any(|s| s.3 == "succeed") && s.iter().any(|s| s.3 == "running")
    })
    .await;
    server.kill9();
    let _ = alter.await;
    server.restart();
    let mut c = server.conn().await;
    // The restarted node takes its subtasks up again; paused now, the task stays paused
    // across another kill -9.
    wait_task(&mut c, "a subtask running again", |t, s| {
        t.0 == task.0 && s.iter().any(|s| s.3 == "running")
    })
    .await;
    let (job_id, ..) = newest_job(&mut c, "add index").await.unwrap();
    c.query_drop(format!("ADMIN PAUSE DDL JOBS {job_id}"))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while job_state(&mut c, job_id).await.1 != "paused" {
        assert!(Instant::now() < deadline, "never paused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    server.set_env(&[]);
    server.restart();
    let mut c = server.conn().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(job_state(&mut c, job_id).await.1, "paused");
    let paused = task_of(&mut c, "tidb_global_task", job_id).await.unwrap();
    assert_eq!(paused.2, "paused");
    let subtasks = subtasks_of(&mut c, "tidb_background_subtask", task.0).await;
    assert!(
        subtasks
            .iter()
            .all(|s| s.3 != "running" && s.3 != "pending"),
        "{subtasks:?}"
    );
    c.query_drop(format!("ADMIN RESUME DDL JOBS {job_id}"))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let job_id = loop {
        let (id, _, state, _) = newest_job(&mut c, "add index").await.unwrap();
        if state == "synced" {
            break id;
        }
        assert!(Instant::now() < deadline, "{}", server.log_tail());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let done = task_of(&mut c, "tidb_global_task_history", job_id)
        .await
        .unwrap();
    assert_eq!((done.0, done.2.as_str()), (task.0, "succeed"));
    let after = subtasks_of(&mut c, "tidb_background_subtask_history", task.0).await;
    // The subtasks done before the kill were not run again.
    for s in before.iter().filter(|s| s.3 == "succeed") {
        assert!(
            after.iter().any(|a| a.0 == s.0 && a.3 == "succeed"),
            "{s:?}"
        );
    }
    assert_eq!(
        newest_job(&mut c, "add index").await.unwrap().3,
        rows as i64
    );
    assert_index_matches_scan(&mut c).await;
}
