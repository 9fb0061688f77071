//! Collations as SQL names them: `x COLLATE name` in an expression, and `CHARACTER SET` /
//! `COLLATE` in a database, table or column definition, with MySQL's errors. What a
//! collation does to a comparison is [`crate::types::collation`].

use crate::error::{Error, Result};
use crate::types::collation::{Collation, Fold};

/// The collation `name` as applied to a utf8mb4 string (`'a' COLLATE utf8mb4_general_ci`):
/// `None` for a binary (case- and accent-sensitive) one, the comparison otherwise. 1253 for
/// another character set's collation, 1273 for an unknown name.
pub fn lookup(name: &str) -> Result<Option<Fold>> {
    let collation = Collation::by_name(name).ok_or_else(|| Error::unknown_collation(name))?;
    if collation.charset() != "utf8mb4" {
        return Err(not_of_charset(name, "utf8mb4"));
    }
    Ok(collation.fold())
}

/// The collation a definition ends up with: the one it names (which must belong to the
/// character set it names, 1253), else its character set's default, else `inherited`
/// (the table's for a column, the database's for a table). 1115 for an unknown character
/// set, 1273 for an unknown collation.
pub fn resolve(
    charset: Option<&str>,
    collation: Option<&str>,
    inherited: Collation,
) -> Result<Collation> {
    let of_charset = match charset {
        Some(cs) => Some(
            Collation::default_of(cs)
                .ok_or_else(|| crate::domain::variables::unknown_charset(cs))?,
        ),
        None => None,
    };
    match (collation, of_charset) {
        (Some(name), cs) => {
            let c = Collation::by_name(name).ok_or_else(|| Error::unknown_collation(name))?;
            match cs {
                Some(cs) if cs.charset() != c.charset() => {
                    Err(not_of_charset(name, charset.unwrap_or_default()))
                }
                _ => Ok(c),
            }
        }
        (None, Some(cs)) => Ok(cs),
        (None, None) => Ok(inherited),
    }
}

fn not_of_charset(name: &str, charset: &str) -> Error {
    Error::new(
        1253,
        "42000",
        format!("COLLATION '{name}' is not valid for CHARACTER SET '{charset}'"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_collations() {
        assert_eq!(lookup("utf8mb4_bin").unwrap(), None);
        assert_eq!(lookup("utf8mb4_0900_as_cs").unwrap(), None);
        assert!(lookup("UTF8MB4_GENERAL_CI").unwrap().is_some());
        assert_eq!(lookup("latin1_swedish_ci").unwrap_err().code(), 1253);
        assert_eq!(lookup("binary").unwrap_err().code(), 1253);
        assert_eq!(lookup("nope_ci").unwrap_err().code(), 1273);
        assert_eq!(lookup("utf8mb4_nope").unwrap_err().code(), 1273);
    }

    #[test]
    fn definition_collations() {
        let bin = Collation::default();
        let name = |cs, co| resolve(cs, co, bin).map(Collation::name);
        assert_eq!(
            name(Some("latin1"), Some("latin1_swedish_ci")).unwrap(),
            "latin1_swedish_ci"
        );
        assert_eq!(name(Some("latin1"), None).unwrap(), "latin1_bin");
        assert_eq!(name(Some("utf8"), None).unwrap(), "utf8_bin");
        assert_eq!(
            name(None, Some("utf8mb4_0900_ai_ci")).unwrap(),
            "utf8mb4_0900_ai_ci"
        );
        assert_eq!(name(None, None).unwrap(), "utf8mb4_bin");
        assert_eq!(name(None, Some("nope_ci")).unwrap_err().code(), 1273);
        assert_eq!(name(Some("nope"), None).unwrap_err().code(), 1115);
        assert_eq!(
            name(Some("latin1"), Some("utf8mb4_bin"))
                .unwrap_err()
                .code(),
            1253
        );
    }
}
