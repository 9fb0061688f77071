//! SHOW TRIGGERS, SHOW {PROCEDURE | FUNCTION} STATUS and SHOW EVENTS. moltdb has no stored
//! programs (CREATE TRIGGER, PROCEDURE, FUNCTION and EVENT are refused), so each lists none,
//! under TiDB's columns, as TiDB's own do. Dump tools ask for them: mysqldump and
//! mariadb-dump with `--routines` or `--events` stop at the first one that fails.

use super::context::Context;
use super::show::text_rows;
use super::{infoschema, system_tables, QueryResult};
use crate::error::{Error, Result};

/// The kind of stored program a SHOW lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredPrograms {
    /// SHOW TRIGGERS, of a database.
    Triggers,
    /// SHOW PROCEDURE STATUS and SHOW FUNCTION STATUS, of every database.
    Routines,
    /// SHOW EVENTS, of a database.
    Events,
}

const TRIGGER_COLUMNS: [&str; 11] = [
    "Trigger",
    "Event",
    "Table",
    "Statement",
    "Timing",
    "Created",
    "sql_mode",
    "Definer",
    "character_set_client",
    "collation_connection",
    "Database Collation",
];

const ROUTINE_COLUMNS: [&str; 11] = [
    "Db",
    "Name",
    "Type",
    "Definer",
    "Modified",
    "Created",
    "Security_type",
    "Comment",
    "character_set_client",
    "collation_connection",
    "Database Collation",
];

const EVENT_COLUMNS: [&str; 15] = [
    "Db",
    "Name",
    "Time zone",
    "Definer",
    "Type",
    "Execute At",
    "Interval Value",
    "Interval Field",
    "Starts",
    "Ends",
    "Status",
    "Originator",
    "character_set_client",
    "collation_connection",
    "Database Collation",
];

/// The stored programs of `kind` (none), in the database `db` or the current one for
/// triggers and events: without one that is 1046, and an unknown one 1049, as in MySQL.
pub fn show(ctx: &Context, kind: StoredPrograms, db: Option<&str>) -> Result<QueryResult> {
    let columns: &[&str] = match kind {
        StoredPrograms::Triggers => &TRIGGER_COLUMNS,
        StoredPrograms::Routines => &ROUTINE_COLUMNS,
        StoredPrograms::Events => &EVENT_COLUMNS,
    };
    if kind != StoredPrograms::Routines {
        let db = ctx.database_name(db)?;
        let known = [infoschema::DB, system_tables::DB]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&db))
            || ctx.schema.database(&db).is_some();
        if !known {
            return Err(Error::unknown_database(&db));
        }
    }
    Ok(text_rows(columns, Vec::new()))
}
