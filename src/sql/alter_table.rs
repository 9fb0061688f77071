//! ALTER TABLE clauses sqlparser's MySQL dialect does not read: `RENAME {INDEX | KEY} a TO
//! b`, `ALTER INDEX a {VISIBLE | INVISIBLE}`, `ADD [COLUMN] IF NOT EXISTS ...` (it drops the
//! IF NOT EXISTS), `ADD [COLUMN] [IF NOT EXISTS] (a INT, b INT, INDEX i (a))` and TiDB's
//! `ADD PRIMARY KEY (a) {CLUSTERED | NONCLUSTERED}`, `CONVERT TO {CHARACTER SET | CHARSET}
//! name [COLLATE name]`. A statement holding one is split into its top-level clauses; the
//! index, check and CONVERT TO clauses are read here, the column forms become one `ADD COLUMN` / `ADD INDEX` clause per item read by
//! sqlparser, as is every other clause, and the statement keeps its clauses in order (a
//! multi-schema change checks them together).

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::dialect::MySql;
use super::parser;
use crate::error::{Error, Result};

/// One clause of an ALTER TABLE.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterClause {
    Sql(Box<ast::AlterTableOperation>),
    RenameIndex {
        from: String,
        to: String,
    },
    IndexVisibility {
        name: String,
        invisible: bool,
    },
    /// `DROP CHECK name`.
    DropCheck {
        name: String,
    },
    /// `ALTER {CHECK | CONSTRAINT} name [NOT] ENFORCED`.
    CheckEnforced {
        name: String,
        enforced: bool,
    },
    /// `CONVERT TO {CHARACTER SET | CHARSET} cs [COLLATE co]`: the table's default and every
    /// character column (`charset` `None`: `DEFAULT`, the database's).
    ConvertTo {
        charset: Option<String>,
        collation: Option<String>,
    },
}

/// `ALTER TABLE name clause, ...` when one of its clauses is one sqlparser does not read.
pub fn parse(sql: &str) -> Option<Result<(ast::ObjectName, Vec<AlterClause>)>> {
    // Every statement passes here: tokenize only what may be an ALTER (a comment may come
    // before the keyword).
    if !parser::mentions(sql, "alter") {
        return None;
    }
    let tokens = super::parser::code_tokens(sql)?;
    let [Token::Word(alter), Token::Word(table), rest @ ..] = tokens.as_slice() else {
        return None;
    };
    if alter.keyword != Keyword::ALTER || table.keyword != Keyword::TABLE {
        return None;
    }
    let name_len = match rest {
        [Token::Word(_), Token::Period, Token::Word(_), ..] => 3,
        [Token::Word(_), ..] => 1,
        _ => return None,
    };
    let (name, clauses) = rest.split_at(name_len);
    let clauses: Vec<&[Token]> = split_top_level(clauses);
    if !clauses.iter().any(|c| is_own(c)) {
        return None;
    }
    let name_text: String = name.iter().map(ToString::to_string).collect();
    Some(read(&name_text, &clauses))
}

/// Whether sqlparser cannot read `clause` as MySQL means it.
fn is_own(clause: &[Token]) -> bool {
    own_clause(clause).is_some() || add_columns(clause).is_some() || clustering(clause).is_some()
}

/// `ADD ... PRIMARY KEY (...) {CLUSTERED | NONCLUSTERED}` (TiDB's words): the clause
/// without the word, and whether it asked for a clustered key.
fn clustering(clause: &[Token]) -> Option<(&[Token], bool)> {
    let [first, .., last] = clause else {
        return None;
    };
    if !word(first, "add") || !clause.iter().any(|t| word(t, "primary")) {
        return None;
    }
    let clustered = if word(last, "clustered") {
        true
    } else if word(last, "nonclustered") {
        false
    } else {
        return None;
    };
    Some((&clause[..clause.len() - 1], clustered))
}

fn read(name: &str, clauses: &[&[Token]]) -> Result<(ast::ObjectName, Vec<AlterClause>)> {
    let object = Parser::new(&MySql)
        .try_with_sql(name)
        .and_then(|mut p| p.parse_object_name(false))
        .map_err(|_| Error::syntax(name))?;
    let mut out = Vec::new();
    for clause in clauses {
        if let Some(c) = own_clause(clause) {
            out.push(c);
            continue;
        }
        let clause = match clustering(clause) {
            // A table's clustering is chosen when it is created.
            Some((_, true)) => {
                return Err(Error::new(
                    8200,
                    "HY000",
                    "Adding clustered primary key is not supported. Please consider adding NONCLUSTERED primary key instead",
                ))
            }
            Some((rest, false)) => rest,
            None => clause,
        };
        let (texts, if_not_exists) = match add_columns(clause) {
            Some(add) => add,
            None => (vec![text(clause)], false),
        };
        for text in texts {
            let sql = format!("ALTER TABLE {name} {text}");
            let mut stmts = parser::parse(&sql)?;
            let Some(ast::Statement::AlterTable(at)) = stmts.pop().filter(|_| stmts.is_empty())
            else {
                return Err(Error::syntax(&sql));
            };
            for mut op in at.operations {
                if let ast::AlterTableOperation::AddColumn {
                    if_not_exists: flag,
                    ..
                } = &mut op
                {
                    *flag |= if_not_exists;
                }
                out.push(AlterClause::Sql(Box::new(op)));
            }
        }
    }
    Ok((object, out))
}

fn text(tokens: &[Token]) -> String {
    let words: Vec<String> = tokens.iter().map(ToString::to_string).collect();
    words.join(" ")
}

/// `ADD [COLUMN] IF NOT EXISTS def` and `ADD [COLUMN] [IF NOT EXISTS] (item, ...)`: the
/// clauses sqlparser reads for them (one per item), and whether IF NOT EXISTS was given.
fn add_columns(tokens: &[Token]) -> Option<(Vec<String>, bool)> {
    let [first, rest @ ..] = tokens else {
        return None;
    };
    if !word(first, "add") {
        return None;
    }
    let rest = match rest {
        [column, rest @ ..] if word(column, "column") => rest,
        rest => rest,
    };
    let (rest, if_not_exists) = match rest {
        [i, n, e, rest @ ..] if word(i, "if") && word(n, "not") && word(e, "exists") => {
            (rest, true)
        }
        rest => (rest, false),
    };
    match rest {
        [Token::LParen, items @ .., Token::RParen] => {
            let clauses = split_top_level(items)
                .into_iter()
                .map(|item| match item.first() {
                    Some(t) if CONSTRAINT_WORDS.iter().any(|w| word(t, w)) => {
                        format!("ADD {}", text(item))
                    }
                    _ => format!("ADD COLUMN {}", text(item)),
                })
                .collect();
            Some((clauses, if_not_exists))
        }
        rest if if_not_exists => Some((vec![format!("ADD COLUMN {}", text(rest))], true)),
        _ => None,
    }
}

/// Words that start an index or constraint inside `ADD (...)`.
const CONSTRAINT_WORDS: &[&str] = &[
    "index",
    "key",
    "unique",
    "primary",
    "constraint",
    "foreign",
    "fulltext",
];

/// `t` is the unquoted word `w` (any case).
fn word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// Splits at the commas outside parentheses.
fn split_top_level(tokens: &[Token]) -> Vec<&[Token]> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..]);
    out
}

/// A clause read here rather than by sqlparser: RENAME INDEX, DROP CHECK, ALTER CHECK,
/// ALTER INDEX ... [IN]VISIBLE, CONVERT TO.
fn own_clause(tokens: &[Token]) -> Option<AlterClause> {
    let ident = |t: &Token| match t {
        Token::Word(w) => Some(w.value.clone()),
        _ => None,
    };
    match tokens {
        [rename, kind, from, to_kw, to]
            if word(rename, "rename")
                && (word(kind, "index") || word(kind, "key"))
                && word(to_kw, "to") =>
        {
            Some(AlterClause::RenameIndex {
                from: ident(from)?,
                to: ident(to)?,
            })
        }
        [drop, check, name] if word(drop, "drop") && word(check, "check") => {
            Some(AlterClause::DropCheck { name: ident(name)? })
        }
        [alter, kind, name, rest @ ..]
            if word(alter, "alter") && (word(kind, "check") || word(kind, "constraint")) =>
        {
            let enforced = match rest {
                [e] if word(e, "enforced") => true,
                [n, e] if word(n, "not") && word(e, "enforced") => false,
                _ => return None,
            };
            Some(AlterClause::CheckEnforced {
                name: ident(name)?,
                enforced,
            })
        }
        [convert, to, rest @ ..] if word(convert, "convert") && word(to, "to") => {
            let rest = match rest {
                [character, set, rest @ ..] if word(character, "character") && word(set, "set") => {
                    rest
                }
                [charset, rest @ ..] if word(charset, "charset") => rest,
                _ => return None,
            };
            let (charset, rest) = match rest {
                [name, rest @ ..] if word(name, "default") => (None, rest),
                [name, rest @ ..] => (Some(name_of(name)?), rest),
                [] => return None,
            };
            let collation = match rest {
                [] => None,
                [collate, name] if word(collate, "collate") => Some(name_of(name)?),
                _ => return None,
            };
            Some(AlterClause::ConvertTo { charset, collation })
        }
        [alter, index, name, visibility] if word(alter, "alter") && word(index, "index") => {
            let invisible = if word(visibility, "invisible") {
                true
            } else if word(visibility, "visible") {
                false
            } else {
                return None;
            };
            Some(AlterClause::IndexVisibility {
                name: ident(name)?,
                invisible,
            })
        }
        _ => None,
    }
}

/// A name written as a word or a quoted string: a character set, a collation, a table
/// option's value.
pub(super) fn name_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.value.clone()),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_index_clauses_among_others() {
        assert!(parse("ALTER TABLE t ADD COLUMN a INT").is_none());
        let (_, clauses) = parse("ALTER TABLE t ADD COLUMN IF NOT EXISTS (a INT, INDEX i (a))")
            .unwrap()
            .unwrap();
        assert!(matches!(
            &clauses[0],
            AlterClause::Sql(op) if matches!(**op, ast::AlterTableOperation::AddColumn { if_not_exists: true, .. })
        ));
        assert!(matches!(
            &clauses[1],
            AlterClause::Sql(op) if matches!(**op, ast::AlterTableOperation::AddConstraint { .. })
        ));
        assert!(parse("SELECT 1").is_none());
        let (_, commented) = parse("/* c */ ALTER TABLE t DROP CHECK c1")
            .unwrap()
            .unwrap();
        assert_eq!(
            commented,
            vec![AlterClause::DropCheck { name: "c1".into() }]
        );
        let (name, clauses) = parse(
            "alter table d.`t` rename key `a` to b, add index i ((x)), ALTER INDEX b INVISIBLE",
        )
        .unwrap()
        .unwrap();
        assert_eq!(name.to_string(), "d.`t`");
        assert_eq!(clauses.len(), 3);
        assert_eq!(
            clauses[0],
            AlterClause::RenameIndex {
                from: "a".into(),
                to: "b".into()
            }
        );
        assert!(matches!(clauses[1], AlterClause::Sql(_)));
        let (_, checks) = parse("ALTER TABLE t DROP CHECK c1, ALTER CONSTRAINT c2 NOT ENFORCED")
            .unwrap()
            .unwrap();
        assert_eq!(
            checks,
            vec![
                AlterClause::DropCheck { name: "c1".into() },
                AlterClause::CheckEnforced {
                    name: "c2".into(),
                    enforced: false
                }
            ]
        );
        assert_eq!(
            clauses[2],
            AlterClause::IndexVisibility {
                name: "b".into(),
                invisible: true
            }
        );
        let (_, convert) =
            parse("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE 'utf8mb4_general_ci'")
                .unwrap()
                .unwrap();
        assert_eq!(
            convert,
            vec![AlterClause::ConvertTo {
                charset: Some("utf8mb4".into()),
                collation: Some("utf8mb4_general_ci".into())
            }]
        );
        let (_, convert) = parse("ALTER TABLE t CONVERT TO CHARSET DEFAULT")
            .unwrap()
            .unwrap();
        assert_eq!(
            convert[0],
            AlterClause::ConvertTo {
                charset: None,
                collation: None
            }
        );
    }
}
