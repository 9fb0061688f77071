//! Collations named by `COLLATE` in an expression. Stored strings are utf8mb4 compared byte
//! by byte (utf8mb4_bin, the default); an explicit case-insensitive collation makes the
//! comparison it takes part in compare [`key`]s instead: the text case-folded and, for the
//! accent-insensitive collations, without accents, so `'abc' = 'ABC' COLLATE
//! utf8mb4_general_ci` and `'é' = 'E' COLLATE utf8mb4_0900_ai_ci` are true. The PAD SPACE
//! collations (general_ci, unicode_ci) also ignore trailing spaces; the 0900 ones do not.
//!
//! The keys are an approximation of MySQL's weights: equality is right for letters with
//! simple case and accent forms, and ordering follows the upper-cased text (as
//! utf8mb4_general_ci sorts), not the full Unicode Collation Algorithm.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::types::Value;

/// How a collation compares text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Case- and accent-insensitive (`_ci`, `_ai_ci`); `pad`: trailing spaces ignored.
    CaseAndAccents { pad: bool },
    /// Case-insensitive only (`utf8mb4_0900_as_ci`).
    Case,
}

/// The collation `name` as applied to a utf8mb4 string: `None` for a binary (case- and
/// accent-sensitive) one, the comparison otherwise. 1253 for another character set's
/// collation, 1273 for an unknown name.
pub fn lookup(name: &str) -> Result<Option<Fold>> {
    let lower = name.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("utf8mb4_") else {
        return Err(other_charset(&lower, name));
    };
    if !rest.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(unknown(name));
    }
    Ok(match rest {
        "bin" | "0900_bin" => None,
        _ if rest.ends_with("_as_cs") => None,
        _ if rest.ends_with("_as_ci") => Some(Fold::Case),
        _ if rest.ends_with("_ai_ci") => Some(Fold::CaseAndAccents { pad: false }),
        "general_ci" | "unicode_ci" | "unicode_520_ci" => Some(Fold::CaseAndAccents { pad: true }),
        _ => return Err(unknown(name)),
    })
}

/// 1273 for a collation of no character set moltdb knows (`nope_ci`, `utf8mb4_nope`), as
/// a column or table definition names it; 1115 for an unknown character set.
pub fn check_definition(charset: Option<&str>, collation: Option<&str>) -> Result<()> {
    use crate::domain::variables::{unknown_charset, CHARSETS};
    if let Some(cs) = charset {
        if !CHARSETS.contains(&cs.to_ascii_lowercase().as_str()) {
            return Err(unknown_charset(cs));
        }
    }
    let Some(name) = collation else {
        return Ok(());
    };
    let lower = name.to_ascii_lowercase();
    let prefix = lower.split('_').next().unwrap_or_default();
    match prefix {
        _ if lower == "binary" => Ok(()),
        "utf8mb4" => lookup(name).map(|_| ()),
        _ if CHARSETS.contains(&prefix) && lower.len() > prefix.len() + 1 => Ok(()),
        _ => Err(unknown(name)),
    }
}

/// 1253 for a collation of a character set moltdb knows (`latin1_swedish_ci`), which a
/// utf8mb4 string cannot take; 1273 otherwise.
fn other_charset(lower: &str, name: &str) -> Error {
    let charset = lower.split('_').next().unwrap_or_default();
    let known = crate::domain::variables::CHARSETS.contains(&charset) && charset != "utf8mb4";
    if known || lower == "binary" {
        return Error::new(
            1253,
            "42000",
            format!("COLLATION '{name}' is not valid for CHARACTER SET 'utf8mb4'"),
        );
    }
    unknown(name)
}

fn unknown(name: &str) -> Error {
    Error::new(1273, "HY000", format!("Unknown collation: '{name}'"))
}

/// The value a comparison under `fold` compares: strings become their key, anything else
/// (numbers, dates, NULL) stays as it is.
pub fn key(v: Value, fold: Fold) -> Value {
    let Value::Bytes(bytes) = &v else {
        return v;
    };
    let text = String::from_utf8_lossy(bytes);
    let (text, keep_accents) = match fold {
        Fold::CaseAndAccents { pad: true } => (text.trim_end_matches(' '), false),
        Fold::CaseAndAccents { pad: false } => (&*text, false),
        Fold::Case => (&*text, true),
    };
    let mut out = String::with_capacity(text.len());
    if keep_accents {
        out.extend(text.chars().flat_map(char::to_uppercase));
    } else {
        let bare = text.nfd().filter(|c| !is_combining_mark(*c));
        out.extend(bare.flat_map(char::to_uppercase));
    }
    Value::Bytes(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str, fold: Fold) -> bool {
        key(Value::str(a), fold) == key(Value::str(b), fold)
    }

    #[test]
    fn case_and_accent_insensitive_collations() {
        let general = lookup("utf8mb4_general_ci").unwrap().unwrap();
        assert!(eq("abc", "ABC", general));
        assert!(eq("résumé", "RESUME", general));
        assert!(eq("a ", "A", general));
        let ai = lookup("UTF8MB4_0900_AI_CI").unwrap().unwrap();
        assert!(eq("Éa", "ea", ai));
        assert!(!eq("a ", "a", ai));
        let as_ci = lookup("utf8mb4_0900_as_ci").unwrap().unwrap();
        assert!(eq("É", "é", as_ci));
        assert!(!eq("é", "e", as_ci));
        assert_eq!(key(Value::Int(7), general), Value::Int(7));
    }

    #[test]
    fn binary_and_unknown_collations() {
        assert_eq!(lookup("utf8mb4_bin").unwrap(), None);
        assert_eq!(lookup("utf8mb4_0900_as_cs").unwrap(), None);
        assert_eq!(lookup("latin1_swedish_ci").unwrap_err().code(), 1253);
        assert_eq!(lookup("binary").unwrap_err().code(), 1253);
        assert_eq!(lookup("nope_ci").unwrap_err().code(), 1273);
        assert_eq!(lookup("utf8mb4_nope").unwrap_err().code(), 1273);
        assert!(check_definition(Some("latin1"), Some("latin1_swedish_ci")).is_ok());
        assert!(check_definition(None, Some("utf8mb4_0900_ai_ci")).is_ok());
        assert_eq!(
            check_definition(None, Some("nope_ci")).unwrap_err().code(),
            1273
        );
        assert_eq!(
            check_definition(Some("nope"), None).unwrap_err().code(),
            1115
        );
    }
}
