//! Conditions on a table's rows that a DDL job must check but only the SQL layer can
//! evaluate: a CHECK constraint's expression, checked against the rows already there when
//! the constraint is added or enforced again. The DDL layer knows only this trait; the SQL
//! layer's implementation is installed when the node starts (`node`, above both), so no
//! job reaches upward.

use std::sync::OnceLock;

use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub trait RowConditions: Send + Sync {
    /// Whether some row of `table` (in database `db`, read through `txn`) makes
    /// `condition` (SQL text over the table's columns) false; NULL is not false.
    fn any_false(
        &self,
        txn: &dyn Transaction,
        db: &str,
        table: &TableInfo,
        condition: &str,
    ) -> Result<bool>;
}

static INSTALLED: OnceLock<Box<dyn RowConditions>> = OnceLock::new();

/// Makes `conditions` the evaluator jobs use (the first one installed stays).
pub fn install(conditions: Box<dyn RowConditions>) {
    let _ = INSTALLED.set(conditions);
}

pub(crate) fn installed() -> Result<&'static dyn RowConditions> {
    INSTALLED
        .get()
        .map(|c| c.as_ref())
        .ok_or_else(|| Error::internal("no evaluator of row conditions is installed"))
}
