//! The schema model, its persistence in the store, and the per-node schema cache.
//!
//! Statements bind against an immutable [`InfoSchema`] snapshot taken when they start; DDL
//! writes new schema records and bumps the global schema version in one transaction, then the
//! cache reloads.

mod autoid;
pub mod meta;
mod model;
mod schema;

pub use autoid::AutoIdAllocator;
pub use meta::{MetaError, UserRecord};
pub use model::{
    ColumnInfo, DatabaseInfo, DefaultValue, ForeignKeyInfo, IndexInfo, SchemaState, TableInfo,
};
pub use schema::{DatabaseEntry, InfoSchema};

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
