//! SAVEPOINT, ROLLBACK TO [SAVEPOINT] and RELEASE SAVEPOINT, as MySQL: named marks in the
//! open transaction's writes (the store's own savepoints, which also undo a failed
//! statement). Outside a transaction SAVEPOINT does nothing, as the statement's own
//! transaction ends with it.

use super::Session;
use crate::error::{Error, Result};
use crate::kv::Savepoint;

/// A named savepoint of the open transaction.
pub(super) struct Named {
    name: String,
    at: Savepoint,
}

fn missing(name: &str) -> Error {
    Error::new(1305, "42000", format!("SAVEPOINT {name} does not exist"))
}

impl Session {
    /// SAVEPOINT `name`: marks the transaction's writes so far (a savepoint of the same
    /// name is replaced).
    pub(super) fn savepoint(&mut self, name: &str) -> Result<()> {
        if !self.explicit && self.autocommit() {
            return Ok(());
        }
        if self.txn.is_none() {
            self.begin()?;
        }
        let Some(txn) = self.txn.as_ref() else {
            return Ok(());
        };
        let at = txn.savepoint();
        self.savepoints
            .retain(|s| !s.name.eq_ignore_ascii_case(name));
        self.savepoints.push(Named {
            name: name.to_string(),
            at,
        });
        Ok(())
    }

    /// ROLLBACK TO `name`: undoes the writes made since, keeps `name` and drops the
    /// savepoints made after it.
    pub(super) fn rollback_to_savepoint(&mut self, name: &str) -> Result<()> {
        let pos = self.position(name)?;
        let at = self.savepoints[pos].at;
        if let Some(txn) = self.txn.as_mut() {
            txn.rollback_to(at);
        }
        self.savepoints.truncate(pos + 1);
        Ok(())
    }

    /// RELEASE SAVEPOINT `name`: forgets it and the savepoints made after it.
    pub(super) fn release_savepoint(&mut self, name: &str) -> Result<()> {
        let pos = self.position(name)?;
        self.savepoints.truncate(pos);
        Ok(())
    }

    fn position(&self, name: &str) -> Result<usize> {
        self.savepoints
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| missing(name))
    }
}
