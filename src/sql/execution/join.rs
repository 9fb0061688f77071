//! Running a FROM clause: read each factor, join it to the rows so far.
//!
//! Index joins look the right table up once per left row through the ordinary access path
//! (the left values become constants of the join condition, so `access::choose` finds the
//! point get or index range), which keeps a join on an indexed key linear in the left rows.
//! Hash joins read the right side once; nested loops are the fallback.

use std::collections::HashMap;

use super::memory::MemoryQuota;
use super::row_key::RowKey;
use super::select::{for_each_row, read_rows};
use super::Exec;
use crate::error::Result;
use crate::sql::expr::Expr;
use crate::sql::planner::from::{Factor, FactorSource, FromPlan, JoinKind, JoinMethod, JoinStep};
use crate::sql::planner::rewrite::and_all;
use crate::sql::planner::select::{ScanOrder, Source};
use crate::sql::subquery::Env;
use crate::types::Value;

type Row = Vec<Value>;

fn passes(conds: &[Expr], row: &[Value], env: &Env) -> Result<bool> {
    for c in conds {
        if c.eval_in(row, env)?.truth() != Some(true) {
            return Ok(false);
        }
    }
    Ok(true)
}

impl FromPlan {
    /// The FROM rows. `order` and `limit` apply to a single-table FROM only (the caller
    /// knows nothing else filters or reorders its rows).
    pub fn run(
        &self,
        exec: &Exec,
        env: &Env,
        order: ScanOrder,
        limit: Option<usize>,
    ) -> Result<Vec<Row>> {
        let Some(first) = self.factors.first() else {
            return Ok(vec![vec![]]);
        };
        let mut rows = read_factor(exec, first, env, order, limit)?;
        for (step, right) in self.steps.iter().zip(&self.factors[1..]) {
            rows = join(exec, step, right, rows, env)?;
            if !step.post.is_empty() {
                let mut kept = Vec::with_capacity(rows.len());
                for r in rows {
                    if passes(&step.post, &r, env)? {
                        kept.push(r);
                    }
                }
                rows = kept;
            }
        }
        Ok(rows)
    }

    /// Hands `sink` the FROM rows one by one: a single table's as they are read, without
    /// holding them; joined rows once the join is done.
    pub fn for_each(
        &self,
        exec: &Exec,
        env: &Env,
        order: ScanOrder,
        sink: &mut dyn FnMut(Row) -> Result<()>,
    ) -> Result<()> {
        if let (Some(f), true) = (self.factors.first(), self.steps.is_empty()) {
            if let FactorSource::Table(src) = &f.source {
                let filter = factor_filter(f, env)?;
                let access = src.access(filter.as_ref());
                return for_each_row(
                    src,
                    exec.txn,
                    &access,
                    filter.as_ref(),
                    order,
                    None,
                    &mut |handle, row| {
                        lock_row(exec, src, handle);
                        sink(src.into_scope(handle, row))
                    },
                );
            }
        }
        for row in self.run(exec, env, order, None)? {
            sink(row)?;
        }
        Ok(())
    }
}

/// A table factor's own filter for this run: correlated values are constants, which the
/// access path can use.
fn factor_filter(f: &Factor, env: &Env) -> Result<Option<Expr>> {
    let filter = f
        .filter
        .iter()
        .map(|c| {
            c.clone()
                .substitute(env.outer, &mut |i, ty| Expr::Column(i, ty.clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(and_all(filter))
}

/// A factor's rows that pass its own filter, as factor-local rows.
fn read_factor(
    exec: &Exec,
    f: &Factor,
    env: &Env,
    order: ScanOrder,
    limit: Option<usize>,
) -> Result<Vec<Row>> {
    match &f.source {
        FactorSource::Table(src) => {
            let filter = factor_filter(f, env)?;
            let access = src.access(filter.as_ref());
            Ok(
                read_rows(src, exec.txn, &access, filter.as_ref(), order, limit)?
                    .into_iter()
                    .map(|(handle, row)| {
                        lock_row(exec, src, handle);
                        src.into_scope(handle, row)
                    })
                    .collect(),
            )
        }
        FactorSource::Virtual(rows) => {
            let mut out = Vec::new();
            for row in rows.iter() {
                if passes(&f.filter, row, env)? {
                    out.push(row.clone());
                }
            }
            Ok(out)
        }
        FactorSource::Derived(plan) => {
            let mut out = Vec::new();
            for row in exec.query(plan, &[])? {
                if passes(&f.filter, &row, env)? {
                    out.push(row);
                }
            }
            Ok(out)
        }
        FactorSource::Recursive(r) => {
            let mut out = Vec::new();
            for row in super::recursive::run(exec, r)? {
                if passes(&f.filter, &row, env)? {
                    out.push(row);
                }
            }
            Ok(out)
        }
        FactorSource::Work(w) => {
            let rows = w.rows.lock().clone();
            let mut out = Vec::new();
            for row in rows.iter() {
                if passes(&f.filter, row, env)? {
                    out.push(row.clone());
                }
            }
            Ok(out)
        }
        // First in FROM: the document reads nothing of this query's row.
        FactorSource::JsonTable(plan) => json_table_rows(plan, f, &[], env),
    }
}

/// A JSON_TABLE's rows for the FROM row `left` (what its document may read), filtered.
fn json_table_rows(
    plan: &crate::sql::planner::json_table::JsonTablePlan,
    f: &Factor,
    left: &[Value],
    env: &Env,
) -> Result<Vec<Row>> {
    let doc = plan.doc.eval_in(left, env)?;
    let mut out = Vec::new();
    for row in super::json_table::rows(plan, &doc)? {
        if passes(&f.filter, &row, env)? {
            out.push(row);
        }
    }
    Ok(out)
}

/// Joins a JSON_TABLE to each left row: its rows are made from that row's document.
fn lateral_join(
    exec: &Exec,
    step: &JoinStep,
    right: &Factor,
    plan: &crate::sql::planner::json_table::JsonTablePlan,
    left: Vec<Row>,
    env: &Env,
) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    for l in &left {
        let rows = json_table_rows(plan, right, l, env)?;
        join_left_row(exec, step, right.width, l, rows.iter(), env, &mut out)?;
    }
    Ok(out)
}

/// Joins one left row to the right rows it may match (INNER / LEFT): each pair passing the
/// ON conditions, or for a LEFT JOIN the row with NULLs when none does.
fn join_left_row<'r>(
    exec: &Exec,
    step: &JoinStep,
    right_width: usize,
    l: &[Value],
    candidates: impl Iterator<Item = &'r Row>,
    env: &Env,
    out: &mut Vec<Row>,
) -> Result<()> {
    let mut matched = false;
    for r in candidates {
        let row = joined(l, r);
        if passes(&step.on, &row, env)? {
            matched = true;
            emit(&exec.memory, out, row)?;
        }
    }
    if !matched && step.kind == JoinKind::Left {
        emit(&exec.memory, out, joined(l, &nulls(right_width)))?;
    }
    Ok(())
}

/// FOR UPDATE: remember the row's record key for the statement to lock.
fn lock_row(exec: &Exec, src: &Source, handle: i64) {
    if let Some(locks) = exec.locks {
        locks.borrow_mut().push(src.table.record_key(handle));
    }
}

/// Adds a joined row, failing the statement if the result outgrows its memory quota.
fn emit(quota: &MemoryQuota, out: &mut Vec<Row>, row: Row) -> Result<()> {
    out.push(row);
    quota.check(out)
}

fn joined(l: &[Value], r: &[Value]) -> Row {
    l.iter().chain(r).cloned().collect()
}

fn nulls(n: usize) -> Row {
    vec![Value::Null; n]
}

fn join(
    exec: &Exec,
    step: &JoinStep,
    right: &Factor,
    left: Vec<Row>,
    env: &Env,
) -> Result<Vec<Row>> {
    if let FactorSource::JsonTable(plan) = &right.source {
        if step.kind != JoinKind::Right {
            return lateral_join(exec, step, right, plan, left, env);
        }
    }
    match (&step.method, step.kind) {
        (JoinMethod::Index, _) => index_join(exec, step, right, left, env),
        (
            JoinMethod::Hash {
                left: lk,
                right: rk,
            },
            JoinKind::Right,
        ) => {
            let rrows = read_factor(exec, right, env, ScanOrder::Any, None)?;
            let table = build(&left, lk, env)?;
            probe_right(exec, step, right.offset, &left, rrows, (rk, &table), env)
        }
        (
            JoinMethod::Hash {
                left: lk,
                right: rk,
            },
            _,
        ) => {
            let rrows = read_factor(exec, right, env, ScanOrder::Any, None)?;
            let table = build(&rrows, rk, env)?;
            let mut out = Vec::new();
            for l in &left {
                let hits = match key_of(l, lk, env)? {
                    Some(key) => table.get(&key).map(Vec::as_slice).unwrap_or(&[]),
                    None => &[],
                };
                let candidates = hits.iter().map(|&i| &rrows[i]);
                join_left_row(exec, step, right.width, l, candidates, env, &mut out)?;
            }
            Ok(out)
        }
        (JoinMethod::Loop, kind) => {
            let rrows = read_factor(exec, right, env, ScanOrder::Any, None)?;
            let mut out = Vec::new();
            if kind == JoinKind::Right {
                for r in &rrows {
                    let mut matched = false;
                    for l in &left {
                        let row = joined(l, r);
                        if passes(&step.on, &row, env)? {
                            matched = true;
                            emit(&exec.memory, &mut out, row)?;
                        }
                    }
                    if !matched {
                        emit(&exec.memory, &mut out, joined(&nulls(right.offset), r))?;
                    }
                }
                return Ok(out);
            }
            for l in &left {
                join_left_row(exec, step, right.width, l, rrows.iter(), env, &mut out)?;
            }
            Ok(out)
        }
    }
}

/// The key of a row, or `None` if part of it is NULL (NULL never joins).
fn key_of(row: &[Value], exprs: &[Expr], env: &Env) -> Result<Option<RowKey>> {
    let mut key = Vec::with_capacity(exprs.len());
    for e in exprs {
        let v = e.eval_in(row, env)?;
        if v.is_null() {
            return Ok(None);
        }
        key.push(v);
    }
    Ok(Some(RowKey(key)))
}

fn build(rows: &[Row], exprs: &[Expr], env: &Env) -> Result<HashMap<RowKey, Vec<usize>>> {
    let mut table: HashMap<RowKey, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) = key_of(r, exprs, env)? {
            table.entry(k).or_default().push(i);
        }
    }
    Ok(table)
}

/// RIGHT JOIN by hash: every right row, with its matching left rows or NULLs.
fn probe_right(
    exec: &Exec,
    step: &JoinStep,
    left_width: usize,
    left: &[Row],
    rrows: Vec<Row>,
    (right_keys, table): (&[Expr], &HashMap<RowKey, Vec<usize>>),
    env: &Env,
) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    for r in &rrows {
        let mut matched = false;
        if let Some(key) = key_of(r, right_keys, env)? {
            for &i in table.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                let row = joined(&left[i], r);
                if passes(&step.on, &row, env)? {
                    matched = true;
                    emit(&exec.memory, &mut out, row)?;
                }
            }
        }
        if !matched {
            emit(&exec.memory, &mut out, joined(&nulls(left_width), r))?;
        }
    }
    Ok(out)
}

/// Inner or left join through the right table's access path, once per left row.
fn index_join(
    exec: &Exec,
    step: &JoinStep,
    right: &Factor,
    left: Vec<Row>,
    env: &Env,
) -> Result<Vec<Row>> {
    let Some(src) = right.table() else {
        return Ok(Vec::new());
    };
    let off = right.offset;
    let (simple, residual): (Vec<&Expr>, Vec<&Expr>) =
        step.on.iter().partition(|c| !c.has_subquery());
    let residual: Vec<Expr> = residual.into_iter().cloned().collect();
    let mut out = Vec::new();
    for l in &left {
        let mut conds = Vec::with_capacity(simple.len() + right.filter.len());
        for c in &simple {
            conds.push((*c).clone().substitute(env.outer, &mut |i, ty| {
                if i < off {
                    Expr::Literal(l.get(i).cloned().unwrap_or(Value::Null))
                } else {
                    Expr::Column(i - off, ty.clone())
                }
            })?);
        }
        for c in &right.filter {
            conds.push(
                c.clone()
                    .substitute(env.outer, &mut |i, ty| Expr::Column(i, ty.clone()))?,
            );
        }
        let filter = and_all(conds);
        let access = src.access(filter.as_ref());
        let mut matched = false;
        for (handle, r) in read_rows(
            src,
            exec.txn,
            &access,
            filter.as_ref(),
            ScanOrder::Any,
            None,
        )? {
            lock_row(exec, src, handle);
            let row = joined(l, &src.scope_row(handle, &r));
            if passes(&residual, &row, env)? {
                matched = true;
                emit(&exec.memory, &mut out, row)?;
            }
        }
        if !matched && step.kind == JoinKind::Left {
            emit(&exec.memory, &mut out, joined(l, &nulls(right.width)))?;
        }
    }
    Ok(out)
}
