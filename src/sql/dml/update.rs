//! UPDATE ... SET ... \[WHERE\] \[ORDER BY\] \[LIMIT\].

use sqlparser::ast;

use super::foreign_keys::StatementTables;
use super::{assignment_column, is_default_keyword, store_value};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::context::{split_name, Context};
use crate::sql::execution::select::read_rows;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::select::{limit_clause, ScanOrder, Source};
use crate::sql::result::QueryResult;
use crate::types::Value;

pub fn execute(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    upd: &ast::Update,
) -> Result<QueryResult> {
    if !upd.table.joins.is_empty() || upd.from.is_some() {
        return super::multi_table::update(ctx, txn, upd);
    }
    let (src, filter) = target(ctx, &upd.table.relation, upd.selection.as_ref())?;
    // Each assignment: (table column, scope column, expression or None for DEFAULT).
    let binder = Binder::new(&src.scope, ctx.session, "field list");
    let mut sets = Vec::new();
    for a in &upd.assignments {
        let name = assignment_column(&a.target)?;
        let scope_col = src
            .scope
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| Error::unknown_column(&name, "field list"))?;
        let expr = if is_default_keyword(&a.value) {
            None
        } else {
            Some(binder.bind(&a.value)?)
        };
        let col = *src
            .scope_to_table
            .get(scope_col)
            .ok_or_else(|| not_updatable(&name))?;
        let info = &src.table.info;
        if info.columns[col].generated.is_some() && !is_default_keyword(&a.value) {
            return Err(super::generated::not_allowed(&name, &info.name));
        }
        sets.push((col, scope_col, expr));
    }
    ctx.written.push(src.table.id());
    let (order, limit) = order_and_limit(ctx, &src, &upd.order_by, upd.limit.as_ref())?;
    let access = src.access(filter.as_ref());
    let rows = sorted_rows(&src, txn, &access, filter.as_ref(), &order, limit)?;
    let rules = super::rules::RowRules::of(ctx, &src.db, &src.table.info)?;
    let tables = StatementTables::of(ctx);
    let writer = tables.writer();
    let reread = writer.cascades_from(&src.db, &src.table)?;
    let mut changed = 0;
    let mut matched = 0;
    for (row_no, (handle, old)) in rows.into_iter().enumerate() {
        let old = match reread {
            true => match current_row(&src, txn, handle, &old, filter.as_ref())? {
                Some(row) => row,
                None => continue,
            },
            false => old,
        };
        matched += 1;
        let mut new = old.clone();
        let mut scope_row = src.project(handle, &old);
        for (col, scope_col, expr) in &sets {
            let info = &src.table.info.columns[*col];
            let v = match expr {
                Some(e) => e.eval(&scope_row)?,
                None => super::default_value(ctx, info, false)?,
            };
            let v = store_value(ctx, info, v, row_no + 1, false)?;
            // Later assignments see earlier ones, as in MySQL.
            scope_row[*scope_col] = v.clone();
            new[*col] = v;
        }
        let assigned = |c: usize| sets.iter().any(|(col, ..)| *col == c);
        if rules.updated(ctx, (handle, &old, &mut new), &assigned, row_no + 1)? {
            writer.update(txn, &src.db, &src.table, handle, &old, &new)?;
            changed += 1;
        }
    }
    ctx.finish_writes(&writer);
    Ok(QueryResult::updated(changed, matched))
}

/// 1348: `_tidb_rowid` is read-only.
pub fn not_updatable(name: &str) -> Error {
    Error::new(1348, "HY000", format!("Column '{name}' is not updatable"))
}

/// The row at `handle` as it is now, if the statement still writes it: a cascade of an
/// earlier row of the same statement may have removed it, or changed it so that the WHERE
/// clause no longer holds (a table referencing itself). `read` is the row as read first.
pub fn current_row(
    src: &Source,
    txn: &dyn Transaction,
    handle: i64,
    read: &[Value],
    filter: Option<&Expr>,
) -> Result<Option<Vec<Value>>> {
    let Some(row) = src.table.row(txn, handle)? else {
        return Ok(None);
    };
    if row != read {
        if let Some(f) = filter {
            if f.eval(&src.scope_row(handle, &row))?.truth() != Some(true) {
                return Ok(None);
            }
        }
    }
    Ok(Some(row))
}

/// The table a statement changes and its bound WHERE clause.
pub fn target(
    ctx: &Context,
    relation: &ast::TableFactor,
    selection: Option<&ast::Expr>,
) -> Result<(Source, Option<Expr>)> {
    let src = source_of(ctx, relation)?;
    let filter = selection
        .map(|w| Binder::new(&src.scope, ctx.session, "where clause").bind(w))
        .transpose()?;
    Ok((src, filter))
}

pub fn source_of(ctx: &Context, relation: &ast::TableFactor) -> Result<Source> {
    match relation {
        ast::TableFactor::Table {
            name,
            alias,
            index_hints,
            ..
        } => {
            let (db, t) = split_name(name)?;
            let (db, info) = ctx.table(db.as_deref(), &t)?;
            Source::hinted(db, info, alias.as_ref(), index_hints)
        }
        other => Err(Error::unsupported(format!("target {other}"))),
    }
}

pub type Order = Vec<(crate::sql::expr::Expr, bool)>;

pub fn order_and_limit(
    ctx: &Context,
    src: &Source,
    order_by: &[ast::OrderByExpr],
    limit: Option<&ast::Expr>,
) -> Result<(Order, Option<usize>)> {
    let binder = Binder::new(&src.scope, ctx.session, "order clause");
    let order = order_by
        .iter()
        .map(|o| {
            Ok((
                binder.bind(&o.expr)?,
                matches!(o.options.sort, Some(ast::OrderBySort::Desc)),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let limit = match limit {
        None => None,
        Some(e) => {
            let lc = ast::LimitClause::LimitOffset {
                limit: Some(e.clone()),
                offset: None,
                limit_by: vec![],
            };
            limit_clause(ctx, Some(&lc))?.1
        }
    };
    Ok((order, limit))
}

/// The rows a statement affects, in ORDER BY order, at most `limit`.
pub fn sorted_rows(
    src: &Source,
    txn: &dyn Transaction,
    access: &crate::sql::planner::access::Access,
    filter: Option<&crate::sql::expr::Expr>,
    order: &Order,
    limit: Option<usize>,
) -> Result<Vec<(i64, Vec<Value>)>> {
    if order.is_empty() {
        return read_rows(src, txn, access, filter, ScanOrder::Any, limit);
    }
    let rows = read_rows(src, txn, access, filter, ScanOrder::Any, None)?;
    let mut keyed = Vec::with_capacity(rows.len());
    for (h, row) in rows {
        let scope_row = src.project(h, &row);
        let keys = order
            .iter()
            .map(|(e, _)| e.eval(&scope_row))
            .collect::<Result<Vec<_>>>()?;
        keyed.push((keys, h, row));
    }
    keyed.sort_by(|(a, ..), (b, ..)| {
        for ((x, y), (_, desc)) in a.iter().zip(b).zip(order) {
            let o = x.sql_cmp(y);
            if o.is_ne() {
                return if *desc { o.reverse() } else { o };
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(keyed
        .into_iter()
        .take(limit.unwrap_or(usize::MAX))
        .map(|(_, h, r)| (h, r))
        .collect())
}
