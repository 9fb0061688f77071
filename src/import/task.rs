//! The `ImportInto` task type: how the framework plans and executes an import.
//!
//! - `import`: the files, in groups, one subtask per group; a subtask reads its files,
//!   encodes every row's record and index entries (`encode`), sorts them under the node's
//!   temp dir and ingests them with `Store::ingest`, and records a checksum of what it
//!   wrote. Two rows with one key within a subtask fail it with 1062.
//! - `post-process`: one subtask compares the table's checksum with the sum of what the
//!   subtasks wrote (CHECKSUM_TABLE; duplicates across subtasks show here), and rebases
//!   AUTO_INCREMENT past the largest id imported.
//!
//! The planner, on the owner, also moves the import job through its status and phase; a
//! task that ends reverted leaves the target table empty again, as it was.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::encode::{self, Checksum, CompileAssignments, Encoder, Set, Target};
use super::job::{self, Status};
use super::options::{self, Format, Options};
use super::rows::{self, Field};
use super::source::DataFile;
use crate::catalog::{meta, TableInfo};
use crate::codec::keys;
use crate::domain::Domain;
use crate::dxf::proto::{from_json, to_json};
use crate::dxf::{
    self, NextStep, Outcome, Step, Subtask, SubtaskContext, Summary, Task, TaskState, TaskType,
};
use crate::dxf::{STEP_DONE, STEP_INIT};
use crate::error::{Error, Result};
use crate::kv::sort::Sorter;
use crate::kv::{KeyRange, Pair};
use crate::table::Table;

pub const TASK_TYPE: &str = "ImportInto";
pub(super) const STEP_IMPORT: Step = 1;
const STEP_POST_PROCESS: Step = 2;
/// Memory one subtask's sorter holds before it spills sorted runs to disk.
const SORT_MEMORY: usize = 64 << 20;
/// Rows between two checks whether to stop.
const CHECK_EVERY: u64 = 4096;
/// SPLIT_FILE cuts uncompressed files into chunks of this many bytes (TiDB's size).
const SPLIT_CHUNK: u64 = 256 << 20;
/// At most this many import subtasks per eligible node.
const GROUPS_PER_NODE: usize = 4;

/// What an import task does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskMeta {
    pub job_id: i64,
    pub db_id: i64,
    pub table_id: i64,
    pub targets: Vec<Target>,
    /// `SET col = expr`: (column position, expression as SQL text).
    #[serde(default)]
    pub assignments: Vec<(usize, String)>,
    pub format: Format,
    pub options: Options,
    pub files: Vec<DataFile>,
}

/// What an import subtask wrote (its checkpoint once done).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Written {
    checksum: Checksum,
    rows: u64,
    max_auto_id: i64,
}

pub struct ImportInto {
    /// Compiles the statement's SET assignments (the SQL layer's binder).
    pub compile: CompileAssignments,
}

fn load_table(domain: &Domain, m: &TaskMeta) -> Result<TableInfo> {
    let txn = domain.store.begin()?;
    meta::get_table(txn.as_ref(), m.db_id, m.table_id)?
        .ok_or_else(|| Error::internal("the table of an import vanished"))
}

/// Changes import job `id` through `change`.
pub fn update_job(domain: &Domain, id: i64, change: impl Fn(&mut job::ImportJob)) -> Result<()> {
    dxf::storage::retry(domain.store.as_ref(), |txn| {
        if let Some(mut j) = job::get(txn, id)? {
            change(&mut j);
            job::put(txn, &j);
        }
        Ok(())
    })?;
    domain.events.notify();
    Ok(())
}

/// The files cut into at most `groups` groups of neighbouring files of similar size.
fn group(files: &[DataFile], groups: usize) -> Vec<Vec<DataFile>> {
    let total: u64 = files.iter().map(|f| f.size.max(1)).sum();
    let per = total.div_ceil(groups.max(1) as u64).max(1);
    let mut out: Vec<Vec<DataFile>> = Vec::new();
    let mut size = 0u64;
    for f in files {
        if out.is_empty() || size >= per {
            out.push(Vec::new());
            size = 0;
        }
        size += f.size.max(1);
        if let Some(last) = out.last_mut() {
            last.push(f.clone());
        }
    }
    out
}

impl TaskType for ImportInto {
    fn name(&self) -> &'static str {
        TASK_TYPE
    }

    fn step_name(&self, step: Step) -> &'static str {
        step_name(step)
    }

    fn next_step(
        &self,
        domain: &Arc<Domain>,
        task: &Task,
        previous: &[Subtask],
        nodes: usize,
    ) -> Result<NextStep> {
        let m: TaskMeta = from_json("import task meta", &task.meta)?;
        match task.step {
            STEP_INIT => {
                update_job(domain, m.job_id, |j| {
                    j.status = Status::Running;
                    j.phase = "importing".into();
                    j.start_time = Some(dxf::proto::now_micros());
                })?;
                let files: Vec<DataFile> = if m.options.split_file {
                    // Test hook: chunks of this many bytes instead of TiDB's 256 MiB.
                    let chunk = domain
                        .failpoints
                        .number("import-split-size")
                        .unwrap_or(SPLIT_CHUNK);
                    m.files
                        .iter()
                        .flat_map(|f| {
                            if f.splittable() {
                                f.chunks(chunk)
                            } else {
                                vec![f.clone()]
                            }
                        })
                        .collect()
                } else {
                    m.files.clone()
                };
                Ok(NextStep::Plan {
                    step: STEP_IMPORT,
                    subtasks: group(&files, nodes * GROUPS_PER_NODE)
                        .iter()
                        .map(to_json)
                        .collect(),
                })
            }
            STEP_IMPORT => {
                let mut total = Written::default();
                for s in previous {
                    let w: Written = from_json("import subtask checkpoint", &s.checkpoint)?;
                    total.checksum.merge(&w.checksum);
                    total.rows += w.rows;
                    total.max_auto_id = total.max_auto_id.max(w.max_auto_id);
                }
                update_job(domain, m.job_id, |j| j.phase = "validating".into())?;
                Ok(NextStep::Plan {
                    step: STEP_POST_PROCESS,
                    subtasks: vec![to_json(&total)],
                })
            }
            // The job finishes in `cleanup`, once the task is in the history.
            _ => Ok(NextStep::Done),
        }
    }

    fn execute(&self, ctx: &SubtaskContext, subtask: &Subtask) -> Result<Outcome> {
        let m: TaskMeta = from_json("import task meta", &ctx.task.meta)?;
        match subtask.step {
            STEP_IMPORT => {
                let files: Vec<DataFile> = from_json("import subtask", &subtask.meta)?;
                import(ctx, &m, self.compile, subtask.id, &files)
            }
            STEP_POST_PROCESS => {
                let expected: Written = from_json("post-process meta", &subtask.meta)?;
                post_process(ctx.domain, &m, &expected)?;
                Ok(Outcome::Done(Summary {
                    row_count: expected.rows,
                    bytes: expected.checksum.bytes,
                }))
            }
            step => Err(Error::internal(format!("ImportInto has no step {step}"))),
        }
    }

    fn cleanup(&self, domain: &Arc<Domain>, task: &Task) {
        let Ok(m) = from_json::<TaskMeta>("import task meta", &task.meta) else {
            return;
        };
        let _ = std::fs::remove_dir_all(job_dir(domain, m.job_id));
        if task.state == TaskState::Succeed {
            let rows = dxf::subtasks(domain, task).map(|subtasks| {
                subtasks
                    .iter()
                    .filter(|s| s.step == STEP_POST_PROCESS)
                    .map(|s| s.summary.row_count)
                    .sum::<u64>()
            });
            let finished = rows.and_then(|rows| {
                update_job(domain, m.job_id, |j| {
                    if !j.status.is_final() {
                        j.status = Status::Finished;
                        j.phase = String::new();
                        j.imported_rows = Some(rows);
                        j.end_time = Some(dxf::proto::now_micros());
                    }
                })
            });
            if let Err(e) = finished {
                tracing::warn!(job_id = m.job_id, error = %e, "could not finish an import job");
            }
            return;
        }
        // A failed import leaves the table as it was: empty.
        if let Err(e) = delete_table_data(domain, m.table_id) {
            tracing::warn!(job_id = m.job_id, error = %e, "could not empty the table of a failed import");
        }
        let error = task.error.clone();
        let message = error
            .as_ref()
            .map_or_else(|| "the import failed".to_string(), |e| e.message.clone());
        let _ = update_job(domain, m.job_id, |j| {
            if !j.status.is_final() {
                j.status = Status::Failed;
                j.error_message = message.clone();
                j.error = error.clone();
            }
            j.end_time.get_or_insert(dxf::proto::now_micros());
        });
    }
}

pub(super) fn step_name(step: Step) -> &'static str {
    match step {
        STEP_INIT => "init",
        STEP_IMPORT => "import",
        STEP_POST_PROCESS => "post-process",
        STEP_DONE => "done",
        _ => "unknown",
    }
}

/// Where the subtasks of import job `job_id` on this node sort.
fn job_dir(domain: &Domain, job_id: i64) -> std::path::PathBuf {
    domain.temp_dir.join(format!("import-{job_id}"))
}

fn io(what: &str, e: std::io::Error) -> Error {
    Error::new(8247, "HY000", format!("Ingest failed: {what}: {e}"))
}

/// Rows handed from the reading thread to the encoding ones at a time.
const BATCH_ROWS: usize = 1024;

/// Parsed rows of one file, in order: (line, fields).
struct Batch {
    file: Arc<str>,
    rows: Vec<(u64, Vec<Field>)>,
}

/// What one encoding thread made: its sorted pairs and the largest AUTO_INCREMENT id.
struct Encoded {
    sorter: Sorter,
    max_auto_id: i64,
}

/// One import subtask: its files read (this thread), encoded and sorted (one thread per
/// slot the subtask holds), then ingested as one sorted stream.
fn import(
    ctx: &SubtaskContext,
    m: &TaskMeta,
    compile: CompileAssignments,
    subtask_id: i64,
    files: &[DataFile],
) -> Result<Outcome> {
    let domain = ctx.domain;
    let info = load_table(domain, m)?;
    let columns: Vec<String> = m
        .targets
        .iter()
        .map(|t| match t {
            Target::Column(i) => info
                .columns
                .get(*i)
                .map_or_else(String::new, |c| c.name.to_ascii_lowercase()),
            Target::Var(v) => format!("@{}", v.to_ascii_lowercase()),
        })
        .collect();
    let dir = job_dir(domain, m.job_id).join(format!("subtask-{subtask_id}"));
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let workers = ctx.slots.max(1);
    let (tx, rx) = crossbeam::channel::bounded::<Batch>(workers * 4);
    let outcome = std::thread::scope(|scope| -> Result<Option<(u64, Vec<Encoded>)>> {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (rx, info, dir) = (rx.clone(), info.clone(), &dir);
                scope.spawn(move || -> Result<Encoded> {
                    let mut sorter =
                        Sorter::new(&dir.join(format!("worker-{w}")), SORT_MEMORY / workers)
                            .map_err(|e| io("temp dir", e))?;
                    let set = if m.assignments.is_empty() {
                        None
                    } else {
                        let exprs: Vec<String> =
                            m.assignments.iter().map(|(_, e)| e.clone()).collect();
                        Some(Set {
                            columns: m.assignments.iter().map(|(c, _)| *c).collect(),
                            eval: compile(&encode::variables(&m.targets), &exprs)?,
                        })
                    };
                    let mut encoder = Encoder::new(
                        domain,
                        info,
                        m.targets.clone(),
                        &m.options.character_set,
                        set,
                    )?;
                    for batch in rx {
                        for (line, fields) in batch.rows {
                            encoder.encode(fields, &batch.file, line, &mut |k, v| {
                                sorter.add(k, v).map_err(|e| io("sort", e))
                            })?;
                        }
                    }
                    Ok(Encoded {
                        sorter,
                        max_auto_id: encoder.max_auto_id,
                    })
                })
            })
            .collect();
        drop(rx);
        let read = read_files(ctx, m, files, &columns, &tx);
        drop(tx);
        let mut encoded = Vec::with_capacity(workers);
        let mut failure = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(e)) => encoded.push(e),
                Ok(Err(e)) => {
                    failure.get_or_insert(e);
                }
                Err(_) => {
                    failure.get_or_insert(Error::internal("an import encoder panicked"));
                }
            }
        }
        // An encoder's failure stopped the reading: it is the cause.
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(read?.map(|rows| (rows, encoded)))
    });
    let Some((rows, encoded)) = outcome.inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&dir);
    })?
    else {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(Outcome::Interrupted);
    };
    let read_secs = started.elapsed().as_secs_f64();
    let max_auto_id = encoded.iter().map(|e| e.max_auto_id).max().unwrap_or(0);
    let table = Table::new(Arc::new(info));
    let merged = crate::kv::sort::merge(encoded.into_iter().map(|e| e.sorter).collect())
        .map_err(|e| io("sort", e))?;
    let mut checked = Checked {
        merged,
        previous: None,
        checksum: Checksum::default(),
        failure: None,
        table: &table,
        max_speed: m.options.max_write_speed,
        started: Instant::now(),
    };
    let ts = domain.store.current_ts();
    let ingested = domain.store.ingest(ts, &mut checked);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(e) = checked.failure {
        return Err(e);
    }
    ingested?;
    let read_bytes: u64 = files.iter().map(|f| f.size).sum();
    tracing::info!(
        job_id = m.job_id,
        subtask = subtask_id,
        rows,
        kvs = checked.checksum.kvs,
        read_secs,
        ingest_secs = started.elapsed().as_secs_f64() - read_secs,
        "import subtask written"
    );
    let written = Written {
        checksum: checked.checksum,
        rows,
        max_auto_id,
    };
    let summary = Summary {
        row_count: rows,
        bytes: read_bytes,
    };
    // The framework keeps the checkpoint of a succeeded subtask: the post-process sums them.
    ctx.save(to_json(&written), summary)?;
    Ok(Outcome::Done(summary))
}

/// Reads `files` into batches for the encoders; the rows read, or `None` when the task
/// stopped. Ends early (without an error of its own) when the encoders hung up.
fn read_files(
    ctx: &SubtaskContext,
    m: &TaskMeta,
    files: &[DataFile],
    columns: &[String],
    tx: &crossbeam::channel::Sender<Batch>,
) -> Result<Option<u64>> {
    // Test hook: rest this many milliseconds every few rows (and check for a stop then).
    let slow = ctx.domain.failpoints.number("import-slow");
    let check_every = if slow.is_some() { 64 } else { CHECK_EVERY };
    let mut rows = 0u64;
    let mut read_bytes = 0u64;
    // The progress SHOW IMPORT JOB reports: rows and bytes read so far (and the log, every
    // ten seconds).
    let last_log = std::cell::Cell::new(Instant::now());
    let report = |rows: u64, bytes: u64| {
        if last_log.get().elapsed().as_secs() >= 10 {
            last_log.set(Instant::now());
            tracing::info!(job_id = m.job_id, rows, bytes, "import subtask reading");
        }
        ctx.save(
            Vec::new(),
            Summary {
                row_count: rows,
                bytes,
            },
        )
    };
    for file in files {
        let name: Arc<str> = Arc::from(file.path.rsplit('/').next().unwrap_or(&file.path));
        let in_file = Arc::new(AtomicU64::new(0));
        let mut reader = rows::open(
            file,
            m.format,
            &m.options,
            &name,
            columns.to_vec(),
            &in_file,
        )?;
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while let Some((line, fields)) = reader.next_row()? {
            batch.push((line, fields));
            rows += 1;
            if batch.len() == BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                if tx
                    .send(Batch {
                        file: name.clone(),
                        rows: full,
                    })
                    .is_err()
                {
                    return Ok(Some(rows));
                }
            }
            if rows.is_multiple_of(check_every) {
                if let Some(ms) = slow {
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                }
                if ctx.should_stop()? {
                    return Ok(None);
                }
                report(rows, read_bytes + in_file.load(Ordering::Relaxed))?;
            }
        }
        if !batch.is_empty()
            && tx
                .send(Batch {
                    file: name,
                    rows: batch,
                })
                .is_err()
        {
            return Ok(Some(rows));
        }
        read_bytes += file.size;
        report(rows, read_bytes)?;
    }
    Ok(Some(rows))
}

/// The sorted pairs for `Store::ingest`, checked for two rows with one key, checksummed,
/// and held to MAX_WRITE_SPEED.
struct Checked<'a> {
    merged: crate::kv::sort::Merged,
    previous: Option<Pair>,
    checksum: Checksum,
    failure: Option<Error>,
    table: &'a Table,
    /// Bytes per second at most (0: unlimited), since `started`.
    max_speed: u64,
    started: Instant,
}

impl Checked<'_> {
    /// Rests while the bytes written so far are ahead of MAX_WRITE_SPEED; checked every
    /// 64 KiB.
    fn throttle(&self, before: u64) {
        if self.max_speed == 0 || before >> 16 == self.checksum.bytes >> 16 {
            return;
        }
        let due =
            std::time::Duration::from_secs_f64(self.checksum.bytes as f64 / self.max_speed as f64);
        if let Some(ahead) = due.checked_sub(self.started.elapsed()) {
            std::thread::sleep(ahead);
        }
    }
}

impl Iterator for Checked<'_> {
    type Item = Pair;

    fn next(&mut self) -> Option<Pair> {
        if self.failure.is_some() {
            return None;
        }
        let (key, value) = match self.merged.next()? {
            Ok(pair) => pair,
            Err(e) => {
                self.failure = Some(io("sort", e));
                return None;
            }
        };
        if let Some((pk, pv)) = &self.previous {
            if *pk == key {
                if let Some(e) = self.table.duplicate_of(pk, pv) {
                    self.failure = Some(e.into());
                    return None;
                }
            }
        }
        let before = self.checksum.bytes;
        self.checksum.add(&key, &value);
        self.throttle(before);
        self.previous = Some((key.clone(), value.clone()));
        Some((key, value))
    }
}

/// The table's checksum against what the subtasks wrote, then AUTO_INCREMENT rebased.
fn post_process(domain: &Domain, m: &TaskMeta, expected: &Written) -> Result<()> {
    if m.options.checksum_table != options::Checksum::Off {
        let remote = table_checksum(domain, m.table_id)?;
        let local = expected.checksum;
        if remote != local {
            let message = format!(
                "[Lighting:Restore:ErrChecksumMismatch]checksum mismatched remote vs local => (checksum: {} vs {}) (total_kvs: {} vs {}) (total_bytes: {} vs {})",
                remote.sum, local.sum, remote.kvs, local.kvs, remote.bytes, local.bytes
            );
            if m.options.checksum_table == options::Checksum::Required {
                return Err(Error::new(8180, "HY000", message));
            }
            tracing::warn!(job_id = m.job_id, "{message}");
        }
    }
    if expected.max_auto_id > 0 {
        domain.autoid.rebase(m.table_id, expected.max_auto_id)?;
    }
    Ok(())
}

/// Count, bytes and checksum of every key of the table: its index entries and its rows,
/// read side by side at one snapshot.
fn table_checksum(domain: &Domain, table_id: i64) -> Result<Checksum> {
    let txn = domain.store.begin()?;
    let whole = KeyRange::prefix(&keys::table_prefix(table_id));
    let rows = keys::record_prefix(table_id);
    // Index keys (`_i`) sort before record keys (`_r`).
    let parts = [
        KeyRange {
            start: whole.start.clone(),
            end: rows.clone(),
        },
        KeyRange {
            start: rows,
            end: whole.end,
        },
    ];
    let txn = txn.as_ref();
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|range| scope.spawn(move || range_checksum(txn, range)))
            .collect();
        let mut total = Checksum::default();
        for h in handles {
            let part = h
                .join()
                .map_err(|_| Error::internal("a checksum reader panicked"))??;
            total.merge(&part);
        }
        Ok(total)
    })
}

fn range_checksum(txn: &dyn crate::kv::Transaction, mut range: KeyRange) -> Result<Checksum> {
    let mut sum = Checksum::default();
    loop {
        let batch = txn.scan(&range, 4096, false)?;
        for (k, v) in &batch {
            sum.add(k, v);
        }
        match batch.last() {
            Some((last, _)) if batch.len() == 4096 => {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
            _ => return Ok(sum),
        }
    }
}

/// Removes every row and index entry of the table, in batches.
fn delete_table_data(domain: &Domain, table_id: i64) -> Result<()> {
    let mut range = KeyRange::prefix(&keys::table_prefix(table_id));
    loop {
        let mut txn = domain.store.begin()?;
        let batch = txn.scan(&range, 1024, false)?;
        let Some((last, _)) = batch.last() else {
            return Ok(());
        };
        let mut next = last.clone();
        next.push(0);
        for (k, _) in batch {
            txn.delete(k);
        }
        match txn.commit() {
            Ok(_) => range.start = next,
            Err(crate::kv::Error::WriteConflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
}
