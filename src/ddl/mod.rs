//! Schema changes. Each one writes the new schema records, bumps the global schema version
//! and removes dropped data in ONE transaction, then the node's schema cache reloads.
//!
//! For now every change runs synchronously in the submitting session; the persistent job
//! queue with an elected owner and the online (state-by-state) walk come with online DDL.

use crate::catalog::{meta, DatabaseInfo, SchemaState, TableInfo};
use crate::codec::keys;
use crate::kv::{KeyRange, Transaction};
use crate::node::Node;
use crate::sql::{Error, Result};

fn commit(node: &Node, txn: Box<dyn Transaction>) -> Result<()> {
    txn.commit()?;
    node.catalog.reload()?;
    Ok(())
}

pub fn create_database(node: &Node, name: &str, if_not_exists: bool) -> Result<bool> {
    let mut txn = node.store.begin()?;
    if meta::load_databases(txn.as_ref())?
        .iter()
        .any(|d| d.name.eq_ignore_ascii_case(name))
    {
        return if if_not_exists {
            Ok(false)
        } else {
            Err(Error::database_exists(name))
        };
    }
    let id = meta::allocate_ids(txn.as_mut(), 1)?;
    meta::put_database(
        txn.as_mut(),
        &DatabaseInfo {
            id,
            name: name.to_string(),
            charset: "utf8mb4".into(),
            collation: "utf8mb4_bin".into(),
            state: SchemaState::Public,
        },
    );
    meta::bump_schema_version(txn.as_mut())?;
    commit(node, txn)?;
    Ok(true)
}

pub fn drop_database(node: &Node, name: &str, if_exists: bool) -> Result<bool> {
    let mut txn = node.store.begin()?;
    let Some(db) = meta::load_databases(txn.as_ref())?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
    else {
        return if if_exists {
            Ok(false)
        } else {
            Err(Error::drop_missing_database(name))
        };
    };
    for t in meta::load_tables(txn.as_ref(), db.id)? {
        delete_table_data(txn.as_mut(), t.id)?;
        txn.delete(meta::table_key(db.id, t.id));
        node.autoid.reset(t.id);
    }
    txn.delete(meta::db_key(db.id));
    meta::bump_schema_version(txn.as_mut())?;
    commit(node, txn)?;
    Ok(true)
}

/// Creates a table from a definition whose ids are still to be assigned.
pub fn create_table(
    node: &Node,
    db: &str,
    mut table: TableInfo,
    if_not_exists: bool,
) -> Result<bool> {
    let mut txn = node.store.begin()?;
    let dbinfo = find_db(txn.as_ref(), db)?;
    if meta::load_tables(txn.as_ref(), dbinfo.id)?
        .iter()
        .any(|t| t.name.eq_ignore_ascii_case(&table.name))
    {
        return if if_not_exists {
            Ok(false)
        } else {
            Err(Error::table_exists(&table.name))
        };
    }
    table.id = meta::allocate_ids(txn.as_mut(), 1)?;
    table.db_id = dbinfo.id;
    meta::put_table(txn.as_mut(), &table);
    meta::bump_schema_version(txn.as_mut())?;
    commit(node, txn)?;
    Ok(true)
}

pub fn drop_table(node: &Node, db: &str, name: &str, if_exists: bool) -> Result<bool> {
    let mut txn = node.store.begin()?;
    let Some((dbinfo, table)) = find_table(txn.as_ref(), db, name)? else {
        return if if_exists {
            Ok(false)
        } else {
            Err(Error::bad_table(&format!("{db}.{name}")))
        };
    };
    delete_table_data(txn.as_mut(), table.id)?;
    txn.delete(meta::table_key(dbinfo.id, table.id));
    meta::bump_schema_version(txn.as_mut())?;
    commit(node, txn)?;
    node.autoid.reset(table.id);
    Ok(true)
}

/// TRUNCATE: the table gets a new id (so no old key can be seen again) and its data goes.
pub fn truncate_table(node: &Node, db: &str, name: &str) -> Result<()> {
    let mut txn = node.store.begin()?;
    let Some((dbinfo, mut table)) = find_table(txn.as_ref(), db, name)? else {
        return Err(Error::unknown_table(db, name));
    };
    let old_id = table.id;
    delete_table_data(txn.as_mut(), old_id)?;
    txn.delete(meta::table_key(dbinfo.id, old_id));
    table.id = meta::allocate_ids(txn.as_mut(), 1)?;
    meta::put_table(txn.as_mut(), &table);
    meta::bump_schema_version(txn.as_mut())?;
    commit(node, txn)?;
    node.autoid.reset(old_id);
    Ok(())
}

fn find_db(txn: &dyn Transaction, name: &str) -> Result<DatabaseInfo> {
    meta::load_databases(txn)?
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::unknown_database(name))
}

fn find_table(
    txn: &dyn Transaction,
    db: &str,
    name: &str,
) -> Result<Option<(DatabaseInfo, TableInfo)>> {
    let dbinfo = find_db(txn, db)?;
    let table = meta::load_tables(txn, dbinfo.id)?
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(name));
    Ok(table.map(|t| (dbinfo, t)))
}

/// Deletes every row and index entry of a table.
fn delete_table_data(txn: &mut dyn Transaction, table_id: i64) -> Result<()> {
    let range = KeyRange::prefix(&keys::table_prefix(table_id));
    let mut start = range.clone();
    loop {
        let batch = txn.scan(&start, 1024, false)?;
        let done = batch.len() < 1024;
        if let Some((last, _)) = batch.last() {
            let mut next = last.clone();
            next.push(0);
            start.start = next;
        }
        for (k, _) in batch {
            txn.delete(k);
        }
        if done {
            return Ok(());
        }
    }
}
