//! Subqueries inside expressions: scalar, EXISTS and IN, evaluated per row of the query that
//! contains them. Uncorrelated ones usually never get here: the session folds them into
//! literals before planning. What remains reads the enclosing row through [`Env::outer`].

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use super::expr::{bool_value, eval_all, BinOp, Expr};
use crate::error::{Error, Result};
use crate::sql::planner::query::QueryPlan;
use crate::types::{DataType, Value};

/// Runs a planned query for a subquery, with the rows of the enclosing queries.
pub trait Runner {
    /// The result rows of `plan` run inside an enclosing row `outer`; at most `limit` rows.
    fn run(
        &self,
        plan: &QueryPlan,
        outer: &[Value],
        limit: Option<usize>,
    ) -> Result<Vec<Vec<Value>>>;
}

/// What an expression is evaluated with besides its own row.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The enclosing rows, innermost first, flattened: what [`Expr::OuterColumn`] indexes.
    pub outer: &'a [Value],
    /// Runs subqueries; `None` where there can be none (DDL defaults, DML values).
    pub runner: Option<&'a dyn Runner>,
}

impl Env<'static> {
    pub const NONE: Env<'static> = Env {
        outer: &[],
        runner: None,
    };
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: one value, NULL when there is no row.
    Scalar,
    Exists {
        negated: bool,
    },
    /// `x IN (SELECT ...)`, or `(x, y) IN (SELECT ...)` of a row (`exprs` its values).
    In {
        exprs: Vec<Expr>,
        negated: bool,
    },
    /// `(x, y) op (SELECT a, b ...)`: the row against the subquery's one row (a row of NULLs
    /// when it has none, 1242 when it has more).
    Row {
        exprs: Vec<Expr>,
        op: BinOp,
    },
}

/// A subquery expression: its plan, bound with the enclosing query's scope as outer scope.
#[derive(Clone)]
pub struct Subquery {
    pub plan: Arc<QueryPlan>,
    pub kind: SubqueryKind,
}

impl fmt::Debug for Subquery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subquery({:?})", self.kind)
    }
}

impl PartialEq for Subquery {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.plan, &other.plan) && self.kind == other.kind
    }
}

impl Subquery {
    /// Checks the shape MySQL requires: a scalar subquery returns one column, an IN
    /// subquery as many as the value or row before it has (1241 otherwise).
    pub fn new(plan: Arc<QueryPlan>, kind: SubqueryKind) -> Result<Subquery> {
        let width = match &kind {
            SubqueryKind::Scalar => Some(1),
            SubqueryKind::In { exprs, .. } | SubqueryKind::Row { exprs, .. } => Some(exprs.len()),
            SubqueryKind::Exists { .. } => None,
        };
        if let Some(width) = width.filter(|w| *w != plan.columns().len()) {
            return Err(Error::operand_columns(width));
        }
        Ok(Subquery { plan, kind })
    }

    pub fn data_type(&self) -> Option<DataType> {
        match self.kind {
            SubqueryKind::Scalar => self.plan.columns().first().and_then(|c| c.ty.clone()),
            _ => Some(DataType::Int {
                kind: crate::types::IntKind::Big,
                unsigned: false,
            }),
        }
    }

    pub fn eval(&self, row: &[Value], env: &Env) -> Result<Value> {
        let runner = env
            .runner
            .ok_or_else(|| Error::unsupported("subquery in this place"))?;
        // The subquery sees this row first, then the rows enclosing it.
        let outer: Vec<Value> = row.iter().chain(env.outer).cloned().collect();
        match &self.kind {
            SubqueryKind::Scalar => {
                let rows = runner.run(&self.plan, &outer, Some(2))?;
                match rows.len() {
                    0 => Ok(Value::Null),
                    1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
                    _ => Err(more_than_one_row()),
                }
            }
            SubqueryKind::Row { exprs, op } => {
                let values = eval_all(exprs, row, env)?;
                let rows = runner.run(&self.plan, &outer, Some(2))?;
                match rows.as_slice() {
                    [] => Ok(compare_rows(*op, &values, &vec![Value::Null; values.len()])),
                    [one] => Ok(compare_rows(*op, &values, one)),
                    _ => Err(more_than_one_row()),
                }
            }
            SubqueryKind::Exists { negated } => {
                let rows = runner.run(&self.plan, &outer, Some(1))?;
                Ok(bool_value(rows.is_empty() == *negated))
            }
            SubqueryKind::In { exprs, negated } => {
                let values = eval_all(exprs, row, env)?;
                let rows = runner.run(&self.plan, &outer, None)?;
                if rows.is_empty() {
                    return Ok(bool_value(*negated));
                }
                let mut saw_null = false;
                for r in &rows {
                    match row_equal(&values, r) {
                        Some(true) => return Ok(bool_value(!negated)),
                        Some(false) => {}
                        None => saw_null = true,
                    }
                }
                Ok(if saw_null {
                    Value::Null
                } else {
                    bool_value(*negated)
                })
            }
        }
    }
}

/// `values = row` as SQL compares rows: false if a pair differs, unknown (`None`) if none
/// differs but a pair holds a NULL, true otherwise.
fn row_equal(values: &[Value], row: &[Value]) -> Option<bool> {
    let mut unknown = false;
    for (v, x) in values.iter().zip(row) {
        if v.is_null() || x.is_null() {
            unknown = true;
        } else if v.sql_cmp(x) != Ordering::Equal {
            return Some(false);
        }
    }
    (!unknown).then_some(true)
}

/// MySQL's 1242: a subquery that must give one row gave more.
pub fn more_than_one_row() -> Error {
    Error::new(1242, "21000", "Subquery returns more than 1 row")
}

/// Two rows of equal width compared as MySQL compares rows: `=` and `<>` pair by pair
/// (NULL when no pair decides and one holds a NULL), `<=>` pair by pair NULL-safely, an
/// order by the first unequal pair (NULL when a NULL comes first).
fn compare_rows(op: BinOp, l: &[Value], r: &[Value]) -> Value {
    match op {
        BinOp::NullSafeEq => {
            bool_value(
                l.iter()
                    .zip(r)
                    .all(|(a, b)| match (a.is_null(), b.is_null()) {
                        (true, true) => true,
                        (false, false) => a.sql_cmp(b) == Ordering::Equal,
                        _ => false,
                    }),
            )
        }
        BinOp::Eq | BinOp::NotEq => {
            let equal = match row_equal(l, r) {
                Some(equal) => equal,
                None => return Value::Null,
            };
            bool_value(equal == (op == BinOp::Eq))
        }
        _ => {
            for (a, b) in l.iter().zip(r) {
                if a.is_null() || b.is_null() {
                    return Value::Null;
                }
                match a.sql_cmp(b) {
                    Ordering::Equal => continue,
                    Ordering::Less => return bool_value(matches!(op, BinOp::Lt | BinOp::LtEq)),
                    Ordering::Greater => return bool_value(matches!(op, BinOp::Gt | BinOp::GtEq)),
                }
            }
            bool_value(matches!(op, BinOp::LtEq | BinOp::GtEq))
        }
    }
}
