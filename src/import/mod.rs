//! IMPORT INTO: bulk loading files into an empty table, as TiDB's IMPORT INTO does.
//!
//! An import's walk: the statement's options are validated (`options`), its files listed
//! (`source`) and the prechecks run ([`submit`]): no other import into the table, some
//! data to read, an empty target. Then an import job is stored (`job`, what SHOW IMPORT
//! JOBS lists) together with a task of the distributed execution framework, of type
//! `ImportInto` (`task`): its `import` step reads groups of files on the eligible nodes
//! (`delimited` for CSV), encodes each row's record and index entries as DML would
//! (`encode`), sorts and ingests them; its `post-process` step checks the table's checksum
//! against what was written and rebases AUTO_INCREMENT. With `tidb_enable_dist_task = OFF`
//! the task runs on the node the statement came to. The statement waits for the job
//! ([`wait`]) unless DETACHED; CANCEL IMPORT JOB ([`cancel`]) reverts the task, and a failed
//! or cancelled import leaves the table empty, as it was.

pub mod delimited;
pub mod encode;
pub mod job;
pub mod options;
mod parquet;
pub mod rows;
pub mod source;
mod sql_dump;
mod task;

pub use encode::{variables, Assignments, Charset, CompileAssignments, Target};
pub use job::{ImportJob, Status};
pub use options::{Format, Given, Options};
pub use task::{ImportInto, TASK_TYPE};

use std::time::Duration;

use crate::catalog::{meta, TableInfo};
use crate::domain::Domain;
use crate::dxf::{self, Control};
use crate::error::{Error, Result};
use crate::table::Table;

/// What IMPORT INTO asks for, resolved against the schema.
pub struct Request {
    pub db: String,
    pub db_id: i64,
    pub table: TableInfo,
    /// Where each field goes; `None` without a column list: the table's columns in order,
    /// or for parquet the columns the file's columns are named after.
    pub targets: Option<Vec<Target>>,
    /// `SET col = expr`: (column position, expression as SQL text).
    pub assignments: Vec<(usize, String)>,
    pub location: String,
    pub format: Format,
    pub options: Options,
    pub created_by: String,
    /// Run on this node only (`tidb_enable_dist_task = OFF`).
    pub local_only: bool,
}

fn precheck(detail: &str) -> Error {
    Error::new(8173, "HY000", format!("PreCheck failed: {detail}"))
}

/// The task of import job `id`.
pub fn task_key(id: i64) -> String {
    format!("{TASK_TYPE}/{id}")
}

/// Checks the request (TiDB's prechecks, in its order), then stores the job and its task.
pub fn submit(domain: &Domain, request: Request) -> Result<ImportJob> {
    let files = source::list(&request.location)?;
    let active = {
        let txn = domain.store.begin()?;
        job::all(txn.as_ref())?
            .iter()
            .any(|j| j.table_id == request.table.id && !j.status.is_final())
    };
    if active {
        return Err(precheck("there is active job on the target table already"));
    }
    let size: u64 = files.iter().map(|f| f.size).sum();
    if size == 0 {
        return Err(precheck(
            "No file matched, or the file is empty. Please provide a valid file location.",
        ));
    }
    let has_rows = {
        let txn = domain.store.begin()?;
        Table::new(std::sync::Arc::new(request.table.clone()))
            .handle_bounds(txn.as_ref())?
            .is_some()
    };
    if has_rows {
        return Err(precheck("target table is not empty"));
    }
    let targets = match request.targets {
        Some(targets) => targets,
        None if request.format == Format::Parquet => files
            .first()
            .map_or(Ok(Vec::new()), |f| parquet_targets(&request.table, &f.path))?,
        None => request
            .table
            .public_columns()
            .map(|(i, _)| Target::Column(i))
            .collect(),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = request
        .options
        .thread
        .unwrap_or(cores.div_ceil(2))
        .min(cores);
    let now = dxf::proto::now_micros();
    let mut import = ImportJob {
        id: 0,
        db: request.db.clone(),
        table: request.table.name.clone(),
        table_id: request.table.id,
        data_source: request.location.clone(),
        source_file_size: size,
        options: request.options.clone(),
        status: Status::Pending,
        phase: String::new(),
        imported_rows: None,
        error: None,
        error_message: String::new(),
        created_by: request.created_by.clone(),
        create_time: now,
        start_time: None,
        end_time: None,
    };
    dxf::storage::retry(domain.store.as_ref(), |txn| {
        import.id = meta::allocate_ids(txn, 1)?;
        job::put(txn, &import);
        Ok(())
    })?;
    let meta = task::TaskMeta {
        job_id: import.id,
        db_id: request.db_id,
        db: request.db.clone(),
        table_id: request.table.id,
        targets,
        assignments: request.assignments,
        format: request.format,
        options: request.options,
        files,
    };
    let scope = dxf::service_scope(domain);
    let submitted = dxf::submit(
        domain,
        &dxf::NewTask {
            key: task_key(import.id),
            task_type: TASK_TYPE,
            meta: serde_json::to_vec(&meta).unwrap_or_default(),
            concurrency: threads as u32,
            priority: 512,
            target_scope: scope,
            nodes: if request.local_only {
                vec![domain.address.clone()]
            } else {
                Vec::new()
            },
        },
    );
    if let Err(e) = submitted {
        let message = e.message();
        task::update_job(domain, import.id, |j| {
            j.status = Status::Failed;
            j.error_message = message.clone();
        })?;
        return Err(e);
    }
    tracing::info!(job_id = import.id, table = %import.table, files = meta.files.len(), size, "import submitted");
    Ok(import)
}

/// The table column each column of a parquet file is named after.
fn parquet_targets(table: &TableInfo, path: &str) -> Result<Vec<Target>> {
    parquet::column_names(path)?
        .iter()
        .map(|name| {
            table
                .column_by_name(name)
                .map(|(pos, _)| Target::Column(pos))
                .ok_or_else(|| Error::unknown_column(name, "field list"))
        })
        .collect()
}

pub fn get(domain: &Domain, id: i64) -> Result<ImportJob> {
    let txn = domain.store.begin()?;
    job::get(txn.as_ref(), id)?.ok_or_else(|| job::not_found(id))
}

pub fn all(domain: &Domain) -> Result<Vec<ImportJob>> {
    let txn = domain.store.begin()?;
    job::all(txn.as_ref())
}

/// How far a running import's current step is: what SHOW IMPORT JOB's `Cur_Step_*`
/// columns show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// The task's step: `import` or `post-process`.
    pub step: &'static str,
    /// Bytes of the files read, and all of them (0 for a step that reads no files).
    pub processed: u64,
    pub total: u64,
    /// Rows the import step read so far.
    pub rows: u64,
    /// When the step started and when a subtask last reported (microseconds).
    pub started: i64,
    pub updated: i64,
}

impl Progress {
    /// Bytes per second since the step started.
    pub fn speed(&self, now: i64) -> f64 {
        let secs = (now - self.started).max(1) as f64 / 1e6;
        self.processed as f64 / secs
    }

    /// Seconds left at the step's pace so far (`None` until there is a pace).
    pub fn eta_secs(&self, now: i64) -> Option<u64> {
        let speed = self.speed(now);
        (speed > 0.0 && self.total > 0)
            .then(|| (self.total.saturating_sub(self.processed) as f64 / speed) as u64)
    }
}

/// The progress of import job `job` if it is running.
pub fn progress(domain: &Domain, job: &ImportJob) -> Result<Option<Progress>> {
    if job.status != Status::Running {
        return Ok(None);
    }
    let Some(task) = dxf::task(domain, &task_key(job.id))? else {
        return Ok(None);
    };
    if task.state.is_final() {
        return Ok(None);
    }
    let subtasks = dxf::subtasks(domain, &task)?;
    let current: Vec<_> = subtasks.iter().filter(|s| s.step == task.step).collect();
    let reads = task.step == task::STEP_IMPORT;
    Ok(Some(Progress {
        step: task::step_name(task.step),
        processed: if reads {
            current.iter().map(|s| s.summary.bytes).sum()
        } else {
            0
        },
        total: if reads { job.source_file_size } else { 0 },
        // The rows the import step read, during the post-process too.
        rows: subtasks
            .iter()
            .filter(|s| s.step == task::STEP_IMPORT)
            .map(|s| s.summary.row_count)
            .sum(),
        started: current
            .iter()
            .filter_map(|s| s.start_time)
            .min()
            .unwrap_or(task.state_update_time),
        updated: current
            .iter()
            .map(|s| s.state_update_time)
            .max()
            .unwrap_or(task.state_update_time),
    }))
}

/// Waits until job `id` ends; its error if it failed. A `cancelled()` session cancels it.
pub fn wait(domain: &Domain, id: i64, cancelled: &dyn Fn() -> bool) -> Result<ImportJob> {
    loop {
        let seen = domain.events.tasks.generation();
        let j = get(domain, id)?;
        match j.status {
            Status::Finished => return Ok(j),
            Status::Failed | Status::Cancelled => {
                return Err(j.error.map(|e| e.to_error()).unwrap_or_else(|| {
                    Error::new(
                        8182,
                        "HY000",
                        format!("import job {id}: {}", j.error_message),
                    )
                }));
            }
            _ => {}
        }
        if cancelled() {
            cancel(domain, id)?;
            return Err(Error::Interrupted);
        }
        domain.events.tasks.wait(seen, Duration::from_millis(100));
    }
}

/// CANCEL IMPORT JOB: the job ends `cancelled` once its task has reverted on every node
/// (and the table is empty again).
pub fn cancel(domain: &Domain, id: i64) -> Result<()> {
    let j = get(domain, id)?;
    if j.status.is_final() {
        return Err(Error::new(
            8171,
            "HY000",
            "The current job status cannot perform the operation. CANCEL",
        ));
    }
    let key = task_key(id);
    dxf::control(domain, &key, Control::Cancel)?;
    task::update_job(domain, id, |j| {
        if !j.status.is_final() {
            j.status = Status::Cancelled;
            j.error_message = "cancelled by user".into();
            j.error = Some((&Error::new(8182, "HY000", "cancelled by user")).into());
        }
    })?;
    loop {
        let seen = domain.events.tasks.generation();
        match dxf::task(domain, &key)? {
            Some(t) if !t.state.is_final() => {}
            _ => return Ok(()),
        }
        domain.events.tasks.wait(seen, Duration::from_millis(100));
    }
}
