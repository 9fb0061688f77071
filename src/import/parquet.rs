//! Parquet files (FORMAT 'parquet'), read with the `parquet` crate's record reader: each
//! row's top-level columns, in the file's order, become fields holding the text a CSV file
//! would (numbers in decimal, dates as `YYYY-MM-DD`, timestamps in UTC as
//! `YYYY-MM-DD HH:MM:SS.ffffff`, strings and binary as their bytes, booleans as 1/0).
//! Without a column list, IMPORT INTO maps the file's columns to the table's by name
//! ([`column_names`]). Nested columns (groups, lists, maps) are not supported.

use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};

use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::reader::RowIter;
use ::parquet::record::Field as Value;

use super::rows::{Field, Rows};
use crate::error::{Error, Result};

pub struct Reader {
    rows: RowIter<'static>,
    /// Rows read so far: a row's number stands for its line in error messages.
    row: u64,
    name: String,
}

fn error(name: &str, what: &str) -> Error {
    Error::new(
        8160,
        "HY000",
        format!("Failed to read source files. Reason: {what} in {name}. Please check the file content is correct"),
    )
}

fn open(path: &str, name: &str) -> Result<SerializedFileReader<File>> {
    let file = File::open(path).map_err(|e| error(name, &e.to_string()))?;
    // The crate asserts on some malformed input: a bad file must fail the import, never the node.
    catch_unwind(AssertUnwindSafe(|| SerializedFileReader::new(file)))
        .map_err(|_| error(name, "malformed parquet file"))?
        .map_err(|e| error(name, &e.to_string()))
}

/// The names of the top-level columns of the parquet file at `path`, in order.
pub fn column_names(path: &str) -> Result<Vec<String>> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let reader = open(path, name)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    Ok(schema
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect())
}

impl Reader {
    pub fn open(path: &str, name: &str) -> Result<Reader> {
        Ok(Reader {
            rows: open(path, name)?.into_iter(),
            row: 0,
            name: name.to_string(),
        })
    }
}

impl Rows for Reader {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Field>)>> {
        let next = catch_unwind(AssertUnwindSafe(|| self.rows.next()))
            .map_err(|_| error(&self.name, "malformed parquet file"))?;
        let Some(row) = next else {
            return Ok(None);
        };
        let row = row.map_err(|e| error(&self.name, &e.to_string()))?;
        self.row += 1;
        let fields = row
            .into_columns()
            .into_iter()
            .map(|(column, value)| {
                field(value).ok_or_else(|| {
                    error(
                        &self.name,
                        &format!("column {column} of row {} is nested", self.row),
                    )
                })
            })
            .collect::<Result<Vec<Field>>>()?;
        Ok(Some((self.row, fields)))
    }
}

/// A value's field: `None` (no field) for nested values.
fn field(value: Value) -> Option<Field> {
    let text = |s: String| Some(Some(s.into_bytes()));
    match value {
        Value::Null => Some(None),
        Value::Bool(b) => text(u8::from(b).to_string()),
        Value::Byte(n) => text(n.to_string()),
        Value::Short(n) => text(n.to_string()),
        Value::Int(n) => text(n.to_string()),
        Value::Long(n) => text(n.to_string()),
        Value::UByte(n) => text(n.to_string()),
        Value::UShort(n) => text(n.to_string()),
        Value::UInt(n) => text(n.to_string()),
        Value::ULong(n) => text(n.to_string()),
        Value::Float16(n) => text(n.to_string()),
        Value::Float(n) => text(n.to_string()),
        Value::Double(n) => text(n.to_string()),
        // The crate prints a decimal in plain notation.
        Value::Decimal(_) => text(value.to_string()),
        Value::Str(s) => text(s),
        Value::Bytes(b) => Some(Some(b.data().to_vec())),
        Value::Date(days) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
            text(
                epoch
                    .checked_add_signed(chrono::Duration::days(i64::from(days)))?
                    .to_string(),
            )
        }
        Value::TimeMillis(ms) => time(i64::from(ms) * 1000),
        Value::TimeMicros(us) => time(us),
        Value::TimestampMillis(ms) => timestamp(ms.checked_mul(1000)?),
        Value::TimestampMicros(us) => timestamp(us),
        Value::Group(_) | Value::ListInternal(_) | Value::MapInternal(_) => None,
    }
}

fn time(micros: i64) -> Option<Field> {
    let secs = micros.div_euclid(1_000_000);
    let t = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
        u32::try_from(secs).ok()?,
        u32::try_from(micros.rem_euclid(1_000_000) * 1000).ok()?,
    )?;
    Some(Some(t.format("%H:%M:%S%.6f").to_string().into_bytes()))
}

fn timestamp(micros: i64) -> Option<Field> {
    let t = chrono::DateTime::from_timestamp_micros(micros)?.naive_utc();
    Some(Some(
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string().into_bytes(),
    ))
}
