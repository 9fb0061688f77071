//! The state walks of the job kinds, step by step on an in-memory store: no cluster, no
//! worker, no waiting for other nodes — just each step's transaction.

use super::*;
use crate::catalog::{ColumnInfo, IndexInfo};
use crate::ddl::job::{Action, JobArgs};

fn column(name: &str) -> ColumnInfo {
    crate::catalog::fixtures::int_column(0, name)
}

/// Runs steps of `job` until it finishes, marking every reorg it asks for done at once;
/// returns the schema states it went through and the reorgs asked for.
fn walk(store: &dyn crate::kv::Store, job: &mut Job, back: bool) -> (Vec<SchemaState>, usize) {
    let (states, reorgs) = walk_reorgs(store, job, back);
    (states, reorgs.len())
}

/// Takes `steps` steps forward, each in a transaction of its own.
fn forward(store: &dyn crate::kv::Store, job: &mut Job, steps: usize) {
    for _ in 0..steps {
        let mut txn = store.begin().expect("begin");
        of(job.action).forward(txn.as_mut(), job).expect("step");
        txn.commit().expect("commit");
    }
}

/// [`walk`], naming each reorg asked for.
fn walk_reorgs(
    store: &dyn crate::kv::Store,
    job: &mut Job,
    back: bool,
) -> (Vec<SchemaState>, Vec<&'static str>) {
    let kind = of(job.action);
    let mut states = Vec::new();
    let mut reorgs = Vec::new();
    for _ in 0..20 {
        let mut txn = store.begin().expect("begin");
        let step = if back {
            kind.rollback(txn.as_mut(), job)
        } else {
            kind.forward(txn.as_mut(), job)
        };
        match step.expect("step") {
            Step::SchemaChanged => states.push(job.schema_state),
            Step::Reorg(work) => {
                let mut reorg = queue::get_reorg(txn.as_ref(), job.id).expect("reorg");
                reorgs.push(match work {
                    Reorg::Backfill { .. } => "backfill",
                    Reorg::Ingest { .. } => "ingest",
                    Reorg::Merge { .. } => "merge",
                    Reorg::Verify { .. } => "verify",
                    Reorg::Generate { .. } => "generate",
                    Reorg::Convert { .. } => "convert",
                });
                if matches!(work, Reorg::Verify { .. }) {
                    reorg.verified = true;
                } else {
                    reorg.done = true;
                }
                queue::put_reorg(txn.as_mut(), job.id, &reorg);
            }
        }
        txn.commit().expect("commit");
        if matches!(job.state, JobState::Done | JobState::RollbackDone) {
            return (states, reorgs);
        }
    }
    panic!("job did not finish: {states:?}");
}

/// A store holding database `d` with table `t (a INT)`; returns the two ids.
fn with_table(store: &dyn crate::kv::Store) -> (i64, i64) {
    let mut db = Job::new(
        Action::CreateSchema,
        0,
        "d",
        "",
        JobArgs::CreateSchema {
            name: "d".into(),
            collation: Default::default(),
        },
    );
    walk(store, &mut db, false);
    let table = TableInfo {
        id: 0,
        db_id: db.db_id,
        name: "t".into(),
        columns: vec![column("a")],
        indexes: Vec::new(),
        handle_column: None,
        next_column_id: 2,
        next_index_id: 1,
        comment: String::new(),
        charset: "utf8mb4".into(),
        collation: "utf8mb4_bin".into(),
        state: SchemaState::None,
        foreign_keys: Vec::new(),
        temporary: false,
        view: None,
        checks: Vec::new(),
        auto_id_rebases: 0,
    };
    let mut create = Job::new(
        Action::CreateTable,
        db.db_id,
        "d",
        "",
        JobArgs::CreateTable {
            table: Box::new(table),
            auto_increment: None,
        },
    );
    walk(store, &mut create, false);
    (db.db_id, create.table_id)
}

fn add_index_job(db_id: i64, table_id: i64) -> Job {
    let index = IndexInfo {
        id: 0,
        name: "ia".into(),
        columns: Vec::new(),
        unique: false,
        primary: false,
        state: SchemaState::None,
        comment: String::new(),
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    };
    Job::new(
        Action::AddIndex,
        db_id,
        "d",
        "",
        JobArgs::AddIndex {
            index,
            columns: vec!["a".into()],
            made_not_null: Vec::new(),
        },
    )
    .on_table(table_id, "t")
}

/// Puts one row in the job's table (an empty table's index is built in txn mode).
fn insert_row(store: &dyn crate::kv::Store, job: &Job) {
    let mut txn = store.begin().expect("begin");
    let info = load_table(txn.as_ref(), job).expect("table");
    let table = crate::table::Table::new(std::sync::Arc::new(info));
    table
        .add_record(txn.as_mut(), &[crate::types::Value::Int(1)], 1)
        .expect("row");
    txn.commit().expect("commit");
}

#[test]
fn add_index_on_an_empty_table_takes_the_txn_walk() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut job = add_index_job(db, table);
    job.reorg_type = Some("ingest".into());
    job.dist_reorg = true;
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut job, false);
    use SchemaState::*;
    assert_eq!(states, [DeleteOnly, WriteOnly, WriteReorganization, Public]);
    assert!(
        reorgs.is_empty(),
        "still no row in write reorganization: nothing to build or verify"
    );
    assert_eq!(
        (job.reorg_type.as_deref(), job.dist_reorg),
        (Some("txn"), false)
    );
}

fn index_state(store: &dyn crate::kv::Store, job: &Job) -> Option<SchemaState> {
    let txn = store.begin().expect("begin");
    let table = load_table(txn.as_ref(), job).expect("table");
    table.indexes.first().map(|i| i.state)
}

#[test]
fn add_index_walks_tidbs_states_with_one_backfill() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut job = add_index_job(db, table);
    insert_row(store.as_ref(), &job);
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut job, false);
    use SchemaState::*;
    assert_eq!(states, [DeleteOnly, WriteOnly, WriteReorganization, Public]);
    assert_eq!(
        reorgs,
        ["backfill", "verify"],
        "one backfill in write reorganization, verified before public"
    );
    assert_eq!(job.state, JobState::Done);
    assert_eq!(index_state(store.as_ref(), &job), Some(Public));
}

#[test]
fn cancelled_add_index_walks_back_and_removes_the_index() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut job = add_index_job(db, table);
    // Two steps forward: delete only, then write only.
    forward(store.as_ref(), &mut job, 2);
    assert_eq!(
        index_state(store.as_ref(), &job),
        Some(SchemaState::WriteOnly)
    );
    assert!(job.is_rollbackable());
    job.state = JobState::RollingBack;
    let (states, reorgs) = walk(store.as_ref(), &mut job, true);
    use SchemaState::*;
    assert_eq!(states, [DeleteOnly, DeleteReorganization, None]);
    assert_eq!(reorgs, 0, "the entries written so far go by delete range");
    assert_eq!(job.state, JobState::RollbackDone);
    assert_eq!(index_state(store.as_ref(), &job), Option::None);
    let txn = store.begin().expect("begin");
    let ranges = crate::ddl::delete_range::pending(txn.as_ref()).expect("ranges");
    let index_id = 1;
    assert_eq!(
        ranges
            .iter()
            .map(|r| (r.job_id, r.element_id, r.start_key.clone()))
            .collect::<Vec<_>>(),
        [index_id, crate::codec::keys::temp_index_id(index_id)].map(|id| (
            job.id,
            id,
            crate::codec::keys::index_prefix(table, id)
        ))
    );
}

#[test]
fn drop_column_walks_to_none_and_is_not_cancellable_once_started() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut add = Job::new(
        Action::AddColumn,
        db,
        "d",
        "",
        JobArgs::AddColumn {
            column: Box::new(column("b")),
            position: crate::ddl::job::ColumnPosition::Last,
        },
    )
    .on_table(table, "t");
    use SchemaState::*;
    assert_eq!(
        walk(store.as_ref(), &mut add, false).0,
        [DeleteOnly, WriteOnly, Public]
    );
    let mut drop = Job::new(
        Action::DropColumn,
        db,
        "d",
        "",
        JobArgs::DropColumn { name: "b".into() },
    )
    .on_table(table, "t");
    let (states, _) = walk(store.as_ref(), &mut drop, false);
    assert_eq!(states, [WriteOnly, DeleteOnly, DeleteReorganization, None]);
    drop.schema_state = WriteOnly;
    assert!(!drop.is_rollbackable());
    let txn = store.begin().expect("begin");
    let t = load_table(txn.as_ref(), &drop).expect("table");
    assert_eq!(t.columns.len(), 1);
}

#[test]
fn adding_a_generated_column_writes_the_rows_before_it_turns_public() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut col = column("g");
    col.generated = Some(crate::catalog::GeneratedInfo {
        expr: "a + 1".into(),
        stored: false,
    });
    let mut add = Job::new(
        Action::AddColumn,
        db,
        "d",
        "",
        JobArgs::AddColumn {
            column: Box::new(col),
            position: crate::ddl::job::ColumnPosition::Last,
        },
    )
    .on_table(table, "t");
    use SchemaState::*;
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut add, false);
    assert_eq!(states, [DeleteOnly, WriteOnly, WriteReorganization, Public]);
    assert_eq!(reorgs, ["generate"]);
}

#[test]
fn ingest_add_index_walks_the_backfill_states() {
    for (reorg_type, build) in [("ingest", "ingest"), ("txn-merge", "backfill")] {
        ingest_walk(reorg_type, build);
    }
}

/// An ADD INDEX with a temporary index: `build` fills it, the merge and verification
/// follow, and the temporary index is recorded for the delete-range worker.
fn ingest_walk(reorg_type: &str, build: &str) {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let mut job = add_index_job(db, table);
    insert_row(store.as_ref(), &job);
    job.reorg_type = Some(reorg_type.into());
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut job, false);
    use SchemaState::*;
    assert_eq!(
        states,
        [
            DeleteOnly,
            WriteOnly,
            WriteReorganization, // running: ingest
            WriteReorganization, // ready to merge
            WriteReorganization, // merging: merge
            WriteReorganization, // inapplicable: the index alone is written
            Public
        ]
    );
    assert_eq!(reorgs, [build, "merge", "verify"], "{reorg_type}");
    let txn = store.begin().expect("begin");
    let t = load_table(txn.as_ref(), &job).expect("table");
    assert_eq!(
        t.indexes[0].backfill,
        crate::catalog::BackfillState::Inapplicable
    );
    let ranges = crate::ddl::delete_range::pending(txn.as_ref()).expect("ranges");
    assert_eq!(
        ranges.iter().map(|r| r.element_id).collect::<Vec<_>>(),
        [crate::codec::keys::temp_index_id(t.indexes[0].id)]
    );
}

/// A multi-schema change of `subs` on table `t`.
fn multi_job(db_id: i64, table_id: i64, subs: Vec<(Action, JobArgs)>) -> Job {
    let subs = subs
        .into_iter()
        .map(|(action, args)| crate::ddl::job::SubJob::new(action, args))
        .collect();
    let info = crate::ddl::job::MultiSchemaInfo {
        subs,
        revertible: true,
    };
    Job::new(
        Action::MultiSchemaChange,
        db_id,
        "d",
        "",
        JobArgs::MultiSchemaChange(info),
    )
    .on_table(table_id, "t")
}

fn add_column_args(name: &str) -> (Action, JobArgs) {
    let args = JobArgs::AddColumn {
        column: Box::new(column(name)),
        position: crate::ddl::job::ColumnPosition::Last,
    };
    (Action::AddColumn, args)
}

fn add_index_args(name: &str, column: &str) -> (Action, JobArgs) {
    let JobArgs::AddIndex { mut index, .. } = add_index_job(0, 0).args else {
        unreachable!("add_index_job builds an ADD INDEX")
    };
    index.name = name.into();
    let columns = vec![column.into()];
    let made_not_null = Vec::new();
    (
        Action::AddIndex,
        JobArgs::AddIndex {
            index,
            columns,
            made_not_null,
        },
    )
}

fn table_states(store: &dyn crate::kv::Store, job: &Job) -> (Vec<SchemaState>, Vec<SchemaState>) {
    let txn = store.begin().expect("begin");
    let t = load_table(txn.as_ref(), job).expect("table");
    (
        t.columns.iter().map(|c| c.state).collect(),
        t.indexes.iter().map(|i| i.state).collect(),
    )
}

#[test]
fn multi_schema_change_builds_everything_then_turns_it_public_in_one_step() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let subs = vec![
        add_column_args("b"),
        add_index_args("i1", "a"),
        add_index_args("i2", "a"),
    ];
    let mut job = multi_job(db, table, subs);
    insert_row(store.as_ref(), &job);
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut job, false);
    use SchemaState::*;
    assert_eq!(
        states,
        [
            DeleteOnly, // b
            WriteOnly,  // b holds here
            DeleteOnly, // i1
            WriteOnly,
            WriteReorganization, // i1 built and verified: holds
            DeleteOnly,          // i2
            WriteOnly,
            WriteReorganization, // i2 built and verified: every sub-job holds
            None,                // b, i1 and i2 public in one step
        ]
    );
    assert_eq!(reorgs, ["backfill", "verify", "backfill", "verify"]);
    assert_eq!(job.state, JobState::Done);
    assert!(!job.is_rollbackable());
    assert_eq!(
        table_states(store.as_ref(), &job),
        (vec![Public, Public], vec![Public, Public])
    );
}

#[test]
fn multi_schema_change_rolls_every_started_sub_job_back() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    let subs = vec![
        add_column_args("b"),
        add_index_args("i1", "a"),
        add_column_args("c"),
    ];
    let mut job = multi_job(db, table, subs);
    // b to write only, then i1 to delete only and write only.
    forward(store.as_ref(), &mut job, 4);
    use SchemaState::*;
    assert_eq!(
        table_states(store.as_ref(), &job),
        (vec![Public, WriteOnly], vec![WriteOnly])
    );
    assert!(job.is_rollbackable());
    job.state = JobState::RollingBack;
    let (states, _) = walk(store.as_ref(), &mut job, true);
    // i1 walks back first (delete only, delete reorganization, removed), then b goes,
    // then the job ends.
    assert_eq!(
        states,
        [
            DeleteOnly,
            DeleteReorganization,
            DeleteReorganization,
            DeleteReorganization,
            None
        ]
    );
    assert_eq!(job.state, JobState::RollbackDone);
    assert_eq!(table_states(store.as_ref(), &job), (vec![Public], vec![]));
    let JobArgs::MultiSchemaChange(info) = &job.args else {
        panic!("not a multi-schema change")
    };
    let sub_states: Vec<JobState> = info.subs.iter().map(|s| s.state).collect();
    assert_eq!(
        sub_states,
        [
            JobState::RollbackDone,
            JobState::RollbackDone,
            JobState::Cancelled
        ]
    );
}

fn modify_to_tinyint_job(db_id: i64, table_id: i64) -> Job {
    let column = ColumnInfo::new(
        0,
        "a",
        crate::types::DataType::Int {
            kind: crate::types::IntKind::Tiny,
            unsigned: false,
        },
    );
    Job::new(
        Action::ModifyColumn,
        db_id,
        "d",
        "",
        JobArgs::ModifyColumn {
            old_name: "a".into(),
            column: Box::new(column),
            position: None,
            reorg: None,
        },
    )
    .on_table(table_id, "t")
}

#[test]
fn a_narrowing_modify_column_converts_the_rows_then_swaps_and_drops_the_old_column() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    walk(store.as_ref(), &mut add_index_job(db, table), false);
    let mut job = modify_to_tinyint_job(db, table);
    let (states, reorgs) = walk_reorgs(store.as_ref(), &mut job, false);
    use SchemaState::*;
    assert_eq!(
        states,
        [
            DeleteOnly,
            WriteOnly,
            WriteReorganization,
            // swapped: the old column is hidden, still written, then goes
            WriteOnly,
            DeleteOnly,
            Public
        ]
    );
    assert_eq!(reorgs, ["convert"]);
    let txn = store.begin().expect("begin");
    let t = load_table(txn.as_ref(), &job).expect("table");
    let names: Vec<(&str, u64)> = t.columns.iter().map(|c| (c.name.as_str(), c.id)).collect();
    assert_eq!(names, [("a", 2)], "the new column (id 2) took a's place");
    assert_eq!(t.columns[0].ty.sql_name(), "tinyint");
    let indexes: Vec<(&str, i64, SchemaState)> = t
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.id, i.state))
        .collect();
    assert_eq!(
        indexes,
        [("ia", 2, Public)],
        "the rebuilt index took ia's place"
    );
    let ranges = crate::ddl::delete_range::pending(txn.as_ref()).expect("ranges");
    assert!(ranges
        .iter()
        .any(|r| r.job_id == job.id && r.element_id == 1));
}

#[test]
fn a_cancelled_modify_column_removes_its_hidden_column_and_indexes() {
    let store = crate::kv::open_memory().expect("store");
    let (db, table) = with_table(store.as_ref());
    walk(store.as_ref(), &mut add_index_job(db, table), false);
    let before = {
        let txn = store.begin().expect("begin");
        load_table(txn.as_ref(), &add_index_job(db, table).on_table(table, "t")).expect("t")
    };
    let mut job = modify_to_tinyint_job(db, table);
    forward(store.as_ref(), &mut job, 3);
    assert_eq!(job.schema_state, SchemaState::WriteReorganization);
    assert!(job.is_rollbackable());
    job.state = JobState::RollingBack;
    let (states, _) = walk(store.as_ref(), &mut job, true);
    assert_eq!(states, [SchemaState::DeleteOnly, SchemaState::None]);
    let txn = store.begin().expect("begin");
    let after = load_table(txn.as_ref(), &job).expect("table");
    assert_eq!(after.columns, before.columns);
    assert_eq!(after.indexes, before.indexes);
}
