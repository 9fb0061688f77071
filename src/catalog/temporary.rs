//! A session's temporary tables (CREATE TEMPORARY TABLE): definitions only that session
//! sees, found before the shared catalog's tables of the same name, never in the shared
//! catalog, SHOW TABLES or information_schema. Their rows live in the store under their own
//! table id like any table's (so transactions, indexes and rollback work unchanged); the
//! store keeps a registry of those ids so that rows left by a session that ended without
//! dropping them (a crash) are removed when the server starts.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::TableInfo;

#[derive(Debug, Clone, Default)]
pub struct TemporaryTables {
    /// By (database, table) name, lower-cased.
    tables: BTreeMap<(String, String), Arc<TableInfo>>,
}

fn key(db: &str, name: &str) -> (String, String) {
    (db.to_lowercase(), name.to_lowercase())
}

impl TemporaryTables {
    pub fn get(&self, db: &str, name: &str) -> Option<Arc<TableInfo>> {
        self.tables.get(&key(db, name)).cloned()
    }

    pub fn insert(&mut self, db: &str, table: TableInfo) {
        self.tables.insert(key(db, &table.name), Arc::new(table));
    }

    pub fn remove(&mut self, db: &str, name: &str) -> Option<Arc<TableInfo>> {
        self.tables.remove(&key(db, name))
    }

    /// Every table, emptying the set (the session ends).
    pub fn take_all(&mut self) -> Vec<Arc<TableInfo>> {
        std::mem::take(&mut self.tables).into_values().collect()
    }
}
