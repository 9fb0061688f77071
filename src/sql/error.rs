//! The SQL layer's error: a MySQL error code, SQLSTATE and message, exactly as the client
//! will see them. Errors of the layers below convert into it here, at the boundary.

use std::fmt;

use crate::{catalog, kv, table};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: u16,
    pub state: &'static str,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERROR {} ({}): {}", self.code, self.state, self.message)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub fn new(code: u16, state: &'static str, message: impl Into<String>) -> Self {
        Error {
            code,
            state,
            message: message.into(),
        }
    }

    pub fn syntax(near: &str) -> Self {
        Error::new(
            1064,
            "42000",
            format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{near}'"),
        )
    }

    pub fn unsupported(what: impl fmt::Display) -> Self {
        Error::new(
            1235,
            "42000",
            format!("This version of moltdb doesn't yet support '{what}'"),
        )
    }

    pub fn unknown_database(db: &str) -> Self {
        Error::new(1049, "42000", format!("Unknown database '{db}'"))
    }

    pub fn no_database() -> Self {
        Error::new(1046, "3D000", "No database selected")
    }

    pub fn unknown_table(db: &str, table: &str) -> Self {
        Error::new(1146, "42S02", format!("Table '{db}.{table}' doesn't exist"))
    }

    pub fn bad_table(table: &str) -> Self {
        Error::new(1051, "42S02", format!("Unknown table '{table}'"))
    }

    pub fn table_exists(table: &str) -> Self {
        Error::new(1050, "42S01", format!("Table '{table}' already exists"))
    }

    pub fn database_exists(db: &str) -> Self {
        Error::new(
            1007,
            "HY000",
            format!("Can't create database '{db}'; database exists"),
        )
    }

    pub fn drop_missing_database(db: &str) -> Self {
        Error::new(
            1008,
            "HY000",
            format!("Can't drop database '{db}'; database doesn't exist"),
        )
    }

    pub fn unknown_column(col: &str, place: &str) -> Self {
        Error::new(
            1054,
            "42S22",
            format!("Unknown column '{col}' in '{place}'"),
        )
    }

    pub fn ambiguous_column(col: &str, place: &str) -> Self {
        Error::new(
            1052,
            "23000",
            format!("Column '{col}' in {place} is ambiguous"),
        )
    }

    pub fn duplicate_key_name(name: &str) -> Self {
        Error::new(1061, "42000", format!("Duplicate key name '{name}'"))
    }

    pub fn duplicate_column(name: &str) -> Self {
        Error::new(1060, "42S21", format!("Duplicate column name '{name}'"))
    }

    pub fn column_not_null(col: &str) -> Self {
        Error::new(1048, "23000", format!("Column '{col}' cannot be null"))
    }

    pub fn no_default(col: &str) -> Self {
        Error::new(
            1364,
            "HY000",
            format!("Field '{col}' doesn't have a default value"),
        )
    }

    pub fn out_of_range(col: &str, row: usize) -> Self {
        Error::new(
            1264,
            "22003",
            format!("Out of range value for column '{col}' at row {row}"),
        )
    }

    pub fn too_long(col: &str, row: usize) -> Self {
        Error::new(
            1406,
            "22001",
            format!("Data too long for column '{col}' at row {row}"),
        )
    }

    pub fn incorrect_value(type_name: &str, value: &str, col: &str, row: usize) -> Self {
        let (code, state) = if matches!(type_name, "date" | "datetime" | "timestamp") {
            (1292, "22007")
        } else {
            (1366, "HY000")
        };
        Error::new(
            code,
            state,
            format!("Incorrect {type_name} value: '{value}' for column '{col}' at row {row}"),
        )
    }

    pub fn column_count_mismatch(row: usize) -> Self {
        Error::new(
            1136,
            "21S01",
            format!("Column count doesn't match value count at row {row}"),
        )
    }

    pub fn access_denied(user: &str, host: &str, using_password: bool) -> Self {
        Error::new(
            1045,
            "28000",
            format!(
                "Access denied for user '{user}'@'{host}' (using password: {})",
                if using_password { "YES" } else { "NO" }
            ),
        )
    }

    pub fn write_conflict(start_ts: u64) -> Self {
        Error::new(
            9007,
            "HY000",
            format!("Write conflict, txnStartTS={start_ts}, reason=optimistic [try again later]"),
        )
    }

    pub fn unknown_system_variable(name: &str) -> Self {
        Error::new(1193, "HY000", format!("Unknown system variable '{name}'"))
    }

    pub fn internal(msg: impl fmt::Display) -> Self {
        Error::new(1105, "HY000", msg.to_string())
    }

    pub fn division_by_zero() -> Self {
        Error::new(1365, "22012", "Division by 0")
    }
}

impl From<kv::Error> for Error {
    fn from(e: kv::Error) -> Self {
        match e {
            // The start ts is filled in by the session, which knows it.
            kv::Error::WriteConflict => Error::write_conflict(0),
            kv::Error::Storage(msg) => Error::internal(format!("storage error: {msg}")),
        }
    }
}

impl From<table::Error> for Error {
    fn from(e: table::Error) -> Self {
        match e {
            table::Error::Duplicate {
                entry, key_name, ..
            } => Error::new(
                1062,
                "23000",
                format!("Duplicate entry '{entry}' for key '{key_name}'"),
            ),
            table::Error::Kv(e) => e.into(),
            table::Error::Codec(e) => Error::internal(e),
        }
    }
}

impl From<catalog::MetaError> for Error {
    fn from(e: catalog::MetaError) -> Self {
        match e {
            catalog::MetaError::Kv(e) => e.into(),
            other => Error::internal(other),
        }
    }
}
