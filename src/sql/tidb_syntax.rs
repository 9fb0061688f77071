//! TiDB's additions to MySQL's syntax that live in the token stream, read before sqlparser
//! parses it:
//! - `/*T![feature] text */` comments: TiDB reads `text` as SQL when it has every feature
//!   named (and always for `/*T! text */`), otherwise as a comment. SHOW CREATE TABLE and
//!   TiDB's dump tools write them (`PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */`),
//!   so a table's definition read back must mean what it said.
//! - `CLUSTERED` / `NONCLUSTERED` after a primary key in CREATE TABLE (`id INT PRIMARY KEY
//!   NONCLUSTERED`, `PRIMARY KEY (a, b) CLUSTERED`): the word is taken out of the statement,
//!   which sqlparser then reads, and the CREATE TABLE handler asks for it separately.
//! - MySQL's `VISIBLE` / `INVISIBLE` after an index of CREATE TABLE (SHOW CREATE TABLE
//!   writes `KEY k (a) /*!80000 INVISIBLE */`), which sqlparser does not read either: taken
//!   out the same way.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, TokenizerError, Whitespace};

use super::dialect::MySql;

/// The features of TiDB's comments moltdb has.
const FEATURES: &[&str] = &["clustered_index"];

/// `tokens` with every TiDB comment moltdb has the features of replaced by its tokens.
pub fn expand_comments(tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>, TokenizerError> {
    if !tokens.iter().any(|t| tidb_comment(&t.token).is_some()) {
        return Ok(tokens);
    }
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        match tidb_comment(&t.token) {
            Some(Some(code)) => {
                // The comment's tokens all point at the comment.
                let inner = Tokenizer::new(&MySql, code).tokenize_with_location()?;
                out.extend(inner.into_iter().map(|i| TokenWithSpan {
                    token: i.token,
                    span: t.span,
                }));
            }
            Some(None) | None => out.push(t),
        }
    }
    Ok(out)
}

/// For a TiDB comment, `Some(Some(code))` when it is read as code, `Some(None)` when it stays
/// a comment (a feature moltdb lacks).
fn tidb_comment(token: &Token) -> Option<Option<&str>> {
    let Token::Whitespace(Whitespace::MultiLineComment(text)) = token else {
        return None;
    };
    let rest = text.strip_prefix("T!")?;
    let Some(features) = rest.strip_prefix('[') else {
        return Some(Some(rest));
    };
    let (names, code) = features.split_once(']')?;
    let known = names
        .split(',')
        .all(|n| FEATURES.contains(&n.trim().to_ascii_lowercase().as_str()));
    Some(known.then_some(code))
}

/// Whether `token` is the unquoted word `text` (ASCII case ignored).
pub(super) fn is_word(token: &Token, text: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text))
}

/// Where the tokens other than whitespace are.
pub(super) fn code_positions(tokens: &[TokenWithSpan]) -> Vec<usize> {
    (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect()
}

/// Takes TiDB's `CLUSTERED` / `NONCLUSTERED` out of a CREATE TABLE's primary key; returns
/// whether the key was asked to be clustered (None: the word is absent).
pub fn take_clustering(tokens: &mut Vec<TokenWithSpan>) -> Option<bool> {
    // Every statement comes through here: only a CREATE is looked at further.
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))?;
    if !matches!(&first.token, Token::Word(w) if w.keyword == Keyword::CREATE) {
        return None;
    }
    let code = code_positions(tokens);
    let word_at = |k: usize| match code.get(k).map(|&i| &tokens[i].token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w),
        _ => None,
    };
    let is_keyword = |k: usize, kw: Keyword| word_at(k).is_some_and(|w| w.keyword == kw);
    let table_at = if is_keyword(1, Keyword::TEMPORARY) {
        2
    } else {
        1
    };
    if !is_keyword(0, Keyword::CREATE) || !is_keyword(table_at, Keyword::TABLE) {
        return None;
    }
    // Walk the definitions inside the outer parentheses, remembering whether the current
    // one (since the last comma at depth 1) has said KEY.
    let mut depth = 0usize;
    let mut saw_key = false;
    for k in table_at + 1..code.len() {
        match &tokens[code[k]].token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 1 => saw_key = false,
            Token::Word(w) if depth == 1 && w.keyword == Keyword::KEY => saw_key = true,
            Token::Word(w) if depth == 1 && saw_key && w.quote_style.is_none() => {
                let clustered = match w.value.to_ascii_lowercase().as_str() {
                    "clustered" => true,
                    "nonclustered" => false,
                    _ => continue,
                };
                // After `KEY` (a column's key) or after the key's column list; a word
                // followed by `(` names an index instead (`KEY clustered (a)`).
                let after_key = is_keyword(k - 1, Keyword::KEY)
                    || matches!(tokens[code[k - 1]].token, Token::RParen);
                let names_index = matches!(
                    code.get(k + 1).map(|&i| &tokens[i].token),
                    Some(Token::LParen)
                );
                if after_key && !names_index {
                    tokens.remove(code[k]);
                    return Some(clustered);
                }
            }
            _ => {}
        }
    }
    None
}

/// Takes `VISIBLE` / `INVISIBLE` out of a CREATE TABLE's index definitions; returns each
/// index said so, by its name (an unnamed one by its first column, as its name is made),
/// and whether it is invisible.
pub fn take_index_visibility(tokens: &mut Vec<TokenWithSpan>) -> Vec<(String, bool)> {
    // Every statement comes through here: only a CREATE is looked at further.
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)));
    if !first.is_some_and(|t| is_word(&t.token, "create")) {
        return Vec::new();
    }
    let code = code_positions(tokens);
    let is = |k: usize, text: &str| {
        code.get(k)
            .is_some_and(|&i| is_word(&tokens[i].token, text))
    };
    let table_at = if is(1, "temporary") { 2 } else { 1 };
    if !is(0, "create") || !is(table_at, "table") {
        return Vec::new();
    }
    // The definitions: code positions between the commas of the outer parentheses.
    let mut definitions: Vec<Vec<usize>> = Vec::new();
    let mut depth = 0usize;
    for &i in &code[table_at + 1..] {
        match &tokens[i].token {
            Token::LParen => {
                depth += 1;
                if depth == 1 {
                    definitions.push(Vec::new());
                    continue;
                }
            }
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Token::Comma if depth == 1 => {
                definitions.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if depth >= 1 {
            if let Some(d) = definitions.last_mut() {
                d.push(i);
            }
        }
    }
    let mut found = Vec::new();
    let mut taken = Vec::new();
    for def in &definitions {
        let word =
            |k: usize, text: &str| def.get(k).is_some_and(|&i| is_word(&tokens[i].token, text));
        let index_words = [
            "key",
            "index",
            "unique",
            "primary",
            "constraint",
            "fulltext",
            "spatial",
        ];
        if !index_words.iter().any(|w| word(0, w)) {
            continue;
        }
        let Some(open) = def.iter().position(|&i| tokens[i].token == Token::LParen) else {
            continue;
        };
        // The column list ends where its parentheses close.
        let mut depth = 0usize;
        let mut close = None;
        for (k, &i) in def.iter().enumerate().skip(open) {
            match tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let named = |k: usize| match def.get(k).map(|&i| &tokens[i].token) {
            Some(Token::Word(w))
                if w.quote_style.is_some()
                    || !index_words.contains(&w.value.to_ascii_lowercase().as_str()) =>
            {
                Some(w.value.clone())
            }
            _ => None,
        };
        let name = if (0..open).any(|k| word(k, "primary")) {
            Some("PRIMARY".to_string())
        } else {
            open.checked_sub(1)
                .and_then(named)
                .or_else(|| word(0, "constraint").then(|| named(1)).flatten())
                .or_else(|| named(open + 1))
        };
        let Some(name) = name else { continue };
        for &i in &def[close + 1..] {
            for (text, invisible) in [("invisible", true), ("visible", false)] {
                if is_word(&tokens[i].token, text) {
                    found.push((name.clone(), invisible));
                    taken.push(i);
                }
            }
        }
    }
    for i in taken.into_iter().rev() {
        tokens.remove(i);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(sql: &str) -> Vec<TokenWithSpan> {
        let raw = Tokenizer::new(&MySql, sql)
            .tokenize_with_location()
            .expect("tokenize");
        expand_comments(raw).expect("expand")
    }

    fn text(tokens: &[TokenWithSpan]) -> String {
        tokens.iter().map(|t| t.token.to_string()).collect()
    }

    fn clustering(sql: &str) -> (Option<bool>, String) {
        let mut t = tokens(sql);
        let c = take_clustering(&mut t);
        (c, text(&t))
    }

    #[test]
    fn comments_with_known_features_are_code() {
        assert_eq!(
            text(&tokens("a /*T![clustered_index] NONCLUSTERED */ b")),
            "a  NONCLUSTERED  b"
        );
        assert_eq!(text(&tokens("a /*T! x */ b")), "a  x  b");
        // A feature moltdb lacks: the comment stays a comment.
        assert_eq!(
            text(&tokens("a /*T![auto_rand] AUTO_RANDOM(5) */ b")),
            "a /*T![auto_rand] AUTO_RANDOM(5) */ b"
        );
        // Inside a string it is text.
        assert_eq!(text(&tokens("'/*T! x */'")), "'/*T! x */'");
    }

    #[test]
    fn the_clustering_word_of_a_primary_key_is_taken_out() {
        let (c, rest) = clustering("CREATE TABLE t (id INT PRIMARY KEY NONCLUSTERED, a INT)");
        assert_eq!(c, Some(false));
        assert_eq!(rest, "CREATE TABLE t (id INT PRIMARY KEY , a INT)");
        let (c, _) = clustering("create table t (a int, b int, primary key (a, b) clustered)");
        assert_eq!(c, Some(true));
        let (c, _) = clustering("CREATE TABLE t (a BIGINT KEY CLUSTERED, b INT)");
        assert_eq!(c, Some(true));
        let (c, _) = clustering(
            "CREATE TABLE t (id INT, PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */)",
        );
        assert_eq!(c, Some(false));
    }

    fn visibility(sql: &str) -> (Vec<(String, bool)>, String) {
        let mut t = tokens(sql);
        let v = take_index_visibility(&mut t);
        (v, text(&t))
    }

    #[test]
    fn index_visibility_is_taken_out_by_index_name() {
        let (v, rest) = visibility(
            "CREATE TABLE t (a INT, `invisible` INT, KEY k (a) INVISIBLE COMMENT 'x', UNIQUE KEY (`invisible`) VISIBLE)",
        );
        assert_eq!(
            v,
            [("k".to_string(), true), ("invisible".to_string(), false)]
        );
        assert_eq!(
            rest,
            "CREATE TABLE t (a INT, `invisible` INT, KEY k (a)  COMMENT 'x', UNIQUE KEY (`invisible`) )"
        );
        let (v, _) = visibility(
            "CREATE TABLE t (a INT, CONSTRAINT c UNIQUE (a) INVISIBLE, PRIMARY KEY (a) INVISIBLE)",
        );
        assert_eq!(v, [("c".to_string(), true), ("PRIMARY".to_string(), true)]);
        // A column's words and other statements stay.
        assert!(
            visibility("CREATE TABLE t (invisible INT, v INT DEFAULT 1)")
                .0
                .is_empty()
        );
        assert!(visibility("SELECT invisible FROM t").0.is_empty());
    }

    #[test]
    fn names_and_other_statements_keep_the_word() {
        // An index or a column named clustered.
        assert_eq!(
            clustering("CREATE TABLE t (a INT, KEY clustered (a))").0,
            None
        );
        assert_eq!(
            clustering("CREATE TABLE t (clustered INT, nonclustered INT)").0,
            None
        );
        assert_eq!(
            clustering("CREATE TABLE t (a INT) COMMENT 'clustered'").0,
            None
        );
        assert_eq!(clustering("SELECT 1 clustered").0, None);
    }
}
