//! Every statement moltdb runs, parsed once into one enum: sqlparser's AST for what it
//! parses (MySQL dialect), moltdb's own variants for what it does not (TiDB's ADMIN
//! statements, SHOW forms and ALTER TABLE options sqlparser lacks, the diagnostics
//! statements). The session hands each variant to its handler in one `match`.

use std::borrow::Cow;

use sqlparser::ast;

use super::admin::{self, Admin};
use super::alter_table::{self, AlterClause};
use super::parser;
use super::stored_programs::StoredPrograms;
use super::tidb_syntax::is_word;
use crate::error::{Error, Result};

impl Statement {
    /// The query that one of moltdb's own statements runs (DO, `SELECT ... INTO`), where a
    /// prepared statement's `?` may stand.
    pub fn query_mut(&mut self) -> Option<&mut ast::Query> {
        match self {
            Statement::Do(query) | Statement::SelectInto { query, .. } => Some(query),
            _ => None,
        }
    }
}

/// A parsed statement.
#[derive(Debug, Clone)]
pub enum Statement {
    /// A statement sqlparser parsed.
    Sql(Box<ast::Statement>),
    /// ADMIN SHOW DDL [JOBS | JOB QUERIES], ADMIN CANCEL / PAUSE / RESUME DDL JOBS, ADMIN
    /// CHECK TABLE / INDEX.
    Admin(Admin),
    /// `ALTER TABLE [db.]t` with only COMMENT / ENGINE / CHARSET / COLLATE options.
    AlterTableOptions {
        db: Option<String>,
        table: String,
        options: Vec<TableOption>,
    },
    /// ALTER TABLE with RENAME INDEX or ALTER INDEX ... \[IN\]VISIBLE among its clauses.
    AlterTable {
        name: ast::ObjectName,
        clauses: Vec<AlterClause>,
    },
    /// A SHOW form sqlparser does not parse, with its `LIKE` pattern or `WHERE` condition.
    Show {
        show: Show,
        like: Option<String>,
        filter: Option<Box<ast::Expr>>,
    },
    /// SHOW WARNINGS / ERRORS and their counts: they read the previous statement's
    /// diagnostics, so running them must not clear those.
    Diagnostics(Diagnostics),
    /// IMPORT INTO, SHOW IMPORT JOB(S), CANCEL IMPORT JOB.
    Import(Box<super::import::ImportStatement>),
    /// `DO expr, ...`: the expressions evaluated, their values dropped.
    Do(Box<ast::Query>),
    /// `SELECT ... INTO @a [, @b ...]`, `INTO OUTFILE`, `INTO DUMPFILE`: the query (its text
    /// without the clause) and where its rows go.
    SelectInto {
        sql: String,
        query: Box<ast::Query>,
        into: super::select_into::Target,
    },
    /// PREPARE / EXECUTE / DEALLOCATE PREPARE.
    Prepared(super::prepare::PrepareStatement),
    /// CREATE / ALTER / DROP / RENAME USER, SET PASSWORD, GRANT, REVOKE, SHOW GRANTS, FLUSH
    /// PRIVILEGES.
    Account(super::account::AccountStatement),
    /// `ANALYZE [LOCAL | NO_WRITE_TO_BINLOG] TABLE t1 [, t2 ...]`.
    Analyze {
        tables: Vec<(Option<String>, String)>,
    },
    /// `ALTER TABLE t {DISABLE | ENABLE} KEYS` (mysqldump writes it around its INSERTs):
    /// MyISAM's, which an InnoDB table has nothing for.
    KeysOption { db: Option<String>, table: String },
    /// `LOCK TABLE[S] [db.]t lock_type, ...`: TiDB's with table locks disabled, which locks
    /// nothing (see `table_locks`).
    LockTables {
        tables: Vec<(Option<String>, String)>,
    },
}

/// SHOW forms moltdb parses itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    Index {
        db: Option<String>,
        table: String,
    },
    TableStatus {
        db: Option<String>,
    },
    CreateDatabase {
        name: String,
    },
    Engines,
    Collation,
    Charset,
    Status,
    Processlist {
        full: bool,
    },
    /// TiDB's SHOW STATS_META.
    StatsMeta,
    /// The privileges the server knows, with where they apply.
    Privileges,
    /// Server plugins: moltdb loads none (TiDB lists the ones it loaded).
    Plugins,
    /// TiDB's SHOW MASTER STATUS: no binary log, the store's current timestamp as position.
    MasterStatus,
    /// SHOW TRIGGERS / {PROCEDURE | FUNCTION} STATUS / EVENTS, with the database of the
    /// first and last.
    StoredPrograms {
        kind: StoredPrograms,
        db: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnostics {
    Warnings,
    Errors,
    WarningCount,
    ErrorCount,
}

/// Parses one statement (`sql` without a trailing `;`).
pub fn parse(sql: &str) -> Result<Statement> {
    let sql = sql.trim().trim_end_matches(';').trim();
    if sql.is_empty() {
        return Err(Error::new(1065, "42000", "Query was empty"));
    }
    if let Some(insert) = super::insert_values::parse(sql) {
        return Ok(Statement::Sql(Box::new(insert)));
    }
    if let Some(admin) = admin::parse(sql) {
        return admin.map(Statement::Admin);
    }
    if let Some(import) = super::import::parse(sql) {
        return import.map(|i| Statement::Import(Box::new(i)));
    }
    if let Some(p) = super::prepare::parse(sql) {
        return p.map(Statement::Prepared);
    }
    if let Some(account) = super::account::parse(sql) {
        return account.map(Statement::Account);
    }
    if let Some((db, table, options)) = alter_table_options(sql) {
        return Ok(Statement::AlterTableOptions { db, table, options });
    }
    if let Some((db, table)) = keys_option(sql) {
        return Ok(Statement::KeysOption { db, table });
    }
    if let Some(tables) = super::table_locks::parse(sql) {
        return Ok(Statement::LockTables { tables });
    }
    if let Some(alter) = alter_table::parse(sql) {
        return alter.map(|(name, clauses)| Statement::AlterTable { name, clauses });
    }
    // The SHOW forms and `SELECT @@warning_count` (two words) are recognised by their
    // words, which every other statement is spared from lower-casing.
    let words: Vec<String> = if parser::first_word_is(sql, &["show"])
        || (parser::first_word_is(sql, &["select"]) && sql.split_whitespace().nth(2).is_none())
    {
        sql.split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect()
    } else {
        Vec::new()
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    if let Some(tables) = analyze(sql) {
        return Ok(Statement::Analyze { tables });
    }
    if let Some(diagnostics) = diagnostics(&words) {
        return Ok(Statement::Diagnostics(diagnostics));
    }
    if let Some(statement) = show_where(sql).or_else(|| show(&words)) {
        return statement;
    }
    if let Some(exprs) = strip_keyword(sql, "do") {
        return match parser::parse(&format!("SELECT {exprs}"))?.pop() {
            Some(ast::Statement::Query(q)) => Ok(Statement::Do(q)),
            _ => Err(Error::syntax(sql)),
        };
    }
    if let Some(select_into) = super::select_into::parse(sql) {
        let (text, into) = select_into?;
        return match parse(&text)? {
            Statement::Sql(stmt) => match *stmt {
                ast::Statement::Query(query) => Ok(Statement::SelectInto {
                    sql: text,
                    query,
                    into,
                }),
                _ => Err(Error::syntax(sql)),
            },
            _ => Err(Error::syntax(sql)),
        };
    }
    let sql = &*set_with_colon_equals(sql);
    let text = without_extra_set_names(sql)
        .map(Cow::Owned)
        .unwrap_or_else(|| share_mode_as_for_share(sql));
    let mut stmts = parser::parse(&text)?;
    if stmts.len() != 1 {
        return Err(Error::syntax(sql));
    }
    // What sqlparser reads as `SELECT ... INTO name` that is not a user variable: outside a
    // stored program MySQL has no such variable.
    if let ast::Statement::Query(q) = &stmts[0] {
        if let ast::SetExpr::Select(select) = q.body.as_ref() {
            if let Some(name) = select.into.as_ref().and_then(|i| i.targets.first()) {
                return Err(Error::new(
                    1327,
                    "42000",
                    format!("Undeclared variable: {name}"),
                ));
            }
        }
    }
    Ok(Statement::Sql(Box::new(stmts.remove(0))))
}

/// The table of `ALTER TABLE [db.]t {DISABLE | ENABLE} KEYS` (perhaps in a versioned
/// comment, as mysqldump writes it).
fn keys_option(sql: &str) -> Option<(Option<String>, String)> {
    // Every statement passes here: tokenize only what ends as one does.
    let end = sql.trim_end().trim_end_matches("*/").trim_end().as_bytes();
    let ends_with_keys = end.len() >= 4 && end[end.len() - 4..].eq_ignore_ascii_case(b"keys");
    if !ends_with_keys {
        return None;
    }
    let tokens = parser::code_tokens(sql)?;
    match alter_table_target(&tokens)? {
        (db, table, [switch, keys])
            if (is_word(switch, "disable") || is_word(switch, "enable"))
                && is_word(keys, "keys") =>
        {
            Some((db, table))
        }
        _ => None,
    }
}

/// `ALTER TABLE [db.]t` at the start of `tokens` (whitespace left out): the table, and the
/// tokens after its name.
fn alter_table_target(
    tokens: &[sqlparser::tokenizer::Token],
) -> Option<(Option<String>, String, &[sqlparser::tokenizer::Token])> {
    use sqlparser::tokenizer::Token;
    let name = |t: &Token| match t {
        Token::Word(w) => Some(w.value.clone()),
        _ => None,
    };
    match tokens {
        [a, t, db, Token::Period, table, rest @ ..]
            if is_word(a, "alter") && is_word(t, "table") =>
        {
            Some((Some(name(db)?), name(table)?, rest))
        }
        [a, t, table, rest @ ..] if is_word(a, "alter") && is_word(t, "table") => {
            Some((None, name(table)?, rest))
        }
        _ => None,
    }
}

/// The tables of `ANALYZE [LOCAL | NO_WRITE_TO_BINLOG] TABLE t1, t2`; other ANALYZE forms
/// (TiDB's INDEX / COLUMNS / WITH options) are left to sqlparser, which refuses them.
fn analyze(sql: &str) -> Option<Vec<(Option<String>, String)>> {
    let rest = strip_keyword(sql, "analyze")?;
    let rest = strip_keyword(rest, "local")
        .or_else(|| strip_keyword(rest, "no_write_to_binlog"))
        .unwrap_or(rest);
    let rest = strip_keyword(rest, "table")?;
    let names: Vec<&str> = rest.split(',').map(str::trim).collect();
    let plain = |n: &&str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '`'))
    };
    names
        .iter()
        .all(plain)
        .then(|| names.iter().map(|n| qualified(n)).collect())
}

fn diagnostics(words: &[&str]) -> Option<Diagnostics> {
    Some(match words {
        ["show", "warnings"] => Diagnostics::Warnings,
        ["show", "errors"] => Diagnostics::Errors,
        ["show", "count(*)", "warnings"] | ["select", "@@warning_count"] => {
            Diagnostics::WarningCount
        }
        ["show", "count(*)", "errors"] | ["select", "@@error_count"] => Diagnostics::ErrorCount,
        _ => return None,
    })
}

/// SHOW forms recognised by their (lower-cased) words.
fn show(words: &[&str]) -> Option<Result<Statement>> {
    let ["show", rest @ ..] = words else {
        return None;
    };
    let (rest, like) = split_like(rest);
    let show = match rest {
        ["index" | "indexes" | "keys", "from" | "in", table, tail @ ..] => {
            let (mut db, table) = qualified(table);
            if let ["from" | "in", d] = tail {
                db = Some(unquote(d));
            } else if !tail.is_empty() {
                return Some(Err(Error::syntax(&words.join(" "))));
            }
            Show::Index { db, table }
        }
        ["table", "status"] => Show::TableStatus { db: None },
        ["table", "status", "from" | "in", db] => Show::TableStatus {
            db: Some(unquote(db)),
        },
        ["create", "database" | "schema", name]
        | ["create", "database" | "schema", "if", "not", "exists", name] => Show::CreateDatabase {
            name: unquote(name),
        },
        ["engines"] | ["storage", "engines"] => Show::Engines,
        ["collation"] => Show::Collation,
        ["character", "set"] | ["charset"] => Show::Charset,
        ["status"] | ["global" | "session", "status"] => Show::Status,
        ["processlist"] => Show::Processlist { full: false },
        ["full", "processlist"] => Show::Processlist { full: true },
        ["stats_meta"] => Show::StatsMeta,
        ["privileges"] => Show::Privileges,
        ["plugins"] => Show::Plugins,
        ["master" | "binary" | "binlog", "status"] => Show::MasterStatus,
        [programs @ ("triggers" | "events"), tail @ ..] => {
            let kind = match *programs {
                "triggers" => StoredPrograms::Triggers,
                _ => StoredPrograms::Events,
            };
            let db = match tail {
                [] => None,
                ["from" | "in", db] => Some(unquote(db)),
                _ => return Some(Err(Error::syntax(&words.join(" ")))),
            };
            Show::StoredPrograms { kind, db }
        }
        ["procedure" | "function", "status"] => Show::StoredPrograms {
            kind: StoredPrograms::Routines,
            db: None,
        },
        _ => return None,
    };
    Some(Ok(Statement::Show {
        show,
        like,
        filter: None,
    }))
}

/// `SHOW <form> WHERE cond` for the forms [`show`] reads.
fn show_where(sql: &str) -> Option<Result<Statement>> {
    strip_keyword(sql, "show")?;
    let at = top_level_keyword(sql, "where")?;
    let head: Vec<String> = sql[..at]
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let statement = show(&head)?;
    let cond = &sql[at + "where".len()..];
    let parsed = sqlparser::parser::Parser::new(&super::dialect::MySql)
        .try_with_sql(cond)
        .and_then(|mut p| p.parse_expr());
    Some(statement.and_then(|s| match (s, parsed) {
        (
            Statement::Show {
                show, like: None, ..
            },
            Ok(cond),
        ) => Ok(Statement::Show {
            show,
            like: None,
            filter: Some(Box::new(cond)),
        }),
        _ => Err(Error::syntax(cond)),
    }))
}

/// The byte offset of `keyword` as a word outside quotes and parentheses.
fn top_level_keyword(sql: &str, keyword: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0i32, None::<u8>);
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match (quote, b) {
            (Some(q), b'\\') if q != b'`' => i += 1,
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') => depth -= 1,
            (None, _)
                if depth == 0
                    && sql
                        .get(i..i + keyword.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
                    && (i == 0 || bytes[i - 1].is_ascii_whitespace())
                    && bytes
                        .get(i + keyword.len())
                        .is_none_or(|c| c.is_ascii_whitespace() || *c == b'(') =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `SET NAMES x` among other assignments, which sqlparser rejects (sqlx sends
/// `SET sql_mode=..., time_zone=..., NAMES utf8mb4`): the SET without its NAMES items
/// (moltdb speaks utf8mb4 whatever the client names), or the first NAMES item alone if
/// there is nothing else.
fn without_extra_set_names(sql: &str) -> Option<String> {
    let rest = strip_keyword(sql, "set")?;
    let items = split_top_level(rest);
    let is_names = |i: &&str| strip_keyword(i, "names").is_some();
    if items.len() < 2 || !items.iter().any(is_names) {
        return None;
    }
    let others: Vec<&str> = items.iter().copied().filter(|i| !is_names(i)).collect();
    Some(match others.as_slice() {
        [] => format!("SET {}", items[0]),
        _ => format!("SET {}", others.join(", ")),
    })
}

/// `SET @x := 1, @@y := 2` as `SET @x = 1, @@y = 2` (sqlparser knows only `=` there): every
/// `:=` outside quotes and parentheses of a SET statement is an assignment.
fn set_with_colon_equals(sql: &str) -> Cow<'_, str> {
    if strip_keyword(sql, "set").is_none() || !sql.contains(":=") {
        return sql.into();
    }
    let mut out = String::with_capacity(sql.len());
    let (mut depth, mut quote) = (0i32, None::<char>);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') if q != '`' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    out.push(n);
                }
                continue;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ':') if depth == 0 && chars.peek() == Some(&'=') => {
                chars.next();
                out.push_str(" =");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out.into()
}

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

/// A table option of `ALTER TABLE t <options>` (sqlparser 0.63 parses none of them there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableOption {
    Comment(String),
    Engine(String),
    Charset(String),
    Collate(String),
    /// `[FORCE] AUTO_INCREMENT [=] n`: the digits of `n`, and whether FORCE came first.
    AutoIncrement {
        value: String,
        force: bool,
    },
}

/// `ALTER TABLE [db.]t opt [,] opt ...` where every option is COMMENT, ENGINE, [DEFAULT]
/// CHARSET / CHARACTER SET, [DEFAULT] COLLATE or [FORCE] AUTO_INCREMENT: the table name and
/// the options. `None` for anything else (sqlparser gets the statement).
fn alter_table_options(sql: &str) -> Option<(Option<String>, String, Vec<TableOption>)> {
    use sqlparser::tokenizer::Token;
    if !strip_words(sql, &["alter", "table"]) {
        return None;
    }
    let tokens = parser::code_tokens(sql)?;
    let (db, table, tokens) = alter_table_target(&tokens)?;
    let word = |t: Option<&Token>| match t {
        Some(Token::Word(w)) => Some(w.value.clone()),
        _ => None,
    };
    let keyword = |t: Option<&Token>, k: &str| t.is_some_and(|t| is_word(t, k));
    let mut i = 0;
    let mut options = Vec::new();
    while i < tokens.len() {
        if matches!(tokens[i], Token::Comma) && !options.is_empty() {
            i += 1;
        }
        if keyword(tokens.get(i), "default") {
            i += 1;
        }
        let force = keyword(tokens.get(i), "force") && keyword(tokens.get(i + 1), "auto_increment");
        if force {
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
            Token::Number(n, _) if name == "auto_increment" => n.clone(),
            t => alter_table::name_of(t)?,
        };
        i += 1;
        options.push(match name.as_str() {
            "comment" => TableOption::Comment(value),
            "engine" => TableOption::Engine(value),
            "charset" => TableOption::Charset(value.to_ascii_lowercase()),
            "collate" => TableOption::Collate(value.to_ascii_lowercase()),
            "auto_increment" => TableOption::AutoIncrement { value, force },
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

/// `... LOCK IN SHARE MODE` (MySQL's older spelling, which sqlparser does not parse) as
/// `... FOR SHARE`.
fn share_mode_as_for_share(sql: &str) -> Cow<'_, str> {
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

/// The text after a leading keyword (case-insensitive), if `sql` starts with it.
fn strip_keyword<'a>(sql: &'a str, keyword: &str) -> Option<&'a str> {
    let t = sql.trim_start();
    let head = t.get(..keyword.len())?;
    let rest = &t[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword) && rest.starts_with(char::is_whitespace))
        .then_some(rest.trim_start())
}

/// Splits at commas outside quotes and parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') if q != '`' => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_statement_parses_to_its_variant() {
        assert!(matches!(
            parse("ADMIN CANCEL DDL JOBS 1, 2;"),
            Ok(Statement::Admin(Admin::CancelJobs(ids))) if ids == [1, 2]
        ));
        assert!(matches!(
            parse("show index from d.t"),
            Ok(Statement::Show { show: Show::Index { db: Some(d), table }, like: None, .. })
                if d == "d" && table == "t"
        ));
        assert!(matches!(
            parse("SHOW FULL PROCESSLIST"),
            Ok(Statement::Show {
                show: Show::Processlist { full: true },
                ..
            })
        ));
        assert!(matches!(
            parse("show count(*) warnings"),
            Ok(Statement::Diagnostics(Diagnostics::WarningCount))
        ));
        assert!(matches!(
            parse("ALTER TABLE t COMMENT 'x', ENGINE=InnoDB"),
            Ok(Statement::AlterTableOptions { db: None, table, options })
                if table == "t" && options.len() == 2
        ));
        assert!(matches!(
            parse("SELECT 1 FROM t LOCK IN SHARE MODE"),
            Ok(Statement::Sql(s)) if s.to_string().ends_with("FOR SHARE")
        ));
    }

    #[test]
    fn set_names_among_assignments_is_dropped() {
        let Ok(Statement::Sql(s)) = parse("SET sql_mode='', NAMES utf8mb4, time_zone='+00:00'")
        else {
            panic!("not parsed");
        };
        assert_eq!(s.to_string(), "SET sql_mode = '', time_zone = '+00:00'");
        assert!(matches!(
            parse("SET NAMES utf8mb4, NAMES latin1"),
            Ok(Statement::Sql(s)) if matches!(*s, ast::Statement::Set(_))
        ));
    }

    #[test]
    fn set_accepts_colon_equals() {
        let Ok(Statement::Sql(s)) = parse("SET @a := 1, @b := ':=', @c = (@d := 2)") else {
            panic!("not parsed");
        };
        assert_eq!(s.to_string(), "SET @a = 1, @b = ':=', @c = (@d := 2)");
    }

    #[test]
    fn errors_carry_mysql_codes() {
        assert_eq!(parse("  ;").map(|_| ()).unwrap_err().code(), 1065);
        assert_eq!(parse("SELEC 1").map(|_| ()).unwrap_err().code(), 1064);
        assert_eq!(
            parse("SELECT 1; SELECT 2").map(|_| ()).unwrap_err().code(),
            1064
        );
    }
}
