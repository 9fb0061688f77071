//! ADMIN CHECKSUM TABLE: TiDB's result rows over `table::Table::checksum` (the CRC-64 XOR,
//! pair count and byte count of a table's rows and index entries at the statement's
//! snapshot).

use super::super::result::{ResultColumn, ResultSet};
use crate::table::Checksum;
use crate::types::{DataType, IntKind, Value};

/// TiDB's result: one row per table.
pub fn result(rows: Vec<(String, String, Checksum)>) -> ResultSet {
    let unsigned = |name| {
        let ty = DataType::Int {
            kind: IntKind::Big,
            unsigned: true,
        };
        ResultColumn::computed(name, Some(ty))
    };
    let columns = vec![
        ResultColumn::text("Db_name"),
        ResultColumn::text("Table_name"),
        unsigned("Checksum_crc64_xor"),
        unsigned("Total_kvs"),
        unsigned("Total_bytes"),
    ];
    let rows = rows
        .into_iter()
        .map(|(db, table, sum)| {
            vec![
                Value::str(&db),
                Value::str(&table),
                Value::UInt(sum.crc64_xor),
                Value::UInt(sum.kvs),
                Value::UInt(sum.bytes),
            ]
        })
        .collect();
    ResultSet { columns, rows }
}
