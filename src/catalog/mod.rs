//! The schema model, its persistence in the store, and the per-node schema cache.
//!
//! Statements bind against an immutable [`InfoSchema`] snapshot taken when they start; DDL
//! writes new schema records and bumps the global schema version in one transaction, then the
//! cache reloads.

mod autoid;
#[cfg(test)]
pub(crate) mod fixtures;
mod foreign_key;
pub mod meta;
mod model;
mod schema;
pub mod stats;
mod temporary;

pub use autoid::AutoIdAllocator;
pub use foreign_key::{check_reference, ForeignKeyInfo, RefAction};
pub use meta::MetaError;
pub use model::{
    BackfillState, CheckInfo, ColumnChange, ColumnInfo, DatabaseInfo, DefaultValue, GeneratedInfo,
    IndexInfo, SchemaState, TableInfo, ViewInfo,
};
pub use schema::{DatabaseEntry, InfoSchema};
pub use temporary::TemporaryTables;

use std::sync::Arc;

use parking_lot::RwLock;

use crate::kv::Store;

/// A node's schema cache.
pub struct Catalog {
    store: Arc<dyn Store>,
    current: RwLock<Arc<InfoSchema>>,
}

impl Catalog {
    pub fn open(store: Arc<dyn Store>) -> meta::Result<Catalog> {
        let txn = store.begin()?;
        let schema = InfoSchema::load(txn.as_ref())?;
        Ok(Catalog {
            store,
            current: RwLock::new(Arc::new(schema)),
        })
    }

    /// The newest loaded schema.
    pub fn snapshot(&self) -> Arc<InfoSchema> {
        self.current.read().clone()
    }

    /// Reloads the schema if the stored version moved; returns the current snapshot.
    pub fn reload(&self) -> meta::Result<Arc<InfoSchema>> {
        let txn = self.store.begin()?;
        let version = meta::schema_version(txn.as_ref())?;
        if version == self.current.read().version {
            return Ok(self.snapshot());
        }
        let schema = Arc::new(InfoSchema::load(txn.as_ref())?);
        let mut current = self.current.write();
        if schema.version > current.version {
            *current = schema;
        }
        Ok(current.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(id: i64, name: &str) -> DatabaseInfo {
        DatabaseInfo {
            id,
            name: name.into(),
            charset: "utf8mb4".into(),
            collation: "utf8mb4_bin".into(),
            state: SchemaState::Public,
        }
    }

    #[test]
    fn the_cache_moves_only_with_the_schema_version() {
        let store = crate::kv::open_memory().expect("store");
        let catalog = Catalog::open(store.clone()).expect("open");
        assert_eq!(catalog.snapshot().version, 0);

        // A record written without a version bump stays invisible to the cache.
        let mut txn = store.begin().expect("begin");
        meta::put_database(txn.as_mut(), &database(1, "d"));
        txn.commit().expect("commit");
        assert!(catalog.reload().expect("reload").database("d").is_none());

        let mut txn = store.begin().expect("begin");
        let version = meta::bump_schema_version(txn.as_mut()).expect("bump");
        txn.commit().expect("commit");
        let schema = catalog.reload().expect("reload");
        assert_eq!(schema.version, version);
        assert!(
            schema.database("D").is_some(),
            "names match case-insensitively"
        );

        // An older snapshot taken before stays as it was.
        let before = catalog.snapshot();
        let mut txn = store.begin().expect("begin");
        meta::put_database(txn.as_mut(), &database(2, "e"));
        meta::bump_schema_version(txn.as_mut()).expect("bump");
        txn.commit().expect("commit");
        catalog.reload().expect("reload");
        assert!(before.database("e").is_none());
        assert!(catalog.snapshot().database("e").is_some());
    }

    #[test]
    fn auto_ids_are_unique_and_rebase_past_explicit_values() {
        let store = crate::kv::open_memory().expect("store");
        let ids = AutoIdAllocator::new(store.clone());
        let a = ids.alloc(7, 1).expect("alloc");
        let b = ids.alloc(7, 1).expect("alloc");
        assert!(b > a);
        ids.rebase(7, 1000).expect("rebase");
        assert!(ids.alloc(7, 1).expect("alloc") > 1000);
        // A second allocator over the same store (another node) never hands out the same ids.
        let other = AutoIdAllocator::new(store);
        let c = other.alloc(7, 1).expect("alloc");
        assert!(c > 1000 && c != b);
    }
}
