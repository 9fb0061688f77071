//! What a statement returns: rows with their column descriptions, or an OK summary.

use crate::types::{DataType, Value};

/// One column of a result set, described as MySQL's column definition packet describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultColumn {
    pub name: String,
    /// The underlying column's name when the result column is a plain column reference.
    pub org_name: String,
    pub table: String,
    pub org_table: String,
    pub db: String,
    /// `None` is the type of a bare `NULL` literal.
    pub ty: Option<DataType>,
    pub not_null: bool,
    pub primary_key: bool,
    pub unique_key: bool,
    pub multiple_key: bool,
    pub auto_increment: bool,
}

impl ResultColumn {
    /// A computed column (expression, literal, SHOW output) with no table behind it.
    pub fn computed(name: impl Into<String>, ty: Option<DataType>) -> Self {
        ResultColumn {
            name: name.into(),
            org_name: String::new(),
            table: String::new(),
            org_table: String::new(),
            db: String::new(),
            ty,
            not_null: false,
            primary_key: false,
            unique_key: false,
            multiple_key: false,
            auto_increment: false,
        }
    }

    /// The text-protocol form of `v` in this column (`None` for NULL): what a client reads,
    /// and what `SELECT ... INTO OUTFILE` writes.
    pub fn text_of(&self, v: &Value) -> Option<Vec<u8>> {
        match (v, &self.ty) {
            (Value::Float(x), Some(DataType::Float)) => Some(format_float(*x as f32).into_bytes()),
            // As many fractional digits as the column's precision, as MySQL prints them.
            (
                Value::DateTime(d),
                Some(DataType::DateTime { fsp } | DataType::Timestamp { fsp }),
            ) => {
                let mut text = d.format("%Y-%m-%d %H:%M:%S").to_string();
                if *fsp > 0 {
                    let micros = format!("{:06}", d.and_utc().timestamp_subsec_micros());
                    text.push('.');
                    text.push_str(&micros[..usize::from((*fsp).min(6))]);
                }
                Some(text.into_bytes())
            }
            // BIT is sent as its bytes, big-endian, as many as its width needs.
            (Value::UInt(n), Some(DataType::Bit { width })) => {
                let len = usize::from(*width).div_ceil(8).clamp(1, 8);
                Some(n.to_be_bytes()[8 - len..].to_vec())
            }
            // YEAR prints four digits: 0 is 0000.
            (Value::Int(y), Some(DataType::Year)) => Some(format!("{y:04}").into_bytes()),
            (Value::Decimal(d), Some(DataType::Decimal { scale, .. })) => {
                Some(decimal_text(d, *scale).into_bytes())
            }
            _ => v.to_text(),
        }
    }

    /// A text column of SHOW-style output.
    pub fn text(name: impl Into<String>) -> Self {
        Self::computed(name, Some(DataType::varchar(64)))
    }

    /// A BIGINT column of SHOW-style output.
    pub fn bigint(name: impl Into<String>) -> Self {
        Self::computed(
            name,
            Some(DataType::Int {
                kind: crate::types::IntKind::Big,
                unsigned: false,
            }),
        )
    }
}

/// A decimal with as many fractional digits as its type's scale, as MySQL prints it.
fn decimal_text(d: &crate::types::Decimal, scale: u8) -> String {
    if d.scale() == scale {
        d.to_string()
    } else {
        d.rescale(scale).to_string()
    }
}

/// FLOAT columns hold single precision: print the shortest form that reads back as that f32.
fn format_float(x: f32) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A materialized result set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Value>>,
}

/// The summary of a statement that returns no rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub affected_rows: u64,
    pub last_insert_id: u64,
    /// UPDATE: the rows its WHERE matched, changed or not. Clients that connect with
    /// CLIENT_FOUND_ROWS (ORMs checking that an UPDATE found its row) get this count instead
    /// of `affected_rows`.
    pub matched_rows: Option<u64>,
    /// The OK packet's human-readable info (LOAD DATA's `Records: 3  Deleted: 0  Skipped:
    /// 0  Warnings: 0`).
    pub info: Option<String>,
}

/// The answer to one statement.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Rows(ResultSet),
    Done(Outcome),
}

impl QueryResult {
    pub fn ok() -> Self {
        QueryResult::Done(Outcome::default())
    }

    /// An UPDATE's answer: rows changed, and rows matched (`Rows matched:` in its info).
    pub fn updated(changed: u64, matched: u64) -> Self {
        QueryResult::Done(Outcome {
            affected_rows: changed,
            matched_rows: Some(matched),
            ..Outcome::default()
        })
    }

    pub fn affected(n: u64) -> Self {
        QueryResult::Done(Outcome {
            affected_rows: n,
            ..Outcome::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_columns_print_single_precision() {
        assert_eq!(format_float(1.1f64 as f32), "1.1");
        assert_eq!(format_float(3.0), "3");
    }
}
