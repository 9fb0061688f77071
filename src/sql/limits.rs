//! MySQL's limits on names and table shapes, checked where a statement introduces a name,
//! a column or an index, with MySQL's errors: a client cannot create what MySQL would
//! refuse (a 100,000-character name, 5,000 columns, VARCHAR(100000000)).

use crate::catalog::{ColumnInfo, IndexInfo, TableInfo};
use crate::error::{Error, Result};
use crate::types::DataType;

/// Characters in a database, table, column or index name.
const MAX_IDENTIFIER_CHARS: usize = 64;
/// Columns in a table (InnoDB's and TiDB's default limit).
const MAX_COLUMNS: usize = 1017;
/// Indexes on a table.
const MAX_INDEXES: usize = 64;
/// Columns in one index.
const MAX_KEY_PARTS: usize = 16;
/// Characters of a VARCHAR: 65,535 bytes of utf8mb4.
const MAX_VARCHAR_CHARS: u32 = 16_383;
/// Characters of a CHAR, bytes of a BINARY.
const MAX_CHAR: u32 = 255;
/// Bytes of a VARBINARY.
const MAX_VARBINARY: u32 = 65_535;
/// Bytes an index key may take (InnoDB's and TiDB's `max-index-length`).
const MAX_KEY_BYTES: usize = 3072;

/// 1059 for a name longer than MySQL allows.
pub fn identifier(name: &str) -> Result<()> {
    if name.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(Error::new(
            1059,
            "42000",
            format!("Identifier name '{name}' is too long"),
        ));
    }
    Ok(())
}

/// A column's name and type (1059, 1074, 1439).
pub fn column(col: &ColumnInfo) -> Result<()> {
    identifier(&col.name)?;
    if let DataType::Bit { width } = col.ty {
        if !(1..=64).contains(&width) {
            return Err(Error::new(
                1439,
                "42000",
                format!(
                    "Display width out of range for column '{}' (max = 64)",
                    col.name
                ),
            ));
        }
    }
    let max = match col.ty {
        DataType::Char {
            len, varying: true, ..
        } if len > MAX_VARCHAR_CHARS => MAX_VARCHAR_CHARS,
        DataType::Char {
            len,
            varying: false,
            ..
        } if len > MAX_CHAR => MAX_CHAR,
        DataType::Binary { len, varying: true } if len > MAX_VARBINARY => MAX_VARBINARY,
        DataType::Binary {
            len,
            varying: false,
        } if len > MAX_CHAR => MAX_CHAR,
        _ => return Ok(()),
    };
    Err(Error::new(
        1074,
        "42000",
        format!(
            "Column length too big for column '{}' (max = {max}); use BLOB or TEXT instead",
            col.name
        ),
    ))
}

/// An index's name and parts (1059, 1070).
pub fn index(index: &IndexInfo, parts: usize) -> Result<()> {
    identifier(&index.name)?;
    if parts > MAX_KEY_PARTS {
        return Err(Error::new(
            1070,
            "42000",
            format!("Too many key parts specified; max {MAX_KEY_PARTS} parts allowed"),
        ));
    }
    Ok(())
}

/// The most bytes a column contributes to an index key: utf8mb4 takes up to 4 a character.
/// TEXT and BLOB count nothing: moltdb indexes them whole, where MySQL would ask for a
/// prefix length.
fn key_bytes(ty: &DataType) -> usize {
    use crate::types::IntKind;
    match *ty {
        DataType::Int { kind, .. } => match kind {
            IntKind::Tiny => 1,
            IntKind::Small => 2,
            IntKind::Medium => 3,
            IntKind::Int => 4,
            IntKind::Big => 8,
        },
        DataType::Decimal { precision, .. } => usize::from(precision) / 2 + 1,
        DataType::Float => 4,
        DataType::Double => 8,
        DataType::Char { len, .. } => (len as usize).saturating_mul(4),
        DataType::Binary { len, .. } => len as usize,
        DataType::Text { .. } | DataType::Blob { .. } | DataType::Json => 0,
        DataType::Date => 3,
        DataType::DateTime { fsp } => 5 + usize::from(fsp).div_ceil(2),
        DataType::Timestamp { fsp } => 4 + usize::from(fsp).div_ceil(2),
        DataType::Year => 1,
        DataType::Bit { width } => usize::from(width).div_ceil(8),
        DataType::Time { fsp } => 3 + usize::from(fsp).div_ceil(2),
        DataType::Enum { .. } => 2,
        DataType::Set { .. } => 8,
    }
}

/// 1071 for an index whose columns could make a key longer than MySQL allows.
pub fn key_length<'a>(
    parts: impl IntoIterator<Item = (&'a ColumnInfo, Option<u32>)>,
) -> Result<()> {
    let bytes = parts
        .into_iter()
        .map(|(c, prefix)| match prefix {
            // Four bytes a character (utf8mb4); a binary prefix counts bytes.
            Some(n) if c.ty.is_text() => (n as usize).saturating_mul(4),
            Some(n) => n as usize,
            None => key_bytes(&c.ty),
        })
        .fold(0usize, usize::saturating_add);
    if bytes > MAX_KEY_BYTES {
        return Err(Error::new(
            1071,
            "42000",
            format!(
                "Specified key was too long ({bytes} bytes); max key length is {MAX_KEY_BYTES} bytes"
            ),
        ));
    }
    Ok(())
}

/// How many columns a table may have (1117).
pub fn column_count(count: usize) -> Result<()> {
    if count > MAX_COLUMNS {
        return Err(Error::new(1117, "HY000", "Too many columns"));
    }
    Ok(())
}

/// How many indexes a table may have (1069).
pub fn index_count(count: usize) -> Result<()> {
    if count > MAX_INDEXES {
        return Err(Error::new(
            1069,
            "42000",
            format!("Too many keys specified; max {MAX_INDEXES} keys allowed"),
        ));
    }
    Ok(())
}

/// A whole new table: its name, columns and indexes.
pub fn table(info: &TableInfo) -> Result<()> {
    identifier(&info.name)?;
    column_count(info.columns.len())?;
    info.columns.iter().try_for_each(column)?;
    index_count(info.indexes.len())?;
    info.indexes.iter().try_for_each(|ix| {
        index(ix, ix.columns.len())?;
        let parts = ix.columns.iter().enumerate();
        key_length(parts.filter_map(|(pos, &c)| Some((info.columns.get(c)?, ix.prefix(pos)))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_count_characters_not_bytes() {
        assert!(identifier(&"é".repeat(64)).is_ok());
        let e = identifier(&"x".repeat(65)).unwrap_err();
        assert_eq!((e.code(), e.sqlstate()), (1059, "42000"));
    }

    #[test]
    fn keys_count_utf8mb4_characters_as_four_bytes() {
        let column = |len| ColumnInfo::new(1, "c", DataType::varchar(len));
        assert!(key_length([(&column(768), None)]).is_ok());
        let e = key_length([(&column(769), None)]).unwrap_err();
        assert_eq!(e.code(), 1071);
        assert!(e.message().contains("(3076 bytes)"));
        assert!(key_length([(&column(700), None), (&column(100), None)]).is_err());
        // A prefix counts only its own characters.
        assert!(key_length([(&column(1000), Some(768))]).is_ok());
        assert!(key_length([(&column(1000), Some(769))]).is_err());
    }
}
