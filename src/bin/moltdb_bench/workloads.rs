//! The workloads: each opens its own connections, runs for a bounded time and returns a report.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder};
use parking_lot::Mutex;

use super::data::{self, Rng, TABLE};
use super::stats::{DdlOutcome, Line, Stats};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, BoxError>;

/// Connection and run parameters shared by every workload.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub database: String,
    pub threads: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub table_size: i64,
    pub seed: u64,
    pub mix: Mix,
    pub ddl_mix: Mix,
    pub range_size: i64,
    pub batch_rows: i64,
    pub ddl_delay: Duration,
    pub max_ddl: Duration,
    /// ddl-under-load: the fixed window from the ALTER's start also reported.
    pub ddl_window: Duration,
    pub prepare_timeout: Duration,
    pub keep_index: bool,
    pub latency_log: Option<std::path::PathBuf>,
}

impl Config {
    pub fn opts(&self) -> Opts {
        let b = OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(Some(self.password.clone()))
            .prefer_socket(false)
            .stmt_cache_size(64);
        Opts::from(b)
    }

    /// A connection whose current database is the benchmark's. The database is selected with
    /// USE rather than named in the handshake: moltdb answers a handshake that names a
    /// database with packets mysql_async does not expect ("Packets out of sync").
    async fn connect(&self) -> std::result::Result<Conn, mysql_async::Error> {
        let mut conn = Conn::new(self.opts()).await?;
        conn.query_drop(format!("USE {}", self.database)).await?;
        Ok(conn)
    }

    pub fn target(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The statements of the sysbench-like mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Point,
    Range,
    Sum,
    Order,
    Distinct,
    IndexUpdate,
    NonIndexUpdate,
    DeleteInsert,
    Insert,
}

impl Kind {
    const ALL: [(Kind, &'static str); 9] = [
        (Kind::Point, "point"),
        (Kind::Range, "range"),
        (Kind::Sum, "sum"),
        (Kind::Order, "order"),
        (Kind::Distinct, "distinct"),
        (Kind::IndexUpdate, "index-update"),
        (Kind::NonIndexUpdate, "non-index-update"),
        (Kind::DeleteInsert, "delete-insert"),
        (Kind::Insert, "insert"),
    ];
}

/// How many of each statement a read-write transaction runs (or, for `ddl-under-load`, the
/// relative weight of each single-statement operation).
#[derive(Debug, Clone, PartialEq)]
pub struct Mix(pub Vec<(Kind, u32)>);

/// sysbench's oltp_read_write without the statements moltdb cannot run yet (SUM and DISTINCT
/// need aggregates): 10 point selects, 1 simple range, 1 ORDER BY range, 1 index update,
/// 1 non-index update, 1 delete + insert.
pub const DEFAULT_MIX: &str =
    "point=10,range=1,sum=0,order=1,distinct=0,index-update=1,non-index-update=1,delete-insert=1";
/// The DML run during `ddl-under-load`: equal parts of each.
pub const DEFAULT_DDL_MIX: &str = "point=1,index-update=1,non-index-update=1,insert=1";

impl std::str::FromStr for Mix {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Mix, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, n) = part
                .split_once('=')
                .ok_or_else(|| format!("mix entry {part:?} is not name=count"))?;
            let kind = Kind::ALL
                .iter()
                .find(|(_, k)| *k == name.trim())
                .map(|(k, _)| *k)
                .ok_or_else(|| {
                    let names: Vec<_> = Kind::ALL.iter().map(|(_, n)| *n).collect();
                    format!("unknown mix entry {name:?} (known: {})", names.join(", "))
                })?;
            let n: u32 = n
                .trim()
                .parse()
                .map_err(|e| format!("mix entry {part:?}: {e}"))?;
            out.retain(|(k, _)| *k != kind);
            if n > 0 {
                out.push((kind, n));
            }
        }
        if out.is_empty() {
            return Err("the mix runs no statement".into());
        }
        Ok(Mix(out))
    }
}

impl std::fmt::Display for Mix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, n)| {
                let name = Kind::ALL
                    .iter()
                    .find(|(x, _)| x == k)
                    .map_or("?", |(_, n)| n);
                format!("{name}={n}")
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

const POINT: &str = "SELECT c FROM sbtest1 WHERE id=?";
const RANGE: &str = "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?";
const SUM: &str = "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?";
const ORDER: &str = "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c";
const DISTINCT: &str = "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c";
const INDEX_UPDATE: &str = "UPDATE sbtest1 SET k=k+1 WHERE id=?";
const NON_INDEX_UPDATE: &str = "UPDATE sbtest1 SET c=? WHERE id=?";
const DELETE: &str = "DELETE FROM sbtest1 WHERE id=?";
const INSERT_ID: &str = "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)";
const INSERT_AUTO: &str = "INSERT INTO sbtest1 (k, c, pad) VALUES (?, ?, ?)";
/// The schema change of `ddl-under-load`.
pub const ADD_INDEX: &str = "ALTER TABLE sbtest1 ADD INDEX k_2 (k)";
const DROP_INDEX: &str = "ALTER TABLE sbtest1 DROP INDEX k_2";

/// A server's error as MySQL clients print it, or the driver's error.
pub fn describe(e: &mysql_async::Error) -> String {
    match e {
        mysql_async::Error::Server(s) => format!("ERROR {} ({}): {}", s.code, s.state, s.message),
        other => other.to_string(),
    }
}

/// Refuses anything but a loopback target: the tool generates heavy load and must not be
/// pointed at a shared server by accident.
pub async fn check_loopback(host: &str, port: u16) -> Result<()> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port)).await?.collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(format!(
            "{host} is not a loopback address; moltdb-bench only targets 127.0.0.1/::1/localhost"
        )
        .into());
    }
    Ok(())
}

/// Creates the database if needed and returns the server's version string.
pub async fn setup(cfg: &Config) -> Result<String> {
    let mut conn = Conn::new(cfg.opts()).await?;
    let version = match conn.query_first::<String, _>("SELECT @@version").await {
        Ok(Some(v)) => v,
        _ => {
            let (a, b, c) = conn.server_version();
            format!("{a}.{b}.{c}")
        }
    };
    conn.query_drop(format!("CREATE DATABASE IF NOT EXISTS {}", cfg.database))
        .await?;
    conn.disconnect().await?;
    Ok(version)
}

/// One client connection with its own random stream.
struct Client {
    conn: Conn,
    cfg: Config,
    rng: Rng,
    table_size: i64,
    range_size: i64,
}

impl Client {
    async fn connect(cfg: &Config, thread: usize) -> Result<Client> {
        Ok(Client {
            conn: cfg.connect().await?,
            cfg: cfg.clone(),
            rng: Rng::new(cfg.seed ^ ((thread as u64 + 1) << 40) ^ 0xC0FFEE),
            table_size: cfg.table_size,
            range_size: cfg.range_size,
        })
    }

    /// After a driver (not server) error the connection may be unusable: open a new one.
    async fn recover(&mut self, e: &mysql_async::Error) {
        if !matches!(e, mysql_async::Error::Server(_)) {
            if let Ok(c) = self.cfg.connect().await {
                self.conn = c;
            }
        }
    }

    fn id(&mut self) -> i64 {
        self.rng.range(1, self.table_size)
    }

    /// Runs one statement of the mix; returns how many statements were sent.
    async fn run(&mut self, kind: Kind) -> std::result::Result<u64, mysql_async::Error> {
        let id = self.id();
        let hi = id + self.range_size - 1;
        match kind {
            Kind::Point => {
                let _: Option<mysql_async::Row> = self.conn.exec_first(POINT, (id,)).await?;
            }
            Kind::Range => self.conn.exec_drop(RANGE, (id, hi)).await?,
            Kind::Sum => self.conn.exec_drop(SUM, (id, hi)).await?,
            Kind::Order => self.conn.exec_drop(ORDER, (id, hi)).await?,
            Kind::Distinct => self.conn.exec_drop(DISTINCT, (id, hi)).await?,
            Kind::IndexUpdate => self.conn.exec_drop(INDEX_UPDATE, (id,)).await?,
            Kind::NonIndexUpdate => {
                let c = self.rng.c_value();
                self.conn.exec_drop(NON_INDEX_UPDATE, (c, id)).await?
            }
            Kind::DeleteInsert => {
                self.conn.exec_drop(DELETE, (id,)).await?;
                let k = self.id();
                let (c, pad) = (self.rng.c_value(), self.rng.pad_value());
                self.conn.exec_drop(INSERT_ID, (id, k, c, pad)).await?;
                return Ok(2);
            }
            Kind::Insert => {
                let k = self.id();
                let (c, pad) = (self.rng.c_value(), self.rng.pad_value());
                self.conn.exec_drop(INSERT_AUTO, (k, c, pad)).await?
            }
        }
        Ok(1)
    }

    /// One read-write transaction: every statement of the mix, its count times.
    async fn transaction(&mut self, mix: &Mix) -> std::result::Result<u64, mysql_async::Error> {
        let mut queries = 2;
        self.conn.query_drop("BEGIN").await?;
        for &(kind, n) in &mix.0 {
            for _ in 0..n {
                match self.run(kind).await {
                    Ok(q) => queries += q,
                    Err(e) => {
                        let _ = self.conn.query_drop("ROLLBACK").await;
                        return Err(e);
                    }
                }
            }
        }
        self.conn.query_drop("COMMIT").await?;
        Ok(queries)
    }

    /// One operation of a weighted single-statement mix (delete-insert runs in a transaction).
    async fn weighted(&mut self, mix: &Mix) -> std::result::Result<u64, mysql_async::Error> {
        let total: u64 = mix.0.iter().map(|(_, n)| *n as u64).sum();
        let mut pick = self.rng.next_u64() % total.max(1);
        let mut kind = mix.0[0].0;
        for &(k, n) in &mix.0 {
            if pick < n as u64 {
                kind = k;
                break;
            }
            pick -= n as u64;
        }
        if kind == Kind::DeleteInsert {
            let one = Mix(vec![(Kind::DeleteInsert, 1)]);
            return self.transaction(&one).await;
        }
        self.run(kind).await
    }
}

/// What the simple timed workloads run per operation.
#[derive(Debug, Clone, Copy)]
pub enum Timed {
    PointSelect,
    Insert,
    UpdateIndex,
    ReadWrite,
}

/// Runs `threads` clients doing `op` for the configured time; one line.
pub async fn timed(cfg: &Config, op: Timed) -> Result<Vec<Line>> {
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let end = measure_from + cfg.duration;
    let mut tasks = Vec::new();
    for t in 0..cfg.threads {
        let cfg = cfg.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(&cfg, t).await?;
            let mut stats = Stats::default();
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let r = match op {
                    Timed::PointSelect => client.run(Kind::Point).await,
                    Timed::Insert => client.run(Kind::Insert).await,
                    Timed::UpdateIndex => client.run(Kind::IndexUpdate).await,
                    Timed::ReadWrite => client.transaction(&cfg.mix).await,
                };
                let counted = t0 >= measure_from;
                match r {
                    Ok(q) if counted => stats.record(t0.elapsed(), q),
                    Ok(_) => {}
                    Err(e) => {
                        if counted {
                            stats.error(describe(&e));
                        }
                        client.recover(&e).await;
                    }
                }
            }
            let _ = client.conn.disconnect().await;
            Ok::<_, BoxError>(stats)
        }));
    }
    let mut total = Stats::default();
    for task in tasks {
        total.merge(&task.await??);
    }
    let name = match op {
        Timed::PointSelect => "point-select",
        Timed::Insert => "insert",
        Timed::UpdateIndex => "update-index",
        Timed::ReadWrite => "read-write (txn)",
    };
    Ok(vec![total.line(name, cfg.duration)])
}

/// Loads rows `1..=rows` of the deterministic data into `table` with multi-row INSERTs of
/// `batch_rows`, `threads` connections taking batches in turn, until done or `deadline`.
async fn load(
    cfg: &Config,
    table: &str,
    rows: i64,
    deadline: Instant,
) -> Result<(Stats, Duration)> {
    let start = Instant::now();
    let batches = (rows + cfg.batch_rows - 1) / cfg.batch_rows;
    let next = Arc::new(AtomicI64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..cfg.threads {
        let (cfg, next, table) = (cfg.clone(), next.clone(), table.to_string());
        tasks.push(tokio::spawn(async move {
            let mut conn = cfg.connect().await?;
            let mut stats = Stats::default();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches || Instant::now() >= deadline {
                    break;
                }
                let first = b * cfg.batch_rows + 1;
                let count = cfg.batch_rows.min(rows - first + 1);
                let sql = data::insert_batch_sql(&table, cfg.seed, cfg.table_size, first, count);
                let t0 = Instant::now();
                match conn.query_drop(sql).await {
                    Ok(()) => {
                        stats.record(t0.elapsed(), 1);
                        stats.rows += count as u64;
                    }
                    // A failed batch leaves a hole; the run reports it and stops this loader.
                    Err(e) => {
                        stats.error(describe(&e));
                        break;
                    }
                }
            }
            let _ = conn.disconnect().await;
            Ok::<_, BoxError>(stats)
        }));
    }
    let mut total = Stats::default();
    for task in tasks {
        total.merge(&task.await??);
    }
    Ok((total, start.elapsed()))
}

pub async fn recreate(cfg: &Config, table: &str) -> Result<()> {
    let mut conn = cfg.connect().await?;
    conn.query_drop(format!("DROP TABLE IF EXISTS {table}"))
        .await?;
    conn.query_drop(data::create_table_sql(table)).await?;
    conn.disconnect().await?;
    Ok(())
}

/// `prepare`: (re)creates sbtest1 and loads `table_size` rows.
pub async fn prepare(cfg: &Config) -> Result<Vec<Line>> {
    recreate(cfg, TABLE).await?;
    let (stats, elapsed) = load(
        cfg,
        TABLE,
        cfg.table_size,
        Instant::now() + cfg.prepare_timeout,
    )
    .await?;
    if stats.rows < cfg.table_size as u64 {
        return Err(format!(
            "prepare loaded only {} of {} rows: {:?}",
            stats.rows, cfg.table_size, stats.error_samples
        )
        .into());
    }
    Ok(vec![stats.line("prepare (load)", elapsed)])
}

/// `bulk-load`: loads `table_size` rows into a fresh `sbtest_bulk` (within `duration`), then
/// drops it.
pub async fn bulk_load(cfg: &Config) -> Result<Vec<Line>> {
    let table = "sbtest_bulk";
    recreate(cfg, table).await?;
    let (stats, elapsed) = load(cfg, table, cfg.table_size, Instant::now() + cfg.duration).await?;
    let mut conn = cfg.connect().await?;
    conn.query_drop(format!("DROP TABLE IF EXISTS {table}"))
        .await?;
    conn.disconnect().await?;
    Ok(vec![stats.line(
        &format!("bulk-load ({} rows/batch)", cfg.batch_rows),
        elapsed,
    )])
}

/// `create-table`: CREATE TABLE then DROP TABLE of an sbtest-shaped table, repeatedly.
pub async fn create_table(cfg: &Config) -> Result<Vec<Line>> {
    let end = Instant::now() + cfg.duration;
    let run = std::process::id();
    let mut tasks = Vec::new();
    for t in 0..cfg.threads {
        let cfg = cfg.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = cfg.connect().await?;
            let (mut create, mut drop) = (Stats::default(), Stats::default());
            let mut n = 0u64;
            while Instant::now() < end {
                let name = format!("bench_ct_{run}_{t}_{n}");
                n += 1;
                let t0 = Instant::now();
                match conn.query_drop(data::create_table_sql(&name)).await {
                    Ok(()) => create.record(t0.elapsed(), 1),
                    Err(e) => create.error(describe(&e)),
                }
                let t0 = Instant::now();
                match conn
                    .query_drop(format!("DROP TABLE IF EXISTS {name}"))
                    .await
                {
                    Ok(()) => drop.record(t0.elapsed(), 1),
                    Err(e) => drop.error(describe(&e)),
                }
            }
            let _ = conn.disconnect().await;
            Ok::<_, BoxError>((create, drop))
        }));
    }
    let (mut create, mut drop) = (Stats::default(), Stats::default());
    for task in tasks {
        let (c, d) = task.await??;
        create.merge(&c);
        drop.merge(&d);
    }
    Ok(vec![
        create.line("CREATE TABLE", cfg.duration),
        drop.line("DROP TABLE", cfg.duration),
    ])
}

/// Phases of `ddl-under-load`.
const BEFORE: u8 = 0;
const DURING: u8 = 1;
const AFTER: u8 = 2;

/// `ddl-under-load`: DML clients run the whole time; after `ddl_delay` one more connection
/// runs ADD INDEX k_2 (k). DML latency is split by the phase in which each operation started.
pub async fn ddl_under_load(cfg: &Config) -> Result<(Vec<Line>, DdlOutcome, Vec<String>)> {
    let mut notes = Vec::new();
    // A previous run may have left k_2 behind.
    {
        let mut conn = cfg.connect().await?;
        if conn.query_drop(DROP_INDEX).await.is_ok() {
            notes.push("dropped a k_2 left by an earlier run".into());
        }
        conn.disconnect().await?;
    }
    let start = Instant::now();
    let measure_from = start + cfg.warmup;
    let min_end = measure_from + cfg.duration;
    let hard_end = measure_from + cfg.ddl_delay + cfg.max_ddl + Duration::from_secs(5);
    let phase = Arc::new(AtomicU8::new(BEFORE));
    let ddl_done = Arc::new(AtomicBool::new(false));
    let marks: Arc<Mutex<(Option<Instant>, Option<Instant>)>> = Arc::new(Mutex::new((None, None)));

    let mut tasks = Vec::new();
    for t in 0..cfg.threads {
        let (cfg, phase, ddl_done) = (cfg.clone(), phase.clone(), ddl_done.clone());
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(&cfg, t).await?;
            let mut stats = [Stats::default(), Stats::default(), Stats::default()];
            // The statements begun within `ddl_window` of the ALTER's start.
            let window_start = measure_from + cfg.ddl_delay;
            let mut window = Stats::default();
            // (start, latency) of the statements begun during the build.
            let mut during = Vec::new();
            loop {
                let t0 = Instant::now();
                let wall = std::time::SystemTime::now();
                if (t0 >= min_end && ddl_done.load(Ordering::SeqCst)) || t0 >= hard_end {
                    break;
                }
                let p = phase.load(Ordering::SeqCst) as usize;
                let r = client.weighted(&cfg.ddl_mix).await;
                if t0 < measure_from {
                    continue;
                }
                if p == DURING as usize && cfg.latency_log.is_some() {
                    during.push((wall, t0.elapsed()));
                }
                let in_window = t0 >= window_start && t0 < window_start + cfg.ddl_window;
                match r {
                    Ok(q) => {
                        stats[p].record(t0.elapsed(), q);
                        if in_window {
                            window.record(t0.elapsed(), q);
                        }
                    }
                    Err(e) => {
                        stats[p].error(describe(&e));
                        if in_window {
                            window.error(describe(&e));
                        }
                        client.recover(&e).await;
                    }
                }
            }
            let _ = client.conn.disconnect().await;
            if let Some(path) = &cfg.latency_log {
                append_latencies(path, t, &during)?;
            }
            Ok::<_, BoxError>((stats, window))
        }));
    }

    let ddl = {
        let (cfg, phase, ddl_done, marks) =
            (cfg.clone(), phase.clone(), ddl_done.clone(), marks.clone());
        tokio::spawn(async move {
            let mut conn = cfg.connect().await?;
            tokio::time::sleep_until((measure_from + cfg.ddl_delay).into()).await;
            let t0 = Instant::now();
            marks.lock().0 = Some(t0);
            phase.store(DURING, Ordering::SeqCst);
            let r = tokio::time::timeout(cfg.max_ddl, conn.query_drop(ADD_INDEX)).await;
            let t1 = Instant::now();
            marks.lock().1 = Some(t1);
            phase.store(AFTER, Ordering::SeqCst);
            ddl_done.store(true, Ordering::SeqCst);
            let error = match r {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(describe(&e)),
                Err(_) => Some(format!(
                    "no reply within --max-ddl-secs ({} s)",
                    cfg.max_ddl.as_secs()
                )),
            };
            Ok::<_, BoxError>((error, t1 - t0))
        })
    };

    let (error, build_time) = match ddl.await? {
        Ok(x) => x,
        Err(e) => {
            ddl_done.store(true, Ordering::SeqCst);
            (Some(e.to_string()), Duration::ZERO)
        }
    };
    let mut phases = [Stats::default(), Stats::default(), Stats::default()];
    let mut window = Stats::default();
    for task in tasks {
        let (stats, in_window) = task.await??;
        for (total, s) in phases.iter_mut().zip(stats.iter()) {
            total.merge(s);
        }
        window.merge(&in_window);
    }
    let end = Instant::now();
    let (ddl_start, ddl_end) = *marks.lock();
    let ddl_start = ddl_start.unwrap_or(end);
    let ddl_end = ddl_end.unwrap_or(end);
    let lines = vec![
        phases[BEFORE as usize].line(
            "DML before build",
            ddl_start.saturating_duration_since(measure_from),
        ),
        phases[DURING as usize].line("DML during build", ddl_end - ddl_start),
        phases[AFTER as usize].line("DML after build", end.saturating_duration_since(ddl_end)),
        window.line(
            &format!("DML in {} s from build start", cfg.ddl_window.as_secs()),
            // A run that ended sooner cut the window short.
            cfg.ddl_window
                .min(end.saturating_duration_since(measure_from + cfg.ddl_delay)),
        ),
    ];
    let ratio = (error.is_none() && lines[0].p99_ms > 0.0 && lines[1].ops > 0).then(|| {
        let r = lines[1].p99_ms / lines[0].p99_ms;
        (r * 100.0).round() / 100.0
    });
    if error.is_none() && !cfg.keep_index {
        let mut conn = cfg.connect().await?;
        if let Err(e) = conn.query_drop(DROP_INDEX).await {
            notes.push(format!("could not drop k_2 afterwards: {}", describe(&e)));
        }
        conn.disconnect().await?;
    }
    let outcome = DdlOutcome {
        statement: ADD_INDEX.to_string(),
        ok: error.is_none(),
        error,
        build_time_s: (build_time.as_secs_f64() * 1000.0).round() / 1000.0,
        p99_ratio_during_vs_before: ratio,
    };
    Ok((lines, outcome, notes))
}

/// Appends `thread start_unix_secs latency_us` lines to `path` (see `--latency-log`).
fn append_latencies(
    path: &std::path::Path,
    thread: usize,
    during: &[(std::time::SystemTime, Duration)],
) -> Result<()> {
    use std::io::Write;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut out = std::io::BufWriter::new(file);
    for (start, latency) in during {
        let start = start.duration_since(std::time::UNIX_EPOCH)?;
        writeln!(
            out,
            "{thread} {:.6} {}",
            start.as_secs_f64(),
            latency.as_micros()
        )?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_parse() {
        let m: Mix = DEFAULT_MIX.parse().unwrap();
        assert_eq!(m.0[0], (Kind::Point, 10));
        assert!(!m.0.iter().any(|(k, _)| *k == Kind::Sum));
        assert!("point=x".parse::<Mix>().is_err());
        assert!("nope=1".parse::<Mix>().is_err());
        assert!("point=0".parse::<Mix>().is_err());
    }
}
