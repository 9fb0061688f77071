//! REGEXP_LIKE (and the REGEXP / RLIKE operators), REGEXP_INSTR / SUBSTR / REPLACE, UUID(),
//! UUID_SHORT, IS_UUID, UUID_TO_BIN / BIN_TO_UUID, INET_ATON / INET_NTOA, INET6_ATON /
//! INET6_NTOA, IS_IPV4 / IS_IPV6 / IS_IPV4_COMPAT / IS_IPV4_MAPPED, RANDOM_BYTES,
//! BENCHMARK's count.

use std::cell::RefCell;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::{Regex, RegexBuilder};

use super::Func;
use crate::error::{Error, Result};
use crate::sql::expr::Expr;
use crate::types::collation::Collation;
use crate::types::{DataType, Value};

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    match f {
        Uuid => return Ok(Value::str(&uuid_v1())),
        UuidShort => return Ok(Value::UInt(uuid_short())),
        // The IS_ functions are 0 (not NULL) for NULL, except IS_UUID.
        IsIpv4 | IsIpv6 | IsIpv4Compat | IsIpv4Mapped => {
            let hit = match &args[0] {
                Value::Null => false,
                v => {
                    let b = v.to_text().unwrap_or_default();
                    match f {
                        IsIpv4 => parse_ipv4(&b).is_some(),
                        IsIpv6 => parse_ipv6(&b).is_some(),
                        IsIpv4Compat => {
                            b.len() == 16
                                && b[..12].iter().all(|&x| x == 0)
                                && u32::from_be_bytes([b[12], b[13], b[14], b[15]]) > 1
                        }
                        _ => {
                            b.len() == 16
                                && b[..10].iter().all(|&x| x == 0)
                                && b[10] == 0xFF
                                && b[11] == 0xFF
                        }
                    }
                }
            };
            return Ok(Value::Int(i64::from(hit)));
        }
        _ => {}
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
        Inet6Aton => {
            let b = args[0].to_text().unwrap_or_default();
            match (parse_ipv4(&b), parse_ipv6(&b)) {
                (Some(v4), _) => Value::Bytes(v4.octets().to_vec()),
                (None, Some(v6)) => Value::Bytes(v6.octets().to_vec()),
                (None, None) => Value::Null,
            }
        }
        Inet6Ntoa => {
            let b = args[0].to_text().unwrap_or_default();
            if let Ok(v4) = <[u8; 4]>::try_from(b.as_slice()) {
                Value::str(&Ipv4Addr::from(v4).to_string())
            } else if let Ok(v6) = <[u8; 16]>::try_from(b.as_slice()) {
                Value::str(&ipv6_text(&v6))
            } else {
                Value::Null
            }
        }
        IsUuid => Value::Int(i64::from(
            parse_uuid(&args[0].to_text().unwrap_or_default()).is_some(),
        )),
        UuidToBin => {
            let text = args[0].to_text().unwrap_or_default();
            let Some(mut b) = parse_uuid(&text) else {
                return Err(incorrect_string(&args[0], "uuid_to_bin"));
            };
            if swap_flag(args.get(1)) {
                b = swap_time(&b);
            }
            Value::Bytes(b.to_vec())
        }
        BinToUuid => {
            let bytes = args[0].to_text().unwrap_or_default();
            let Ok(mut b) = <[u8; 16]>::try_from(bytes.as_slice()) else {
                return Err(incorrect_string(&args[0], "bin_to_uuid"));
            };
            if swap_flag(args.get(1)) {
                b = unswap_time(&b);
            }
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            Value::str(&format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            ))
        }
        RandomBytes => {
            let n = args[0].to_f64().round();
            if !(1.0..=1024.0).contains(&n) {
                return Err(Error::new(
                    1690,
                    "22003",
                    "length value is out of range in 'random_bytes'",
                ));
            }
            Value::Bytes((0..n as usize).map(|_| rand::random::<u8>()).collect())
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

/// BENCHMARK's count: `None` (a NULL result) for NULL, and for a negative count with
/// MySQL's warning 1411.
pub fn benchmark_count(count: &Value) -> Option<u64> {
    let n = match count {
        Value::Null => return None,
        Value::Int(i) => *i,
        Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        other => other.to_f64().round() as i64,
    };
    if n < 0 {
        super::warn(Error::new(
            1411,
            "HY000",
            format!("Incorrect count value: '{n}' for function benchmark"),
        ));
        return None;
    }
    Some(n as u64)
}

/// What BENCHMARK returns once its expression ran: 0, NULL for a NULL or negative count.
pub(super) fn benchmark_result(count: &Value) -> Value {
    benchmark_count(count).map_or(Value::Null, |_| Value::Int(0))
}

/// What CHARSET(), COLLATION() and COERCIBILITY() say of an argument: its character set,
/// its collation and its coercibility. `explicit` is the collation it names with COLLATE;
/// `connection` is `collation_connection`, which literals and expressions over literals
/// have. NULL is `binary` with coercibility 6 (ignorable), numbers and temporals `binary`
/// with 5 (numeric), a column (or an expression over one) 2 (implicit), a literal 4
/// (coercible), an explicit COLLATE 0.
pub fn string_properties(
    e: &Expr,
    explicit: Option<Collation>,
    connection: Collation,
) -> (&'static str, &'static str, i64) {
    if let Some(c) = explicit {
        return (c.charset(), c.name(), 0);
    }
    let reads_columns = !e.is_constant();
    let implicit_or_literal = if reads_columns { 2 } else { 4 };
    match e.data_type() {
        _ if matches!(e, Expr::Literal(Value::Null)) => ("binary", "binary", 6),
        None => ("binary", "binary", 6),
        Some(DataType::Json) => ("utf8mb4", "utf8mb4_bin", implicit_or_literal),
        Some(t) if t.is_text() => {
            let c = if reads_columns {
                t.collation().unwrap_or_default()
            } else {
                connection
            };
            (c.charset(), c.name(), implicit_or_literal)
        }
        Some(t) if t.is_string() => ("binary", "binary", implicit_or_literal),
        Some(_) => ("binary", "binary", 5),
    }
}

/// TIDB_VERSION(): what TiDB's lists (release, edition, build), for moltdb.
pub fn tidb_version() -> String {
    format!(
        "Release Version: v{}\n\
         Edition: Community\n\
         Product: moltdb\n\
         Git Commit Hash: None\n\
         Git Branch: None\n\
         UTC Build Time: None\n\
         Race Enabled: false\n\
         Check Table Before Drop: false\n\
         Store: moltdb",
        env!("CARGO_PKG_VERSION")
    )
}

/// MySQL's 1411 for a string a function cannot read.
fn incorrect_string(v: &Value, function: &str) -> Error {
    Error::new(
        1411,
        "HY000",
        format!(
            "Incorrect string value: '{}' for function {function}",
            v.to_string_lossy()
        ),
    )
}

/// An IPv4 address as MySQL's IS_IPV4 / INET6_ATON read it: four dot-separated decimal
/// numbers of one to three digits (leading zeros allowed), each at most 255.
fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    let text = std::str::from_utf8(s).ok()?;
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for o in &mut octets {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// An IPv6 address in its text forms (with an IPv4 tail, `::` for zeros); no zone index.
fn parse_ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// An IPv6 address as MySQL's INET6_NTOA writes it: lower-case hex groups, the longest run
/// of zero groups (even a single one, the first of equal runs) as `::`, and IPv4-compatible
/// (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`) addresses with a dotted tail.
fn ipv6_text(b: &[u8; 16]) -> String {
    let words: Vec<u16> = b
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let (mut gap_at, mut gap_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > gap_len {
                (gap_at, gap_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let v4 = || Ipv4Addr::new(b[12], b[13], b[14], b[15]);
    if gap_at == 0 && gap_len == 6 {
        return format!("::{}", v4());
    }
    if gap_at == 0 && gap_len == 5 && words[5] == 0xFFFF {
        return format!("::ffff:{}", v4());
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == gap_at {
            out.push_str("::");
            i += gap_len;
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    out
}

/// A UUID's 16 bytes from its text: 32 hex digits, plain, in 8-4-4-4-12 groups, or those
/// groups in braces (the forms MySQL's IS_UUID accepts).
fn parse_uuid(s: &[u8]) -> Option<[u8; 16]> {
    let digits: &[u8] = match s.len() {
        32 => s,
        36 => s,
        38 if s[0] == b'{' && s[37] == b'}' => &s[1..37],
        _ => return None,
    };
    if digits.len() == 36 && [8, 13, 18, 23].iter().any(|&i| digits[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = digits.iter().copied().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(hex.chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// UUID_TO_BIN / BIN_TO_UUID's second argument: true to swap the time fields.
fn swap_flag(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null() && v.to_f64() != 0.0)
}

/// time-low, time-mid, time-high to time-high, time-mid, time-low (index-friendly order).
fn swap_time(b: &[u8; 16]) -> [u8; 16] {
    let mut out = *b;
    out[..2].copy_from_slice(&b[6..8]);
    out[2..4].copy_from_slice(&b[4..6]);
    out[4..8].copy_from_slice(&b[..4]);
    out
}

fn unswap_time(b: &[u8; 16]) -> [u8; 16] {
    let mut out = *b;
    out[..4].copy_from_slice(&b[4..8]);
    out[4..6].copy_from_slice(&b[2..4]);
    out[6..8].copy_from_slice(&b[..2]);
    out
}

/// UUID_SHORT() as MySQL builds it: the server id's low byte in the top 8 bits, the
/// server's start time in seconds shifted left 24 bits, plus a counter incremented on
/// every call (moltdb's server id is 1).
fn uuid_short() -> u64 {
    const SERVER_ID: u64 = 1;
    static NEXT: OnceLock<AtomicU64> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        AtomicU64::new(((SERVER_ID & 255) << 56).wrapping_add(started << 24))
    });
    next.fetch_add(1, Ordering::Relaxed)
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
        assert!(parse_ipv4(b"010.0.5.9").is_some());
        assert!(parse_ipv4(b"1.2.3").is_none());
        let v6 = |s: &str| parse_ipv6(s.as_bytes()).map(|a| ipv6_text(&a.octets()));
        assert_eq!(v6("1:0:2:3:4:5:6:7").as_deref(), Some("1::2:3:4:5:6:7"));
        assert_eq!(v6("1:0:0:2:0:0:0:3").as_deref(), Some("1:0:0:2::3"));
        assert_eq!(v6("::10.0.5.9").as_deref(), Some("::10.0.5.9"));
        assert_eq!(v6("::ffff:10.0.5.9").as_deref(), Some("::ffff:10.0.5.9"));
        assert_eq!(v6("::").as_deref(), Some("::"));
        assert_eq!(v6("::1").as_deref(), Some("::1"));
        let b = parse_uuid(b"6ccd780c-baba-1026-9564-5b8c656024db").unwrap_or_default();
        assert_eq!(unswap_time(&swap_time(&b)), b);
        assert!(uuid_short() < uuid_short());
        let u = uuid_v1();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "1");
    }
}
