//! PREPARE / EXECUTE / DEALLOCATE PREPARE: named statements kept with the protocol's
//! prepared statements, their parameters read from user variables.

use super::Session;
use crate::error::{Error, Result};
use crate::sql::prepare::{PrepareStatement, Source};
use crate::sql::session_context::SessionContext;
use crate::sql::QueryResult;
use crate::types::Value;

impl Session {
    pub(super) fn prepared_sql(&mut self, statement: PrepareStatement) -> Result<QueryResult> {
        match statement {
            PrepareStatement::Prepare { name, source } => {
                let text = match source {
                    Source::Text(t) => t,
                    Source::Variable(v) => match self.state.user_variable(&v) {
                        Value::Null => "NULL".to_string(),
                        v => v.to_string_lossy(),
                    },
                };
                // A failed PREPARE drops the statement the name had, as MySQL does.
                if let Some(old) = self.named.remove(&name) {
                    self.close_prepared(old);
                }
                let (id, ..) = self.prepare(&text)?;
                self.named.insert(name, id);
                let mut done = QueryResult::ok();
                if let QueryResult::Done(o) = &mut done {
                    o.info = Some("Statement prepared".into());
                }
                Ok(done)
            }
            PrepareStatement::Execute { name, using } => {
                let id = self.named_statement(&name, "EXECUTE")?;
                let params: Vec<Value> =
                    using.iter().map(|v| self.state.user_variable(v)).collect();
                let (sql, stmt) = self.bind_prepared(id, &params, "EXECUTE")?;
                self.run(&sql, Ok(stmt))
            }
            PrepareStatement::Deallocate { name } => {
                let id = self.named_statement(&name, "DEALLOCATE PREPARE")?;
                self.named.remove(&name);
                self.close_prepared(id);
                Ok(QueryResult::ok())
            }
        }
    }

    fn named_statement(&self, name: &str, by: &str) -> Result<u32> {
        self.named
            .get(name)
            .copied()
            .ok_or_else(|| unknown(name, by))
    }
}

/// MySQL's 1243 for a name no PREPARE gave.
fn unknown(name: &str, by: &str) -> Error {
    Error::new(
        1243,
        "HY000",
        format!("Unknown prepared statement handler ({name}) given to {by}"),
    )
}
