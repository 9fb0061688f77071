//! Collations: how a character column (or an explicit `COLLATE`) compares, sorts, groups
//! and keys its strings, after TiDB's new collation framework.
//!
//! Every string is held as UTF-8 whatever its character set, so a collation is only a way
//! to compare: a binary one (`utf8mb4_bin`, TiDB's default, and `binary`) compares bytes; a
//! case-insensitive one compares [`Fold::key`]s, the text case-folded and, for the
//! accent-insensitive ones, without accents. The PAD SPACE collations (`_general_ci`,
//! `_unicode_ci`) also ignore trailing spaces; the 0900 ones do not. Index entries of a
//! case-insensitive column are keyed by the same keys, so a unique index refuses `'ABC'`
//! beside `'abc'` and an index lookup finds both.
//!
//! The keys approximate MySQL's weights: equality is right for letters with simple case and
//! accent forms, and ordering follows the upper-cased text (as utf8mb4_general_ci sorts),
//! not the full Unicode Collation Algorithm.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::Value;

/// How a case-insensitive collation compares text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fold {
    /// Case- and accent-insensitive (`_ci`, `_ai_ci`); `pad`: trailing spaces ignored.
    CaseAndAccents { pad: bool },
    /// Case-insensitive only (`utf8mb4_0900_as_ci`).
    Case,
}

impl Fold {
    /// The value a comparison under this fold compares: strings become their key, anything
    /// else (numbers, dates, NULL) stays as it is. Folding a key again changes nothing.
    pub fn key(self, v: Value) -> Value {
        let Value::Bytes(bytes) = &v else {
            return v;
        };
        let text = String::from_utf8_lossy(bytes);
        let (text, keep_accents) = match self {
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
}

/// A collation moltdb knows, by its MySQL id (what column definitions on the wire carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Collation(u16);

/// name, character set, MySQL id, default of its character set, how it compares.
type Entry = (&'static str, &'static str, u16, bool, Option<Fold>);

const CI: Option<Fold> = Some(Fold::CaseAndAccents { pad: true });
const AI: Option<Fold> = Some(Fold::CaseAndAccents { pad: false });

/// The collations moltdb supports: TiDB's, plus the MySQL 8 utf8mb4 ones clients name.
/// Defaults are TiDB's (`_bin`), not MySQL's.
const ALL: &[Entry] = &[
    ("ascii_bin", "ascii", 65, true, None),
    ("ascii_general_ci", "ascii", 11, false, CI),
    ("binary", "binary", 63, true, None),
    ("gb18030_bin", "gb18030", 249, true, None),
    ("gb18030_chinese_ci", "gb18030", 248, false, CI),
    ("gbk_bin", "gbk", 87, true, None),
    ("gbk_chinese_ci", "gbk", 28, false, CI),
    ("latin1_bin", "latin1", 47, true, None),
    ("latin1_general_ci", "latin1", 48, false, CI),
    ("latin1_swedish_ci", "latin1", 8, false, CI),
    ("utf8_bin", "utf8", 83, true, None),
    ("utf8_general_ci", "utf8", 33, false, CI),
    ("utf8_unicode_ci", "utf8", 192, false, CI),
    ("utf8mb4_0900_ai_ci", "utf8mb4", 255, false, AI),
    (
        "utf8mb4_0900_as_ci",
        "utf8mb4",
        305,
        false,
        Some(Fold::Case),
    ),
    ("utf8mb4_0900_as_cs", "utf8mb4", 278, false, None),
    ("utf8mb4_0900_bin", "utf8mb4", 309, false, None),
    ("utf8mb4_bin", "utf8mb4", 46, true, None),
    ("utf8mb4_general_ci", "utf8mb4", 45, false, CI),
    ("utf8mb4_unicode_520_ci", "utf8mb4", 246, false, CI),
    ("utf8mb4_unicode_ci", "utf8mb4", 224, false, CI),
];

/// What an id no table lists (a newer data directory's) reads as.
const DEFAULT_ENTRY: Entry = ("utf8mb4_bin", "utf8mb4", 46, true, None);

impl Default for Collation {
    /// utf8mb4_bin, TiDB's default.
    fn default() -> Self {
        Collation::UTF8MB4_BIN
    }
}

impl Collation {
    pub const UTF8MB4_BIN: Collation = Collation(46);
    pub const BINARY: Collation = Collation(63);

    /// Every supported collation, in name order.
    pub fn all() -> impl Iterator<Item = Collation> {
        ALL.iter().map(|e| Collation(e.2))
    }

    /// The collation called `name` (any case); `utf8mb3_*` is `utf8_*`.
    pub fn by_name(name: &str) -> Option<Collation> {
        let lower = name.to_ascii_lowercase();
        let lower = match lower.strip_prefix("utf8mb3_") {
            Some(rest) => format!("utf8_{rest}"),
            None => lower,
        };
        ALL.iter().find(|e| e.0 == lower).map(|e| Collation(e.2))
    }

    /// The collation with MySQL id `id`.
    pub fn by_id(id: u16) -> Option<Collation> {
        ALL.iter().find(|e| e.2 == id).map(|e| Collation(e.2))
    }

    /// The default collation of character set `charset` (`utf8mb3` is `utf8`).
    pub fn default_of(charset: &str) -> Option<Collation> {
        let lower = charset.to_ascii_lowercase();
        let cs = if lower == "utf8mb3" { "utf8" } else { &lower };
        ALL.iter()
            .find(|e| e.1 == cs && e.3)
            .map(|e| Collation(e.2))
    }

    fn entry(self) -> &'static Entry {
        ALL.iter().find(|e| e.2 == self.0).unwrap_or(&DEFAULT_ENTRY)
    }

    pub fn name(self) -> &'static str {
        self.entry().0
    }

    pub fn charset(self) -> &'static str {
        self.entry().1
    }

    pub fn id(self) -> u16 {
        self.0
    }

    /// The default collation of its character set.
    pub fn is_default(self) -> bool {
        self.entry().3
    }

    /// PAD SPACE: trailing spaces do not count (every collation but binary and the 0900 ones).
    pub fn pads(self) -> bool {
        self != Collation::BINARY && !self.name().contains("0900")
    }

    /// How it compares text: `None` for a binary collation (bytes as they are).
    pub fn fold(self) -> Option<Fold> {
        self.entry().4
    }

    /// The value an index entry or a comparison under this collation uses for `v`.
    pub fn key(self, v: Value) -> Value {
        match self.fold() {
            Some(fold) => fold.key(v),
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str, name: &str) -> bool {
        let c = Collation::by_name(name).unwrap();
        c.key(Value::str(a)) == c.key(Value::str(b))
    }

    #[test]
    fn case_and_accent_insensitive_collations() {
        assert!(eq("abc", "ABC", "utf8mb4_general_ci"));
        assert!(eq("résumé", "RESUME", "utf8mb4_general_ci"));
        assert!(eq("a ", "A", "utf8mb4_general_ci"));
        assert!(eq("Éa", "ea", "UTF8MB4_0900_AI_CI"));
        assert!(!eq("a ", "a", "utf8mb4_0900_ai_ci"));
        assert!(eq("É", "é", "utf8mb4_0900_as_ci"));
        assert!(!eq("é", "e", "utf8mb4_0900_as_ci"));
        assert!(!eq("a", "A", "utf8mb4_bin"));
        assert!(eq("a", "A", "utf8mb3_general_ci"));
        let ci = Collation::by_name("utf8mb4_general_ci").unwrap();
        assert_eq!(ci.key(Value::Int(7)), Value::Int(7));
        let once = ci.key(Value::str("Straße é "));
        assert_eq!(ci.key(once.clone()), once);
    }

    #[test]
    fn names_ids_and_defaults() {
        let table: Vec<&str> = Collation::all().map(Collation::name).collect();
        let mut sorted = table.clone();
        sorted.sort_unstable();
        assert_eq!(table, sorted);
        assert_eq!(Collation::default().name(), "utf8mb4_bin");
        assert_eq!(
            Collation::default_of("latin1").unwrap().name(),
            "latin1_bin"
        );
        assert_eq!(Collation::default_of("utf8mb3").unwrap().name(), "utf8_bin");
        assert_eq!(Collation::by_id(255).unwrap().name(), "utf8mb4_0900_ai_ci");
        assert_eq!(
            Collation::by_name("utf8mb4_0900_ai_ci").unwrap().charset(),
            "utf8mb4"
        );
        assert!(Collation::by_name("nope_ci").is_none());
        for c in Collation::all() {
            assert_eq!(Collation::by_id(c.id()), Some(c));
            assert_eq!(
                c.is_default(),
                Collation::default_of(c.charset()) == Some(c)
            );
        }
    }
}
