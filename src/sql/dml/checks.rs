//! CHECK constraints on the rows INSERT and UPDATE write: each enforced constraint's
//! condition, bound once per statement over the table's columns, must not be false for a
//! row (NULL passes), else 3819.

use std::sync::Arc;

use crate::catalog::TableInfo;
use crate::ddl::row_conditions::RowConditions;
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::context::Context;
use crate::sql::dialect::MySql;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::{Binder, NoSession};
use crate::sql::planner::select::Source;
use crate::table::{HandleRange, Table};
use crate::types::Value;

/// A table's enforced CHECK constraints, bound for one statement.
pub struct RowChecks {
    source: Source,
    checks: Vec<(String, Expr)>,
}

impl RowChecks {
    /// `None` when the table has no enforced constraint: nothing to check.
    pub fn of(ctx: &Context, db: &str, info: &Arc<TableInfo>) -> Result<Option<RowChecks>> {
        let enforced: Vec<_> = info.checks.iter().filter(|c| c.enforced).collect();
        if enforced.is_empty() {
            return Ok(None);
        }
        let source = Source::new(db.to_string(), info.clone(), None);
        let binder = Binder::new(&source.scope, ctx.session, "check constraint");
        let mut checks = Vec::new();
        for c in enforced {
            let parsed = sqlparser::parser::Parser::new(&MySql)
                .try_with_sql(&c.expr)
                .and_then(|mut p| p.parse_expr())
                .map_err(|e| Error::internal(format!("check constraint {}: {e}", c.name)))?;
            checks.push((c.name.clone(), binder.bind(&parsed)?));
        }
        Ok(Some(RowChecks { source, checks }))
    }

    /// 3819 for the first constraint `row` (a full table row) violates.
    pub fn verify(&self, handle: i64, row: &[Value]) -> Result<()> {
        let scope_row = self.source.project(handle, row);
        for (name, cond) in &self.checks {
            if cond.eval(&scope_row)?.truth() == Some(false) {
                return Err(Error::new(
                    3819,
                    "HY000",
                    format!("Check constraint '{name}' is violated."),
                ));
            }
        }
        Ok(())
    }
}

/// The SQL layer's evaluator of CHECK conditions for DDL jobs, which check the rows already
/// in a table when ALTER TABLE adds or enforces a constraint (installed by `node`).
pub struct CheckConditions;

impl RowConditions for CheckConditions {
    fn any_false(
        &self,
        txn: &dyn Transaction,
        db: &str,
        table: &TableInfo,
        condition: &str,
    ) -> Result<bool> {
        let info = Arc::new(table.clone());
        let source = Source::new(db.to_string(), info.clone(), None);
        let parsed = sqlparser::parser::Parser::new(&MySql)
            .try_with_sql(condition)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| Error::internal(format!("check constraint: {e}")))?;
        let cond = Binder::new(&source.scope, &NoSession, "check constraint").bind(&parsed)?;
        let (mut found, mut failed) = (false, None);
        Table::new(info).scan_rows(txn, &HandleRange::all(), false, |handle, row| {
            match cond.eval(&source.project(handle, &row)) {
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
}
