//! TiDB's ADMIN statements, which sqlparser does not know: a small front parser, then one
//! module per statement family.

mod check;
mod checksum;
pub mod jobs;

use crate::sql::dialect::MySql;
use sqlparser::parser::Parser;

use super::context::Context;
use super::result::QueryResult;
use crate::ddl::control::Control;
use crate::ddl::job::ReorgParams;
use crate::error::{Error, Result};
use crate::kv::Transaction;

/// A parsed ADMIN statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Admin {
    CheckTable(Vec<(Option<String>, String)>),
    ChecksumTable(Vec<(Option<String>, String)>),
    /// Without handle ranges a check; with them, the entries whose handle lies in one of
    /// the `[lo, hi)` ranges.
    CheckIndex {
        table: (Option<String>, String),
        index: String,
        ranges: Vec<(i64, i64)>,
    },
    ShowDdl,
    ShowDdlJobs {
        limit: Option<usize>,
        filter: Option<Box<sqlparser::ast::Expr>>,
    },
    ShowDdlJobQueries(Vec<i64>),
    ShowDdlJobQueriesLimit {
        offset: usize,
        limit: usize,
    },
    CancelJobs(Vec<i64>),
    /// ADMIN ALTER DDL JOBS id THREAD = n, BATCH_SIZE = m.
    AlterJob {
        id: i64,
        params: ReorgParams,
    },
    PauseJobs(Vec<i64>),
    ResumeJobs(Vec<i64>),
}

/// Parses `sql` if it is an ADMIN statement (`None` otherwise).
pub fn parse(sql: &str) -> Option<Result<Admin>> {
    let trimmed = sql.trim_start();
    let head: String = trimmed.chars().take(6).collect();
    if !head.eq_ignore_ascii_case("admin ") {
        return None;
    }
    Some(parse_admin(&trimmed[6..]))
}

fn parse_admin(rest: &str) -> Result<Admin> {
    let syntax = || Error::syntax(rest.trim());
    let words: Vec<&str> = rest.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lw: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lw.as_slice() {
        ["check", "table", ..] => {
            let names = rest
                .trim()
                .splitn(3, char::is_whitespace)
                .nth(2)
                .ok_or_else(syntax)?;
            let tables = names
                .split(',')
                .map(|n| table_name(n.trim()))
                .collect::<Result<Vec<_>>>()?;
            Ok(Admin::CheckTable(tables))
        }
        ["checksum", "table", ..] => {
            let names = after_words(rest, 2);
            let tables = names
                .split(',')
                .map(|n| table_name(n.trim()))
                .collect::<Result<Vec<_>>>()?;
            Ok(Admin::ChecksumTable(tables))
        }
        ["check", "index", _, _, ..] => {
            // The index name, then `(lo, hi), ...`, which may touch it: `idx(1, 2)`.
            let tail = after_words(rest, 3);
            let end = tail
                .find(|c: char| c == '(' || c.is_whitespace())
                .unwrap_or(tail.len());
            let (index, ranges) = tail.split_at(end);
            Ok(Admin::CheckIndex {
                table: table_name(words[2])?,
                index: unquote(index),
                ranges: handle_ranges(ranges)?,
            })
        }
        ["show", "ddl"] => Ok(Admin::ShowDdl),
        ["show", "ddl", "jobs", ..] => {
            // ADMIN SHOW DDL JOBS [n] [WHERE expr]
            let after = after_words(rest, 3);
            let after = after.as_str();
            let (count, where_text) = match after.split_once(char::is_whitespace) {
                _ if after.is_empty() => ("", ""),
                Some((first, tail)) if first.chars().all(|c| c.is_ascii_digit()) => {
                    (first, tail.trim())
                }
                _ if after.chars().all(|c| c.is_ascii_digit()) => (after, ""),
                _ => ("", after),
            };
            let limit = if count.is_empty() {
                None
            } else {
                Some(count.parse().map_err(|_| syntax())?)
            };
            let filter = if where_text.is_empty() {
                None
            } else {
                where_text
                    .get(..5)
                    .filter(|w| w.eq_ignore_ascii_case("where"))
                    .ok_or_else(syntax)?;
                let expr = Parser::new(&MySql)
                    .try_with_sql(&where_text[5..])
                    .and_then(|mut p| p.parse_expr())
                    .map_err(|_| syntax())?;
                Some(Box::new(expr))
            };
            Ok(Admin::ShowDdlJobs { limit, filter })
        }
        ["show", "ddl", "job", "queries", "limit", ..] => {
            let tail = after_words(rest, 5).replace(',', " , ");
            let t: Vec<&str> = tail.split_whitespace().collect();
            let num = |s: &str| s.parse::<usize>().map_err(|_| syntax());
            match t.as_slice() {
                [m] => Ok(Admin::ShowDdlJobQueriesLimit {
                    offset: 0,
                    limit: num(m)?,
                }),
                [n, ",", m] => Ok(Admin::ShowDdlJobQueriesLimit {
                    offset: num(n)?,
                    limit: num(m)?,
                }),
                [m, off, n] if off.eq_ignore_ascii_case("offset") => {
                    Ok(Admin::ShowDdlJobQueriesLimit {
                        offset: num(n)?,
                        limit: num(m)?,
                    })
                }
                _ => Err(syntax()),
            }
        }
        ["show", "ddl", "job", "queries", ..] => {
            Ok(Admin::ShowDdlJobQueries(ids(&after_words(rest, 4))?))
        }
        ["alter", "ddl", "jobs", id, ..] => Ok(Admin::AlterJob {
            id: id.parse().map_err(|_| syntax())?,
            params: reorg_params(&after_words(rest, 4))?,
        }),
        ["cancel", "ddl", "jobs", ..] => Ok(Admin::CancelJobs(ids(&after_words(rest, 3))?)),
        ["pause", "ddl", "jobs", ..] => Ok(Admin::PauseJobs(ids(&after_words(rest, 3))?)),
        ["resume", "ddl", "jobs", ..] => Ok(Admin::ResumeJobs(ids(&after_words(rest, 3))?)),
        _ => Err(syntax()),
    }
}

/// `THREAD = n, BATCH_SIZE = m`, checked as TiDB checks them.
fn reorg_params(text: &str) -> Result<ReorgParams> {
    let mut params = ReorgParams::default();
    for assignment in text.split(',') {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| Error::syntax(text.trim()))?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        let (slot, min, max) = match name.as_str() {
            "thread" => (&mut params.thread, 1, 256),
            "batch_size" => (&mut params.batch_size, 32, 10240),
            "max_write_speed" => {
                params.max_write_speed = Some(write_speed(&name, value)?);
                continue;
            }
            _ => return Err(Error::syntax(text.trim())),
        };
        let invalid = || {
            Error::new(
                1105,
                "HY000",
                format!("the value for {name} is invalid, only integer is allowed"),
            )
        };
        let n: i64 = value.parse().map_err(|_| invalid())?;
        if !(min..=max).contains(&n) {
            return Err(Error::new(
                1105,
                "HY000",
                format!("the value {n} for {name} is out of range [{min}, {max}]"),
            ));
        }
        *slot = u32::try_from(n).ok();
    }
    Ok(params)
}

/// MAX_WRITE_SPEED's value: bytes, or a size string (`'10MiB'`), at most 1 PiB.
fn write_speed(name: &str, value: &str) -> Result<u64> {
    const PIB: u64 = 1 << 50;
    let unquoted = value.trim_matches(|c| c == '\'' || c == '"');
    let bytes = crate::types::byte_size::parse(unquoted).ok_or_else(|| {
        Error::new(
            1105,
            "HY000",
            format!("the value {value} for {name} is invalid"),
        )
    })?;
    if bytes > PIB {
        return Err(Error::new(
            1105,
            "HY000",
            format!("the value {bytes} for {name} is out of range [0, {PIB}]"),
        ));
    }
    Ok(bytes)
}

/// `(lo, hi), (lo, hi) ...`: ADMIN CHECK INDEX's handle ranges (none: an empty list).
fn handle_ranges(text: &str) -> Result<Vec<(i64, i64)>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(Vec::new());
    }
    let syntax = || Error::syntax(text.trim());
    let inner = compact
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(syntax)?;
    inner
        .split("),(")
        .map(|pair| {
            let (lo, hi) = pair.split_once(',').ok_or_else(syntax)?;
            Ok((
                lo.parse().map_err(|_| syntax())?,
                hi.parse().map_err(|_| syntax())?,
            ))
        })
        .collect()
}

/// The text after the first `n` words.
fn after_words(s: &str, n: usize) -> String {
    let mut rest = s.trim_start();
    for _ in 0..n {
        rest = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r);
    }
    rest.trim().to_string()
}

fn ids(list: &str) -> Result<Vec<i64>> {
    let out: Vec<i64> = list
        .split(',')
        .map(|s| s.trim().parse::<i64>().map_err(|_| Error::syntax(list)))
        .collect::<Result<_>>()?;
    if out.is_empty() {
        return Err(Error::syntax(list));
    }
    Ok(out)
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('`').to_string()
}

fn table_name(s: &str) -> Result<(Option<String>, String)> {
    let parts: Vec<String> = s.split('.').map(unquote).collect();
    match parts.as_slice() {
        [t] if !t.is_empty() => Ok((None, t.clone())),
        [d, t] => Ok((Some(d.clone()), t.clone())),
        _ => Err(Error::syntax(s)),
    }
}

/// Runs an ADMIN statement.
pub fn execute(ctx: &mut Context, txn: &dyn Transaction, admin: &Admin) -> Result<QueryResult> {
    match admin {
        Admin::CheckTable(tables) => {
            for (db, t) in tables {
                let (_, info) = ctx.table(db.as_deref(), t)?;
                check::check_table(txn, &info, None)?;
            }
            Ok(QueryResult::ok())
        }
        Admin::ChecksumTable(tables) => {
            let mut rows = Vec::new();
            for (db, t) in tables {
                let (db, info) = ctx.table(db.as_deref(), t)?;
                let sum = crate::table::Table::new(info.clone()).checksum(txn)?;
                rows.push((db, info.name.clone(), sum));
            }
            Ok(QueryResult::Rows(checksum::result(rows)))
        }
        Admin::CheckIndex {
            table,
            index,
            ranges,
        } => {
            let (_, info) = ctx.table(table.0.as_deref(), &table.1)?;
            let Some(ix) = info.index_by_name(index) else {
                return Err(Error::new(
                    1176,
                    "42000",
                    format!("Key '{index}' doesn't exist in table '{}'", info.name),
                ));
            };
            if !ranges.is_empty() {
                return check::index_entries(txn, &info, ix, ranges).map(QueryResult::Rows);
            }
            check::check_table(txn, &info, Some(index))?;
            Ok(QueryResult::ok())
        }
        Admin::ShowDdl => jobs::show_ddl(ctx),
        Admin::ShowDdlJobs { limit, filter } => jobs::show_ddl_jobs(ctx, *limit, filter.as_deref()),
        Admin::ShowDdlJobQueries(ids) => jobs::show_job_queries(ctx, ids),
        Admin::ShowDdlJobQueriesLimit { offset, limit } => {
            jobs::show_job_queries_limit(ctx, *offset, *limit)
        }
        Admin::AlterJob { id, params } => {
            crate::ddl::control::alter_params(ctx.domain, *id, params)?;
            Ok(QueryResult::ok())
        }
        Admin::CancelJobs(ids) => jobs::control(ctx, ids, Control::Cancel),
        Admin::PauseJobs(ids) => jobs::control(ctx, ids, Control::Pause),
        Admin::ResumeJobs(ids) => jobs::control(ctx, ids, Control::Resume),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_admin_statements() {
        assert_eq!(parse("select 1"), None);
        assert_eq!(
            parse("ADMIN CHECK TABLE t1, db.t2").unwrap().unwrap(),
            Admin::CheckTable(vec![(None, "t1".into()), (Some("db".into()), "t2".into())])
        );
        assert_eq!(
            parse("admin cancel ddl jobs 1, 2").unwrap().unwrap(),
            Admin::CancelJobs(vec![1, 2])
        );
        assert!(matches!(
            parse("ADMIN SHOW DDL JOBS 5 WHERE state != 'synced'")
                .unwrap()
                .unwrap(),
            Admin::ShowDdlJobs {
                limit: Some(5),
                filter: Some(_)
            }
        ));
        assert_eq!(
            parse("admin show ddl job queries limit 3 offset 4")
                .unwrap()
                .unwrap(),
            Admin::ShowDdlJobQueriesLimit {
                offset: 4,
                limit: 3
            }
        );
        assert_eq!(
            parse("admin show ddl job queries limit 4, 3")
                .unwrap()
                .unwrap(),
            Admin::ShowDdlJobQueriesLimit {
                offset: 4,
                limit: 3
            }
        );
        assert_eq!(
            parse("admin checksum table t1, `d`.`t2`").unwrap().unwrap(),
            Admin::ChecksumTable(vec![(None, "t1".into()), (Some("d".into()), "t2".into())])
        );
        assert_eq!(
            parse("admin check index t a_b (2, 3), (4,5)")
                .unwrap()
                .unwrap(),
            Admin::CheckIndex {
                table: (None, "t".into()),
                index: "a_b".into(),
                ranges: vec![(2, 3), (4, 5)]
            }
        );
        assert_eq!(
            parse("admin check index t i").unwrap().unwrap(),
            Admin::CheckIndex {
                table: (None, "t".into()),
                index: "i".into(),
                ranges: Vec::new()
            }
        );
        assert!(parse("admin check index t i (1, x)").unwrap().is_err());
        assert_eq!(
            parse("admin alter ddl jobs 7 thread = 8, BATCH_SIZE=256")
                .unwrap()
                .unwrap(),
            Admin::AlterJob {
                id: 7,
                params: ReorgParams {
                    thread: Some(8),
                    batch_size: Some(256),
                    max_write_speed: None,
                }
            }
        );
        assert_eq!(
            parse("admin alter ddl jobs 7 max_write_speed = '10MiB'")
                .unwrap()
                .unwrap(),
            Admin::AlterJob {
                id: 7,
                params: ReorgParams {
                    max_write_speed: Some(10 << 20),
                    ..Default::default()
                }
            }
        );
        let message = |sql: &str| parse(sql).unwrap().unwrap_err().message();
        assert_eq!(
            message("admin alter ddl jobs 1 thread = 0"),
            "the value 0 for thread is out of range [1, 256]"
        );
        assert_eq!(
            message("admin alter ddl jobs 1 batch_size = 10241"),
            "the value 10241 for batch_size is out of range [32, 10240]"
        );
        assert_eq!(
            message("admin alter ddl jobs 1 thread = '16'"),
            "the value for thread is invalid, only integer is allowed"
        );
        assert_eq!(
            message("admin alter ddl jobs 1 batch_size = 321.3"),
            "the value for batch_size is invalid, only integer is allowed"
        );
        assert!(parse("admin frobnicate").unwrap().is_err());
    }
}
