//! Parsing: sqlparser's MySQL dialect, with its errors turned into MySQL's 1064.

use std::ops::ControlFlow;

use crate::sql::dialect::MySql;
use sqlparser::ast::{self, Statement, VisitMut, VisitorMut};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer};

use super::tidb_syntax;

use crate::error::{Error, Result};
use crate::types::Value;

/// How deeply expressions and subqueries may nest. sqlparser's default (50) refuses real
/// generated queries (the SQLite corpus nests about 60 deep); the server's worker threads
/// have stacks sized for this limit (see `main.rs`).
pub const MAX_NESTING: usize = 256;

/// Whether the first word of `sql` is one of `words` (ASCII case ignored). Every statement
/// passes the front parsers, which look no further unless it is.
pub fn first_word_is(sql: &str, words: &[&str]) -> bool {
    sql.split_whitespace()
        .next()
        .is_some_and(|first| words.iter().any(|w| first.eq_ignore_ascii_case(w)))
}

/// Whether `word` appears anywhere in `sql` (ASCII case ignored): the cheap test a front
/// parser makes before it tokenizes.
pub fn mentions(sql: &str, word: &str) -> bool {
    sql.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// The byte offset in `sql` of a tokenizer location (1-based line, 1-based character
/// column); `None` past the text.
pub fn byte_offset(sql: &str, at: sqlparser::tokenizer::Location) -> Option<usize> {
    let mut pos = 0usize;
    for (i, line) in sql.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == at.line {
            let column = usize::try_from(at.column.saturating_sub(1)).ok()?;
            let chars: usize = line.chars().take(column).map(char::len_utf8).sum();
            return Some(pos + chars);
        }
        pos += line.len();
    }
    None
}

pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    let mut tokens = tokenize(sql)?;
    tidb_syntax::take_clustering(&mut tokens);
    tidb_syntax::take_index_visibility(&mut tokens);
    take_consistent_snapshot(&mut tokens);
    take_database_encryption(&mut tokens)?;
    Parser::new(&MySql)
        .with_recursion_limit(MAX_NESTING)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| syntax_error(sql, &e))
}

/// Takes `WITH CONSISTENT SNAPSHOT` out of a `START TRANSACTION` (mysqldump's
/// `--single-transaction` sends it, in a versioned comment). Every transaction reads one
/// snapshot taken when it starts, so the clause asks for what START TRANSACTION does.
fn take_consistent_snapshot(tokens: &mut Vec<TokenWithSpan>) {
    use sqlparser::tokenizer::Token;
    let is = |t: &TokenWithSpan, text: &str| tidb_syntax::is_word(&t.token, text);
    // Every statement passes here: only a START is looked at further.
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)));
    if !first.is_some_and(|t| is(t, "start")) {
        return;
    }
    let code = tidb_syntax::code_positions(tokens);
    let is_at = |k: usize, text: &str| code.get(k).is_some_and(|&i| is(&tokens[i], text));
    let comma_at = |k: usize| {
        code.get(k)
            .is_some_and(|&i| tokens[i].token == Token::Comma)
    };
    if !is_at(1, "transaction") {
        return;
    }
    let Some(at) = (2..code.len())
        .find(|&k| is_at(k, "with") && is_at(k + 1, "consistent") && is_at(k + 2, "snapshot"))
    else {
        return;
    };
    // The clause, and the comma that joins it to the other modes.
    let mut gone = vec![code[at], code[at + 1], code[at + 2]];
    if at > 2 && comma_at(at - 1) {
        gone.push(code[at - 1]);
    } else if comma_at(at + 3) {
        gone.push(code[at + 3]);
    }
    gone.sort_unstable();
    for i in gone.into_iter().rev() {
        tokens.remove(i);
    }
}

/// Takes `[DEFAULT] ENCRYPTION [=] 'N'` out of a CREATE DATABASE (MySQL 8.0's
/// mysqldump writes `/*!80016 DEFAULT ENCRYPTION='N' */` after every CREATE DATABASE, and
/// versioned comments are code whatever their version, as in TiDB). 'N' asks for what
/// every database is; `'Y'` (encryption at rest) is refused.
fn take_database_encryption(tokens: &mut Vec<TokenWithSpan>) -> Result<()> {
    use sqlparser::tokenizer::Token;
    let is = |t: &TokenWithSpan, text: &str| tidb_syntax::is_word(&t.token, text);
    // Every statement passes here: only a CREATE is looked at further.
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)));
    if !first.is_some_and(|t| is(t, "create")) {
        return Ok(());
    }
    let code = tidb_syntax::code_positions(tokens);
    let is_at = |k: usize, text: &str| code.get(k).is_some_and(|&i| is(&tokens[i], text));
    if !(is_at(1, "database") || is_at(1, "schema")) {
        return Ok(());
    }
    let Some(at) = (2..code.len()).find(|&k| is_at(k, "encryption")) else {
        return Ok(());
    };
    let first = if is_at(at - 1, "default") { at - 1 } else { at };
    let equals = code
        .get(at + 1)
        .is_some_and(|&i| tokens[i].token == Token::Eq);
    let value_at = if equals { at + 2 } else { at + 1 };
    let value = code.get(value_at).map(|&i| &tokens[i].token);
    match value {
        Some(Token::SingleQuotedString(v) | Token::DoubleQuotedString(v))
            if v.eq_ignore_ascii_case("n") => {}
        Some(Token::SingleQuotedString(v) | Token::DoubleQuotedString(v))
            if v.eq_ignore_ascii_case("y") =>
        {
            return Err(Error::unsupported("ENCRYPTION='Y'"));
        }
        // Not the option: sqlparser says what is wrong.
        _ => return Ok(()),
    }
    for k in (first..=value_at).rev() {
        tokens.remove(code[k]);
    }
    Ok(())
}

/// `sql`'s tokens without whitespace and comments (those read as code are code): what the
/// front parsers match on. `None` when it does not tokenize (sqlparser then says why).
pub fn code_tokens(sql: &str) -> Option<Vec<sqlparser::tokenizer::Token>> {
    use sqlparser::tokenizer::Token;
    let tokens = tokenize(sql).ok()?.into_iter().map(|t| t.token);
    Some(
        tokens
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect(),
    )
}

/// `sql`'s tokens, TiDB's comments read as code where TiDB reads them so.
pub fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>> {
    Tokenizer::new(&MySql, sql)
        .tokenize_with_location()
        .and_then(tidb_syntax::expand_comments)
        .map_err(|e| syntax_error(sql, &e.into()))
}

/// MySQL quotes the text from the point of the error: "... near 'frm t' at line 1".
fn syntax_error(sql: &str, e: &ParserError) -> Error {
    let msg = e.to_string();
    // sqlparser reports "... at Line: L, Column: C".
    let pos = msg.rfind("Line: ").and_then(|i| {
        let rest = &msg[i + 6..];
        let (line, rest) = rest.split_once(", Column: ")?;
        let col: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        Some((
            line.trim().parse::<usize>().ok()?,
            col.parse::<usize>().ok()?,
        ))
    });
    let (near, line) = match pos {
        Some((line, col)) => {
            let text = sql.lines().nth(line.saturating_sub(1)).unwrap_or("");
            let start: usize = text
                .chars()
                .take(col.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            let rest_of_line = &text[start.min(text.len())..];
            let mut near = rest_of_line.to_string();
            for l in sql.lines().skip(line) {
                near.push('\n');
                near.push_str(l);
            }
            (near, line)
        }
        None => (String::new(), 1),
    };
    let near: String = near.chars().take(80).collect();
    Error::Syntax {
        near,
        line: Some(line),
    }
}

/// Counts the `?` placeholders of a prepared statement (or of a query it holds).
pub fn count_placeholders<T: VisitMut + ?Sized>(stmt: &mut T) -> usize {
    struct Count(usize);
    impl VisitorMut for Count {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
            if let ast::Expr::Value(v) = e {
                if matches!(v.value, ast::Value::Placeholder(_)) {
                    self.0 += 1;
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Count(0);
    let _ = stmt.visit(&mut c);
    c.0
}

/// What a numbered placeholder's name starts with: no SQL text tokenizes to it, so only
/// [`number_placeholders`] makes one.
const NUMBERED: &str = "?\u{1}";

/// Names the `?` placeholders by their position (the order [`bind_placeholders`] fills
/// them in), so that the planner binds each to its parameter: a plan made once for any
/// parameter values (`crate::sql::plan_cache`).
pub fn number_placeholders(stmt: &mut Statement) {
    struct Number(usize);
    impl VisitorMut for Number {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
            if let ast::Expr::Value(v) = e {
                if let ast::Value::Placeholder(name) = &mut v.value {
                    *name = format!("{NUMBERED}{}", self.0);
                    self.0 += 1;
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = stmt.visit(&mut Number(0));
}

/// The parameter position of a placeholder [`number_placeholders`] named.
pub fn numbered_placeholder(v: &ast::Value) -> Option<usize> {
    match v {
        ast::Value::Placeholder(name) => name.strip_prefix(NUMBERED)?.parse().ok(),
        _ => None,
    }
}

/// Replaces the `?` placeholders, in order, with literals of the given values.
pub fn bind_placeholders<T: VisitMut + ?Sized>(stmt: &mut T, params: &[Value]) -> Result<()> {
    struct Bind<'a> {
        params: &'a [Value],
        next: usize,
        missing: bool,
    }
    impl VisitorMut for Bind<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
            if let ast::Expr::Value(v) = e {
                if matches!(v.value, ast::Value::Placeholder(_)) {
                    match self.params.get(self.next) {
                        Some(p) => *e = literal_expr(p),
                        None => self.missing = true,
                    }
                    self.next += 1;
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut b = Bind {
        params,
        next: 0,
        missing: false,
    };
    let _ = stmt.visit(&mut b);
    if b.missing {
        return Err(Error::new(1210, "HY000", "Incorrect arguments to EXECUTE"));
    }
    Ok(())
}

/// A value as a literal expression.
pub fn literal_expr(v: &Value) -> ast::Expr {
    let value = match v {
        Value::Null => ast::Value::Null,
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            ast::Value::Number(v.to_string(), false)
        }
        Value::Float(f) => ast::Value::Number(format!("{f:e}"), false),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => ast::Value::SingleQuotedString(s.to_string()),
            Err(_) => ast::Value::HexStringLiteral(b.iter().map(|x| format!("{x:02X}")).collect()),
        },
        Value::Date(_) | Value::DateTime(_) => ast::Value::SingleQuotedString(v.to_string()),
    };
    ast::Expr::value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_asks_for_no_encryption() {
        for sql in [
            "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `d` /*!40100 DEFAULT CHARACTER SET utf8mb4 \
             COLLATE utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */",
            "create schema d encryption 'n'",
            "CREATE DATABASE d DEFAULT ENCRYPTION = 'N' DEFAULT CHARSET latin1",
        ] {
            let parsed = parse(sql).unwrap_or_else(|e| panic!("{sql}: {}", e.message()));
            assert!(!parsed[0].to_string().contains("ENCRYPTION"), "{sql}");
        }
        let e = parse("CREATE DATABASE d ENCRYPTION='Y'").unwrap_err();
        assert_eq!(e.code(), 1235);
        // Elsewhere the word is left to sqlparser.
        assert!(parse("SELECT encryption FROM t").is_ok());
    }

    #[test]
    fn syntax_errors_quote_the_rest_of_the_statement() {
        let e = parse("select * frm t").unwrap_err();
        assert_eq!(e.code(), 1064);
        assert!(
            e.message().contains("near 't' at line 1")
                || e.message().contains("near 'frm t' at line 1"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn placeholders_are_bound_in_order() {
        let mut stmts = parse("select ?, ? + 1").unwrap();
        assert_eq!(count_placeholders(&mut stmts[0]), 2);
        bind_placeholders(&mut stmts[0], &[Value::str("a'b"), Value::Int(2)]).unwrap();
        assert_eq!(stmts[0].to_string(), "SELECT 'a''b', 2 + 1");
    }
}

/// Splits a multi-statement query text at its top-level semicolons (not those inside quotes,
/// backticks or comments). Empty statements are dropped; a text with none left is returned
/// whole, so that it fails as an empty query.
pub fn split_statements(sql: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum In {
        Code,
        Quote(u8),
        LineComment,
        BlockComment,
    }
    let bytes = sql.as_bytes();
    let mut parts = Vec::new();
    let mut state = In::Code;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            In::Code => match b {
                b'\'' | b'"' | b'`' => state = In::Quote(b),
                b'#' => state = In::LineComment,
                b'-' if next == Some(b'-')
                    && bytes.get(i + 2).is_none_or(|c| c.is_ascii_whitespace()) =>
                {
                    state = In::LineComment
                }
                b'/' if next == Some(b'*') => {
                    state = In::BlockComment;
                    i += 1;
                }
                b';' => {
                    parts.push(&sql[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
            In::Quote(q) => {
                if b == b'\\' && q != b'`' {
                    i += 1;
                } else if b == q {
                    state = In::Code;
                }
            }
            In::LineComment => {
                if b == b'\n' {
                    state = In::Code;
                }
            }
            In::BlockComment => {
                if b == b'*' && next == Some(b'/') {
                    state = In::Code;
                    i += 1;
                }
            }
        }
        i += 1;
    }
    parts.push(&sql[start.min(sql.len())..]);
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.trim().is_empty()).collect();
    if parts.is_empty() {
        vec![sql]
    } else {
        parts
    }
}

#[cfg(test)]
mod split_tests {
    use super::split_statements;

    #[test]
    fn splits_at_top_level_semicolons_only() {
        assert_eq!(
            split_statements("SELECT 1; SELECT ';', \"a;b\", `c;d` -- x;y\n; /* ; */ SELECT 2;"),
            vec![
                "SELECT 1",
                " SELECT ';', \"a;b\", `c;d` -- x;y\n",
                " /* ; */ SELECT 2"
            ]
        );
        assert_eq!(
            split_statements("SELECT 'it\\'s;'"),
            vec!["SELECT 'it\\'s;'"]
        );
        assert_eq!(split_statements(" ; "), vec![" ; "]);
        assert_eq!(split_statements("SELECT 1"), vec!["SELECT 1"]);
    }
}
