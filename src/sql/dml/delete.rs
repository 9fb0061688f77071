//! DELETE FROM ... \[WHERE\] \[ORDER BY\] \[LIMIT\].

use sqlparser::ast;

use super::foreign_keys::StatementTables;
use super::update::{self, order_and_limit, sorted_rows};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::context::Context;
use crate::sql::expr::Expr;
use crate::sql::planner::select::Source;
use crate::sql::result::QueryResult;

pub fn execute(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    del: &ast::Delete,
) -> Result<QueryResult> {
    if is_multi_table(del) {
        return super::multi_table::delete(ctx, txn, del);
    }
    let (src, filter) = target(ctx, del)?;
    ctx.written.push(src.table.id());
    let (order, limit) = order_and_limit(ctx, &src, &del.order_by, del.limit.as_ref())?;
    let access = src.access(filter.as_ref());
    let rows = sorted_rows(&src, txn, &access, filter.as_ref(), &order, limit)?;
    let tables = StatementTables::of(ctx);
    let writer = tables.writer();
    // A cascade of an earlier row may remove or change a later one (a table that
    // references itself): only the rows the statement itself removes count.
    let reread = writer.cascades_from(&src.db, &src.table)?;
    let mut n = 0;
    for (handle, row) in rows {
        let row = match reread {
            true => match update::current_row(&src, txn, handle, &row, filter.as_ref())? {
                Some(row) => row,
                None => continue,
            },
            false => row,
        };
        writer.delete(txn, &src.db, &src.table, handle, &row)?;
        n += 1;
    }
    ctx.finish_writes(&writer);
    Ok(QueryResult::affected(n))
}

/// True for `DELETE t1, t2 FROM ...` and `DELETE FROM t1 USING ...`, and a join after FROM.
pub fn is_multi_table(del: &ast::Delete) -> bool {
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    !del.tables.is_empty()
        || del.using.is_some()
        || from.len() != 1
        || from.iter().any(|twj| !twj.joins.is_empty())
}

/// The table a single-table DELETE removes from and its bound WHERE clause.
pub fn target(ctx: &Context, del: &ast::Delete) -> Result<(Source, Option<Expr>)> {
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    match from.as_slice() {
        [twj] if !is_multi_table(del) => update::target(ctx, &twj.relation, del.selection.as_ref()),
        _ => Err(Error::unsupported("multi-table DELETE")),
    }
}
