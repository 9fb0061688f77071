//! ADMIN CHECK TABLE / INDEX: every public index must hold exactly one entry per row, with
//! the row's values; TiDB's 8223 reports the first difference.

use crate::catalog::{SchemaState, TableInfo};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::table::Table;
use crate::types::Value;

/// TiDB's datum kinds, as its inconsistency messages print values.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "KindNull".into(),
        Value::Int(i) => format!("KindInt64 {i}"),
        Value::UInt(u) => format!("KindUint64 {u}"),
        Value::Float(f) => format!("KindFloat64 {f}"),
        Value::Decimal(d) => format!("KindMysqlDecimal {d}"),
        Value::Bytes(_) => format!("KindString {}", v.to_string_lossy()),
        Value::Date(_) | Value::DateTime(_) => format!("KindMysqlTime {v}"),
    }
}

fn describe(handle: i64, values: &[Value]) -> String {
    let vs: Vec<String> = values.iter().map(kind).collect();
    format!("handle: {handle}, values: [{}]", vs.join(" "))
}

fn inconsistency(
    table: &str,
    index: &str,
    handle: i64,
    index_values: &str,
    record_values: &str,
) -> Error {
    Error::new(
        8223,
        "HY000",
        format!("data inconsistency in table: {table}, index: {index}, handle: {handle}, index-values:\"{index_values}\" != record-values:\"{record_values}\""),
    )
}

/// Checks every public index of `info` (or only `only`) against the rows, at the snapshot of
/// `txn`.
pub fn check_table(
    txn: &dyn Transaction,
    info: &std::sync::Arc<TableInfo>,
    only: Option<&str>,
) -> Result<()> {
    let table = Table::new(info.clone());
    for index in info
        .indexes
        .iter()
        .filter(|i| i.state == SchemaState::Public)
    {
        if only.is_some_and(|n| !n.eq_ignore_ascii_case(&index.name)) {
            continue;
        }
        if let Some(m) = table.check_index(txn, index)? {
            let shown = |side: &Option<(i64, Vec<Value>)>| {
                side.as_ref()
                    .map_or(String::new(), |(h, values)| describe(*h, values))
            };
            return Err(inconsistency(
                &info.name,
                &index.name,
                m.handle,
                &shown(&m.index),
                &shown(&m.record),
            ));
        }
    }
    Ok(())
}
