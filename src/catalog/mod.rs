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
        meta::index_table_names(store.as_ref())?;
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

    /// Reloads the schema if the stored version moved; returns the current snapshot. A
    /// cache at most [`meta::DIFFS_KEPT`] versions behind reads only what the versions
    /// since changed (their schema diffs); further behind, or with a diff missing, it
    /// loads the whole schema.
    pub fn reload(&self) -> meta::Result<Arc<InfoSchema>> {
        let txn = self.store.begin()?;
        let version = meta::schema_version(txn.as_ref())?;
        let current = self.snapshot();
        if version == current.version {
            return Ok(current);
        }
        let diffs = if version > current.version && version - current.version <= meta::DIFFS_KEPT {
            (current.version + 1..=version)
                .map(|v| meta::schema_diff(txn.as_ref(), v))
                .collect::<meta::Result<Option<Vec<_>>>>()?
        } else {
            None
        };
        let schema = Arc::new(match diffs {
            Some(diffs) => current.apply(txn.as_ref(), &diffs)?,
            None => InfoSchema::load(txn.as_ref())?,
        });
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

        // The change that bumps the version carries it (its diff names the database).
        let mut txn = store.begin().expect("begin");
        meta::put_database(txn.as_mut(), &database(1, "d"));
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

    /// Commits `change` with a version bump.
    fn change(store: &dyn Store, change: impl FnOnce(&mut dyn crate::kv::Transaction)) {
        let mut txn = store.begin().expect("begin");
        change(txn.as_mut());
        meta::bump_schema_version(txn.as_mut()).expect("bump");
        txn.commit().expect("commit");
    }

    /// (database, table, id) of every table, sorted.
    fn tables(schema: &InfoSchema) -> Vec<(String, String, i64)> {
        let mut out = Vec::new();
        for db in schema.databases() {
            for t in schema.tables(&db.name) {
                out.push((db.name.clone(), t.name.clone(), t.id));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn schema_diffs_bring_a_cache_to_what_a_full_load_reads() {
        let store = crate::kv::open_memory().expect("store");
        let catalog = Catalog::open(store.clone()).expect("open");
        let table = |db_id, id, name: &str| {
            let mut t = fixtures::table(id, name, &["a"], Vec::new());
            t.db_id = db_id;
            t
        };
        change(store.as_ref(), |txn| {
            meta::put_database(txn, &database(1, "d"));
            meta::put_database(txn, &database(2, "e"));
        });
        catalog.reload().expect("reload");
        change(store.as_ref(), |txn| {
            meta::put_table(txn, &table(1, 10, "t"));
            meta::put_table(txn, &table(1, 11, "u"));
        });
        change(store.as_ref(), |txn| {
            meta::put_table(txn, &table(2, 12, "v"));
        });
        catalog.reload().expect("reload");
        // Renamed, moved to another database, dropped, a database dropped with its table.
        change(store.as_ref(), |txn| {
            meta::put_table(txn, &table(1, 10, "t2"))
        });
        change(store.as_ref(), |txn| {
            txn.delete(meta::table_key(1, 11));
            meta::put_table(txn, &table(2, 11, "u"));
        });
        change(store.as_ref(), |txn| {
            txn.delete(meta::table_key(2, 12));
        });
        change(store.as_ref(), |txn| {
            meta::put_database(txn, &database(3, "f"));
            meta::put_table(txn, &table(3, 13, "w"));
        });
        let by_diffs = catalog.reload().expect("reload");
        let txn = store.begin().expect("begin");
        let full = InfoSchema::load(txn.as_ref()).expect("load");
        assert_eq!(by_diffs.version, full.version);
        assert_eq!(tables(&by_diffs), tables(&full));
        assert_eq!(
            tables(&full),
            [
                ("d".into(), "t2".into(), 10),
                ("e".into(), "u".into(), 11),
                ("f".into(), "w".into(), 13)
            ]
        );
        change(store.as_ref(), |txn| {
            txn.delete(meta::table_key(3, 13));
            txn.delete(meta::db_key(3));
        });
        assert!(catalog.reload().expect("reload").database("f").is_none());
    }

    #[test]
    fn tables_are_found_by_name_without_a_scan() {
        let store = crate::kv::open_memory().expect("store");
        let mut t = fixtures::table(10, "T", &["a"], Vec::new());
        // A table stored before name entries existed gets one when a catalog opens.
        let mut txn = store.begin().expect("begin");
        meta::put_database(txn.as_mut(), &database(1, "d"));
        let json = serde_json::to_vec(&t).expect("json");
        txn.put(meta::table_key(t.db_id, t.id), json);
        txn.commit().expect("commit");
        let by_name = |name: &str| {
            let txn = store.begin().expect("begin");
            meta::table_by_name(txn.as_ref(), 1, name)
                .expect("lookup")
                .map(|t| t.id)
        };
        assert_eq!(by_name("t"), None);
        Catalog::open(store.clone()).expect("open");
        assert_eq!(by_name("t"), Some(10));
        // Renamed: the old name's entry is stale and found out.
        t.name = "t2".into();
        change(store.as_ref(), |txn| meta::put_table(txn, &t));
        assert_eq!((by_name("t"), by_name("T2")), (None, Some(10)));
        change(store.as_ref(), |txn| txn.delete(meta::table_key(1, 10)));
        assert_eq!(by_name("t2"), None);
    }

    #[test]
    fn auto_ids_are_unique_and_rebase_past_explicit_values() {
        let store = crate::kv::open_memory().expect("store");
        let ids = AutoIdAllocator::new(store.clone());
        let t = fixtures::table(7, "t", &["id"], Vec::new());
        let a = ids.alloc(&t, 1).expect("alloc");
        let b = ids.alloc(&t, 1).expect("alloc");
        assert!(b > a);
        ids.rebase(&t, 1000).expect("rebase");
        assert!(ids.alloc(&t, 1).expect("alloc") > 1000);
        // A second allocator over the same store (another node) never hands out the same ids.
        let other = AutoIdAllocator::new(store);
        let c = other.alloc(&t, 1).expect("alloc");
        assert!(c > 1000 && c != b);
    }
}
