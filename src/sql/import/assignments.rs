//! The `SET col = expr` of IMPORT INTO and LOAD DATA. IMPORT INTO's expressions see the
//! `@variables` of the column list only, checked as TiDB checks them (no column
//! references, subqueries, system variables or variables from outside the statement;
//! errors name the assignment's index), and are bound so that the import's encoders, on
//! whichever node, evaluate them per row. LOAD DATA's may also name the table's columns (the
//! row's values as read), as MySQL's may.

use std::ops::ControlFlow;

use crate::sql::dialect::MySql;
use sqlparser::ast::{self, visit_expressions, visit_expressions_mut};
use sqlparser::parser::Parser;

use super::super::planner::binder::Binder;
use super::super::planner::scope::{Scope, ScopeColumn};
use crate::error::{Error, Result};
use crate::import::Assignments;
use crate::sql::session_context::NoSession;
use crate::types::{DataType, Value};

fn not_supported(what: &str, index: usize) -> Error {
    Error::new(
        1105,
        "HY000",
        format!("{what} is not supported in IMPORT INTO column assignment, index {index}"),
    )
}

/// Checks assignment `index`'s expression against the variables `vars` of the column list
/// and the `columns` it may name (LOAD DATA's; `None` for IMPORT INTO).
fn check(
    expr: &ast::Expr,
    index: usize,
    vars: &[String],
    columns: Option<&[String]>,
) -> Result<()> {
    let found = visit_expressions(expr, |e| {
        let error = match e {
            ast::Expr::Identifier(id) => match id.value.strip_prefix('@') {
                Some(sys) if sys.starts_with('@') => Some(not_supported("system variable", index)),
                // LOAD DATA reads other user variables as NULL.
                Some(_) if columns.is_some() => None,
                Some(var) if !vars.iter().any(|v| v.eq_ignore_ascii_case(var)) => {
                    Some(Error::new(
                        1105,
                        "HY000",
                        format!("column assignment cannot use variables set outside IMPORT INTO statement, index {index}"),
                    ))
                }
                Some(_) => None,
                None => match columns {
                    Some(columns) if columns.iter().any(|c| c.eq_ignore_ascii_case(&id.value)) => {
                        None
                    }
                    Some(_) => Some(Error::unknown_column(&id.value, "field list")),
                    None => Some(not_supported("COLUMN reference", index)),
                },
            },
            ast::Expr::CompoundIdentifier(ids) => Some(
                if ids.first().is_some_and(|i| i.value.starts_with("@@")) {
                    not_supported("system variable", index)
                } else {
                    not_supported("COLUMN reference", index)
                },
            ),
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                Some(not_supported("subquery", index))
            }
            ast::Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                matches!(name.as_str(), "default" | "values" | "grouping")
                    .then(|| not_supported(&format!("FUNCTION {name}"), index))
            }
            _ => None,
        };
        match error {
            Some(e) => ControlFlow::Break(e),
            None => ControlFlow::Continue(()),
        }
    });
    match found {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// IMPORT INTO's assignments: the expressions `exprs` (SQL text) compiled over the column
/// list's variables `vars`; the result maps a row's variable values (in `vars` order) to
/// one value per expression.
pub fn compile(vars: &[String], exprs: &[String]) -> Result<Assignments> {
    build(vars, None, exprs)
}

/// LOAD DATA's assignments: as [`compile`], over the variables and then the table's
/// `columns` (the row handed to the result holds both, in that order).
pub fn compile_for_load_data(
    vars: &[String],
    columns: &[String],
    exprs: &[String],
) -> Result<Assignments> {
    build(vars, Some(columns), exprs)
}

/// The scope name of variable `v`: no column can be named so (a NUL byte first), nor can
/// the binder take it for a variable (no `@` first).
fn var_name(v: &str) -> String {
    format!("\u{0}@{}", v.to_ascii_lowercase())
}

fn build(vars: &[String], columns: Option<&[String]>, exprs: &[String]) -> Result<Assignments> {
    let text = DataType::text(u32::MAX);
    let names = vars
        .iter()
        .map(|v| var_name(v))
        .chain(columns.unwrap_or_default().iter().cloned());
    let scope = Scope {
        columns: names
            .map(|name| ScopeColumn {
                table: String::new(),
                name,
                ty: text.clone(),
            })
            .collect(),
        outer: None,
        qualified_only: Vec::new(),
    };
    let mut bound = Vec::with_capacity(exprs.len());
    for (index, text) in exprs.iter().enumerate() {
        let mut expr = Parser::new(&MySql)
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|_| Error::syntax(text))?;
        check(&expr, index, vars, columns)?;
        // A variable of the column list becomes its scope column; others stay variables.
        let _ = visit_expressions_mut(&mut expr, |e| {
            if let ast::Expr::Identifier(id) = e {
                if let Some(var) = id.value.strip_prefix('@') {
                    if vars.iter().any(|v| v.eq_ignore_ascii_case(var)) {
                        id.value = var_name(var);
                    }
                }
            }
            ControlFlow::<()>::Continue(())
        });
        bound.push(Binder::new(&scope, &NoSession, "field list").bind(&expr)?);
    }
    Ok(Box::new(move |vars: &[Value]| {
        bound.iter().map(|e| e.eval(vars)).collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(expr: &str) -> String {
        match compile(&["b".into()], &[expr.into()]) {
            Ok(_) => String::new(),
            Err(e) => e.message(),
        }
    }

    #[test]
    fn assignments_are_checked_as_tidb_checks_them() {
        assert_eq!(error("@b + 1"), "");
        assert_eq!(error("concat(@B, 'x')"), "");
        assert_eq!(
            error("a + 1"),
            "COLUMN reference is not supported in IMPORT INTO column assignment, index 0"
        );
        assert_eq!(
            error("(select 1)"),
            "subquery is not supported in IMPORT INTO column assignment, index 0"
        );
        assert_eq!(
            error("@@sql_mode"),
            "system variable is not supported in IMPORT INTO column assignment, index 0"
        );
        assert_eq!(
            error("@c"),
            "column assignment cannot use variables set outside IMPORT INTO statement, index 0"
        );
    }

    #[test]
    fn load_data_assignments_see_columns_too() {
        let f = compile_for_load_data(
            &["a".into()],
            &["a".into(), "b".into()],
            &["concat(@a, b, a)".into(), "@elsewhere".into()],
        )
        .unwrap();
        let out = f(&[Value::str("v"), Value::str("col-a"), Value::str("col-b")]).unwrap();
        assert_eq!(out[0], Value::str("vcol-bcol-a"));
        assert_eq!(out[1], Value::Null);
        let e = compile_for_load_data(&[], &["a".into()], &["zz".into()])
            .err()
            .unwrap();
        assert_eq!(e.code(), 1054);
    }

    #[test]
    fn assignments_evaluate_per_row() {
        let f = compile(
            &["x".into(), "y".into()],
            &["@x * 2".into(), "concat(@y, '!')".into()],
        )
        .unwrap();
        let out = f(&[Value::str("21"), Value::str("hi")]).unwrap();
        assert_eq!(out[1], Value::str("hi!"));
        assert_eq!(out[0].to_string(), "42");
    }
}
