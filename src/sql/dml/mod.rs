//! INSERT, UPDATE and DELETE, and the value checks they share.

pub mod checks;
pub mod delete;
pub mod foreign_keys;
pub mod generated;
pub mod insert;
pub mod multi_table;
pub mod row_evaluator;
pub mod rules;
pub mod update;

use sqlparser::ast;

use super::context::Context;
use crate::catalog::{ColumnInfo, DefaultValue};
use crate::error::{Error, Result};
use crate::sql::functions;
use crate::sql::session_context::SessionContext;
use crate::types::convert::{self, implicit_default, ConvertError};
use crate::types::{DataType, Value};

/// Converts a value for storage in `col`, applying strict mode: in strict mode a value that
/// does not fit is an error; otherwise it is clamped with a warning. `ignore` (INSERT IGNORE,
/// UPDATE IGNORE) downgrades errors to warnings as non-strict mode does. A division by zero
/// while computing the statement's values is error 1365 in strict mode with
/// ERROR_FOR_DIVISION_BY_ZERO (the value stays NULL with the warning otherwise).
pub fn store_value(
    ctx: &mut Context,
    col: &ColumnInfo,
    v: Value,
    row: usize,
    ignore: bool,
) -> Result<Value> {
    if col.change.is_some() {
        // A MODIFY COLUMN's hidden column: the table computes it from the row.
        return Ok(v);
    }
    let refuse_division = ctx.strict && ctx.division_by_zero_error && !ignore;
    if refuse_division && functions::raised(functions::DIVISION_BY_ZERO) {
        return Err(functions::division_by_zero());
    }
    if v.is_null() {
        if col.nullable {
            return Ok(Value::Null);
        }
        let err = Error::column_not_null(&col.name);
        if ctx.strict && !ignore {
            return Err(err);
        }
        ctx.warn(&err);
        return Ok(implicit_default(&col.ty));
    }
    match convert::to_column_type(&v, &col.ty) {
        Ok(v) => Ok(v),
        // Not JSON is an error in every sql_mode.
        Err(ConvertError::InvalidJson { message, position }) => {
            Err(Error::invalid_json_text(message, position, &col.name))
        }
        Err(e) => {
            let err = match &e {
                ConvertError::OutOfRange { .. } | ConvertError::InvalidJson { .. } => {
                    Error::out_of_range(&col.name, row)
                }
                ConvertError::TooLong { .. } => Error::too_long(&col.name, row),
                ConvertError::Truncated { .. } => Error::truncated(&col.name, row),
                ConvertError::Incorrect {
                    type_name, value, ..
                } => Error::incorrect_value(type_name, value, &col.name, row),
            };
            if ctx.strict && !ignore {
                return Err(err);
            }
            // Non-strict truncation of strings is reported as 1265, as MySQL does.
            let err = match e {
                ConvertError::TooLong { .. } => Error::truncated(&col.name, row),
                _ => err,
            };
            ctx.warn(&err);
            Ok(e.clamped())
        }
    }
}

/// `ON UPDATE CURRENT_TIMESTAMP`: when an UPDATE (or ON DUPLICATE KEY UPDATE) changes a
/// row, each such column the statement did not assign takes the current time, as in MySQL.
pub fn touch_on_update(
    ctx: &mut Context,
    columns: &[ColumnInfo],
    old: &[Value],
    new: &mut [Value],
    assigned: &dyn Fn(usize) -> bool,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    for (i, col) in columns.iter().enumerate() {
        if col.on_update_current_timestamp && !assigned(i) && i < new.len() {
            let now = Value::DateTime(ctx.session.now());
            new[i] = store_value(ctx, col, now, 1, false)?;
        }
    }
    Ok(())
}

/// The value of a column the statement did not give.
pub fn default_value(ctx: &mut Context, col: &ColumnInfo, ignore: bool) -> Result<Value> {
    if col.change.is_some() {
        // A MODIFY COLUMN's hidden column: the table computes it from the row.
        return Ok(Value::Null);
    }
    match &col.default {
        Some(DefaultValue::Literal(s)) => {
            convert::from_stored_text(s, &col.ty).map_err(|_| Error::internal("bad default"))
        }
        Some(DefaultValue::CurrentTimestamp) => Ok(Value::DateTime(ctx.session.now())),
        Some(DefaultValue::Null) => Ok(Value::Null),
        None if (col.nullable && !col.no_default) || col.auto_increment => Ok(Value::Null),
        // An ENUM NOT NULL without a default takes its first member, in every sql_mode.
        None if !col.nullable && matches!(col.ty, DataType::Enum { .. }) => {
            Ok(implicit_default(&col.ty))
        }
        None => {
            let err = Error::no_default(&col.name);
            if ctx.strict && !ignore {
                return Err(err);
            }
            ctx.warn(&err);
            Ok(match col.nullable {
                true => Value::Null,
                false => implicit_default(&col.ty),
            })
        }
    }
}

/// The value existing rows get for a column added by ADD COLUMN: its default, or for a NOT
/// NULL column without one the type's implicit default (as MySQL fills it).
pub fn origin_default_text(
    session: &dyn SessionContext,
    col: &ColumnInfo,
) -> Result<Option<String>> {
    Ok(match &col.default {
        Some(DefaultValue::Literal(s)) => Some(s.clone()),
        Some(DefaultValue::CurrentTimestamp) => Some(Value::DateTime(session.now()).to_string()),
        Some(DefaultValue::Null) => None,
        None if col.nullable => None,
        None => Some(convert::stored_text(&implicit_default(&col.ty), &col.ty)),
    })
}

/// True for the bare keyword DEFAULT where a value may stand.
pub fn is_default_keyword(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

/// The column an assignment target names.
pub fn assignment_column(target: &ast::AssignmentTarget) -> Result<String> {
    match target {
        ast::AssignmentTarget::ColumnName(name) => name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone())
            .ok_or_else(|| Error::syntax(&name.to_string())),
        ast::AssignmentTarget::Tuple(_) => Err(Error::unsupported("tuple assignment")),
    }
}
