//! String functions. Positions and lengths count characters (utf8mb4), except LENGTH,
//! which counts bytes, as in MySQL.

use super::{too_large, Func, MAX_RESULT_BYTES};
use crate::error::Result;
use crate::types::Value;

fn text(v: &Value) -> String {
    v.to_string_lossy()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        other => other.to_f64().round() as i64,
    }
}

fn s(x: String) -> Value {
    Value::Bytes(x.into_bytes())
}

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    // CONCAT_WS skips NULL arguments after the separator; the rest are NULL on any NULL.
    if f == ConcatWs {
        if args[0].is_null() {
            return Ok(Value::Null);
        }
        let sep = text(&args[0]);
        let parts: Vec<String> = args[1..]
            .iter()
            .filter(|v| !v.is_null())
            .map(text)
            .collect();
        let bytes = parts.iter().map(String::len).sum::<usize>()
            + sep.len() * parts.len().saturating_sub(1);
        if bytes > MAX_RESULT_BYTES {
            return Ok(too_large("concat_ws"));
        }
        return Ok(s(parts.join(&sep)));
    }
    match f {
        Field => return Ok(field(args)),
        Elt => {
            let n = if args[0].is_null() { 0 } else { int(&args[0]) };
            return Ok(usize::try_from(n)
                .ok()
                .filter(|&n| n >= 1)
                .and_then(|n| args.get(n))
                .cloned()
                .unwrap_or(Value::Null));
        }
        Quote => return Ok(quote(&args[0])),
        MakeSet => return Ok(make_set(args)),
        Char => return Ok(Value::Bytes(char_bytes(args))),
        _ => {}
    }
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let chars = |i: usize| -> Vec<char> { text(&args[i]).chars().collect() };
    Ok(match f {
        Concat => {
            let mut out = Vec::new();
            for a in args {
                out.extend(a.to_text().unwrap_or_default());
                if out.len() > MAX_RESULT_BYTES {
                    return Ok(too_large("concat"));
                }
            }
            Value::Bytes(out)
        }
        ExportSet => export_set(args),
        Soundex => s(soundex(&text(&args[0]))),
        Length => Value::Int(args[0].to_text().unwrap_or_default().len() as i64),
        CharLength => Value::Int(chars(0).len() as i64),
        Lower => s(text(&args[0]).to_lowercase()),
        Upper => s(text(&args[0]).to_uppercase()),
        Substring => {
            let c = chars(0);
            let n = c.len() as i64;
            let pos = int(&args[1]);
            // Position 0 is empty; negative positions count from the end.
            let start = match pos {
                0 => return Ok(Value::str("")),
                p if p > 0 => p - 1,
                p => n + p,
            };
            if start < 0 || start >= n {
                return Ok(Value::str(""));
            }
            let len = args.get(2).map_or(n, int).max(0);
            let end = start.saturating_add(len).min(n);
            s(c[start as usize..end as usize].iter().collect())
        }
        Left => {
            let c = chars(0);
            let k = int(&args[1]).clamp(0, c.len() as i64) as usize;
            s(c[..k].iter().collect())
        }
        Right => {
            let c = chars(0);
            let k = int(&args[1]).clamp(0, c.len() as i64) as usize;
            s(c[c.len() - k..].iter().collect())
        }
        Trim | LTrim | RTrim | TrimLeading | TrimTrailing => {
            let v = text(&args[0]);
            let pat = match (f, args.get(1)) {
                (Trim | TrimLeading | TrimTrailing, Some(p)) => text(p),
                _ => " ".to_string(),
            };
            let (lead, trail) = match f {
                LTrim | TrimLeading => (true, false),
                RTrim | TrimTrailing => (false, true),
                _ => (true, true),
            };
            s(trim(&v, &pat, lead, trail))
        }
        Replace => {
            let from = text(&args[1]);
            if from.is_empty() {
                args[0].clone()
            } else {
                let (body, to) = (text(&args[0]), text(&args[2]));
                let grows = to.len().saturating_sub(from.len());
                let bytes = body
                    .matches(&from)
                    .count()
                    .saturating_mul(grows)
                    .saturating_add(body.len());
                if bytes > MAX_RESULT_BYTES {
                    return Ok(too_large("replace"));
                }
                s(body.replace(&from, &to))
            }
        }
        LPad | RPad => {
            let c = chars(0);
            let len = int(&args[1]);
            let pad: Vec<char> = chars(2);
            if len < 0 {
                return Ok(Value::Null);
            }
            let len = len as usize;
            if len <= c.len() {
                return Ok(s(c[..len].iter().collect()));
            }
            if pad.is_empty() {
                return Ok(Value::Null);
            }
            // The result's bytes: the string's, then whole rounds of the pad and a part.
            let fill_chars = len - c.len();
            let pad_bytes = text(&args[2]).len();
            let body_bytes = text(&args[0]).len();
            let bytes = (fill_chars / pad.len())
                .saturating_add(1)
                .saturating_mul(pad_bytes)
                .saturating_add(body_bytes);
            if bytes > MAX_RESULT_BYTES {
                return Ok(too_large(if f == LPad { "lpad" } else { "rpad" }));
            }
            let fill: String = pad.iter().cycle().take(len - c.len()).collect();
            let body: String = c.iter().collect();
            s(if f == LPad {
                fill + &body
            } else {
                body + &fill
            })
        }
        Locate | Instr => {
            let (needle, hay) = if f == Locate { (0, 1) } else { (1, 0) };
            let (needle, hay) = (chars(needle), chars(hay));
            let from = if f == Locate && args.len() == 3 {
                int(&args[2]) - 1
            } else {
                0
            };
            Value::Int(find(&hay, &needle, from).map_or(0, |p| p as i64 + 1))
        }
        Repeat => {
            let body = text(&args[0]);
            let count = usize::try_from(int(&args[1]).max(0)).unwrap_or(usize::MAX);
            if body.len().saturating_mul(count) > MAX_RESULT_BYTES {
                return Ok(too_large("repeat"));
            }
            s(body.repeat(count))
        }
        Reverse => s(text(&args[0]).chars().rev().collect()),
        Space => {
            let count = usize::try_from(int(&args[0]).max(0)).unwrap_or(usize::MAX);
            if count > MAX_RESULT_BYTES {
                return Ok(too_large("space"));
            }
            s(" ".repeat(count))
        }
        Ascii => Value::Int(
            args[0]
                .to_text()
                .unwrap_or_default()
                .first()
                .map_or(0, |b| i64::from(*b)),
        ),
        // HEX of a number is the hex of its 64-bit two's complement; of a string, its bytes.
        Hex => match &args[0] {
            Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Decimal(_) => {
                let n = match &args[0] {
                    Value::UInt(u) => *u,
                    other => int(other) as u64,
                };
                s(format!("{n:X}"))
            }
            other => {
                let bytes = other.to_text().unwrap_or_default();
                if bytes.len().saturating_mul(2) > MAX_RESULT_BYTES {
                    return Ok(too_large("hex"));
                }
                s(bytes.iter().map(|b| format!("{b:02X}")).collect())
            }
        },
        Unhex => {
            let digits = args[0].to_text().unwrap_or_default();
            let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
            // An odd count reads as if a 0 led the digits.
            let padded: Vec<u8> = if digits.len() % 2 == 1 {
                std::iter::once(b'0').chain(digits).collect()
            } else {
                digits
            };
            let bytes: Option<Vec<u8>> = padded
                .chunks(2)
                .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
                .collect();
            bytes.map_or(Value::Null, Value::Bytes)
        }
        Strcmp => Value::Int(match args[0].to_text().cmp(&args[1].to_text()) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        FindInSet => {
            let needle = text(&args[0]);
            let list = text(&args[1]);
            // A needle with a comma never matches; an empty list has no members.
            if needle.contains(',') || list.is_empty() {
                return Ok(Value::Int(0));
            }
            Value::Int(
                list.split(',')
                    .position(|m| m == needle)
                    .map_or(0, |p| p as i64 + 1),
            )
        }
        SubstringIndex => s(substring_index(
            &text(&args[0]),
            &text(&args[1]),
            int(&args[2]),
        )),
        Insert => {
            let c = chars(0);
            let n = c.len() as i64;
            let (pos, len) = (int(&args[1]), int(&args[2]));
            // Outside the string: unchanged. A negative or too long length: to the end.
            if pos < 1 || pos > n {
                return Ok(args[0].clone());
            }
            let start = (pos - 1) as usize;
            let end = if len < 0 {
                c.len()
            } else {
                start
                    .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
                    .min(c.len())
            };
            let new = text(&args[3]);
            let mut out: String = c[..start].iter().collect();
            out.push_str(&new);
            out.extend(&c[end..]);
            if out.len() > MAX_RESULT_BYTES {
                return Ok(too_large("insert"));
            }
            s(out)
        }
        // The bytes of the first character, read as a big-endian number.
        Ord => {
            let bytes = args[0].to_text().unwrap_or_default();
            let width = match std::str::from_utf8(&bytes) {
                Ok(t) => t.chars().next().map_or(0, char::len_utf8),
                Err(e) if e.valid_up_to() > 0 => std::str::from_utf8(&bytes[..e.valid_up_to()])
                    .ok()
                    .and_then(|t| t.chars().next())
                    .map_or(1, char::len_utf8),
                Err(_) => bytes.len().min(1),
            };
            Value::Int(
                bytes[..width]
                    .iter()
                    .fold(0i64, |acc, b| (acc << 8) | i64::from(*b)),
            )
        }
        BitLength => {
            Value::Int((args[0].to_text().unwrap_or_default().len() as i64).saturating_mul(8))
        }
        _ => Value::Null,
    })
}

/// FIELD(x, a, b, ...): the 1-based position of the first argument equal to x, 0 for none
/// (and for a NULL x). Strings compare as strings when all are strings, as numbers
/// otherwise.
/// A bits argument (EXPORT_SET, MAKE_SET): its 64 bits, a negative number's as two's
/// complement.
fn bits(v: &Value) -> u64 {
    match v {
        Value::Int(i) => *i as u64,
        Value::UInt(u) => *u,
        other => {
            let f = other.to_f64().round();
            if f < 0.0 {
                f.max(i64::MIN as f64) as i64 as u64
            } else {
                f as u64
            }
        }
    }
}

/// EXPORT_SET(bits, on, off [, separator [, count]]): `on` or `off` for each of the
/// lowest `count` bits (64 when absent or outside 0..64), lowest first.
fn export_set(args: &[Value]) -> Value {
    let b = bits(&args[0]);
    let (on, off) = (text(&args[1]), text(&args[2]));
    let sep = args.get(3).map_or_else(|| ",".to_string(), text);
    let count = args.get(4).map_or(64, int);
    let count = if (0..=64).contains(&count) { count } else { 64 } as usize;
    let longest = on.len().max(off.len()) + sep.len();
    if longest.saturating_mul(count) > MAX_RESULT_BYTES {
        return too_large("export_set");
    }
    let parts: Vec<&str> = (0..count)
        .map(|i| {
            if b >> i & 1 == 1 {
                on.as_str()
            } else {
                off.as_str()
            }
        })
        .collect();
    s(parts.join(&sep))
}

/// MAKE_SET(bits, str1, str2, ...): the strings whose bit is set, comma-separated; NULL
/// strings are skipped, a NULL `bits` is NULL.
fn make_set(args: &[Value]) -> Value {
    if args[0].is_null() {
        return Value::Null;
    }
    let b = bits(&args[0]);
    let parts: Vec<String> = args[1..]
        .iter()
        .enumerate()
        .filter(|(i, v)| *i < 64 && b >> i & 1 == 1 && !v.is_null())
        .map(|(_, v)| text(v))
        .collect();
    if parts.iter().map(|p| p.len() + 1).sum::<usize>() > MAX_RESULT_BYTES {
        return too_large("make_set");
    }
    s(parts.join(","))
}

/// SOUNDEX as MySQL computes it: the first letter, then the code of each later letter
/// that differs from the last code kept (vowels, H, W, Y and letters outside A-Z have no
/// code and do not separate equal codes), anything not a letter skipped; padded with 0 to
/// four characters but never cut, so long words give long codes.
fn soundex(v: &str) -> String {
    const CODES: &[u8; 26] = b"01230120022455012623010202";
    let code = |c: char| {
        let u = c.to_ascii_uppercase();
        if u.is_ascii_uppercase() {
            CODES[(u as u8 - b'A') as usize]
        } else {
            b'0'
        }
    };
    let mut letters = v.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().collect();
    let mut last = code(first);
    let mut n = 1;
    for c in letters {
        let k = code(c);
        if k != b'0' && k != last {
            out.push(k as char);
            last = k;
            n += 1;
        }
    }
    for _ in n..4 {
        out.push('0');
    }
    out
}

fn field(args: &[Value]) -> Value {
    let x = &args[0];
    if x.is_null() {
        return Value::Int(0);
    }
    let all_strings = args
        .iter()
        .all(|a| matches!(a, Value::Bytes(_) | Value::Null));
    let pos = args[1..].iter().position(|a| {
        !a.is_null()
            && if all_strings {
                a.to_text() == x.to_text()
            } else if matches!(x, Value::Bytes(_)) || matches!(a, Value::Bytes(_)) {
                a.to_f64() == x.to_f64()
            } else {
                a.sql_cmp(x).is_eq()
            }
    });
    Value::Int(pos.map_or(0, |p| p as i64 + 1))
}

/// QUOTE(x): a string literal SQL reads back as x; `NULL` (unquoted) for NULL.
fn quote(v: &Value) -> Value {
    let Some(bytes) = v.to_text() else {
        return Value::str("NULL");
    };
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'\'');
    for b in bytes {
        match b {
            b'\\' | b'\'' => out.extend([b'\\', b]),
            0 => out.extend(*b"\\0"),
            0x1a => out.extend(*b"\\Z"),
            b => out.push(b),
        }
    }
    out.push(b'\'');
    Value::Bytes(out)
}

/// CHAR(n, ...): each integer's bytes (of its low 32 bits, without leading zero bytes), NULL
/// arguments skipped.
fn char_bytes(args: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in args.iter().filter(|a| !a.is_null()) {
        let n = match a {
            Value::UInt(u) => *u as u32,
            other => int(other) as u32,
        };
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
        out.extend(&bytes[skip..]);
    }
    out
}

/// SUBSTRING_INDEX(s, delim, count): what precedes the count-th delimiter (counting from
/// the end when count is negative, then what follows it); all of `s` if there are fewer.
fn substring_index(v: &str, delim: &str, count: i64) -> String {
    if delim.is_empty() || count == 0 {
        return String::new();
    }
    let want = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if count > 0 {
        match v.match_indices(delim).nth(want - 1) {
            Some((i, _)) => v[..i].to_string(),
            None => v.to_string(),
        }
    } else {
        match v.rmatch_indices(delim).nth(want - 1) {
            Some((i, _)) => v[i + delim.len()..].to_string(),
            None => v.to_string(),
        }
    }
}

/// LOCATE's search: the character offset of `needle` in `hay` at or after `from`.
fn find(hay: &[char], needle: &[char], from: i64) -> Option<usize> {
    if from < 0 || from as usize > hay.len() {
        return None;
    }
    let from = from as usize;
    if needle.is_empty() {
        return Some(from);
    }
    (from..=hay.len().saturating_sub(needle.len())).find(|&i| hay[i..].starts_with(needle))
}

fn trim(v: &str, pat: &str, lead: bool, trail: bool) -> String {
    if pat.is_empty() {
        return v.to_string();
    }
    let mut out = v;
    if lead {
        while let Some(rest) = out.strip_prefix(pat) {
            out = rest;
        }
    }
    if trail {
        while let Some(rest) = out.strip_suffix(pat) {
            out = rest;
        }
    }
    out.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: Func, args: &[&str]) -> String {
        let args: Vec<Value> = args.iter().map(|a| Value::str(a)).collect();
        call(f, &args).unwrap().to_string_lossy()
    }

    #[test]
    fn results_past_the_limit_are_null_with_warning_1301() {
        let _ = super::super::take_warnings();
        let tb = (1u64 << 40).to_string();
        assert!(call(
            Func::LPad,
            &[Value::str("a"), Value::str(&tb), Value::str("b")]
        )
        .unwrap()
        .is_null());
        assert!(call(Func::Repeat, &[Value::str("ab"), Value::Int(1 << 40)])
            .unwrap()
            .is_null());
        assert!(call(Func::Space, &[Value::Int(i64::MAX)])
            .unwrap()
            .is_null());
        let big = "a".repeat(100_000);
        let wide = "b".repeat(100_000);
        assert!(call(
            Func::Replace,
            &[Value::str(&big), Value::str("a"), Value::str(&wide)]
        )
        .unwrap()
        .is_null());
        let warnings = super::super::take_warnings();
        assert_eq!(warnings.len(), 4);
        assert_eq!(
            warnings[1].message(),
            "Result of repeat() was larger than max_allowed_packet (67108864) - truncated"
        );
        assert!(warnings.iter().all(|w| w.code() == 1301));
        // Below the limit nothing changes: REPEAT is not cut short.
        assert_eq!(run(Func::Repeat, &["ab", "2000000"]).len(), 4_000_000);
        assert_eq!(
            run(Func::Substring, &["abc", "2", &i64::MAX.to_string()]),
            "bc"
        );
    }

    #[test]
    fn sets_and_soundex() {
        assert_eq!(run(Func::ExportSet, &["5", "Y", "N", ",", "4"]), "Y,N,Y,N");
        assert_eq!(run(Func::MakeSet, &["5", "a", "b", "c"]), "a,c");
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex("Tymczak"), "T520");
        assert_eq!(soundex("Quadratically"), "Q36324");
        assert_eq!(soundex("123"), "");
    }

    #[test]
    fn substrings_and_padding() {
        assert_eq!(run(Func::Substring, &["quadratically", "5", "6"]), "ratica");
        assert_eq!(run(Func::Substring, &["sakila", "-3"]), "ila");
        assert_eq!(run(Func::LPad, &["hi", "4", "??"]), "??hi");
        assert_eq!(run(Func::RPad, &["hi", "1", "?"]), "h");
        assert_eq!(run(Func::Locate, &["bar", "foobarbar", "5"]), "7");
        assert_eq!(run(Func::Instr, &["foobarbar", "bar"]), "4");
        assert_eq!(run(Func::Trim, &["xxbarxx", "x"]), "bar");
    }
}
