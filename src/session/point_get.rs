//! Point selects by their short path ([`crate::sql::point_get`]): prepared ones, and text
//! ones once their integer literal is taken out; and prepared SELECTs by their cached plan
//! ([`crate::sql::plan_cache`]).

use std::cell::Cell;
use std::sync::Arc;

use super::Session;
use crate::error::Result;
use crate::kv::Transaction;
use crate::sql::context::Context;
use crate::sql::point_get::{parameterize, PointGet, PreparedSelect};
use crate::sql::statement as front;
use crate::sql::{parser, QueryResult};
use crate::types::Value;

/// Text statements a session remembers; past this it forgets them all and starts again.
const TEXT_STATEMENTS: usize = 256;

impl Session {
    /// Prepared statement `id` by its short path, if it has one and `params` is one
    /// integer; `None` to take the general path.
    pub(super) fn execute_point_get(
        &mut self,
        id: u32,
        params: &[Value],
    ) -> Option<Result<QueryResult>> {
        let point_get = self.prepared.get(&id)?.point_get.clone()?;
        let handle = PointGet::handle(params)?;
        Some(self.run_point_get(point_get.select.sql(), &point_get, handle))
    }

    /// Prepared statement `id` by its cached plan, if it is a SELECT that may have one;
    /// `None` to take the general path.
    pub(super) fn execute_cached_select(
        &mut self,
        id: u32,
        params: &[Value],
    ) -> Option<Result<QueryResult>> {
        let prepared = self.prepared.get(&id)?;
        let cached = prepared.cached_select.clone()?;
        if params.len() != prepared.params {
            return None;
        }
        let settings = (
            self.state.vars.changes(),
            self.state.domain.globals.read().changes(),
        );
        let from_cache = Cell::new(false);
        let result = self.run_short_path(cached.select.sql(), &cached.select, |ctx, txn| {
            cached.execute(ctx, txn, params, settings, &from_cache)
        });
        self.state.last_plan_from_cache = from_cache.get();
        Some(result)
    }

    /// A text statement by the short path of the point select it is with its integer
    /// literal as a parameter; `None` to parse it.
    pub(super) fn execute_text_point_get(&mut self, sql: &str) -> Option<Result<QueryResult>> {
        let trimmed = sql.trim().trim_end_matches(';').trim();
        let (text, handle) = parameterize(trimmed)?;
        let point_get = match self.text_point_gets.get(&text) {
            Some(known) => known.clone()?,
            None => {
                let recognized = recognize(&text);
                if self.text_point_gets.len() >= TEXT_STATEMENTS {
                    self.text_point_gets.clear();
                }
                self.text_point_gets.insert(text, recognized.clone());
                recognized?
            }
        };
        Some(self.run_point_get(sql, &point_get, handle))
    }

    fn run_point_get(
        &mut self,
        sql: &str,
        point_get: &PointGet,
        handle: i64,
    ) -> Result<QueryResult> {
        self.run_short_path(sql, &point_get.select, |ctx, txn| {
            point_get.execute(ctx, txn, handle)
        })
    }

    /// What surrounds every statement, around a short path; `sql` is the text the process
    /// list shows.
    fn run_short_path(
        &mut self,
        sql: &str,
        select: &PreparedSelect,
        run: impl Fn(&mut Context, &mut dyn Transaction) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        self.statement_started(sql);
        let result = self.finishing(|s| {
            s.authorize_sql(select.statement())?;
            s.timed(true, |s| {
                s.retrying(|s| {
                    s.check_schema_fresh()?;
                    s.with_txn(&run)
                })
            })
        });
        self.statement_ended();
        result
    }
}

/// The point select `text` (with one `?`) is, if it is one.
fn recognize(text: &str) -> Option<Arc<PointGet>> {
    let front::Statement::Sql(mut statement) = front::parse(text).ok()? else {
        return None;
    };
    let params = parser::count_placeholders(&mut statement);
    PointGet::recognize(&statement, text, params).map(Arc::new)
}
