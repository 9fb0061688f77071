//! Latency histograms, per-thread counters and the report (table and JSON).

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// How many distinct error messages a report keeps.
const MAX_ERROR_SAMPLES: usize = 8;

/// What one thread measured for one named operation: latencies in microseconds.
#[derive(Debug, Clone)]
pub struct Stats {
    pub hist: Histogram<u64>,
    pub ops: u64,
    /// Statements sent (a read-write transaction is many).
    pub queries: u64,
    pub rows: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            // 1 µs .. 10 min, 3 significant digits.
            hist: Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds"),
            ops: 0,
            queries: 0,
            rows: 0,
            errors: 0,
            error_samples: Vec::new(),
        }
    }
}

impl Stats {
    pub fn record(&mut self, latency: Duration, queries: u64) {
        let us = (latency.as_micros() as u64).clamp(1, 600_000_000);
        self.hist.saturating_record(us);
        self.ops += 1;
        self.queries += queries;
    }

    pub fn error(&mut self, msg: impl Into<String>) {
        self.errors += 1;
        note_error(&mut self.error_samples, msg.into());
    }

    pub fn merge(&mut self, other: &Stats) {
        self.hist.add(&other.hist).expect("same histogram bounds");
        self.ops += other.ops;
        self.queries += other.queries;
        self.rows += other.rows;
        self.errors += other.errors;
        for e in &other.error_samples {
            note_error(&mut self.error_samples, e.clone());
        }
    }

    /// The line of the report for these stats over `elapsed`.
    pub fn line(&self, name: &str, elapsed: Duration) -> Line {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let ms = |us: u64| us as f64 / 1000.0;
        let empty = self.hist.is_empty();
        let q = |p: f64| {
            if empty {
                0.0
            } else {
                ms(self.hist.value_at_quantile(p))
            }
        };
        Line {
            name: name.to_string(),
            elapsed_s: round(secs, 3),
            ops: self.ops,
            ops_per_sec: round(self.ops as f64 / secs, 1),
            queries: self.queries,
            qps: round(self.queries as f64 / secs, 1),
            rows: self.rows,
            rows_per_sec: round(self.rows as f64 / secs, 1),
            errors: self.errors,
            mean_ms: if empty {
                0.0
            } else {
                round(self.hist.mean() / 1000.0, 3)
            },
            p50_ms: round(q(0.50), 3),
            p95_ms: round(q(0.95), 3),
            p99_ms: round(q(0.99), 3),
            max_ms: round(if empty { 0.0 } else { ms(self.hist.max()) }, 3),
            error_samples: self.error_samples.clone(),
        }
    }
}

fn note_error(samples: &mut Vec<String>, msg: String) {
    if samples.len() < MAX_ERROR_SAMPLES && !samples.contains(&msg) {
        samples.push(msg);
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// One row of the results table.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub name: String,
    pub elapsed_s: f64,
    /// Operations: statements, transactions (read-write), batches (bulk-load) or DDL statements.
    pub ops: u64,
    pub ops_per_sec: f64,
    pub queries: u64,
    pub qps: f64,
    /// Rows written, for the load workloads.
    pub rows: u64,
    pub rows_per_sec: f64,
    pub errors: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_samples: Vec<String>,
}

/// The outcome of the ALTER TABLE in `ddl-under-load`.
#[derive(Debug, Clone, Serialize)]
pub struct DdlOutcome {
    pub statement: String,
    pub ok: bool,
    pub error: Option<String>,
    /// Seconds from sending the statement to its reply.
    pub build_time_s: f64,
    /// The p99 of DML during the build divided by the p99 before it (target: at most 1.3).
    pub p99_ratio_during_vs_before: Option<f64>,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub workload: String,
    pub server_version: String,
    pub target: String,
    pub threads: usize,
    pub table_size: i64,
    pub seed: u64,
    pub duration_s: u64,
    pub unix_time: u64,
    pub lines: Vec<Line>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ddl: Option<DdlOutcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "workload {}  server {} at {}  threads {}  table size {}  seed {}\n",
            self.workload,
            self.server_version,
            self.target,
            self.threads,
            self.table_size,
            self.seed
        );
        out.push_str(&format!(
            "{:<28} {:>8} {:>10} {:>10} {:>10} {:>12} {:>9} {:>9} {:>9} {:>9} {:>7}\n",
            "operation",
            "secs",
            "ops",
            "ops/s",
            "qps",
            "rows/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors"
        ));
        for l in &self.lines {
            out.push_str(&format!(
                "{:<28} {:>8.2} {:>10} {:>10.1} {:>10.1} {:>12.1} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>7}\n",
                l.name, l.elapsed_s, l.ops, l.ops_per_sec, l.qps, l.rows_per_sec, l.p50_ms, l.p95_ms,
                l.p99_ms, l.max_ms, l.errors
            ));
            for e in &l.error_samples {
                out.push_str(&format!("    error: {e}\n"));
            }
        }
        if let Some(d) = &self.ddl {
            out.push_str(&format!(
                "ddl: {} -> {} in {:.3} s",
                d.statement,
                if d.ok { "ok" } else { "FAILED" },
                d.build_time_s
            ));
            if let Some(e) = &d.error {
                out.push_str(&format!(" ({e})"));
            }
            if let Some(r) = d.p99_ratio_during_vs_before {
                out.push_str(&format!("; DML p99 during/before = {r:.2}"));
            }
            out.push('\n');
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_report_rates_and_percentiles() {
        let mut a = Stats::default();
        for i in 1..=100 {
            a.record(Duration::from_micros(i * 10), 2);
        }
        let mut b = Stats::default();
        b.error("boom");
        b.error("boom");
        a.merge(&b);
        let l = a.line("x", Duration::from_secs(2));
        assert_eq!(l.ops, 100);
        assert_eq!(l.ops_per_sec, 50.0);
        assert_eq!(l.qps, 100.0);
        assert_eq!(l.errors, 2);
        assert_eq!(l.error_samples, vec!["boom".to_string()]);
        assert!((l.p50_ms - 0.5).abs() < 0.01, "{}", l.p50_ms);
        assert!((l.p99_ms - 0.99).abs() < 0.01, "{}", l.p99_ms);
    }
}
