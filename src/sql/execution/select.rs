//! Running a SELECT block: read the FROM rows, filter, group, project, sort and cut; and
//! the row reader UPDATE and DELETE share.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::ops::Bound;

use sqlparser::ast;

use super::memory::MemoryQuota;
use super::row_key::RowKey;
use super::Exec;
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::context::Context;
use crate::sql::expr::Expr;
use crate::sql::functions;
use crate::sql::planner::access::Access;
use crate::sql::planner::query::QueryPlan;
use crate::sql::planner::select::{plan, ScanOrder, SelectPlan, SortKey, Source};
use crate::sql::result::{QueryResult, ResultSet};
use crate::sql::subquery::Env;
use crate::table::HandleRange;
use crate::types::Value;

/// Reads the rows `access` selects that pass `filter`, as (handle, full table row), stopping
/// after `limit` matches.
pub fn read_rows(
    src: &Source,
    txn: &dyn Transaction,
    access: &Access,
    filter: Option<&Expr>,
    order: ScanOrder,
    limit: Option<usize>,
) -> Result<Vec<(i64, Vec<Value>)>> {
    let mut out = Vec::new();
    for_each_row(
        src,
        txn,
        access,
        filter,
        order,
        limit,
        &mut |handle, row| {
            out.push((handle, row));
            Ok(())
        },
    )?;
    Ok(out)
}

/// Rows read between two looks at the statement's KILL QUERY flag.
const INTERRUPT_CHECK_ROWS: usize = 1024;

/// Hands `sink` each row `access` selects that passes `filter`, as it is read, stopping
/// after `limit` matches: what a caller folds the rows into is all it holds of them.
pub fn for_each_row(
    src: &Source,
    txn: &dyn Transaction,
    access: &Access,
    filter: Option<&Expr>,
    order: ScanOrder,
    limit: Option<usize>,
    sink: &mut dyn FnMut(i64, Vec<Value>) -> Result<()>,
) -> Result<()> {
    let limit = limit.unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(());
    }
    // A handle range enforces its own bounds.
    let filter = match access {
        Access::TableRange { residual, .. } => residual.as_ref(),
        _ => filter,
    };
    let mut passed = 0usize;
    let mut read = 0usize;
    // The table layer's scans take a visitor that cannot fail with this layer's error: one
    // stops the scan and waits here.
    let mut err = None;
    // Whether to read on after the row.
    let mut keep = |handle: i64, row: Vec<Value>| -> bool {
        read += 1;
        // KILL QUERY ends a long read.
        if read.is_multiple_of(INTERRUPT_CHECK_ROWS) && functions::interrupted() {
            err = Some(Error::Interrupted);
            return false;
        }
        let pass = match filter.map(|f| f.eval(&src.scope_row(handle, &row))) {
            None => true,
            Some(Ok(v)) => v.truth() == Some(true),
            Some(Err(e)) => {
                err = Some(e);
                return false;
            }
        };
        if pass {
            if let Err(e) = sink(handle, row) {
                err = Some(e);
                return false;
            }
            passed += 1;
        }
        passed < limit
    };
    let t = &src.table;
    // Ranges and full scans decode only the columns the query reads.
    let scan = |range: &HandleRange, desc: bool, visit: &mut dyn FnMut(i64, Vec<Value>) -> bool| {
        match &src.read_columns {
            Some(columns) => t.scan_columns(txn, range, desc, columns, |h, row| Ok(visit(h, row))),
            None => t.scan_rows(txn, range, desc, |h, row| Ok(visit(h, row))),
        }
    };
    match access {
        Access::PointGet(handles) => {
            for &h in handles {
                if let Some(row) = t.row(txn, h)? {
                    if !keep(h, row) {
                        break;
                    }
                }
            }
        }
        Access::TableRange { range, .. } => {
            scan(range, order == ScanOrder::HandleDesc, &mut keep)?;
        }
        Access::FullScan => {
            let desc = order == ScanOrder::HandleDesc;
            for range in scan_ranges(&t.info, order) {
                let mut more = true;
                scan(&range, desc, &mut |h, row| {
                    more = keep(h, row);
                    more
                })?;
                if !more {
                    break;
                }
            }
        }
        Access::IndexLookup { index, ranges, .. } => {
            let mut handles = Vec::new();
            for range in ranges {
                t.scan_index(txn, index, range, false, |e| {
                    handles.push(e.handle);
                    Ok(true)
                })?;
            }
            // Ranges of distinct values may share their prefixes (`name IN ('abcd',
            // 'abce')` through `name(3)`): each row is read once.
            if index.has_prefix() && ranges.len() > 1 {
                let mut seen = std::collections::HashSet::new();
                handles.retain(|h| seen.insert(*h));
            }
            for h in handles {
                if let Some(row) = t.row(txn, h)? {
                    if !keep(h, row) {
                        break;
                    }
                }
            }
        }
    }
    err.map_or(Ok(()), Err)
}

/// The handle ranges a full scan reads, in turn. In handle order, an unsigned handle
/// column's values from 2^63 up (negative handles, first in key order) come last going up
/// and first going down.
fn scan_ranges(info: &TableInfo, order: ScanOrder) -> Vec<HandleRange> {
    let part = |start, end| HandleRange {
        start: Bound::Included(start),
        end: Bound::Included(end),
    };
    match order {
        _ if !info.unsigned_handle() => vec![HandleRange::all()],
        ScanOrder::Any => vec![HandleRange::all()],
        ScanOrder::HandleAsc => vec![part(0, i64::MAX), part(i64::MIN, -1)],
        ScanOrder::HandleDesc => vec![part(i64::MIN, -1), part(0, i64::MAX)],
    }
}

pub fn execute(
    ctx: &mut Context,
    txn: &dyn Transaction,
    sql: &str,
    query: &ast::Query,
) -> Result<QueryResult> {
    let plan = plan(ctx, sql, query)?;
    run(ctx, txn, &plan).map(QueryResult::Rows)
}

/// SELECT ... FOR UPDATE / LOCK IN SHARE MODE: runs the query, then locks the record key of
/// every table row it read (`Transaction::lock`). Transactions are optimistic, as TiDB's
/// default: nothing blocks, but if another transaction writes a locked row after this one
/// started, the first of the two to commit wins and the other fails with 9007.
pub fn execute_locking(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    sql: &str,
    query: &ast::Query,
) -> Result<QueryResult> {
    let plan = plan(ctx, sql, query)?;
    let locks = std::cell::RefCell::new(Vec::new());
    let rows = Exec {
        txn: &*txn,
        locks: Some(&locks),
        memory: memory_quota(ctx),
        max_recursion: max_recursion(ctx),
    }
    .query(&plan, &[])?;
    for key in locks.into_inner() {
        txn.lock(key);
    }
    ctx.found_rows = Some(rows.len() as u64);
    Ok(QueryResult::Rows(ResultSet {
        columns: plan.columns(),
        rows,
    }))
}

/// The session's `tidb_mem_quota_query`.
pub fn memory_quota(ctx: &Context) -> MemoryQuota {
    let bytes = ctx
        .session
        .system_variable("tidb_mem_quota_query", false)
        .ok()
        .map_or(0, |v| v.to_f64() as i64);
    MemoryQuota::new(bytes, ctx.session.connection_id())
}

/// The session's `cte_max_recursion_depth`.
pub fn max_recursion(ctx: &Context) -> u64 {
    ctx.session
        .system_variable("cte_max_recursion_depth", false)
        .ok()
        .and_then(|v| u64::try_from(v.to_f64() as i64).ok())
        .unwrap_or(super::recursive::DEFAULT_MAX_ROUNDS)
}

/// Runs a top-level query.
pub fn run(ctx: &mut Context, txn: &dyn Transaction, plan: &QueryPlan) -> Result<ResultSet> {
    run_with(ctx, txn, plan, &[])
}

/// Runs a top-level query planned for any parameter values with `params`.
pub fn run_with(
    ctx: &mut Context,
    txn: &dyn Transaction,
    plan: &QueryPlan,
    params: &[Value],
) -> Result<ResultSet> {
    let exec = Exec {
        txn,
        locks: None,
        memory: memory_quota(ctx),
        max_recursion: max_recursion(ctx),
    };
    let rows = match plan {
        // FOUND_ROWS() is then the count without the LIMIT.
        QueryPlan::Select(s) if s.calc_found_rows => {
            let all = select_uncut(&exec, s, params, false)?;
            ctx.found_rows = Some(all.len() as u64);
            cut(s, all)
        }
        _ => {
            let rows = exec.query(plan, params)?;
            ctx.found_rows = Some(rows.len() as u64);
            rows
        }
    };
    Ok(ResultSet {
        columns: plan.columns(),
        rows,
    })
}

/// The output rows of one SELECT block inside the enclosing rows `outer`.
pub fn run_select(exec: &Exec, plan: &SelectPlan, outer: &[Value]) -> Result<Vec<Vec<Value>>> {
    Ok(cut(plan, select_uncut(exec, plan, outer, true)?))
}

/// The block's rows in order, before OFFSET and LIMIT; with `may_stop` reading stops once
/// the LIMIT is certainly reached.
fn select_uncut(
    exec: &Exec,
    plan: &SelectPlan,
    outer: &[Value],
    may_stop: bool,
) -> Result<Vec<Vec<Value>>> {
    let env = Env {
        outer,
        runner: Some(exec),
    };
    // Reading can stop early only when nothing after it drops, merges or reorders rows.
    let streaming = may_stop
        && plan.filter.is_none()
        && plan.grouping.is_none()
        && plan.windows.is_empty()
        && !plan.distinct
        && plan.order.is_empty()
        && plan.from.steps.is_empty();
    let read_limit = if streaming {
        plan.limit.map(|l| l.saturating_add(plan.offset))
    } else {
        None
    };
    let mut rows = match &plan.grouping {
        // Grouped, the FROM rows are folded into their groups as they are read.
        Some(g) => {
            let mut groups = g.start();
            plan.from
                .for_each(exec, &env, plan.scan_order, &mut |row| match &plan.filter {
                    Some(f) if !holds(f, &row, &env)? => Ok(()),
                    _ => groups.add(&row, &env),
                })?;
            let rows = groups.finish();
            match &plan.having {
                Some(h) => retain(rows, h, &env)?,
                None => rows,
            }
        }
        None => {
            let rows = plan.from.run(exec, &env, plan.scan_order, read_limit)?;
            match &plan.filter {
                Some(f) => retain(rows, f, &env)?,
                None => rows,
            }
        }
    };
    if !plan.windows.is_empty() {
        rows = super::window::run(&plan.windows, rows, &env)?;
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    // DISTINCT compares a case-insensitive column's strings by their keys.
    let folds: Vec<_> = match plan.distinct {
        true => plan.projection.iter().map(|(e, _)| e.fold()).collect(),
        false => Vec::new(),
    };
    for row in &rows {
        let values: Vec<Value> = plan
            .projection
            .iter()
            .map(|(e, _)| e.eval_in(row, &env))
            .collect::<Result<_>>()?;
        if plan.distinct && !seen.insert(RowKey::collated(&values, &folds)) {
            continue;
        }
        let keys: Vec<Value> = plan
            .order
            .iter()
            .map(|(k, _)| match k {
                SortKey::Scope(e) => e.eval_in(row, &env),
                SortKey::Output(i) => Ok(values[*i].clone()),
            })
            .collect::<Result<_>>()?;
        out.push((keys, values));
    }
    if !plan.order.is_empty() {
        let desc: Vec<bool> = plan.order.iter().map(|(_, d)| *d).collect();
        out.sort_by(|(a, _), (b, _)| compare_keys(a, b, &desc));
    }
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// OFFSET and LIMIT.
fn cut(plan: &SelectPlan, rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .skip(plan.offset)
        .take(plan.limit.unwrap_or(usize::MAX))
        .collect()
}

/// ORDER BY comparison: NULLs first ascending, last descending.
pub fn compare_keys(a: &[Value], b: &[Value], desc: &[bool]) -> Ordering {
    for ((x, y), d) in a.iter().zip(b).zip(desc) {
        let o = x.sql_cmp(y);
        if o != Ordering::Equal {
            return if *d { o.reverse() } else { o };
        }
    }
    Ordering::Equal
}

fn retain(rows: Vec<Vec<Value>>, cond: &Expr, env: &Env) -> Result<Vec<Vec<Value>>> {
    let mut kept = Vec::with_capacity(rows.len());
    for r in rows {
        if holds(cond, &r, env)? {
            kept.push(r);
        }
    }
    Ok(kept)
}

/// Whether `cond` is true (not false, not NULL) for `row`.
fn holds(cond: &Expr, row: &[Value], env: &Env) -> Result<bool> {
    Ok(cond.eval_in(row, env)?.truth() == Some(true))
}
