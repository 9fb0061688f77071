//! A node: the store, the schema cache and the services one moltdb server process runs for
//! its sessions.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::catalog::{meta, AutoIdAllocator, Catalog, UserRecord};
use crate::kv::Store;
use crate::session::variables::GlobalVariables;

pub struct Node {
    pub store: Arc<dyn Store>,
    pub catalog: Catalog,
    pub autoid: AutoIdAllocator,
    pub globals: RwLock<GlobalVariables>,
    next_conn_id: AtomicU32,
}

impl Node {
    /// Opens the node over `store`, creating the built-in root account on first start.
    pub fn open(store: Arc<dyn Store>) -> Result<Arc<Node>, crate::catalog::MetaError> {
        bootstrap(store.as_ref())?;
        Ok(Arc::new(Node {
            catalog: Catalog::open(store.clone())?,
            autoid: AutoIdAllocator::new(store.clone()),
            globals: RwLock::new(GlobalVariables::default()),
            next_conn_id: AtomicU32::new(1),
            store,
        }))
    }

    /// A connection id no other connection of this node has had.
    pub fn next_connection_id(&self) -> u32 {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRecord>, crate::catalog::MetaError> {
        let txn = self.store.begin()?;
        meta::get_user(txn.as_ref(), name)
    }
}

/// Creates `root` with an empty password the first time a data directory is used.
fn bootstrap(store: &dyn Store) -> Result<(), crate::catalog::MetaError> {
    let mut txn = store.begin()?;
    if meta::get_user(txn.as_ref(), "root")?.is_none() {
        meta::put_user(
            txn.as_mut(),
            &UserRecord {
                user: "root".into(),
                host: "%".into(),
                auth_hash: Vec::new(),
            },
        );
        txn.commit()?;
    }
    Ok(())
}
