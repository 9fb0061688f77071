//! moltdb: a MySQL-compatible SQL server with TiDB-style online schema change, storing its
//! data in an embedded store (fjall or sled).
//!
//! Data flows one way, each layer knowing only the ones below it:
//!
//! ```text
//! client ─MySQL wire─> server   packets, handshake, authentication, commands
//!                      session  current database, variables, the open transaction
//!                      sql      parse -> bind -> access path -> execute
//!                      ddl      schema changes (catalog records + data, one transaction)
//!                      catalog  schema model, persisted schema, per-node schema cache
//!                      table    rows and index entries, as each index's state requires
//!                      codec    memcomparable keys (TiDB's layout), compact rows
//!                      kv       transactional, multi-version key-value store over fjall or sled
//! ```
//!
//! A statement's walk: `server::connection` receives COM_QUERY and calls `Session::execute`,
//! which parses it (`sql::parser`) and runs the statement's handler (`sql::select`,
//! `sql::dml::insert`, ...) inside the session's transaction; the handler binds names against
//! the schema snapshot (`sql::binder`), picks an access path (`sql::access`), and reads and
//! writes through `table::Table`, which turns rows into key-value pairs (`codec`) in a
//! `kv::Transaction`. COMMIT applies the writes atomically and durably.

pub mod catalog;
pub mod codec;
pub mod ddl;
pub mod kv;
pub mod node;
pub mod server;
pub mod session;
pub mod sql;
pub mod table;
pub mod types;

/// The version string clients see: MySQL 8.0.11 compatibility, then moltdb's own version.
pub fn server_version() -> String {
    format!("8.0.11-moltdb-{}", env!("CARGO_PKG_VERSION"))
}
