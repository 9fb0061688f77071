//! JSON_TABLE(doc, path COLUMNS (...)) AS alias in FROM (MySQL 8.0; TiDB has none): a table
//! function whose rows are the values `path` selects in `doc`, with columns read from each
//! by paths of their own. `doc` may read the tables before it in FROM (it is lateral), so
//! its rows are made again for every row joined to it (`execution::json_table`).

use sqlparser::ast;

use crate::error::{Error, Result};
use crate::sql::expr::Expr;
use crate::sql::result::ResultColumn;
use crate::sql::types::parse_data_type;
use crate::types::json::path::Path;
use crate::types::{DataType, Value};

/// A planned JSON_TABLE.
#[derive(Debug)]
pub struct JsonTablePlan {
    /// The document, bound over the FROM row so far (and the enclosing query's).
    pub doc: Expr,
    pub path: Path,
    pub columns: Vec<Column>,
    /// How many output columns `columns` make (nested ones included).
    pub width: usize,
}

#[derive(Debug)]
pub enum Column {
    /// FOR ORDINALITY: the row's number among its siblings, from 1.
    Ordinality,
    Value {
        name: String,
        ty: DataType,
        path: Path,
        /// EXISTS PATH: 1 if the path selects anything, else 0.
        exists: bool,
        on_empty: Fallback,
        on_error: Fallback,
    },
    /// NESTED PATH: a row per value the path selects under the row's value.
    Nested { path: Path, columns: Vec<Column> },
}

/// What a column holds when its path selects nothing (ON EMPTY) or a value that does not
/// fit (ON ERROR).
#[derive(Debug, Clone)]
pub enum Fallback {
    Null,
    Default(Value),
    Error,
}

/// Plans the columns and paths; `doc` is the document already bound.
pub fn plan(
    doc: Expr,
    path: &ast::ValueWithSpan,
    columns: &[ast::JsonTableColumn],
) -> Result<(JsonTablePlan, Vec<ResultColumn>)> {
    let mut out = Vec::new();
    let columns = plan_columns(columns, &mut out)?;
    let plan = JsonTablePlan {
        doc,
        path: parse_path(path)?,
        columns,
        width: out.len(),
    };
    Ok((plan, out))
}

fn plan_columns(
    columns: &[ast::JsonTableColumn],
    out: &mut Vec<ResultColumn>,
) -> Result<Vec<Column>> {
    let mut planned = Vec::new();
    for c in columns {
        planned.push(match c {
            ast::JsonTableColumn::ForOrdinality(name) => {
                add(
                    out,
                    &name.value,
                    DataType::Int {
                        kind: crate::types::IntKind::Int,
                        unsigned: true,
                    },
                )?;
                Column::Ordinality
            }
            ast::JsonTableColumn::Named(n) => {
                let ty = parse_data_type(&n.r#type, &n.name.value)?;
                add(out, &n.name.value, ty.clone())?;
                Column::Value {
                    name: n.name.value.clone(),
                    ty,
                    path: parse_path(&n.path)?,
                    exists: n.exists,
                    on_empty: fallback(n.on_empty.as_ref()),
                    on_error: fallback(n.on_error.as_ref()),
                }
            }
            ast::JsonTableColumn::Nested(n) => Column::Nested {
                path: parse_path(&n.path)?,
                columns: plan_columns(&n.columns, out)?,
            },
        });
    }
    Ok(planned)
}

/// A column of the table; 1060 for a name it has already.
fn add(out: &mut Vec<ResultColumn>, name: &str, ty: DataType) -> Result<()> {
    if out.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
        return Err(Error::duplicate_column(name));
    }
    out.push(ResultColumn::computed(name, Some(ty)));
    Ok(())
}

fn fallback(f: Option<&ast::JsonTableColumnErrorHandling>) -> Fallback {
    match f {
        None | Some(ast::JsonTableColumnErrorHandling::Null) => Fallback::Null,
        Some(ast::JsonTableColumnErrorHandling::Default(v)) => Fallback::Default(match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => Value::str(s),
            other => Value::str(&other.to_string()),
        }),
        Some(ast::JsonTableColumnErrorHandling::Error) => Fallback::Error,
    }
}

/// A path given as a string literal; 3143 where it does not parse.
fn parse_path(v: &ast::ValueWithSpan) -> Result<Path> {
    let text = match &v.value {
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
        other => return Err(Error::syntax(&other.to_string())),
    };
    crate::sql::functions::json::parse_path(&text)
}
