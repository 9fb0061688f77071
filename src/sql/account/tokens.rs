//! The words of an account statement: keywords and names, quoted strings and names,
//! and the few symbols they use. An unquoted host after `@` may hold dots, `%` and `-`.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An unquoted word, as written.
    Word(String),
    /// A '...' or "..." string.
    Text(String),
    /// A `...` name.
    Name(String),
    Symbol(char),
}

impl Token {
    /// Whether the token is the keyword `kw` (upper case).
    pub fn is(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

pub fn tokenize(sql: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' || c == '`' {
            let (text, next) = quoted(&chars, i, c).ok_or_else(|| Error::syntax(sql))?;
            out.push(if c == '`' {
                Token::Name(text)
            } else {
                Token::Text(text)
            });
            i = next;
        } else if word_char(c) {
            let start = i;
            // After `@`, an unquoted host: `localhost`, `10.0.0.1`, `db-1.example.com`.
            let host = matches!(out.last(), Some(Token::Symbol('@')));
            while i < chars.len()
                && (word_char(chars[i]) || (host && matches!(chars[i], '.' | '-' | '%')))
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else if "@,.()*=;%".contains(c) {
            out.push(Token::Symbol(c));
            i += 1;
        } else {
            return Err(Error::syntax(&chars[i..].iter().collect::<String>()));
        }
    }
    Ok(out)
}

/// A quoted string or name starting at `start`: doubled quotes and (outside backticks)
/// backslash escapes; the position after it.
fn quoted(chars: &[char], start: usize, q: char) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        let c = *chars.get(i)?;
        if c == q {
            if chars.get(i + 1) == Some(&q) {
                text.push(q);
                i += 2;
                continue;
            }
            return Some((text, i + 1));
        }
        if c == '\\' && q != '`' {
            let e = *chars.get(i + 1)?;
            text.push(match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                other => other,
            });
            i += 2;
            continue;
        }
        text.push(c);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_strings() {
        let t = tokenize("'u''s'@'%' app@10.0.0.1, `x`.* \"p\\\"w\"").unwrap();
        assert_eq!(
            t,
            vec![
                Token::Text("u's".into()),
                Token::Symbol('@'),
                Token::Text("%".into()),
                Token::Word("app".into()),
                Token::Symbol('@'),
                Token::Word("10.0.0.1".into()),
                Token::Symbol(','),
                Token::Name("x".into()),
                Token::Symbol('.'),
                Token::Symbol('*'),
                Token::Text("p\"w".into()),
            ]
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("a ! b").is_err());
    }
}
