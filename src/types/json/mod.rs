//! JSON values as MySQL 8.0 keeps them: parsed from text (duplicate keys: the last wins),
//! and written back in MySQL's normal form, which is what a JSON column stores and what
//! clients see: object members sorted by key length, then key bytes (the order of MySQL's
//! binary JSON), `", "` between elements and `": "` after keys.
//!
//! JSON values travel through the executor as the text of that normal form (a JSON column's
//! values, the results of JSON functions); functions parse them back with [`parse`].

pub mod path;
pub mod search;

use std::cmp::Ordering;

pub use serde_json::Value as Json;

/// Why a text is not JSON, and where: MySQL's message and byte position.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub message: &'static str,
    pub position: usize,
}

/// Parses JSON text.
pub fn parse(text: &[u8]) -> Result<Json, JsonError> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(JsonError {
            message: "The document is empty.",
            position: 0,
        });
    }
    serde_json::from_slice(text).map_err(|e| JsonError {
        message: match e.classify() {
            serde_json::error::Category::Eof => "Missing a closing quotation mark in string.",
            _ if e.to_string().contains("trailing characters") => {
                "The document root must not be followed by other values."
            }
            _ => "Invalid value.",
        },
        position: byte_position(text, e.line(), e.column()),
    })
}

/// The byte offset of a 1-based line and column, as serde reports them.
fn byte_position(text: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += l.len() + 1;
    }
    text.len()
}

/// The normal form's text of a value.
pub fn to_text(v: &Json) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Json, out: &mut String) {
    match v {
        Json::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_members(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(k, out);
                out.push_str(": ");
                write(v, out);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(v, out);
            }
            out.push(']');
        }
        Json::String(s) => write_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push_str(&Json::String(s.to_string()).to_string());
}

/// An object's members in MySQL's order: shorter keys first, then by bytes.
pub fn sorted_members(map: &serde_json::Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut members: Vec<(&String, &Json)> = map.iter().collect();
    members.sort_by(|(a, _), (b, _)| key_order(a, b));
    members
}

fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// JSON_PRETTY's layout: two spaces per level, one element per line.
pub fn pretty(v: &Json) -> String {
    let mut out = String::new();
    write_pretty(v, 0, &mut out);
    out
}

fn write_pretty(v: &Json, depth: usize, out: &mut String) {
    let indent = |out: &mut String, d: usize| out.push_str(&"  ".repeat(d));
    match v {
        Json::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in sorted_members(map).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, depth + 1);
                write_string(k, out);
                out.push_str(": ");
                write_pretty(v, depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Json::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, depth + 1);
                write_pretty(v, depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        other => write(other, out),
    }
}

/// JSON_TYPE's names.
pub fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "NULL",
        Json::Bool(_) => "BOOLEAN",
        Json::Number(n) if n.is_i64() => "INTEGER",
        Json::Number(n) if n.is_u64() => "UNSIGNED INTEGER",
        Json::Number(_) => "DOUBLE",
        Json::String(_) => "STRING",
        Json::Array(_) => "ARRAY",
        Json::Object(_) => "OBJECT",
    }
}

/// JSON_DEPTH: 1 for a scalar or an empty container, else one more than its deepest child.
pub fn depth(v: &Json) -> u64 {
    let children: Box<dyn Iterator<Item = &Json>> = match v {
        Json::Array(items) => Box::new(items.iter()),
        Json::Object(map) => Box::new(map.values()),
        _ => return 1,
    };
    1 + children.map(depth).max().unwrap_or(0)
}

/// JSON_LENGTH: a container's element count, 1 for a scalar.
pub fn length(v: &Json) -> u64 {
    match v {
        Json::Array(items) => items.len() as u64,
        Json::Object(map) => map.len() as u64,
        _ => 1,
    }
}

/// Equality as JSON compares: numbers by value (1 = 1.0), containers element by element.
pub fn equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// JSON_CONTAINS: an array contains what one of its elements contains (or, for an array
/// candidate, every element of it); an object contains an object whose every member it
/// has with a containing value; a scalar contains only what equals it.
pub fn contains(target: &Json, candidate: &Json) -> bool {
    match (target, candidate) {
        (Json::Array(t), Json::Array(c)) => c.iter().all(|c| t.iter().any(|t| contains(t, c))),
        (Json::Array(t), c) => t.iter().any(|t| contains(t, c)),
        (Json::Object(t), Json::Object(c)) => c
            .iter()
            .all(|(k, cv)| t.get(k).is_some_and(|tv| contains(tv, cv))),
        (Json::Object(_), _) | (_, Json::Array(_) | Json::Object(_)) => false,
        (t, c) => equal(t, c),
    }
}

/// JSON_OVERLAPS: two arrays share an element, two objects a member, or the values are
/// equal (a scalar against an array: one of its elements).
pub fn overlaps(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Array(x), Json::Array(y)) => x.iter().any(|v| y.iter().any(|w| equal(v, w))),
        (Json::Array(x), v) | (v, Json::Array(x)) => x.iter().any(|w| equal(v, w)),
        (Json::Object(x), Json::Object(y)) => {
            x.iter().any(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => equal(a, b),
    }
}

/// JSON_MERGE_PRESERVE: arrays concatenate, objects merge (a key in both keeps both values
/// in an array), anything else is wrapped in an array first.
pub fn merge_preserve(a: Json, b: Json) -> Json {
    match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            for (k, v) in y {
                let merged = match x.remove(&k) {
                    Some(old) => merge_preserve(old, v),
                    None => v,
                };
                x.insert(k, merged);
            }
            Json::Object(x)
        }
        (a, b) => {
            let mut items = into_array(a);
            items.extend(into_array(b));
            Json::Array(items)
        }
    }
}

fn into_array(v: Json) -> Vec<Json> {
    match v {
        Json::Array(items) => items,
        other => vec![other],
    }
}

/// JSON_MERGE_PATCH (RFC 7396): an object patch sets its members, null removing them;
/// any other patch replaces the value.
pub fn merge_patch(target: Json, patch: Json) -> Json {
    let Json::Object(patch) = patch else {
        return patch;
    };
    let mut target = match target {
        Json::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            target.remove(&k);
        } else {
            let old = target.remove(&k).unwrap_or(Json::Null);
            target.insert(k, merge_patch(old, v));
        }
    }
    Json::Object(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        to_text(&parse(text.as_bytes()).unwrap())
    }

    #[test]
    fn normal_form_sorts_keys_by_length_then_bytes() {
        assert_eq!(
            norm(r#"{"bb":1,"a":[1,2.5,"x"],"c":{"z":null,"y":true}}"#),
            r#"{"a": [1, 2.5, "x"], "c": {"y": true, "z": null}, "bb": 1}"#
        );
        assert_eq!(norm(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
        assert_eq!(norm(" [] "), "[]");
    }

    #[test]
    fn errors_carry_mysql_messages_and_positions() {
        assert_eq!(parse(b"").unwrap_err().message, "The document is empty.");
        let e = parse(b"[1, x]").unwrap_err();
        assert_eq!((e.message, e.position), ("Invalid value.", 4));
        assert_eq!(
            parse(b"1 2").unwrap_err().message,
            "The document root must not be followed by other values."
        );
    }

    #[test]
    fn containment_follows_mysql_rules() {
        let j = |t: &str| parse(t.as_bytes()).unwrap();
        assert!(contains(&j(r#"{"a":1,"b":[1,2]}"#), &j(r#"{"b":[2]}"#)));
        assert!(contains(&j("[1,[2,3]]"), &j("3")));
        assert!(!contains(&j("1"), &j("[1]")));
        assert!(contains(&j("1.0"), &j("1")));
        assert!(overlaps(&j("[1,2]"), &j("[3,2]")));
        assert_eq!(depth(&j(r#"{"a":[1,{"b":2}]}"#)), 4);
    }

    #[test]
    fn pretty_prints_two_spaces_per_level() {
        let doc = parse(br#"{"b":{},"a":[1,{"c":null}]}"#).unwrap();
        assert_eq!(
            pretty(&doc),
            "{\n  \"a\": [\n    1,\n    {\n      \"c\": null\n    }\n  ],\n  \"b\": {}\n}"
        );
    }

    #[test]
    fn merges() {
        let j = |t: &str| parse(t.as_bytes()).unwrap();
        assert_eq!(
            to_text(&merge_preserve(j(r#"{"a":1}"#), j(r#"{"a":2,"b":3}"#))),
            r#"{"a": [1, 2], "b": 3}"#
        );
        assert_eq!(to_text(&merge_preserve(j("1"), j("[2]"))), "[1, 2]");
        assert_eq!(
            to_text(&merge_patch(
                j(r#"{"a":1,"b":2}"#),
                j(r#"{"a":null,"c":3}"#)
            )),
            r#"{"b": 2, "c": 3}"#
        );
    }
}
