//! REGEXP_LIKE (and the REGEXP / RLIKE operators), REGEXP_INSTR / SUBSTR / REPLACE, UUID(),
//! INET_ATON / INET_NTOA.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::{Regex, RegexBuilder};

use super::Func;
use crate::error::{Error, Result};
use crate::types::Value;

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if f == Uuid {
        return Ok(Value::str(&uuid_v1()));
    }
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let text = |v: &Value| v.to_string_lossy();
    Ok(match f {
        InetAton => {
            inet_aton(&args[0].to_text().unwrap_or_default()).map_or(Value::Null, Value::UInt)
        }
        InetNtoa => {
            let n = match &args[0] {
                Value::Int(i) => u32::try_from(*i).ok(),
                Value::UInt(u) => u32::try_from(*u).ok(),
                other => {
                    let f = other.to_f64().round();
                    (0.0..=f64::from(u32::MAX)).contains(&f).then_some(f as u32)
                }
            };
            n.map_or(Value::Null, |n| {
                Value::str(&std::net::Ipv4Addr::from(n).to_string())
            })
        }
        RegexpLike => {
            let flags = args.get(2).map(text).unwrap_or_default();
            let matched = with_regex(&text(&args[1]), &flags, |re| re.is_match(&text(&args[0])))?;
            Value::Int(i64::from(matched))
        }
        RegexpInstr | RegexpSubstr => {
            let subject = text(&args[0]);
            let start = start_byte(&subject, args.get(2))?;
            let occurrence = int_arg(args.get(3), 1).max(1);
            let (return_end, flags_at) = match f {
                RegexpInstr => (int_arg(args.get(4), 0) == 1, 5),
                _ => (false, 4),
            };
            let flags = args.get(flags_at).map(text).unwrap_or_default();
            let found = with_regex(&text(&args[1]), &flags, |re| {
                re.find_iter(&subject[start..])
                    .nth(usize::try_from(occurrence - 1).unwrap_or(usize::MAX))
                    .map(|m| (start + m.start(), start + m.end()))
            })?;
            match (f, found) {
                (RegexpSubstr, Some((a, b))) => Value::str(&subject[a..b]),
                (RegexpSubstr, None) => Value::Null,
                (_, Some((a, b))) => {
                    let at = if return_end { b } else { a };
                    Value::Int(subject[..at].chars().count() as i64 + 1)
                }
                (_, None) => Value::Int(0),
            }
        }
        RegexpReplace => {
            let subject = text(&args[0]);
            let start = start_byte(&subject, args.get(3))?;
            let occurrence = int_arg(args.get(4), 0).max(0);
            let flags = args.get(5).map(text).unwrap_or_default();
            let replacement = text(&args[2]);
            let replaced = with_regex(&text(&args[1]), &flags, |re| {
                replace(re, &subject[start..], &replacement, occurrence)
            })?;
            match replaced {
                Some(tail) => Value::str(&format!("{}{tail}", &subject[..start])),
                None => super::too_large("regexp_replace"),
            }
        }
        _ => Value::Null,
    })
}

/// An optional integer argument (`default` when absent).
fn int_arg(v: Option<&Value>, default: i64) -> i64 {
    v.map_or(default, |v| v.to_f64() as i64)
}

/// The byte offset of the 1-based character position `pos` (absent: 1); MySQL's 3686 when
/// it is before the start or past the end.
fn start_byte(s: &str, pos: Option<&Value>) -> Result<usize> {
    let pos = int_arg(pos, 1);
    let chars = s.chars().count();
    if pos < 1 || pos as u64 > chars as u64 + 1 {
        return Err(Error::new(
            3686,
            "HY000",
            "Index out of bounds in regular expression search.",
        ));
    }
    let skip = usize::try_from(pos - 1).unwrap_or(usize::MAX);
    Ok(s.char_indices().nth(skip).map_or(s.len(), |(i, _)| i))
}

/// `text` with the `occurrence`-th match (0: every match) replaced by `replacement` (`$1`
/// names a group); `None` once the result would pass the result-size limit.
fn replace(re: &Regex, text: &str, replacement: &str, occurrence: i64) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for (n, caps) in re.captures_iter(text).enumerate() {
        let Some(m) = caps.get(0) else {
            continue;
        };
        if occurrence != 0 && n as i64 + 1 != occurrence {
            continue;
        }
        out.push_str(&text[copied..m.start()]);
        caps.expand(replacement, &mut out);
        copied = m.end();
        if out.len() > super::MAX_RESULT_BYTES {
            return None;
        }
        if occurrence != 0 {
            break;
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

thread_local! {
    /// The last pattern compiled on this thread: a REGEXP over many rows compiles once.
    static LAST: RefCell<Option<(String, String, Regex)>> = const { RefCell::new(None) };
}

/// Runs `f` over `pattern` compiled with MySQL's match_type letters: `c` case-sensitive
/// (the default, as under utf8mb4_bin), `i` case-insensitive, `m` multi-line, `n` `.`
/// matches line ends, `u` Unix line endings only; the last of `c` / `i` wins.
fn with_regex<T>(pattern: &str, flags: &str, f: impl FnOnce(&Regex) -> T) -> Result<T> {
    let cached = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(p, fl, _)| p == pattern && fl == flags)
            .map(|(_, _, re)| re.clone())
    });
    if let Some(re) = cached {
        return Ok(f(&re));
    }
    let mut b = RegexBuilder::new(pattern);
    b.size_limit(1 << 22);
    for c in flags.chars() {
        match c {
            'c' => b.case_insensitive(false),
            'i' => b.case_insensitive(true),
            'm' => b.multi_line(true),
            'n' => b.dot_matches_new_line(true),
            'u' => b.crlf(false),
            _ => {
                return Err(Error::new(
                    1210,
                    "HY000",
                    "Incorrect arguments to regexp_like",
                ))
            }
        };
    }
    let re = b
        .build()
        .map_err(|_| Error::new(3685, "HY000", "Illegal argument to a regular expression."))?;
    let out = f(&re);
    LAST.with(|l| *l.borrow_mut() = Some((pattern.to_string(), flags.to_string(), re)));
    Ok(out)
}

/// INET_ATON: dotted decimal to a number; `a.b` and `a.b.c` fill the middle with zeros
/// (`127.1` is 127.0.0.1), as MySQL reads them. NULL when it is not an address.
fn inet_aton(s: &[u8]) -> Option<u64> {
    let mut result: u64 = 0;
    let mut byte: u64 = 0;
    let mut dots = 0;
    let mut last = b'.';
    for &c in s {
        last = c;
        match c {
            b'0'..=b'9' => {
                byte = byte * 10 + u64::from(c - b'0');
                if byte > 255 {
                    return None;
                }
            }
            b'.' => {
                dots += 1;
                if dots > 3 {
                    return None;
                }
                result = (result << 8) + byte;
                byte = 0;
            }
            _ => return None,
        }
    }
    if last == b'.' {
        return None;
    }
    match dots {
        1 => result <<= 16,
        2 => result <<= 8,
        _ => {}
    }
    Some((result << 8) + byte)
}

/// A time-based (version 1) UUID as MySQL's UUID() writes it: 100 ns ticks since
/// 1582-10-15 in the first three groups, a random clock sequence and a random node with
/// its multicast bit set (no MAC address is read).
fn uuid_v1() -> String {
    const GREGORIAN_OFFSET: u64 = 0x01B2_1DD2_1381_4000;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let ticks = (now.as_nanos() / 100) as u64 + GREGORIAN_OFFSET;
    let clock_seq = (rand::random::<u16>() & 0x3FFF) | 0x8000;
    let node = (rand::random::<u64>() & 0xFFFF_FFFF_FFFF) | 0x0100_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        ticks & 0xFFFF_FFFF,
        (ticks >> 32) & 0xFFFF,
        ((ticks >> 48) & 0x0FFF) | 0x1000,
        clock_seq,
        node
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_uuids() {
        assert_eq!(inet_aton(b"10.0.5.9"), Some(167_773_449));
        assert_eq!(inet_aton(b"127.1"), Some(2_130_706_433));
        assert_eq!(inet_aton(b"1.2.3.4.5"), None);
        assert_eq!(inet_aton(b"1.2."), None);
        assert_eq!(inet_aton(b"256.1.1.1"), None);
        let u = uuid_v1();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "1");
    }
}
