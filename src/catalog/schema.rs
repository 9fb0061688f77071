//! An immutable snapshot of the whole schema at one version: what a statement binds against.

use std::collections::HashMap;
use std::sync::Arc;

use super::meta::{self, Result};
use super::model::{DatabaseInfo, SchemaState, TableInfo};
use crate::kv::Transaction;
use crate::types::collation::Collation;

/// One database and its tables, keyed by lower-cased name (names compare case-insensitively,
/// as in TiDB, and keep the case they were created with).
#[derive(Debug, Clone)]
pub struct DatabaseEntry {
    pub info: DatabaseInfo,
    pub tables: HashMap<String, Arc<TableInfo>>,
}

#[derive(Debug, Clone, Default)]
pub struct InfoSchema {
    pub version: u64,
    dbs: HashMap<String, Arc<DatabaseEntry>>,
    /// (parent database, parent table), lower-cased -> the tables whose foreign keys
    /// reference it, as (database, table) names (TiDB's referred foreign key map, built at
    /// load: a child may be created before its parent while `foreign_key_checks` is off).
    referenced_by: HashMap<(String, String), Vec<(String, String)>>,
}

impl InfoSchema {
    /// Reads the schema as of `txn`'s snapshot.
    pub fn load(txn: &dyn Transaction) -> Result<InfoSchema> {
        let version = meta::schema_version(txn)?;
        let mut dbs = HashMap::new();
        for info in meta::load_databases(txn)? {
            let tables = by_name(meta::load_tables(txn, info.id)?);
            dbs.insert(
                info.name.to_lowercase(),
                Arc::new(DatabaseEntry { info, tables }),
            );
        }
        let referenced_by = referenced_by(&dbs);
        Ok(InfoSchema {
            version,
            dbs,
            referenced_by,
        })
    }

    /// This schema brought to the version of `txn`'s snapshot by `diffs`, one per version
    /// after this one: only the databases and tables they name are read again, the rest is
    /// shared with this snapshot (TiDB's schema diffs; a full load reads every table
    /// definition, through every dead version a busy DDL history leaves until GC).
    pub fn apply(&self, txn: &dyn Transaction, diffs: &[meta::SchemaDiff]) -> Result<InfoSchema> {
        let version = meta::schema_version(txn)?;
        let mut dbs = self.dbs.clone();
        let mut db_ids: Vec<i64> = diffs.iter().flat_map(|d| d.dbs.iter().copied()).collect();
        db_ids.sort_unstable();
        db_ids.dedup();
        for db_id in db_ids {
            let old = dbs
                .iter()
                .find(|(_, e)| e.info.id == db_id)
                .map(|(k, e)| (k.clone(), e.clone()));
            if let Some((key, _)) = &old {
                dbs.remove(key);
            }
            if let Some(info) = meta::get_database(txn, db_id)? {
                let tables = match old {
                    Some((_, entry)) => entry.tables.clone(),
                    None => by_name(meta::load_tables(txn, db_id)?),
                };
                dbs.insert(
                    info.name.to_lowercase(),
                    Arc::new(DatabaseEntry { info, tables }),
                );
            }
        }
        let mut tables: Vec<(i64, i64)> = diffs
            .iter()
            .flat_map(|d| d.tables.iter().copied())
            .collect();
        tables.sort_unstable();
        tables.dedup();
        for (db_id, table_id) in tables {
            // Out of whichever database had it (a rename may move it to another).
            for entry in dbs.values_mut() {
                if entry.tables.values().any(|t| t.id == table_id) {
                    Arc::make_mut(entry).tables.retain(|_, t| t.id != table_id);
                }
            }
            let Some(table) = meta::get_table(txn, db_id, table_id)? else {
                continue;
            };
            if let Some(entry) = dbs.values_mut().find(|e| e.info.id == db_id) {
                Arc::make_mut(entry)
                    .tables
                    .insert(table.name.to_lowercase(), Arc::new(table));
            }
        }
        let referenced_by = referenced_by(&dbs);
        Ok(InfoSchema {
            version,
            dbs,
            referenced_by,
        })
    }

    /// The tables (public or not) with a foreign key referencing `db`.`table`, the table
    /// itself included when it references itself: (database, table) names.
    pub fn referencing(&self, db: &str, table: &str) -> &[(String, String)] {
        self.referenced_by
            .get(&(db.to_lowercase(), table.to_lowercase()))
            .map_or(&[], |v| v.as_slice())
    }

    pub fn database(&self, name: &str) -> Option<&DatabaseEntry> {
        self.dbs
            .get(&name.to_lowercase())
            .map(|d| d.as_ref())
            .filter(|d| d.info.state == SchemaState::Public)
    }

    /// The default collation of database `name` (tables created in it take it).
    pub fn database_collation(&self, name: &str) -> Collation {
        self.database(name)
            .and_then(|d| Collation::by_name(&d.info.collation))
            .unwrap_or_default()
    }

    pub fn table(&self, db: &str, table: &str) -> Option<&Arc<TableInfo>> {
        self.database(db)?
            .tables
            .get(&table.to_lowercase())
            .filter(|t| t.state == SchemaState::Public)
    }

    /// A table in any state, by id.
    pub fn table_by_id(&self, id: i64) -> Option<&Arc<TableInfo>> {
        self.dbs
            .values()
            .find_map(|d| d.tables.values().find(|t| t.id == id))
    }

    /// The tables (in any state) of the database with id `db_id`, even one being dropped.
    pub fn tables_by_db_id(&self, db_id: i64) -> Vec<&Arc<TableInfo>> {
        self.dbs
            .values()
            .filter(|d| d.info.id == db_id)
            .flat_map(|d| d.tables.values())
            .collect()
    }

    /// Public databases sorted by name.
    pub fn databases(&self) -> Vec<&DatabaseInfo> {
        let mut v: Vec<_> = self
            .dbs
            .values()
            .filter(|d| d.info.state == SchemaState::Public)
            .map(|d| &d.info)
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Public tables of a database sorted by name.
    pub fn tables(&self, db: &str) -> Vec<&Arc<TableInfo>> {
        let mut v: Vec<_> = self
            .database(db)
            .map(|d| {
                d.tables
                    .values()
                    .filter(|t| t.state == SchemaState::Public)
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

/// Tables keyed by lower-cased name.
fn by_name(tables: Vec<TableInfo>) -> HashMap<String, Arc<TableInfo>> {
    tables
        .into_iter()
        .map(|t| (t.name.to_lowercase(), Arc::new(t)))
        .collect()
}

/// The reverse of every table's foreign keys: parent -> children.
fn referenced_by(
    dbs: &HashMap<String, Arc<DatabaseEntry>>,
) -> HashMap<(String, String), Vec<(String, String)>> {
    let mut map: HashMap<(String, String), Vec<(String, String)>> = HashMap::new();
    for db in dbs.values() {
        for table in db.tables.values() {
            for fk in &table.foreign_keys {
                let parent = (
                    fk.parent_db(&db.info.name).to_lowercase(),
                    fk.ref_table.to_lowercase(),
                );
                let child = (db.info.name.clone(), table.name.clone());
                let children = map.entry(parent).or_default();
                if !children.contains(&child) {
                    children.push(child);
                }
            }
        }
    }
    map
}
