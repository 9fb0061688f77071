//! ANALYZE TABLE and SHOW STATS_META: TiDB's table statistics, as far as moltdb keeps them
//! (the row count and the rows modified since; see `catalog::stats`).
//!
//! ANALYZE counts each table's rows at a fresh snapshot and stores the exact count; it
//! answers OK as TiDB does (MySQL returns a status table instead).

use crate::catalog::stats::StatsMeta;
use crate::domain::now_ms;
use crate::error::Result;
use crate::sql::context::Context;
use crate::sql::result::{QueryResult, ResultColumn, ResultSet};
use crate::table::Table;
use crate::types::{DataType, IntKind, Value};

pub fn analyze(ctx: &Context, tables: &[(Option<String>, String)]) -> Result<QueryResult> {
    // Every name is checked before anything is counted (1146 for an unknown table).
    let infos = tables
        .iter()
        .map(|(db, name)| ctx.table(db.as_deref(), name))
        .collect::<Result<Vec<_>>>()?;
    let store = ctx.domain.store.as_ref();
    for (_, info) in infos {
        let count = Table::new(info.clone()).count_rows(store.begin()?.as_ref())?;
        let mut txn = store.begin()?;
        StatsMeta::analyzed(txn.as_mut(), info.id, count, now_ms());
        txn.commit()?;
        ctx.domain.stats.analyzed(info.id);
    }
    Ok(QueryResult::ok())
}

/// SHOW STATS_META: Db_name, Table_name, Partition_name, Update_time, Modify_count,
/// Row_count of every base table the account may see; `LIKE` matches the table name.
pub fn stats_meta(ctx: &Context, like: Option<&str>) -> Result<QueryResult> {
    let mut rows = Vec::new();
    for db in ctx.schema.databases() {
        let db = &db.name;
        for t in ctx.schema.tables(db) {
            if t.view.is_some() || !ctx.can_see_table(db, &t.name) {
                continue;
            }
            if !crate::sql::show::matches(like, &t.name) {
                continue;
            }
            let meta = ctx.domain.stats.meta(ctx.domain.store.as_ref(), t.id)?;
            let updated = chrono::DateTime::from_timestamp_millis(meta.update_ms)
                .map(|d| Value::DateTime(d.naive_utc()))
                .unwrap_or(Value::Null);
            rows.push(vec![
                Value::str(db),
                Value::str(&t.name),
                Value::str(""),
                if meta.update_ms > 0 {
                    updated
                } else {
                    Value::Null
                },
                Value::Int(meta.modify_count),
                Value::Int(meta.count),
            ]);
        }
    }
    let bigint = Some(DataType::Int {
        kind: IntKind::Big,
        unsigned: false,
    });
    let mut columns: Vec<ResultColumn> = ["Db_name", "Table_name", "Partition_name"]
        .into_iter()
        .map(ResultColumn::text)
        .collect();
    columns.push(ResultColumn::computed(
        "Update_time",
        Some(DataType::DateTime { fsp: 0 }),
    ));
    columns.push(ResultColumn::computed("Modify_count", bigint.clone()));
    columns.push(ResultColumn::computed("Row_count", bigint));
    Ok(QueryResult::Rows(ResultSet { columns, rows }))
}
