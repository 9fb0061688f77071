//! The SQL layer's side of [`RowExpressions`]: DDL jobs check a new CHECK constraint
//! against the rows already in a table, and compute an added generated column for them;
//! IMPORT INTO computes the generated columns of the rows it writes and checks them against
//! the table's constraints. Expressions are bound here, outside any session (installed by
//! `node`).

use std::sync::Arc;

use super::checks::RowChecks;
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::dialect::MySql;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::select::Source;
use crate::sql::session_context::NoSession;
use crate::table::row_expressions::{ColumnValue, RowCheck, RowExpressions};
use crate::table::{HandleRange, Table};
use crate::types::convert::{self, ConvertError};

pub struct RowEvaluator;

/// `text` (SQL over `source`'s columns) parsed and bound; `what` names it in errors.
fn bind(source: &Source, text: &str, what: &'static str) -> Result<Expr> {
    let parsed = sqlparser::parser::Parser::new(&MySql)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| Error::internal(format!("{what}: {e}")))?;
    Binder::new(&source.scope, &NoSession, what).bind(&parsed)
}

impl RowExpressions for RowEvaluator {
    fn any_false(
        &self,
        txn: &dyn Transaction,
        db: &str,
        table: &TableInfo,
        condition: &str,
    ) -> Result<bool> {
        let info = Arc::new(table.clone());
        let source = Source::new(db.to_string(), info.clone(), None);
        let cond = bind(&source, condition, "check constraint")?;
        let (mut found, mut failed) = (false, None);
        Table::new(info).scan_rows(txn, &HandleRange::all(), false, |handle, row| {
            match cond.eval(&source.scope_row(handle, &row)) {
                Ok(v) => found = v.truth() == Some(false),
                Err(e) => failed = Some(e),
            }
            Ok(!found && failed.is_none())
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// In strict mode's terms: a value that does not fit the column fails the job.
    fn generated(&self, db: &str, table: &TableInfo, column: usize) -> Result<ColumnValue> {
        let col = table
            .columns
            .get(column)
            .ok_or_else(|| Error::internal("the generated column vanished"))?
            .clone();
        let expr_text = col
            .generated
            .as_ref()
            .ok_or_else(|| Error::internal("the column is not generated"))?
            .expr
            .clone();
        let source = Source::new(db.to_string(), Arc::new(table.clone()), None);
        let expr = bind(&source, &expr_text, "generated column function")?;
        Ok(Box::new(move |handle, row| {
            let v = expr.eval(&source.scope_row(handle, row))?;
            if v.is_null() {
                return match col.nullable {
                    true => Ok(v),
                    false => Err(Error::column_not_null(&col.name)),
                };
            }
            convert::to_column_type(&v, &col.ty).map_err(|e| match e {
                ConvertError::TooLong { .. } => Error::too_long(&col.name, 1),
                ConvertError::Truncated { .. } => Error::truncated(&col.name, 1),
                ConvertError::Incorrect {
                    type_name, value, ..
                } => Error::incorrect_value(type_name, &value, &col.name, 1),
                _ => Error::out_of_range(&col.name, 1),
            })
        }))
    }

    fn row_check(&self, db: &str, table: &TableInfo) -> Result<Option<RowCheck>> {
        let checks = RowChecks::bound(&NoSession, db, &Arc::new(table.clone()))?;
        Ok(checks.map(|c| -> RowCheck { Box::new(move |handle, row| c.verify(handle, row)) }))
    }
}
