//! Progress people can read: what a reorg job is doing (its phase), how far it is, and when
//! it should be done. Saved with the job's checkpoint at every save, so every node's ADMIN
//! SHOW DDL JOBS and `information_schema.DDL_JOBS` show the owner's view.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// A phase of reorg work, and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// "backfill", "read+sort", "ingest", "merge", "verify" or "cleanup".
    pub phase: String,
    /// Share of the phase done, 0 to 100 (`None`: unknown).
    pub percent: Option<f64>,
    /// Seconds the phase should still take at its pace so far (`None`: not known yet).
    pub eta_secs: Option<u64>,
}

/// Measures one phase's pace from the moment it starts (or resumes).
pub struct Tracker {
    phase: &'static str,
    started: Instant,
    /// The share already done when the phase (re)started: a resumed phase's pace counts
    /// only what this run did.
    start_fraction: f64,
}

impl Tracker {
    pub fn new(phase: &'static str, start_fraction: f64) -> Tracker {
        Tracker {
            phase,
            started: Instant::now(),
            start_fraction: start_fraction.clamp(0.0, 1.0),
        }
    }

    /// The phase at `fraction` (0 to 1) done; `None` when its size is not known.
    pub fn at(&self, fraction: Option<f64>) -> Progress {
        let fraction = fraction.map(|f| f.clamp(0.0, 1.0));
        let eta_secs = fraction.and_then(|f| {
            let done = f - self.start_fraction;
            let elapsed = self.started.elapsed().as_secs_f64();
            // Too little done, or too early, for a pace worth quoting.
            (done > 0.001 && elapsed >= 0.5).then(|| (elapsed * (1.0 - f) / done).round() as u64)
        });
        Progress {
            phase: self.phase.to_string(),
            percent: fraction.map(|f| (f * 1000.0).round() / 10.0),
            eta_secs,
        }
    }
}

/// `done` of `total`, as a fraction (`None` when the total is unknown or zero).
pub fn fraction(done: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| done as f64 / total as f64)
}

impl Progress {
    /// How ADMIN SHOW DDL JOBS's COMMENTS shows it: `phase=read+sort, progress=45.0%, eta=3s`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("phase={}", self.phase)];
        if let Some(p) = self.percent {
            parts.push(format!("progress={p:.1}%"));
        }
        if let Some(eta) = self.eta_secs {
            parts.push(format!("eta={eta}s"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_eta_follow_the_pace() {
        let mut t = Tracker::new("read+sort", 0.0);
        t.started -= std::time::Duration::from_secs(10);
        let p = t.at(Some(0.25));
        assert_eq!(p.percent, Some(25.0));
        // 25% in 10 s: 75% takes 30 s more.
        assert_eq!(p.eta_secs, Some(30));
        assert_eq!(p.describe(), "phase=read+sort, progress=25.0%, eta=30s");
        // Unknown size: only the phase.
        assert_eq!(t.at(None).describe(), "phase=read+sort");
    }

    #[test]
    fn a_resumed_phase_counts_only_its_own_pace() {
        let mut t = Tracker::new("backfill", 0.5);
        t.started -= std::time::Duration::from_secs(10);
        // 50% -> 75% in 10 s: the last 25% takes 10 s.
        assert_eq!(t.at(Some(0.75)).eta_secs, Some(10));
        assert_eq!(fraction(1, 0), None);
        assert_eq!(fraction(1, 4), Some(0.25));
    }
}
