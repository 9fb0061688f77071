//! The SQL layer: parse, bind against a schema snapshot, plan, execute.
//!
//! A statement's journey: the session hands the text to [`parse`]; the statement's handler
//! (one module per statement kind: `select`, `dml::insert`, ...) binds names with the
//! [`binder`] against the [`Context`]'s schema snapshot, picks an access path ([`access`]),
//! and reads and writes rows through `table/`, inside the session's transaction.

pub mod access;
pub mod admin;
pub mod aggregate;
pub mod binder;
pub mod context;
pub mod create_table;
pub mod dml;
pub mod explain;
pub mod expr;
pub mod from;
pub mod functions;
pub mod infoschema;
mod join;
pub mod parser;
pub mod query;
mod result;
pub mod rewrite;
mod row_key;
pub mod select;
pub mod set_op;
pub mod show;
mod special_forms;
pub mod statement;
pub mod subquery;
pub mod types;

pub use context::{Context, Warning};
pub use parser::parse;
pub use result::{Outcome, QueryResult, ResultColumn, ResultSet};
