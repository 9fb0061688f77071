//! ADMIN CHECK TABLE / INDEX: every public index must hold exactly one entry per row, with
//! the row's values; TiDB's 8223 reports the first difference.

use std::collections::BTreeMap;

use crate::catalog::{SchemaState, TableInfo};
use crate::codec::keys;
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};
use crate::table::{HandleRange, Table};
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
        // What the index should hold: key -> (handle, index values).
        let mut expected: BTreeMap<Vec<u8>, (i64, Vec<Value>)> = BTreeMap::new();
        table.scan_rows(txn, &HandleRange::all(), false, |handle, row| {
            let (key, _) = table.index_key(index, &row, handle);
            let values = index.columns.iter().map(|&c| row[c].clone()).collect();
            expected.insert(key, (handle, values));
            Ok(true)
        })?;
        let prefix = keys::index_prefix(info.id, index.id);
        let mut range = KeyRange::prefix(&prefix);
        loop {
            let batch = txn.scan(&range, 1024, false)?;
            for (key, value) in &batch {
                let (values, handle) =
                    keys::decode_index_key(key, index.columns.len()).map_err(Error::internal)?;
                let handle = match handle {
                    Some(h) => h,
                    None => keys::decode_handle_value(value).map_err(Error::internal)?,
                };
                match expected.remove(key) {
                    Some((h, _)) if h == handle => {}
                    Some((h, row_values)) => {
                        return Err(inconsistency(
                            &info.name,
                            &index.name,
                            h,
                            &describe(handle, &values),
                            &describe(h, &row_values),
                        ));
                    }
                    None => {
                        let record = match table.row(txn, handle)? {
                            Some(row) => describe(
                                handle,
                                &index
                                    .columns
                                    .iter()
                                    .map(|&c| row[c].clone())
                                    .collect::<Vec<_>>(),
                            ),
                            None => String::new(),
                        };
                        return Err(inconsistency(
                            &info.name,
                            &index.name,
                            handle,
                            &describe(handle, &values),
                            &record,
                        ));
                    }
                }
            }
            if batch.len() < 1024 {
                break;
            }
            if let Some((last, _)) = batch.last() {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
        }
        if let Some((_, (handle, values))) = expected.into_iter().next() {
            return Err(inconsistency(
                &info.name,
                &index.name,
                handle,
                "",
                &describe(handle, &values),
            ));
        }
    }
    Ok(())
}
