//! SQL data types and values: the vocabulary every layer below the protocol shares.
//!
//! A [`Value`] is what a cell holds at run time; a [`DataType`] is what a column declares.
//! Strings and binary strings are both [`Value::Bytes`]: MySQL strings are byte strings with a
//! character set, and the column's type says how to show and compare them. JSON values are
//! the text of their normal form ([`json`]). DECIMAL values are [`Decimal`]s, exact to MySQL's
//! 65 digits.

pub mod byte_size;
pub mod collation;
pub mod convert;
mod data_type;
pub mod decimal;
pub mod json;
pub mod sql_time;
pub mod time_zone;
mod value;

pub use data_type::{DataType, IntKind};
pub use decimal::{Decimal, ParseDecimalError};
pub use value::{format_double, Value};
