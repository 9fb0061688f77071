//! Table statistics as TiDB keeps them in `mysql.stats_meta`: per table, the estimated row
//! count, how many rows changed since the last ANALYZE, and when either last moved.
//!
//! Every node adds the row changes its committed transactions made ([`StatsMeta::add`],
//! flushed in batches by the domain), and ANALYZE TABLE replaces the count with an exact
//! one. The count is an estimate, as TiDB's: changes a node had not flushed before a crash
//! are lost, and a rolled-back savepoint's changes are kept. Stored under
//! `mStats:{table_id:020}` as JSON.

use serde::{Deserialize, Serialize};

use crate::kv::{self, Transaction};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsMeta {
    pub count: i64,
    pub modify_count: i64,
    /// Milliseconds since the epoch.
    pub update_ms: i64,
}

fn key(table_id: i64) -> Vec<u8> {
    format!("mStats:{table_id:020}").into_bytes()
}

pub fn load(txn: &dyn Transaction, table_id: i64) -> kv::Result<StatsMeta> {
    Ok(txn
        .get(&key(table_id))?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

fn store(txn: &mut dyn Transaction, table_id: i64, meta: &StatsMeta) {
    txn.put(key(table_id), serde_json::to_vec(meta).unwrap_or_default());
}

impl StatsMeta {
    /// Adds committed changes: `delta` rows (inserted minus deleted), `modified` rows
    /// written at all. The count never goes below zero.
    pub fn add(
        txn: &mut dyn Transaction,
        table_id: i64,
        delta: i64,
        modified: i64,
        now_ms: i64,
    ) -> kv::Result<()> {
        let mut meta = load(txn, table_id)?;
        meta.count = meta.count.saturating_add(delta).max(0);
        meta.modify_count = meta.modify_count.saturating_add(modified);
        meta.update_ms = now_ms;
        store(txn, table_id, &meta);
        Ok(())
    }

    /// ANALYZE: the exact count, nothing modified since.
    pub fn analyzed(txn: &mut dyn Transaction, table_id: i64, count: i64, now_ms: i64) {
        let meta = StatsMeta {
            count,
            modify_count: 0,
            update_ms: now_ms,
        };
        store(txn, table_id, &meta);
    }
}
