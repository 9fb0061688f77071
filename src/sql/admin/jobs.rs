//! ADMIN SHOW DDL [JOBS | JOB QUERIES] and ADMIN CANCEL / PAUSE / RESUME DDL JOBS, with
//! TiDB's columns, row order and messages.

use sqlparser::ast;

use crate::ddl::control::Control;
use crate::ddl::progress::Progress;
use crate::ddl::{owner, queue, Action, Job, JobArgs, JobState};
use crate::error::Result;
use crate::sql::context::Context;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::scope::{Scope, ScopeColumn};
use crate::sql::result::{QueryResult, ResultColumn, ResultSet};
use crate::types::{DataType, IntKind, Value};

const JOB_COLUMNS: [&str; 13] = [
    "JOB_ID",
    "DB_NAME",
    "TABLE_NAME",
    "JOB_TYPE",
    "SCHEMA_STATE",
    "SCHEMA_ID",
    "TABLE_ID",
    "ROW_COUNT",
    "CREATE_TIME",
    "START_TIME",
    "END_TIME",
    "STATE",
    "COMMENTS",
];

/// History jobs ADMIN SHOW DDL JOBS lists by default.
const DEFAULT_HISTORY: usize = 10;

pub fn time(micros: Option<i64>) -> Value {
    match micros.and_then(chrono::DateTime::from_timestamp_micros) {
        Some(t) => Value::str(&t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        None => Value::Null,
    }
}

/// A job as the listings show it: reorg jobs still running come with their live row
/// count and their progress.
pub struct Listed {
    pub job: Job,
    pub progress: Option<Progress>,
}

/// Queued and running jobs (oldest first), then `history` finished ones (newest first).
pub fn listed_jobs(ctx: &Context, history: usize) -> Result<Vec<Listed>> {
    let txn = ctx.domain.store.begin()?;
    let mut listed = Vec::new();
    for mut job in queue::queued_jobs(txn.as_ref())? {
        let mut progress = None;
        if job.action.is_reorg() {
            let reorg = queue::get_reorg(txn.as_ref(), job.id)?;
            job.row_count = job.row_count.max(reorg.row_count);
            progress = reorg.progress;
        }
        listed.push(Listed { job, progress });
    }
    listed.extend(
        queue::history_jobs(txn.as_ref(), history)?
            .into_iter()
            .map(|job| Listed {
                job,
                progress: None,
            }),
    );
    Ok(listed)
}

fn jobs(ctx: &Context, history: usize) -> Result<Vec<Job>> {
    Ok(listed_jobs(ctx, history)?
        .into_iter()
        .map(|l| l.job)
        .collect())
}

/// The COMMENTS column: the backfill type, knobs that differ from their defaults, then
/// (beyond TiDB) a running job's phase, percent done and ETA.
pub fn comments(ctx: &Context, listed: &Listed) -> String {
    let job = &listed.job;
    // A multi-schema change reorganizes data only when it adds an index, a modify column
    // only when it rewrites the column.
    let builds = !matches!(job.action, Action::MultiSchemaChange | Action::ModifyColumn)
        || job.reorg_type.is_some();
    if !job.action.is_reorg() || !builds {
        return String::new();
    }
    let mut parts = vec![job.reorg_type.clone().unwrap_or_else(|| "txn".into())];
    if job.dist_reorg && job.reorg_type.as_deref() == Some("ingest") {
        parts.push("DXF".into());
    }
    let globals = ctx.domain.globals.read();
    let knob = |name: &str| globals.get(name).map(|(_, v)| v.to_f64() as i64);
    let own = &job.reorg_params;
    let thread = own
        .thread
        .map(i64::from)
        .or_else(|| knob("tidb_ddl_reorg_worker_cnt"));
    if let Some(n) = thread.filter(|n| *n != 4) {
        parts.push(format!("thread={n}"));
    }
    let batch = own
        .batch_size
        .map(i64::from)
        .or_else(|| knob("tidb_ddl_reorg_batch_size"));
    if let Some(n) = batch.filter(|n| *n != 256) {
        parts.push(format!("batch_size={n}"));
    }
    let speed = own
        .max_write_speed
        .unwrap_or_else(|| crate::ddl::backfill::global_max_write_speed(&globals));
    if speed != 0 {
        let speed = crate::types::byte_size::human(speed);
        parts.push(format!("max_write_speed={speed}"));
    }
    drop(globals);
    if let Some(p) = &listed.progress {
        parts.push(p.describe());
    }
    parts.join(", ")
}

fn job_row(ctx: &Context, listed: &Listed) -> Vec<Value> {
    let job = &listed.job;
    vec![
        Value::Int(job.id),
        Value::str(&job.db_name),
        Value::str(&job.table_name),
        Value::str(job.action.as_str()),
        Value::str(job.schema_state.as_str()),
        Value::Int(job.db_id),
        Value::Int(job.table_id),
        Value::Int(job.row_count as i64),
        time(Some(job.create_time)),
        time(job.start_time),
        time(job.end_time),
        Value::str(job.state.as_str()),
        Value::str(&comments(ctx, listed)),
    ]
}

/// A job's row, then for a multi-schema change one row per sub-job, as TiDB lists them:
/// the parent's id and times, the sub-job's type (`add index /* subjob */`) and states.
fn job_rows(ctx: &Context, listed: &Listed) -> Vec<Vec<Value>> {
    let parent = job_row(ctx, listed);
    let mut rows = vec![parent.clone()];
    if let JobArgs::MultiSchemaChange(info) = &listed.job.args {
        for sub in &info.subs {
            let mut row = parent.clone();
            row[3] = Value::str(&format!("{} /* subjob */", sub.action.as_str()));
            row[4] = Value::str(sub.schema_state.as_str());
            row[7] = Value::Int(sub.row_count as i64);
            row[11] = Value::str(sub.state.as_str());
            row[12] = Value::str("");
            rows.push(row);
        }
    }
    rows
}

fn column_type(name: &str) -> DataType {
    match name {
        "JOB_ID" | "SCHEMA_ID" | "TABLE_ID" | "ROW_COUNT" => DataType::Int {
            kind: IntKind::Big,
            unsigned: false,
        },
        "CREATE_TIME" | "START_TIME" | "END_TIME" => DataType::DateTime { fsp: 6 },
        _ => DataType::varchar(64),
    }
}

pub fn show_ddl_jobs(
    ctx: &Context,
    limit: Option<usize>,
    filter: Option<&ast::Expr>,
) -> Result<QueryResult> {
    let columns: Vec<ResultColumn> = JOB_COLUMNS
        .iter()
        .map(|n| ResultColumn::computed(*n, Some(column_type(n))))
        .collect();
    let scope = Scope {
        columns: JOB_COLUMNS
            .iter()
            .map(|n| ScopeColumn {
                table: String::new(),
                name: n.to_string(),
                ty: column_type(n),
            })
            .collect(),
        outer: None,
        qualified_only: Vec::new(),
    };
    let filter = filter
        .map(|f| Binder::new(&scope, ctx.session, "where clause").bind(f))
        .transpose()?;
    let mut rows = Vec::new();
    for listed in listed_jobs(ctx, limit.unwrap_or(DEFAULT_HISTORY))? {
        for row in job_rows(ctx, &listed) {
            let keep = match &filter {
                None => true,
                Some(f) => f.eval(&row)?.truth() == Some(true),
            };
            if keep {
                rows.push(row);
            }
        }
    }
    Ok(QueryResult::Rows(ResultSet { columns, rows }))
}

pub fn show_ddl(ctx: &Context) -> Result<QueryResult> {
    let owner = owner::current_owner(ctx.domain.store.as_ref())?;
    let running: Vec<Job> = jobs(ctx, 0)?
        .into_iter()
        .filter(|j| j.state != JobState::Queueing)
        .collect();
    let running_text: Vec<String> = running
        .iter()
        .map(|j| {
            format!(
                "ID:{}, Type:{}, State:{}, SchemaState:{}, SchemaID:{}, TableID:{}, RowCount:{}, ArgLen:0, start time: {}, Err:{}, ErrCount:{}, SnapshotVersion:0, Version: v2",
                j.id,
                j.action.as_str(),
                j.state.as_str(),
                j.schema_state.as_str(),
                j.db_id,
                j.table_id,
                j.row_count,
                time(j.start_time).to_string_lossy(),
                j.error.as_ref().map_or("<nil>".to_string(), |e| e.message.clone()),
                j.error_count,
            )
        })
        .collect();
    let queries: Vec<String> = running.iter().map(|j| j.query.clone()).collect();
    let columns = vec![
        ResultColumn::bigint("SCHEMA_VER"),
        ResultColumn::text("OWNER_ID"),
        ResultColumn::text("OWNER_ADDRESS"),
        ResultColumn::text("RUNNING_JOBS"),
        ResultColumn::text("SELF_ID"),
        ResultColumn::text("QUERY"),
    ];
    let row = vec![
        Value::Int(ctx.domain.catalog.snapshot().version as i64),
        Value::str(
            &owner
                .as_ref()
                .map(|o| o.node_id.clone())
                .unwrap_or_default(),
        ),
        Value::str(&owner.map(|o| o.address).unwrap_or_default()),
        Value::str(&running_text.join("\n")),
        Value::str(&ctx.domain.id),
        Value::str(&queries.join("\n")),
    ];
    Ok(QueryResult::Rows(ResultSet {
        columns,
        rows: vec![row],
    }))
}

pub fn show_job_queries(ctx: &Context, ids: &[i64]) -> Result<QueryResult> {
    let jobs = jobs(ctx, DEFAULT_HISTORY)?;
    let rows = ids
        .iter()
        .filter_map(|id| jobs.iter().find(|j| j.id == *id))
        .map(|j| vec![Value::str(&j.query)])
        .collect();
    Ok(QueryResult::Rows(ResultSet {
        columns: vec![ResultColumn::text("QUERY")],
        rows,
    }))
}

pub fn show_job_queries_limit(ctx: &Context, offset: usize, limit: usize) -> Result<QueryResult> {
    let rows = jobs(ctx, offset.saturating_add(limit))?
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|j| vec![Value::Int(j.id), Value::str(&j.query)])
        .collect();
    Ok(QueryResult::Rows(ResultSet {
        columns: vec![ResultColumn::bigint("JOB_ID"), ResultColumn::text("QUERY")],
        rows,
    }))
}

/// ADMIN CANCEL / PAUSE / RESUME DDL JOBS: one row per id.
pub fn control(ctx: &Context, ids: &[i64], action: Control) -> Result<QueryResult> {
    let results = crate::ddl::control::apply(ctx.domain, ids, action)?;
    Ok(QueryResult::Rows(ResultSet {
        columns: vec![ResultColumn::text("JOB_ID"), ResultColumn::text("RESULT")],
        rows: ids
            .iter()
            .zip(results)
            .map(|(id, r)| {
                let r = match r {
                    Ok(()) => "successful".to_string(),
                    Err(msg) => format!("error: {msg}"),
                };
                vec![Value::str(&id.to_string()), Value::str(&r)]
            })
            .collect(),
    }))
}
