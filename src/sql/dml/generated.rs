//! Generated columns on the rows INSERT and UPDATE write: each one's expression, bound
//! once per statement over the table's columns, gives its value from the row's other
//! columns, in definition order (a generated column may read the ones before it).

use std::sync::Arc;

use super::store_value;
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::sql::context::Context;
use crate::sql::dialect::MySql;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::select::Source;
use crate::types::Value;

pub struct GeneratedColumns {
    source: Source,
    /// (table column, its expression over the scope row).
    columns: Vec<(usize, Expr)>,
}

impl GeneratedColumns {
    /// `None` when the table has no generated column.
    pub fn of(ctx: &Context, db: &str, info: &Arc<TableInfo>) -> Result<Option<GeneratedColumns>> {
        if info.columns.iter().all(|c| c.generated.is_none()) {
            return Ok(None);
        }
        let source = Source::new(db.to_string(), info.clone(), None);
        let binder = Binder::new(&source.scope, ctx.session, "generated column function");
        let mut columns = Vec::new();
        for (i, c) in info.columns.iter().enumerate() {
            let Some(g) = &c.generated else {
                continue;
            };
            let parsed = sqlparser::parser::Parser::new(&MySql)
                .try_with_sql(&g.expr)
                .and_then(|mut p| p.parse_expr())
                .map_err(|e| Error::internal(format!("generated column {}: {e}", c.name)))?;
            columns.push((i, binder.bind(&parsed)?));
        }
        Ok(Some(GeneratedColumns { source, columns }))
    }

    /// Computes every generated column of `row` (a full table row).
    pub fn fill(
        &self,
        ctx: &mut Context,
        row: &mut [Value],
        row_no: usize,
        ignore: bool,
    ) -> Result<()> {
        for (i, expr) in &self.columns {
            let v = expr.eval(&self.source.scope_row(0, row))?;
            let col = &self.source.table.info.columns[*i];
            row[*i] = store_value(ctx, col, v, row_no, ignore)?;
        }
        Ok(())
    }
}

/// 3105: a statement gave a generated column a value other than DEFAULT.
pub fn not_allowed(column: &str, table: &str) -> Error {
    Error::new(
        3105,
        "HY000",
        format!("The value specified for generated column '{column}' in table '{table}' is not allowed."),
    )
}
