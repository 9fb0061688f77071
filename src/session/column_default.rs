//! `ALTER TABLE t ALTER [COLUMN] c {SET DEFAULT v | DROP DEFAULT}`: a `set default value`
//! job (TiDB's `ActionSetDefaultValue`) that changes the column's metadata only. DROP
//! DEFAULT leaves the column without any default, even a nullable one, as MySQL and TiDB
//! do: an INSERT that leaves it out then fails with 1364 in strict mode.

use sqlparser::ast;

use super::alter_table::{public_column, Change};
use super::Session;
use crate::catalog::TableInfo;
use crate::ddl::{Action, JobArgs};
use crate::error::{Error, Result};
use crate::sql::create_table::{default_of, invalid_default};

impl Session {
    pub(super) fn set_default_change(
        &self,
        table: &TableInfo,
        column: &str,
        op: &ast::AlterColumnOperation,
    ) -> Result<Change> {
        let (_, col) = public_column(table, column)?;
        let default = match op {
            ast::AlterColumnOperation::SetDefault { value } => {
                if col.auto_increment || col.generated.is_some() {
                    return Err(invalid_default(&col.name));
                }
                Some(default_of(value, col, &self.state)?)
            }
            ast::AlterColumnOperation::DropDefault => None,
            other => {
                return Err(Error::unsupported(format!(
                    "ALTER TABLE ALTER COLUMN {column} {other}"
                )))
            }
        };
        let column = col.name.clone();
        Ok((
            Action::SetDefaultValue,
            JobArgs::SetDefaultValue { column, default },
        ))
    }
}
