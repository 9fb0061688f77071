//! DELETE FROM ... [WHERE] [ORDER BY] [LIMIT].

use sqlparser::ast;

use super::update::{order_and_limit, sorted_rows, source_of};
use crate::kv::Transaction;
use crate::sql::binder::Binder;
use crate::sql::context::Context;
use crate::sql::error::{Error, Result};
use crate::sql::result::QueryResult;

pub fn execute(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    del: &ast::Delete,
) -> Result<QueryResult> {
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    let [twj] = from.as_slice() else {
        return Err(Error::unsupported("multi-table DELETE"));
    };
    if !twj.joins.is_empty() || !del.tables.is_empty() || del.using.is_some() {
        return Err(Error::unsupported("multi-table DELETE"));
    }
    let src = source_of(ctx, &twj.relation)?;
    let filter = del
        .selection
        .as_ref()
        .map(|w| Binder::new(&src.scope, ctx.session, "where clause").bind(w))
        .transpose()?;
    let (order, limit) = order_and_limit(ctx, &src, &del.order_by, del.limit.as_ref())?;
    let access = src.access(filter.as_ref());
    let rows = sorted_rows(&src, txn, &access, filter.as_ref(), &order, limit)?;
    let n = rows.len() as u64;
    for (handle, row) in rows {
        src.table.remove_record(txn, handle, &row)?;
    }
    Ok(QueryResult::affected(n))
}
