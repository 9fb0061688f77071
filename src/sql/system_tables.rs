//! The `mysql` schema: TiDB's system tables of the distributed execution framework, as
//! virtual tables read from the framework's records when a query names them (the FROM
//! planner binds them like `information_schema`'s, so WHERE, ORDER BY and joins work).
//!
//! - `tidb_global_task`, `tidb_global_task_history`: tasks running and finished;
//! - `tidb_background_subtask`, `tidb_background_subtask_history`: their subtasks;
//! - `dist_framework_meta`: the live nodes taking part, with their service scope;
//! - `gc_delete_range`, `gc_delete_range_done`: the data of dropped tables and indexes
//!   waiting for removal, and removed (`ddl::delete_range`);
//! - `tidb_mdl_view`: which open transactions (by session id) hold which DDL job back
//!   (the metadata lock, `domain::mdl`);
//! - `user`, `db`, `tables_priv`: accounts and their grants (`privilege::records`), read
//!   only: GRANT, REVOKE and the USER statements change them.

use super::context::Context;
use super::result::{ResultColumn, ResultSet};
use crate::ddl::delete_range::{self, DeleteRange};
use crate::ddl::{queue, syncer};
use crate::dxf::proto::{type_number, NodeMeta, Subtask, Task};
use crate::dxf::{dispatcher, storage};
use crate::error::{Result, SavedError};
use crate::privilege::{password, records as privilege_records, Level, Priv, ALL_PRIVS};
use crate::types::{DataType, IntKind, Value};

pub const DB: &str = "mysql";

/// The tables this module serves, in SHOW TABLES order.
pub const TABLES: &[&str] = &[
    "db",
    "dist_framework_meta",
    "gc_delete_range",
    "gc_delete_range_done",
    "tidb_background_subtask",
    "tidb_background_subtask_history",
    "tidb_global_task",
    "tidb_global_task_history",
    "tables_priv",
    "tidb_mdl_view",
    "user",
];

pub fn is_system_db(db: &str) -> bool {
    db.eq_ignore_ascii_case(DB)
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Time,
}
use Kind::{Int, Text, Time};

const TASK_COLUMNS: &[(&str, Kind)] = &[
    ("id", Int),
    ("task_key", Text),
    ("type", Text),
    ("dispatcher_id", Text),
    ("state", Text),
    ("priority", Int),
    ("create_time", Time),
    ("start_time", Time),
    ("state_update_time", Time),
    ("end_time", Time),
    ("meta", Text),
    ("concurrency", Int),
    ("step", Int),
    ("target_scope", Text),
    ("error", Text),
    ("modify_params", Text),
    ("max_node_count", Int),
    ("extra_params", Text),
    ("keyspace", Text),
];

const SUBTASK_COLUMNS: &[(&str, Kind)] = &[
    ("id", Int),
    ("step", Int),
    ("namespace", Text),
    ("task_key", Text),
    ("ddl_physical_tid", Int),
    ("type", Int),
    ("exec_id", Text),
    ("exec_expired", Time),
    ("state", Text),
    ("checkpoint", Text),
    ("concurrency", Int),
    ("create_time", Time),
    ("start_time", Int),
    ("state_update_time", Int),
    ("end_time", Time),
    ("meta", Text),
    ("ordinal", Int),
    ("error", Text),
    ("summary", Text),
];

const DELETE_RANGE_COLUMNS: &[(&str, Kind)] = &[
    ("job_id", Int),
    ("element_id", Int),
    ("start_key", Text),
    ("end_key", Text),
    ("ts", Int),
];

const MDL_COLUMNS: &[(&str, Kind)] = &[
    ("job_id", Int),
    ("db_name", Text),
    ("table_name", Text),
    ("query", Text),
    ("session_id", Int),
    ("start_time", Time),
    ("SQL_DIGESTS", Text),
];

/// `mysql.user`: the account, a `Y` / `N` column per privilege, then how it logs in.
fn user_columns() -> Vec<(&'static str, Kind)> {
    let mut columns = vec![("Host", Text), ("User", Text)];
    columns.extend(ALL_PRIVS.iter().map(|p| (p.column(), Text)));
    columns.extend([
        ("ssl_type", Text),
        ("plugin", Text),
        ("authentication_string", Text),
        ("account_locked", Text),
    ]);
    columns
}

/// `mysql.db`: the privileges a database grant can hold.
fn db_columns() -> Vec<(&'static str, Kind)> {
    let mut columns = vec![("Host", Text), ("DB", Text), ("User", Text)];
    columns.extend(
        ALL_PRIVS
            .iter()
            .filter(|p| p.grantable_at(Level::Database))
            .map(|p| (p.column(), Text)),
    );
    columns
}

const TABLES_PRIV_COLUMNS: &[(&str, Kind)] = &[
    ("Host", Text),
    ("DB", Text),
    ("User", Text),
    ("Table_name", Text),
    ("Grantor", Text),
    ("Timestamp", Time),
    ("Table_priv", Text),
    ("Column_priv", Text),
];

fn yes_no(on: bool) -> Value {
    Value::str(if on { "Y" } else { "N" })
}

/// `mysql.tables_priv.Table_priv`'s words for a table privilege (MySQL's SET members).
fn table_priv_word(p: Priv) -> &'static str {
    match p {
        Priv::Select => "Select",
        Priv::Insert => "Insert",
        Priv::Update => "Update",
        Priv::Delete => "Delete",
        Priv::Create => "Create",
        Priv::Drop => "Drop",
        Priv::GrantOption => "Grant",
        Priv::References => "References",
        Priv::Index => "Index",
        Priv::Alter => "Alter",
        Priv::CreateView => "Create View",
        Priv::ShowView => "Show view",
        _ => "Trigger",
    }
}

fn privilege_rows(table: &str, txn: &dyn crate::kv::Transaction) -> Result<Vec<Vec<Value>>> {
    let stored = privilege_records::load(txn)?;
    Ok(match table {
        "user" => stored
            .accounts
            .iter()
            .map(|a| {
                let mut row = vec![Value::str(&a.host), Value::str(&a.user)];
                row.extend(ALL_PRIVS.iter().map(|p| yes_no(a.privs.contains(*p))));
                row.extend([
                    Value::str(if a.require_ssl { "ANY" } else { "" }),
                    Value::str(&a.plugin),
                    Value::str(&password::display(&a.plugin, &a.auth)),
                    yes_no(a.locked),
                ]);
                row
            })
            .collect(),
        "db" => stored
            .dbs
            .iter()
            .map(|g| {
                let mut row = vec![Value::str(&g.host), Value::str(&g.db), Value::str(&g.user)];
                row.extend(
                    ALL_PRIVS
                        .iter()
                        .filter(|p| p.grantable_at(Level::Database))
                        .map(|p| yes_no(g.privs.contains(*p))),
                );
                row
            })
            .collect(),
        _ => stored
            .tables
            .iter()
            .map(|g| {
                let words: Vec<&str> = g.privs.iter().map(table_priv_word).collect();
                vec![
                    Value::str(&g.host),
                    Value::str(&g.db),
                    Value::str(&g.user),
                    Value::str(&g.table),
                    Value::str(""),
                    Value::Null,
                    Value::str(&words.join(",")),
                    Value::str(""),
                ]
            })
            .collect(),
    })
}

const NODE_COLUMNS: &[(&str, Kind)] = &[
    ("host", Text),
    ("role", Text),
    ("cpu_count", Int),
    ("keyspace_id", Text),
];

/// Materializes `mysql.<name>`; `None` if there is no such table.
pub fn table(ctx: &Context, name: &str) -> Option<Result<ResultSet>> {
    let columns = result_columns(name)?;
    Some(rows(ctx, &name.to_ascii_lowercase()).map(|rows| ResultSet { columns, rows }))
}

/// The columns of `mysql.<name>` (without reading its rows); `None` if there is no such
/// table.
pub fn result_columns(name: &str) -> Option<Vec<ResultColumn>> {
    let lower = name.to_ascii_lowercase();
    let columns = match lower.as_str() {
        "tidb_global_task" | "tidb_global_task_history" => TASK_COLUMNS.to_vec(),
        "tidb_background_subtask" | "tidb_background_subtask_history" => SUBTASK_COLUMNS.to_vec(),
        "dist_framework_meta" => NODE_COLUMNS.to_vec(),
        "gc_delete_range" | "gc_delete_range_done" => DELETE_RANGE_COLUMNS.to_vec(),
        "tidb_mdl_view" => MDL_COLUMNS.to_vec(),
        "user" => user_columns(),
        "db" => db_columns(),
        "tables_priv" => TABLES_PRIV_COLUMNS.to_vec(),
        _ => return None,
    };
    Some(columns.iter().map(|&(n, k)| column(&lower, n, k)).collect())
}

fn column(table: &str, name: &str, kind: Kind) -> ResultColumn {
    let ty = match kind {
        Text => DataType::varchar(256),
        Int => DataType::Int {
            kind: IntKind::Big,
            unsigned: false,
        },
        Time => DataType::DateTime { fsp: 0 },
    };
    ResultColumn {
        org_name: name.to_string(),
        table: table.to_string(),
        org_table: table.to_string(),
        db: DB.to_string(),
        ..ResultColumn::computed(name, Some(ty))
    }
}

fn rows(ctx: &Context, table: &str) -> Result<Vec<Vec<Value>>> {
    let txn = ctx.domain.store.begin()?;
    let txn = txn.as_ref();
    Ok(match table {
        "tidb_global_task" => storage::tasks(txn)?.iter().map(task_row).collect(),
        "tidb_global_task_history" => storage::history(txn)?.iter().map(task_row).collect(),
        "tidb_background_subtask" => storage::all_subtasks(txn)?
            .iter()
            .map(subtask_row)
            .collect(),
        "tidb_background_subtask_history" => storage::subtask_history(txn)?
            .iter()
            .map(subtask_row)
            .collect(),
        "gc_delete_range" => delete_range::pending(txn)?
            .iter()
            .map(delete_range_row)
            .collect(),
        "gc_delete_range_done" => delete_range::done(txn)?
            .iter()
            .map(delete_range_row)
            .collect(),
        "tidb_mdl_view" => mdl_rows(ctx, txn)?,
        "user" | "db" | "tables_priv" => privilege_rows(table, txn)?,
        _ => {
            let now = crate::domain::now_ms();
            storage::nodes(txn)?
                .iter()
                .filter(|n| now - n.heartbeat_ms < dispatcher::NODE_LEASE_MS)
                .map(node_row)
                .collect()
        }
    })
}

/// One row per (running job, transaction holding the job's table at an older version than
/// the job's last step), on any node. SQL_DIGESTS (the transaction's statements in TiDB)
/// is not kept: NULL.
fn mdl_rows(ctx: &Context, txn: &dyn crate::kv::Transaction) -> Result<Vec<Vec<Value>>> {
    let nodes = syncer::live_nodes(ctx.domain.store.as_ref())?;
    let mut rows = Vec::new();
    for job in queue::queued_jobs(txn)? {
        if job.schema_version == 0 || job.table_id == 0 {
            continue;
        }
        let tables = [job.table_id];
        for holder in nodes
            .iter()
            .flat_map(|n| n.blockers(&tables, job.schema_version))
        {
            rows.push(vec![
                Value::Int(job.id),
                s(&job.db_name),
                s(&job.table_name),
                s(&job.query),
                Value::Int(i64::from(holder.conn_id)),
                time(Some(holder.txn_start_ms.saturating_mul(1000))),
                Value::Null,
            ]);
        }
    }
    Ok(rows)
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn json(bytes: &[u8]) -> Value {
    Value::Bytes(bytes.to_vec())
}

/// A timestamp, to the second, from microseconds since the epoch.
fn time(micros: Option<i64>) -> Value {
    match micros.and_then(|m| chrono::DateTime::from_timestamp(m.div_euclid(1_000_000), 0)) {
        Some(t) => Value::DateTime(t.naive_utc()),
        None => Value::Null,
    }
}

fn unix_seconds(micros: Option<i64>) -> Value {
    micros.map_or(Value::Null, |m| Value::Int(m.div_euclid(1_000_000)))
}

fn error(e: &Option<SavedError>) -> Value {
    match e {
        Some(e) => s(&format!("[{}]{}", e.code, e.message)),
        None => Value::Null,
    }
}

/// Keys as TiDB shows them: lower-case hex.
fn hex(key: &[u8]) -> Value {
    s(&key.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn delete_range_row(r: &DeleteRange) -> Vec<Value> {
    vec![
        Value::Int(r.job_id),
        Value::Int(r.element_id),
        hex(&r.start_key),
        hex(&r.end_key),
        Value::Int(i64::try_from(r.ts).unwrap_or(i64::MAX)),
    ]
}

fn task_row(t: &Task) -> Vec<Value> {
    vec![
        Value::Int(t.id),
        s(&t.key),
        s(&t.task_type),
        s(&t.dispatcher_id),
        s(t.state.as_str()),
        Value::Int(t.priority),
        time(Some(t.create_time)),
        time(t.start_time),
        time(Some(t.state_update_time)),
        time(t.end_time),
        json(&t.meta),
        Value::Int(i64::from(t.concurrency)),
        Value::Int(t.step),
        s(&t.target_scope),
        error(&t.error),
        Value::Null,
        Value::Int(t.eligible.len() as i64),
        Value::Null,
        s(""),
    ]
}

fn subtask_row(st: &Subtask) -> Vec<Value> {
    let summary = serde_json::to_vec(&st.summary).unwrap_or_default();
    vec![
        Value::Int(st.id),
        Value::Int(st.step),
        s(""),
        s(&st.task_id.to_string()),
        Value::Null,
        Value::Int(type_number(&st.task_type)),
        s(&st.exec_id),
        Value::Null,
        s(st.state.as_str()),
        json(&st.checkpoint),
        Value::Int(i64::from(st.concurrency)),
        time(Some(st.create_time)),
        unix_seconds(st.start_time),
        unix_seconds(Some(st.state_update_time)),
        time(st.end_time),
        json(&st.meta),
        Value::Int(st.ordinal),
        error(&st.error),
        json(&summary),
    ]
}

fn node_row(n: &NodeMeta) -> Vec<Value> {
    vec![
        s(&n.host),
        s(&n.role),
        Value::Int(i64::from(n.cpu_count)),
        s(""),
    ]
}
