//! Expressions over a table's rows that DDL jobs and imports must evaluate but only the SQL
//! layer can compile: a CHECK constraint's condition, checked against the rows already there
//! when the constraint is added or enforced again, and against each row IMPORT INTO writes;
//! a generated column's expression, computed for the rows already there when the column is
//! added, and for each imported row. The layers below SQL know only this trait; the SQL
//! layer's implementation is installed when the node starts (`node`, above all of them), so
//! nothing reaches upward.

use std::sync::OnceLock;

use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::types::Value;

/// A generated column's value for a row (its handle, and one value per table column).
pub type ColumnValue = Box<dyn Fn(i64, &[Value]) -> Result<Value> + Send + Sync>;

/// A table's enforced CHECK constraints as one test of a row (its handle, and one value per
/// table column): 3819 for the first constraint the row violates.
pub type RowCheck = Box<dyn Fn(i64, &[Value]) -> Result<()> + Send + Sync>;

pub trait RowExpressions: Send + Sync {
    /// Whether some row of `table` (in database `db`, read through `txn`) makes
    /// `condition` (SQL text over the table's columns) false; NULL is not false.
    fn any_false(
        &self,
        txn: &dyn Transaction,
        db: &str,
        table: &TableInfo,
        condition: &str,
    ) -> Result<bool>;

    /// The value of generated column `column` (an offset in `table.columns`) for a row,
    /// converted to the column's type (an error where it does not fit).
    fn generated(&self, db: &str, table: &TableInfo, column: usize) -> Result<ColumnValue>;

    /// The test of `table`'s enforced CHECK constraints; `None` when it has none.
    fn row_check(&self, db: &str, table: &TableInfo) -> Result<Option<RowCheck>>;
}

static INSTALLED: OnceLock<Box<dyn RowExpressions>> = OnceLock::new();

/// Makes `expressions` the evaluator jobs use (the first one installed stays).
pub fn install(expressions: Box<dyn RowExpressions>) {
    let _ = INSTALLED.set(expressions);
}

pub(crate) fn installed() -> Result<&'static dyn RowExpressions> {
    INSTALLED
        .get()
        .map(|c| c.as_ref())
        .ok_or_else(|| Error::internal("no evaluator of row expressions is installed"))
}
