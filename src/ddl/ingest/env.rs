//! The ingest environment check, before any row is read (TiDB's ingest precheck).
//!
//! - The job's sort directory cannot be made: ingest is not available here, and the job
//!   falls back to `txn-merge` (a transactional backfill into the temporary index, then the
//!   same merge), as TiDB does.
//! - The disk under the temp dir is at risk of filling up (less than a tenth of it free, as
//!   TiDB says, and less than 4 GiB): the job fails with TiDB's 8256, before it writes
//!   anything. A sort that fills the disk anyway fails the job with 8247.

use std::path::Path;

use crate::domain::Domain;
use crate::error::Error;

/// TiDB: a disk is at risk of filling up below this share of free space ...
const MIN_FREE_SHARE: f64 = 0.1;
/// ... moltdb: unless it still has this much (a large disk a tenth free still holds a lot).
const ENOUGH_FREE: u64 = 4 << 30;

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
    let no_space = || {
        Unfit::NoSpace(Error::new(
            8256,
            "HY000",
            format!(
                "Check ingest environment failed: no enough space in {}",
                domain.ddl_temp_dir().display()
            ),
        ))
    };
    if domain.failpoints.is_set("ingest-disk-full") {
        return Err(no_space());
    }
    let stats = fs4::statvfs(dir)
        .map_err(|e| Unfit::Unavailable(format!("cannot stat {}: {e}", dir.display())))?;
    let available = stats.available_space();
    if (available as f64) < MIN_FREE_SHARE * stats.total_space() as f64 && available < ENOUGH_FREE {
        return Err(no_space());
    }
    Ok(())
}
