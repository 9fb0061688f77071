//! `INSERT ... VALUES` statements of plain literals, read without sqlparser.
//!
//! Clients and ORMs send most inserts as text with the values spelled out (sysbench's
//! `oltp_insert`, every `executemany` of PyMySQL and mysqlclient), so each one would be
//! tokenized and parsed whole: a fifth of such an INSERT's server CPU. The part before
//! `VALUES` repeats from statement to statement; only the literals change. So that part is
//! parsed once, through the full parser, into a template kept per text (TiDB's
//! non-prepared plan cache keys statements the same way), and the rows are read here by a
//! scanner that knows only what the template needs: quoted strings without escapes,
//! decimal numbers, NULL, TRUE and FALSE. It builds exactly the expressions sqlparser would
//! (the tests hold every accepted form against sqlparser's own parse); anything else in the
//! rows (an expression, an escape, a comment, `ON DUPLICATE KEY UPDATE`) sends the whole
//! statement to the full parser.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use sqlparser::ast::{self, Expr, SetExpr, Statement, UnaryOperator, Value};

use super::parser;

/// Templates kept; all are dropped when a new one would exceed this (a client generating
/// statement shapes without end gains nothing from them anyway).
const MAX_TEMPLATES: usize = 256;

static TEMPLATES: Mutex<Option<HashMap<String, Arc<Statement>>>> = Mutex::new(None);

/// The statement `sql`, if it is an `INSERT` / `REPLACE ... VALUES` of plain literals whose
/// part before `VALUES` parses; `None` leaves it to the full parser.
pub fn parse(sql: &str) -> Option<Statement> {
    if !parser::first_word_is(sql, &["insert", "replace"]) {
        return None;
    }
    let values_at = values_keyword(sql)?;
    let (prefix, rest) = sql.split_at(values_at);
    let rows = Rows::new(&rest["values".len()..]).read()?;
    let template = template(prefix)?;
    let mut statement = (*template).clone();
    *values_of(&mut statement)? = rows;
    Some(statement)
}

/// Where the `VALUES` keyword starts, if the text before it has no quote or comment that
/// could hide or fake one (backquoted names are fine: they cannot contain the keyword's
/// neighbours in a way that matters, and are skipped whole).
fn values_keyword(sql: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                let close = bytes.get(i + 1..)?.iter().position(|&b| b == b'`')?;
                i += close + 2;
                continue;
            }
            b'\'' | b'"' | b'#' | b'\\' => return None,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return None,
            b'v' | b'V'
                if bytes
                    .get(i..i + 6)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"values"))
                    && (i == 0 || !is_word_byte(bytes[i - 1]))
                    && bytes.get(i + 6).is_none_or(|&b| !is_word_byte(b)) =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The parsed statement `<prefix> VALUES (NULL)`, whose rows the caller replaces.
fn template(prefix: &str) -> Option<Arc<Statement>> {
    let mut templates = TEMPLATES.lock();
    let templates = templates.get_or_insert_with(HashMap::new);
    if let Some(template) = templates.get(prefix) {
        return Some(template.clone());
    }
    let mut parsed = parser::parse(&format!("{prefix} VALUES (NULL)")).ok()?;
    if parsed.len() != 1 {
        return None;
    }
    let mut statement = parsed.pop()?;
    values_of(&mut statement)?.clear();
    if templates.len() >= MAX_TEMPLATES {
        templates.clear();
    }
    let template = Arc::new(statement);
    templates.insert(prefix.to_string(), template.clone());
    Some(template)
}

/// The rows of an `INSERT ... VALUES` statement's source.
fn values_of(statement: &mut Statement) -> Option<&mut Vec<ast::Parens<Vec<Expr>>>> {
    let Statement::Insert(insert) = statement else {
        return None;
    };
    let source = insert.source.as_mut()?;
    if source.with.is_some() || source.order_by.is_some() || source.limit_clause.is_some() {
        return None;
    }
    match source.body.as_mut() {
        SetExpr::Values(values) if !values.explicit_row && !values.value_keyword => {
            Some(&mut values.rows)
        }
        _ => None,
    }
}

/// A scanner over the text after `VALUES`.
struct Rows<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Rows<'a> {
    fn new(text: &'a str) -> Self {
        Rows { text, at: 0 }
    }

    fn read(mut self) -> Option<Vec<ast::Parens<Vec<Expr>>>> {
        let mut rows = Vec::new();
        loop {
            self.expect(b'(')?;
            let mut row = Vec::new();
            loop {
                row.push(self.literal()?);
                match self.next_byte()? {
                    b',' => continue,
                    b')' => break,
                    _ => return None,
                }
            }
            rows.push(ast::Parens::with_empty_span(row));
            match self.next_byte() {
                None => return Some(rows),
                Some(b',') => continue,
                Some(_) => return None,
            }
        }
    }

    /// The next byte that is not white space, consumed.
    fn next_byte(&mut self) -> Option<u8> {
        self.skip_space();
        let b = *self.text.as_bytes().get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next_byte()? == byte).then_some(())
    }

    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// One literal, as sqlparser's expression for it.
    fn literal(&mut self) -> Option<Expr> {
        self.skip_space();
        let bytes = self.text.as_bytes();
        let start = self.at;
        let value = match *bytes.get(start)? {
            b'\'' => {
                let len = bytes.get(start + 1..)?.iter().position(|&b| b == b'\'')?;
                let content = self.text.get(start + 1..start + 1 + len)?;
                // Escapes and a doubled quote are the full parser's business.
                if content.contains('\\') || bytes.get(start + 2 + len) == Some(&b'\'') {
                    return None;
                }
                self.at = start + 2 + len;
                Value::SingleQuotedString(content.to_string())
            }
            b'-' => {
                self.at += 1;
                if !bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
                let number = self.number()?;
                return Some(Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr: Box::new(number),
                });
            }
            b'0'..=b'9' => return self.number(),
            _ => {
                let len = bytes[start..]
                    .iter()
                    .position(|&b| !b.is_ascii_alphabetic())
                    .unwrap_or(bytes.len() - start);
                let word = &bytes[start..start + len];
                let value = if word.eq_ignore_ascii_case(b"null") {
                    Value::Null
                } else if word.eq_ignore_ascii_case(b"true") {
                    Value::Boolean(true)
                } else if word.eq_ignore_ascii_case(b"false") {
                    Value::Boolean(false)
                } else {
                    return None;
                };
                self.at = start + len;
                value
            }
        };
        self.ends_token()?;
        Some(Expr::Value(value.with_empty_span()))
    }

    /// Digits, optionally a point and more digits: `12`, `12.50`.
    fn number(&mut self) -> Option<Expr> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let digits = |from: usize| {
            bytes[from..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(bytes.len() - from)
        };
        let mut end = start + digits(start);
        if bytes.get(end) == Some(&b'.') {
            let fraction = digits(end + 1);
            if fraction == 0 {
                return None;
            }
            end += 1 + fraction;
        }
        self.at = end;
        self.ends_token()?;
        let text = self.text.get(start..end)?.to_string();
        Some(Expr::Value(Value::Number(text, false).with_empty_span()))
    }

    /// A literal must be followed by white space, a comma, a closing parenthesis or the
    /// end: `1e5`, `0x1F`, `'a' 'b'` and the like are left to the full parser.
    fn ends_token(&self) -> Option<()> {
        match self.text.as_bytes().get(self.at) {
            None => Some(()),
            Some(b) if b.is_ascii_whitespace() || *b == b',' || *b == b')' => Some(()),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(sql: &str) -> Statement {
        let mut parsed = parser::parse(sql).expect("parses");
        assert_eq!(parsed.len(), 1);
        parsed.remove(0)
    }

    #[test]
    fn accepted_statements_equal_the_full_parse() {
        for sql in [
            "INSERT INTO sbtest1 (id, k, c, pad) VALUES (0, 499862, '68487932199-96439406143', '22195207048-70116052123')",
            "insert into t values (1, 'a'), (2, 'b'),(3,'c')",
            "INSERT INTO `db`.`t` (`a`, `b`) VALUES (-5, 12.50)",
            "replace into t(a) values (NULL), (true), (FALSE)",
            "INSERT IGNORE INTO t VALUES ('')",
            "INSERT INTO t VALUES ( 1 , 'x y' ) , ( 2 , '' )",
            "INSERT INTO t VALUES ('ünïcode ✓')",
            "INSERT INTO t VALUES (0.5, -0.25, 007)",
        ] {
            let fast = parse(sql).unwrap_or_else(|| panic!("fast path declined {sql}"));
            assert_eq!(fast, full(sql), "{sql}");
            assert_eq!(fast.to_string(), full(sql).to_string(), "{sql}");
            // The second time comes from the template.
            assert_eq!(parse(sql), Some(full(sql)), "{sql}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_full_parser() {
        for sql in [
            "INSERT INTO t VALUES ('a\\'b')",
            "INSERT INTO t VALUES ('it''s')",
            "INSERT INTO t VALUES (\"dq\")",
            "INSERT INTO t VALUES (1 + 1)",
            "INSERT INTO t VALUES (NOW())",
            "INSERT INTO t VALUES (1e5)",
            "INSERT INTO t VALUES (0x1F)",
            "INSERT INTO t VALUES (.5)",
            "INSERT INTO t VALUES (5.)",
            "INSERT INTO t VALUES ('a' 'b')",
            "INSERT INTO t VALUES (- 5)",
            "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2",
            "INSERT INTO t VALUES (1) AS new",
            "INSERT INTO t VALUES (1), ",
            "INSERT INTO t VALUES (1) /* c */",
            "INSERT INTO t VALUES ()",
            "INSERT INTO t VALUE (1)",
            "INSERT INTO t VALUES ROW(1)",
            "INSERT INTO t SELECT 'values' FROM u",
            "INSERT INTO t /* values */ (a) VALUES (1)",
            "INSERT INTO t SET a = 1",
            "INSERT INTO t VALUES (_utf8mb4'x')",
            "INSERT INTO t VALUES (x'41')",
            "SELECT 1",
            "INSERT INTO t (a) VALUES (1",
            "INSERT INTO no such table VALUES (1)",
        ] {
            assert_eq!(parse(sql), None, "{sql}");
        }
    }

    #[test]
    fn the_keyword_is_found_as_a_word_outside_backquotes() {
        assert_eq!(values_keyword("INSERT INTO myvalues VALUES (1)"), Some(21));
        assert_eq!(
            values_keyword("INSERT INTO `values` (a) values (1)"),
            Some(25)
        );
        assert_eq!(values_keyword("INSERT INTO t (valuesx) (1)"), None);
    }
}
