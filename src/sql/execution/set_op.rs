//! Running UNION / INTERSECT / EXCEPT: evaluate the operator tree, then coerce, sort and
//! cut the whole result.

use std::collections::{HashMap, HashSet};

use super::row_key::RowKey;
use super::select::compare_keys;
use super::Exec;
use crate::error::Result;
use crate::sql::planner::set_op::{SetOp, SetOpPlan, SetTree};
use crate::types::collation::Fold;
use crate::types::{DataType, Value};

pub fn run(exec: &Exec, plan: &SetOpPlan, outer: &[Value]) -> Result<Vec<Vec<Value>>> {
    // Rows are the same when their strings are, under each column's collation.
    let folds: Vec<Option<Fold>> = plan
        .columns
        .iter()
        .map(|c| c.ty.as_ref()?.collation()?.fold())
        .collect();
    let mut rows = eval(exec, &plan.tree, outer, &folds)?;
    if matches!(plan.tree, SetTree::Op { .. }) {
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

fn eval(
    exec: &Exec,
    tree: &SetTree,
    outer: &[Value],
    folds: &[Option<Fold>],
) -> Result<Vec<Vec<Value>>> {
    match tree {
        SetTree::Query(q) => exec.query(q, outer),
        SetTree::Op {
            op,
            all,
            left,
            right,
        } => {
            let left = eval(exec, left, outer, folds)?;
            let right = eval(exec, right, outer, folds)?;
            Ok(combine(*op, *all, left, right, folds))
        }
    }
}

fn combine(
    op: SetOp,
    all: bool,
    left: Vec<Vec<Value>>,
    right: Vec<Vec<Value>>,
    folds: &[Option<Fold>],
) -> Vec<Vec<Value>> {
    let key = |r: &[Value]| RowKey::collated(r, folds);
    let counts = |rows: Vec<Vec<Value>>| {
        let mut counts: HashMap<RowKey, usize> = HashMap::new();
        for r in rows {
            *counts.entry(key(&r)).or_default() += 1;
        }
        counts
    };
    let mut rows = match op {
        SetOp::Union => {
            let mut rows = left;
            rows.extend(right);
            rows
        }
        SetOp::Intersect => {
            let mut in_right = counts(right);
            left.into_iter()
                .filter(|r| match in_right.get_mut(&key(r)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        true
                    }
                    _ => false,
                })
                .collect()
        }
        SetOp::Except => {
            let mut in_right = counts(right);
            left.into_iter()
                .filter(|r| match in_right.get_mut(&key(r)) {
                    Some(n) if *n > 0 => {
                        // EXCEPT DISTINCT drops every copy of a row the right side has.
                        if all {
                            *n -= 1;
                        }
                        false
                    }
                    _ => true,
                })
                .collect()
        }
    };
    if !all {
        let mut seen = HashSet::new();
        rows.retain(|r| seen.insert(key(r)));
    }
    rows
}

/// A value shown as the union column's merged type: `1` in a DECIMAL(.., 1) column is `1.0`.
fn coerce(v: &mut Value, ty: Option<&DataType>) {
    match (ty, &*v) {
        (
            Some(DataType::Decimal { scale, .. }),
            Value::Int(_) | Value::UInt(_) | Value::Decimal(_),
        ) => {
            *v = Value::from(v.as_decimal().rescale(*scale));
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
