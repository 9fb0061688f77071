//! Byte encodings of keys and rows for the key-value store.
//!
//! The store is an ordered map of byte strings, so everything the SQL layer wants to do with
//! order has to be expressed as byte order:
//!
//! * [`memcomparable`] encodes values so that comparing the encodings bytewise gives SQL order.
//!   An index range scan (`WHERE a BETWEEN 3 AND 7`, `ORDER BY a`) then becomes a plain byte
//!   range scan over the index's keys, with no decoding needed to find where to start or stop.
//! * [`keys`] lays out record and index keys exactly as TiDB does (`t{table}_r{handle}`,
//!   `t{table}_i{index}{values}`), so anyone who knows TiDB's layout can read a dump of the
//!   store, and all rows or index entries of one table form a contiguous key range.
//! * [`row`] encodes a row's column values compactly. Row values never need to sort, so that
//!   codec optimises for size and decode speed instead, and tags each value with its column
//!   id so that columns can be added or dropped without rewriting old rows.

pub mod keys;
pub mod memcomparable;
pub mod row;

/// Why bytes read back from the store could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes are not a valid encoding: truncated, an unknown flag, or out of range.
    #[error("corrupt encoding: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for returning [`Error::Corrupt`].
pub(crate) fn corrupt<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::Corrupt(msg.into()))
}
