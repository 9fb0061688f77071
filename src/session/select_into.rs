//! `SELECT ... INTO`: the query runs as any other, then its rows go where the clause says
//! (`sql::select_into`): into user variables, or into a new file on the server's host.

use sqlparser::ast;

use super::Session;
use crate::error::{Error, Result};
use crate::sql::outfile;
use crate::sql::select_into::Target;
use crate::sql::QueryResult;

impl Session {
    pub(super) fn select_into(
        &mut self,
        sql: &str,
        query: Box<ast::Query>,
        into: Target,
    ) -> Result<QueryResult> {
        let QueryResult::Rows(result) = self.run_sql(sql, &ast::Statement::Query(query))? else {
            return Err(Error::internal("a query answered without rows"));
        };
        let rows = result.rows.len() as u64;
        match into {
            Target::Variables(variables) => {
                if result.columns.len() != variables.len() {
                    return Err(Error::new(
                        1222,
                        "21000",
                        "The used SELECT statements have a different number of columns",
                    ));
                }
                let mut rows = result.rows.into_iter();
                let Some(row) = rows.next() else {
                    // MySQL keeps the variables as they were, with a warning.
                    self.warn(Error::new(
                        1329,
                        "02000",
                        "No data - zero rows fetched, selected, or processed",
                    ));
                    return Ok(QueryResult::ok());
                };
                if rows.next().is_some() {
                    return Err(more_than_one_row());
                }
                for (name, value) in variables.into_iter().zip(row) {
                    self.state.user_vars.insert(name, value);
                }
                Ok(QueryResult::affected(1))
            }
            Target::Outfile { path, format } => {
                let mut bytes = Vec::new();
                for row in &result.rows {
                    format.write_row(&mut bytes, &result.columns, row);
                }
                outfile::write_new(&path, &bytes)?;
                Ok(QueryResult::affected(rows))
            }
            Target::Dumpfile { path } => {
                let bytes = match result.rows.as_slice() {
                    [] => Vec::new(),
                    [row] => outfile::dump_row(&result.columns, row),
                    _ => return Err(more_than_one_row()),
                };
                outfile::write_new(&path, &bytes)?;
                Ok(QueryResult::affected(rows))
            }
        }
    }
}

fn more_than_one_row() -> Error {
    Error::new(1172, "42000", "Result consisted of more than one row")
}
