//! The SQL layer: parse, plan against a schema snapshot, execute.
//!
//! A statement's journey: the session parses the text into one [`statement::Statement`]
//! and hands it to its handler (`execution::select`, `dml::insert`, `admin`, `show`, ...).
//! A query is planned by [`planner`] — names bound against the [`Context`]'s schema
//! snapshot (`planner::binder`), the FROM clause and its joins, an access path per table
//! (`planner::access`: point get, handle range, index ranges of values) — and the plan is
//! run by [`execution`], which reads and writes rows through `table/` inside the session's
//! transaction. Planning never reads data and never builds storage keys.

pub mod account;
pub mod admin;
pub mod aggregate;
pub mod alter_table;
pub mod analyze;
pub mod collation;
pub mod context;
pub mod create_table;
pub mod dialect;
pub mod dml;
pub mod execution;
pub mod explain;
pub mod expr;
pub mod file_format;
pub mod functions;
pub mod import;
pub mod infoschema;
mod insert_values;
pub mod limits;
pub mod outfile;
pub mod parser;
pub mod plan_cache;
pub mod planner;
pub mod point_get;
pub mod prepare;
mod result;
pub mod select_into;
pub mod session_context;
pub mod show;
pub mod show_server;
mod special_forms;
pub mod statement;
pub mod stored_programs;
pub mod subquery;
pub mod system_tables;
mod table_locks;
mod tidb_syntax;
pub mod types;
pub mod user_locks;
pub mod view;

pub use context::{Context, Warning};
pub use parser::parse;
pub use result::{Outcome, QueryResult, ResultColumn, ResultSet};
