//! ALTER TABLE clauses on indexes that sqlparser's MySQL dialect does not parse: `RENAME
//! {INDEX | KEY} a TO b` and `ALTER INDEX a {VISIBLE | INVISIBLE}`. A statement holding one
//! is split into its top-level clauses; these two are read here, every other clause by
//! sqlparser, and the statement keeps its clauses in order (a multi-schema change checks
//! them together).

use sqlparser::ast;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::dialect::MySql;
use super::parser;
use crate::error::{Error, Result};

/// One clause of an ALTER TABLE.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterClause {
    Sql(Box<ast::AlterTableOperation>),
    RenameIndex { from: String, to: String },
    IndexVisibility { name: String, invisible: bool },
}

/// `ALTER TABLE name clause, ...` when one of its clauses is one sqlparser does not read.
pub fn parse(sql: &str) -> Option<Result<(ast::ObjectName, Vec<AlterClause>)>> {
    let tokens: Vec<Token> = Tokenizer::new(&MySql, sql)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
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
    if !clauses.iter().any(|c| index_clause(c).is_some()) {
        return None;
    }
    let name_text: String = name.iter().map(ToString::to_string).collect();
    Some(read(&name_text, &clauses))
}

fn read(name: &str, clauses: &[&[Token]]) -> Result<(ast::ObjectName, Vec<AlterClause>)> {
    let mut object = None;
    let mut out = Vec::new();
    for clause in clauses {
        if let Some(c) = index_clause(clause) {
            out.push(c);
            continue;
        }
        let text: Vec<String> = clause.iter().map(ToString::to_string).collect();
        let sql = format!("ALTER TABLE {name} {}", text.join(" "));
        let mut stmts = parser::parse(&sql)?;
        match stmts.pop() {
            Some(ast::Statement::AlterTable(at)) if stmts.is_empty() => {
                object = Some(at.name);
                out.extend(
                    at.operations
                        .into_iter()
                        .map(|op| AlterClause::Sql(Box::new(op))),
                );
            }
            _ => return Err(Error::syntax(&sql)),
        }
    }
    let object = match object {
        Some(o) => o,
        None => {
            let parts = name
                .split('.')
                .map(|p| ast::Ident::new(p.trim_matches('`')));
            ast::ObjectName::from(parts.collect::<Vec<_>>())
        }
    };
    Ok((object, out))
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

fn index_clause(tokens: &[Token]) -> Option<AlterClause> {
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_index_clauses_among_others() {
        assert!(parse("ALTER TABLE t ADD COLUMN a INT").is_none());
        assert!(parse("SELECT 1").is_none());
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
        assert_eq!(
            clauses[2],
            AlterClause::IndexVisibility {
                name: "b".into(),
                invisible: true
            }
        );
    }
}
