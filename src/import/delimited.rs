//! Delimited text (CSV) as MySQL's LOAD DATA and TiDB's IMPORT INTO read it: fields end
//! at FIELDS_TERMINATED_BY and rows at LINES_TERMINATED_BY (both any length; by default a
//! row ends at `\n`, `\r\n` or `\r`), a field may be enclosed (a doubled enclosing
//! character stands for itself), FIELDS_ESCAPED_BY escapes the next character (`\n`, `\t`,
//! `\0`, `\Z`, ... as MySQL), and an unenclosed field equal to FIELDS_DEFINED_NULL_BY (`\N`)
//! is NULL. The `csv` crate reads RFC 4180 only: no escapes outside quotes, one-byte
//! separators; hence this reader.

use std::io::Read;

use super::options::Options;
use super::rows::Field;
use crate::error::{Error, Result};

const BLOCK: usize = 1 << 20;

pub struct Reader<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    /// Bytes of the input consumed before `buf`.
    base: u64,
    /// No row starts at or after this position of the input (a SPLIT_FILE chunk's end).
    pub limit: Option<u64>,
    /// LOAD DATA's LINES STARTING BY: each row begins after this prefix; what precedes it
    /// (lines without it) is skipped.
    pub starting_by: Option<Vec<u8>>,
    eof: bool,
    sep: Vec<u8>,
    /// `None`: `\n`, `\r\n` or `\r`.
    term: Option<Vec<u8>>,
    quote: Option<u8>,
    escape: Option<u8>,
    null: Vec<u8>,
    /// The bytes that may start something other than field content: `[0]` outside an
    /// enclosed field (escape, separator, row end), `[1]` inside (escape, enclosure).
    special: [[bool; 256]; 2],
    /// The line the next row starts on (1-based), for error messages.
    pub line: u64,
    name: String,
}

impl<R: Read> Reader<R> {
    pub fn new(input: R, options: &Options, name: &str) -> Reader<R> {
        let mut special = [[false; 256]; 2];
        let mut mark = |table: usize, b: Option<u8>| {
            if let Some(b) = b {
                special[table][usize::from(b)] = true;
            }
        };
        mark(0, options.fields_escaped_by);
        mark(0, options.fields_terminated_by.first().copied());
        match &options.lines_terminated_by {
            Some(t) => mark(0, t.first().copied()),
            None => {
                mark(0, Some(b'\n'));
                mark(0, Some(b'\r'));
            }
        }
        mark(1, options.fields_escaped_by);
        mark(1, options.fields_enclosed_by);
        Reader {
            special,
            input,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            limit: None,
            starting_by: None,
            eof: false,
            sep: options.fields_terminated_by.clone(),
            term: options.lines_terminated_by.clone(),
            quote: options.fields_enclosed_by,
            escape: options.fields_escaped_by,
            null: options.fields_defined_null_by.clone(),
            line: 1,
            name: name.to_string(),
        }
    }

    /// Makes at least `n` bytes available from `pos` unless the input ends first.
    fn fill(&mut self, n: usize) -> Result<()> {
        while self.buf.len() - self.pos < n && !self.eof {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
            let start = self.buf.len();
            self.buf.resize(start + BLOCK, 0);
            // The block is filled whole (a LOCAL file arrives a packet at a time): growing
            // and zeroing the buffer per short read cost more than parsing the bytes.
            let mut got = 0;
            while got < BLOCK {
                let read = self
                    .input
                    .read(&mut self.buf[start + got..])
                    .map_err(|e| self.error(&format!("read failed: {e}")))?;
                if read == 0 {
                    self.eof = true;
                    break;
                }
                got += read;
            }
            self.buf.truncate(start + got);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        self.fill(1)?;
        Ok(self.buf.get(self.pos).copied())
    }

    /// Whether the field separator is at `pos`.
    fn at_separator(&mut self) -> Result<bool> {
        self.fill(self.sep.len())?;
        Ok(self.buf[self.pos..].starts_with(&self.sep))
    }

    /// The length of the row terminator at `pos`, if one is there.
    fn at_line_end(&mut self) -> Result<Option<usize>> {
        match self.term.as_ref().map(Vec::len) {
            Some(n) => {
                self.fill(n)?;
                let at = self
                    .term
                    .as_ref()
                    .is_some_and(|t| self.buf[self.pos..].starts_with(t));
                Ok(at.then_some(n))
            }
            None => {
                self.fill(2)?;
                Ok(match &self.buf[self.pos..] {
                    [b'\r', b'\n', ..] => Some(2),
                    [b'\n', ..] | [b'\r', ..] => Some(1),
                    _ => None,
                })
            }
        }
    }

    fn error(&self, what: &str) -> Error {
        Error::new(
            8160,
            "HY000",
            format!("Failed to read source files. Reason: {what} at line {} of {}. Please check the file content is correct", self.line, self.name),
        )
    }

    /// The next row's fields; `None` at the end of the input (or of the chunk).
    pub fn next_row(&mut self) -> Result<Option<Vec<Field>>> {
        let at = self.base + self.pos as u64;
        if self.limit.is_some_and(|limit| at >= limit) {
            return Ok(None);
        }
        if let Some(prefix) = self.starting_by.take() {
            let skipped = self.skip_through(&prefix);
            self.starting_by = Some(prefix);
            skipped?;
        }
        if self.peek()?.is_none() {
            return Ok(None);
        }
        let mut fields = Vec::new();
        loop {
            let (field, ended) = self.field()?;
            fields.push(field);
            if ended {
                self.line += 1;
                return Ok(Some(fields));
            }
        }
    }

    /// Skips the input up to and including the first `terminator`: a SPLIT_FILE chunk
    /// begins after the row that straddles its start.
    pub fn skip_through(&mut self, terminator: &[u8]) -> Result<()> {
        loop {
            self.fill(terminator.len().max(1))?;
            if self.buf.len() - self.pos < terminator.len() {
                self.pos = self.buf.len();
                return Ok(());
            }
            if self.buf[self.pos..].starts_with(terminator) {
                self.pos += terminator.len();
                return Ok(());
            }
            self.pos += 1;
        }
    }

    /// Skips `n` rows (SKIP_ROWS: a header).
    pub fn skip(&mut self, n: u64) -> Result<()> {
        for _ in 0..n {
            if self.next_row()?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// One field; true when it ended its row.
    fn field(&mut self) -> Result<(Field, bool)> {
        let mut value = Vec::new();
        let quoted = match (self.quote, self.peek()?) {
            (Some(q), Some(c)) if c == q => {
                self.pos += 1;
                true
            }
            _ => false,
        };
        let start_line = self.line;
        let mut escaped_any = false;
        loop {
            // Most bytes are none of the special ones: copy them in runs.
            self.fill(1)?;
            let run = self.ordinary_run(quoted);
            if run > 0 {
                let bytes = &self.buf[self.pos..self.pos + run];
                if quoted {
                    self.line += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
                }
                value.extend_from_slice(bytes);
                self.pos += run;
                continue;
            }
            if !quoted {
                if self.at_separator()? {
                    self.pos += self.sep.len();
                    return Ok((self.finish(value, escaped_any), false));
                }
                if let Some(n) = self.at_line_end()? {
                    self.pos += n;
                    return Ok((self.finish(value, escaped_any), true));
                }
            }
            let Some(c) = self.peek()? else {
                if quoted {
                    self.line = start_line;
                    return Err(self.error("unterminated quoted field"));
                }
                return Ok((self.finish(value, escaped_any), true));
            };
            self.pos += 1;
            if Some(c) == self.escape {
                let Some(next) = self.peek()? else {
                    value.push(c);
                    continue;
                };
                self.pos += 1;
                escaped_any = true;
                if next == b'N' && value.is_empty() && !quoted {
                    // `\N` alone is NULL: keep it recognisable.
                    value.extend_from_slice(b"\\N");
                    continue;
                }
                value.push(match next {
                    b'0' => 0,
                    b'b' => 0x08,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'Z' => 0x1a,
                    other => other,
                });
                continue;
            }
            if quoted && Some(c) == self.quote {
                if self.peek()? == self.quote {
                    // A doubled enclosing character stands for itself.
                    self.pos += 1;
                    value.push(c);
                    continue;
                }
                // The closing quote: a separator, a row end or the input's end must follow.
                if self.at_separator()? {
                    self.pos += self.sep.len();
                    return Ok((Some(value), false));
                }
                if let Some(n) = self.at_line_end()? {
                    self.pos += n;
                    return Ok((Some(value), true));
                }
                if self.peek()?.is_none() {
                    return Ok((Some(value), true));
                }
                // MySQL keeps a stray quote inside a field.
                value.push(c);
                continue;
            }
            if c == b'\n' {
                self.line += 1;
            }
            value.push(c);
        }
    }

    /// How many bytes from `pos` on (within the buffer) can start nothing special: no
    /// escape, and in an enclosed field no enclosing character, in another no separator
    /// and no row end.
    fn ordinary_run(&self, quoted: bool) -> usize {
        let special = &self.special[usize::from(quoted)];
        let window = &self.buf[self.pos..];
        window
            .iter()
            .position(|&b| special[usize::from(b)])
            .unwrap_or(window.len())
    }

    /// An unenclosed field: NULL when it is FIELDS_DEFINED_NULL_BY (or an escaped `\N`).
    fn finish(&self, value: Vec<u8>, escaped: bool) -> Field {
        if value == self.null || (escaped && value == b"\\N") {
            None
        } else {
            Some(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, o: &Options) -> Vec<Vec<Field>> {
        let mut r = Reader::new(text.as_bytes(), o, "t.csv");
        let mut out = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            out.push(row);
        }
        out
    }

    fn f(s: &str) -> Field {
        Some(s.as_bytes().to_vec())
    }

    #[test]
    fn mysql_csv() {
        let o = Options::default();
        assert_eq!(
            rows("1,\"a,b\",\\N\r\n2,\"say \"\"hi\"\"\",x\\ty\n3,,\"\"", &o),
            vec![
                vec![f("1"), f("a,b"), None],
                vec![f("2"), f("say \"hi\""), f("x\ty")],
                vec![f("3"), f(""), f("")],
            ]
        );
        // A quoted field may hold the row terminator.
        assert_eq!(rows("1,\"a\nb\"\n", &o), vec![vec![f("1"), f("a\nb")]]);
        let mut r = Reader::new("1,\"open\n2,x\n".as_bytes(), &o, "t.csv");
        let e = r.next_row().unwrap_err();
        assert!(
            e.message()
                .contains("unterminated quoted field at line 1 of t.csv"),
            "{e}"
        );
    }

    /// Hands out its bytes a few at a time, as a LOCAL file arriving in packets does.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn short_reads_parse_as_one_read_does() {
        let o = Options::default();
        let text: String = (0..2000).map(|i| format!("{i},\"v {i}\",x\n")).collect();
        let mut r = Reader::new(Trickle(text.as_bytes()), &o, "t.csv");
        let mut trickled = Vec::new();
        while let Some(row) = r.next_row().unwrap() {
            trickled.push(row);
        }
        assert_eq!(trickled.len(), 2000);
        assert_eq!(trickled, rows(&text, &o));
    }

    #[test]
    fn other_separators_and_null() {
        let o = Options {
            fields_terminated_by: b"||".to_vec(),
            lines_terminated_by: Some(b"<END>".to_vec()),
            fields_enclosed_by: None,
            fields_defined_null_by: b"NULL".to_vec(),
            ..Options::default()
        };
        assert_eq!(
            rows("1||NULL||a\"b<END>2||x||<END>", &o),
            vec![vec![f("1"), None, f("a\"b")], vec![f("2"), f("x"), f("")]]
        );
    }
}
