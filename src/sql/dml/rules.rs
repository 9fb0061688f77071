//! What a row INSERT or UPDATE writes must satisfy beyond its column types: its generated
//! columns computed from the rest of it, then its CHECK constraints, both bound once per
//! statement and table.

use std::sync::Arc;

use super::checks::RowChecks;
use super::generated::GeneratedColumns;
use crate::catalog::TableInfo;
use crate::error::Result;
use crate::sql::context::Context;
use crate::types::Value;

pub struct RowRules {
    info: Arc<TableInfo>,
    generated: Option<GeneratedColumns>,
    checks: Option<RowChecks>,
}

impl RowRules {
    pub fn of(ctx: &Context, db: &str, info: &Arc<TableInfo>) -> Result<RowRules> {
        Ok(RowRules {
            info: info.clone(),
            generated: GeneratedColumns::of(ctx, db, info)?,
            checks: RowChecks::bound(ctx.session, db, info)?,
        })
    }

    /// Computes the generated columns of a full table row.
    pub fn generate(
        &self,
        ctx: &mut Context,
        row: &mut [Value],
        row_no: usize,
        ignore: bool,
    ) -> Result<()> {
        match &self.generated {
            Some(g) => g.fill(ctx, row, row_no, ignore),
            None => Ok(()),
        }
    }

    /// 3819 if the row violates an enforced CHECK constraint.
    pub fn check(&self, handle: i64, row: &[Value]) -> Result<()> {
        match &self.checks {
            Some(c) => c.verify(handle, row),
            None => Ok(()),
        }
    }

    /// An updated row (UPDATE, ON DUPLICATE KEY UPDATE) once its assignments are made: ON
    /// UPDATE CURRENT_TIMESTAMP columns not `assigned` touched, generated columns computed,
    /// then checked if it changed. Returns whether it changed (and so is to be written).
    pub fn updated(
        &self,
        ctx: &mut Context,
        (handle, old, new): (i64, &[Value], &mut [Value]),
        assigned: &dyn Fn(usize) -> bool,
        row_no: usize,
    ) -> Result<bool> {
        super::touch_on_update(ctx, &self.info.columns, old, new, assigned)?;
        self.generate(ctx, new, row_no, false)?;
        if new == old {
            return Ok(false);
        }
        self.check(handle, new)?;
        Ok(true)
    }
}
