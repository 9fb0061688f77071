use thiserror::Error;

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
    #[error(transparent)]
    Kv(#[from] kv::Error),
    #[error(transparent)]
    Codec(#[from] codec::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<Error> for crate::error::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Duplicate {
                entry, key_name, ..
            } => crate::error::Error::Duplicate { entry, key_name },
            Error::Kv(e) => e.into(),
            Error::Codec(e) => crate::error::Error::internal(e),
        }
    }
}
