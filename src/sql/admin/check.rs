//! ADMIN CHECK TABLE / INDEX: every public index must hold exactly one entry per row, with
//! the row's values; TiDB's 8223 reports the first difference.

use crate::catalog::{SchemaState, TableInfo};
use crate::error::Result;
use crate::kv::Transaction;
use crate::table::Table;

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
            return Err(m.error(&info.name, &index.name));
        }
    }
    Ok(())
}
