//! UNION, INTERSECT and EXCEPT [ALL | DISTINCT], with ORDER BY and LIMIT over the whole
//! result; also a parenthesized query with its own ORDER BY / LIMIT around it.
//!
//! The operators form a tree (sqlparser applies INTERSECT's higher precedence). Column names
//! come from the first SELECT, types are merged over all of them (integers and decimals widen
//! to DECIMAL, anything with a string to a string). DISTINCT operators remove duplicates from
//! their whole result, as in MySQL; ALL ones count duplicates (INTERSECT ALL keeps a row as
//! often as both sides have it, EXCEPT ALL removes one left row per right row). Rows compare
//! with NULLs equal.

use sqlparser::ast;

use super::query::{plan_query, Planner, QueryPlan};
use super::scope::Scope;
use super::select::{limit_clause, plan_select};
use crate::error::{Error, Result};
use crate::sql::functions::merged_type;
use crate::sql::result::ResultColumn;

pub struct SetOpPlan {
    pub tree: SetTree,
    pub columns: Vec<ResultColumn>,
    /// Output column and descending flag.
    pub order: Vec<(usize, bool)>,
    pub offset: usize,
    pub limit: Option<usize>,
}

/// A set operation's operands.
pub enum SetTree {
    Query(QueryPlan),
    Op {
        op: SetOp,
        all: bool,
        left: Box<SetTree>,
        right: Box<SetTree>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Union,
    Intersect,
    Except,
}

impl SetTree {
    /// The queries at the leaves, left to right.
    pub fn queries(&self) -> Vec<&QueryPlan> {
        match self {
            SetTree::Query(q) => vec![q],
            SetTree::Op { left, right, .. } => {
                let mut out = left.queries();
                out.extend(right.queries());
                out
            }
        }
    }
}

pub fn plan(p: &Planner, q: &ast::Query, outer: Option<&Scope>) -> Result<SetOpPlan> {
    let tree = build(p, &q.body, outer)?;
    let queries = tree.queries();
    let Some((first, rest)) = queries.split_first() else {
        return Err(Error::syntax(&q.to_string()));
    };
    let mut columns = first.columns();
    for other in rest {
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
        // A set operation's columns belong to no table.
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
        tree,
        columns,
        order,
        offset,
        limit,
    })
}

fn build(p: &Planner, body: &ast::SetExpr, outer: Option<&Scope>) -> Result<SetTree> {
    match body {
        ast::SetExpr::SetOperation {
            op,
            set_quantifier,
            left,
            right,
        } => {
            let op = match op {
                ast::SetOperator::Union => SetOp::Union,
                ast::SetOperator::Intersect => SetOp::Intersect,
                ast::SetOperator::Except | ast::SetOperator::Minus => SetOp::Except,
            };
            let all = matches!(
                set_quantifier,
                ast::SetQuantifier::All | ast::SetQuantifier::AllByName
            );
            Ok(SetTree::Op {
                op,
                all,
                left: Box::new(build(p, left, outer)?),
                right: Box::new(build(p, right, outer)?),
            })
        }
        ast::SetExpr::Select(s) => {
            let plan = plan_select(p, s, None, None, outer)?;
            Ok(SetTree::Query(QueryPlan::Select(Box::new(plan))))
        }
        ast::SetExpr::Query(q) => Ok(SetTree::Query(plan_query(p, q, outer)?)),
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
