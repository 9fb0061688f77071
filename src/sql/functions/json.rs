//! The JSON functions of MySQL 8.0: JSON_EXTRACT (and `->`, `->>`), JSON_UNQUOTE /
//! JSON_QUOTE, JSON_OBJECT / JSON_ARRAY, JSON_SET / INSERT / REPLACE / REMOVE /
//! ARRAY_APPEND / ARRAY_INSERT, JSON_MERGE_PATCH / PRESERVE, JSON_CONTAINS\[_PATH\],
//! JSON_OVERLAPS, MEMBER OF, JSON_KEYS / LENGTH / DEPTH / TYPE / VALID / PRETTY.
//!
//! Arguments come in three kinds. A *document* argument is JSON text (a string, or a JSON
//! value, which travels as its text) and is parsed. A *path* is a string in MySQL's path
//! syntax. A *value* argument (what JSON_OBJECT or JSON_SET puts into a document) is a SQL
//! value made into JSON: the binder wraps each one that is not already JSON in
//! [`Func::ToJson`] ([`coerce`]), so 'x' becomes the JSON string "x" while a JSON_EXTRACT
//! result stays the value it is.

use super::{name, Func};
use crate::error::{Error, Result};
use crate::sql::expr::Expr;
use crate::types::json::path::{Leg, Path, Write};
use crate::types::json::{self, Json};
use crate::types::{DataType, Value};

/// Wraps the value arguments of `f` that are not JSON already in [`Func::ToJson`].
pub fn coerce(f: Func, args: Vec<Expr>) -> Vec<Expr> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| match takes_value(f, i) {
            true => as_json(a),
            false => a,
        })
        .collect()
}

/// An expression as a JSON value: itself if it is JSON, else made into JSON.
pub fn as_json(e: Expr) -> Expr {
    match e.data_type() {
        Some(DataType::Json) => e,
        _ => Expr::Call(Func::ToJson, vec![e]),
    }
}

/// JSON_OBJECT takes key-value pairs; JSON_SET and its kin a document, then path-value
/// pairs (1582 otherwise, with the other argument count errors).
pub fn count_ok(f: Func, n: usize) -> bool {
    use Func::*;
    match f {
        JsonObject => n.is_multiple_of(2),
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend | JsonArrayInsert => n % 2 == 1,
        _ => true,
    }
}

/// The JSON `true` or `false`.
pub fn boolean(b: bool) -> Expr {
    Expr::Cast(
        Box::new(Expr::Literal(Value::str(if b { "true" } else { "false" }))),
        DataType::Json,
    )
}

/// True for the arguments of `f` that are values to put into a document.
pub fn takes_value(f: Func, i: usize) -> bool {
    use Func::*;
    match f {
        JsonArray => true,
        JsonObject => i % 2 == 1,
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend | JsonArrayInsert => {
            i >= 2 && i.is_multiple_of(2)
        }
        MemberOf => i == 0,
        _ => false,
    }
}

fn out(v: &Json) -> Value {
    Value::Bytes(json::to_text(v).into_bytes())
}

/// 3141 / 3146: a document argument that is not JSON.
fn doc(args: &[Value], i: usize, f: Func) -> Result<Option<Json>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bytes(text)) => json::parse(text).map(Some).map_err(|e| {
            Error::new(
                3141,
                "22032",
                format!(
                    "Invalid JSON text in argument {} to function {}: \"{}\" at position {}.",
                    i + 1,
                    name(f),
                    e.message,
                    e.position
                ),
            )
        }),
        Some(_) => Err(Error::new(
            3146,
            "22032",
            format!(
                "Invalid data type for JSON data in argument {} to function {}; a JSON string or JSON type is required.",
                i + 1,
                name(f)
            ),
        )),
    }
}

/// A value argument (already JSON text, see [`coerce`]); SQL NULL is JSON null.
fn value(args: &[Value], i: usize, f: Func) -> Result<Json> {
    Ok(doc(args, i, f)?.unwrap_or(Json::Null))
}

/// A path argument; 3143 where it does not parse.
fn path(args: &[Value], i: usize) -> Result<Option<Path>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => parse_path(&v.to_string_lossy()).map(Some),
    }
}

/// 3143 for a path that does not parse, naming where.
pub fn parse_path(text: &str) -> Result<Path> {
    Path::parse(text).map_err(|e| {
        Error::new(
            3143,
            "42000",
            format!(
                "Invalid JSON path expression. The error is around character position {}.",
                e.0
            ),
        )
    })
}

/// 3149: paths that change a document must name one place.
fn single_place(p: &Path) -> Result<()> {
    if p.is_multi() {
        return Err(Error::new(
            3149,
            "42000",
            "In this situation, path expressions may not contain the * and ** tokens or an array range.",
        ));
    }
    Ok(())
}

/// The second argument of JSON_CONTAINS_PATH and JSON_SEARCH: 'one' or 'all' (true), any
/// case; 3154 otherwise.
fn one_or_all(args: &[Value], function: &str) -> Result<bool> {
    match args
        .get(1)
        .map(|v| v.to_string_lossy().to_ascii_lowercase())
    {
        Some(m) if m == "all" => Ok(true),
        Some(m) if m == "one" => Ok(false),
        _ => Err(Error::new(
            3154,
            "42000",
            format!("The oneOrAll argument to {function} may take these values: 'one' or 'all'."),
        )),
    }
}

/// JSON_SEARCH(doc, one_or_all, pattern[, escape[, path ...]]): the locations of the
/// strings LIKE `pattern` (under the paths, when given): the first, or all of them (one
/// location as a string, several as an array); NULL when none matches.
fn search_strings(args: &[Value]) -> Result<Value> {
    let Some(d) = doc(args, 0, Func::JsonSearch)? else {
        return Ok(Value::Null);
    };
    let all = one_or_all(args, "json_search")?;
    let pattern = args.get(2).map(Value::to_string_lossy).unwrap_or_default();
    let escape = match args
        .get(3)
        .filter(|v| !v.is_null())
        .map(Value::to_string_lossy)
    {
        None => b'\\',
        Some(e) if e.is_empty() => b'\\',
        Some(e) if e.len() == 1 => e.as_bytes()[0],
        Some(_) => return Err(Error::new(1210, "HY000", "Incorrect arguments to ESCAPE")),
    };
    let mut paths = Vec::new();
    for i in 4..args.len() {
        paths.extend(path(args, i)?);
    }
    let mut found: Vec<String> = Vec::new();
    json::search::strings(&d, &mut |at, s| {
        let wanted = paths.is_empty() || paths.iter().any(|p| json::search::covers(p, at));
        if (all || found.is_empty())
            && wanted
            && crate::sql::expr::like_match(s.as_bytes(), pattern.as_bytes(), escape)
        {
            found.push(json::search::location_text(at));
        }
    });
    Ok(match found.len() {
        0 => Value::Null,
        1 => out(&Json::String(found.remove(0))),
        _ => out(&Json::Array(found.into_iter().map(Json::String).collect())),
    })
}

fn int(b: bool) -> Value {
    Value::Int(i64::from(b))
}

/// A SQL value as JSON: numbers as numbers, strings as strings, dates and times as MySQL
/// writes them in JSON; binary strings that are not UTF-8 as MySQL's base64 form.
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Decimal(d) => d
            .to_string()
            .parse::<serde_json::Number>()
            .map_or(Json::Null, Json::Number),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => Json::String(s.to_string()),
            Err(_) => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD.encode(b);
                Json::String(format!("base64:type15:{encoded}"))
            }
        },
        Value::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(dt) => Json::String(dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
    }
}

/// CAST(x AS JSON): a string is parsed as JSON text; other values become JSON scalars.
/// A JSON scalar as the SQL value it holds (a string's text, a number, true as 1); arrays
/// and objects as their JSON text.
pub fn sql_value(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Int(i64::from(*b)),
        Json::String(s) => Value::str(s),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            (None, Some(u), _) => Value::UInt(u),
            (_, _, Some(f)) => Value::Float(f),
            _ => Value::str(&n.to_string()),
        },
        other => Value::Bytes(json::to_text(other).into_bytes()),
    }
}

pub fn cast(v: Value) -> Result<Value> {
    match &v {
        Value::Null => Ok(Value::Null),
        Value::Bytes(_) => {
            let parsed = doc(std::slice::from_ref(&v), 0, Func::ToJson)?;
            Ok(parsed.map_or(Value::Null, |j| out(&j)))
        }
        other => Ok(out(&to_json(other))),
    }
}

pub fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    // A NULL document or path makes the result NULL (value arguments are JSON null).
    let null_in = |from: usize| {
        args.iter()
            .enumerate()
            .skip(from)
            .any(|(i, v)| v.is_null() && !takes_value(f, i))
    };
    Ok(match f {
        ToJson => out(&to_json(args.first().unwrap_or(&Value::Null))),
        JsonValid => match args.first() {
            None | Some(Value::Null) => Value::Null,
            Some(Value::Bytes(text)) => int(json::parse(text).is_ok()),
            Some(_) => int(false),
        },
        JsonQuote => match args.first() {
            None | Some(Value::Null) => Value::Null,
            Some(v) => Value::Bytes(json::to_text(&Json::String(v.to_string_lossy())).into_bytes()),
        },
        JsonUnquote => match args.first() {
            None | Some(Value::Null) => Value::Null,
            Some(v) => {
                let text = v.to_string_lossy();
                match serde_json::from_str::<Json>(&text) {
                    Ok(Json::String(s)) if text.starts_with('"') => Value::str(&s),
                    _ => v.clone(),
                }
            }
        },
        JsonObject => {
            let mut map = serde_json::Map::new();
            for pair in args.chunks(2) {
                let key = match pair.first() {
                    None | Some(Value::Null) => {
                        return Err(Error::new(
                            3158,
                            "22032",
                            "JSON documents may not contain NULL member names.",
                        ))
                    }
                    Some(k) => k.to_string_lossy(),
                };
                map.insert(key, value(pair, 1, f)?);
            }
            out(&Json::Object(map))
        }
        JsonArray => {
            let items = (0..args.len())
                .map(|i| value(args, i, f))
                .collect::<Result<Vec<_>>>()?;
            out(&Json::Array(items))
        }
        // A NULL escape is the default one; any other NULL argument makes the result NULL.
        JsonSearch if args.iter().enumerate().any(|(i, v)| i != 3 && v.is_null()) => Value::Null,
        JsonSearch => search_strings(args)?,
        _ if null_in(0) => Value::Null,
        JsonType => match doc(args, 0, f)? {
            Some(d) => Value::str(json::type_name(&d)),
            None => Value::Null,
        },
        JsonPretty => match doc(args, 0, f)? {
            Some(d) => Value::str(&json::pretty(&d)),
            None => Value::Null,
        },
        JsonDepth => match doc(args, 0, f)? {
            Some(d) => Value::Int(json::depth(&d) as i64),
            None => Value::Null,
        },
        JsonExtract => extract(args, f)?,
        // JSON_VALUE without RETURNING: the scalar at the path as text (a string unquoted),
        // NULL when the path finds nothing, a JSON null or an array or object (MySQL's
        // default NULL ON EMPTY and NULL ON ERROR).
        JsonValue => {
            let (Some(d), Some(p)) = (doc(args, 0, f)?, path(args, 1)?) else {
                return Ok(Value::Null);
            };
            single_place(&p)?;
            match p.select(&d).first() {
                Some(Json::String(s)) => Value::str(s),
                Some(v @ (Json::Number(_) | Json::Bool(_))) => out(v),
                _ => Value::Null,
            }
        }
        // The size of the document's normal-form text: moltdb stores JSON as that text, not
        // in MySQL's binary format, so sizes differ from MySQL's for the same document.
        JsonStorageSize => match doc(args, 0, f)? {
            Some(d) => Value::Int(json::to_text(&d).len() as i64),
            None => Value::Null,
        },
        JsonKeys | JsonLength => {
            let Some(d) = doc(args, 0, f)? else {
                return Ok(Value::Null);
            };
            let target = match path(args, 1)? {
                Some(p) => {
                    single_place(&p)?;
                    match p.select(&d).first() {
                        Some(v) => (*v).clone(),
                        None => return Ok(Value::Null),
                    }
                }
                None => d,
            };
            match (f, &target) {
                (JsonLength, t) => Value::Int(json::length(t) as i64),
                (_, Json::Object(map)) => out(&Json::Array(
                    json::sorted_members(map)
                        .into_iter()
                        .map(|(k, _)| Json::String(k.clone()))
                        .collect(),
                )),
                _ => Value::Null,
            }
        }
        JsonContains => {
            let (Some(target), Some(candidate)) = (doc(args, 0, f)?, doc(args, 1, f)?) else {
                return Ok(Value::Null);
            };
            let target = match path(args, 2)? {
                Some(p) => match p.select(&target).first() {
                    Some(v) => (*v).clone(),
                    None => return Ok(Value::Null),
                },
                None => target,
            };
            int(json::contains(&target, &candidate))
        }
        JsonContainsPath => {
            let Some(d) = doc(args, 0, f)? else {
                return Ok(Value::Null);
            };
            let all = one_or_all(args, "json_contains_path")?;
            let mut found = Vec::new();
            for i in 2..args.len() {
                let p = path(args, i)?.ok_or_else(|| Error::syntax("NULL"))?;
                found.push(!p.select(&d).is_empty());
            }
            int(if all {
                found.iter().all(|&b| b)
            } else {
                found.iter().any(|&b| b)
            })
        }
        JsonOverlaps => match (doc(args, 0, f)?, doc(args, 1, f)?) {
            (Some(a), Some(b)) => int(json::overlaps(&a, &b)),
            _ => Value::Null,
        },
        MemberOf => {
            let v = value(args, 0, f)?;
            match doc(args, 1, f)? {
                Some(Json::Array(items)) => int(items.iter().any(|i| json::equal(i, &v))),
                Some(other) => int(json::equal(&other, &v)),
                None => Value::Null,
            }
        }
        JsonMergePatch | JsonMergePreserve => {
            let mut docs = (0..args.len()).map(|i| doc(args, i, f));
            let Some(first) = docs.next().transpose()?.flatten() else {
                return Ok(Value::Null);
            };
            let mut merged = first;
            for d in docs {
                let Some(d) = d? else {
                    return Ok(Value::Null);
                };
                merged = match f {
                    JsonMergePatch => json::merge_patch(merged, d),
                    _ => json::merge_preserve(merged, d),
                };
            }
            out(&merged)
        }
        JsonSet | JsonInsert | JsonReplace | JsonArrayAppend | JsonArrayInsert | JsonRemove => {
            modify(args, f)?
        }
        _ => Value::Null,
    })
}

/// JSON_EXTRACT: one path naming one place gives that value; wildcards or several paths
/// give an array of everything found; nothing found is NULL.
fn extract(args: &[Value], f: Func) -> Result<Value> {
    let Some(d) = doc(args, 0, f)? else {
        return Ok(Value::Null);
    };
    let mut found = Vec::new();
    let mut wrap = args.len() > 2;
    for i in 1..args.len() {
        let Some(p) = path(args, i)? else {
            return Ok(Value::Null);
        };
        wrap |= p.is_multi();
        found.extend(p.select(&d).into_iter().cloned());
    }
    Ok(match (wrap, found.len()) {
        (_, 0) => Value::Null,
        (false, _) => out(&found[0]),
        (true, _) => out(&Json::Array(found)),
    })
}

/// The functions that change a document at paths, one path (and value) after another.
fn modify(args: &[Value], f: Func) -> Result<Value> {
    use Func::*;
    let Some(mut d) = doc(args, 0, f)? else {
        return Ok(Value::Null);
    };
    let step = if f == JsonRemove { 1 } else { 2 };
    let mut i = 1;
    while i < args.len() {
        let Some(p) = path(args, i)? else {
            return Ok(Value::Null);
        };
        single_place(&p)?;
        match f {
            JsonRemove => {
                if p.legs.is_empty() {
                    return Err(Error::new(
                        3153,
                        "42000",
                        "The path expression '$' is not allowed in this context.",
                    ));
                }
                json::path::remove(&mut d, &p);
            }
            JsonArrayAppend => {
                let v = value(args, i + 1, f)?;
                if let Some(target) = json::path::place(&mut d, &p.legs) {
                    match target {
                        Json::Array(items) => items.push(v),
                        other => {
                            let old = std::mem::take(other);
                            *other = Json::Array(vec![old, v]);
                        }
                    }
                }
            }
            JsonArrayInsert => {
                let v = value(args, i + 1, f)?;
                let Some((Leg::Cell(index), parents)) = p.legs.split_last() else {
                    return Err(Error::new(
                        3165,
                        "42000",
                        "A path expression is not a path to a cell in an array.",
                    ));
                };
                if let Some(Json::Array(items)) = json::path::place(&mut d, parents) {
                    let at = match index {
                        json::path::Index::FromStart(n) => (*n).min(items.len()),
                        json::path::Index::FromEnd(n) => items.len().saturating_sub(1 + n),
                    };
                    items.insert(at, v);
                }
            }
            _ => {
                let how = Write {
                    replace: f != JsonInsert,
                    insert: f != JsonReplace,
                };
                json::path::write(&mut d, &p, value(args, i + 1, f)?, how);
            }
        }
        i += step;
    }
    Ok(out(&d))
}
