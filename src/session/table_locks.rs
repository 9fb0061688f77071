//! LOCK TABLES and UNLOCK TABLES as TiDB runs them with table locks disabled (its default,
//! `enable-table-lock = false`): nothing is locked, and each says so in a warning. Every
//! transaction reads its own snapshot, so a dump that locks the tables it reads still
//! reads one consistent state of each.

use super::Session;
use crate::error::{Error, Result};
use crate::sql::QueryResult;

impl Session {
    /// LOCK TABLES ends the open transaction first, as in MySQL and TiDB (whose LOCK TABLES
    /// is a DDL statement). Like TiDB's, it names tables it does not look for: only an
    /// unqualified name without a current database fails (1046).
    pub(super) fn lock_tables(
        &mut self,
        tables: &[(Option<String>, String)],
    ) -> Result<QueryResult> {
        for (db, _) in tables {
            self.db_or_current(db.clone())?;
        }
        self.commit()?;
        self.warn(disabled("LOCK TABLES"));
        Ok(QueryResult::ok())
    }

    /// UNLOCK TABLES: no table locks are ever held, so there is nothing to release (nor a
    /// transaction to end: MySQL commits only when tables were locked).
    pub(super) fn unlock_tables(&mut self) -> QueryResult {
        self.warn(disabled("UNLOCK TABLES"));
        QueryResult::ok()
    }
}

/// TiDB's warning for a table lock statement while table locks are disabled.
fn disabled(statement: &str) -> Error {
    Error::new(
        1235,
        "42000",
        format!(
            "{statement} is not supported. To enable this experimental feature, set \
             'enable-table-lock' in the configuration file."
        ),
    )
}
