//! The short path of a prepared point select, TiDB's PointGet plan kept in its plan cache:
//! `SELECT <columns> FROM <table> WHERE <integer primary key> = ?`, the statement ORMs and
//! OLTP benchmarks send most. It is planned once per table definition; each execution then
//! reads one row by its handle and projects it, skipping the bind, subquery fold and plan
//! every other statement goes through.
//!
//! Recognition is syntactic, validation is the planner's: the statement must print exactly
//! as the shape above (any other clause, hint or modifier prints and disqualifies it), and
//! the general planner, given the statement with a bound handle, must produce a single-table
//! point get that projects plain columns and does nothing else. Anything else, and any
//! parameter that is not an integer, takes the general path, so results never differ.

use std::sync::Arc;

use parking_lot::Mutex;
use sqlparser::ast;

use super::context::Context;
use super::expr::Expr;
use super::planner::access::Access;
use super::planner::from::FactorSource;
use super::planner::query::QueryPlan;
use super::planner::select::{plan, SelectPlan, Source};
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::types::Value;

/// A prepared SELECT over one named table, as a short path keeps it: the statement as
/// prepared, its `?`s unbound, and its text (result columns are named by it).
pub struct PreparedSelect {
    statement: ast::Statement,
    sql: String,
    db: Option<String>,
    table: String,
}

impl PreparedSelect {
    /// `statement` (a query of `sql`) reading the table `name`.
    pub(super) fn new(
        statement: &ast::Statement,
        sql: &str,
        name: &ast::ObjectName,
    ) -> Option<Self> {
        let (db, table) = match name.0.as_slice() {
            [t] => (None, t.as_ident()?.value.clone()),
            [d, t] => (
                Some(d.as_ident()?.value.clone()),
                t.as_ident()?.value.clone(),
            ),
            _ => return None,
        };
        Some(PreparedSelect {
            statement: statement.clone(),
            sql: sql.to_string(),
            db,
            table,
        })
    }

    pub fn statement(&self) -> &ast::Statement {
        &self.statement
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The table's definition now. Resolving it each time also takes its metadata lock and
    /// sees a temporary table or a USE that shadows the one planned for. `None` for a name
    /// the catalog does not hold (a system table of `mysql` or `information_schema`, a
    /// missing table): the general path's to answer.
    pub(super) fn table_info(&self, ctx: &Context) -> Option<Arc<TableInfo>> {
        ctx.relation(self.db.as_deref(), &self.table)
            .ok()
            .map(|(_, info)| info)
    }

    /// The statement with `params` in place of its `?`s.
    pub(super) fn bound(&self, params: &[Value]) -> Result<ast::Query> {
        let mut statement = self.statement.clone();
        super::parser::bind_placeholders(&mut statement, params)?;
        into_query(statement)
    }

    /// The statement with `params`, planned and run as any other.
    pub(super) fn execute_general(
        &self,
        ctx: &mut Context,
        txn: &dyn Transaction,
        params: &[Value],
    ) -> Result<QueryResult> {
        let plan = plan(ctx, &self.sql, &self.bound(params)?)?;
        super::execution::select::run(ctx, txn, &plan).map(QueryResult::Rows)
    }
}

/// A parameter as the signed integer literal it stands for: clients send positive integers
/// as unsigned (mysql-connector does), the same literal below 2^63. `None` for any other
/// value.
pub(super) fn signed_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

pub(super) fn into_query(statement: ast::Statement) -> Result<ast::Query> {
    match statement {
        ast::Statement::Query(q) => Ok(*q),
        _ => Err(Error::internal("a prepared select that is no query")),
    }
}

/// A prepared statement of the point-get shape.
pub struct PointGet {
    /// The statement, with its one `?`.
    pub select: PreparedSelect,
    /// The plan for the table definition last seen.
    planned: Mutex<Option<Arc<Planned>>>,
}

struct Planned {
    info: Arc<TableInfo>,
    /// `None`: the planner did not confirm the shape; every execution takes the general path.
    fast: Option<Fast>,
}

struct Fast {
    /// The table as the planner read it.
    source: Source,
    /// Scope column offsets the result columns are.
    projection: Vec<usize>,
    columns: Vec<ResultColumn>,
}

impl PointGet {
    /// The statement's point-get form, if it has the shape (it has exactly one parameter).
    pub fn recognize(statement: &ast::Statement, sql: &str, params: usize) -> Option<PointGet> {
        let ast::Statement::Query(query) = statement else {
            return None;
        };
        if params != 1 {
            return None;
        }
        let ast::SetExpr::Select(select) = &*query.body else {
            return None;
        };
        let [from] = select.from.as_slice() else {
            return None;
        };
        let ast::TableFactor::Table { name, alias, .. } = &from.relation else {
            return None;
        };
        let Some(ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::Eq,
            right,
        }) = &select.selection
        else {
            return None;
        };
        if !matches!(
            &**left,
            ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
        ) || !matches!(&**right, ast::Expr::Value(v) if matches!(v.value, ast::Value::Placeholder(_)))
        {
            return None;
        }
        let items: Vec<String> = select.projection.iter().map(ToString::to_string).collect();
        let alias = match alias {
            None => String::new(),
            Some(a) if a.columns.is_empty() && a.at.is_none() => format!(" {a}"),
            Some(_) => return None,
        };
        let canonical = format!(
            "SELECT {} FROM {name}{alias} WHERE {left} = {right}",
            items.join(", ")
        );
        if query.to_string() != canonical {
            return None;
        }
        Some(PointGet {
            select: PreparedSelect::new(statement, sql, name)?,
            planned: Mutex::new(None),
        })
    }

    /// The handle the parameters ask for, or `None` when they are not one integer (a
    /// string or decimal compares by MySQL's conversion rules: the general path's job).
    pub fn handle(params: &[Value]) -> Option<i64> {
        match params {
            [p] => signed_integer(p),
            _ => None,
        }
    }

    /// Runs the statement for `handle`: by the short path when the table definition allows
    /// it, otherwise through the general planner.
    pub fn execute(
        &self,
        ctx: &mut Context,
        txn: &dyn Transaction,
        handle: i64,
    ) -> Result<QueryResult> {
        let general = [Value::Int(handle)];
        let Some(info) = self.select.table_info(ctx) else {
            return self.select.execute_general(ctx, txn, &general);
        };
        let cached = self.planned.lock().clone();
        let planned = match cached {
            Some(p) if Arc::ptr_eq(&p.info, &info) => p,
            _ => {
                let p = Arc::new(Planned {
                    fast: self.plan_fast(ctx, &info, handle)?,
                    info,
                });
                *self.planned.lock() = Some(p.clone());
                p
            }
        };
        let Some(fast) = &planned.fast else {
            return self.select.execute_general(ctx, txn, &general);
        };
        let mut rows = Vec::new();
        if let Some(row) = fast.source.table.row(txn, handle)? {
            let scope = fast.source.scope_row(handle, &row);
            rows.push(fast.projection.iter().map(|&i| scope[i].clone()).collect());
        }
        ctx.found_rows = Some(rows.len() as u64);
        Ok(QueryResult::Rows(ResultSet {
            columns: fast.columns.clone(),
            rows,
        }))
    }

    /// The general plan for `handle`, kept if it is a point get on a signed integer handle
    /// of a base table that projects plain columns and nothing else.
    fn plan_fast(&self, ctx: &Context, info: &TableInfo, handle: i64) -> Result<Option<Fast>> {
        if info.view.is_some() || info.unsigned_handle() {
            return Ok(None);
        }
        let plan = plan(
            ctx,
            self.select.sql(),
            &self.select.bound(&[Value::Int(handle)])?,
        )?;
        let columns = plan.columns();
        let QueryPlan::Select(select) = plan else {
            return Ok(None);
        };
        let Some(projection) = plain_point_get(&select, handle) else {
            return Ok(None);
        };
        let Some(factor) = select.from.factors.into_iter().next() else {
            return Ok(None);
        };
        let FactorSource::Table(source) = factor.source else {
            return Ok(None);
        };
        Ok(Some(Fast {
            source: *source,
            projection,
            columns,
        }))
    }
}

/// A text statement with its one integer literal taken out: the text with `?` in its place,
/// and the literal's value. `None` when the text has no integer literal or more than one,
/// or anything the scan does not follow exactly (quotes, comments, a literal that is no
/// plain integer), so that the text is parsed as it is. The text protocol's point selects
/// (`SELECT c FROM t WHERE id = 42`) are so matched to a cached [`PointGet`] without
/// parsing them, as TiDB's non-prepared plan cache parameterizes a statement first.
pub fn parameterize(sql: &str) -> Option<(String, i64)> {
    let bytes = sql.as_bytes();
    let mut literal = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' | b'#' | b';' | b'@' => return None,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return None,
            b'`' => {
                let close = sql[i + 1..].find('`')?;
                i += close + 2;
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 => {
                while i < bytes.len() && is_identifier_byte(bytes[i]) {
                    i += 1;
                }
            }
            b if b.is_ascii_digit() => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                // `1.5`, `1e3`, `0x1F`, `1abc`: no plain integer.
                if bytes
                    .get(i)
                    .is_some_and(|&b| b == b'.' || is_identifier_byte(b))
                {
                    return None;
                }
                if literal.is_some() {
                    return None;
                }
                literal = Some((start, i));
            }
            _ => i += 1,
        }
    }
    let (start, end) = literal?;
    let value = sql[start..end].parse().ok()?;
    Some((format!("{}?{}", &sql[..start], &sql[end..]), value))
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The projected scope columns of a plan that reads the row with `handle` from one table
/// and returns those columns of it, unchanged; `None` for any other plan.
fn plain_point_get(select: &SelectPlan, handle: i64) -> Option<Vec<usize>> {
    let (_, _, access) = select.single_table()?;
    let plain = select.filter.is_none()
        && select.grouping.is_none()
        && select.having.is_none()
        && select.windows.is_empty()
        && !select.distinct
        && select.order.is_empty()
        && select.offset == 0
        && select.limit.is_none()
        && !select.calc_found_rows
        && access == Access::PointGet(vec![handle]);
    if !plain {
        return None;
    }
    select
        .projection
        .iter()
        .map(|(e, _)| match e {
            Expr::Column(i, _) => Some(*i),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognized(sql: &str) -> bool {
        let mut statement = crate::sql::parse(sql).expect("parses").remove(0);
        let params = crate::sql::parser::count_placeholders(&mut statement);
        PointGet::recognize(&statement, sql, params).is_some()
    }

    #[test]
    fn the_point_select_shape_is_recognized() {
        assert!(recognized("SELECT c FROM sbtest1 WHERE id=?"));
        assert!(recognized("select a, b AS x FROM db.t AS u WHERE u.id = ?"));
        assert!(recognized("SELECT * FROM t WHERE id = ?"));
    }

    #[test]
    fn a_text_statement_loses_its_one_integer_literal() {
        assert_eq!(
            parameterize("SELECT c FROM sbtest1 WHERE id=500"),
            Some(("SELECT c FROM sbtest1 WHERE id=?".into(), 500))
        );
        assert_eq!(
            parameterize("select `a1` from t2 where `weird 7` = 7"),
            Some(("select `a1` from t2 where `weird 7` = ?".into(), 7))
        );
        for sql in [
            "SELECT c FROM t WHERE id = 1 AND k = 2",
            "SELECT c FROM t WHERE id = 1.5",
            "SELECT c FROM t WHERE id = 1e3",
            "SELECT c FROM t WHERE id = 0x10",
            "SELECT c FROM t WHERE id = 99999999999999999999",
            "SELECT c FROM t WHERE c = 'a' AND id = 1",
            "SELECT c FROM t WHERE id = 1 -- 2",
            "SELECT c FROM t WHERE id = 1 /* x */",
            "SELECT c FROM t WHERE id = @v",
            "SELECT c FROM t",
            "SELECT c FROM `t WHERE id = 1",
        ] {
            assert_eq!(parameterize(sql), None, "{sql}");
        }
    }

    #[test]
    fn anything_more_takes_the_general_path() {
        for sql in [
            "SELECT c FROM t WHERE id = 5",
            "SELECT c FROM t WHERE id = ? LIMIT 1",
            "SELECT c FROM t WHERE id = ? FOR UPDATE",
            "SELECT c FROM t WHERE id = ? ORDER BY c",
            "SELECT DISTINCT c FROM t WHERE id = ?",
            "SELECT SQL_CALC_FOUND_ROWS c FROM t WHERE id = ?",
            "SELECT c FROM t USE INDEX (k) WHERE id = ?",
            "SELECT c FROM t WHERE id = ? AND k = 1",
            "SELECT c FROM t WHERE ? = id",
            "SELECT c FROM t, u WHERE id = ?",
            "SELECT ? FROM t WHERE id = ?",
            "WITH x AS (SELECT 1) SELECT c FROM t WHERE id = ?",
            "SELECT c FROM t WHERE id = ? UNION SELECT c FROM t WHERE id = 1",
            "SELECT c FROM t WHERE (id = ?)",
        ] {
            assert!(!recognized(sql), "{sql}");
        }
    }
}
