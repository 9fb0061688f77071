//! `SELECT ... INTO @a [, @b ...]`, in either of MySQL 8's places (after the select list,
//! or at the end of the statement): the clause is taken out of the text, the rest runs as
//! a query, and its one row goes into the user variables. sqlparser reads a single
//! variable after the select list only, and then nothing assigned it.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token};

use super::parser;

/// The statement without its INTO clause, and the variables the clause names (lower-cased,
/// without `@`). `None` when `sql` is not a SELECT with such a clause (INTO OUTFILE goes on
/// to the parser).
pub fn parse(sql: &str) -> Option<(String, Vec<String>)> {
    if !parser::first_word_is(sql, &["select", "with"]) || !contains_word(sql, "into") {
        return None;
    }
    let tokens = parser::tokenize(sql).ok()?;
    let code: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
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
    let start = offset(sql, tokens[code[into]].span.start)?;
    let end = offset(sql, tokens[code[last]].span.end)?;
    Some((format!("{} {}", &sql[..start], &sql[end..]), variables))
}

/// Whether `word` appears in `sql` (ASCII case ignored), a cheap test before tokenizing.
fn contains_word(sql: &str, word: &str) -> bool {
    sql.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// The byte offset of a tokenizer location (1-based line and character column).
fn offset(sql: &str, at: Location) -> Option<usize> {
    let line_start = if at.line <= 1 {
        0
    } else {
        sql.match_indices('\n')
            .nth(usize::try_from(at.line).ok()? - 2)?
            .0
            + 1
    };
    let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
    let line = &sql[line_start..];
    Some(
        line_start
            + line
                .char_indices()
                .nth(column)
                .map_or(line.len(), |(i, _)| i),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_clause_is_taken_out_in_either_place() {
        let (sql, vars) = parse("SELECT a, b INTO @x, @Y FROM t WHERE id = 1").expect("into");
        assert_eq!(
            (sql.as_str(), vars),
            (
                "SELECT a, b   FROM t WHERE id = 1",
                vec!["x".to_string(), "y".into()]
            )
        );
        let (sql, vars) = parse("select c from t\nwhere n = 'é' into @c for update").expect("into");
        assert_eq!(
            (sql.as_str(), vars),
            (
                "select c from t\nwhere n = 'é'   for update",
                vec!["c".to_string()]
            )
        );
    }

    #[test]
    fn other_statements_and_places_are_left_alone() {
        assert!(parse("INSERT INTO t SELECT 1").is_none());
        assert!(parse("SELECT 1 INTO OUTFILE '/tmp/x'").is_none());
        assert!(parse("SELECT (SELECT 1 INTO @x)").is_none());
        assert!(parse("SELECT 'into @x'").is_none());
        assert!(parse("SELECT @@x INTO @@y").is_none());
    }
}
