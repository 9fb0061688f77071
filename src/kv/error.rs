use thiserror::Error;

/// What can go wrong in the key-value layer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Another transaction committed a write to a key this one writes, after this one
    /// started. The caller may retry the whole transaction.
    #[error("write conflict on a key written by a newer transaction")]
    WriteConflict,
    /// The storage engine failed (I/O, corruption).
    #[error("storage error: {0}")]
    Storage(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<Error> for crate::error::Error {
    fn from(e: Error) -> Self {
        match e {
            // The start ts is filled in by the session, which knows it.
            Error::WriteConflict => crate::error::Error::WriteConflict { start_ts: 0 },
            Error::Storage(msg) => crate::error::Error::Internal(format!("storage error: {msg}")),
        }
    }
}
