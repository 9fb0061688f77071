//! How a statement's row writes reach `table::foreign_key`: the tables a constraint names,
//! resolved as the statement resolves its own (through the transaction's metadata lock,
//! so a cascade holds the child tables it writes like the statement holds its target),
//! and `foreign_key_checks`.

use std::sync::Arc;

use super::super::context::Context;
use crate::catalog::{InfoSchema, TableInfo};
use crate::domain::{Domain, SchemaPin};
use crate::error::Result;
use crate::table::foreign_key::{Tables, Writer};

/// The tables one statement sees, by name. Holds what it needs of the [`Context`] by
/// value, so the statement keeps its context free to change (warnings, ids).
pub struct StatementTables<'a> {
    domain: &'a Domain,
    schema: Arc<InfoSchema>,
    pin: Option<Arc<SchemaPin>>,
    checks: bool,
}

impl<'a> StatementTables<'a> {
    pub fn of(ctx: &Context<'a>) -> StatementTables<'a> {
        StatementTables {
            domain: ctx.domain,
            schema: ctx.schema.clone(),
            pin: ctx.pin.clone(),
            checks: foreign_key_checks(ctx),
        }
    }

    /// The statement's writer: rows written through it keep their foreign keys.
    pub fn writer(&self) -> Writer<'_> {
        Writer::new(self, self.checks)
    }
}

impl Tables for StatementTables<'_> {
    fn table(&self, db: &str, name: &str) -> Result<Option<Arc<TableInfo>>> {
        match &self.pin {
            Some(pin) => pin.table(db, name),
            None => Ok(self.schema.table(db, name).cloned()),
        }
    }

    /// Read from the node's newest schema: a constraint added since the transaction
    /// began is enforced from then on.
    fn referencing(&self, db: &str, name: &str) -> Result<Vec<(String, Arc<TableInfo>)>> {
        let newest = self.domain.catalog.snapshot();
        let mut found = Vec::new();
        for (child_db, child) in newest.referencing(db, name) {
            if let Some(info) = self.table(child_db, child)? {
                found.push((child_db.clone(), info));
            }
        }
        Ok(found)
    }
}

/// The session's `foreign_key_checks` (on unless the session or the server turned it off).
pub fn foreign_key_checks(ctx: &Context) -> bool {
    ctx.session
        .system_variable("foreign_key_checks", false)
        .map_or(true, |v| v.truth() != Some(false))
}
