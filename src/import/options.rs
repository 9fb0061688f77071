//! IMPORT INTO's FORMAT and WITH options, validated with TiDB's errors: 8157 for a format it
//! does not read, 8163 for an unknown option, 8164 for a bad value, 8165 for an option given
//! twice, 8166 for a CSV option with another format.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::byte_size;

/// The file format of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Sql,
    Parquet,
}

impl Format {
    /// The FORMAT clause's value.
    pub fn named(name: &str) -> Result<Format> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "sql" => Ok(Format::Sql),
            "parquet" => Ok(Format::Parquet),
            _ => Err(Error::new(
                8157,
                "HY000",
                format!("The FORMAT '{name}' is not supported"),
            )),
        }
    }

    /// Without a FORMAT clause: by the file's extension (after a compression suffix).
    pub fn of_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        let base = [".gz", ".gzip", ".zstd", ".zst", ".snappy"]
            .iter()
            .find_map(|c| lower.strip_suffix(c))
            .unwrap_or(&lower);
        if base.ends_with(".sql") {
            Format::Sql
        } else if base.ends_with(".parquet") {
            Format::Parquet
        } else {
            Format::Csv
        }
    }
}

/// What a WITH item gave: `NAME`, `NAME = 'text'` or `NAME = 123`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Flag,
    Text(String),
    Number(i64),
}

/// CHECKSUM_TABLE: what a mismatch between the imported data and the table does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Checksum {
    /// Fails the import.
    Required,
    /// Logged as a warning.
    Optional,
    /// Not computed.
    Off,
}

/// The validated options; the defaults are TiDB's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub character_set: String,
    pub fields_terminated_by: Vec<u8>,
    pub fields_enclosed_by: Option<u8>,
    pub fields_escaped_by: Option<u8>,
    pub fields_defined_null_by: Vec<u8>,
    /// `None`: `\n`, `\r` or `\r\n`.
    pub lines_terminated_by: Option<Vec<u8>>,
    pub skip_rows: u64,
    pub split_file: bool,
    pub disk_quota: Option<u64>,
    pub disable_tikv_import_mode: bool,
    /// Threads per subtask (`None`: half the cores).
    pub thread: Option<usize>,
    /// Bytes per second each node writes (0: unlimited).
    pub max_write_speed: u64,
    pub checksum_table: Checksum,
    pub record_errors: i64,
    pub detached: bool,
    pub disable_precheck: bool,
    pub group_key: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            character_set: "utf8mb4".into(),
            fields_terminated_by: b",".to_vec(),
            fields_enclosed_by: Some(b'"'),
            fields_escaped_by: Some(b'\\'),
            fields_defined_null_by: b"\\N".to_vec(),
            lines_terminated_by: None,
            skip_rows: 0,
            split_file: false,
            disk_quota: None,
            disable_tikv_import_mode: false,
            thread: None,
            max_write_speed: 0,
            checksum_table: Checksum::Required,
            record_errors: 100,
            detached: false,
            disable_precheck: false,
            group_key: None,
        }
    }
}

const CSV_ONLY: &[&str] = &[
    "character_set",
    "fields_terminated_by",
    "fields_enclosed_by",
    "fields_escaped_by",
    "fields_defined_null_by",
    "lines_terminated_by",
    "skip_rows",
    "split_file",
];

const CHARACTER_SETS: &[&str] = &[
    "binary", "utf8", "utf8mb4", "gb18030", "gbk", "latin1", "ascii",
];

fn invalid(name: &str) -> Error {
    Error::new(8164, "HY000", format!("Invalid option value for {name}"))
}

/// Validates the WITH items of an import of `format`.
pub fn parse(items: &[(String, Given)], format: Format) -> Result<Options> {
    let mut o = Options::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, given) in items {
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(Error::new(
                8165,
                "HY000",
                format!("Option {name} specified more than once"),
            ));
        }
        seen.push(name.clone());
        if format != Format::Csv && CSV_ONLY.contains(&name.as_str()) {
            return Err(Error::new(
                8166,
                "HY000",
                format!("Unsupported option {name} for non-CSV format"),
            ));
        }
        let text = || match given {
            Given::Text(t) => Ok(t.clone()),
            _ => Err(invalid(&name)),
        };
        let number = || match given {
            Given::Number(n) => Ok(*n),
            _ => Err(invalid(&name)),
        };
        let flag = || match given {
            Given::Flag => Ok(true),
            _ => Err(invalid(&name)),
        };
        let one_char = || -> Result<Option<u8>> {
            let t = text()?;
            match t.as_bytes() {
                [] => Ok(None),
                [c] => Ok(Some(*c)),
                _ => Err(invalid(&name)),
            }
        };
        match name.as_str() {
            "character_set" => {
                let cs = text()?.to_ascii_lowercase();
                if !CHARACTER_SETS.contains(&cs.as_str()) {
                    return Err(invalid(&name));
                }
                o.character_set = cs;
            }
            "fields_terminated_by" => {
                let t = unescape(&text()?);
                if t.is_empty() {
                    return Err(invalid(&name));
                }
                o.fields_terminated_by = t;
            }
            "fields_enclosed_by" => o.fields_enclosed_by = one_char()?,
            "fields_escaped_by" => o.fields_escaped_by = one_char()?,
            "fields_defined_null_by" => o.fields_defined_null_by = unescape(&text()?),
            "lines_terminated_by" => {
                let t = unescape(&text()?);
                if t.is_empty() {
                    return Err(invalid(&name));
                }
                o.lines_terminated_by = Some(t);
            }
            "skip_rows" => {
                o.skip_rows = u64::try_from(number()?).map_err(|_| invalid(&name))?;
            }
            "split_file" => o.split_file = flag()?,
            "disk_quota" => {
                o.disk_quota = Some(
                    byte_size::parse(&text()?)
                        .filter(|s| *s > 0)
                        .ok_or_else(|| invalid(&name))?,
                )
            }
            "disable_tikv_import_mode" => o.disable_tikv_import_mode = flag()?,
            "thread" => {
                let n = number()?;
                o.thread = Some(
                    usize::try_from(n)
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| invalid(&name))?,
                );
            }
            "max_write_speed" => {
                o.max_write_speed = byte_size::parse(&text()?).ok_or_else(|| invalid(&name))?;
            }
            "checksum_table" => {
                o.checksum_table = match text()?.to_ascii_lowercase().as_str() {
                    "required" => Checksum::Required,
                    "optional" => Checksum::Optional,
                    "off" => Checksum::Off,
                    _ => return Err(invalid(&name)),
                }
            }
            "record_errors" => {
                let n = number()?;
                if n < -1 {
                    return Err(invalid(&name));
                }
                o.record_errors = n;
            }
            "detached" => o.detached = flag()?,
            "disable_precheck" => o.disable_precheck = flag()?,
            "cloud_storage_uri" => {
                // Global sort needs cloud storage; '' keeps the local sort.
                if !text()?.is_empty() {
                    return Err(Error::new(
                        8158,
                        "HY000",
                        "The URI of cloud storage is invalid. Reason: cloud storage is not supported. Please provide a valid URI, such as 's3://import/test.csv?access-key={your_access_key_id ID}&secret-access-key={your_secret_access_key}&session-token={your_session_token}'",
                    ));
                }
            }
            "group_key" => {
                let t = text()?;
                if t.is_empty() || t.len() > 256 {
                    return Err(invalid(&name));
                }
                o.group_key = Some(t);
            }
            _ => return Err(Error::new(8163, "HY000", format!("Unknown option {name}"))),
        }
    }
    if o.split_file && o.lines_terminated_by.is_none() {
        return Err(Error::new(
            8164,
            "HY000",
            "Invalid option value for lines_terminated_by, should not be empty when use split_file",
        ));
    }
    if o.split_file && o.skip_rows > 1 {
        return Err(Error::new(
            8164,
            "HY000",
            "Invalid option value for skip_rows, should be <= 1 when split-file is enabled",
        ));
    }
    Ok(o)
}

/// MySQL's escapes in a separator given as text: `\t`, `\n`, `\r`, `\0`, `\\`.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b'0') => out.push(0),
            Some(other) => {
                out.push(b'\\');
                out.push(other);
            }
            None => out.push(b'\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(name: &str, given: Given) -> (String, Given) {
        (name.to_string(), given)
    }

    #[test]
    fn tidb_errors_for_bad_options() {
        let code = |items: &[(String, Given)], format| parse(items, format).unwrap_err().code();
        assert_eq!(code(&[opt("xx", Given::Flag)], Format::Csv), 8163);
        assert_eq!(
            parse(&[opt("DETACHED", Given::Text("x".into()))], Format::Csv)
                .unwrap_err()
                .message(),
            "Invalid option value for detached"
        );
        assert_eq!(
            parse(
                &[opt("detached", Given::Flag), opt("Detached", Given::Flag)],
                Format::Csv
            )
            .unwrap_err()
            .message(),
            "Option detached specified more than once"
        );
        assert_eq!(
            parse(
                &[opt("character_set", Given::Text("utf8".into()))],
                Format::Sql
            )
            .unwrap_err()
            .message(),
            "Unsupported option character_set for non-CSV format"
        );
        assert_eq!(
            code(
                &[opt("character_set", Given::Text("klingon".into()))],
                Format::Csv
            ),
            8164
        );
        assert_eq!(code(&[opt("thread", Given::Number(0))], Format::Csv), 8164);
        assert_eq!(
            code(
                &[opt("fields_enclosed_by", Given::Text("ab".into()))],
                Format::Csv
            ),
            8164
        );
        assert_eq!(code(&[opt("split_file", Given::Flag)], Format::Csv), 8164);
        assert_eq!(Format::named("xml").unwrap_err().code(), 8157);
    }

    #[test]
    fn values_and_defaults() {
        let o = parse(
            &[
                opt("fields_terminated_by", Given::Text("\\t".into())),
                opt("fields_enclosed_by", Given::Text("".into())),
                opt("skip_rows", Given::Number(1)),
                opt("checksum_table", Given::Text("OFF".into())),
                opt("disk_quota", Given::Text("1.5GiB".into())),
            ],
            Format::Csv,
        )
        .unwrap();
        assert_eq!(o.fields_terminated_by, b"\t");
        assert_eq!(o.fields_enclosed_by, None);
        assert_eq!(o.fields_escaped_by, Some(b'\\'));
        assert_eq!(o.skip_rows, 1);
        assert_eq!(o.checksum_table, Checksum::Off);
        assert_eq!(o.disk_quota, Some(3 << 29));
        assert_eq!(Format::of_path("/d/x.SQL.gz"), Format::Sql);
        assert_eq!(Format::of_path("/d/x.parquet"), Format::Parquet);
        assert_eq!(Format::of_path("/d/x.txt"), Format::Csv);
    }
}
