//! The session's transaction: begun on demand (read only if the session says so), a
//! savepoint before each statement, an autocommit statement retried whole when it loses a
//! write conflict, committed or rolled back.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{statement_context, Session};
use crate::domain::{Domain, SchemaPin};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::sql::{Context, QueryResult};

/// How often an autocommit statement is retried after losing a write conflict.
const AUTOCOMMIT_RETRIES: u32 = 10;

impl Session {
    pub(super) fn begin(&mut self) -> Result<()> {
        self.savepoints.clear();
        self.read_only = self.next_is_read_only();
        self.next_read_only = None;
        let conn_id = self.state.connection_id;
        self.pin = Some(Arc::new(self.state.domain.pin_schema(conn_id)));
        self.txn = Some(self.state.domain.store.begin()?);
        self.written.clear();
        self.row_changes.clear();
        Ok(())
    }

    /// Whether the next transaction begins read only: as `SET TRANSACTION` said, else as
    /// `transaction_read_only` (or its old name `tx_read_only`) says.
    fn next_is_read_only(&self) -> bool {
        if let Some(read_only) = self.next_read_only {
            return read_only;
        }
        let globals = self.state.domain.globals.read();
        ["transaction_read_only", "tx_read_only"]
            .iter()
            .any(|name| {
                self.state
                    .vars
                    .get(name, &globals)
                    .is_some_and(|v| v.truth() == Some(true))
            })
    }

    /// MySQL's 1792 for a write in a read-only transaction: the open one, or the one an
    /// autocommit statement would begin (refused, it was that transaction: a `SET
    /// TRANSACTION` for it is used up).
    pub(super) fn check_writable(&mut self) -> Result<()> {
        let read_only = match self.txn {
            Some(_) => self.read_only,
            None => self.next_is_read_only(),
        };
        if read_only {
            if self.txn.is_none() {
                self.next_read_only = None;
            }
            return Err(Error::new(
                1792,
                "25006",
                "Cannot execute statement in a READ ONLY transaction.",
            ));
        }
        Ok(())
    }

    /// Runs `f` in the session's transaction (see [`Session::run_in_txn`]).
    pub(super) fn with_txn(
        &mut self,
        f: impl Fn(&mut Context, &mut dyn Transaction) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        self.run_in_txn(&f)
    }

    /// TiDB's 8027: this node could not load the schema within a lease, so it may be more
    /// than one version behind and must not run statements.
    pub(super) fn check_schema_fresh(&self) -> Result<()> {
        if self.state.domain.schema_is_fresh() {
            return Ok(());
        }
        Err(Error::new(
            8027,
            "HY000",
            "Information schema is out of date: schema failed to update in 1 lease, please make sure TiDB can connect to TiKV",
        ))
    }

    /// Runs a whole statement, again if it is an autocommit statement that lost a write
    /// conflict at commit or met a table changed under its snapshot (8028), as TiDB retries
    /// autocommit statements: nothing of the failed attempt was visible to the client, and
    /// the retry reads a new snapshot (its subqueries too).
    pub(super) fn retrying(
        &mut self,
        statement: impl Fn(&mut Session) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        let autocommit_statement = self.txn.is_none() && self.autocommit();
        let mut attempt = 0u32;
        loop {
            let warnings_before = self.warnings.len();
            let result = statement(self);
            if autocommit_statement && !self.explicit && self.txn.is_some() {
                // The statement failed before its transaction's end: drop it.
                self.rollback();
            }
            match result {
                // A lost write conflict, or a table that gained a public index between the
                // statement's snapshot and its first read of the table (8028): the statement
                // is undone whole, so it runs again on a fresh snapshot, as TiDB retries it.
                Err(Error::WriteConflict { .. } | Error::SchemaChanged)
                    if autocommit_statement && attempt < AUTOCOMMIT_RETRIES =>
                {
                    attempt += 1;
                    self.warnings.truncate(warnings_before);
                    tracing::debug!(attempt, "retrying an autocommit statement");
                    std::thread::sleep(std::time::Duration::from_millis(u64::from(attempt) * 2));
                }
                result => return result,
            }
        }
    }

    /// Runs `f` inside the session's transaction, or an autocommit one. A failed statement
    /// is undone to the savepoint taken before it; the transaction goes on.
    fn run_in_txn(
        &mut self,
        f: &dyn Fn(&mut Context, &mut dyn Transaction) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        if self.txn.is_none() {
            self.begin()?;
            if !self.autocommit() {
                self.explicit = true;
            }
        }
        let (modes, schema) = (self.sql_modes(), self.schema());
        let Session {
            state,
            txn,
            warnings,
            written,
            row_changes,
            pin,
            ..
        } = self;
        let Some(txn) = txn.as_mut() else {
            return Err(Error::internal("no transaction"));
        };
        let savepoint = txn.savepoint();
        let mut ctx = statement_context(state, schema, pin.as_ref(), modes);
        let result = f(&mut ctx, txn.as_mut());
        let Context {
            warnings: new_warnings,
            generated_id,
            found_rows,
            written: new_written,
            row_changes: new_row_changes,
            ..
        } = ctx;
        warnings.extend(new_warnings);
        if let Some(id) = generated_id {
            state.last_insert_id = id;
        }
        if let Some(n) = found_rows {
            state.found_rows = n;
        }
        if result.is_err() {
            txn.rollback_to(savepoint);
        } else {
            written.extend(new_written);
            row_changes.extend(new_row_changes);
        }
        if !self.explicit {
            // Autocommit: the statement is its own transaction.
            match result {
                Ok(r) => {
                    self.commit()?;
                    Ok(r)
                }
                Err(e) => {
                    self.rollback();
                    Err(e)
                }
            }
        } else {
            result
        }
    }

    pub fn commit(&mut self) -> Result<()> {
        self.explicit = false;
        self.savepoints.clear();
        let pin = self.pin.take();
        let written = std::mem::take(&mut self.written);
        let row_changes = std::mem::take(&mut self.row_changes);
        if let Some(txn) = self.txn.take() {
            if let Some(pin) = &pin {
                check_schema_unchanged(&self.state.domain, pin, &written)?;
            }
            let start_ts = txn.start_ts();
            txn.commit().map_err(|e| match e {
                crate::kv::Error::WriteConflict => Error::write_conflict(start_ts),
                other => other.into(),
            })?;
            self.state.domain.stats.record(&row_changes);
        }
        Ok(())
    }

    pub fn rollback(&mut self) {
        self.explicit = false;
        self.savepoints.clear();
        self.txn = None;
        self.pin = None;
        self.written.clear();
        self.row_changes.clear();
    }
}

/// TiDB's 8028 at COMMIT: with the metadata lock off, DDL does not wait for transactions,
/// so one that wrote a table whose definition changed since it took the table must not
/// commit (its writes may miss the table's new indexes). With the lock on, no table a
/// transaction holds moves more than one state on, which every write rule allows.
fn check_schema_unchanged(domain: &Domain, pin: &SchemaPin, written: &BTreeSet<i64>) -> Result<()> {
    if domain.metadata_lock_enabled() {
        return Ok(());
    }
    let current = domain.catalog.snapshot();
    for info in pin.held() {
        if written.contains(&info.id) && current.table_by_id(info.id) != Some(&info) {
            return Err(Error::SchemaChanged);
        }
    }
    Ok(())
}
