//! moltdb: a MySQL-compatible SQL server with TiDB-style online schema change, storing its
//! data in an embedded store (fjall or sled).
//!
//! Data flows one way, each layer knowing only the ones below it (`tests/layering.rs`
//! checks every `use crate::...` against this order):
//!
//! ```text
//! client ─MySQL wire─> node     threads of a node: schema loader, DDL worker, DXF; the cluster
//!                      server   packets, handshake, authentication, commands
//!                      session  current database, variables, the open transaction
//!                      sql      parse -> bind -> access path -> execute
//!                      ddl      schema-change jobs: queue, owner, state steps, backfill
//!                      import   IMPORT INTO: files -> rows -> sorted pairs -> ingest
//!                      dxf      backend tasks split into subtasks every node executes
//!                      domain   a node's shared state: store, schema cache, variables
//!                      privilege accounts, grants, what an account may do
//!                      table    rows and index entries, as each index's state requires
//!                      catalog  schema model, persisted schema, per-node schema cache
//!                      codec    memcomparable keys (TiDB's layout), compact rows
//!                      kv       transactional, multi-version key-value store over fjall or sled
//!                      types    SQL values and types
//!                      background  the low CPU priority of backend threads
//!                      error    the error domain and the layers above it return
//! ```
//!
//! A statement's walk: `server::connection` receives COM_QUERY and calls `Session::execute`,
//! which parses it into one `sql::statement::Statement` and hands it, in one `match`, to its
//! handler (`sql::execution::select`, `sql::dml::insert`, `sql::admin`, ...), inside the
//! session's transaction, with the schema version the transaction pinned through the
//! node's `domain::Domain`. A query is planned (`sql::planner`: names bound against that
//! schema snapshot, joins, an access path of values and ranges per table) and run
//! (`sql::execution`) through `table::Table`, which turns rows into key-value pairs
//! (`codec`) in a `kv::Transaction`. COMMIT applies the writes atomically and durably.
//!
//! A DDL statement instead becomes a job (`ddl::submit`) that the DDL owner's worker
//! (`ddl::runner`) walks through the states of its kind (`ddl/kinds/`), each state one
//! committed schema version every node loads before the next. An error travels up as
//! `error::Error` and becomes an ERR packet in `server::packets`.

pub mod background;
pub mod catalog;
pub mod codec;
pub mod ddl;
pub mod domain;
pub mod dxf;
pub mod error;
pub mod import;
pub mod kv;
pub mod node;
pub mod privilege;
pub mod server;
pub mod session;
pub mod sql;
pub mod table;
pub mod types;

pub use domain::variables::server_version;
