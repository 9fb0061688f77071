//! `bulk-load` from a file: the tool writes the sbtest rows to a CSV file (not timed), then
//! times one statement that loads it: `LOAD DATA LOCAL INFILE` (the client sends the file),
//! `LOAD DATA INFILE` or `IMPORT INTO` (the server reads it: the server must run on this
//! host, which the loopback-only rule already implies).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use mysql_async::prelude::*;
use mysql_async::{Conn, OptsBuilder, WhiteListFsHandler};

use super::data;
use super::stats::{Line, Stats};
use super::workloads::{recreate, Config, Result};

/// How `bulk-load` loads its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Multi-row INSERTs of --batch-rows from --threads connections.
    Insert,
    /// One `LOAD DATA LOCAL INFILE` of a CSV file.
    LoadDataLocal,
    /// One `LOAD DATA INFILE` of a CSV file on the server's host.
    LoadData,
    /// One `IMPORT INTO` of a CSV file on the server's host (TiDB, moltdb).
    ImportInto,
}

pub const TABLE: &str = "sbtest_bulk";

/// Writes rows 1..=`cfg.table_size` as `id,k,"c","pad"` lines to `dir`; the file's path.
fn write_csv(cfg: &Config, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!(
        "moltdb-bench-{}-{}.csv",
        std::process::id(),
        cfg.seed
    ));
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    for id in 1..=cfg.table_size {
        let r = data::row(cfg.seed, cfg.table_size, id);
        writeln!(out, "{},{},\"{}\",\"{}\"", r.id, r.k, r.c, r.pad)?;
    }
    out.flush()?;
    Ok(path)
}

/// The statement that loads `path` by `method` and its name (`None` for INSERTs).
fn statement(method: Method, path: &str) -> Option<(&'static str, String)> {
    let csv = "FIELDS TERMINATED BY ',' ENCLOSED BY '\"' LINES TERMINATED BY '\\n' (id, k, c, pad)";
    Some(match method {
        Method::Insert => return None,
        Method::LoadDataLocal => (
            "LOAD DATA LOCAL INFILE",
            format!("LOAD DATA LOCAL INFILE '{path}' INTO TABLE {TABLE} {csv}"),
        ),
        Method::LoadData => (
            "LOAD DATA INFILE",
            format!("LOAD DATA INFILE '{path}' INTO TABLE {TABLE} {csv}"),
        ),
        Method::ImportInto => (
            "IMPORT INTO",
            format!("IMPORT INTO {TABLE} (id, k, c, pad) FROM '{path}'"),
        ),
    })
}

/// Loads a fresh `sbtest_bulk` from a CSV file written under `dir`, timing the statement;
/// the table and the file are removed afterwards.
pub async fn run(cfg: &Config, method: Method, dir: &Path) -> Result<Vec<Line>> {
    let Some((name, _)) = statement(method, "") else {
        return Err("INSERT loads need no file".into());
    };
    let path = {
        let (cfg, dir) = (cfg.clone(), dir.to_path_buf());
        tokio::task::spawn_blocking(move || write_csv(&cfg, &dir)).await??
    };
    let bytes = std::fs::metadata(&path)?.len();
    let path_text = path.to_string_lossy().into_owned();
    recreate(cfg, TABLE).await?;
    let opts = OptsBuilder::from_opts(cfg.opts())
        .local_infile_handler(Some(WhiteListFsHandler::new(&[path.clone()][..])));
    let mut conn = Conn::new(opts).await?;
    conn.query_drop(format!("USE {}", cfg.database)).await?;
    let mut stats = Stats::default();
    let t0 = Instant::now();
    let sql = statement(method, &path_text).map_or_else(String::new, |(_, sql)| sql);
    let loaded = conn.query_drop(sql).await;
    let elapsed = t0.elapsed();
    match &loaded {
        Ok(()) => {
            stats.record(elapsed, 1);
            stats.rows = conn
                .query_first::<u64, _>(format!("SELECT COUNT(*) FROM {TABLE}"))
                .await?
                .unwrap_or(0);
        }
        Err(e) => stats.error(e.to_string()),
    }
    conn.query_drop(format!("DROP TABLE IF EXISTS {TABLE}"))
        .await?;
    conn.disconnect().await?;
    let _ = std::fs::remove_file(&path);
    Ok(vec![stats.line(
        &format!("bulk-load: {name} ({:.1} MB CSV)", bytes as f64 / 1e6),
        elapsed,
    )])
}
