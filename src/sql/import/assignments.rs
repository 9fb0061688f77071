//! IMPORT INTO's `SET col = expr`: expressions over the `@variables` of the column list,
//! checked here as TiDB checks them (no column references, subqueries, system variables or
//! variables from outside the statement; errors name the assignment's index) and bound so
//! that the import's encoders, on whichever node, evaluate them per row.

use std::ops::ControlFlow;

use sqlparser::ast::{self, visit_expressions, visit_expressions_mut};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::super::planner::binder::{Binder, Scope, ScopeColumn, SessionContext};
use crate::error::{Error, Result};
use crate::import::Assignments;
use crate::types::{DataType, Value};

fn not_supported(what: &str, index: usize) -> Error {
    Error::new(
        1105,
        "HY000",
        format!("{what} is not supported in IMPORT INTO column assignment, index {index}"),
    )
}

/// Checks assignment `index`'s expression against the variables `vars` of the column list.
fn check(expr: &ast::Expr, index: usize, vars: &[String]) -> Result<()> {
    let found = visit_expressions(expr, |e| {
        let error = match e {
            ast::Expr::Identifier(id) => match id.value.strip_prefix('@') {
                Some(sys) if sys.starts_with('@') => Some(not_supported("system variable", index)),
                Some(var) if !vars.iter().any(|v| v.eq_ignore_ascii_case(var)) => {
                    Some(Error::new(
                        1105,
                        "HY000",
                        format!("column assignment cannot use variables set outside IMPORT INTO statement, index {index}"),
                    ))
                }
                Some(_) => None,
                None => Some(not_supported("COLUMN reference", index)),
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

/// What an assignment may ask of a session: nothing but the time.
struct NoSession;

impl SessionContext for NoSession {
    fn current_db(&self) -> Option<String> {
        None
    }
    fn connection_id(&self) -> u32 {
        0
    }
    fn last_insert_id(&self) -> u64 {
        0
    }
    fn user(&self) -> String {
        String::new()
    }
    fn now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
    fn system_variable(&self, name: &str, _global: bool) -> Result<Value> {
        Err(not_supported(&format!("system variable {name}"), 0))
    }
    fn user_variable(&self, _name: &str) -> Value {
        Value::Null
    }
    fn found_rows(&self) -> u64 {
        0
    }
    fn row_count(&self) -> i64 {
        0
    }
}

/// Compiles the expressions `exprs` (SQL text) over the column list's variables `vars`:
/// the result maps a row's variable values (in `vars` order) to one value per expression.
pub fn compile(vars: &[String], exprs: &[String]) -> Result<Assignments> {
    let scope = Scope {
        columns: vars
            .iter()
            .map(|v| ScopeColumn {
                table: String::new(),
                name: v.to_ascii_lowercase(),
                ty: DataType::Text { max_len: u32::MAX },
            })
            .collect(),
        outer: None,
    };
    let mut bound = Vec::with_capacity(exprs.len());
    for (index, text) in exprs.iter().enumerate() {
        let mut expr = Parser::new(&MySqlDialect {})
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|_| Error::syntax(text))?;
        check(&expr, index, vars)?;
        // `@v` becomes the scope's column `v`: no column can be named here any more.
        let _ = visit_expressions_mut(&mut expr, |e| {
            if let ast::Expr::Identifier(id) = e {
                if let Some(var) = id.value.strip_prefix('@') {
                    id.value = var.to_ascii_lowercase();
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
