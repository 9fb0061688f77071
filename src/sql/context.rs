//! What a statement runs with: the node, the schema snapshot, the session, and what the
//! statement reports back besides its result (warnings, the generated id).

use std::sync::Arc;

use crate::catalog::{InfoSchema, TableInfo};
use crate::domain::{Domain, SchemaPin};
use crate::error::{Error, Result};
use crate::privilege::{AccountName, Priv, Privileges};
use crate::sql::session_context::SessionContext;

/// A note, warning or error shown by SHOW WARNINGS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub level: &'static str,
    pub code: u16,
    pub message: String,
}

impl Warning {
    pub fn of(e: &Error) -> Self {
        Warning {
            level: "Warning",
            code: e.code(),
            message: e.message(),
        }
    }

    pub fn note(e: &Error) -> Self {
        Warning {
            level: "Note",
            code: e.code(),
            message: e.message(),
        }
    }
}

pub struct Context<'a> {
    pub domain: &'a Domain,
    pub schema: Arc<InfoSchema>,
    pub session: &'a dyn SessionContext,
    pub strict: bool,
    /// sql_mode has ERROR_FOR_DIVISION_BY_ZERO: with `strict`, a division by zero in
    /// INSERT or UPDATE is error 1365 instead of a NULL with that warning.
    pub division_by_zero_error: bool,
    pub warnings: Vec<Warning>,
    /// The first id this statement generated for an AUTO_INCREMENT column.
    pub generated_id: Option<u64>,
    /// Rows the statement found, for FOUND_ROWS().
    pub found_rows: Option<u64>,
    /// Ids of the tables the statement wrote.
    pub written: Vec<i64>,
    /// Per table: rows the statement added and wrote (for the table statistics).
    pub row_changes: Vec<(i64, i64, i64)>,
    /// The transaction's hold on the tables it uses (the metadata lock): tables are looked
    /// up through it when there is one.
    pub pin: Option<Arc<SchemaPin>>,
    /// The account whose privileges limit what metadata (SHOW, information_schema, the
    /// process list) shows; `None`: everything.
    pub viewer: Option<(Arc<Privileges>, AccountName)>,
}

impl<'a> Context<'a> {
    pub fn new(
        domain: &'a Domain,
        schema: Arc<InfoSchema>,
        session: &'a dyn SessionContext,
        strict: bool,
    ) -> Self {
        Context {
            domain,
            schema,
            session,
            strict,
            division_by_zero_error: false,
            warnings: Vec::new(),
            generated_id: None,
            found_rows: None,
            written: Vec::new(),
            row_changes: Vec::new(),
            pin: None,
            viewer: None,
        }
    }

    /// Whether the viewer has a privilege in the database (its name may show).
    pub fn can_see_db(&self, db: &str) -> bool {
        self.viewer
            .as_ref()
            .is_none_or(|(p, who)| p.can_see_db(who, db))
    }

    /// Whether the viewer has a privilege on the table (its name and columns may show).
    pub fn can_see_table(&self, db: &str, table: &str) -> bool {
        self.viewer
            .as_ref()
            .is_none_or(|(p, who)| p.can_see_table(who, db, table))
    }

    /// The table's estimated row count (its statistics), 0 when unknown.
    pub fn estimated_rows(&self, table_id: i64) -> i64 {
        self.domain
            .stats
            .meta(self.domain.store.as_ref(), table_id)
            .map_or(0, |m| m.count)
    }

    /// Takes what a statement's writer learned: the tables cascades wrote and the row
    /// changes of every table.
    pub fn finish_writes(&mut self, writer: &crate::table::foreign_key::Writer) {
        self.written.extend(writer.cascaded_tables());
        self.row_changes.extend(writer.row_changes());
    }

    /// 1142 unless the session's account holds `p` on the table: for what only execution
    /// resolves, such as the table an unqualified SET column of a multi-table UPDATE
    /// belongs to. The session's temporary tables need nothing.
    pub fn require_on_table(&self, p: Priv, db: &str, table: &str) -> Result<()> {
        let Some((privileges, who)) = &self.viewer else {
            return Ok(());
        };
        if self.session.temporary_table(db, table).is_some()
            || privileges.on_table(who, db, table).contains(p)
        {
            return Ok(());
        }
        Err(Error::table_access_denied(p.name(), who, table))
    }

    /// Whether the viewer may see another connection's process-list row: its own user's,
    /// or any with PROCESS.
    pub fn can_see_process(&self, user: &str) -> bool {
        self.viewer
            .as_ref()
            .is_none_or(|(p, who)| who.user == user || p.global(who).contains(Priv::Process))
    }

    /// The database a possibly qualified name refers to.
    pub fn database_name(&self, qualifier: Option<&str>) -> Result<String> {
        match qualifier {
            Some(db) => Ok(db.to_string()),
            None => self.session.current_db().ok_or_else(Error::no_database),
        }
    }

    /// Looks up a table (the session's temporary table of that name first); errors as MySQL
    /// does for a missing database or table.
    pub fn table(&self, db: Option<&str>, name: &str) -> Result<(String, Arc<TableInfo>)> {
        let (db, info) = self.relation(db, name)?;
        if info.view.is_some() {
            return Err(super::view::wrong_object(&db, name, "BASE TABLE"));
        }
        Ok((db, info))
    }

    /// A table or a view (what a query's FROM may name).
    pub fn relation(&self, db: Option<&str>, name: &str) -> Result<(String, Arc<TableInfo>)> {
        let db = self.database_name(db)?;
        // Temporary tables take no metadata lock: no other session sees them.
        if let Some(t) = self.session.temporary_table(&db, name) {
            return Ok((db, t));
        }
        if let Some(pin) = &self.pin {
            return match pin.table(&db, name)? {
                Some(t) => Ok((db, t)),
                None if self.domain.catalog.snapshot().database(&db).is_none() => {
                    Err(Error::unknown_database(&db))
                }
                None => Err(Error::unknown_table(&db, name)),
            };
        }
        if self.schema.database(&db).is_none() {
            return Err(Error::unknown_database(&db));
        }
        match self.schema.table(&db, name) {
            Some(t) => Ok((db, t.clone())),
            None => Err(Error::unknown_table(&db, name)),
        }
    }

    pub fn warn(&mut self, e: &Error) {
        self.warnings.push(Warning::of(e));
    }
}

/// Splits `db.table` or `table`.
pub fn split_name(name: &sqlparser::ast::ObjectName) -> Result<(Option<String>, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p.as_ident() {
            Some(i) => Ok(i.value.clone()),
            None => Err(Error::syntax(&name.to_string())),
        })
        .collect::<Result<_>>()?;
    match parts.as_slice() {
        [t] => Ok((None, t.clone())),
        [d, t] => Ok((Some(d.clone()), t.clone())),
        _ => Err(Error::syntax(&name.to_string())),
    }
}
