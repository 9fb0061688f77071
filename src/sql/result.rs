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
