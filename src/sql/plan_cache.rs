//! The plan cache of prepared single-table SELECTs, TiDB's prepared plan cache for the
//! statements OLTP clients repeat with new parameters: `SELECT c FROM t WHERE id BETWEEN ?
//! AND ?`, with aggregates, DISTINCT, ORDER BY, GROUP BY. The statement is planned once
//! per table definition and session settings, each `?` bound as a value the plan reads
//! when it runs (as a correlated subquery reads its outer row); each execution then runs
//! that plan, skipping the bind, the subquery fold and the planning the general path
//! repeats. The access path is chosen when the plan runs, from the filter with the
//! parameters in place, as the general path chooses it.
//!
//! Only what cannot plan differently for other values qualifies, so results never
//! differ from the general path's:
//! - the statement (checked on its syntax): one SELECT over one table, no subquery, no
//!   variable, no function but COUNT, SUM, MIN, MAX and AVG (the planner folds NOW() and
//!   its kind into constants), every `?` in WHERE;
//! - the parameters: integers (unsigned ones below 2^63 as signed: the same literal), each
//!   compared (`=`, `<`, BETWEEN, IN, ...) with an integer column directly; the plan for
//!   other values is the general path's (a string or a TIME comparison converts its
//!   constant when planned);
//! - the plan: the same as the general planner makes for the first values once they are
//!   put in, with no order taken from the access path (which other values could change).
//!
//! Anything else, and any execution whose parameters are not all integers, takes the
//! general path.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::sync::Arc;

use parking_lot::Mutex;
use sqlparser::ast::{self, Visit, Visitor};

use super::context::Context;
use super::expr::{BinOp, Expr};
use super::planner::from::FactorSource;
use super::planner::query::QueryPlan;
use super::planner::select::{plan, ScanOrder, SelectPlan};
use super::point_get::{into_query, signed_integer, PreparedSelect};
use super::result::QueryResult;
use crate::catalog::TableInfo;
use crate::error::Result;
use crate::kv::Transaction;
use crate::types::{DataType, Value};

/// Changes whenever a variable the planner may read does: how many times the session set
/// its own values, and the node its global ones.
pub type Settings = (u64, u64);

/// A prepared SELECT of the cacheable shape.
pub struct CachedSelect {
    pub select: PreparedSelect,
    /// The plan for the table definition and settings last seen.
    planned: Mutex<Option<Arc<Planned>>>,
}

struct Planned {
    info: Arc<TableInfo>,
    /// The variable settings the plan was made under ([`CachedSelect::execute`]).
    settings: Settings,
    /// `None`: the plan did not qualify; every execution takes the general path.
    plan: Option<QueryPlan>,
}

impl CachedSelect {
    /// The statement's cacheable form, if its syntax qualifies.
    pub fn recognize(statement: &ast::Statement, sql: &str, params: usize) -> Option<Self> {
        let ast::Statement::Query(query) = statement else {
            return None;
        };
        if params == 0 || query.with.is_some() || !query.locks.is_empty() {
            return None;
        }
        let ast::SetExpr::Select(select) = &*query.body else {
            return None;
        };
        let [from] = select.from.as_slice() else {
            return None;
        };
        let ast::TableFactor::Table {
            name, args: None, ..
        } = &from.relation
        else {
            return None;
        };
        if !from.joins.is_empty() || select.into.is_some() {
            return None;
        }
        let mut shape = Shape::default();
        let _ = statement.visit(&mut shape);
        let mut in_where = Shape::default();
        let _ = select.selection.visit(&mut in_where);
        if shape.refused || shape.queries != 1 || in_where.placeholders != params {
            return None;
        }
        Some(CachedSelect {
            select: PreparedSelect::new(statement, sql, name)?,
            planned: Mutex::new(None),
        })
    }

    /// Runs the statement with `params`: by the cached plan when it qualifies, otherwise
    /// through the general planner. `from_cache` says whether a plan made before ran.
    pub fn execute(
        &self,
        ctx: &mut Context,
        txn: &dyn Transaction,
        params: &[Value],
        settings: Settings,
        from_cache: &Cell<bool>,
    ) -> Result<QueryResult> {
        from_cache.set(false);
        let signed: Option<Vec<Value>> = params
            .iter()
            .map(|p| signed_integer(p).map(Value::Int))
            .collect();
        let Some(params) = signed else {
            return self.select.execute_general(ctx, txn, params);
        };
        let params = params.as_slice();
        let Some(info) = self.select.table_info(ctx) else {
            return self.select.execute_general(ctx, txn, params);
        };
        let cached = self.planned.lock().clone();
        let planned = match cached {
            Some(p) if Arc::ptr_eq(&p.info, &info) && p.settings == settings => {
                from_cache.set(p.plan.is_some());
                p
            }
            _ => {
                let p = Arc::new(Planned {
                    plan: self.plan_for_any_values(ctx, &info, params)?,
                    info,
                    settings,
                });
                *self.planned.lock() = Some(p.clone());
                p
            }
        };
        match &planned.plan {
            Some(plan) => {
                super::execution::select::run_with(ctx, txn, plan, params).map(QueryResult::Rows)
            }
            None => self.select.execute_general(ctx, txn, params),
        }
    }

    /// The plan for any integer parameters, if it qualifies: checked against the general
    /// plan for `params`.
    fn plan_for_any_values(
        &self,
        ctx: &Context,
        info: &TableInfo,
        params: &[Value],
    ) -> Result<Option<QueryPlan>> {
        if info.view.is_some() {
            return Ok(None);
        }
        let mut statement = self.select.statement().clone();
        super::parser::number_placeholders(&mut statement);
        // A statement the planner cannot take so is the general path's to answer (or
        // reject, with the error it gives).
        let Ok(any) = plan(ctx, self.select.sql(), &into_query(statement)?) else {
            return Ok(None);
        };
        let general = plan(ctx, self.select.sql(), &self.select.bound(params)?)?;
        let (QueryPlan::Select(a), QueryPlan::Select(g)) = (&any, &general) else {
            return Ok(None);
        };
        Ok(same_for_these_values(a, g, params)?.then_some(any))
    }
}

/// Whether `any` (planned with parameters) is `general` (planned with `params` put in):
/// one table, its filter the same once the parameters are put in, each parameter compared
/// with an integer column, and no order taken from the access path.
fn same_for_these_values(any: &SelectPlan, general: &SelectPlan, params: &[Value]) -> Result<bool> {
    let (Some(a), Some(g)) = (any.from.single_table(), general.from.single_table()) else {
        return Ok(false);
    };
    if !matches!(a.source, FactorSource::Table(_))
        || any.scan_order != ScanOrder::Any
        || general.scan_order != ScanOrder::Any
        || any.order.len() != general.order.len()
        || any.filter.is_some()
        || general.filter.is_some()
        || !a.filter.iter().all(compares_with_integer_columns)
    {
        return Ok(false);
    }
    let put_in = a
        .filter
        .iter()
        .map(|c| {
            c.clone()
                .substitute(params, &mut |i, ty| Expr::Column(i, ty.clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(put_in == g.filter)
}

/// Whether every parameter in `e` is an operand of a comparison whose other side is an
/// integer column.
fn compares_with_integer_columns(e: &Expr) -> bool {
    let integer_column = |e: &Expr| matches!(e, Expr::Column(_, DataType::Int { .. }));
    let param = |e: &Expr| matches!(e, Expr::OuterColumn(..));
    match e {
        Expr::Binary(BinOp::And | BinOp::Or, l, r) => {
            compares_with_integer_columns(l) && compares_with_integer_columns(r)
        }
        Expr::Not(e) => compares_with_integer_columns(e),
        Expr::Binary(op, l, r) if op.is_comparison() => match (param(l), param(r)) {
            (false, false) => !has_param(l) && !has_param(r),
            (true, false) => integer_column(r),
            (false, true) => integer_column(l),
            (true, true) => false,
        },
        Expr::Between {
            expr, low, high, ..
        } => integer_column(expr) && [low, high].iter().all(|b| param(b) || !has_param(b)),
        Expr::InList { expr, list, .. } => {
            integer_column(expr) && list.iter().all(|v| param(v) || !has_param(v))
        }
        other => !has_param(other),
    }
}

fn has_param(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |e| {
        found |= matches!(e, Expr::OuterColumn(..));
        !found
    });
    found
}

/// What the syntax check counts and refuses.
#[derive(Default)]
struct Shape {
    queries: usize,
    placeholders: usize,
    refused: bool,
}

impl Visitor for Shape {
    type Break = ();

    fn pre_visit_query(&mut self, _: &ast::Query) -> ControlFlow<()> {
        self.queries += 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
        match e {
            ast::Expr::Value(v) if matches!(v.value, ast::Value::Placeholder(_)) => {
                self.placeholders += 1;
            }
            ast::Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                self.refused |= !["count", "sum", "min", "max", "avg"].contains(&name.as_str());
            }
            ast::Expr::Identifier(i) if i.value.starts_with('@') => self.refused = true,
            ast::Expr::CompoundIdentifier(parts)
                if parts.first().is_some_and(|i| i.value.starts_with('@')) =>
            {
                self.refused = true
            }
            ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. } => {
                self.refused = true
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognized(sql: &str) -> bool {
        let mut statement = crate::sql::parse(sql).expect("parses").remove(0);
        let params = crate::sql::parser::count_placeholders(&mut statement);
        CachedSelect::recognize(&statement, sql, params).is_some()
    }

    #[test]
    fn the_shapes_oltp_clients_repeat_are_recognized() {
        for sql in [
            "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?",
            "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?",
            "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
            "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
            "SELECT a, COUNT(*) FROM db.t WHERE k = ? AND a > 3 GROUP BY a",
            "SELECT * FROM t WHERE id IN (?, ?, ?)",
        ] {
            assert!(recognized(sql), "{sql}");
        }
    }

    #[test]
    fn anything_that_could_plan_differently_is_not() {
        for sql in [
            "SELECT c FROM t WHERE id = 5",
            "SELECT ? FROM t WHERE id = ?",
            "SELECT c FROM t WHERE id = ? LIMIT ?",
            "SELECT c FROM t WHERE id = ? FOR UPDATE",
            "SELECT c FROM t WHERE created < NOW() AND id = ?",
            "SELECT c FROM t WHERE id = ? AND k = @v",
            "SELECT c FROM t WHERE id = ? AND k IN (SELECT k FROM u)",
            "SELECT c FROM t, u WHERE t.id = ?",
            "SELECT c FROM t JOIN u ON t.id = u.id WHERE t.id = ?",
            "WITH x AS (SELECT 1) SELECT c FROM t WHERE id = ?",
            "SELECT c FROM t WHERE id = ? UNION SELECT c FROM t WHERE id = ?",
            "SELECT c INTO @x FROM t WHERE id = ?",
        ] {
            assert!(!recognized(sql), "{sql}");
        }
    }
}
