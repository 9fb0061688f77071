//! Where strings sit in a document, for JSON_SEARCH: each string scalar's location as MySQL
//! prints it (`$.a[1]`, `$."two words"`), in document order, and whether a location lies
//! at or below what a path selects.

use super::path::{Leg, Path};
use super::Json;

/// One step of a location: a member by key, or a cell of an array of `len` cells.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Member(String),
    Cell { index: usize, len: usize },
}

/// Calls `visit` with every string scalar of `doc` and its location, in document order
/// (object members in MySQL's key order).
pub fn strings(doc: &Json, visit: &mut dyn FnMut(&[Step], &str)) {
    fn walk(v: &Json, at: &mut Vec<Step>, visit: &mut dyn FnMut(&[Step], &str)) {
        match v {
            Json::String(s) => visit(at, s),
            Json::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    at.push(Step::Cell {
                        index,
                        len: items.len(),
                    });
                    walk(item, at, visit);
                    at.pop();
                }
            }
            Json::Object(map) => {
                for (key, item) in super::sorted_members(map) {
                    at.push(Step::Member(key.clone()));
                    walk(item, at, visit);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    walk(doc, &mut Vec::new(), visit)
}

/// Whether `at` is a location `path` selects, or lies below one.
pub fn covers(path: &Path, at: &[Step]) -> bool {
    fn go(legs: &[Leg], at: &[Step]) -> bool {
        let Some((leg, rest)) = legs.split_first() else {
            return true;
        };
        if *leg == Leg::AnyDepth {
            return (0..=at.len()).any(|skip| go(rest, &at[skip..]));
        }
        let Some((step, below)) = at.split_first() else {
            return false;
        };
        let matched = match (leg, step) {
            (Leg::Member(k), Step::Member(m)) => k == m,
            (Leg::AnyMember, Step::Member(_)) | (Leg::AnyCell, Step::Cell { .. }) => true,
            (Leg::Cell(i), Step::Cell { index, len }) => i.resolve(*len) == Some(*index),
            (Leg::Range(a, b), Step::Cell { index, len }) => {
                matches!((a.resolve(*len), b.resolve(*len)), (Some(a), Some(b)) if (a..=b).contains(index))
            }
            _ => false,
        };
        matched && go(rest, below)
    }
    go(&path.legs, at)
}

/// A location as MySQL prints it: keys that are identifiers bare, others quoted.
pub fn location_text(at: &[Step]) -> String {
    let mut out = String::from("$");
    for step in at {
        match step {
            Step::Member(k) if is_identifier(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Member(k) => {
                out.push('.');
                out.push_str(&Json::String(k.clone()).to_string());
            }
            Step::Cell { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(doc: &str, path: &str) -> Vec<String> {
        let doc: Json = serde_json::from_str(doc).unwrap();
        let path = Path::parse(path).unwrap();
        let mut out = Vec::new();
        strings(&doc, &mut |at, s| {
            if covers(&path, at) {
                out.push(format!("{}={s}", location_text(at)));
            }
        });
        out
    }

    #[test]
    fn locations_in_document_order() {
        let doc = r#"{"b": ["x", {"c": "y"}], "a": "z", "two words": "w"}"#;
        assert_eq!(
            found(doc, "$"),
            ["$.a=z", "$.b[0]=x", "$.b[1].c=y", "$.\"two words\"=w"]
        );
        assert_eq!(found(doc, "$.b"), ["$.b[0]=x", "$.b[1].c=y"]);
        assert_eq!(found(doc, "$**.c"), ["$.b[1].c=y"]);
        assert_eq!(found(doc, "$.b[last]"), ["$.b[1].c=y"]);
        assert_eq!(found(doc, "$.*[0]"), ["$.b[0]=x"]);
        assert!(found(doc, "$.q").is_empty());
    }
}
