//! `LOCK TABLE[S]`, which sqlparser reads only for unqualified names and never in its
//! singular form. moltdb behaves as TiDB does with table locks disabled (TiDB's default,
//! `enable-table-lock = false`): LOCK TABLES and UNLOCK TABLES lock nothing and warn. Dumps
//! need them to pass: mysqldump and mariadb-dump write `LOCK TABLES t WRITE` around each
//! table's INSERTs and send `LOCK TABLES t READ LOCAL` while they read, unless told not to.

use sqlparser::tokenizer::Token;

use super::parser;
use super::tidb_syntax::is_word;

/// The tables of `LOCK {TABLE | TABLES} [db.]t [[AS] alias] lock_type [, ...]`, where
/// lock_type is `READ [LOCAL]`, `[LOW_PRIORITY] WRITE` or `WRITE LOCAL`; `None` for any
/// other statement (or a malformed one, which sqlparser then refuses).
pub fn parse(sql: &str) -> Option<Vec<(Option<String>, String)>> {
    if !parser::first_word_is(sql, &["lock"]) {
        return None;
    }
    let tokens = parser::code_tokens(sql)?;
    let [lock, tables, names @ ..] = tokens.as_slice() else {
        return None;
    };
    if !is_word(lock, "lock") || !(is_word(tables, "table") || is_word(tables, "tables")) {
        return None;
    }
    let word = |t: &Token| match t {
        Token::Word(w) => Some(w.value.clone()),
        _ => None,
    };
    let mut out = Vec::new();
    let mut rest = names;
    loop {
        let (db, table, after) = match rest {
            [db, Token::Period, table, after @ ..] => (Some(word(db)?), word(table)?, after),
            [table, after @ ..] => (None, word(table)?, after),
            [] => return None,
        };
        out.push((db, table));
        rest = skip_alias(after);
        rest = skip_lock_type(rest)?;
        match rest {
            [] => return Some(out),
            [Token::Comma, after @ ..] => rest = after,
            _ => return None,
        }
    }
}

/// `tokens` after an alias (`AS a`, or a bare `a`) if they start with one.
fn skip_alias(tokens: &[Token]) -> &[Token] {
    match tokens {
        [r#as, Token::Word(_), after @ ..] if is_word(r#as, "as") => after,
        [Token::Word(alias), after @ ..]
            if !["read", "write", "low_priority"]
                .iter()
                .any(|w| alias.value.eq_ignore_ascii_case(w)) =>
        {
            after
        }
        _ => tokens,
    }
}

/// `tokens` after the lock type they start with; `None` without one.
fn skip_lock_type(tokens: &[Token]) -> Option<&[Token]> {
    let after = match tokens {
        [low, write, after @ ..] if is_word(low, "low_priority") && is_word(write, "write") => {
            return Some(after)
        }
        [kind, after @ ..] if is_word(kind, "read") || is_word(kind, "write") => after,
        _ => return None,
    };
    Some(match after {
        [local, rest @ ..] if is_word(local, "local") => rest,
        _ => after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Option<Vec<String>> {
        parse(sql).map(|tables| {
            tables
                .into_iter()
                .map(|(db, t)| match db {
                    Some(db) => format!("{db}.{t}"),
                    None => t,
                })
                .collect()
        })
    }

    #[test]
    fn every_form_of_lock_tables_names_its_tables() {
        assert_eq!(names("LOCK TABLES t WRITE"), Some(vec!["t".into()]));
        assert_eq!(names("lock table d.t read"), Some(vec!["d.t".into()]));
        // What mariadb-dump sends while it reads, and writes into its dumps.
        assert_eq!(
            names("LOCK TABLES `items` READ /*!32311 LOCAL */,`b` READ /*!32311 LOCAL */"),
            Some(vec!["items".into(), "b".into()])
        );
        assert_eq!(
            names("LOCK TABLES `items` WRITE"),
            Some(vec!["items".into()])
        );
        assert_eq!(
            names("LOCK TABLES t AS a READ LOCAL, d.u b LOW_PRIORITY WRITE, v WRITE LOCAL"),
            Some(vec!["t".into(), "d.u".into(), "v".into()])
        );
    }

    #[test]
    fn anything_else_is_left_to_the_parser() {
        for sql in [
            "LOCK TABLES t",
            "LOCK TABLES t WRITE,",
            "LOCK TABLES t SHARE",
            "LOCK INSTANCE FOR BACKUP",
            "LOCK TABLES t READ extra",
            "SELECT 1",
        ] {
            assert_eq!(parse(sql), None, "{sql}");
        }
    }
}
