//! Planning: names bound against the schema snapshot (`binder`, over the columns in
//! `scope`), the FROM clause and its joins (`from`), access paths (`access`), SELECT blocks
//! (`select`), set operations (`set_op`) and window functions (`window`) turned into plans
//! (`query::QueryPlan`) that `execution` runs. Planning reads the schema, never the data
//! (except subqueries folded before planning), and hands `table` values and ranges, never
//! keys.

pub mod access;
pub mod binder;
pub mod cte;
pub mod from;
pub mod hints;
pub mod json_table;
pub mod query;
mod read_columns;
pub mod rewrite;
pub mod row_compare;
pub mod scope;
pub mod select;
pub mod set_op;
pub mod window;
