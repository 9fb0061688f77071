//! SQL dump files (FORMAT 'sql'), as mysqldump, mydumper and Dumpling write them: INSERT
//! (or REPLACE) statements with VALUES lists of literals, perhaps between SET statements
//! and comments. The file is cut into statements at each `;` outside quotes and comments,
//! each statement is parsed with sqlparser's MySQL dialect, and each VALUES tuple becomes a
//! row of fields: a literal's text as a CSV field would hold it (a string's content after
//! unescaping, a number's digits, `NULL` as NULL, `X'..'`/`0x..` as its bytes). Statements
//! other than INSERT are skipped; an INSERT's column list must name the import's columns,
//! in the import's order.

use std::collections::VecDeque;
use std::io::Read;

use sqlparser::ast::{Expr, SetExpr, Statement, UnaryOperator, Value};
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

use super::rows::{Field, Rows};
use crate::error::{Error, Result};

const BLOCK: usize = 1 << 20;

pub struct Reader<R> {
    input: R,
    /// Bytes read and not yet cut into statements.
    buf: Vec<u8>,
    eof: bool,
    /// Where the scan for the end of the statement at the start of `buf` resumes.
    scan: Scan,
    /// The line the text at the start of `buf` starts on.
    line: u64,
    rows: VecDeque<(u64, Vec<Field>)>,
    /// The import's columns, lower case: what an INSERT's column list must say.
    columns: Vec<String>,
    name: String,
}

/// Where a scan for a statement's end stands: at `pos`, in `state`, `lines` newlines in;
/// `start`: the newlines before the statement's first code (`None` while there is none).
#[derive(Clone, Copy, Default)]
struct Scan {
    pos: usize,
    state: State,
    lines: u64,
    start: Option<u64>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Code,
    /// In a quoted string or name, ended by this byte.
    Quoted(u8),
    LineComment,
    BlockComment,
}

impl<R: Read> Reader<R> {
    pub fn new(input: R, name: &str, columns: Vec<String>) -> Reader<R> {
        Reader {
            input,
            buf: Vec::new(),
            eof: false,
            scan: Scan::default(),
            line: 1,
            rows: VecDeque::new(),
            columns,
            name: name.to_string(),
        }
    }

    fn error(&self, line: u64, what: &str) -> Error {
        Error::new(
            8160,
            "HY000",
            format!("Failed to read source files. Reason: {what} at line {line} of {}. Please check the file content is correct", self.name),
        )
    }

    /// The next statement's text and first line, `None` at the end of the file.
    fn next_statement(&mut self) -> Result<Option<(Vec<u8>, u64)>> {
        loop {
            if let Some(end) = self.find_end() {
                let text: Vec<u8> = self.buf.drain(..=end).collect();
                let line = self.line + self.scan.start.unwrap_or(0);
                self.line += self.scan.lines;
                self.scan = Scan::default();
                return Ok(Some((text, line)));
            }
            if self.eof {
                let scan = std::mem::take(&mut self.scan);
                // Without code, what is left is blank or comments.
                let Some(start) = scan.start else {
                    return Ok(None);
                };
                let line = self.line + start;
                if matches!(scan.state, State::Quoted(_)) {
                    return Err(self.error(line, "unterminated quoted string"));
                }
                return Ok(Some((std::mem::take(&mut self.buf), line)));
            }
            let start = self.buf.len();
            self.buf.resize(start + BLOCK, 0);
            let got = self
                .input
                .read(&mut self.buf[start..])
                .map_err(|e| self.error(self.line, &format!("read failed: {e}")))?;
            self.buf.truncate(start + got);
            self.eof = got == 0;
        }
    }

    /// The offset of the `;` that ends the statement at the start of `buf`, scanning on
    /// from where the last call stopped.
    fn find_end(&mut self) -> Option<usize> {
        let Scan {
            mut pos,
            mut state,
            mut lines,
            mut start,
        } = self.scan;
        let buf = &self.buf;
        let found = loop {
            let Some(&b) = buf.get(pos) else {
                break None;
            };
            if b == b'\n' {
                lines += 1;
            }
            let code = |next: Option<&u8>| match (b, next) {
                (b'#', _) | (b'-', Some(b'-')) | (b'/', Some(b'*')) => false,
                _ => !b.is_ascii_whitespace(),
            };
            if state == State::Code && start.is_none() && code(buf.get(pos + 1)) {
                start = Some(lines);
            }
            match state {
                State::Code => match b {
                    b';' => break Some(pos),
                    b'\'' | b'"' | b'`' => state = State::Quoted(b),
                    b'#' => state = State::LineComment,
                    b'-' | b'/' => {
                        // `-- ` and `/*` need the next byte: wait for it unless at the end.
                        let Some(&next) = buf.get(pos + 1) else {
                            if self.eof {
                                pos += 1;
                                continue;
                            }
                            break None;
                        };
                        match (b, next) {
                            (b'-', b'-') => state = State::LineComment,
                            (b'/', b'*') => {
                                state = State::BlockComment;
                                pos += 1;
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                },
                State::Quoted(q) => {
                    if b == b'\\' && q != b'`' {
                        // The escaped byte may be a newline.
                        if buf.get(pos + 1) == Some(&b'\n') {
                            lines += 1;
                        }
                        if buf.get(pos + 1).is_none() && !self.eof {
                            break None;
                        }
                        pos += 1;
                    } else if b == q {
                        // A doubled quote reopens the string on the next byte.
                        state = State::Code;
                    }
                }
                State::LineComment => {
                    if b == b'\n' {
                        state = State::Code;
                    }
                }
                State::BlockComment => {
                    if b == b'*' && buf.get(pos + 1).is_none() && !self.eof {
                        break None;
                    }
                    if b == b'*' && buf.get(pos + 1) == Some(&b'/') {
                        state = State::Code;
                        pos += 1;
                    }
                }
            }
            pos += 1;
        };
        self.scan = Scan {
            pos,
            state,
            lines,
            start,
        };
        found
    }

    /// The rows of one statement (none for a statement that is not an INSERT).
    fn parse(&mut self, text: &[u8], line: u64) -> Result<()> {
        let text =
            std::str::from_utf8(text).map_err(|_| self.error(line, "a statement is not UTF-8"))?;
        let statements = Parser::parse_sql(&MySqlDialect {}, text)
            .map_err(|e| self.error(line, &format!("cannot parse the statement: {e}")))?;
        for statement in statements {
            let Statement::Insert(insert) = statement else {
                continue;
            };
            if !insert.columns.is_empty() {
                let names: Vec<String> = insert
                    .columns
                    .iter()
                    .map(|c| c.to_string().trim_matches('`').to_ascii_lowercase())
                    .collect();
                if names != self.columns {
                    let what = format!(
                        "the INSERT names columns ({}), the import's are ({})",
                        names.join(", "),
                        self.columns.join(", ")
                    );
                    return Err(self.error(line, &what));
                }
            }
            let body = insert.source.as_ref().map(|q| q.body.as_ref());
            let Some(SetExpr::Values(values)) = body else {
                return Err(self.error(line, "an INSERT without VALUES"));
            };
            for tuple in &values.rows {
                let fields = tuple
                    .content
                    .iter()
                    .map(|e| {
                        field(e).ok_or_else(|| self.error(line, &format!("{e} is not a literal")))
                    })
                    .collect::<Result<Vec<Field>>>()?;
                self.rows.push_back((line, fields));
            }
        }
        Ok(())
    }
}

impl<R: Read + Send> Rows for Reader<R> {
    fn next_row(&mut self) -> Result<Option<(u64, Vec<Field>)>> {
        loop {
            if let Some(row) = self.rows.pop_front() {
                return Ok(Some(row));
            }
            let Some((text, line)) = self.next_statement()? else {
                return Ok(None);
            };
            self.parse(&text, line)?;
        }
    }
}

/// A literal's field: its text as a CSV field would hold it; `None` for anything else.
fn field(e: &Expr) -> Option<Field> {
    Some(match e {
        Expr::Value(v) => match &v.value {
            Value::Null => None,
            Value::Number(n, _) => Some(n.as_bytes().to_vec()),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                Some(s.as_bytes().to_vec())
            }
            Value::Boolean(b) => Some(if *b { b"1".to_vec() } else { b"0".to_vec() }),
            Value::HexStringLiteral(h) => {
                let h = if h.len() % 2 == 1 {
                    format!("0{h}")
                } else {
                    h.clone()
                };
                Some(hex::decode(h).ok()?)
            }
            _ => return None,
        },
        Expr::UnaryOp {
            op: op @ (UnaryOperator::Minus | UnaryOperator::Plus),
            expr,
        } => {
            let digits = field(expr)??;
            if !digits.first().is_some_and(u8::is_ascii_digit) && digits.first() != Some(&b'.') {
                return None;
            }
            let mut text = if *op == UnaryOperator::Minus {
                b"-".to_vec()
            } else {
                Vec::new()
            };
            text.extend_from_slice(&digits);
            Some(text)
        }
        // `_binary 'x'`, `_utf8mb4 'x'`: the introducer changes nothing here.
        Expr::Prefixed { value, .. } => field(value)?,
        Expr::Nested(inner) => field(inner)?,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(text: &str) -> Result<Vec<(u64, Vec<Field>)>> {
        let mut reader = Reader::new(text.as_bytes(), "t.sql", vec!["a".into(), "b".into()]);
        let mut out = Vec::new();
        while let Some(row) = reader.next_row()? {
            out.push(row);
        }
        Ok(out)
    }

    fn text(f: &Field) -> Option<&str> {
        f.as_deref().map(|b| std::str::from_utf8(b).unwrap())
    }

    #[test]
    fn dumps_read_as_rows() {
        let dump = "/*!40101 SET NAMES binary*/;\n\
                    -- a comment; with a semicolon\n\
                    INSERT INTO `t` VALUES (1,'a;b',NULL),(-2,'it''s\\n',X'4142');\n\
                    # another\n\
                    INSERT INTO `t` VALUES\n(3,\"q\\\"\",0x43), (+4.5, _binary 'z', true)";
        let rows = rows_of(dump).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].0, 3);
        assert_eq!(rows[2].0, 5);
        let texts: Vec<Vec<Option<&str>>> = rows
            .iter()
            .map(|(_, r)| r.iter().map(text).collect())
            .collect();
        assert_eq!(texts[0], vec![Some("1"), Some("a;b"), None]);
        assert_eq!(texts[1], vec![Some("-2"), Some("it's\n"), Some("AB")]);
        assert_eq!(texts[2], vec![Some("3"), Some("q\""), Some("C")]);
        assert_eq!(texts[3], vec![Some("4.5"), Some("z"), Some("1")]);
    }

    #[test]
    fn statements_cut_across_reads() {
        // A reader handing out one byte at a time exercises every resumption point.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                out[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let dump = "INSERT INTO t VALUES ('a\\';', 1);/* x; */INSERT INTO t VALUES ('b', -2);";
        let mut reader = Reader::new(Slow(dump.as_bytes()), "t.sql", Vec::new());
        let mut n = 0;
        while let Some((_, fields)) = reader.next_row().unwrap() {
            n += 1;
            assert_eq!(fields.len(), 2);
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn bad_dumps_fail_with_the_line() {
        let e = rows_of("INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (now());").unwrap_err();
        assert_eq!(e.code(), 8160);
        assert!(e.message().contains("line 2 of t.sql"), "{}", e.message());
        let e = rows_of("INSERT INTO t VALUES ('open").unwrap_err();
        assert!(e.message().contains("unterminated"), "{}", e.message());
        assert_eq!(
            rows_of("INSERT INTO t (`A`, b) VALUES (1, 2)")
                .unwrap()
                .len(),
            1
        );
        let e = rows_of("INSERT INTO t (b, a) VALUES (1, 2)").unwrap_err();
        assert!(
            e.message().contains("names columns (b, a)"),
            "{}",
            e.message()
        );
        assert_eq!(rows_of("SET x = 1; /* only a comment").unwrap().len(), 0);
    }
}
