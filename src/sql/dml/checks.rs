//! CHECK constraints on the rows INSERT and UPDATE write: each enforced constraint's
//! condition, bound once per statement over the table's columns, must not be false for a
//! row (NULL passes), else 3819.

use std::sync::Arc;

use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::sql::dialect::MySql;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::select::Source;
use crate::sql::session_context::SessionContext;
use crate::types::Value;

/// A table's enforced CHECK constraints, bound for one statement.
pub struct RowChecks {
    source: Source,
    checks: Vec<(String, Expr)>,
}

impl RowChecks {
    /// The constraints bound for `session` (or for no session, outside a statement);
    /// `None` when the table has no enforced constraint: nothing to check.
    pub fn bound(
        session: &dyn SessionContext,
        db: &str,
        info: &Arc<TableInfo>,
    ) -> Result<Option<RowChecks>> {
        let enforced: Vec<_> = info.checks.iter().filter(|c| c.enforced).collect();
        if enforced.is_empty() {
            return Ok(None);
        }
        let source = Source::new(db.to_string(), info.clone(), None);
        let binder = Binder::new(&source.scope, session, "check constraint");
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
        let scope_row = self.source.scope_row(handle, row);
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
