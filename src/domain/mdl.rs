//! The metadata lock (TiDB's MDL): which open transactions of this node use which table at
//! which schema version.
//!
//! A transaction takes the schema as of its start ([`SchemaPin`]), but holds a table only
//! from its first access to it, at the version it then sees: the node reports the oldest
//! version each table is held at, and the DDL owner advances a job on a table only once no
//! transaction anywhere holds that table at an older version than the job's last step. A
//! transaction that never touched the table does not hold the job back.
//!
//! At its first access a transaction takes the table as the node has it now. If it changed
//! since the transaction began, the newer definition is used (its columns read as any row
//! written before them does), unless an index turned public meanwhile: its entries for rows
//! older than the transaction's snapshot were written after it, so the transaction cannot
//! read through it, and the access fails with TiDB's 8028 instead.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use super::Domain;
use crate::catalog::{InfoSchema, SchemaState, TableInfo};
use crate::error::{Error, Result};

/// One open transaction's hold on a table, as the node reports it (`mysql.tidb_mdl_view`
/// shows the ones holding a DDL job back).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holder {
    pub table_id: i64,
    pub version: u64,
    pub conn_id: u32,
    /// When the transaction began (ms since the epoch).
    pub txn_start_ms: i64,
}

/// The holds of this node's open transactions (a transaction holds a table once).
#[derive(Default)]
pub struct Holds(BTreeSet<Holder>);

impl Holds {
    pub fn list(&self) -> Vec<Holder> {
        self.0.iter().cloned().collect()
    }
}

/// A table a transaction holds: the definition it uses and the version it holds it at.
struct Held {
    version: u64,
    info: Arc<TableInfo>,
}

/// (database, table), lower-cased.
type Name = (String, String);

/// A transaction's schema: the snapshot it began with, and the tables it holds.
pub struct SchemaPin {
    domain: Arc<Domain>,
    pub schema: Arc<InfoSchema>,
    held: Mutex<HashMap<Name, Held>>,
    conn_id: u32,
    started_ms: i64,
}

impl SchemaPin {
    pub(super) fn new(domain: Arc<Domain>, conn_id: u32) -> SchemaPin {
        let schema = domain.catalog.snapshot();
        SchemaPin {
            domain,
            schema,
            held: Mutex::new(HashMap::new()),
            conn_id,
            started_ms: super::now_ms(),
        }
    }

    fn holder(&self, table_id: i64, version: u64) -> Holder {
        Holder {
            table_id,
            version,
            conn_id: self.conn_id,
            txn_start_ms: self.started_ms,
        }
    }

    /// Table `db`.`name` as this transaction uses it, held from its first access on.
    pub fn table(&self, db: &str, name: &str) -> Result<Option<Arc<TableInfo>>> {
        let key = (db.to_lowercase(), name.to_lowercase());
        let mut held = self.held.lock();
        if let Some(h) = held.get(&key) {
            return Ok(Some(h.info.clone()));
        }
        // Reading the node's schema and registering under the lock the node's report
        // takes: a report either counts this hold or was made with the schema read here.
        let mut holds = self.domain.holds.lock();
        let now = self.domain.catalog.snapshot();
        let Some(current) = now.table(db, name) else {
            return Ok(None);
        };
        if let Some(then) = self.schema.table(db, name) {
            if then.id == current.id && gained_public_index(then, current) {
                return Err(Error::SchemaChanged);
            }
        }
        holds.0.insert(self.holder(current.id, now.version));
        held.insert(
            key,
            Held {
                version: now.version,
                info: current.clone(),
            },
        );
        Ok(Some(current.clone()))
    }

    /// The tables this transaction holds, as it uses them.
    pub fn held(&self) -> Vec<Arc<TableInfo>> {
        self.held.lock().values().map(|h| h.info.clone()).collect()
    }
}

impl Drop for SchemaPin {
    fn drop(&mut self) {
        let held = std::mem::take(&mut *self.held.lock());
        if held.is_empty() {
            return;
        }
        let mut holds = self.domain.holds.lock();
        for h in held.into_values() {
            holds.0.remove(&self.holder(h.info.id, h.version));
        }
        drop(holds);
        if self.domain.events.sync_target() > 0 {
            self.domain.events.notify();
        }
    }
}

/// Whether `now` has a public index `then` did not have public.
fn gained_public_index(then: &TableInfo, now: &TableInfo) -> bool {
    now.indexes.iter().any(|ix| {
        ix.state == SchemaState::Public
            && !then
                .indexes
                .iter()
                .any(|old| old.id == ix.id && old.state == SchemaState::Public)
    })
}
