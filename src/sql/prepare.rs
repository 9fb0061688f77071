//! MySQL's SQL-level prepared statements, which sqlparser reads in PostgreSQL's form only:
//! `PREPARE name FROM {'text' | @var}`, `EXECUTE name [USING @a, @b, ...]` and
//! `{DEALLOCATE | DROP} PREPARE name`. The session keeps them with the protocol's prepared
//! statements (COM_STMT_PREPARE), so both kinds share one parse-once, bind-many path.

use sqlparser::tokenizer::Token;

use super::parser::first_word_is;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareStatement {
    Prepare { name: String, source: Source },
    Execute { name: String, using: Vec<String> },
    Deallocate { name: String },
}

/// Where PREPARE takes the statement's text from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Text(String),
    /// A user variable holding the text (`FROM @sql`), by its name without `@`.
    Variable(String),
}

/// One of the three statements, or `None` for anything else.
pub fn parse(sql: &str) -> Option<Result<PrepareStatement>> {
    if !first_word_is(sql, &["prepare", "execute", "deallocate", "drop"]) {
        return None;
    }
    let tokens = super::parser::code_tokens(sql)?;
    if tokens.first().is_none_or(|t| word(t, "drop"))
        && !tokens.get(1).is_some_and(|t| word(t, "prepare"))
    {
        return None;
    }
    Some(read(&tokens).ok_or_else(|| Error::syntax(sql)))
}

fn read(tokens: &[Token]) -> Option<PrepareStatement> {
    Some(match tokens {
        [p, name, from, source] if word(p, "prepare") && word(from, "from") => {
            let source = match source {
                Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                    Source::Text(s.clone())
                }
                t => Source::Variable(variable(t)?),
            };
            PrepareStatement::Prepare {
                name: ident(name)?,
                source,
            }
        }
        [e, name, rest @ ..] if word(e, "execute") => {
            let using = match rest {
                [] => Vec::new(),
                [u, vars @ ..] if word(u, "using") => vars
                    .split(|t| matches!(t, Token::Comma))
                    .map(|v| match v {
                        [t] => variable(t),
                        _ => None,
                    })
                    .collect::<Option<_>>()?,
                _ => return None,
            };
            PrepareStatement::Execute {
                name: ident(name)?,
                using,
            }
        }
        [d, p, name] if (word(d, "deallocate") || word(d, "drop")) && word(p, "prepare") => {
            PrepareStatement::Deallocate { name: ident(name)? }
        }
        _ => return None,
    })
}

fn word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

fn ident(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// `@name` (the tokenizer reads it as one word) without its `@`.
fn variable(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => w
            .value
            .strip_prefix('@')
            .filter(|n| !n.is_empty() && !n.starts_with('@'))
            .map(str::to_ascii_lowercase),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_statements_parse() {
        assert_eq!(
            parse("PREPARE s1 FROM 'SELECT ? + 1'").map(Result::ok),
            Some(Some(PrepareStatement::Prepare {
                name: "s1".into(),
                source: Source::Text("SELECT ? + 1".into())
            }))
        );
        assert_eq!(
            parse("prepare S FROM @q").map(Result::ok),
            Some(Some(PrepareStatement::Prepare {
                name: "s".into(),
                source: Source::Variable("q".into())
            }))
        );
        assert_eq!(
            parse("EXECUTE s USING @a, @B").map(Result::ok),
            Some(Some(PrepareStatement::Execute {
                name: "s".into(),
                using: vec!["a".into(), "b".into()]
            }))
        );
        assert_eq!(
            parse("DROP PREPARE s").map(Result::ok),
            Some(Some(PrepareStatement::Deallocate { name: "s".into() }))
        );
        assert!(parse("DROP TABLE s").is_none());
        assert!(parse("SELECT 1").is_none());
        assert!(matches!(parse("EXECUTE s USING 1"), Some(Err(_))));
    }
}
