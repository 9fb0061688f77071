//! The rows of one data file, whatever its format: the encoders see fields only, each the
//! text (or bytes) of one value as a CSV file would hold it, converted to its column's type
//! later exactly as a CSV field is.

use std::io::Read;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use super::options::{Format, Options};
use super::source::{self, DataFile};
use super::{delimited, parquet, sql_dump};
use crate::error::Result;

/// A field: `None` is NULL.
pub type Field = Option<Vec<u8>>;

pub trait Rows: Send {
    /// The next row's fields and the line (or row number) it starts on; `None` at the end.
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Field>)>>;
}

impl<R: Read + Send> Rows for delimited::Reader<R> {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Field>)>> {
        let line = self.line;
        Ok(delimited::Reader::next_row(self)?.map(|fields| (line, fields)))
    }
}

/// The rows of `file` (`name` in error messages), SKIP_ROWS skipped; `columns` are the
/// names of the fields the import expects (what a dump's INSERT may name); `read` counts
/// the bytes of the file read so far (CSV and SQL files).
pub fn open(
    file: &DataFile,
    format: Format,
    options: &Options,
    name: &str,
    columns: Vec<String>,
    read: &Arc<AtomicU64>,
) -> Result<Box<dyn Rows>> {
    Ok(match format {
        Format::Csv => {
            // A chunk after the first starts after the row that straddles its offset: read
            // from a terminator's length before it, through the first terminator.
            let terminator = options.lines_terminated_by.as_deref().unwrap_or(b"\n");
            let from = file.offset.saturating_sub(terminator.len() as u64);
            let input = source::open(&file.path, from, read)?;
            let mut reader = delimited::Reader::new(input, options, name);
            reader.limit = file.end.map(|end| end.saturating_sub(from));
            if file.offset > 0 {
                reader.skip_through(terminator)?;
            } else {
                reader.skip(options.skip_rows)?;
            }
            Box::new(reader)
        }
        Format::Sql => Box::new(sql_dump::Reader::new(
            source::open(&file.path, 0, read)?,
            name,
            columns,
        )),
        Format::Parquet => Box::new(parquet::Reader::open(&file.path, name)?),
    })
}
