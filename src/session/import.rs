//! The session's side of IMPORT INTO: the statement resolved against the session's schema
//! and variables, handed to `import`, and waited for (unless DETACHED; KILL cancels it).

use std::sync::atomic::Ordering;

use super::Session;
use crate::error::{Error, Result};
use crate::import::{self, options, Format, Request, Target};
use crate::sql::import::{job_rows, Field, ImportInto, ImportStatement};
use crate::sql::QueryResult;

impl Session {
    pub(super) fn import(&mut self, statement: ImportStatement) -> Result<QueryResult> {
        let domain = self.state.domain.clone();
        match statement {
            ImportStatement::Show(None) => Ok(job_rows(&import::all(&domain)?)),
            ImportStatement::Show(Some(id)) => Ok(job_rows(&[import::get(&domain, id)?])),
            ImportStatement::Cancel(id) => {
                import::cancel(&domain, id)?;
                Ok(QueryResult::ok())
            }
            ImportStatement::Import(i) => self.import_into(i),
        }
    }

    fn import_into(&mut self, i: ImportInto) -> Result<QueryResult> {
        if self.in_transaction() {
            return Err(Error::new(
                1105,
                "HY000",
                "cannot run IMPORT INTO in explicit transaction",
            ));
        }
        let format = match &i.format {
            Some(name) => Format::named(name)?,
            None => Format::of_path(&i.location),
        };
        let options = options::parse(&i.options, format)?;
        let db = self.db_or_current(i.db.clone())?;
        let schema = self.schema();
        let dbinfo = schema
            .database(&db)
            .ok_or_else(|| Error::unknown_database(&db))?;
        let table = schema
            .table(&db, &i.table)
            .ok_or_else(|| Error::unknown_table(&db, &i.table))?;
        let targets = match &i.fields {
            None => (0..table.columns.len()).map(Target::Column).collect(),
            Some(fields) => fields
                .iter()
                .map(|f| match f {
                    Field::Var(v) => Ok(Target::Var(v.clone())),
                    Field::Column(c) => table
                        .column_by_name(c)
                        .map(|(pos, _)| Target::Column(pos))
                        .ok_or_else(|| Error::unknown_column(c, "field list")),
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let local_only = !domain_flag(self, "tidb_enable_dist_task");
        let detached = options.detached;
        let request = Request {
            db: dbinfo.info.name.clone(),
            db_id: dbinfo.info.id,
            table: table.as_ref().clone(),
            targets,
            location: i.location.clone(),
            format,
            options,
            created_by: format!("{}@{}", self.state.user, self.state.host),
            local_only,
        };
        let domain = self.state.domain.clone();
        let submitted = import::submit(&domain, request)?;
        if detached {
            return Ok(job_rows(&[submitted]));
        }
        let killed = self.killed.clone();
        let done = import::wait(&domain, submitted.id, &|| killed.load(Ordering::SeqCst))?;
        // The session's next statement sees the new AUTO_INCREMENT base and the rows.
        Ok(job_rows(&[done]))
    }
}

fn domain_flag(session: &Session, name: &str) -> bool {
    let globals = session.state.domain.globals.read();
    globals
        .get(name)
        .is_some_and(|(_, v)| v.truth() == Some(true))
}
