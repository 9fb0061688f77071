//! One SELECT block: FROM (with its joins), WHERE, GROUP BY and aggregates, HAVING, the
//! select list, DISTINCT, ORDER BY and LIMIT. Also the row reader UPDATE and DELETE share.
//!
//! Rows flow through the stages as plain value vectors: FROM rows (every column of every
//! table), then, in a grouped query, aggregated rows (group keys, then aggregate values),
//! then output rows.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use sqlparser::ast::{self, Spanned};

use super::access::{self, Access};
use super::binder::Binder;
use super::from::{Factor, FactorSource, FromPlan};
use super::hints::IndexHints;
use super::query::{plan_query, Planner, QueryPlan};
use super::rewrite::{and_all, conjuncts, Step};
use super::scope::{Scope, ScopeColumn};
use super::window::{WindowCall, Windows};
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::sql::aggregate::Grouping;
use crate::sql::context::Context;
use crate::sql::expr::Expr;
use crate::sql::functions::Func;
use crate::sql::result::ResultColumn;
use crate::sql::special_forms::comparison_fold;
use crate::table::Table;
use crate::types::{DataType, Value};

/// The name TiDB gives the hidden handle of a table without an integer primary key; a
/// query may name it, `SELECT *` does not list it.
pub const ROWID: &str = "_tidb_rowid";

/// A table as a query sees it: its public columns, under an alias, then (for a table whose
/// handle is hidden) `_tidb_rowid`.
pub struct Source {
    pub db: String,
    pub table: Table,
    pub alias: String,
    /// Table column offset of each scope column.
    pub scope_to_table: Vec<usize>,
    pub scope: Scope,
    /// USE / FORCE / IGNORE INDEX given after the table's name.
    pub hints: IndexHints,
    /// Whether the scope lists every table column in table order (no column is hidden
    /// by a schema change), so a table row is its scope row, and needs no copy.
    whole_row: bool,
    /// The table columns a query reads, when not all of them (`read_columns`): its scans
    /// decode only those and leave the others NULL.
    pub read_columns: Option<Vec<usize>>,
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
        if info.handle_column.is_none() {
            scope.columns.push(ScopeColumn {
                table: alias.clone(),
                name: ROWID.to_string(),
                ty: DataType::Int {
                    kind: crate::types::IntKind::Big,
                    unsigned: false,
                },
            });
        }
        let whole_row = scope_to_table.iter().copied().eq(0..info.columns.len());
        Source {
            whole_row,
            db,
            table: Table::new(info),
            alias,
            scope_to_table,
            scope,
            hints: IndexHints::default(),
            read_columns: None,
        }
    }

    /// A table named in FROM or as a DML target, with the index hints given after its name.
    pub fn hinted(
        db: String,
        info: Arc<TableInfo>,
        alias: Option<&ast::TableAlias>,
        hints: &[ast::TableIndexHints],
    ) -> Result<Source> {
        let hints = IndexHints::new(&info, hints)?;
        let mut src = Source::new(db, info, alias.map(|a| a.name.value.clone()));
        src.hints = hints;
        Ok(src)
    }

    /// The row as the scope sees it: its public columns, then the hidden handle if any.
    pub fn project(&self, handle: i64, row: &[Value]) -> Vec<Value> {
        let mut out = Vec::with_capacity(self.scope.columns.len());
        out.extend(self.scope_to_table.iter().map(|&i| row[i].clone()));
        if self.table.info.handle_column.is_none() {
            out.push(Value::Int(handle));
        }
        out
    }

    /// [`Source::project`] for a row the caller gives up: no copy of its values when the
    /// scope lists the whole row.
    pub fn into_scope(&self, handle: i64, mut row: Vec<Value>) -> Vec<Value> {
        if !self.whole_row {
            return self.project(handle, &row);
        }
        if self.table.info.handle_column.is_none() {
            row.push(Value::Int(handle));
        }
        row
    }

    /// [`Source::project`] for a look at the row (a filter's): borrowed when the scope row
    /// is the table row.
    pub fn scope_row<'r>(&self, handle: i64, row: &'r [Value]) -> Cow<'r, [Value]> {
        match self.whole_row && self.table.info.handle_column.is_some() {
            true => Cow::Borrowed(row),
            false => Cow::Owned(self.project(handle, row)),
        }
    }

    /// The scope column that holds the row's handle: the integer primary key, or the
    /// hidden `_tidb_rowid`.
    pub fn handle_scope_column(&self) -> usize {
        match self.table.info.handle_column {
            Some(h) => self
                .scope_to_table
                .iter()
                .position(|&i| i == h)
                .unwrap_or(self.scope_to_table.len()),
            None => self.scope_to_table.len(),
        }
    }

    /// How many scope columns `SELECT *` lists: all but the hidden handle.
    pub fn visible_width(&self) -> usize {
        self.scope_to_table.len()
    }

    pub fn access(&self, filter: Option<&Expr>) -> Access {
        access::choose(&self.table.info, filter, &self.scope_to_table, &self.hints)
    }
}

/// Order in which a scan can deliver rows so that a sort is unnecessary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    Any,
    HandleAsc,
    HandleDesc,
}

/// The rows a derived table or CTE is taken to have when joins are ordered: they have no
/// statistics.
const DERIVED_ROWS_GUESS: i64 = 1000;

/// The text of an expression as the client wrote it: MySQL names result columns by it.
pub fn source_text(sql: &str, e: &ast::Expr) -> String {
    let span = e.span();
    let (start, end) = (span.start, span.end);
    if start.line == 0 {
        return e.to_string();
    }
    let shown = e.to_string();
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match (
        crate::sql::parser::byte_offset(sql, start),
        crate::sql::parser::byte_offset(sql, end),
    ) {
        // Spans of some expressions cover only part of them: trust a span only when it
        // holds the whole expression, as written (`10 MOD 3` shows as `10 % 3`, so the
        // text is parsed again when it differs).
        // A function call's span can stop before clauses such as GROUP_CONCAT's ORDER BY:
        // its text then runs to the call's closing parenthesis. A subquery's covers the
        // query inside its parentheses only.
        (Some(a), Some(b)) if a < b && sql.get(a..b).is_some() => {
            let whole = call_end(sql, a)
                .map(|end| over_end(sql, end).unwrap_or(end))
                .filter(|&end| end > b)
                .map(|end| &sql[a..end]);
            let parenthesized = sql[..a]
                .trim_end()
                .strip_suffix('(')
                .map(str::len)
                .and_then(|open| group_end(sql, open).map(|end| &sql[open..end]));
            let closed = Some(&sql[a..close_groups(sql, a, b)]);
            [Some(&sql[a..b]), whole, parenthesized, closed]
                .into_iter()
                .flatten()
                .find(|text| squash(text) == squash(&shown) || reparses_as(text, &shown))
                .map_or(shown.clone(), str::to_string)
        }
        _ => shown,
    }
}

/// `end`, moved past the closing parentheses of groups `sql[start..end]` opens and does not
/// close (a span that stops inside a trailing subquery's parentheses).
fn close_groups(sql: &str, start: usize, end: usize) -> usize {
    let text = &sql[start..end];
    let mut open = text
        .matches('(')
        .count()
        .saturating_sub(text.matches(')').count());
    let mut at = end;
    while open > 0 {
        let rest = &sql[at..];
        let skipped = rest.len() - rest.trim_start().len();
        if !rest[skipped..].starts_with(')') {
            break;
        }
        at += skipped + 1;
        open -= 1;
    }
    at
}

/// Where the function call starting at `start` of `sql` (a name, then a parenthesised
/// argument list) ends: just past its closing parenthesis, quoted text skipped.
fn call_end(sql: &str, start: usize) -> Option<usize> {
    let name = word_len(sql.get(start..)?);
    if name == 0 {
        return None;
    }
    group_end(sql, start + name)
}

/// The length of the identifier-like word `text` starts with.
fn word_len(text: &str) -> usize {
    text.bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count()
}

/// Just past the parenthesis closing the one at `open` of `sql`, quoted text skipped.
fn group_end(sql: &str, open: usize) -> Option<usize> {
    let bytes = sql.as_bytes();
    if bytes.get(open) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'\'' | b'"' | b'`') => quote = Some(c),
            None if c == b'(' => depth += 1,
            None if c == b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// Where the `OVER (...)` or `OVER name` of a window call whose arguments end at `at` of
/// `sql` ends, if one follows.
fn over_end(sql: &str, at: usize) -> Option<usize> {
    let skip_ws = |i: usize| -> Option<usize> {
        let rest = sql.get(i..)?;
        Some(i + rest.len() - rest.trim_start().len())
    };
    let over = skip_ws(at)?;
    if !sql.get(over..over + 4)?.eq_ignore_ascii_case("over") {
        return None;
    }
    let window = skip_ws(over + 4)?;
    match group_end(sql, window) {
        Some(end) => Some(end),
        None => {
            let name = word_len(sql.get(window..)?);
            (name > 0).then_some(window + name)
        }
    }
}

/// True if `text` parses as one expression displayed as `shown`.
fn reparses_as(text: &str, shown: &str) -> bool {
    sqlparser::parser::Parser::new(&crate::sql::dialect::MySql)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .is_ok_and(|e| e.to_string() == shown)
}

pub struct SelectPlan {
    pub from: FromPlan,
    /// WHERE conjuncts that need the whole FROM row (the rest moved into `from`).
    pub filter: Option<Expr>,
    pub grouping: Option<Grouping>,
    /// Over aggregated rows.
    pub having: Option<Expr>,
    /// Window calls over the rows after grouping and HAVING (aggregated rows in a grouped
    /// query, FROM rows otherwise); each appends one column to the row, read by the
    /// projection and ORDER BY.
    pub windows: Vec<WindowCall>,
    /// Over aggregated rows in a grouped query, FROM rows otherwise, then the window
    /// columns.
    pub projection: Vec<(Expr, ResultColumn)>,
    pub distinct: bool,
    /// Sort keys: an expression over the projection's input row, or an output column.
    pub order: Vec<(SortKey, bool)>,
    pub scan_order: ScanOrder,
    pub offset: usize,
    pub limit: Option<usize>,
    /// SQL_CALC_FOUND_ROWS: FOUND_ROWS() counts the rows before OFFSET and LIMIT.
    pub calc_found_rows: bool,
}

pub enum SortKey {
    Scope(Expr),
    Output(usize),
}

impl SelectPlan {
    /// The table, filter and access path of a one-table query without joins: what EXPLAIN
    /// shows as a reader.
    pub fn single_table(&self) -> Option<(&Source, Option<Expr>, Access)> {
        let f = self.from.single_table()?;
        let src = f.table()?;
        let filter = and_all(f.filter.clone());
        let access = src.access(filter.as_ref());
        Some((src, filter, access))
    }
}

/// Plans a top-level query (no enclosing query).
pub fn plan(ctx: &Context, sql: &str, query: &ast::Query) -> Result<QueryPlan> {
    plan_query(&Planner { ctx, sql }, query, None)
}

/// A select-list item once bound: its expression over the FROM row (aggregates still
/// `AggRef`s), its description, and the alias it was given.
struct Item {
    expr: Expr,
    column: ResultColumn,
    alias: Option<String>,
}

pub fn plan_select(
    p: &Planner,
    select: &ast::Select,
    order_by: Option<&ast::OrderBy>,
    limit: Option<&ast::LimitClause>,
    outer: Option<&Scope>,
) -> Result<SelectPlan> {
    let mut from = FromPlan::plan(p, &select.from, outer)?;
    let session = p.ctx.session;
    let where_conjuncts = |scope: &Scope| -> Result<Vec<Expr>> {
        let mut filter = Vec::new();
        if let Some(w) = &select.selection {
            let bound = Binder::new(scope, session, "where clause")
                .with_subqueries(p)
                .bind(w)?;
            conjuncts(bound, &mut filter);
        }
        Ok(filter)
    };
    let mut filter = where_conjuncts(&from.scope)?;
    let straight = select
        .select_modifiers
        .as_ref()
        .is_some_and(|m| m.straight_join);
    let estimate = |f: &Factor| match &f.source {
        FactorSource::Table(src) => p.ctx.estimated_rows(src.table.info.id),
        FactorSource::Virtual(rows) => rows.len() as i64,
        _ => DERIVED_ROWS_GUESS,
    };
    if let Some(order) = from
        .connected_order(&filter, &estimate)
        .filter(|_| !straight)
    {
        // Planned again in the new order, WHERE bound over the new FROM row.
        let (reordered, on) = FromPlan::plan_in_order(p, &select.from, &order, outer)?;
        from = reordered;
        filter = where_conjuncts(&from.scope)?;
        filter.extend(on);
    }
    let scope = from.scope.clone();
    let filter = and_all(from.push_where(filter)?);
    from.choose_methods();

    let calls = RefCell::new(Vec::new());
    let windows = Windows::new(&select.named_window)?;
    let items = select_list(p, select, &from, &scope, &calls, &windows)?;
    let keys = group_keys(p, select, &scope, &items)?;
    let aliases: Vec<(String, Expr)> = items
        .iter()
        .map(|i| (i.column.name.clone(), i.expr.clone()))
        .collect();
    let having = select
        .having
        .as_ref()
        .map(|h| {
            Binder::new(&scope, session, "having clause")
                .with_subqueries(p)
                .with_aggregates(&calls)
                .with_aliases(&aliases)
                .bind(h)
        })
        .transpose()?;
    let mut order = Vec::new();
    if let Some(ob) = order_by {
        let ast::OrderByKind::Expressions(exprs) = &ob.kind else {
            return Err(Error::unsupported("ORDER BY ALL"));
        };
        let binder = Binder::new(&scope, session, "order clause")
            .with_subqueries(p)
            .with_aggregates(&calls)
            .with_windows(&windows);
        for o in exprs {
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            order.push((order_key(&o.expr, &binder, &items)?, desc));
        }
    }
    let calls = calls.into_inner();
    let mut window_calls = windows.calls.into_inner();
    let grouped = !keys.is_empty() || !calls.is_empty() || having.is_some();
    let mut projection: Vec<(Expr, ResultColumn)> =
        items.into_iter().map(|i| (i.expr, i.column)).collect();
    let (grouping, having) = if grouped {
        let mut g = Grouping {
            keys,
            calls,
            rollup: with_rollup(select)?,
        };
        g.check_grouping_calls()?;
        for (e, _) in &mut projection {
            *e = g.rewrite(std::mem::replace(e, Expr::Literal(Value::Null)))?;
        }
        for (k, _) in &mut order {
            if let SortKey::Scope(e) = k {
                *e = g.rewrite(std::mem::replace(e, Expr::Literal(Value::Null)))?;
            }
        }
        let having = having.map(|h| g.rewrite(h)).transpose()?;
        for call in &mut window_calls {
            for e in call.exprs_mut() {
                *e = g.rewrite(std::mem::replace(e, Expr::Literal(Value::Null)))?;
            }
        }
        (Some(g), having)
    } else {
        (None, None)
    };
    // The window columns follow the row they are computed over.
    let width = match &grouping {
        Some(g) => g.keys.len() + g.calls.len(),
        None => scope.columns.len(),
    };
    for e in projection
        .iter_mut()
        .map(|(e, _)| e)
        .chain(order.iter_mut().filter_map(|(k, _)| match k {
            SortKey::Scope(e) => Some(e),
            SortKey::Output(_) => None,
        }))
    {
        *e = window_columns(std::mem::replace(e, Expr::Literal(Value::Null)), width)?;
    }
    for (key, _) in &mut order {
        value_sort_key(key, &projection);
    }
    // `SELECT ALL` is the default spelled out: it keeps duplicates.
    let distinct = match &select.distinct {
        None | Some(ast::Distinct::All) => false,
        Some(ast::Distinct::Distinct) => true,
        Some(ast::Distinct::On(_)) => return Err(Error::syntax("DISTINCT ON")),
    };
    let (offset, limit) = limit_clause(p.ctx, limit)?;
    let mut scan_order = ScanOrder::Any;
    if grouping.is_none() && !distinct && filter.is_none() && window_calls.is_empty() {
        if let Some(f) = from.single_table() {
            scan_order = handle_order(f.table(), &order, &access_of(&from));
        }
    }
    if scan_order != ScanOrder::Any {
        order.clear();
    }
    let mut plan = SelectPlan {
        from,
        filter,
        grouping,
        having,
        windows: window_calls,
        projection,
        distinct,
        order,
        scan_order,
        offset,
        limit,
        calc_found_rows: select
            .select_modifiers
            .as_ref()
            .is_some_and(|m| m.sql_calc_found_rows),
    };
    super::read_columns::narrow_reads(&mut plan);
    Ok(plan)
}

/// Columns whose text does not sort as their values do: an ENUM sorts by member position
/// (`ORDER BY e` is `ORDER BY FIELD(e, 'first', 'second', ...)`), a TIME as a span, a
/// select-list string under a case-insensitive collation by its key (a key bound from the
/// FROM row has its collation already).
fn value_sort_key(key: &mut SortKey, projection: &[(Expr, ResultColumn)]) {
    let expr = match key {
        SortKey::Scope(e) => e.clone(),
        SortKey::Output(i) => match projection.get(*i) {
            Some((e, _)) => {
                if let Some(fold) = e.fold() {
                    *key = SortKey::Scope(e.clone().collated(fold));
                    return;
                }
                e.clone()
            }
            None => return,
        },
    };
    match expr.data_type() {
        Some(DataType::Enum { members }) if matches!(expr, Expr::Column(..)) => {
            let mut args = vec![expr.clone()];
            args.extend(members.iter().map(|m| Expr::Literal(Value::str(m))));
            *key = SortKey::Scope(Expr::Call(Func::Field, args));
        }
        Some(DataType::Time { .. }) => {
            *key = SortKey::Scope(Expr::Call(Func::TimeMicros, vec![expr]));
        }
        _ => {}
    }
}

/// Turns each window call reference into the column the window stage appends after the
/// `width` columns of the row it runs over.
fn window_columns(e: Expr, width: usize) -> Result<Expr> {
    e.rewrite(&mut |e| {
        Ok(match e {
            Expr::WindowRef(j, ty) => {
                Step::Replace(Expr::Column(width + j, ty.unwrap_or(DataType::Double)))
            }
            other => Step::Descend(other),
        })
    })
}

fn access_of(from: &FromPlan) -> Access {
    match from
        .single_table()
        .and_then(|f| Some((f.table()?, and_all(f.filter.clone()))))
    {
        Some((src, filter)) => src.access(filter.as_ref()),
        None => Access::FullScan,
    }
}

/// Binds the select list, expanding `*` and `t.*`.
fn select_list(
    p: &Planner,
    select: &ast::Select,
    from: &FromPlan,
    scope: &Scope,
    calls: &RefCell<Vec<crate::sql::aggregate::AggCall>>,
    windows: &Windows,
) -> Result<Vec<Item>> {
    let binder = Binder::new(scope, p.ctx.session, "field list")
        .with_subqueries(p)
        .with_aggregates(calls)
        .with_windows(windows);
    let column = |i: usize| -> Item {
        let ty = scope.columns[i].ty.clone();
        Item {
            expr: Expr::Column(i, ty.clone()),
            column: from
                .column_meta(i)
                .unwrap_or_else(|| ResultColumn::computed(scope.columns[i].name.clone(), Some(ty))),
            alias: None,
        }
    };
    let mut items = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::Wildcard(_) => {
                if from.factors.is_empty() {
                    return Err(Error::new(1096, "HY000", "No tables used"));
                }
                // The columns of the tables in the order the query names them.
                items.extend(from.star_columns().into_iter().map(column));
            }
            ast::SelectItem::QualifiedWildcard(kind, _) => {
                let ast::SelectItemQualifiedWildcardKind::ObjectName(name) = kind else {
                    return Err(Error::syntax(&kind.to_string()));
                };
                let (_, last) = crate::sql::context::split_name(name)?;
                let last = last.as_str();
                // A table's visible columns (inside a parenthesized join too).
                let columns: Vec<usize> = from
                    .factors
                    .iter()
                    .flat_map(|f| f.offset..f.offset + f.visible)
                    .filter(|&i| scope.columns[i].table.eq_ignore_ascii_case(last))
                    .collect();
                if columns.is_empty() {
                    return Err(Error::new(1051, "42S02", format!("Unknown table '{last}'")));
                }
                items.extend(columns.into_iter().map(column));
            }
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let bound = binder.bind(e)?;
                let mut out = match &bound {
                    Expr::Column(i, _) => column(*i).column,
                    _ => ResultColumn::computed(source_text(p.sql, e), bound.data_type()),
                };
                let alias = match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
                    _ => None,
                };
                if let Some(a) = &alias {
                    out.name = a.clone();
                }
                items.push(Item {
                    expr: bound,
                    column: out,
                    alias,
                });
            }
            other => return Err(Error::unsupported(format!("select item {other}"))),
        }
    }
    Ok(items)
}

/// GROUP BY expressions over the FROM row: columns first, then select-list aliases, and
/// `GROUP BY 2` for the second select-list item.
fn group_keys(
    p: &Planner,
    select: &ast::Select,
    scope: &Scope,
    items: &[Item],
) -> Result<Vec<Expr>> {
    let ast::GroupByExpr::Expressions(exprs, _) = &select.group_by else {
        return Err(Error::unsupported("GROUP BY ALL"));
    };
    let binder = Binder::new(scope, p.ctx.session, "group statement").with_subqueries(p);
    let mut keys = Vec::new();
    for e in exprs {
        let key = match position(e) {
            Some(pos) => {
                let item = pos
                    .checked_sub(1)
                    .and_then(|i| items.get(i))
                    .ok_or_else(|| Error::unknown_column(&pos.to_string(), "group statement"))?;
                item.expr.clone()
            }
            None => match binder.bind(e).and_then(|b| collation_key(e, b)) {
                Err(err @ Error::UnknownColumn { .. }) => {
                    alias_item(e, items).ok_or(err)?.expr.clone()
                }
                other => other?,
            },
        };
        if key.has_aggregate() {
            return Err(Error::new(1056, "42000", format!("Can't group on '{e}'")));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// A GROUP BY or ORDER BY key `e` (bound: `bound`) under a case-insensitive collation,
/// named with COLLATE or the column's own, groups and sorts by its collation key:
/// `GROUP BY name COLLATE utf8mb4_general_ci` puts 'a' and 'A' in one group.
fn collation_key(e: &ast::Expr, bound: Expr) -> Result<Expr> {
    Ok(
        match comparison_fold(&[e], std::slice::from_ref(&bound), None)? {
            Some(fold) => bound.collated(fold),
            None => bound,
        },
    )
}

/// True for `GROUP BY ... WITH ROLLUP`; MySQL has no other modifier (CUBE, GROUPING SETS).
fn with_rollup(select: &ast::Select) -> Result<bool> {
    let ast::GroupByExpr::Expressions(_, modifiers) = &select.group_by else {
        return Ok(false);
    };
    let mut rollup = false;
    for m in modifiers {
        match m {
            ast::GroupByWithModifier::Rollup => rollup = true,
            other => return Err(Error::syntax(&other.to_string())),
        }
    }
    Ok(rollup)
}

/// `ORDER BY 2`, `GROUP BY 2`: a position in the select list.
fn position(e: &ast::Expr) -> Option<usize> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The select-list item a bare name is the alias (or the column name) of.
fn alias_item<'i>(e: &ast::Expr, items: &'i [Item]) -> Option<&'i Item> {
    let ast::Expr::Identifier(id) = e else {
        return None;
    };
    items
        .iter()
        .find(|i| {
            i.alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&id.value))
        })
        .or_else(|| {
            items
                .iter()
                .find(|i| i.column.name.eq_ignore_ascii_case(&id.value))
        })
}

/// ORDER BY resolves a bare name to a select-list alias first, as MySQL does.
fn order_key(e: &ast::Expr, binder: &Binder, items: &[Item]) -> Result<SortKey> {
    if let Some(pos) = position(e) {
        if pos == 0 || pos > items.len() {
            return Err(Error::unknown_column(&pos.to_string(), "order clause"));
        }
        return Ok(SortKey::Output(pos - 1));
    }
    if let ast::Expr::Identifier(id) = e {
        if let Some(i) = items.iter().position(|i| {
            i.alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&id.value))
        }) {
            return Ok(SortKey::Output(i));
        }
    }
    match binder.bind(e).and_then(|b| collation_key(e, b)) {
        Ok(b) => Ok(SortKey::Scope(b)),
        Err(err @ Error::UnknownColumn { .. }) => match alias_item(e, items) {
            Some(item) => Ok(SortKey::Scope(collation_key(e, item.expr.clone())?)),
            None => Err(err),
        },
        Err(err) => Err(err),
    }
}

/// Sorting by the handle column alone is the order a table scan delivers.
fn handle_order(src: Option<&Source>, order: &[(SortKey, bool)], access: &Access) -> ScanOrder {
    let Some(src) = src else {
        return ScanOrder::Any;
    };
    let Some(h) = src.table.info.handle_column else {
        return ScanOrder::Any;
    };
    if !matches!(access, Access::FullScan | Access::TableRange { .. }) {
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

pub fn column_output(src: &Source, i: usize) -> (Expr, ResultColumn) {
    let info = &src.table.info;
    let Some(&col_idx) = src.scope_to_table.get(i) else {
        // The hidden handle.
        let ty = src.scope.columns[i].ty.clone();
        let mut column = ResultColumn::computed(ROWID.to_string(), Some(ty.clone()));
        column.table = src.alias.clone();
        column.org_table = info.name.clone();
        column.db = src.db.clone();
        column.not_null = true;
        return (Expr::Column(i, ty), column);
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The select-list items of `sql` named as the result columns name them.
    fn names(sql: &str) -> Vec<String> {
        let stmts = crate::sql::parse(sql).unwrap();
        let ast::Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        let ast::SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        s.projection
            .iter()
            .map(|item| match item {
                ast::SelectItem::UnnamedExpr(e) => source_text(sql, e),
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn columns_are_named_by_the_text_as_written() {
        assert_eq!(
            names("SELECT 10 mod 3, 1+2, a  +  b FROM t"),
            ["10 mod 3", "1+2", "a  +  b"]
        );
        assert_eq!(
            names("SELECT group_concat(a order by a desc separator ')'), count(*) FROM t"),
            ["group_concat(a order by a desc separator ')')", "count(*)"]
        );
        assert_eq!(
            names("SELECT (SELECT  max(x) FROM p), 1 +  (SELECT 2) FROM t"),
            ["(SELECT  max(x) FROM p)", "1 +  (SELECT 2)"]
        );
        assert_eq!(
            names("SELECT row_number() over (partition by a order by b), sum(a) OVER w FROM t"),
            [
                "row_number() over (partition by a order by b)",
                "sum(a) OVER w"
            ]
        );
    }
}
