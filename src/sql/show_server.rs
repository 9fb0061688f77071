//! SHOW forms about the server rather than a schema: SHOW PRIVILEGES, SHOW PLUGINS and SHOW
//! MASTER STATUS, in TiDB's shape.

use super::context::Context;
use super::result::{ResultColumn, ResultSet};
use super::show::text_rows;
use super::QueryResult;
use crate::privilege::{Priv, ALL_PRIVS};
use crate::types::{DataType, IntKind, Value};

/// SHOW PRIVILEGES: every privilege moltdb grants, with TiDB's context and comment, then
/// USAGE.
pub fn privileges() -> QueryResult {
    let mut rows: Vec<(&str, &str, &str)> = ALL_PRIVS.iter().map(|p| described(*p)).collect();
    rows.sort_by_key(|(name, ..)| *name);
    rows.push((
        "Usage",
        "Server Admin",
        "No privileges - allow connect only",
    ));
    text_rows(
        &["Privilege", "Context", "Comment"],
        rows.into_iter()
            .map(|(name, context, comment)| {
                vec![Value::str(name), Value::str(context), Value::str(comment)]
            })
            .collect(),
    )
}

/// A privilege as SHOW PRIVILEGES lists it: (name, context, comment), TiDB's words.
fn described(p: Priv) -> (&'static str, &'static str, &'static str) {
    use Priv::*;
    match p {
        Alter => ("Alter", "Tables", "To alter the table"),
        AlterRoutine => (
            "Alter routine",
            "Functions,Procedures",
            "To alter or drop stored functions/procedures",
        ),
        Create => (
            "Create",
            "Databases,Tables,Indexes",
            "To create new databases and tables",
        ),
        CreateRoutine => (
            "Create routine",
            "Databases",
            "To use CREATE FUNCTION/PROCEDURE",
        ),
        CreateRole => ("Create role", "Server Admin", "To create new roles"),
        CreateTemporaryTables => (
            "Create temporary tables",
            "Databases",
            "To use CREATE TEMPORARY TABLE",
        ),
        CreateView => ("Create view", "Tables", "To create new views"),
        CreateUser => ("Create user", "Server Admin", "To create new users"),
        Delete => ("Delete", "Tables", "To delete existing rows"),
        Drop => (
            "Drop",
            "Databases,Tables",
            "To drop databases, tables, and views",
        ),
        DropRole => ("Drop role", "Server Admin", "To drop roles"),
        Event => (
            "Event",
            "Server Admin",
            "To create, alter, drop and execute events",
        ),
        Execute => (
            "Execute",
            "Functions,Procedures",
            "To execute stored routines",
        ),
        File => (
            "File",
            "File access on server",
            "To read and write files on the server",
        ),
        GrantOption => (
            "Grant option",
            "Databases,Tables,Functions,Procedures",
            "To give to other users those privileges you possess",
        ),
        Index => ("Index", "Tables", "To create or drop indexes"),
        Insert => ("Insert", "Tables", "To insert data into tables"),
        LockTables => (
            "Lock tables",
            "Databases",
            "To use LOCK TABLES (together with SELECT privilege)",
        ),
        Process => (
            "Process",
            "Server Admin",
            "To view the plain text of currently executing queries",
        ),
        References => (
            "References",
            "Databases,Tables",
            "To have references on tables",
        ),
        Reload => (
            "Reload",
            "Server Admin",
            "To reload or refresh tables, logs and privileges",
        ),
        ReplicationClient => (
            "Replication client",
            "Server Admin",
            "To ask where the slave or master servers are",
        ),
        ReplicationSlave => (
            "Replication slave",
            "Server Admin",
            "To read binary log events from the master",
        ),
        Select => ("Select", "Tables", "To retrieve rows from table"),
        ShowDatabases => (
            "Show databases",
            "Server Admin",
            "To see all databases with SHOW DATABASES",
        ),
        ShowView => ("Show view", "Tables", "To see views with SHOW CREATE VIEW"),
        Shutdown => ("Shutdown", "Server Admin", "To shut down the server"),
        Super => (
            "Super",
            "Server Admin",
            "To use KILL thread, SET GLOBAL, CHANGE MASTER, etc.",
        ),
        Trigger => ("Trigger", "Tables", "To use triggers"),
        CreateTablespace => (
            "Create tablespace",
            "Server Admin",
            "To create/alter/drop tablespaces",
        ),
        Update => ("Update", "Tables", "To update existing rows"),
    }
}

/// SHOW PLUGINS: moltdb has no plugin framework, so the list is empty.
pub fn plugins() -> QueryResult {
    text_rows(
        &["Name", "Status", "Type", "Library", "License", "Version"],
        Vec::new(),
    )
}

/// SHOW MASTER STATUS as TiDB answers it: no binary log file, the store's current
/// timestamp as the position (what a snapshot read, `@@tidb_snapshot`, takes).
pub fn master_status(ctx: &Context) -> QueryResult {
    let position = DataType::Int {
        kind: IntKind::Big,
        unsigned: true,
    };
    QueryResult::Rows(ResultSet {
        columns: vec![
            ResultColumn::text("File"),
            ResultColumn::computed("Position", Some(position)),
            ResultColumn::text("Binlog_Do_DB"),
            ResultColumn::text("Binlog_Ignore_DB"),
            ResultColumn::text("Executed_Gtid_Set"),
        ],
        rows: vec![vec![
            Value::str("tidb-binlog"),
            Value::UInt(ctx.domain.store.current_ts()),
            Value::str(""),
            Value::str(""),
            Value::str(""),
        ]],
    })
}
