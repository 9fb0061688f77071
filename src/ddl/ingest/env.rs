//! The ingest environment check, before any row is read (TiDB's ingest precheck), and the
//! room the sort may use on the temp dir's disk.
//!
//! - The job's sort directory cannot be made: ingest is not available here, and the job
//!   falls back to `txn-merge` (a transactional backfill into the temporary index, then the
//!   same merge), as TiDB does.
//! - The disk cannot take even one sorted run ([`MIN_FREE`]): the job fails with TiDB's
//!   8256 before it writes anything. A sort that fills the disk anyway fails with 8247.
//! - Otherwise the sort keeps clear of TiDB's risk line (a tenth of the disk free): a
//!   round's sorted data on disk is held to the space above that line (at least
//!   [`MIN_FREE`]), so a nearly full disk makes the build run in more, smaller rounds
//!   instead of refusing to index a small table (TiDB fails the job below the line).

use std::path::Path;

use crate::domain::Domain;
use crate::error::Error;

/// TiDB: a disk is at risk of filling up below this share of free space.
const RISK_SHARE: u64 = 10;
/// Below this much free space the sort cannot spill even one run (the sorters hold up to
/// `SORT_MEMORY` in memory and write it out at once).
const MIN_FREE: u64 = super::SORT_MEMORY as u64;

/// Why ingest cannot run.
pub enum Unfit {
    /// The sort directory cannot be set up: fall back to txn-merge.
    Unavailable(String),
    /// Not enough space: fail the job with this error.
    NoSpace(Error),
}

/// Makes `dir` and checks its disk.
pub fn check(domain: &Domain, dir: &Path) -> Result<(), Unfit> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Unfit::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
    let stats = fs4::statvfs(dir)
        .map_err(|e| Unfit::Unavailable(format!("cannot stat {}: {e}", dir.display())))?;
    if domain.failpoints.is_set("ingest-disk-full") || stats.available_space() < MIN_FREE {
        return Err(Unfit::NoSpace(Error::new(
            8256,
            "HY000",
            format!(
                "Check ingest environment failed: no enough space in {}",
                domain.ddl_temp_dir().display()
            ),
        )));
    }
    Ok(())
}

/// How many bytes of sorted data a round may leave in `dir`: the free space above the risk
/// line, and never less than one run.
pub fn room(dir: &Path) -> u64 {
    match fs4::statvfs(dir) {
        Ok(stats) => stats
            .available_space()
            .saturating_sub(stats.total_space() / RISK_SHARE)
            .max(MIN_FREE),
        Err(_) => MIN_FREE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_at_least_one_run() {
        let dir = tempfile::tempdir().unwrap();
        assert!(room(dir.path()) >= MIN_FREE);
        assert_eq!(room(&dir.path().join("missing")), MIN_FREE);
    }
}
