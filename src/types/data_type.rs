use serde::{Deserialize, Serialize};

use super::collation::Collation;

/// The five integer widths MySQL knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntKind {
    Tiny,
    Small,
    Medium,
    Int,
    Big,
}

impl IntKind {
    /// Bits of storage, which fixes the range.
    pub fn bits(self) -> u32 {
        match self {
            IntKind::Tiny => 8,
            IntKind::Small => 16,
            IntKind::Medium => 24,
            IntKind::Int => 32,
            IntKind::Big => 64,
        }
    }

    /// The inclusive range of a signed column of this width.
    pub fn signed_range(self) -> (i64, i64) {
        let bits = self.bits();
        if bits == 64 {
            (i64::MIN, i64::MAX)
        } else {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        }
    }

    /// The largest value of an unsigned column of this width.
    pub fn unsigned_max(self) -> u64 {
        let bits = self.bits();
        if bits == 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        }
    }

    pub fn sql_name(self) -> &'static str {
        match self {
            IntKind::Tiny => "tinyint",
            IntKind::Small => "smallint",
            IntKind::Medium => "mediumint",
            IntKind::Int => "int",
            IntKind::Big => "bigint",
        }
    }
}

/// A column's declared type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataType {
    Int {
        kind: IntKind,
        unsigned: bool,
    },
    Decimal {
        precision: u8,
        scale: u8,
    },
    Float,
    Double,
    /// CHAR(n) and VARCHAR(n); `len` counts characters.
    Char {
        len: u32,
        varying: bool,
        #[serde(default)]
        collation: Collation,
    },
    /// BINARY(n) and VARBINARY(n); `len` counts bytes.
    Binary {
        len: u32,
        varying: bool,
    },
    /// TINYTEXT..LONGTEXT; `max_len` is the byte limit of the chosen size.
    Text {
        max_len: u32,
        #[serde(default)]
        collation: Collation,
    },
    /// TINYBLOB..LONGBLOB.
    Blob {
        max_len: u32,
    },
    Date,
    DateTime {
        fsp: u8,
    },
    Timestamp {
        fsp: u8,
    },
    /// YEAR: 1901 to 2155, or 0 (`0000`); held as an integer.
    Year,
    /// BIT(width), 1 to 64 bits: held as an unsigned integer (as arithmetic and comparisons
    /// read it), sent to clients as its big-endian bytes.
    Bit {
        width: u8,
    },
    /// TIME(fsp): a signed span up to 838:59:59, held as its text (see `sql_time`).
    Time {
        fsp: u8,
    },
    /// JSON: held as the text of the value's normal form (see `types::json`).
    Json,
    /// ENUM('a', 'b', ...): one of the members (or '' for an invalid value stored in
    /// non-strict mode), held as the member's text as the definition spells it.
    Enum {
        members: Vec<String>,
    },
    /// SET('a', 'b', ...): any subset, held as its members' text in definition order,
    /// comma-separated.
    Set {
        members: Vec<String>,
    },
}

impl DataType {
    /// VARCHAR(len) in the default collation.
    pub fn varchar(len: u32) -> DataType {
        DataType::Char {
            len,
            varying: true,
            collation: Collation::default(),
        }
    }

    /// A TEXT type of `max_len` bytes in the default collation.
    pub fn text(max_len: u32) -> DataType {
        DataType::Text {
            max_len,
            collation: Collation::default(),
        }
    }

    /// The collation a character column compares by; `None` for other types.
    pub fn collation(&self) -> Option<Collation> {
        match self {
            DataType::Char { collation, .. } | DataType::Text { collation, .. } => Some(*collation),
            _ => None,
        }
    }

    /// The type comparing by `to` instead (a character type; any other is unchanged).
    pub fn with_collation(&self, to: Collation) -> DataType {
        let mut ty = self.clone();
        if let DataType::Char { collation, .. } | DataType::Text { collation, .. } = &mut ty {
            *collation = to;
        }
        ty
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, DataType::Int { .. })
    }

    /// Character strings: compared and shown as text.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            DataType::Char { .. }
                | DataType::Text { .. }
                | DataType::Enum { .. }
                | DataType::Set { .. }
        )
    }

    /// Any string type, text or binary.
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            DataType::Char { .. }
                | DataType::Text { .. }
                | DataType::Binary { .. }
                | DataType::Blob { .. }
                | DataType::Enum { .. }
                | DataType::Set { .. }
        )
    }

    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            DataType::Date | DataType::DateTime { .. } | DataType::Timestamp { .. }
        )
    }

    /// The type as `SHOW CREATE TABLE` and `DESCRIBE` print it.
    pub fn sql_name(&self) -> String {
        match self {
            DataType::Int { kind, unsigned } => {
                let base = kind.sql_name();
                if *unsigned {
                    format!("{base} unsigned")
                } else {
                    base.to_string()
                }
            }
            DataType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            DataType::Float => "float".into(),
            DataType::Double => "double".into(),
            DataType::Char { len, varying, .. } => {
                format!("{}({len})", if *varying { "varchar" } else { "char" })
            }
            DataType::Binary { len, varying } => {
                format!("{}({len})", if *varying { "varbinary" } else { "binary" })
            }
            DataType::Text { max_len, .. } => text_size_name(*max_len, "text"),
            DataType::Blob { max_len } => text_size_name(*max_len, "blob"),
            DataType::Date => "date".into(),
            DataType::DateTime { fsp } => with_fsp("datetime", *fsp),
            DataType::Timestamp { fsp } => with_fsp("timestamp", *fsp),
            DataType::Year => "year".into(),
            DataType::Bit { width } => format!("bit({width})"),
            DataType::Time { fsp } => with_fsp("time", *fsp),
            DataType::Json => "json".into(),
            DataType::Enum { members } => format!("enum({})", quoted_list(members)),
            DataType::Set { members } => format!("set({})", quoted_list(members)),
        }
    }
}

/// `'a','b'`: members as SHOW CREATE TABLE lists them, quotes doubled.
fn quoted_list(members: &[String]) -> String {
    members
        .iter()
        .map(|m| format!("'{}'", m.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",")
}

fn with_fsp(name: &str, fsp: u8) -> String {
    if fsp == 0 {
        name.to_string()
    } else {
        format!("{name}({fsp})")
    }
}

fn text_size_name(max_len: u32, base: &str) -> String {
    match max_len {
        0..=255 => format!("tiny{base}"),
        256..=65_535 => base.to_string(),
        65_536..=16_777_215 => format!("medium{base}"),
        _ => format!("long{base}"),
    }
}
