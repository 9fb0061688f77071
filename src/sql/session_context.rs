//! What planning and evaluation need from the session a statement runs in: its database,
//! user, variables and clock (a client's session, or [`NoSession`] where none runs).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::sql::expr::VariableSink;
use crate::types::time_zone::TimeZone;
use crate::types::Value;

/// What the binder needs from the session.
pub trait SessionContext {
    fn current_db(&self) -> Option<String>;
    fn connection_id(&self) -> u32;
    fn last_insert_id(&self) -> u64;
    fn user(&self) -> String;
    /// The account privileges are checked against: CURRENT_USER().
    fn current_user(&self) -> String;
    /// The current time in UTC.
    fn utc_now(&self) -> chrono::NaiveDateTime;
    /// `@@time_zone` as set (`SYSTEM`, an offset or a zone name).
    fn time_zone(&self) -> String {
        "SYSTEM".into()
    }
    /// The current time in the session's time zone (NOW(), CURRENT_TIMESTAMP defaults).
    fn now(&self) -> chrono::NaiveDateTime {
        zone(self).from_utc(self.utc_now())
    }
    /// `@@name`, `@@session.name`, `@@global.name`.
    fn system_variable(&self, name: &str, global: bool) -> Result<Value>;
    fn user_variable(&self, name: &str) -> Value;
    fn found_rows(&self) -> u64;
    fn row_count(&self) -> i64;
    /// The session's temporary table of that name, found before the shared catalog's.
    fn temporary_table(&self, _db: &str, _name: &str) -> Option<Arc<crate::catalog::TableInfo>> {
        None
    }
    /// True if this node is the cluster's DDL owner: TIDB_IS_DDL_OWNER().
    fn is_ddl_owner(&self) -> bool {
        false
    }
    /// Where `@x := v` leaves its values; `None` where assignments are not allowed.
    fn variable_sink(&self) -> Option<VariableSink> {
        None
    }
    /// The user-level locks of the connection (GET_LOCK, ...); `None` without one.
    fn user_locks(&self) -> Option<crate::sql::user_locks::UserLockHandle> {
        None
    }
}

/// The session of an expression no client runs (IMPORT INTO's assignments, a DDL job's
/// CHECK condition): it knows nothing but the time.
pub struct NoSession;

impl SessionContext for NoSession {
    fn current_db(&self) -> Option<String> {
        None
    }
    fn connection_id(&self) -> u32 {
        0
    }
    fn last_insert_id(&self) -> u64 {
        0
    }
    fn user(&self) -> String {
        String::new()
    }
    fn current_user(&self) -> String {
        String::new()
    }
    fn utc_now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
    fn system_variable(&self, name: &str, _global: bool) -> Result<Value> {
        Err(Error::unsupported(format!(
            "system variable {name} outside a session"
        )))
    }
    fn user_variable(&self, _name: &str) -> Value {
        Value::Null
    }
    fn found_rows(&self) -> u64 {
        0
    }
    fn row_count(&self) -> i64 {
        0
    }
}

/// The session's time zone (UTC if `@@time_zone` cannot be read as one).
pub fn zone(s: &(impl SessionContext + ?Sized)) -> TimeZone {
    TimeZone::parse(&s.time_zone()).unwrap_or(TimeZone::UTC)
}
