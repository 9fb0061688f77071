//! A JSON_TABLE's rows for one document (see `planner::json_table`): a row per value the
//! table's path selects, its columns read by their paths; NESTED PATH columns multiply the
//! row by the values they select (one row of NULLs when none), sibling NESTED PATHs each
//! giving rows of their own with the other's columns NULL, as MySQL does.

use crate::error::{Error, Result};
use crate::sql::functions::json::sql_value;
use crate::sql::planner::json_table::{Column, Fallback, JsonTablePlan};
use crate::types::convert;
use crate::types::json::{self, Json};
use crate::types::{DataType, Value};

type Row = Vec<Value>;

/// The rows for the document `doc` (NULL: none).
pub fn rows(plan: &JsonTablePlan, doc: &Value) -> Result<Vec<Row>> {
    let text = match doc {
        Value::Null => return Ok(Vec::new()),
        v => v.to_string_lossy(),
    };
    let doc = json::parse(text.as_bytes()).map_err(|e| {
        Error::new(
            3141,
            "22032",
            format!(
                "Invalid JSON text in argument 1 to function json_table: \"{}\" at position {}.",
                e.message, e.position
            ),
        )
    })?;
    let mut out = Vec::new();
    for (i, node) in plan.path.select(&doc).into_iter().enumerate() {
        out.extend(level(&plan.columns, 0, node, i + 1, plan.width)?);
    }
    Ok(out)
}

/// The rows `columns` (whose first output column is `first`) make of `node`, the
/// `ordinal`th value of its path.
fn level(
    columns: &[Column],
    first: usize,
    node: &Json,
    ordinal: usize,
    width: usize,
) -> Result<Vec<Row>> {
    let mut base = vec![Value::Null; width];
    let mut slot = first;
    let mut nested: Vec<(usize, usize, Vec<Row>)> = Vec::new();
    for c in columns {
        match c {
            Column::Ordinality => {
                base[slot] = Value::Int(ordinal as i64);
                slot += 1;
            }
            Column::Value { .. } => {
                base[slot] = value(c, node)?;
                slot += 1;
            }
            Column::Nested { path, columns } => {
                let start = slot;
                let mut rows = Vec::new();
                for (i, child) in path.select(node).into_iter().enumerate() {
                    rows.extend(level(columns, start, child, i + 1, width)?);
                }
                slot += count(columns);
                nested.push((start, slot, rows));
            }
        }
    }
    if nested.iter().all(|(_, _, rows)| rows.is_empty()) {
        return Ok(vec![base]);
    }
    let mut out = Vec::new();
    for (start, end, rows) in nested {
        for r in rows {
            let mut row = base.clone();
            row[start..end].clone_from_slice(&r[start..end]);
            out.push(row);
        }
    }
    Ok(out)
}

fn count(columns: &[Column]) -> usize {
    columns
        .iter()
        .map(|c| match c {
            Column::Nested { columns, .. } => count(columns),
            _ => 1,
        })
        .sum()
}

/// A value column's value in `node`.
fn value(c: &Column, node: &Json) -> Result<Value> {
    let Column::Value {
        name,
        ty,
        path,
        exists,
        on_empty,
        on_error,
    } = c
    else {
        return Ok(Value::Null);
    };
    let found = path.select(node);
    if *exists {
        return Ok(Value::Int(i64::from(!found.is_empty())));
    }
    let found = match found.as_slice() {
        [] => {
            return match on_empty {
                Fallback::Null => Ok(Value::Null),
                Fallback::Default(v) => stored(name, ty, v),
                Fallback::Error => Err(Error::new(
                    3665,
                    "22035",
                    format!("Missing value for JSON_TABLE column '{name}'"),
                )),
            };
        }
        [one] => *one,
        _ => return fail(name, ty, on_error, "more than one value"),
    };
    let v = match found {
        Json::Null => return Ok(Value::Null),
        Json::Array(_) | Json::Object(_) if *ty != DataType::Json => {
            return fail(name, ty, on_error, "an array or an object")
        }
        other if *ty == DataType::Json => Value::Bytes(json::to_text(other).into_bytes()),
        other => sql_value(other),
    };
    match convert::to_column_type(&v, ty) {
        Ok(v) => Ok(v),
        Err(_) => fail(name, ty, on_error, "a value that does not fit"),
    }
}

/// ON ERROR: NULL, the default, or the error.
fn fail(name: &str, ty: &DataType, on_error: &Fallback, what: &str) -> Result<Value> {
    match on_error {
        Fallback::Null => Ok(Value::Null),
        Fallback::Default(v) => stored(name, ty, v),
        Fallback::Error => Err(Error::new(
            3666,
            "22003",
            format!("JSON_TABLE column '{name}' cannot hold {what}"),
        )),
    }
}

/// A DEFAULT of ON EMPTY / ON ERROR, as the column's type.
fn stored(name: &str, ty: &DataType, v: &Value) -> Result<Value> {
    convert::to_column_type(v, ty).map_err(|_| Error::out_of_range(name, 1))
}
