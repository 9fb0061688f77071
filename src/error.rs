//! moltdb's error: what went wrong, as one enum every layer above the store returns. The
//! variants callers act on (retry a conflict, stop on an interrupt, fall back when a column
//! is unknown) are named; everything else carries its MySQL code directly (`Mysql`). The
//! code, SQLSTATE and text a client sees are decided here, in `code`, `sqlstate` and
//! `message`, and nowhere else; the wire layer only copies them into the ERR packet.
//!
//! Lower layers keep small errors of their own (`kv::Error`, `table::Error`,
//! `catalog::MetaError`) and convert into this one where they are defined.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Another transaction committed a key this one writes after this one started
    /// (TiDB's 9007). The whole transaction may be retried.
    WriteConflict { start_ts: u64 },
    /// A table this transaction wrote changed its definition by more than one version since
    /// the transaction began (TiDB's 8028).
    SchemaChanged,
    /// The DDL job was cancelled (ADMIN CANCEL DDL JOBS, or KILL of its session).
    Cancelled,
    /// KILL QUERY / KILL CONNECTION stopped the statement.
    Interrupted,
    /// A unique key or the primary key already holds these values.
    Duplicate { entry: String, key_name: String },
    /// A FOREIGN KEY constraint refused a write or a DDL (INSERT IGNORE turns the
    /// row-level ones into warnings).
    ForeignKey(ForeignKeyError),
    /// A column name resolves nowhere in scope; `place` is MySQL's "field list",
    /// "where clause", ...
    UnknownColumn { column: String, place: String },
    /// The statement does not parse; `near` is the text from where it stops making sense,
    /// on `line` when the parser knows it.
    Syntax { near: String, line: Option<usize> },
    /// A feature moltdb does not have (yet).
    Unsupported(String),
    /// A bug or an environment failure (I/O, corrupt records): MySQL's 1105.
    Internal(String),
    /// Any other MySQL error, by code, SQLSTATE and text.
    Mysql {
        code: u16,
        state: &'static str,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ERROR {} ({}): {}",
            self.code(),
            self.sqlstate(),
            self.message()
        )
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The MySQL error code the client sees.
    pub fn code(&self) -> u16 {
        match self {
            Error::WriteConflict { .. } => 9007,
            Error::SchemaChanged => 8028,
            Error::Cancelled => 8214,
            Error::Interrupted => 1317,
            Error::Duplicate { .. } => 1062,
            Error::ForeignKey(e) => e.code(),
            Error::UnknownColumn { .. } => 1054,
            Error::Syntax { .. } => 1064,
            Error::Unsupported(_) => 1235,
            Error::Internal(_) => 1105,
            Error::Mysql { code, .. } => *code,
        }
    }

    /// The SQLSTATE the client sees.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            Error::WriteConflict { .. }
            | Error::SchemaChanged
            | Error::Cancelled
            | Error::Internal(_) => "HY000",
            Error::Interrupted => "70100",
            Error::Duplicate { .. } => "23000",
            Error::ForeignKey(e) => e.sqlstate(),
            Error::UnknownColumn { .. } => "42S22",
            Error::Syntax { .. } | Error::Unsupported(_) => "42000",
            Error::Mysql { state, .. } => state,
        }
    }

    /// The text the client sees.
    pub fn message(&self) -> String {
        match self {
            Error::WriteConflict { start_ts } => format!(
                "Write conflict, txnStartTS={start_ts}, reason=optimistic [try again later]"
            ),
            Error::SchemaChanged => "Information schema is changed during the execution of the statement(for example, table definition may be updated by other DDL ran in parallel). If you see this error often, try increasing `tidb_max_delta_schema_count`. [try again later]".into(),
            Error::Cancelled => "Cancelled DDL job".into(),
            Error::Interrupted => "Query execution was interrupted".into(),
            Error::Duplicate { entry, key_name } => {
                format!("Duplicate entry '{entry}' for key '{key_name}'")
            }
            Error::ForeignKey(e) => e.message(),
            Error::UnknownColumn { column, place } => {
                format!("Unknown column '{column}' in '{place}'")
            }
            Error::Syntax { near, line } => {
                let mut m = format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{near}'");
                if let Some(line) = line {
                    m.push_str(&format!(" at line {line}"));
                }
                m
            }
            Error::Unsupported(what) => {
                format!("This version of moltdb doesn't yet support '{what}'")
            }
            Error::Internal(msg) => msg.clone(),
            Error::Mysql { message, .. } => message.clone(),
        }
    }

    /// Any MySQL error by its code, SQLSTATE and text.
    pub fn new(code: u16, state: &'static str, message: impl Into<String>) -> Self {
        Error::Mysql {
            code,
            state,
            message: message.into(),
        }
    }

    pub fn syntax(near: &str) -> Self {
        Error::Syntax {
            near: near.to_string(),
            line: None,
        }
    }

    pub fn unsupported(what: impl fmt::Display) -> Self {
        Error::Unsupported(what.to_string())
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

    /// TiDB's 8006 for what temporary tables do not take (`admin check table`, ...).
    pub fn unsupported_on_temporary(what: &str) -> Self {
        Error::new(
            8006,
            "HY000",
            format!("`{what}` is unsupported on temporary tables."),
        )
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
        Error::UnknownColumn {
            column: col.to_string(),
            place: place.to_string(),
        }
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

    /// 3822: a CHECK constraint name the table already has.
    pub fn duplicate_check(name: &str) -> Self {
        Error::new(
            3822,
            "HY000",
            format!("Duplicate check constraint name '{name}'."),
        )
    }

    /// 3940: no constraint of that name.
    pub fn no_constraint(name: &str) -> Self {
        Error::new(
            3940,
            "HY000",
            format!("Constraint '{name}' does not exist."),
        )
    }

    pub fn column_not_null(col: &str) -> Self {
        Error::new(1048, "23000", format!("Column '{col}' cannot be null"))
    }

    /// 3522: MySQL keeps a primary key visible.
    pub fn invisible_primary_key() -> Self {
        Error::new(3522, "HY000", "A primary key index cannot be invisible")
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

    /// 1265: a value cut to fit its column (an error in strict mode, else a warning).
    pub fn truncated(col: &str, row: usize) -> Self {
        Error::new(
            1265,
            "01000",
            format!("Data truncated for column '{col}' at row {row}"),
        )
    }

    /// 3140: a JSON column given what is not JSON text.
    pub fn invalid_json_text(message: &str, position: usize, col: &str) -> Self {
        Error::new(
            3140,
            "22032",
            format!(
                "Invalid JSON text: \"{message}\" at position {position} in value for column '{col}'."
            ),
        )
    }

    pub fn incorrect_value(type_name: &str, value: &str, col: &str, row: usize) -> Self {
        let (code, state) = if matches!(type_name, "date" | "datetime" | "timestamp" | "time") {
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

    pub fn unknown_collation(name: &str) -> Self {
        Error::new(1273, "HY000", format!("Unknown collation: '{name}'"))
    }

    /// An account statement that found (or, creating, did not expect) these accounts:
    /// MySQL names them in a list.
    pub fn account_operation_failed(operation: &str, accounts: &str) -> Self {
        Error::new(
            1396,
            "HY000",
            format!("Operation {operation} failed for {accounts}"),
        )
    }

    /// A built-in function called with too few or too many arguments.
    pub fn parameter_count(function: &str) -> Self {
        Error::new(
            1582,
            "42000",
            format!("Incorrect parameter count in the call to native function '{function}'"),
        )
    }

    /// A row of the wrong width where a value (1) or a row of `columns` values belongs.
    pub fn operand_columns(columns: usize) -> Self {
        Error::new(
            1241,
            "21000",
            format!("Operand should contain {columns} column(s)"),
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

    /// 1227: a statement needs a global privilege the account lacks.
    pub fn specific_access_denied(privilege: &str) -> Self {
        Error::new(
            1227,
            "42000",
            format!(
                "Access denied; you need (at least one of) the {privilege} privilege(s) for this operation"
            ),
        )
    }

    /// 1044: the account has no privilege on the database (`account` prints as 'u'@'h').
    pub fn db_access_denied(account: &dyn fmt::Display, db: &str) -> Self {
        Error::new(
            1044,
            "42000",
            format!("Access denied for user {account} to database '{db}'"),
        )
    }

    /// 1142: the account lacks `command`'s privilege on the table.
    pub fn table_access_denied(command: &str, account: &dyn fmt::Display, table: &str) -> Self {
        Error::new(
            1142,
            "42000",
            format!("{command} command denied to user {account} for table '{table}'"),
        )
    }

    pub fn write_conflict(start_ts: u64) -> Self {
        Error::WriteConflict { start_ts }
    }

    pub fn unknown_system_variable(name: &str) -> Self {
        Error::new(1193, "HY000", format!("Unknown system variable '{name}'"))
    }

    pub fn internal(msg: impl fmt::Display) -> Self {
        Error::Internal(msg.to_string())
    }

    pub fn division_by_zero() -> Self {
        Error::new(1365, "22012", "Division by 0")
    }
}

/// The ways a FOREIGN KEY constraint refuses something, with MySQL's codes and texts
/// (TiDB's are the same). `constraint` in the row-level ones is the constraint as
/// `ForeignKeyInfo::describe` spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignKeyError {
    /// A child row's key has no parent row (ER_NO_REFERENCED_ROW_2).
    NoReferencedRow { constraint: String },
    /// A parent row still has child rows under RESTRICT / NO ACTION (ER_ROW_IS_REFERENCED_2).
    RowIsReferenced { constraint: String },
    /// ON DELETE / ON UPDATE CASCADE went more than 15 levels deep (ER_FK_DEPTH_EXCEEDED).
    CascadeDepthExceeded,
    /// DROP TABLE / DROP DATABASE of a parent (ER_FK_CANNOT_DROP_PARENT).
    CannotDropParent {
        table: String,
        constraint: String,
        child: String,
    },
    /// TRUNCATE of a parent (ER_TRUNCATE_ILLEGAL_FK); `constraint` is TiDB's
    /// `` `db`.`child` CONSTRAINT `fk` ``.
    TruncateReferenced { constraint: String },
    /// The referenced columns are neither the primary key nor the leading columns of an
    /// index (ER_FK_NO_INDEX_PARENT).
    MissingParentIndex { constraint: String, table: String },
    /// The referenced table does not exist (ER_FK_CANNOT_OPEN_PARENT).
    CannotOpenParent { table: String },
    /// A referenced column does not exist (ER_FK_NO_COLUMN_PARENT).
    NoParentColumn {
        column: String,
        constraint: String,
        table: String,
    },
    /// Different numbers of columns on the two sides (ER_WRONG_FK_DEF).
    WrongDefinition { constraint: String },
    /// Column types that cannot reference each other (ER_FK_INCOMPATIBLE_COLUMNS).
    IncompatibleColumns {
        column: String,
        ref_column: String,
        constraint: String,
    },
    /// SET NULL on a NOT NULL column (ER_FK_COLUMN_NOT_NULL).
    ColumnNotNull { column: String, constraint: String },
    /// DROP INDEX of the index a foreign key reads (ER_DROP_INDEX_FK).
    IndexNeeded { index: String },
    /// A column referencing itself (ER_CANNOT_ADD_FOREIGN).
    CannotAdd,
    /// DROP COLUMN of a column of one of the table's constraints (ER_FK_COLUMN_CANNOT_DROP).
    ColumnNeeded { column: String, constraint: String },
    /// DROP COLUMN of a column another table's constraint references
    /// (ER_FK_COLUMN_CANNOT_DROP_CHILD).
    ColumnNeededByChild {
        column: String,
        constraint: String,
        table: String,
    },
}

impl ForeignKeyError {
    pub fn code(&self) -> u16 {
        match self {
            ForeignKeyError::NoReferencedRow { .. } => 1452,
            ForeignKeyError::RowIsReferenced { .. } => 1451,
            ForeignKeyError::CascadeDepthExceeded => 3008,
            ForeignKeyError::CannotDropParent { .. } => 3730,
            ForeignKeyError::TruncateReferenced { .. } => 1701,
            ForeignKeyError::MissingParentIndex { .. } => 1822,
            ForeignKeyError::CannotOpenParent { .. } => 1824,
            ForeignKeyError::NoParentColumn { .. } => 3734,
            ForeignKeyError::WrongDefinition { .. } => 1239,
            ForeignKeyError::IncompatibleColumns { .. } => 3780,
            ForeignKeyError::ColumnNotNull { .. } => 1830,
            ForeignKeyError::IndexNeeded { .. } => 1553,
            ForeignKeyError::CannotAdd => 1215,
            ForeignKeyError::ColumnNeeded { .. } => 1828,
            ForeignKeyError::ColumnNeededByChild { .. } => 1829,
        }
    }

    pub fn sqlstate(&self) -> &'static str {
        match self {
            ForeignKeyError::NoReferencedRow { .. } | ForeignKeyError::RowIsReferenced { .. } => {
                "23000"
            }
            ForeignKeyError::TruncateReferenced { .. }
            | ForeignKeyError::WrongDefinition { .. } => "42000",
            _ => "HY000",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ForeignKeyError::NoReferencedRow { constraint } => format!(
                "Cannot add or update a child row: a foreign key constraint fails ({constraint})"
            ),
            ForeignKeyError::RowIsReferenced { constraint } => format!(
                "Cannot delete or update a parent row: a foreign key constraint fails ({constraint})"
            ),
            ForeignKeyError::CascadeDepthExceeded => {
                "Foreign key cascade delete/update exceeds max depth of 15.".into()
            }
            ForeignKeyError::CannotDropParent {
                table,
                constraint,
                child,
            } => format!(
                "Cannot drop table '{table}' referenced by a foreign key constraint '{constraint}' on table '{child}'."
            ),
            ForeignKeyError::TruncateReferenced { constraint } => format!(
                "Cannot truncate a table referenced in a foreign key constraint ({constraint})"
            ),
            ForeignKeyError::MissingParentIndex { constraint, table } => format!(
                "Failed to add the foreign key constraint. Missing index for constraint '{constraint}' in the referenced table '{table}'"
            ),
            ForeignKeyError::CannotOpenParent { table } => {
                format!("Failed to open the referenced table '{table}'")
            }
            ForeignKeyError::NoParentColumn {
                column,
                constraint,
                table,
            } => format!(
                "Failed to add the foreign key constraint. Missing column '{column}' for constraint '{constraint}' in the referenced table '{table}'"
            ),
            ForeignKeyError::WrongDefinition { constraint } => format!(
                "Incorrect foreign key definition for '{constraint}': Key reference and table reference don't match"
            ),
            ForeignKeyError::IncompatibleColumns {
                column,
                ref_column,
                constraint,
            } => format!(
                "Referencing column '{column}' and referenced column '{ref_column}' in foreign key constraint '{constraint}' are incompatible."
            ),
            ForeignKeyError::ColumnNotNull { column, constraint } => format!(
                "Column '{column}' cannot be NOT NULL: needed in a foreign key constraint '{constraint}' SET NULL"
            ),
            ForeignKeyError::IndexNeeded { index } => {
                format!("Cannot drop index '{index}': needed in a foreign key constraint")
            }
            ForeignKeyError::CannotAdd => "Cannot add foreign key constraint".into(),
            ForeignKeyError::ColumnNeeded { column, constraint } => format!(
                "Cannot drop column '{column}': needed in a foreign key constraint '{constraint}'"
            ),
            ForeignKeyError::ColumnNeededByChild {
                column,
                constraint,
                table,
            } => format!(
                "Cannot drop column '{column}': needed in a foreign key constraint '{constraint}' of table '{table}'"
            ),
        }
    }
}

impl From<ForeignKeyError> for Error {
    fn from(e: ForeignKeyError) -> Self {
        Error::ForeignKey(e)
    }
}

/// An error kept in the store: what a failed DDL job or backend task returns to the
/// statement waiting for it, possibly on another node or after a restart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedError {
    pub code: u16,
    pub state: String,
    pub message: String,
}

impl From<&Error> for SavedError {
    fn from(e: &Error) -> Self {
        SavedError {
            code: e.code(),
            state: e.sqlstate().to_string(),
            message: e.message(),
        }
    }
}

impl SavedError {
    pub fn to_error(&self) -> Error {
        let state: &'static str = match self.state.as_str() {
            "23000" => "23000",
            "01000" => "01000",
            "42000" => "42000",
            "42S02" => "42S02",
            "42S01" => "42S01",
            "42S21" => "42S21",
            "42S22" => "42S22",
            // A value a reorganization could not store (ADD COLUMN of a generated column,
            // MODIFY COLUMN), a NULL under ADD PRIMARY KEY, not JSON.
            "22001" => "22001",
            "22003" => "22003",
            "22004" => "22004",
            "22007" => "22007",
            "22032" => "22032",
            _ => "HY000",
        };
        Error::new(self.code, state, self.message.clone())
    }
}
