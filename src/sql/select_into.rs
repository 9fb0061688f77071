//! `SELECT ... INTO @a [, @b ...]`, in either of MySQL 8's places (after the select list,
//! or at the end of the statement): the clause is taken out of the text, the rest runs as
//! a query, and its one row goes into the user variables. sqlparser reads a single
//! variable after the select list only, and then nothing assigned it.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use super::parser;
use super::tidb_syntax::code_positions;

/// The statement without its INTO clause, and the variables the clause names (lower-cased,
/// without `@`). `None` when `sql` is not a SELECT with such a clause (INTO OUTFILE goes on
/// to the parser).
pub fn parse(sql: &str) -> Option<(String, Vec<String>)> {
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
    let start = parser::byte_offset(sql, tokens[code[into]].span.start)?;
    let end = parser::byte_offset(sql, tokens[code[last]].span.end)?;
    Some((format!("{} {}", &sql[..start], &sql[end..]), variables))
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
