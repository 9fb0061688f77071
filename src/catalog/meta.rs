//! Persistence of the schema in the same transactional store as the data, under the `m`
//! prefix, so a DDL step that changes schema and data commits atomically.
//!
//! Layout (values are JSON, as TiDB stores its meta):
//! - `mSchemaVersion` -> u64, bumped by every schema change in the same transaction
//! - `mNextID` -> i64, the global id allocator for databases, tables and indexes
//! - `mDB:{db_id:020}` -> DatabaseInfo
//! - `mTable:{db_id:020}:{table_id:020}` -> TableInfo
//! - `mAutoID:{table_id:020}` -> i64, the persisted end of the handed-out auto id range
//! - `mSchemaDiff:{version:020}` -> [`SchemaDiff`], what the change to that version touched
//!   (the last [`DIFFS_KEPT`] versions)
//! - `mTableName:{db_id:020}:{lower-cased name}` -> i64, the table last stored under that
//!   name (a hint: a dropped or renamed table's entry stays, and is checked against the
//!   table's record), so that a name is looked up without scanning the database
//! - `mTableNamesIndexed` -> true once every table has its name entry

use serde::{de::DeserializeOwned, Serialize};

use super::model::{DatabaseInfo, TableInfo};
use crate::kv::{self, KeyRange, Transaction};

pub const SCHEMA_VERSION_KEY: &[u8] = b"mSchemaVersion";
const NEXT_ID_KEY: &[u8] = b"mNextID";

#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error(transparent)]
    Kv(#[from] kv::Error),
    #[error("corrupt schema record {key}: {reason}")]
    Corrupt { key: String, reason: String },
    /// Every AUTO_INCREMENT value (or row id) up to the largest BIGINT is used.
    #[error("Failed to read auto-increment value from storage engine")]
    AutoIdExhausted,
}

impl From<MetaError> for crate::error::Error {
    fn from(e: MetaError) -> Self {
        match e {
            MetaError::Kv(e) => e.into(),
            MetaError::AutoIdExhausted => {
                crate::error::Error::new(1467, "HY000", MetaError::AutoIdExhausted.to_string())
            }
            other => crate::error::Error::internal(other),
        }
    }
}

pub type Result<T> = std::result::Result<T, MetaError>;

pub fn db_key(db_id: i64) -> Vec<u8> {
    format!("mDB:{db_id:020}").into_bytes()
}

pub fn table_key(db_id: i64, table_id: i64) -> Vec<u8> {
    format!("mTable:{db_id:020}:{table_id:020}").into_bytes()
}

pub fn auto_id_key(table_id: i64) -> Vec<u8> {
    format!("mAutoID:{table_id:020}").into_bytes()
}

fn get_json<T: DeserializeOwned>(txn: &dyn Transaction, key: &[u8]) -> Result<Option<T>> {
    match txn.get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| corrupt(key, e)),
    }
}

fn corrupt(key: &[u8], e: impl std::fmt::Display) -> MetaError {
    MetaError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: e.to_string(),
    }
}

fn put_json<T: Serialize>(txn: &mut dyn Transaction, key: Vec<u8>, value: &T) {
    // Serializing plain data structs cannot fail.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    txn.put(key, bytes);
}

pub fn schema_version(txn: &dyn Transaction) -> Result<u64> {
    Ok(get_json(txn, SCHEMA_VERSION_KEY)?.unwrap_or(0))
}

/// Bumps the global schema version; every schema change calls this in its transaction,
/// after its writes: the version's [`SchemaDiff`] records the databases and tables the
/// transaction wrote.
pub fn bump_schema_version(txn: &mut dyn Transaction) -> Result<u64> {
    let v = schema_version(txn)? + 1;
    let diff = SchemaDiff {
        dbs: ids(&txn.written_keys(DB_PREFIX), DB_PREFIX)
            .map(|(db, _)| db)
            .collect(),
        tables: ids(&txn.written_keys(TABLE_PREFIX), TABLE_PREFIX)
            .filter_map(|(db, table)| Some((db, table?)))
            .collect(),
    };
    put_json(txn, diff_key(v), &diff);
    if let Some(old) = v.checked_sub(DIFFS_KEPT) {
        txn.delete(diff_key(old));
    }
    put_json(txn, SCHEMA_VERSION_KEY.to_vec(), &v);
    Ok(v)
}

/// How many versions back a node can catch up by diffs; further behind, it loads the
/// whole schema.
pub const DIFFS_KEPT: u64 = 256;

const DB_PREFIX: &[u8] = b"mDB:";
const TABLE_PREFIX: &[u8] = b"mTable:";

/// What one schema change touched (TiDB's `SchemaDiff`): a node at the version before
/// reads just these instead of the whole schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SchemaDiff {
    pub dbs: Vec<i64>,
    /// (database id, table id).
    pub tables: Vec<(i64, i64)>,
}

fn diff_key(version: u64) -> Vec<u8> {
    format!("mSchemaDiff:{version:020}").into_bytes()
}

/// The diff that made `version`, if it is still kept.
pub fn schema_diff(txn: &dyn Transaction, version: u64) -> Result<Option<SchemaDiff>> {
    get_json(txn, &diff_key(version))
}

/// The ids in `mDB:{db}` / `mTable:{db}:{table}` keys.
fn ids<'a>(keys: &'a [Vec<u8>], prefix: &'a [u8]) -> impl Iterator<Item = (i64, Option<i64>)> + 'a {
    keys.iter().filter_map(move |k| {
        let rest = std::str::from_utf8(k.strip_prefix(prefix)?).ok()?;
        let mut parts = rest.split(':');
        let db = parts.next()?.parse().ok()?;
        let table = parts.next().and_then(|t| t.parse().ok());
        Some((db, table))
    })
}

/// Database `db_id`, as the schema has it now.
pub fn get_database(txn: &dyn Transaction, db_id: i64) -> Result<Option<DatabaseInfo>> {
    get_json(txn, &db_key(db_id))
}

/// Allocates `n` consecutive global ids; returns the first.
pub fn allocate_ids(txn: &mut dyn Transaction, n: i64) -> Result<i64> {
    let next: i64 = get_json(txn, NEXT_ID_KEY)?.unwrap_or(1);
    put_json(txn, NEXT_ID_KEY.to_vec(), &(next + n));
    Ok(next)
}

/// The registry of temporary tables' ids: `mTempTable:{id}` while a session has the table.
const TEMPORARY_PREFIX: &str = "mTempTable:";

fn temporary_key(id: i64) -> Vec<u8> {
    format!("{TEMPORARY_PREFIX}{id:020}").into_bytes()
}

pub fn put_temporary_table(txn: &mut dyn Transaction, id: i64) {
    put_json(txn, temporary_key(id), &id);
}

pub fn remove_temporary_table(txn: &mut dyn Transaction, id: i64) {
    txn.delete(temporary_key(id));
}

/// The ids of every registered temporary table.
pub fn temporary_tables(txn: &dyn Transaction) -> Result<Vec<i64>> {
    scan_json(txn, TEMPORARY_PREFIX.as_bytes())
}

pub fn put_database(txn: &mut dyn Transaction, db: &DatabaseInfo) {
    put_json(txn, db_key(db.id), db);
}

pub fn put_table(txn: &mut dyn Transaction, table: &TableInfo) {
    put_json(txn, table_key(table.db_id, table.id), table);
    put_json(txn, table_name_key(table.db_id, &table.name), &table.id);
}

fn table_name_key(db_id: i64, name: &str) -> Vec<u8> {
    format!("mTableName:{db_id:020}:{}", name.to_lowercase()).into_bytes()
}

const NAMES_INDEXED_KEY: &[u8] = b"mTableNamesIndexed";

/// The table of database `db_id` named `name` (any case), by its name entry.
pub fn table_by_name(txn: &dyn Transaction, db_id: i64, name: &str) -> Result<Option<TableInfo>> {
    let Some(id) = get_json::<i64>(txn, &table_name_key(db_id, name))? else {
        return Ok(None);
    };
    Ok(get_table(txn, db_id, id)?.filter(|t| t.name.eq_ignore_ascii_case(name)))
}

/// Gives every table a name entry, once: data directories written before the entries
/// existed. Idempotent; run when a node opens its catalog.
pub fn index_table_names(store: &dyn kv::Store) -> Result<()> {
    loop {
        let mut txn = store.begin()?;
        if get_json::<bool>(txn.as_ref(), NAMES_INDEXED_KEY)?.is_some() {
            return Ok(());
        }
        for db in load_databases(txn.as_ref())? {
            for table in load_tables(txn.as_ref(), db.id)? {
                put_json(txn.as_mut(), table_name_key(db.id, &table.name), &table.id);
            }
        }
        put_json(txn.as_mut(), NAMES_INDEXED_KEY.to_vec(), &true);
        match txn.commit() {
            Ok(_) => return Ok(()),
            Err(kv::Error::WriteConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

pub fn load_databases(txn: &dyn Transaction) -> Result<Vec<DatabaseInfo>> {
    scan_json(txn, DB_PREFIX)
}

/// Table `table_id` of database `db_id`, as the schema has it now.
pub fn get_table(txn: &dyn Transaction, db_id: i64, table_id: i64) -> Result<Option<TableInfo>> {
    get_json(txn, &table_key(db_id, table_id))
}

pub fn load_tables(txn: &dyn Transaction, db_id: i64) -> Result<Vec<TableInfo>> {
    scan_json(txn, format!("mTable:{db_id:020}:").as_bytes())
}

fn scan_json<T: DeserializeOwned>(txn: &dyn Transaction, prefix: &[u8]) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut range = KeyRange::prefix(prefix);
    loop {
        let batch = txn.scan(&range, 1024, false)?;
        let Some((last, _)) = batch.last() else { break };
        let mut next_start = last.clone();
        next_start.push(0);
        for (k, v) in &batch {
            out.push(serde_json::from_slice(v).map_err(|e| corrupt(k, e))?);
        }
        if batch.len() < 1024 {
            break;
        }
        range.start = next_start;
    }
    Ok(out)
}

pub fn get_auto_id(txn: &dyn Transaction, table_id: i64) -> Result<i64> {
    Ok(get_json(txn, &auto_id_key(table_id))?.unwrap_or(0))
}

pub fn put_auto_id(txn: &mut dyn Transaction, table_id: i64, end: i64) {
    put_json(txn, auto_id_key(table_id), &end);
}
