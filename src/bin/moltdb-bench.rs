//! moltdb-bench: a load generator that speaks the MySQL protocol to any server (moltdb,
//! MariaDB, MySQL), so the same workload can be run against each on the same machine.
//!
//! ```sh
//! cargo run --release --bin moltdb-bench -- --port 4000 --workload prepare --table-size 100000
//! cargo run --release --bin moltdb-bench -- --port 4000 --workload point-select --threads 2 --duration 30
//! ```
//!
//! See BENCHMARKS.md for the workloads, what each figure means and the latest results.

#[path = "moltdb_bench/ceiling.rs"]
mod ceiling;
#[path = "moltdb_bench/data.rs"]
mod data;
#[path = "moltdb_bench/file_load.rs"]
mod file_load;
#[path = "moltdb_bench/stats.rs"]
mod stats;
#[path = "moltdb_bench/workloads.rs"]
mod workloads;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use stats::Report;
use workloads::{Config, Mix, Timed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Workload {
    /// (Re)create sbtest1 and load --table-size rows.
    Prepare,
    /// Autocommit `SELECT c FROM sbtest1 WHERE id=?`.
    PointSelect,
    /// Autocommit single-row INSERT with an auto-increment id.
    Insert,
    /// Autocommit `UPDATE sbtest1 SET k=k+1 WHERE id=?` (maintains index k_1).
    UpdateIndex,
    /// sysbench-like oltp_read_write transactions (statements from --mix).
    ReadWrite,
    /// DML (--ddl-mix) while `ALTER TABLE sbtest1 ADD INDEX k_2 (k)` runs.
    DdlUnderLoad,
    /// --table-size rows into a fresh table, as --load-method says.
    BulkLoad,
    /// CREATE TABLE / DROP TABLE latency.
    CreateTable,
    /// No server: each engine's raw, MvccStore and ingest write rate for --table-size index
    /// entries.
    StorageCeiling,
}

/// Benchmarks a MySQL-compatible server over the MySQL protocol (loopback targets only).
#[derive(Debug, Parser)]
#[command(name = "moltdb-bench", version)]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 4000)]
    port: u16,
    #[arg(long, default_value = "root")]
    user: String,
    #[arg(long, default_value = "")]
    password: String,
    /// Database holding the sbtest tables (created if missing).
    #[arg(long, default_value = "sbtest")]
    database: String,
    #[arg(long, value_enum)]
    workload: Workload,
    /// Rows in sbtest1 (ids 1..=N; random ids are drawn from this range).
    #[arg(long, default_value_t = 10_000)]
    table_size: i64,
    /// Client connections.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Seconds measured (bulk-load and storage-ceiling: the time limit).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Seconds run before measuring starts.
    #[arg(long, default_value_t = 0)]
    warmup: u64,
    /// Seed of the data and of the random ids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the report as JSON on stdout (the table goes to stderr).
    #[arg(long)]
    json: bool,
    /// Run `prepare` before the workload.
    #[arg(long)]
    prepare: bool,
    /// read-write: statements per transaction, `name=count,...` (names: point, range, sum,
    /// order, distinct, index-update, non-index-update, delete-insert, insert).
    #[arg(long, default_value = workloads::DEFAULT_MIX)]
    mix: Mix,
    /// ddl-under-load: relative weights of the single-statement DML operations.
    #[arg(long, default_value = workloads::DEFAULT_DDL_MIX)]
    ddl_mix: Mix,
    /// Rows per range select.
    #[arg(long, default_value_t = 100)]
    range_size: i64,
    /// Rows per multi-row INSERT (prepare, bulk-load) or per batch (storage-ceiling).
    #[arg(long, default_value_t = 1000)]
    batch_rows: i64,
    /// ddl-under-load: seconds of DML before the ALTER (default: a third of --duration).
    #[arg(long)]
    ddl_delay: Option<u64>,
    /// ddl-under-load: give up waiting for the ALTER after this many seconds.
    #[arg(long, default_value_t = 900)]
    max_ddl_secs: u64,
    /// ddl-under-load: also report the DML of this many seconds from the ALTER's start,
    /// however long it takes (a p99 over the build's own window favours slow builds).
    #[arg(long, default_value_t = 8)]
    ddl_window_secs: u64,
    /// prepare: give up loading after this many seconds.
    #[arg(long, default_value_t = 7200)]
    prepare_timeout: u64,
    /// ddl-under-load: keep k_2 afterwards instead of dropping it.
    #[arg(long)]
    keep_index: bool,
    /// ddl-under-load: append one line per DML statement begun during the build to this
    /// file: client thread, start (Unix seconds), latency (us); for lining the slow ones up
    /// with the server's log of the build's phases.
    #[arg(long)]
    latency_log: Option<std::path::PathBuf>,
    /// bulk-load: multi-row INSERTs, or one `LOAD DATA [LOCAL] INFILE` or `IMPORT INTO` of a
    /// CSV file the tool writes first.
    #[arg(long, value_enum, default_value = "insert")]
    load_method: file_load::Method,
    /// storage-ceiling: where to create the scratch stores; bulk-load: where to write the
    /// CSV file (default: the system temp dir).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.clamp(1, 4))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("moltdb-bench: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("moltdb-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), workloads::BoxError> {
    if args.table_size < 1 || args.threads < 1 || args.batch_rows < 1 || args.range_size < 1 {
        return Err(
            "--table-size, --threads, --batch-rows and --range-size must be positive".into(),
        );
    }
    let cfg = Config {
        host: args.host.clone(),
        port: args.port,
        user: args.user.clone(),
        password: args.password.clone(),
        database: args.database.clone(),
        threads: args.threads,
        duration: Duration::from_secs(args.duration),
        warmup: Duration::from_secs(args.warmup),
        table_size: args.table_size,
        seed: args.seed,
        mix: args.mix.clone(),
        ddl_mix: args.ddl_mix.clone(),
        range_size: args.range_size,
        batch_rows: args.batch_rows,
        ddl_delay: Duration::from_secs(args.ddl_delay.unwrap_or(args.duration / 3)),
        max_ddl: Duration::from_secs(args.max_ddl_secs),
        ddl_window: Duration::from_secs(args.ddl_window_secs),
        prepare_timeout: Duration::from_secs(args.prepare_timeout),
        keep_index: args.keep_index,
        latency_log: args.latency_log.clone(),
    };
    let mut report = Report {
        workload: args
            .workload
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string()),
        server_version: String::new(),
        target: cfg.target(),
        threads: cfg.threads,
        table_size: cfg.table_size,
        seed: cfg.seed,
        duration_s: args.duration,
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        lines: Vec::new(),
        ddl: None,
        notes: Vec::new(),
    };

    if args.workload == Workload::StorageCeiling {
        let base = args.data_dir.clone().unwrap_or_else(std::env::temp_dir);
        let base = base.join(format!("moltdb-bench-ceiling-{}", std::process::id()));
        let (rows, batch, seed) = (cfg.table_size, cfg.batch_rows, cfg.seed);
        let deadline = cfg.duration;
        let b = base.clone();
        report.lines =
            tokio::task::spawn_blocking(move || ceiling::run(&b, rows, batch, seed, deadline))
                .await??;
        let _ = std::fs::remove_dir_all(&base);
        report.server_version = format!("fjall 3 and sled 0.34 (no server), batches of {batch}");
        report.target = base.display().to_string();
        return emit(&report, args.json);
    }

    workloads::check_loopback(&cfg.host, cfg.port).await?;
    report.server_version = workloads::setup(&cfg).await?;
    if args.prepare && args.workload != Workload::Prepare {
        eprintln!("preparing {} rows ...", cfg.table_size);
        report.lines.extend(workloads::prepare(&cfg).await?);
    }
    match args.workload {
        Workload::Prepare => report.lines.extend(workloads::prepare(&cfg).await?),
        Workload::PointSelect => report
            .lines
            .extend(workloads::timed(&cfg, Timed::PointSelect).await?),
        Workload::Insert => report
            .lines
            .extend(workloads::timed(&cfg, Timed::Insert).await?),
        Workload::UpdateIndex => report
            .lines
            .extend(workloads::timed(&cfg, Timed::UpdateIndex).await?),
        Workload::ReadWrite => {
            report
                .notes
                .push(format!("mix per transaction: {}", mix_text(&cfg.mix)));
            report
                .lines
                .extend(workloads::timed(&cfg, Timed::ReadWrite).await?)
        }
        Workload::DdlUnderLoad => {
            report
                .notes
                .push(format!("DML weights: {}", mix_text(&cfg.ddl_mix)));
            let (lines, ddl, notes) = workloads::ddl_under_load(&cfg).await?;
            report.lines.extend(lines);
            report.ddl = Some(ddl);
            report.notes.extend(notes);
        }
        Workload::BulkLoad if args.load_method == file_load::Method::Insert => {
            report.lines.extend(workloads::bulk_load(&cfg).await?)
        }
        Workload::BulkLoad => {
            let dir = args.data_dir.clone().unwrap_or_else(std::env::temp_dir);
            report
                .lines
                .extend(file_load::run(&cfg, args.load_method, &dir).await?)
        }
        Workload::CreateTable => report.lines.extend(workloads::create_table(&cfg).await?),
        Workload::StorageCeiling => unreachable!("handled above"),
    }
    emit(&report, args.json)
}

fn mix_text(mix: &Mix) -> String {
    mix.to_string()
}

fn emit(report: &Report, json: bool) -> Result<(), workloads::BoxError> {
    if json {
        eprint!("{}", report.table());
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
