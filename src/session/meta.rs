//! Metadata statements sqlparser does not parse (SHOW INDEX, SHOW TABLE STATUS, ...), KILL,
//! and the session's process-list entry.

use std::sync::atomic::Ordering;

use sqlparser::ast;

use super::Session;
use crate::error::{Error, Result};
use crate::sql::{self, QueryResult};

/// `name`, `` `name` `` or `'name'` without its quotes.
fn unquote(w: &str) -> String {
    w.trim_matches(|c| c == '`' || c == '\'' || c == '"')
        .to_string()
}

/// `db.table` or `table`.
fn qualified(w: &str) -> (Option<String>, String) {
    match w.split_once('.') {
        Some((d, t)) => (Some(unquote(d)), unquote(t)),
        None => (None, unquote(w)),
    }
}

/// The pattern of a trailing `LIKE 'x'`, and the words before it.
fn split_like<'a>(words: &'a [&'a str]) -> (&'a [&'a str], Option<String>) {
    match words {
        [rest @ .., "like", pattern] => (rest, Some(unquote(pattern))),
        _ => (words, None),
    }
}

impl Session {
    pub(super) fn statement_started(&mut self, sql: &str) {
        self.killed.store(false, Ordering::SeqCst);
        self.process
            .process
            .set_query(self.state.current_db.clone(), Some(sql));
    }

    pub(super) fn statement_ended(&mut self) {
        self.process
            .process
            .set_query(self.state.current_db.clone(), None);
    }

    /// True once another session ran KILL [CONNECTION] on this one: the server closes it.
    pub fn is_disconnected(&self) -> bool {
        self.process.process.disconnect.load(Ordering::SeqCst)
    }

    /// SHOW forms recognised by their (lower-cased) words.
    pub(super) fn front_show(&mut self, words: &[&str]) -> Option<Result<QueryResult>> {
        let ["show", rest @ ..] = words else {
            return None;
        };
        let (rest, like) = split_like(rest);
        let ctx = self.context();
        let like = like.as_deref();
        Some(match rest {
            ["index" | "indexes" | "keys", "from" | "in", table, tail @ ..] => {
                let (mut db, t) = qualified(table);
                if let ["from" | "in", d] = tail {
                    db = Some(unquote(d));
                } else if !tail.is_empty() {
                    return Some(Err(Error::syntax(&words.join(" "))));
                }
                sql::show::index(&ctx, db.as_deref(), &t)
            }
            ["table", "status"] => sql::show::table_status(&ctx, None, like),
            ["table", "status", "from" | "in", db] => {
                sql::show::table_status(&ctx, Some(&unquote(db)), like)
            }
            ["create", "database" | "schema", name]
            | ["create", "database" | "schema", "if", "not", "exists", name] => {
                sql::show::create_database(&ctx, &unquote(name))
            }
            ["engines"] | ["storage", "engines"] => Ok(sql::show::engines()),
            ["collation"] => Ok(sql::show::collation(like)),
            ["character", "set"] | ["charset"] => Ok(sql::show::charset(like)),
            ["status"] | ["global" | "session", "status"] => Ok(sql::show::status(&ctx, like)),
            ["processlist"] => Ok(sql::show::processlist(&ctx, false)),
            ["full", "processlist"] => Ok(sql::show::processlist(&ctx, true)),
            _ => return None,
        })
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
        if !self.state.domain.processes.kill(id, query_only) {
            return Err(Error::new(
                1094,
                "HY000",
                format!("Unknown thread id: {id}"),
            ));
        }
        Ok(QueryResult::ok())
    }

    /// A DDL wait interrupted by KILL: cancel the job (ADMIN CANCEL DDL JOBS), best effort.
    pub(super) fn cancel_job(&mut self, job_id: i64) {
        if let Some(Ok(admin)) = sql::admin::parse(&format!("ADMIN CANCEL DDL JOBS {job_id}")) {
            let _ = self.with_txn(|ctx, txn| sql::admin::execute(ctx, txn, &admin));
        }
    }
}

/// `... LOCK IN SHARE MODE` (MySQL's older spelling, which sqlparser does not parse) as
/// `... FOR SHARE`.
pub(super) fn share_mode_as_for_share(sql: &str) -> std::borrow::Cow<'_, str> {
    const SUFFIX: &str = "lock in share mode";
    let t = sql.trim_end();
    let n = t.len();
    if n >= SUFFIX.len()
        && t.is_char_boundary(n - SUFFIX.len())
        && t[n - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX)
    {
        return format!("{} FOR SHARE", &t[..n - SUFFIX.len()]).into();
    }
    sql.into()
}

/// A table option of `ALTER TABLE t <options>` (sqlparser 0.63 parses none of them there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TableOption {
    Comment(String),
    Engine(String),
    Charset(String),
    Collate(String),
}

/// `ALTER TABLE [db.]t opt [,] opt ...` where every option is COMMENT, ENGINE, [DEFAULT]
/// CHARSET / CHARACTER SET or [DEFAULT] COLLATE: the table name and the options. `None` for
/// anything else (sqlparser gets the statement).
pub(super) fn alter_table_options(sql: &str) -> Option<(Option<String>, String, Vec<TableOption>)> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    if !strip_words(sql, &["alter", "table"]) {
        return None;
    }
    let dialect = sqlparser::dialect::MySqlDialect {};
    let tokens: Vec<Token> = Tokenizer::new(&dialect, sql)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |t: Option<&Token>| match t {
        Some(Token::Word(w)) => Some(w.value.clone()),
        _ => None,
    };
    let keyword = |t: Option<&Token>, k: &str| match t {
        Some(Token::Word(w)) => w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k),
        _ => false,
    };
    let mut i = 2;
    let first = word(tokens.get(i))?;
    i += 1;
    let (db, table) = if matches!(tokens.get(i), Some(Token::Period)) {
        let t = word(tokens.get(i + 1))?;
        i += 2;
        (Some(first), t)
    } else {
        (None, first)
    };
    let mut options = Vec::new();
    while i < tokens.len() {
        if matches!(tokens[i], Token::Comma) && !options.is_empty() {
            i += 1;
        }
        if keyword(tokens.get(i), "default") {
            i += 1;
        }
        let name = if keyword(tokens.get(i), "character") && keyword(tokens.get(i + 1), "set") {
            i += 2;
            "charset".to_string()
        } else {
            let w = word(tokens.get(i))?.to_ascii_lowercase();
            i += 1;
            w
        };
        if matches!(tokens.get(i), Some(Token::Eq)) {
            i += 1;
        }
        let value = match tokens.get(i)? {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s.clone(),
            Token::Word(w) => w.value.clone(),
            _ => return None,
        };
        i += 1;
        options.push(match name.as_str() {
            "comment" => TableOption::Comment(value),
            "engine" => TableOption::Engine(value),
            "charset" => TableOption::Charset(value.to_ascii_lowercase()),
            "collate" => TableOption::Collate(value.to_ascii_lowercase()),
            _ => return None,
        });
    }
    (!options.is_empty()).then_some((db, table, options))
}

/// Whether `sql` starts with `words` (case-insensitive, whitespace-separated).
fn strip_words(sql: &str, words: &[&str]) -> bool {
    let mut it = sql.split_whitespace();
    words
        .iter()
        .all(|w| it.next().is_some_and(|x| x.eq_ignore_ascii_case(w)))
}
