//! Multi-table UPDATE and DELETE, as MySQL has them:
//!
//! * `UPDATE t1 JOIN t2 ON ... SET t1.a = t2.b, t2.c = 1 WHERE ...` (or `UPDATE t1, t2 SET`)
//! * `DELETE t1, t2 FROM t1 JOIN t2 ON ... WHERE ...` and `DELETE FROM t1 USING t1 JOIN t2`
//!
//! The tables are joined as a SELECT's FROM clause would join them; each joined row names
//! one row of every target table through the table's handle (the integer primary key or
//! the hidden `_tidb_rowid`, both columns of the FROM row). A target row is changed once
//! however many joined rows name it, its new values computed from the first of them, and
//! the rows are read completely before the first one is written. ORDER BY and LIMIT are
//! refused (1221), as MySQL refuses them here. Which tables are written is known only once
//! the SET columns are resolved, so the UPDATE / DELETE privilege on them is checked here
//! too (the statement-level check cannot tell whose an unqualified column is).

use std::collections::HashSet;

use sqlparser::ast;

use super::foreign_keys::StatementTables;
use super::rules::RowRules;
use super::update::not_updatable;
use super::{assignment_column, is_default_keyword, store_value};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::privilege::Priv;
use crate::sql::context::{split_name, Context};
use crate::sql::execution::select::{max_recursion, memory_quota};
use crate::sql::execution::Exec;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::from::FromPlan;
use crate::sql::planner::query::Planner;
use crate::sql::planner::rewrite::conjuncts;
use crate::sql::planner::scope::Resolved;
use crate::sql::planner::select::{ScanOrder, Source};
use crate::sql::result::QueryResult;
use crate::sql::subquery::Env;
use crate::types::Value;

/// 1221: ORDER BY or LIMIT with several tables.
fn incorrect_usage(statement: &str, clause: &str) -> Error {
    Error::new(
        1221,
        "HY000",
        format!("Incorrect usage of {statement} and {clause}"),
    )
}

/// The joined FROM rows that pass WHERE, each the concatenation of every table's row.
fn joined_rows(
    ctx: &Context,
    txn: &dyn Transaction,
    from: &[ast::TableWithJoins],
    selection: Option<&ast::Expr>,
) -> Result<(FromPlan, Vec<Vec<Value>>)> {
    let planner = Planner { ctx, sql: "" };
    let mut plan = FromPlan::plan(&planner, from, None)?;
    let mut filter = Vec::new();
    if let Some(w) = selection {
        let bound = Binder::new(&plan.scope, ctx.session, "where clause")
            .with_subqueries(&planner)
            .bind(w)?;
        conjuncts(bound, &mut filter);
    }
    let rest = plan.push_where(filter)?;
    plan.choose_methods();
    let exec = Exec {
        txn,
        locks: None,
        memory: memory_quota(ctx),
        max_recursion: max_recursion(ctx),
    };
    let env = Env {
        outer: &[],
        runner: Some(&exec),
    };
    let mut rows = Vec::new();
    for row in plan.run(&exec, &env, ScanOrder::Any, None)? {
        let mut keep = true;
        for c in &rest {
            if c.eval_in(&row, &env)?.truth() != Some(true) {
                keep = false;
                break;
            }
        }
        if keep {
            rows.push(row);
        }
    }
    Ok((plan, rows))
}

/// The handle of factor `f`'s row inside a joined row; `None` where an outer join found
/// no row of it.
fn handle_in(plan: &FromPlan, f: usize, row: &[Value]) -> Option<i64> {
    let factor = &plan.factors[f];
    let src = factor.table()?;
    match row.get(factor.offset + src.handle_scope_column())? {
        Value::Int(h) => Some(*h),
        Value::UInt(h) => i64::try_from(*h).ok(),
        _ => None,
    }
}

/// A target table's base source, or 1288 for a derived table or view.
fn target_source<'p>(plan: &'p FromPlan, f: usize, statement: &str) -> Result<&'p Source> {
    let factor = &plan.factors[f];
    factor.table().ok_or_else(|| {
        Error::new(
            1288,
            "HY000",
            format!(
                "The target table {} of the {statement} is not updatable",
                factor.alias
            ),
        )
    })
}

/// One target row of a multi-table UPDATE: its factor, its handle, and the value of each
/// assigned table column (`None`: DEFAULT).
type RowChange = (usize, i64, Vec<(usize, Option<Value>)>);

pub fn update(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    upd: &ast::Update,
) -> Result<QueryResult> {
    if !upd.order_by.is_empty() {
        return Err(incorrect_usage("UPDATE", "ORDER BY"));
    }
    if upd.limit.is_some() {
        return Err(incorrect_usage("UPDATE", "LIMIT"));
    }
    let mut from = vec![upd.table.clone()];
    if let Some(
        ast::UpdateTableFromKind::BeforeSet(more) | ast::UpdateTableFromKind::AfterSet(more),
    ) = &upd.from
    {
        from.extend(more.iter().cloned());
    }
    let (plan, rows) = joined_rows(ctx, &*txn, &from, upd.selection.as_ref())?;
    // Each assignment: the target factor, its table column, its scope column and value.
    let mut sets: Vec<(usize, usize, usize, Option<Expr>)> = Vec::new();
    {
        let planner = Planner { ctx, sql: "" };
        let binder = Binder::new(&plan.scope, ctx.session, "field list").with_subqueries(&planner);
        for a in &upd.assignments {
            let (table, name) = assignment_target(&a.target)?;
            let Resolved::Local(i) = plan.scope.lookup(table.as_deref(), &name, "field list")?
            else {
                return Err(Error::unknown_column(&name, "field list"));
            };
            let f = plan.factor_of(i);
            let src = target_source(&plan, f, "UPDATE")?;
            let scope_col = i - plan.factors[f].offset;
            let col = *src
                .scope_to_table
                .get(scope_col)
                .ok_or_else(|| not_updatable(&name))?;
            let info = &src.table.info;
            if info.columns[col].generated.is_some() && !is_default_keyword(&a.value) {
                return Err(super::generated::not_allowed(&name, &info.name));
            }
            let value = if is_default_keyword(&a.value) {
                None
            } else {
                Some(binder.bind(&a.value)?)
            };
            sets.push((f, col, i, value));
        }
    }
    let mut targets: Vec<usize> = sets.iter().map(|(f, ..)| *f).collect();
    targets.sort_unstable();
    targets.dedup();
    // The new values of each target row, from the first joined row naming it.
    let mut seen = HashSet::new();
    let mut changes: Vec<RowChange> = Vec::new();
    for row in &rows {
        for &f in &targets {
            let Some(handle) = handle_in(&plan, f, row) else {
                continue;
            };
            if !seen.insert((f, handle)) {
                continue;
            }
            let values = sets
                .iter()
                .filter(|(g, ..)| *g == f)
                .map(|(_, col, _, e)| Ok((*col, e.as_ref().map(|e| e.eval(row)).transpose()?)))
                .collect::<Result<Vec<_>>>()?;
            changes.push((f, handle, values));
        }
    }
    for &f in &targets {
        let src = target_source(&plan, f, "UPDATE")?;
        ctx.require_on_table(Priv::Update, &src.db, &src.table.info.name)?;
        ctx.written.push(src.table.id());
    }
    let mut rules = std::collections::HashMap::new();
    for &f in &targets {
        let src = target_source(&plan, f, "UPDATE")?;
        rules.insert(f, RowRules::of(ctx, &src.db, &src.table.info)?);
    }
    let tables = StatementTables::of(ctx);
    let writer = tables.writer();
    let (mut changed, mut matched) = (0, 0);
    for (row_no, (f, handle, values)) in changes.into_iter().enumerate() {
        let src = target_source(&plan, f, "UPDATE")?;
        // As it is now: an earlier change of this statement may have cascaded to it.
        let Some(old) = src.table.row(&*txn, handle)? else {
            continue;
        };
        matched += 1;
        let mut new = old.clone();
        for (col, value) in values {
            let info = &src.table.info.columns[col];
            let v = match value {
                Some(v) => v,
                None => super::default_value(ctx, info, false)?,
            };
            new[col] = store_value(ctx, info, v, row_no + 1, false)?;
        }
        let assigned = |c: usize| sets.iter().any(|(g, col, ..)| *g == f && *col == c);
        let rules = rules
            .get(&f)
            .ok_or_else(|| Error::internal("no rules for a target table"))?;
        if rules.updated(ctx, (handle, &old, &mut new), &assigned, row_no + 1)? {
            writer.update(txn, &src.db, &src.table, handle, &old, &new)?;
            changed += 1;
        }
    }
    ctx.finish_writes(&writer);
    Ok(QueryResult::updated(changed, matched))
}

/// `SET t.col = ...` or `SET col = ...`: the table (if named) and the column.
fn assignment_target(target: &ast::AssignmentTarget) -> Result<(Option<String>, String)> {
    let column = assignment_column(target)?;
    let table = match target {
        ast::AssignmentTarget::ColumnName(name) if name.0.len() >= 2 => name
            .0
            .get(name.0.len() - 2)
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone()),
        _ => None,
    };
    Ok((table, column))
}

pub fn delete(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    del: &ast::Delete,
) -> Result<QueryResult> {
    if !del.order_by.is_empty() {
        return Err(incorrect_usage("DELETE", "ORDER BY"));
    }
    if del.limit.is_some() {
        return Err(incorrect_usage("DELETE", "LIMIT"));
    }
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    // `DELETE t1, t2 FROM <join>` or `DELETE FROM t1, t2 USING <join>`.
    let (names, source): (Vec<ast::ObjectName>, &[ast::TableWithJoins]) = match &del.using {
        Some(using) => (
            from.iter()
                .map(|twj| match &twj.relation {
                    ast::TableFactor::Table { name, .. } if twj.joins.is_empty() => {
                        Ok(name.clone())
                    }
                    other => Err(Error::syntax(&other.to_string())),
                })
                .collect::<Result<_>>()?,
            using,
        ),
        None => (del.tables.clone(), from),
    };
    let (plan, rows) = joined_rows(ctx, &*txn, source, del.selection.as_ref())?;
    let mut targets = Vec::new();
    for name in &names {
        let (db, table) = split_name(name)?;
        // A target names a table of the join by its alias (or its name, if it has none).
        let f = plan
            .factors
            .iter()
            .position(|f| {
                f.alias.eq_ignore_ascii_case(&table)
                    && db
                        .as_deref()
                        .is_none_or(|d| f.table().is_some_and(|s| s.db.eq_ignore_ascii_case(d)))
            })
            .ok_or_else(|| {
                Error::new(
                    1109,
                    "42S02",
                    format!("Unknown table '{table}' in MULTI DELETE"),
                )
            })?;
        target_source(&plan, f, "DELETE")?;
        if !targets.contains(&f) {
            targets.push(f);
        }
    }
    let mut seen = HashSet::new();
    let mut doomed = Vec::new();
    for row in &rows {
        for &f in &targets {
            if let Some(handle) = handle_in(&plan, f, row) {
                if seen.insert((f, handle)) {
                    doomed.push((f, handle));
                }
            }
        }
    }
    for &f in &targets {
        let src = target_source(&plan, f, "DELETE")?;
        ctx.require_on_table(Priv::Delete, &src.db, &src.table.info.name)?;
        ctx.written.push(src.table.id());
    }
    let tables = StatementTables::of(ctx);
    let writer = tables.writer();
    let mut n = 0;
    for (f, handle) in doomed {
        let src = target_source(&plan, f, "DELETE")?;
        // A cascade of an earlier row may have removed it already.
        let Some(row) = src.table.row(&*txn, handle)? else {
            continue;
        };
        writer.delete(txn, &src.db, &src.table, handle, &row)?;
        n += 1;
    }
    ctx.finish_writes(&writer);
    Ok(QueryResult::affected(n))
}
