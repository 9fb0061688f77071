//! Import jobs (TiDB's `mysql.tidb_import_jobs`): what SHOW IMPORT JOB(S) lists and CANCEL
//! IMPORT JOB steers, kept under `mImportJob:{id:020}`. A job's status walks pending ->
//! running -> finished | failed | cancelled; its phase is '' before it starts, then
//! `importing`, then `validating` (checksum and AUTO_INCREMENT rebase).

use serde::{Deserialize, Serialize};

use super::options::Options;
use crate::error::{Error, Result, SavedError};
use crate::kv::{KeyRange, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Running,
    Finished,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Finished => "finished",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Finished | Status::Failed | Status::Cancelled)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: i64,
    pub db: String,
    pub table: String,
    pub table_id: i64,
    /// The location as the statement gave it.
    pub data_source: String,
    pub source_file_size: u64,
    pub options: Options,
    pub status: Status,
    /// '', `importing`, `validating`.
    pub phase: String,
    pub imported_rows: Option<u64>,
    /// Why it failed, as the waiting statement returns it.
    #[serde(default)]
    pub error: Option<SavedError>,
    pub error_message: String,
    /// `user@host`.
    pub created_by: String,
    /// Microseconds since the epoch.
    pub create_time: i64,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
}

fn key(id: i64) -> Vec<u8> {
    format!("mImportJob:{id:020}").into_bytes()
}

pub fn put(txn: &mut dyn Transaction, job: &ImportJob) {
    txn.put(key(job.id), serde_json::to_vec(job).unwrap_or_default());
}

pub fn get(txn: &dyn Transaction, id: i64) -> Result<Option<ImportJob>> {
    txn.get(&key(id))?
        .map(|b| {
            serde_json::from_slice(&b)
                .map_err(|e| Error::internal(format!("corrupt import job {id}: {e}")))
        })
        .transpose()
}

/// Every job, oldest first.
pub fn all(txn: &dyn Transaction) -> Result<Vec<ImportJob>> {
    let pairs = txn.scan(&KeyRange::prefix(b"mImportJob:"), usize::MAX, false)?;
    pairs
        .iter()
        .map(|(k, v)| {
            serde_json::from_slice(v).map_err(|e| {
                Error::internal(format!(
                    "corrupt import job {}: {e}",
                    String::from_utf8_lossy(k)
                ))
            })
        })
        .collect()
}

/// TiDB's 8170 for an id that is no job.
pub fn not_found(id: i64) -> Error {
    Error::new(8170, "HY000", format!("Job ID {id} doesn't exist"))
}
