//! A row of fields becomes the key-value pairs a table stores: the fields are mapped to
//! columns (a column list, `@var` fields skipped), the other columns get their defaults,
//! AUTO_INCREMENT and hidden row ids are allocated as INSERT allocates them, each value is
//! converted to its column's type under strict mode, generated columns are computed from
//! the rest of the row (a file's value for one is ignored), the table's CHECK constraints
//! are tested, and `table` encodes the record and every index entry exactly as DML does.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::rows::Field;
use crate::catalog::{DefaultValue, TableInfo};
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::table::row_expressions::{self, ColumnValue, RowCheck};
use crate::table::Table;
use crate::types::convert::{self, ConvertError};
use crate::types::Value;

/// Where a field of the file goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// The column at this position of the table.
    Column(usize),
    /// A user variable: the field is read and not stored.
    Var(String),
}

/// Count, bytes and an order-independent checksum of key-value pairs: what an import wrote
/// and what the table holds must agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    pub kvs: u64,
    pub bytes: u64,
    pub sum: u64,
}

impl Checksum {
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        self.kvs += 1;
        self.bytes += (key.len() + value.len()) as u64;
        self.sum = self
            .sum
            .wrapping_add(xxh3_64(key) ^ xxh3_64(value).rotate_left(17));
    }

    pub fn merge(&mut self, other: &Checksum) {
        self.kvs += other.kvs;
        self.bytes += other.bytes;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// IMPORT INTO's `SET col = expr, ...`, compiled (by the SQL layer, which knows
/// expressions): maps the row's variable values, in [`variables`] order, to one value per
/// assignment.
pub type Assignments = Box<dyn Fn(&[Value]) -> Result<Vec<Value>> + Send>;

/// Compiles assignments: (variable names, expressions as SQL text).
pub type CompileAssignments = fn(&[String], &[String]) -> Result<Assignments>;

/// The distinct `@variables` of a column list, in order of first appearance, lower case.
pub fn variables(targets: &[Target]) -> Vec<String> {
    let mut vars: Vec<String> = Vec::new();
    for t in targets {
        if let Target::Var(v) = t {
            let v = v.to_ascii_lowercase();
            if !vars.contains(&v) {
                vars.push(v);
            }
        }
    }
    vars
}

/// The assignments of an import, ready to run.
pub struct Set {
    /// The column each assignment sets.
    pub columns: Vec<usize>,
    pub eval: Assignments,
}

/// How a field's bytes become text (IMPORT INTO's CHARACTER_SET, LOAD DATA's CHARACTER SET).
pub enum Charset {
    /// utf8mb4, utf8, ascii, binary: as they are.
    Utf8,
    /// Each byte one character (U+0000..U+00FF).
    Latin1,
    /// gbk, gb18030: decoded; a malformed sequence is an error.
    Decode(&'static encoding_rs::Encoding),
}

impl Charset {
    /// The character set called `name` (lower case); `None` for one moltdb does not know.
    pub fn named(name: &str) -> Option<Charset> {
        Some(match name {
            "utf8mb4" | "utf8" | "utf8mb3" | "ascii" | "binary" => Charset::Utf8,
            "latin1" => Charset::Latin1,
            "gbk" => Charset::Decode(encoding_rs::GBK),
            "gb18030" => Charset::Decode(encoding_rs::GB18030),
            _ => return None,
        })
    }

    /// `bytes` in this character set as UTF-8; a malformed sequence is error 1300.
    pub fn text(&self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        match self {
            Charset::Utf8 => Ok(bytes),
            Charset::Latin1 => Ok(bytes
                .iter()
                .map(|&b| b as char)
                .collect::<String>()
                .into_bytes()),
            Charset::Decode(encoding) => (*encoding != encoding_rs::GBK || is_gbk(&bytes))
                .then(|| encoding.decode_without_bom_handling_and_without_replacement(&bytes))
                .flatten()
                .map(|text| text.into_owned().into_bytes())
                .ok_or_else(|| {
                    let hex: String = bytes.iter().take(16).map(|b| format!("{b:02X}")).collect();
                    Error::new(
                        1300,
                        "HY000",
                        format!(
                            "Invalid {} character string: '{hex}'",
                            encoding.name().to_ascii_lowercase()
                        ),
                    )
                }),
        }
    }
}

/// Whether `bytes` are GBK as MySQL knows it: ASCII and two-byte characters only (the
/// decoder, WHATWG's, also takes gb18030's four-byte sequences and 0x80).
fn is_gbk(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            0x00..=0x7F => i += 1,
            0x81..=0xFE if matches!(bytes.get(i + 1), Some(0x40..=0x7E | 0x80..=0xFE)) => i += 2,
            _ => return false,
        }
    }
    true
}

pub struct Encoder<'a> {
    domain: &'a Domain,
    table: Table,
    targets: Vec<Target>,
    /// For each target, the variable it sets (an index into [`variables`]).
    var_slots: Vec<Option<usize>>,
    var_count: usize,
    set: Option<Set>,
    charset: Charset,
    /// Each generated column with its value for a row, in definition order (one may read
    /// the ones before it).
    generated: Vec<(usize, ColumnValue)>,
    check: Option<RowCheck>,
    now: chrono::NaiveDateTime,
    /// The largest explicit AUTO_INCREMENT value seen (the post-process rebases past it).
    pub max_auto_id: i64,
}

impl<'a> Encoder<'a> {
    /// An encoder for `info`, a table of database `db`.
    pub fn new(
        domain: &'a Domain,
        (db, info): (&str, TableInfo),
        targets: Vec<Target>,
        charset: &str,
        set: Option<Set>,
    ) -> Result<Encoder<'a>> {
        let vars = variables(&targets);
        let var_slots = targets
            .iter()
            .map(|t| match t {
                Target::Var(v) => vars.iter().position(|x| x.eq_ignore_ascii_case(v)),
                Target::Column(_) => None,
            })
            .collect();
        let expressions = row_expressions::installed()?;
        let generated = (0..info.columns.len())
            .filter(|&i| info.columns[i].generated.is_some())
            .map(|i| Ok((i, expressions.generated(db, &info, i)?)))
            .collect::<Result<_>>()?;
        let check = expressions.row_check(db, &info)?;
        Ok(Encoder {
            domain,
            table: Table::new(std::sync::Arc::new(info)),
            targets,
            var_slots,
            var_count: vars.len(),
            set,
            charset: Charset::named(charset).unwrap_or(Charset::Utf8),
            generated,
            check,
            now: chrono::Utc::now().naive_utc(),
            max_auto_id: 0,
        })
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Encodes the row of `fields` (line `line` of `file`) and hands each pair to `out`.
    pub fn encode(
        &mut self,
        fields: Vec<Field>,
        file: &str,
        line: u64,
        out: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let info = self.table.info.clone();
        let mut row = vec![Value::Null; info.columns.len()];
        let mut given = vec![false; info.columns.len()];
        // Fields beyond the targets are ignored; targets beyond the fields get NULL.
        let mut fields = fields.into_iter();
        let mut vars = vec![Value::Null; self.var_count];
        let at = |e: Error| {
            Error::new(
                e.code(),
                e.sqlstate(),
                format!("{} (file {file}, line {line})", e.message()),
            )
        };
        for (target, slot) in self.targets.iter().zip(&self.var_slots) {
            let value = match fields.next().flatten() {
                Some(bytes) => Value::Bytes(self.charset.text(bytes).map_err(at)?),
                None => Value::Null,
            };
            match (target, slot) {
                (Target::Column(i), _) if info.columns[*i].generated.is_some() => {}
                (Target::Column(i), _) => {
                    given[*i] = true;
                    row[*i] = value;
                }
                (Target::Var(_), Some(v)) => vars[*v] = value,
                (Target::Var(_), None) => {}
            }
        }
        if let Some(set) = &self.set {
            for (&i, value) in set.columns.iter().zip((set.eval)(&vars).map_err(at)?) {
                given[i] = true;
                row[i] = value;
            }
        }
        for (i, col) in info.columns.iter().enumerate() {
            if !given[i] {
                row[i] = match &col.default {
                    Some(DefaultValue::Literal(s)) => convert::from_stored_text(s, &col.ty)
                        .map_err(|_| Error::internal("bad default"))?,
                    Some(DefaultValue::CurrentTimestamp) => Value::DateTime(self.now),
                    _ => Value::Null,
                };
            }
        }
        if let Some(a) = info.auto_increment_column() {
            let wants_id = match &row[a] {
                Value::Null => true,
                Value::Bytes(b) => b.is_empty() || b.as_slice() == b"0",
                _ => false,
            };
            if wants_id {
                row[a] = Value::Int(self.domain.autoid.alloc(&info, 1)?);
            }
        }
        for (i, col) in info.columns.iter().enumerate() {
            if col.generated.is_some() {
                continue;
            }
            let v = std::mem::replace(&mut row[i], Value::Null);
            if v.is_null() {
                if !col.nullable {
                    return Err(at(Error::column_not_null(&col.name)));
                }
                continue;
            }
            row[i] = convert::to_column_type(&v, &col.ty).map_err(|e| {
                at(match e {
                    ConvertError::OutOfRange { .. } => Error::out_of_range(&col.name, 1),
                    ConvertError::TooLong { .. } => Error::too_long(&col.name, 1),
                    ConvertError::Truncated { .. } => Error::truncated(&col.name, 1),
                    ConvertError::Incorrect {
                        type_name, value, ..
                    } => Error::incorrect_value(type_name, &value, &col.name, 1),
                    ConvertError::InvalidJson { message, position } => {
                        Error::invalid_json_text(message, position, &col.name)
                    }
                })
            })?;
        }
        for (i, value) in &self.generated {
            // As INSERT computes them: before the handle is known.
            row[*i] = value(0, &row).map_err(at)?;
        }
        if let Some(a) = info.auto_increment_column() {
            if let Value::Int(id) = row[a] {
                if id > self.max_auto_id {
                    // Later generated ids go past it, as after an INSERT of an explicit id.
                    self.domain.autoid.rebase(&info, id)?;
                    self.max_auto_id = id;
                }
            }
        }
        let handle = match self.table.handle_of(&row) {
            Some(h) => h,
            None => self.domain.autoid.alloc(&info, 1)?,
        };
        if let Some(check) = &self.check {
            check(handle, &row).map_err(at)?;
        }
        let (key, value) = self.table.record_pair(&row, handle);
        out(key, value)?;
        for index in info
            .indexes
            .iter()
            .filter(|i| crate::table::is_writable(i.state))
        {
            let (key, value) = self.table.index_pair(index, &row, handle);
            out(key, value)?;
        }
        Ok(())
    }
}
