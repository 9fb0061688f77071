//! UNION [ALL | DISTINCT], with ORDER BY and LIMIT over the whole union; also a
//! parenthesized query with its own ORDER BY / LIMIT around it.
//!
//! Column names come from the first SELECT, types are merged over all of them (integers
//! and decimals widen to DECIMAL, anything with a string to a string). A UNION DISTINCT
//! removes duplicates from everything to its left, as in MySQL.

use std::collections::HashSet;

use rust_decimal::Decimal;
use sqlparser::ast;

use super::binder::Scope;
use super::error::{Error, Result};
use super::functions::merged_type;
use super::query::{plan_query, Exec, Planner, QueryPlan};
use super::result::ResultColumn;
use super::row_key::RowKey;
use super::select::{compare_keys, limit_clause, plan_select};
use crate::types::{DataType, Value};

pub struct SetOpPlan {
    pub first: QueryPlan,
    /// Each further operand, with whether it is UNION ALL.
    pub rest: Vec<(bool, QueryPlan)>,
    pub columns: Vec<ResultColumn>,
    /// Output column and descending flag.
    pub order: Vec<(usize, bool)>,
    pub offset: usize,
    pub limit: Option<usize>,
}

pub fn plan(p: &Planner, q: &ast::Query, outer: Option<&Scope>) -> Result<SetOpPlan> {
    let mut operands = Vec::new();
    flatten(p, &q.body, true, outer, &mut operands)?;
    let mut operands = operands.into_iter();
    let Some((_, first)) = operands.next() else {
        return Err(Error::syntax(&q.to_string()));
    };
    let rest: Vec<(bool, QueryPlan)> = operands.collect();
    let mut columns = first.columns();
    for (_, other) in &rest {
        let theirs = other.columns();
        if theirs.len() != columns.len() {
            return Err(Error::new(
                1222,
                "21000",
                "The used SELECT statements have a different number of columns",
            ));
        }
        for (c, t) in columns.iter_mut().zip(theirs) {
            c.ty = merged_type([c.ty.clone(), t.ty]);
        }
    }
    if !rest.is_empty() {
        // A union's columns belong to no table.
        columns = columns
            .into_iter()
            .map(|c| ResultColumn::computed(c.name, c.ty))
            .collect();
    }
    let mut order = Vec::new();
    if let Some(ob) = &q.order_by {
        let ast::OrderByKind::Expressions(exprs) = &ob.kind else {
            return Err(Error::unsupported("ORDER BY ALL"));
        };
        for o in exprs {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            order.push((output_column(&o.expr, &columns)?, desc));
        }
    }
    let (offset, limit) = limit_clause(p.ctx, q.limit_clause.as_ref())?;
    Ok(SetOpPlan {
        first,
        rest,
        columns,
        order,
        offset,
        limit,
    })
}

/// The operands of a left-deep chain of UNIONs, in order.
fn flatten(
    p: &Planner,
    body: &ast::SetExpr,
    all: bool,
    outer: Option<&Scope>,
    out: &mut Vec<(bool, QueryPlan)>,
) -> Result<()> {
    match body {
        ast::SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            set_quantifier,
            left,
            right,
        } => {
            flatten(p, left, all, outer, out)?;
            let all = matches!(set_quantifier, ast::SetQuantifier::All);
            flatten(p, right, all, outer, out)
        }
        ast::SetExpr::SetOperation { op, .. } => Err(Error::unsupported(op)),
        ast::SetExpr::Select(s) => {
            let plan = plan_select(p, s, None, None, outer)?;
            out.push((all, QueryPlan::Select(Box::new(plan))));
            Ok(())
        }
        ast::SetExpr::Query(q) => {
            out.push((all, plan_query(p, q, outer)?));
            Ok(())
        }
        other => Err(Error::unsupported(format!("query {other}"))),
    }
}

/// An ORDER BY item of a union: a position or the name of an output column.
fn output_column(e: &ast::Expr, columns: &[ResultColumn]) -> Result<usize> {
    let name = match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => {
                return n
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i >= 1 && i <= columns.len())
                    .map(|i| i - 1)
                    .ok_or_else(|| Error::unknown_column(n, "order clause"))
            }
            _ => e.to_string(),
        },
        ast::Expr::Identifier(id) => id.value.clone(),
        ast::Expr::CompoundIdentifier(ids) => {
            ids.last().map(|i| i.value.clone()).unwrap_or_default()
        }
        other => other.to_string(),
    };
    columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| Error::unknown_column(&name, "order clause"))
}

pub fn run(exec: &Exec, plan: &SetOpPlan, outer: &[Value]) -> Result<Vec<Vec<Value>>> {
    let mut rows = exec.query(&plan.first, outer)?;
    for (all, operand) in &plan.rest {
        rows.extend(exec.query(operand, outer)?);
        if !all {
            let mut seen = HashSet::new();
            rows.retain(|r| seen.insert(RowKey(r.clone())));
        }
    }
    if !plan.rest.is_empty() {
        for row in &mut rows {
            for (v, c) in row.iter_mut().zip(&plan.columns) {
                coerce(v, c.ty.as_ref());
            }
        }
    }
    if !plan.order.is_empty() {
        let desc: Vec<bool> = plan.order.iter().map(|(_, d)| *d).collect();
        let key = |r: &Vec<Value>| -> Vec<Value> {
            plan.order.iter().map(|(i, _)| r[*i].clone()).collect()
        };
        rows.sort_by(|a, b| compare_keys(&key(a), &key(b), &desc));
    }
    Ok(rows
        .into_iter()
        .skip(plan.offset)
        .take(plan.limit.unwrap_or(usize::MAX))
        .collect())
}

/// A value shown as the union column's merged type: `1` in a DECIMAL(.., 1) column is `1.0`.
fn coerce(v: &mut Value, ty: Option<&DataType>) {
    match (ty, &*v) {
        (
            Some(DataType::Decimal { scale, .. }),
            Value::Int(_) | Value::UInt(_) | Value::Decimal(_),
        ) => {
            let mut d: Decimal = v.to_decimal();
            d.rescale(u32::from(*scale));
            *v = Value::Decimal(d);
        }
        (Some(DataType::Double), Value::Int(_) | Value::UInt(_) | Value::Decimal(_)) => {
            *v = Value::Float(v.to_f64());
        }
        (Some(t), Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Float(_))
            if t.is_string() =>
        {
            *v = Value::Bytes(v.to_text().unwrap_or_default());
        }
        _ => {}
    }
}
