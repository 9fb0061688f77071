//! `SELECT ... INTO OUTFILE` and `INTO DUMPFILE`: a query's rows written to a new file on
//! the server's host, as MySQL (and TiDB) write them, so that LOAD DATA with the same
//! FIELDS / LINES clauses reads them back.
//!
//! OUTFILE writes each row as LINES STARTING BY, the fields separated by FIELDS TERMINATED
//! BY, then LINES TERMINATED BY. A value is its text as a client reads it, enclosed by
//! ENCLOSED BY (with OPTIONALLY, only values of strings, dates and JSON: not numbers), and
//! with ESCAPED BY before the escape character itself, the enclosing character (outside an
//! enclosure: the first character of FIELDS TERMINATED BY) and the first character of LINES
//! TERMINATED BY; a zero byte becomes the escape character and `0`. NULL is `\N` (`NULL`
//! without an escape character). DUMPFILE writes one row's values as they are, with nothing
//! between them.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};

use super::file_format::FileFormat;
use super::result::ResultColumn;
use crate::error::{Error, Result};
use crate::types::{DataType, Value};

/// How OUTFILE lays its rows out: MySQL's defaults, or what the clauses said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFormat {
    pub fields_terminated_by: Vec<u8>,
    pub enclosed_by: Option<u8>,
    pub optionally: bool,
    pub escaped_by: Option<u8>,
    pub lines_starting_by: Vec<u8>,
    pub lines_terminated_by: Vec<u8>,
}

impl OutFormat {
    /// The format the clauses describe, MySQL's defaults elsewhere (a tab between fields,
    /// none enclosed, `\` escapes, a newline after each row). Values are written as moltdb
    /// holds them (UTF-8, bytes as they are): a CHARACTER SET that would convert them is not
    /// supported.
    pub fn new(clauses: FileFormat) -> Result<OutFormat> {
        if let Some(cs) = clauses.character_set.as_deref() {
            if !matches!(cs, "binary" | "utf8" | "utf8mb3" | "utf8mb4" | "ascii") {
                return Err(Error::unsupported(format!(
                    "SELECT ... INTO OUTFILE CHARACTER SET {cs}"
                )));
            }
        }
        Ok(OutFormat {
            fields_terminated_by: clauses.fields_terminated_by.unwrap_or(b"\t".to_vec()),
            enclosed_by: clauses.fields_enclosed_by.unwrap_or(None),
            optionally: clauses.optionally_enclosed,
            escaped_by: clauses.fields_escaped_by.unwrap_or(Some(b'\\')),
            lines_starting_by: clauses.lines_starting_by,
            lines_terminated_by: clauses.lines_terminated_by.unwrap_or(b"\n".to_vec()),
        })
    }

    /// Appends one row to `out`.
    pub fn write_row(&self, out: &mut Vec<u8>, columns: &[ResultColumn], row: &[Value]) {
        out.extend_from_slice(&self.lines_starting_by);
        for (i, (column, value)) in columns.iter().zip(row).enumerate() {
            if i > 0 {
                out.extend_from_slice(&self.fields_terminated_by);
            }
            let Some(text) = column.text_of(value) else {
                match self.escaped_by {
                    Some(escape) => out.extend_from_slice(&[escape, b'N']),
                    None => out.extend_from_slice(b"NULL"),
                }
                continue;
            };
            let enclosure = self
                .enclosed_by
                .filter(|_| !self.optionally || !is_numeric(column.ty.as_ref()));
            out.extend(enclosure);
            match self.escaped_by {
                Some(escape) => {
                    // Outside an enclosure, a field terminator in the value would end it.
                    let field_end = enclosure.or(self.fields_terminated_by.first().copied());
                    let line_end = self.lines_terminated_by.first().copied();
                    for &b in &text {
                        if b == 0 {
                            out.extend_from_slice(&[escape, b'0']);
                        } else if b == escape || Some(b) == field_end || Some(b) == line_end {
                            out.extend_from_slice(&[escape, b]);
                        } else {
                            out.push(b);
                        }
                    }
                }
                None => out.extend_from_slice(&text),
            }
            out.extend(enclosure);
        }
        out.extend_from_slice(&self.lines_terminated_by);
    }
}

/// Whether values of `ty` are numbers, which OPTIONALLY ENCLOSED BY leaves bare.
fn is_numeric(ty: Option<&DataType>) -> bool {
    matches!(
        ty,
        Some(
            DataType::Int { .. }
                | DataType::Decimal { .. }
                | DataType::Float
                | DataType::Double
                | DataType::Year
                | DataType::Bit { .. }
        )
    )
}

/// DUMPFILE's one row: its values' text, one after the other (NULL adds nothing).
pub fn dump_row(columns: &[ResultColumn], row: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for (column, value) in columns.iter().zip(row) {
        out.extend(column.text_of(value).unwrap_or_default());
    }
    out
}

/// Writes `bytes` to a new file at `path` (relative: to the server's working directory, as
/// TiDB resolves it). MySQL's errors: 1086 when the file exists (it is never overwritten),
/// 1 when it cannot be created or written.
pub fn write_new(path: &str, bytes: &[u8]) -> Result<()> {
    let cannot = |e: std::io::Error| {
        Error::new(
            1,
            "HY000",
            format!(
                "Can't create/write to file '{path}' (OS errno {} - {})",
                e.raw_os_error().unwrap_or(0),
                without_errno(&e)
            ),
        )
    };
    let file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::new(1086, "HY000", format!("File '{path}' already exists"))
            }
            _ => cannot(e),
        })?;
    let mut writer = BufWriter::new(file);
    writer.write_all(bytes).map_err(cannot)?;
    writer.flush().map_err(cannot)
}

/// An I/O error's message without Rust's ` (os error N)` suffix.
fn without_errno(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::IntKind;

    fn columns() -> Vec<ResultColumn> {
        let int = DataType::Int {
            kind: IntKind::Int,
            unsigned: false,
        };
        vec![
            ResultColumn::computed("i", Some(int)),
            ResultColumn::computed("s", Some(DataType::varchar(20))),
        ]
    }

    fn row(format: &OutFormat, values: &[Value]) -> String {
        let mut out = Vec::new();
        format.write_row(&mut out, &columns(), values);
        String::from_utf8(out).unwrap()
    }

    fn format(clauses: FileFormat) -> OutFormat {
        OutFormat::new(clauses).unwrap()
    }

    #[test]
    fn mysql_defaults_escape_what_would_split_the_row() {
        let f = format(FileFormat::default());
        let s = |t: &[u8]| Value::Bytes(t.to_vec());
        assert_eq!(
            row(&f, &[Value::Int(1), s(b"a\tb\nc\\d")]),
            "1\ta\\\tb\\\nc\\\\d\n"
        );
        assert_eq!(row(&f, &[Value::Null, s(b"x\0y")]), "\\N\tx\\0y\n");
    }

    #[test]
    fn enclosures_and_their_options() {
        let csv = FileFormat {
            fields_terminated_by: Some(b",".to_vec()),
            fields_enclosed_by: Some(Some(b'"')),
            ..FileFormat::default()
        };
        let s = |t: &str| Value::Bytes(t.as_bytes().to_vec());
        // Inside an enclosure a comma needs no escape; the enclosing quote does.
        assert_eq!(
            row(&format(csv.clone()), &[Value::Int(7), s("a,\"b\"")]),
            "\"7\",\"a,\\\"b\\\"\"\n"
        );
        let optionally = FileFormat {
            optionally_enclosed: true,
            ..csv.clone()
        };
        assert_eq!(
            row(&format(optionally), &[Value::Int(7), Value::Null]),
            "7,\\N\n"
        );
        let bare = FileFormat {
            fields_escaped_by: Some(None),
            lines_starting_by: b"> ".to_vec(),
            lines_terminated_by: Some(b"\r\n".to_vec()),
            ..csv
        };
        assert_eq!(
            row(&format(bare), &[Value::Null, s("q\"")]),
            "> NULL,\"q\"\"\r\n"
        );
    }

    #[test]
    fn dumpfile_joins_the_values() {
        let values = [Value::Int(12), Value::Bytes(b"\0\t".to_vec())];
        assert_eq!(dump_row(&columns(), &values), b"12\0\t");
    }

    #[test]
    fn converting_character_sets_are_refused() {
        let latin1 = FileFormat {
            character_set: Some("latin1".into()),
            ..FileFormat::default()
        };
        assert!(matches!(OutFormat::new(latin1), Err(Error::Unsupported(_))));
    }

    #[test]
    fn a_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let path = path.to_str().unwrap();
        write_new(path, b"one").unwrap();
        let again = write_new(path, b"two").unwrap_err();
        assert!(
            matches!(again, Error::Mysql { code: 1086, .. }),
            "{again:?}"
        );
        assert_eq!(std::fs::read(path).unwrap(), b"one");
        let missing = dir.path().join("no/such/dir.txt");
        let e = write_new(missing.to_str().unwrap(), b"x").unwrap_err();
        assert!(
            e.to_string()
                .contains("(OS errno 2 - No such file or directory)"),
            "{e}"
        );
    }
}
