//! The `ImportInto` task type: how the framework plans and executes an import.
//!
//! - `import`: the files, in groups, one subtask per group; a subtask reads its files,
//!   encodes every row's record and index entries (`encode`), sorts them under the node's
//!   temp dir and ingests them with `Store::ingest` — in rounds, whenever the sorted data
//!   reaches DISK_QUOTA, each round checkpointed — and records a checksum of what it
//!   wrote. Two rows with one key within a round fail it with 1062.
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
use crate::kv::parallel_scan::scan_in_parallel;
use crate::kv::sort::Sorter;
use crate::kv::{KeyRange, PackedPairs, Pair};
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
    /// The database's name, which expressions over the table's columns are bound in.
    #[serde(default)]
    pub db: String,
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
    domain.events.tasks.notify();
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
                import(ctx, &m, self.compile, subtask, &files)
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
///
/// The rows' fields are copied into one buffer: the encoder makes its own, so that each
/// allocation is freed by the thread that made it (a free from another thread is several
/// times dearer in the allocator, and the encoder is the busier thread).
struct Batch {
    file: Arc<str>,
    /// Each row's line and where its fields end in `fields`.
    rows: Vec<(u64, usize)>,
    /// Each field's bytes in `bytes`, or `None` for NULL.
    fields: Vec<Option<std::ops::Range<usize>>>,
    bytes: Vec<u8>,
}

impl Batch {
    fn new(file: Arc<str>) -> Batch {
        Batch {
            file,
            rows: Vec::with_capacity(BATCH_ROWS),
            fields: Vec::new(),
            bytes: Vec::new(),
        }
    }

    fn push(&mut self, line: u64, fields: Vec<Field>) {
        for field in fields {
            self.fields.push(field.map(|f| {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(&f);
                start..self.bytes.len()
            }));
        }
        self.rows.push((line, self.fields.len()));
    }

    /// Each row's line and fields, copied out.
    fn rows(&self) -> impl Iterator<Item = (u64, Vec<Field>)> + '_ {
        let mut first = 0;
        self.rows.iter().map(move |&(line, end)| {
            let fields = self.fields[first..end]
                .iter()
                .map(|f| f.clone().map(|r| self.bytes[r].to_vec()))
                .collect();
            first = end;
            (line, fields)
        })
    }
}

/// What one encoding thread made in a round: its sorted pairs, their checksum and the
/// largest AUTO_INCREMENT id.
struct Encoded {
    sorter: Sorter,
    checksum: Checksum,
    max_auto_id: i64,
}

/// A running import subtask's checkpoint: what the rounds ingested so far wrote (the rows
/// of its files they cover, in order). Before a round is ingested it is recorded as in
/// flight with its first pair; a resumed run that finds that pair in the store knows the
/// round landed, so no row is ingested twice (a row read again would get a new handle).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Resume {
    written: Written,
    in_flight: Option<InFlight>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InFlight {
    key: Vec<u8>,
    value: Vec<u8>,
    /// What the rounds wrote once this one landed.
    written: Written,
}

impl Resume {
    /// What the rounds that landed wrote, from the checkpoint of an earlier run.
    fn settle(checkpoint: &[u8], domain: &Domain) -> Result<Written> {
        if checkpoint.is_empty() {
            return Ok(Written::default());
        }
        let resume: Resume = from_json("import subtask checkpoint", checkpoint)?;
        Ok(match resume.in_flight {
            Some(f) if domain.store.begin()?.get(&f.key)?.as_deref() == Some(&f.value[..]) => {
                f.written
            }
            _ => resume.written,
        })
    }
}

/// DISK_QUOTA when the statement gives none: 80% of the temp dir's disk (TiDB's default;
/// 50 GiB when the disk's size is unknown).
fn default_disk_quota(dir: &std::path::Path) -> u64 {
    let _ = std::fs::create_dir_all(dir);
    fs4::statvfs(dir).map_or(50 << 30, |s| s.total_space() / 5 * 4)
}

/// One import subtask in rounds: its files read (this thread), encoded and sorted (one
/// thread per slot the subtask holds) until the sorted data reaches DISK_QUOTA or the files
/// end, then ingested as one sorted stream; the next round reads on.
fn import(
    ctx: &SubtaskContext,
    m: &TaskMeta,
    compile: CompileAssignments,
    subtask: &Subtask,
    files: &[DataFile],
) -> Result<Outcome> {
    let domain = ctx.domain;
    let dir = job_dir(domain, m.job_id).join(format!("subtask-{}", subtask.id));
    let _ = std::fs::remove_dir_all(&dir);
    let quota = m
        .options
        .disk_quota
        .unwrap_or_else(|| default_disk_quota(&domain.temp_dir));
    let done = Resume::settle(&subtask.checkpoint, domain)?;
    let info = load_table(domain, m)?;
    let mut reader = Reader::new(ctx, m, &info, files, done);
    let rounds = Rounds {
        ctx,
        m,
        compile,
        info: &info,
        dir: &dir,
        quota,
    };
    let outcome = rounds.run(&mut reader);
    let _ = std::fs::remove_dir_all(&dir);
    let Some(written) = outcome? else {
        return Ok(Outcome::Interrupted);
    };
    let summary = Summary {
        row_count: written.rows,
        bytes: files.iter().map(|f| f.size).sum(),
    };
    // The framework keeps the checkpoint of a succeeded subtask: the post-process sums them.
    ctx.save(to_json(&written), summary)?;
    Ok(Outcome::Done(summary))
}

/// Why a round stopped reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoundEnd {
    /// The files are read.
    Files,
    /// The sorted data reached DISK_QUOTA.
    Quota,
}

/// What every round of a subtask reads, encodes into and sorts under.
struct Rounds<'a> {
    ctx: &'a SubtaskContext<'a>,
    m: &'a TaskMeta,
    compile: CompileAssignments,
    info: &'a TableInfo,
    dir: &'a std::path::Path,
    quota: u64,
}

impl Rounds<'_> {
    /// The rounds of a subtask until its files end; what they wrote, or `None` when the task
    /// stopped.
    fn run(&self, reader: &mut Reader) -> Result<Option<Written>> {
        let Rounds { ctx, m, dir, .. } = *self;
        let table = Table::new(Arc::new(self.info.clone()));
        let mut round = 0u64;
        loop {
            let started = Instant::now();
            let round_dir = dir.join(format!("round-{round}"));
            let Some((encoded, end)) = self.read_round(&round_dir, reader)? else {
                return Ok(None);
            };
            let read_secs = started.elapsed().as_secs_f64();
            let mut after = reader.done;
            after.rows = reader.rows;
            for e in &encoded {
                after.checksum.merge(&e.checksum);
                after.max_auto_id = after.max_auto_id.max(e.max_auto_id);
            }
            let mut merged =
                crate::kv::sort::merge(encoded.into_iter().map(|e| e.sorter).collect())
                    .map_err(|e| io("sort", e))?;
            let first = merged.peek().map_err(|e| io("sort", e))?;
            if let Some((key, value)) = first {
                reader.checkpoint = to_json(&Resume {
                    written: reader.done,
                    in_flight: Some(InFlight {
                        key: key.to_vec(),
                        value: value.to_vec(),
                        written: after,
                    }),
                });
                reader.report(true)?;
                let mut checked = Checked {
                    merged,
                    previous: None,
                    bytes: 0,
                    failure: None,
                    table: &table,
                    speed: crate::kv::write_speed::WriteSpeed::new(m.options.max_write_speed),
                };
                let ingested = ctx
                    .domain
                    .store
                    .ingest(ctx.domain.store.current_ts(), &mut checked);
                if let Some(e) = checked.failure {
                    return Err(e);
                }
                ingested?;
            }
            let _ = std::fs::remove_dir_all(&round_dir);
            tracing::info!(
                job_id = m.job_id,
                round,
                rows = after.rows - reader.done.rows,
                kvs = after.checksum.kvs - reader.done.checksum.kvs,
                read_secs,
                ingest_secs = started.elapsed().as_secs_f64() - read_secs,
                "import subtask round ingested"
            );
            reader.done = after;
            reader.checkpoint = to_json(&Resume {
                written: after,
                in_flight: None,
            });
            if end == RoundEnd::Files {
                return Ok(Some(after));
            }
            reader.report(true)?;
            round += 1;
        }
    }

    /// One round: rows read and handed to one encoder per slot until the files end or the
    /// sorted data reaches the quota; the encoders' sorted pairs, or `None` when the task
    /// stopped.
    fn read_round(
        &self,
        dir: &std::path::Path,
        reader: &mut Reader,
    ) -> Result<Option<(Vec<Encoded>, RoundEnd)>> {
        let Rounds {
            ctx,
            m,
            compile,
            info,
            quota,
            ..
        } = *self;
        let domain = ctx.domain;
        let workers = ctx.slots.max(1);
        // Below the quota, the sorters spill what they hold beyond it.
        let memory = (SORT_MEMORY as u64).min(quota.max(1)) as usize / workers;
        let sorted = AtomicU64::new(0);
        let (tx, rx) = crossbeam::channel::bounded::<Batch>(workers * 4);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (rx, sorted) = (rx.clone(), &sorted);
                    scope.spawn(move || -> Result<Encoded> {
                        let mut sorter = Sorter::new(&dir.join(format!("worker-{w}")), memory)
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
                            (&m.db, info.clone()),
                            m.targets.clone(),
                            &m.options.character_set,
                            set,
                        )?;
                        let mut checksum = Checksum::default();
                        for batch in rx {
                            let before = checksum.bytes;
                            for (line, fields) in batch.rows() {
                                encoder.encode(fields, &batch.file, line, &mut |k, v| {
                                    checksum.add(&k, &v);
                                    sorter.add(&k, &v).map_err(|e| io("sort", e))
                                })?;
                            }
                            sorted.fetch_add(checksum.bytes - before, Ordering::Relaxed);
                        }
                        sorter.sort_buffer();
                        Ok(Encoded {
                            sorter,
                            checksum,
                            max_auto_id: encoder.max_auto_id,
                        })
                    })
                })
                .collect();
            drop(rx);
            let read = reader.read(&tx, &|| sorted.load(Ordering::Relaxed) >= quota);
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
            Ok(read?.map(|end| (encoded, end)))
        })
    }
}

/// A row of a data file: the file's name, the row's line and its fields.
type FileRow = (Arc<str>, u64, Vec<Field>);

/// Reads a subtask's files, in order, across its rounds.
struct Reader<'a> {
    ctx: &'a SubtaskContext<'a>,
    m: &'a TaskMeta,
    files: &'a [DataFile],
    columns: Vec<String>,
    /// The file being read: its name and rows.
    current: Option<(Arc<str>, Box<dyn rows::Rows>)>,
    next_file: usize,
    /// Rows read so far (including those skipped on resume).
    rows: u64,
    /// Bytes of the files before the current one, and of the current one so far.
    read_bytes: u64,
    in_file: Arc<AtomicU64>,
    /// What the rounds ingested so far wrote; the rows they cover are skipped on resume.
    done: Written,
    /// The checkpoint saved with each progress report.
    checkpoint: Vec<u8>,
    last_log: Instant,
}

impl<'a> Reader<'a> {
    fn new(
        ctx: &'a SubtaskContext<'a>,
        m: &'a TaskMeta,
        info: &TableInfo,
        files: &'a [DataFile],
        done: Written,
    ) -> Reader<'a> {
        let columns = m
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
        Reader {
            ctx,
            m,
            files,
            columns,
            current: None,
            next_file: 0,
            rows: 0,
            read_bytes: 0,
            in_file: Arc::new(AtomicU64::new(0)),
            checkpoint: to_json(&Resume {
                written: done,
                in_flight: None,
            }),
            done,
            last_log: Instant::now(),
        }
    }

    /// The next row (its file, line and fields), `None` after the last file.
    fn next_row(&mut self) -> Result<Option<FileRow>> {
        loop {
            if let Some((name, rows)) = &mut self.current {
                if let Some((line, fields)) = rows.next_row()? {
                    return Ok(Some((name.clone(), line, fields)));
                }
                self.read_bytes += self.in_file.swap(0, Ordering::Relaxed);
                self.current = None;
            }
            let Some(file) = self.files.get(self.next_file) else {
                return Ok(None);
            };
            let name: Arc<str> = Arc::from(file.path.rsplit('/').next().unwrap_or(&file.path));
            let rows = rows::open(
                file,
                self.m.format,
                &self.m.options,
                &name,
                self.columns.clone(),
                &self.in_file,
            )?;
            self.current = Some((name, rows));
            self.next_file += 1;
        }
    }

    /// Reads rows into batches for the encoders until the files end or `full` says the
    /// round is full; `None` when the task stopped. Ends early (without an error of its
    /// own) when the encoders hung up.
    fn read(
        &mut self,
        tx: &crossbeam::channel::Sender<Batch>,
        full: &dyn Fn() -> bool,
    ) -> Result<Option<RoundEnd>> {
        // Test hook: rest this many milliseconds every few rows (and check for a stop then).
        let slow = self.ctx.domain.failpoints.number("import-slow");
        let check_every = if slow.is_some() { 64 } else { CHECK_EVERY };
        let mut batch: Option<Batch> = None;
        let send = |batch: &mut Option<Batch>| match batch.take() {
            Some(b) if !b.rows.is_empty() => tx.send(b).is_ok(),
            _ => true,
        };
        loop {
            let Some((file, line, fields)) = self.next_row()? else {
                send(&mut batch);
                self.report(true)?;
                return Ok(Some(RoundEnd::Files));
            };
            self.rows += 1;
            // Rows the rounds of an earlier run ingested.
            if self.rows <= self.done.rows {
                continue;
            }
            if batch.as_ref().is_some_and(|b| b.file != file) && !send(&mut batch) {
                return Ok(Some(RoundEnd::Files));
            }
            let b = batch.get_or_insert_with(|| Batch::new(file));
            b.push(line, fields);
            if b.rows.len() == BATCH_ROWS {
                if !send(&mut batch) {
                    return Ok(Some(RoundEnd::Files));
                }
                if full() {
                    return Ok(Some(RoundEnd::Quota));
                }
            }
            if self.rows.is_multiple_of(check_every) {
                if let Some(ms) = slow {
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                }
                if self.ctx.should_stop()? {
                    return Ok(None);
                }
                self.report(false)?;
            }
        }
    }

    /// Saves the checkpoint with the rows and bytes read so far, the progress SHOW IMPORT
    /// JOB reports (and logs them every ten seconds).
    fn report(&mut self, log: bool) -> Result<()> {
        let bytes = self.read_bytes + self.in_file.load(Ordering::Relaxed);
        if log || self.last_log.elapsed().as_secs() >= 10 {
            self.last_log = Instant::now();
            tracing::info!(
                job_id = self.m.job_id,
                rows = self.rows,
                bytes,
                "import subtask reading"
            );
        }
        self.ctx.save(
            self.checkpoint.clone(),
            Summary {
                row_count: self.rows,
                bytes,
            },
        )
    }
}

/// The sorted pairs for `Store::ingest`, checked for two rows with one key and held to
/// MAX_WRITE_SPEED, in batches.
struct Checked<'a> {
    merged: crate::kv::sort::Merged,
    /// The last pair of the batch before.
    previous: Option<Pair>,
    /// Bytes handed to the store so far.
    bytes: u64,
    failure: Option<Error>,
    table: &'a Table,
    /// MAX_WRITE_SPEED.
    speed: crate::kv::write_speed::WriteSpeed,
}

/// Pairs per batch handed to the store.
const CHECKED_BATCH: usize = 4096;

impl Iterator for Checked<'_> {
    type Item = PackedPairs;

    fn next(&mut self) -> Option<PackedPairs> {
        if self.failure.is_some() {
            return None;
        }
        let mut batch = PackedPairs::with_capacity(CHECKED_BATCH, CHECKED_BATCH * 128);
        while batch.len() < CHECKED_BATCH {
            let (key, value) = match self.merged.next_pair() {
                Ok(Some(pair)) => pair,
                Ok(None) => break,
                Err(e) => {
                    self.failure = Some(io("sort", e));
                    return None;
                }
            };
            let previous = match batch.last() {
                Some(pair) => Some(pair),
                None => self
                    .previous
                    .as_ref()
                    .map(|(k, v)| (k.as_slice(), v.as_slice())),
            };
            if let Some((pk, pv)) = previous.filter(|(pk, _)| *pk == key) {
                if let Some(e) = self.table.duplicate_of(pk, pv) {
                    self.failure = Some(e.into());
                    return None;
                }
            }
            let n = (key.len() + value.len()) as u64;
            self.bytes += n;
            self.speed.wrote(n);
            batch.push(key, value);
        }
        if let Some((k, v)) = batch.last() {
            self.previous = Some((k.to_vec(), v.to_vec()));
        }
        (!batch.is_empty()).then_some(batch)
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
        domain
            .autoid
            .rebase(&load_table(domain, m)?, expected.max_auto_id)?;
    }
    // The table was empty (a precheck): its row count is now known exactly.
    let mut txn = domain.store.begin()?;
    let rows = i64::try_from(expected.rows).unwrap_or(i64::MAX);
    crate::catalog::stats::StatsMeta::analyzed(
        txn.as_mut(),
        m.table_id,
        rows,
        crate::domain::now_ms(),
    );
    txn.commit()?;
    domain.stats.analyzed(m.table_id);
    Ok(())
}

/// Count, bytes and checksum of every key of the table at one snapshot, read by a thread
/// per core.
fn table_checksum(domain: &Domain, table_id: i64) -> Result<Checksum> {
    let txn = domain.store.begin()?;
    let whole = KeyRange::prefix(&keys::table_prefix(table_id));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = scan_in_parallel(txn.as_ref(), &whole, threads, |sum: &mut Checksum, k, v| {
        sum.add(k, v)
    })?;
    let mut total = Checksum::default();
    for part in &parts {
        total.merge(part);
    }
    Ok(total)
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
