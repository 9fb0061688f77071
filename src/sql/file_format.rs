//! The clauses that say how a text file of rows is laid out, which LOAD DATA reads and
//! `SELECT ... INTO OUTFILE` writes in the same words:
//! `[CHARACTER SET cs] [{FIELDS | COLUMNS} [TERMINATED BY s] [[OPTIONALLY] ENCLOSED BY c]
//! [ESCAPED BY c]] [LINES [STARTING BY s] [TERMINATED BY s]]`.

use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::error::{Error, Result};

/// What the clauses said; `None` where a statement's own default holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFormat {
    /// Lower-cased.
    pub character_set: Option<String>,
    pub fields_terminated_by: Option<Vec<u8>>,
    /// `Some(None)`: `ENCLOSED BY ''`.
    pub fields_enclosed_by: Option<Option<u8>>,
    /// ENCLOSED BY came with OPTIONALLY: only string values are enclosed.
    pub optionally_enclosed: bool,
    /// `Some(None)`: `ESCAPED BY ''`.
    pub fields_escaped_by: Option<Option<u8>>,
    /// Empty: none.
    pub lines_starting_by: Vec<u8>,
    pub lines_terminated_by: Option<Vec<u8>>,
}

/// Takes the word `w` (any case) if it comes next.
pub fn take_word(p: &mut Parser, w: &str) -> bool {
    match &p.peek_token().token {
        Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w) => {
            p.next_token();
            true
        }
        _ => false,
    }
}

/// Reads the clauses where `p` stands, as far as they go; `sql` is the statement, for its
/// syntax errors.
pub fn parse(p: &mut Parser, sql: &str) -> Result<FileFormat> {
    let syntax = |_| Error::syntax(sql);
    let expect = |p: &mut Parser, w: &str| match take_word(p, w) {
        true => Ok(()),
        false => Err(Error::syntax(sql)),
    };
    // A one-character argument of ENCLOSED BY / ESCAPED BY ('' for none).
    let one = |p: &mut Parser| -> Result<Option<u8>> {
        let s = p.parse_literal_string().map_err(syntax)?;
        match s.as_bytes() {
            [] => Ok(None),
            [c] => Ok(Some(*c)),
            _ => Err(Error::new(
                1083,
                "42000",
                "Field separator argument is not what is expected; check the manual",
            )),
        }
    };
    // A terminator, which cannot be empty here (MySQL's fixed-width rows are not supported).
    let terminator = |p: &mut Parser, what: &str| -> Result<Vec<u8>> {
        let t = p.parse_literal_string().map_err(syntax)?;
        if t.is_empty() {
            return Err(Error::unsupported(format!("{what} TERMINATED BY ''")));
        }
        Ok(t.into_bytes())
    };
    let mut format = FileFormat::default();
    let charset = if take_word(p, "character") {
        expect(p, "set")?;
        true
    } else {
        take_word(p, "charset")
    };
    if charset {
        let name = p.parse_identifier().map_err(syntax)?.value;
        format.character_set = Some(name.to_ascii_lowercase());
    }
    if take_word(p, "fields") || take_word(p, "columns") {
        loop {
            if take_word(p, "terminated") {
                expect(p, "by")?;
                format.fields_terminated_by = Some(terminator(p, "FIELDS")?);
            } else if take_word(p, "optionally") {
                expect(p, "enclosed")?;
                expect(p, "by")?;
                format.fields_enclosed_by = Some(one(p)?);
                format.optionally_enclosed = true;
            } else if take_word(p, "enclosed") {
                expect(p, "by")?;
                format.fields_enclosed_by = Some(one(p)?);
            } else if take_word(p, "escaped") {
                expect(p, "by")?;
                format.fields_escaped_by = Some(one(p)?);
            } else {
                break;
            }
        }
    }
    if take_word(p, "lines") {
        loop {
            if take_word(p, "starting") {
                expect(p, "by")?;
                format.lines_starting_by = p.parse_literal_string().map_err(syntax)?.into_bytes();
            } else if take_word(p, "terminated") {
                expect(p, "by")?;
                format.lines_terminated_by = Some(terminator(p, "LINES")?);
            } else {
                break;
            }
        }
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::dialect::MySql;

    fn read(text: &str) -> Result<FileFormat> {
        let mut p = Parser::new(&MySql)
            .try_with_sql(text)
            .map_err(|_| Error::syntax(text))?;
        parse(&mut p, text)
    }

    #[test]
    fn every_clause_in_its_place() {
        let f = read(
            "CHARACTER SET UTF8MB4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' \
             ESCAPED BY '' LINES STARTING BY '>' TERMINATED BY '\\r\\n'",
        )
        .unwrap();
        assert_eq!(
            f,
            FileFormat {
                character_set: Some("utf8mb4".into()),
                fields_terminated_by: Some(b",".to_vec()),
                fields_enclosed_by: Some(Some(b'"')),
                optionally_enclosed: true,
                fields_escaped_by: Some(None),
                lines_starting_by: b">".to_vec(),
                lines_terminated_by: Some(b"\r\n".to_vec()),
            }
        );
        assert_eq!(read("").unwrap(), FileFormat::default());
        assert_eq!(
            read("COLUMNS ENCLOSED BY ''").unwrap().fields_enclosed_by,
            Some(None)
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(matches!(
            read("FIELDS ENCLOSED BY 'ab'"),
            Err(Error::Mysql { code: 1083, .. })
        ));
        assert!(matches!(
            read("LINES TERMINATED BY ''"),
            Err(Error::Unsupported(_))
        ));
    }
}
