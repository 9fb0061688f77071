use thiserror::Error;

use crate::error::ForeignKeyError;
use crate::{codec, kv};

#[derive(Debug, Error)]
pub enum Error {
    /// A unique key or the primary key already holds these values.
    #[error("Duplicate entry '{entry}' for key '{key_name}'")]
    Duplicate {
        entry: String,
        /// `table.index`, as MySQL 8 names it.
        key_name: String,
        /// The row that already holds the values.
        existing_handle: i64,
    },
    /// A FOREIGN KEY constraint refused the write (or a cascade it caused).
    #[error("{}", .0.message())]
    ForeignKey(ForeignKeyError),
    /// Resolving a table a foreign key names failed (the statement's own lookup: an
    /// unknown database, a schema that changed under the transaction).
    #[error("{0}")]
    Resolve(crate::error::Error),
    /// A value does not fit the type a MODIFY COLUMN in progress changes its column to.
    #[error("{0}")]
    Value(crate::error::Error),
    #[error(transparent)]
    Kv(#[from] kv::Error),
    #[error(transparent)]
    Codec(#[from] codec::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<ForeignKeyError> for Error {
    fn from(e: ForeignKeyError) -> Self {
        Error::ForeignKey(e)
    }
}

impl From<Error> for crate::error::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Duplicate {
                entry, key_name, ..
            } => crate::error::Error::Duplicate { entry, key_name },
            Error::ForeignKey(e) => crate::error::Error::ForeignKey(e),
            Error::Resolve(e) | Error::Value(e) => e,
            Error::Kv(e) => e.into(),
            Error::Codec(e) => crate::error::Error::internal(e),
        }
    }
}
