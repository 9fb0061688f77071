//! Accounts and grants as the store keeps them, beside the schema under the `m` prefix
//! (what MySQL keeps in `mysql.user`, `mysql.db` and `mysql.tables_priv`):
//!
//! - `mAccount:{user}\0{host}` -> [`Account`]
//! - `mDbPriv:{user}\0{host}\0{db}` -> [`DbGrant`]
//! - `mTablePriv:{user}\0{host}\0{db}\0{table}` -> [`TableGrant`]
//! - `mPrivVersion` -> u64, bumped in the same transaction as every change, so every node
//!   notices and reloads its [`super::Privileges`].
//!
//! Database and table names are keyed lower-cased (names compare without case, as TiDB's).

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::privs::PrivSet;
use crate::error::{Error, Result};
use crate::kv::{KeyRange, Transaction};

const VERSION_KEY: &[u8] = b"mPrivVersion";
const ACCOUNT_PREFIX: &str = "mAccount:";
const DB_PREFIX: &str = "mDbPriv:";
const TABLE_PREFIX: &str = "mTablePriv:";
/// Where accounts lived before grants existed: only `root`, with its password hash.
const LEGACY_ROOT_KEY: &[u8] = b"mUser:root";

pub const NATIVE_PASSWORD: &str = "mysql_native_password";
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";

/// An account that may log in, with its global privileges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user: String,
    pub host: String,
    /// `mysql_native_password` or `caching_sha2_password`.
    pub plugin: String,
    /// The password's stored digest: SHA1(SHA1(pw)) for mysql_native_password,
    /// SHA256(SHA256(pw)) for caching_sha2_password; empty for no password.
    pub auth: Vec<u8>,
    /// Privileges on `*.*`.
    pub privs: PrivSet,
    /// ACCOUNT LOCK: the account cannot log in (3118).
    pub locked: bool,
    /// REQUIRE SSL: the account logs in only over TLS.
    #[serde(default)]
    pub require_ssl: bool,
}

/// Privileges on one database (`db` may hold `%` / `_` wildcards, as in MySQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbGrant {
    pub user: String,
    pub host: String,
    pub db: String,
    pub privs: PrivSet,
}

/// Privileges on one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableGrant {
    pub user: String,
    pub host: String,
    pub db: String,
    pub table: String,
    pub privs: PrivSet,
}

fn account_key(user: &str, host: &str) -> Vec<u8> {
    format!("{ACCOUNT_PREFIX}{user}\0{}", host.to_lowercase()).into_bytes()
}

fn db_key(user: &str, host: &str, db: &str) -> Vec<u8> {
    format!(
        "{DB_PREFIX}{user}\0{}\0{}",
        host.to_lowercase(),
        db.to_lowercase()
    )
    .into_bytes()
}

fn table_key(user: &str, host: &str, db: &str, table: &str) -> Vec<u8> {
    format!(
        "{TABLE_PREFIX}{user}\0{}\0{}\0{}",
        host.to_lowercase(),
        db.to_lowercase(),
        table.to_lowercase()
    )
    .into_bytes()
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn scan<T: DeserializeOwned>(txn: &dyn Transaction, prefix: &str) -> Result<Vec<T>> {
    txn.scan(&KeyRange::prefix(prefix.as_bytes()), usize::MAX, false)?
        .into_iter()
        .map(|(k, v)| {
            serde_json::from_slice(&v).map_err(|e| {
                Error::internal(format!(
                    "corrupt privilege record {}: {e}",
                    String::from_utf8_lossy(&k)
                ))
            })
        })
        .collect()
}

/// Everything stored, and the version it was stored at.
pub struct Stored {
    pub version: u64,
    pub accounts: Vec<Account>,
    pub dbs: Vec<DbGrant>,
    pub tables: Vec<TableGrant>,
}

pub fn stored_version(txn: &dyn Transaction) -> Result<u64> {
    Ok(txn
        .get(VERSION_KEY)?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(0))
}

pub fn load(txn: &dyn Transaction) -> Result<Stored> {
    Ok(Stored {
        version: stored_version(txn)?,
        accounts: scan(txn, ACCOUNT_PREFIX)?,
        dbs: scan(txn, DB_PREFIX)?,
        tables: scan(txn, TABLE_PREFIX)?,
    })
}

/// Marks a change every node must load; part of the changing transaction.
pub fn bump_version(txn: &mut dyn Transaction) -> Result<()> {
    let next = stored_version(txn)? + 1;
    txn.put(VERSION_KEY.to_vec(), json(&next));
    Ok(())
}

pub fn put_account(txn: &mut dyn Transaction, account: &Account) {
    txn.put(account_key(&account.user, &account.host), json(account));
}

/// Removes an account and every grant it holds.
pub fn delete_account(txn: &mut dyn Transaction, stored: &Stored, user: &str, host: &str) {
    txn.delete(account_key(user, host));
    let same = |u: &str, h: &str| u == user && h.eq_ignore_ascii_case(host);
    for g in stored.dbs.iter().filter(|g| same(&g.user, &g.host)) {
        txn.delete(db_key(&g.user, &g.host, &g.db));
    }
    for g in stored.tables.iter().filter(|g| same(&g.user, &g.host)) {
        txn.delete(table_key(&g.user, &g.host, &g.db, &g.table));
    }
}

/// Writes a database grant, or removes it when no privilege is left.
pub fn put_db_grant(txn: &mut dyn Transaction, grant: &DbGrant) {
    let key = db_key(&grant.user, &grant.host, &grant.db);
    if grant.privs.is_empty() {
        txn.delete(key);
    } else {
        txn.put(key, json(grant));
    }
}

/// Writes a table grant, or removes it when no privilege is left.
pub fn put_table_grant(txn: &mut dyn Transaction, grant: &TableGrant) {
    let key = table_key(&grant.user, &grant.host, &grant.db, &grant.table);
    if grant.privs.is_empty() {
        txn.delete(key);
    } else {
        txn.put(key, json(grant));
    }
}

/// The first start of a data directory creates `root`@`%` with every privilege and the
/// given password (none by default); a directory from before accounts had grants keeps
/// root's password.
pub fn bootstrap(txn: &mut dyn Transaction, root_auth: Vec<u8>) -> Result<bool> {
    if !txn
        .scan(&KeyRange::prefix(ACCOUNT_PREFIX.as_bytes()), 1, false)?
        .is_empty()
    {
        return Ok(false);
    }
    #[derive(Deserialize)]
    struct Legacy {
        auth_hash: Vec<u8>,
    }
    let legacy = txn
        .get(LEGACY_ROOT_KEY)?
        .and_then(|b| serde_json::from_slice::<Legacy>(&b).ok());
    let auth = match legacy {
        Some(l) => {
            txn.delete(LEGACY_ROOT_KEY.to_vec());
            l.auth_hash
        }
        None => root_auth,
    };
    put_account(
        txn,
        &Account {
            user: "root".into(),
            host: "%".into(),
            plugin: NATIVE_PASSWORD.into(),
            auth,
            privs: PrivSet::all_at(super::privs::Level::Global).with(super::Priv::GrantOption),
            locked: false,
            require_ssl: false,
        },
    );
    bump_version(txn)?;
    Ok(true)
}
