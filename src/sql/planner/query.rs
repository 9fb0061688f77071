//! A query: one SELECT block or a UNION of them, planned against the schema snapshot and
//! run inside a transaction. Subqueries are queries too: planned with the enclosing scope as
//! their outer scope and run per enclosing row through [`Exec`](crate::sql::execution::Exec).

use std::sync::Arc;

use sqlparser::ast;

use super::binder::SubqueryPlanner;
use super::scope::Scope;
use super::select::{self, SelectPlan};
use super::set_op::{self, SetOpPlan};
use crate::error::Result;
use crate::sql::context::Context;
use crate::sql::result::ResultColumn;

pub enum QueryPlan {
    Select(Box<SelectPlan>),
    SetOp(Box<SetOpPlan>),
}

impl QueryPlan {
    /// The result columns, as the client will see them described.
    pub fn columns(&self) -> Vec<ResultColumn> {
        match self {
            QueryPlan::Select(s) => s.projection.iter().map(|(_, c)| c.clone()).collect(),
            QueryPlan::SetOp(u) => u.columns.clone(),
        }
    }
}

/// What planning needs besides the query: the statement's context and its text (result
/// columns are named by the text of their expressions).
pub struct Planner<'a> {
    pub ctx: &'a Context<'a>,
    pub sql: &'a str,
}

impl SubqueryPlanner for Planner<'_> {
    fn plan_subquery(&self, q: &ast::Query, outer: &Scope) -> Result<Arc<QueryPlan>> {
        plan_query(self, q, Some(outer)).map(Arc::new)
    }
}

/// Plans a query; inside a subquery `outer` is the scope of the enclosing query.
pub fn plan_query(p: &Planner, q: &ast::Query, outer: Option<&Scope>) -> Result<QueryPlan> {
    match &q.with {
        Some(with) => super::cte::with_scope(with, || plan_body(p, q, outer)),
        None => plan_body(p, q, outer),
    }
}

fn plan_body(p: &Planner, q: &ast::Query, outer: Option<&Scope>) -> Result<QueryPlan> {
    match q.body.as_ref() {
        ast::SetExpr::Select(s) => {
            let plan =
                select::plan_select(p, s, q.order_by.as_ref(), q.limit_clause.as_ref(), outer)?;
            Ok(QueryPlan::Select(Box::new(plan)))
        }
        ast::SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
            plan_query(p, inner, outer)
        }
        _ => set_op::plan(p, q, outer).map(|u| QueryPlan::SetOp(Box::new(u))),
    }
}
