//! SELECT: bind the query against its table, choose an access path, filter, project, sort
//! and limit. Also the row reader UPDATE and DELETE share.

use std::cmp::Ordering;
use std::sync::Arc;

use sqlparser::ast::{self, Spanned};

use super::access::{self, Access};
use super::binder::{Binder, Scope, ScopeColumn};
use super::context::{split_name, Context};
use super::error::{Error, Result};
use super::expr::Expr;
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::catalog::TableInfo;
use crate::kv::Transaction;
use crate::table::{HandleRange, Table};
use crate::types::Value;

/// A table as a query sees it: its public columns, under an alias.
pub struct Source {
    pub db: String,
    pub table: Table,
    pub alias: String,
    /// Table column offset of each scope column.
    pub scope_to_table: Vec<usize>,
    pub scope: Scope,
}

impl Source {
    pub fn new(db: String, info: Arc<TableInfo>, alias: Option<String>) -> Source {
        let alias = alias.unwrap_or_else(|| info.name.clone());
        let mut scope = Scope::default();
        let mut scope_to_table = Vec::new();
        for (i, c) in info.public_columns() {
            scope.columns.push(ScopeColumn {
                table: alias.clone(),
                name: c.name.clone(),
                ty: c.ty.clone(),
            });
            scope_to_table.push(i);
        }
        Source {
            db,
            table: Table::new(info),
            alias,
            scope_to_table,
            scope,
        }
    }

    pub fn project(&self, row: &[Value]) -> Vec<Value> {
        self.scope_to_table
            .iter()
            .map(|&i| row[i].clone())
            .collect()
    }

    pub fn access(&self, filter: Option<&Expr>) -> Access {
        access::choose(&self.table.info, filter, &self.scope_to_table)
    }
}

/// Order in which a scan can deliver rows so that a sort is unnecessary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    Any,
    HandleAsc,
    HandleDesc,
}

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
    let limit = limit.unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(out);
    }
    let mut err = None;
    let mut keep = |handle: i64, row: Vec<Value>, out: &mut Vec<(i64, Vec<Value>)>| -> bool {
        let pass = match filter {
            None => true,
            Some(f) => match f.eval(&src.project(&row)) {
                Ok(v) => v.truth() == Some(true),
                Err(e) => {
                    err = Some(e);
                    return false;
                }
            },
        };
        if pass {
            out.push((handle, row));
        }
        out.len() < limit
    };
    let t = &src.table;
    match access {
        Access::PointGet(handles) => {
            for &h in handles {
                if let Some(row) = t.row(txn, h)? {
                    if !keep(h, row, &mut out) {
                        break;
                    }
                }
            }
        }
        Access::TableRange(range) => {
            t.scan_rows(txn, range, order == ScanOrder::HandleDesc, |h, row| {
                Ok(keep(h, row, &mut out))
            })?;
        }
        Access::FullScan => {
            t.scan_rows(
                txn,
                &HandleRange::all(),
                order == ScanOrder::HandleDesc,
                |h, row| Ok(keep(h, row, &mut out)),
            )?;
        }
        Access::IndexLookup { index, ranges, .. } => {
            let mut handles = Vec::new();
            for (start, end) in ranges {
                t.scan_index(txn, index, start, end, false, |e| {
                    handles.push(e.handle);
                    Ok(true)
                })?;
            }
            for h in handles {
                if let Some(row) = t.row(txn, h)? {
                    if !keep(h, row, &mut out) {
                        break;
                    }
                }
            }
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The text of an expression as the client wrote it: MySQL names result columns by it.
pub fn source_text(sql: &str, e: &ast::Expr) -> String {
    let span = e.span();
    let (start, end) = (span.start, span.end);
    if start.line == 0 {
        return e.to_string();
    }
    let offset = |line: u64, col: u64| -> Option<usize> {
        let mut pos = 0usize;
        for (i, l) in sql.split_inclusive('\n').enumerate() {
            if i as u64 + 1 == line {
                let chars: usize = l
                    .chars()
                    .take(col.saturating_sub(1) as usize)
                    .map(char::len_utf8)
                    .sum();
                return Some(pos + chars);
            }
            pos += l.len();
        }
        None
    };
    let shown = e.to_string();
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match (
        offset(start.line, start.column),
        offset(end.line, end.column),
    ) {
        // Spans of some expressions cover only part of them: trust a span only when it
        // holds the whole expression.
        (Some(a), Some(b)) if a < b && b <= sql.len() && squash(&sql[a..b]) == squash(&shown) => {
            sql[a..b].to_string()
        }
        _ => shown,
    }
}

pub struct SelectPlan {
    pub source: Option<Source>,
    pub filter: Option<Expr>,
    pub access: Access,
    pub projection: Vec<(Expr, ResultColumn)>,
    /// Sort keys: an expression over the scope row, or an output column index.
    pub order: Vec<(SortKey, bool)>,
    pub scan_order: ScanOrder,
    pub offset: usize,
    pub limit: Option<usize>,
}

pub enum SortKey {
    Scope(Expr),
    Output(usize),
}

pub fn plan(ctx: &Context, sql: &str, query: &ast::Query) -> Result<SelectPlan> {
    let select = match query.body.as_ref() {
        ast::SetExpr::Select(s) => s,
        ast::SetExpr::Query(q) => return plan(ctx, sql, q),
        other => return Err(Error::unsupported(format!("query {other}"))),
    };
    if !matches!(select.group_by, ast::GroupByExpr::Expressions(ref e, _) if e.is_empty())
        || select.having.is_some()
    {
        return Err(Error::unsupported("GROUP BY"));
    }
    let source = match select.from.as_slice() {
        [] => None,
        [twj] if twj.joins.is_empty() => match &twj.relation {
            ast::TableFactor::Table { name, alias, .. } => {
                let (db, t) = split_name(name)?;
                let (db, info) = ctx.table(db.as_deref(), &t)?;
                Some(Source::new(
                    db,
                    info,
                    alias.as_ref().map(|a| a.name.value.clone()),
                ))
            }
            other => return Err(Error::unsupported(format!("FROM {other}"))),
        },
        _ => return Err(Error::unsupported("joins")),
    };
    let empty = Scope::default();
    let scope = source.as_ref().map_or(&empty, |s| &s.scope);
    let filter = select
        .selection
        .as_ref()
        .map(|w| Binder::new(scope, ctx.session, "where clause").bind(w))
        .transpose()?;
    let binder = Binder::new(scope, ctx.session, "field list");
    let mut projection = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::Wildcard(_) => {
                let src = source
                    .as_ref()
                    .ok_or_else(|| Error::new(1096, "HY000", "No tables used"))?;
                for i in 0..src.scope.columns.len() {
                    projection.push(column_output(src, i));
                }
            }
            ast::SelectItem::QualifiedWildcard(kind, _) => {
                let src = source
                    .as_ref()
                    .ok_or_else(|| Error::new(1096, "HY000", "No tables used"))?;
                let name = kind.to_string();
                let last = name.rsplit('.').next().unwrap_or(&name).trim_matches('`');
                if !last.eq_ignore_ascii_case(&src.alias) {
                    return Err(Error::new(1051, "42S02", format!("Unknown table '{last}'")));
                }
                for i in 0..src.scope.columns.len() {
                    projection.push(column_output(src, i));
                }
            }
            ast::SelectItem::UnnamedExpr(e) => {
                let bound = binder.bind(e)?;
                let out = match (&bound, &source) {
                    (Expr::Column(i, _), Some(src)) => column_output(src, *i).1,
                    _ => ResultColumn::computed(source_text(sql, e), bound.data_type()),
                };
                projection.push((bound, out));
            }
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                let bound = binder.bind(expr)?;
                let mut out = match (&bound, &source) {
                    (Expr::Column(i, _), Some(src)) => column_output(src, *i).1,
                    _ => ResultColumn::computed(String::new(), bound.data_type()),
                };
                out.name = alias.value.clone();
                projection.push((bound, out));
            }
            other => return Err(Error::unsupported(format!("select item {other}"))),
        }
    }
    let mut order = Vec::new();
    if let Some(ob) = &query.order_by {
        let ast::OrderByKind::Expressions(exprs) = &ob.kind else {
            return Err(Error::unsupported("ORDER BY ALL"));
        };
        let order_binder = Binder::new(scope, ctx.session, "order clause");
        for o in exprs {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            let key = order_key(&o.expr, &order_binder, &projection)?;
            order.push((key, desc));
        }
    }
    let (offset, limit) = limit_clause(ctx, query.limit_clause.as_ref())?;
    let access = match &source {
        Some(src) => src.access(filter.as_ref()),
        None => Access::FullScan,
    };
    let scan_order = handle_order(source.as_ref(), &order, &access);
    if scan_order != ScanOrder::Any {
        order.clear();
    }
    Ok(SelectPlan {
        source,
        filter,
        access,
        projection,
        order,
        scan_order,
        offset,
        limit,
    })
}

/// Sorting by the handle column alone is the order a table scan delivers.
fn handle_order(src: Option<&Source>, order: &[(SortKey, bool)], access: &Access) -> ScanOrder {
    let Some(src) = src else {
        return ScanOrder::Any;
    };
    let Some(h) = src.table.info.handle_column else {
        return ScanOrder::Any;
    };
    if !matches!(access, Access::FullScan | Access::TableRange(_)) {
        return ScanOrder::Any;
    }
    match order {
        [(SortKey::Scope(Expr::Column(i, _)), desc)] if src.scope_to_table[*i] == h => {
            if *desc {
                ScanOrder::HandleDesc
            } else {
                ScanOrder::HandleAsc
            }
        }
        _ => ScanOrder::Any,
    }
}

fn order_key(
    e: &ast::Expr,
    binder: &Binder,
    projection: &[(Expr, ResultColumn)],
) -> Result<SortKey> {
    // ORDER BY 2: the second output column.
    if let ast::Expr::Value(v) = e {
        if let ast::Value::Number(n, _) = &v.value {
            let pos: usize = n.parse().map_err(|_| Error::syntax(n))?;
            if pos == 0 || pos > projection.len() {
                return Err(Error::unknown_column(n, "order clause"));
            }
            return Ok(SortKey::Output(pos - 1));
        }
    }
    match binder.bind(e) {
        Ok(b) => Ok(SortKey::Scope(b)),
        Err(err) if err.code == 1054 => {
            // An alias of an output column.
            if let ast::Expr::Identifier(id) = e {
                if let Some(i) = projection
                    .iter()
                    .position(|(_, c)| c.name.eq_ignore_ascii_case(&id.value))
                {
                    return Ok(SortKey::Output(i));
                }
            }
            Err(err)
        }
        Err(err) => Err(err),
    }
}

pub fn limit_clause(
    ctx: &Context,
    lc: Option<&ast::LimitClause>,
) -> Result<(usize, Option<usize>)> {
    let eval = |e: &ast::Expr| -> Result<usize> {
        let v = Binder::new(&Scope::default(), ctx.session, "limit clause")
            .bind(e)?
            .eval(&[])?;
        match v {
            Value::Int(i) if i >= 0 => Ok(i as usize),
            Value::UInt(u) => Ok(u.min(usize::MAX as u64) as usize),
            _ => Err(Error::syntax(&e.to_string())),
        }
    };
    Ok(match lc {
        None => (0, None),
        Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => (
            offset
                .as_ref()
                .map(|o| eval(&o.value))
                .transpose()?
                .unwrap_or(0),
            limit.as_ref().map(eval).transpose()?,
        ),
        Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
            (eval(offset)?, Some(eval(limit)?))
        }
    })
}

fn column_output(src: &Source, i: usize) -> (Expr, ResultColumn) {
    let info = &src.table.info;
    let col_idx = src.scope_to_table[i];
    let col = &info.columns[col_idx];
    let in_index = |unique: bool, primary: bool| {
        info.indexes.iter().any(|ix| {
            ix.columns.first() == Some(&col_idx) && ix.unique == unique && ix.primary == primary
        })
    };
    let pk = info.handle_column == Some(col_idx) || in_index(true, true);
    (
        Expr::Column(i, col.ty.clone()),
        ResultColumn {
            name: col.name.clone(),
            org_name: col.name.clone(),
            table: src.alias.clone(),
            org_table: info.name.clone(),
            db: src.db.clone(),
            ty: Some(col.ty.clone()),
            not_null: !col.nullable,
            primary_key: pk,
            unique_key: in_index(true, false),
            multiple_key: in_index(false, false),
            auto_increment: col.auto_increment,
        },
    )
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

pub fn run(ctx: &mut Context, txn: &dyn Transaction, plan: &SelectPlan) -> Result<ResultSet> {
    let columns: Vec<ResultColumn> = plan.projection.iter().map(|(_, c)| c.clone()).collect();
    // Without a sort, reading stops once offset + limit rows matched.
    let read_limit = if plan.order.is_empty() {
        plan.limit.map(|l| l.saturating_add(plan.offset))
    } else {
        None
    };
    let scope_rows: Vec<Vec<Value>> = match &plan.source {
        None => {
            let pass = match &plan.filter {
                None => true,
                Some(f) => f.eval(&[])?.truth() == Some(true),
            };
            if pass {
                vec![vec![]]
            } else {
                vec![]
            }
        }
        Some(src) => read_rows(
            src,
            txn,
            &plan.access,
            plan.filter.as_ref(),
            plan.scan_order,
            read_limit,
        )?
        .into_iter()
        .map(|(_, row)| src.project(&row))
        .collect(),
    };
    let mut rows = Vec::with_capacity(scope_rows.len());
    for srow in &scope_rows {
        let out: Vec<Value> = plan
            .projection
            .iter()
            .map(|(e, _)| e.eval(srow))
            .collect::<Result<_>>()?;
        let keys: Vec<Value> = plan
            .order
            .iter()
            .map(|(k, _)| match k {
                SortKey::Scope(e) => e.eval(srow),
                SortKey::Output(i) => Ok(out[*i].clone()),
            })
            .collect::<Result<_>>()?;
        rows.push((keys, out));
    }
    if !plan.order.is_empty() {
        rows.sort_by(|(a, _), (b, _)| {
            for ((x, y), (_, desc)) in a.iter().zip(b).zip(&plan.order) {
                let o = x.sql_cmp(y);
                if o != Ordering::Equal {
                    return if *desc { o.reverse() } else { o };
                }
            }
            Ordering::Equal
        });
    }
    ctx.found_rows = Some(rows.len() as u64);
    let rows: Vec<Vec<Value>> = rows
        .into_iter()
        .skip(plan.offset)
        .take(plan.limit.unwrap_or(usize::MAX))
        .map(|(_, r)| r)
        .collect();
    Ok(ResultSet { columns, rows })
}
