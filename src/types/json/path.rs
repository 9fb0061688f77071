//! MySQL JSON path expressions: `$`, then legs `.key`, `."key"`, `.*`, `[n]`, `[last]`,
//! `[last-n]`, `[m to n]`, `[*]` and `**`; finding what a path selects, and changing a
//! document at a path (JSON_SET and the like, whose paths select one place).

use super::Json;

#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    FromStart(usize),
    /// `last - n`.
    FromEnd(usize),
}

impl Index {
    pub fn resolve(&self, len: usize) -> Option<usize> {
        match self {
            Index::FromStart(i) => Some(*i),
            Index::FromEnd(n) => len.checked_sub(1)?.checked_sub(*n),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Leg {
    Member(String),
    AnyMember,
    Cell(Index),
    Range(Index, Index),
    AnyCell,
    /// `**`: every path below.
    AnyDepth,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub legs: Vec<Leg>,
}

/// A bad path: the character position MySQL's 3143 names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathError(pub usize);

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let b = text.as_bytes();
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'$') {
            return Err(PathError(i));
        }
        i += 1;
        let mut legs = Vec::new();
        loop {
            i = skip_ws(b, i);
            match b.get(i) {
                None => break,
                Some(b'.') => {
                    i = skip_ws(b, i + 1);
                    match b.get(i) {
                        Some(b'*') => {
                            legs.push(Leg::AnyMember);
                            i += 1;
                        }
                        Some(b'"') => {
                            let end = closing_quote(b, i + 1).ok_or(PathError(i))?;
                            let quoted = &text[i..=end];
                            let key: String =
                                serde_json::from_str(quoted).map_err(|_| PathError(i))?;
                            legs.push(Leg::Member(key));
                            i = end + 1;
                        }
                        _ => {
                            let start = i;
                            while i < b.len()
                                && (b[i].is_ascii_alphanumeric()
                                    || b[i] == b'_'
                                    || b[i] == b'$'
                                    || b[i] >= 0x80)
                            {
                                i += 1;
                            }
                            if i == start || b[start].is_ascii_digit() {
                                return Err(PathError(start));
                            }
                            legs.push(Leg::Member(text[start..i].to_string()));
                        }
                    }
                }
                Some(b'[') => {
                    let end = b[i..]
                        .iter()
                        .position(|&c| c == b']')
                        .map(|p| i + p)
                        .ok_or(PathError(i))?;
                    let inner = text[i + 1..end].trim();
                    legs.push(cell_leg(inner).ok_or(PathError(i + 1))?);
                    i = end + 1;
                }
                Some(b'*') if b.get(i + 1) == Some(&b'*') => {
                    legs.push(Leg::AnyDepth);
                    i += 2;
                }
                Some(_) => return Err(PathError(i)),
            }
        }
        if legs.last() == Some(&Leg::AnyDepth) {
            return Err(PathError(text.len()));
        }
        Ok(Path { legs })
    }

    /// True if the path can select several values (wildcards, ranges, `**`).
    pub fn is_multi(&self) -> bool {
        self.legs.iter().any(|l| {
            matches!(
                l,
                Leg::AnyMember | Leg::AnyCell | Leg::Range(..) | Leg::AnyDepth
            )
        })
    }

    /// What the path selects in `doc`, in document order. An array leg on a value that is
    /// not an array treats it as a one-element array (`$[0]` of a scalar is the scalar).
    pub fn select<'j>(&self, doc: &'j Json) -> Vec<&'j Json> {
        let mut found = Vec::new();
        select(&self.legs, doc, &mut found);
        found
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn closing_quote(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn index(text: &str) -> Option<Index> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("last") {
        let rest = rest.trim();
        if rest.is_empty() {
            return Some(Index::FromEnd(0));
        }
        return rest
            .strip_prefix('-')
            .and_then(|n| n.trim().parse().ok())
            .map(Index::FromEnd);
    }
    text.parse().ok().map(Index::FromStart)
}

fn cell_leg(inner: &str) -> Option<Leg> {
    if inner == "*" {
        return Some(Leg::AnyCell);
    }
    if let Some((a, b)) = inner.split_once(" to ") {
        return Some(Leg::Range(index(a)?, index(b)?));
    }
    index(inner).map(Leg::Cell)
}

fn select<'j>(legs: &[Leg], v: &'j Json, out: &mut Vec<&'j Json>) {
    let Some((leg, rest)) = legs.split_first() else {
        if !out.iter().any(|f| std::ptr::eq(*f, v)) {
            out.push(v);
        }
        return;
    };
    match (leg, v) {
        (Leg::Member(k), Json::Object(map)) => {
            if let Some(child) = map.get(k) {
                select(rest, child, out);
            }
        }
        (Leg::AnyMember, Json::Object(map)) => {
            for (_, child) in super::sorted_members(map) {
                select(rest, child, out);
            }
        }
        (Leg::Cell(i), Json::Array(items)) => {
            if let Some(child) = i.resolve(items.len()).and_then(|i| items.get(i)) {
                select(rest, child, out);
            }
        }
        (Leg::Cell(i), other) if i.resolve(1) == Some(0) => select(rest, other, out),
        (Leg::Range(a, b), Json::Array(items)) => {
            if let (Some(a), Some(b)) = (a.resolve(items.len()), b.resolve(items.len())) {
                for child in items.iter().take(b.saturating_add(1)).skip(a) {
                    select(rest, child, out);
                }
            }
        }
        (Leg::AnyCell, Json::Array(items)) => {
            for child in items {
                select(rest, child, out);
            }
        }
        (Leg::AnyDepth, v) => {
            select(rest, v, out);
            match v {
                Json::Array(items) => items.iter().for_each(|c| select(legs, c, out)),
                Json::Object(map) => {
                    for (_, c) in super::sorted_members(map) {
                        select(legs, c, out);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// How JSON_SET, JSON_INSERT and JSON_REPLACE treat the place a path names: replace a
/// value that is there, add one that is not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Write {
    pub replace: bool,
    pub insert: bool,
}

/// Writes `value` at `path` (a single-place path) as `how` says. A missing member is added
/// to an object; an array index past the end appends; an index on a non-array wraps it in
/// an array first (`$[1]` of `1` inserts to `[1, value]`). Returns whether anything changed.
pub fn write(doc: &mut Json, path: &Path, value: Json, how: Write) -> bool {
    let Some((last, parents)) = path.legs.split_last() else {
        if how.replace {
            *doc = value;
            return true;
        }
        return false;
    };
    let Some(parent) = place(doc, parents) else {
        return false;
    };
    match (last, parent) {
        (Leg::Member(k), Json::Object(map)) => {
            let exists = map.contains_key(k);
            if (exists && how.replace) || (!exists && how.insert) {
                map.insert(k.clone(), value);
                return true;
            }
            false
        }
        (Leg::Cell(i), Json::Array(items)) => {
            match i.resolve(items.len()).filter(|&i| i < items.len()) {
                Some(i) if how.replace => {
                    items[i] = value;
                    true
                }
                Some(_) => false,
                None if how.insert => {
                    items.push(value);
                    true
                }
                None => false,
            }
        }
        (Leg::Cell(i), other) => {
            if i.resolve(1) == Some(0) {
                if how.replace {
                    *other = value;
                    return true;
                }
                return false;
            }
            if how.insert {
                let old = std::mem::take(other);
                *other = Json::Array(vec![old, value]);
                return true;
            }
            false
        }
        _ => false,
    }
}

/// The value a single-place path names, for changing it.
pub fn place<'j>(doc: &'j mut Json, legs: &[Leg]) -> Option<&'j mut Json> {
    let Some((leg, rest)) = legs.split_first() else {
        return Some(doc);
    };
    let next = match (leg, doc) {
        (Leg::Member(k), Json::Object(map)) => map.get_mut(k)?,
        (Leg::Cell(i), Json::Array(items)) => {
            let i = i.resolve(items.len())?;
            items.get_mut(i)?
        }
        (Leg::Cell(i), other) if i.resolve(1) == Some(0) => other,
        _ => return None,
    };
    place(next, rest)
}

/// Removes what a single-place path names; false if nothing was there.
pub fn remove(doc: &mut Json, path: &Path) -> bool {
    let Some((last, parents)) = path.legs.split_last() else {
        return false;
    };
    match (last, place(doc, parents)) {
        (Leg::Member(k), Some(Json::Object(map))) => map.remove(k).is_some(),
        (Leg::Cell(i), Some(Json::Array(items))) => {
            match i.resolve(items.len()).filter(|&i| i < items.len()) {
                Some(i) => {
                    items.remove(i);
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::json::{parse, to_text};

    fn sel(doc: &str, path: &str) -> Vec<String> {
        let doc = parse(doc.as_bytes()).unwrap();
        Path::parse(path)
            .unwrap()
            .select(&doc)
            .into_iter()
            .map(to_text)
            .collect()
    }

    #[test]
    fn paths_select_as_mysql() {
        let doc = r#"{"a": {"b": [10, 20, 30]}, "c d": 1}"#;
        assert_eq!(sel(doc, "$.a.b[1]"), ["20"]);
        assert_eq!(sel(doc, "$.a.b[last]"), ["30"]);
        assert_eq!(sel(doc, "$.a.b[last-1]"), ["20"]);
        assert_eq!(sel(doc, "$.a.b[0 to 1]"), ["10", "20"]);
        assert_eq!(sel(doc, r#"$."c d""#), ["1"]);
        assert_eq!(sel(doc, "$.a.b[*]"), ["10", "20", "30"]);
        assert_eq!(sel(doc, "$.*"), [r#"{"b": [10, 20, 30]}"#, "1"]);
        assert_eq!(sel(doc, "$**.b"), ["[10, 20, 30]"]);
        assert_eq!(sel("5", "$[0]"), ["5"]);
        assert!(sel(doc, "$.nope").is_empty());
        assert_eq!(Path::parse("a.b"), Err(PathError(0)));
        assert!(Path::parse("$.").is_err());
        assert!(Path::parse("$**").is_err());
    }

    #[test]
    fn writes_follow_set_insert_replace() {
        let set = Write {
            replace: true,
            insert: true,
        };
        let mut doc = parse(br#"{"a": 1, "b": [1]}"#).unwrap();
        assert!(write(
            &mut doc,
            &Path::parse("$.c").unwrap(),
            Json::from(3),
            set
        ));
        assert!(write(
            &mut doc,
            &Path::parse("$.b[5]").unwrap(),
            Json::from(2),
            set
        ));
        assert!(write(
            &mut doc,
            &Path::parse("$.a[1]").unwrap(),
            Json::from(9),
            set
        ));
        assert_eq!(to_text(&doc), r#"{"a": [1, 9], "b": [1, 2], "c": 3}"#);
        let insert = Write {
            replace: false,
            insert: true,
        };
        assert!(!write(
            &mut doc,
            &Path::parse("$.c").unwrap(),
            Json::from(4),
            insert
        ));
        assert!(remove(&mut doc, &Path::parse("$.b[0]").unwrap()));
        assert_eq!(to_text(&doc), r#"{"a": [1, 9], "b": [2], "c": 3}"#);
    }
}
