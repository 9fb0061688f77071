//! SHOW forms sqlparser does not parse (SHOW INDEX, SHOW TABLE STATUS, ...), KILL, and the
//! session's process-list entry.

use std::sync::atomic::Ordering;

use sqlparser::ast;

use super::Session;
use crate::ddl::{self, control::Control};
use crate::error::{Error, Result};
use crate::sql::statement::Show;
use crate::sql::{self, QueryResult};

impl Session {
    pub(super) fn statement_started(&mut self, sql: &str) {
        self.killed.store(false, Ordering::SeqCst);
        sql::functions::watch_interrupt(Some(self.killed.clone()));
        self.process
            .process
            .set_query(self.state.current_db.clone(), Some(sql));
    }

    pub(super) fn statement_ended(&mut self) {
        sql::functions::watch_interrupt(None);
        // A cached plan's path says otherwise after this.
        self.state.last_plan_from_cache = false;
        self.process
            .process
            .set_query(self.state.current_db.clone(), None);
    }

    /// True once another session ran KILL \[CONNECTION\] on this one: the server closes it.
    pub fn is_disconnected(&self) -> bool {
        self.process.process.disconnect.load(Ordering::SeqCst)
    }

    /// SHOW forms moltdb parses itself.
    pub(super) fn show(&mut self, show: &Show, like: Option<&str>) -> Result<QueryResult> {
        let ctx = self.context();
        match show {
            Show::Index { db, table } => sql::show::index(&ctx, db.as_deref(), table),
            Show::TableStatus { db } => sql::show::table_status(&ctx, db.as_deref(), like),
            Show::CreateDatabase { name } => sql::show::create_database(&ctx, name),
            Show::Engines => Ok(sql::show::engines()),
            Show::Collation => Ok(sql::show::collation(like)),
            Show::Charset => Ok(sql::show::charset(like)),
            Show::Status => {
                let tls = self.state.tls.as_ref();
                let ssl = tls.map(|t| (t.version.as_str(), t.cipher.as_str()));
                Ok(sql::show::status(&ctx, like, ssl))
            }
            Show::Processlist { full } => Ok(sql::show::processlist(&ctx, *full)),
            Show::StatsMeta => sql::analyze::stats_meta(&ctx, like),
            Show::Privileges => Ok(sql::show_server::privileges()),
            Show::Plugins => Ok(sql::show_server::plugins()),
            Show::MasterStatus => Ok(sql::show_server::master_status(&ctx)),
            Show::StoredPrograms { kind, db } => {
                sql::stored_programs::show(&ctx, *kind, db.as_deref())
            }
        }
    }

    /// KILL [CONNECTION | QUERY] id. Killing a session that waits for a DDL job also
    /// cancels the job, as TiDB does.
    pub(super) fn kill(
        &mut self,
        modifier: Option<&ast::KillType>,
        id: u64,
    ) -> Result<QueryResult> {
        let query_only = matches!(modifier, Some(ast::KillType::Query));
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        // Another user's connection takes SUPER (MySQL's CONNECTION_ADMIN).
        let owner = self
            .state
            .domain
            .processes
            .list()
            .into_iter()
            .find(|p| p.id == id);
        if owner.is_some_and(|p| p.user != self.state.user)
            && !self.has_global(crate::privilege::Priv::Super)
        {
            return Err(Error::new(
                1095,
                "HY000",
                format!("You are not owner of thread {id}"),
            ));
        }
        if !self.state.domain.processes.kill(id, query_only) {
            return Err(Error::new(
                1094,
                "HY000",
                format!("Unknown thread id: {id}"),
            ));
        }
        Ok(QueryResult::ok())
    }

    /// A DDL wait interrupted by KILL: cancel the job (as ADMIN CANCEL DDL JOBS), best
    /// effort.
    pub(super) fn cancel_job(&mut self, job_id: i64) {
        let cancelled = ddl::control::apply(&self.state.domain, &[job_id], Control::Cancel);
        if let Err(e) = cancelled {
            tracing::warn!(job_id, error = %e, "cancelling the DDL job of a killed session failed");
        }
    }
}
