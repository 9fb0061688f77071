//! `SELECT ... INTO`, in either of MySQL 8's places (after the select list, or at the end
//! of the statement): the clause is taken out of the text and the rest runs as a query.
//! Its one row goes into user variables (`INTO @a [, @b ...]`), or its rows into a file
//! (`INTO OUTFILE 'f' [FIELDS ...] [LINES ...]`, `INTO DUMPFILE 'f'`: see `outfile`).
//! sqlparser reads a single variable after the select list only, and then nothing
//! assigned it.

use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::dialect::MySql;
use super::outfile::OutFormat;
use super::tidb_syntax::code_positions;
use super::{file_format, parser};
use crate::error::{Error, Result};

/// Where a `SELECT ... INTO` puts what it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// User variables, lower-cased, without `@`.
    Variables(Vec<String>),
    Outfile {
        path: String,
        format: OutFormat,
    },
    Dumpfile {
        path: String,
    },
}

/// The statement without its INTO clause, and where the clause sends the rows. `None` when
/// `sql` is not a SELECT with such a clause.
pub fn parse(sql: &str) -> Option<Result<(String, Target)>> {
    if !parser::first_word_is(sql, &["select", "with"]) || !parser::mentions(sql, "into") {
        return None;
    }
    let tokens = parser::tokenize(sql).ok()?;
    let code = code_positions(&tokens);
    let mut depth = 0i32;
    let into = code.iter().position(|&i| {
        match &tokens[i].token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w) => {
                return depth == 0 && w.quote_style.is_none() && w.keyword == Keyword::INTO
            }
            _ => {}
        }
        false
    })?;
    let start = parser::byte_offset(sql, tokens[code[into]].span.start)?;
    let file = match code.get(into + 1).map(|&i| &tokens[i].token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => {
            match w.value.to_ascii_lowercase().as_str() {
                "outfile" => Some(true),
                "dumpfile" => Some(false),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some(outfile) = file {
        let rest = code.get(into + 2).map_or(&[][..], |&i| &tokens[i..]);
        return Some(file_target(sql, start, rest, outfile));
    }
    let variable = |k: usize| match code.get(k).map(|&i| &tokens[i].token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w
            .value
            .strip_prefix('@')
            .filter(|n| !n.is_empty() && !n.starts_with('@'))
            .map(str::to_ascii_lowercase),
        _ => None,
    };
    let mut variables = vec![variable(into + 1)?];
    let mut last = into + 1;
    while matches!(
        code.get(last + 1).map(|&i| &tokens[i].token),
        Some(Token::Comma)
    ) {
        variables.push(variable(last + 2)?);
        last += 2;
    }
    let end = parser::byte_offset(sql, tokens[code[last]].span.end)?;
    let text = format!("{} {}", &sql[..start], &sql[end..]);
    Some(Ok((text, Target::Variables(variables))))
}

/// `OUTFILE 'f' [CHARACTER SET ...] [FIELDS ...] [LINES ...]` or `DUMPFILE 'f'` from `rest`
/// (the tokens after the word), the INTO clause having begun at byte `start` of `sql`.
fn file_target(
    sql: &str,
    start: usize,
    rest: &[TokenWithSpan],
    outfile: bool,
) -> Result<(String, Target)> {
    let mut p = Parser::new(&MySql).with_tokens_with_locations(rest.to_vec());
    // A quoted string: sqlparser would take a bare word too.
    if !matches!(
        p.peek_token().token,
        Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)
    ) {
        return Err(Error::syntax(sql));
    }
    let path = p.parse_literal_string().map_err(|_| Error::syntax(sql))?;
    let target = match outfile {
        true => Target::Outfile {
            path,
            format: OutFormat::new(file_format::parse(&mut p, sql)?)?,
        },
        false => Target::Dumpfile { path },
    };
    let next = p.peek_token();
    let end = match next.token {
        Token::EOF => sql.len(),
        _ => parser::byte_offset(sql, next.span.start).ok_or_else(|| Error::syntax(sql))?,
    };
    Ok((format!("{} {}", &sql[..start], &sql[end..]), target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sql: &str) -> (String, Target) {
        parse(sql).expect("an INTO clause").expect("valid")
    }

    #[test]
    fn files_with_their_clauses() {
        let (sql, target) = read(
            "SELECT * FROM t WHERE a > 1 INTO OUTFILE '/tmp/x.csv' FIELDS TERMINATED BY ',' \
             OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n' FOR UPDATE",
        );
        assert_eq!(sql, "SELECT * FROM t WHERE a > 1  FOR UPDATE");
        let Target::Outfile { path, format } = target else {
            panic!("{target:?}")
        };
        assert_eq!(path, "/tmp/x.csv");
        assert_eq!((format.enclosed_by, format.optionally), (Some(b'"'), true));
        assert_eq!(format.lines_terminated_by, b"\r\n");
        let (sql, target) = read("select a into dumpfile 'a.bin' from t limit 1");
        assert_eq!(sql, "select a  from t limit 1");
        assert_eq!(
            target,
            Target::Dumpfile {
                path: "a.bin".into()
            }
        );
        assert!(matches!(
            parse("SELECT 1 INTO OUTFILE x"),
            Some(Err(Error::Syntax { .. }))
        ));
    }

    #[test]
    fn the_clause_is_taken_out_in_either_place() {
        let (sql, vars) = read("SELECT a, b INTO @x, @Y FROM t WHERE id = 1");
        assert_eq!(
            (sql.as_str(), vars),
            (
                "SELECT a, b   FROM t WHERE id = 1",
                Target::Variables(vec!["x".to_string(), "y".into()])
            )
        );
        let (sql, vars) = read("select c from t\nwhere n = 'é' into @c for update");
        assert_eq!(
            (sql.as_str(), vars),
            (
                "select c from t\nwhere n = 'é'   for update",
                Target::Variables(vec!["c".to_string()])
            )
        );
    }

    #[test]
    fn other_statements_and_places_are_left_alone() {
        assert!(parse("INSERT INTO t SELECT 1").is_none());
        assert!(parse("SELECT (SELECT 1 INTO @x)").is_none());
        assert!(parse("SELECT 'into @x'").is_none());
        assert!(parse("SELECT @@x INTO @@y").is_none());
    }
}
