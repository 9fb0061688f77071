//! Numeric functions. Exact arguments (integers, DECIMAL) give exact results rounded half
//! away from zero; approximate ones (DOUBLE, strings) give doubles, as in MySQL.

use super::Func;
use crate::error::{Error, Result};
use crate::sql::expr::{arithmetic, BinOp, Expr};
use crate::types::decimal::MAX_SCALE;
use crate::types::{DataType, Decimal, IntKind, Value};

fn bigint() -> DataType {
    DataType::Int {
        kind: IntKind::Big,
        unsigned: false,
    }
}

/// The type of ABS(x) or MOD(x, y): integers stay integers, DECIMAL stays DECIMAL.
pub(super) fn exact_or_double(t: DataType, other: Option<DataType>) -> DataType {
    let scale = |t: &DataType| match t {
        DataType::Decimal { scale, .. } => Some(*scale),
        DataType::Int { .. } => Some(0),
        _ => None,
    };
    match (scale(&t), other.as_ref().map(scale)) {
        (Some(0), None | Some(Some(0))) if t.is_integer() => t,
        (Some(a), None) => DataType::Decimal {
            precision: 65,
            scale: a,
        },
        (Some(a), Some(Some(b))) if a == 0 && b == 0 => bigint(),
        (Some(a), Some(Some(b))) => DataType::Decimal {
            precision: 65,
            scale: a.max(b),
        },
        _ => DataType::Double,
    }
}

/// ROUND(x, d) and TRUNCATE(x, d): a constant `d` fixes the scale of a DECIMAL result.
pub(super) fn round_type(arg: Option<DataType>, digits: Option<&Expr>) -> Option<DataType> {
    let d = match digits {
        None => Some(0),
        Some(Expr::Literal(v)) => Some(v.to_f64() as i64),
        Some(_) => None,
    };
    Some(match arg? {
        t @ DataType::Int { .. } => t,
        DataType::Decimal { scale, .. } => DataType::Decimal {
            precision: 65,
            scale: d.map_or(scale, |d| d.clamp(0, 30) as u8),
        },
        _ => DataType::Double,
    })
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::UInt(u) => i64::try_from(*u).unwrap_or(i64::MAX),
        other => other.to_f64().round() as i64,
    }
}

fn double(f: f64) -> Value {
    if f.is_finite() {
        Value::Float(f)
    } else {
        Value::Null
    }
}

fn out_of_range(what: &str) -> Error {
    Error::new(
        1690,
        "22003",
        format!("BIGINT value is out of range in '{what}'"),
    )
}

/// INTERVAL(n, n1, n2, ...): the number of leading `ni` not greater than `n`, scanning until
/// the first greater one (the list is meant to be sorted) and skipping NULLs, as MySQL does;
/// -1 for a NULL `n`.
/// Strings are read as numbers.
fn interval(args: &[Value]) -> i64 {
    let number = |v: &Value| match v {
        Value::Bytes(_) => Value::Float(v.to_f64()),
        Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Decimal(_) => v.clone(),
        other => Value::Float(other.to_f64()),
    };
    let Some(n) = args.first().filter(|v| !v.is_null()) else {
        return -1;
    };
    let n = number(n);
    args[1..]
        .iter()
        .position(|v| !v.is_null() && number(v).sql_cmp(&n).is_gt())
        .unwrap_or(args.len() - 1) as i64
}

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if f == Pi {
        return Ok(Value::Float(std::f64::consts::PI));
    }
    if f == Rand {
        return Ok(match args.first() {
            None => Value::Float(rand::random::<f64>()),
            // NULL seeds like 0, as in MySQL.
            Some(seed) => Value::Float(seeded_rand(if seed.is_null() { 0 } else { int_arg(seed) })),
        });
    }
    if f == Interval {
        return Ok(Value::Int(interval(args)));
    }
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let x = &args[0];
    Ok(match f {
        Abs => match x {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| out_of_range("abs"))?),
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::from(d.abs()),
            v => Value::Float(v.to_f64().abs()),
        },
        Round | Truncate => {
            let d = args.get(1).map_or(0, int_arg).clamp(-30, 30);
            round(x, d, f == Truncate)
        }
        Floor | Ceil => match x {
            Value::Int(_) | Value::UInt(_) => x.clone(),
            Value::Decimal(d) => {
                let r = if f == Floor { d.floor() } else { d.ceil() };
                r.to_i64().map_or(Value::from(r), Value::Int)
            }
            v => {
                let v = v.to_f64();
                Value::Float(if f == Floor { v.floor() } else { v.ceil() })
            }
        },
        Mod => arithmetic(BinOp::Mod, x, &args[1])?,
        Pow => double(x.to_f64().powf(args[1].to_f64())),
        Sqrt => {
            let v = x.to_f64();
            if v < 0.0 {
                Value::Null
            } else {
                Value::Float(v.sqrt())
            }
        }
        Sign => Value::Int(match x {
            Value::Decimal(d) if d.is_zero() => 0,
            Value::Decimal(d) if d.is_negative() => -1,
            Value::Decimal(_) => 1,
            v => {
                let f = v.to_f64();
                if f > 0.0 {
                    1
                } else if f < 0.0 {
                    -1
                } else {
                    0
                }
            }
        }),
        Exp => double(x.to_f64().exp()),
        Ln | Log2 | Log10 | Log => {
            let (base, v) = match (f, args.get(1)) {
                (Log, Some(v)) => (Some(x.to_f64()), v.to_f64()),
                (Log2, _) => (Some(2.0), x.to_f64()),
                (Log10, _) => (Some(10.0), x.to_f64()),
                _ => (None, x.to_f64()),
            };
            if v <= 0.0 || base.is_some_and(|b| b <= 0.0 || b == 1.0) {
                Value::Null
            } else {
                double(base.map_or(v.ln(), |b| v.ln() / b.ln()))
            }
        }
        Greatest | Least => {
            let mut best = x.clone();
            for v in &args[1..] {
                let o = v.sql_cmp(&best);
                if (f == Greatest && o.is_gt()) || (f == Least && o.is_lt()) {
                    best = v.clone();
                }
            }
            best
        }
        Conv | Bin | Oct => {
            let (from, to) = match f {
                Bin => (10, 2),
                Oct => (10, 8),
                _ => (int_arg(&args[1]), int_arg(&args[2])),
            };
            conv(&x.to_text().unwrap_or_default(), from, to).map_or(Value::Null, |t| Value::str(&t))
        }
        BitCount => Value::Int(i64::from(crate::sql::expr::bits_of(x).count_ones())),
        Format => Value::str(&format_number(x, int_arg(&args[1]).clamp(0, 30) as usize)),
        Sin => double(x.to_f64().sin()),
        Cos => double(x.to_f64().cos()),
        Tan => double(x.to_f64().tan()),
        Cot => {
            let t = x.to_f64().tan();
            if t == 0.0 || !(1.0 / t).is_finite() {
                return Err(Error::new(
                    1690,
                    "22003",
                    format!("DOUBLE value is out of range in 'cot({x})'"),
                ));
            }
            double(1.0 / t)
        }
        Asin | Acos => {
            let v = x.to_f64();
            if !(-1.0..=1.0).contains(&v) {
                Value::Null
            } else {
                double(if f == Asin { v.asin() } else { v.acos() })
            }
        }
        Atan | Atan2 => match args.get(1) {
            Some(b) => double(x.to_f64().atan2(b.to_f64())),
            None => double(x.to_f64().atan()),
        },
        Degrees => double(x.to_f64().to_degrees()),
        Radians => double(x.to_f64().to_radians()),
        _ => Value::Null,
    })
}

/// RAND(seed): the first number of MySQL's generator seeded with `seed` (its
/// `randominit` / `my_rnd`), so a seed gives MySQL's value.
fn seeded_rand(seed: i64) -> f64 {
    const MAX: u64 = 0x3FFF_FFFF;
    let seed = seed as u32;
    let s1 = u64::from(seed.wrapping_mul(0x10001).wrapping_add(55_555_555)) % MAX;
    let s2 = u64::from(seed.wrapping_mul(0x1000_0001)) % MAX;
    let s1 = (s1 * 3 + s2) % MAX;
    s1 as f64 / MAX as f64
}

/// CONV(n, from, to): `digits` read in base |from| (signed when from < 0) up to the first
/// character that is not a digit, written in base |to| (signed when to < 0). NULL for a
/// base outside 2..36 or an empty string.
fn conv(digits: &[u8], from: i64, to: i64) -> Option<String> {
    let ok = |b: i64| (2..=36).contains(&b.unsigned_abs());
    if !ok(from) || !ok(to) || digits.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(digits);
    let text = text.trim_start_matches([' ', '\t', '\n', '\r']);
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let base = from.unsigned_abs() as u32;
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for c in body.chars() {
        let Some(d) = c.to_digit(base) else { break };
        match magnitude
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    // my_strntoull: an overflow is the largest value; a sign negates modulo 2^64.
    // my_strntoll (from < 0): held within the signed range.
    let value: u64 = if from < 0 {
        let v: i64 = if negative {
            if overflow || magnitude > 1u64 << 63 {
                i64::MIN
            } else {
                0i64.wrapping_sub_unsigned(magnitude)
            }
        } else {
            i64::try_from(magnitude)
                .ok()
                .filter(|_| !overflow)
                .unwrap_or(i64::MAX)
        };
        v as u64
    } else if overflow {
        u64::MAX
    } else if negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    };
    let (sign, mut n) = if to < 0 && (value as i64) < 0 {
        ("-", (value as i64).unsigned_abs())
    } else {
        ("", value)
    };
    let radix = to.unsigned_abs();
    let mut out = Vec::new();
    loop {
        let d = (n % radix) as u32;
        out.push(
            std::char::from_digit(d, 36)
                .unwrap_or('0')
                .to_ascii_uppercase(),
        );
        n /= radix;
        if n == 0 {
            break;
        }
    }
    out.extend(sign.chars());
    Some(out.into_iter().rev().collect())
}

/// FORMAT(x, d): x rounded to d decimals (exact numbers half away from zero, doubles as
/// ROUND rounds them), with a comma between each group of three integer digits.
fn format_number(x: &Value, d: usize) -> String {
    let plain = match x {
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) => {
            let r = x.as_decimal().round(d.min(usize::from(MAX_SCALE)) as i32);
            let mut t = r.to_string();
            let have = t.find('.').map_or(0, |p| t.len() - p - 1);
            if d > 0 && have == 0 {
                t.push('.');
            }
            t.extend(std::iter::repeat_n('0', d.saturating_sub(have)));
            t
        }
        v => {
            let r = match round(v, d as i64, false) {
                Value::Float(r) => r,
                _ => return format_double_plain(v.to_f64()),
            };
            format!("{r:.d$}")
        }
    };
    group_thousands(&plain)
}

/// An infinite or NaN double as FORMAT leaves it.
fn format_double_plain(f: f64) -> String {
    crate::types::format_double(f)
}

fn group_thousands(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (int, frac) = match rest.find('.') {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, ""),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// ROUND / TRUNCATE to `d` decimal places (negative: tens, hundreds, ...). A DECIMAL
/// result has `d` decimals (ROUND(1.5, 3) is 1.500), an integer's stays an integer.
fn round(x: &Value, d: i64, truncate: bool) -> Value {
    let dp = d.clamp(-i64::from(MAX_SCALE), i64::from(MAX_SCALE)) as i32;
    let exact = |v: &Decimal| -> Decimal {
        let r = if truncate { v.trunc(dp) } else { v.round(dp) };
        match (x, u8::try_from(dp)) {
            (Value::Decimal(_), Ok(scale)) => r.rescale(scale),
            _ => r,
        }
    };
    match x {
        Value::Int(_) | Value::UInt(_) => {
            let r = exact(&x.to_decimal());
            r.to_i64().map_or(Value::from(r), Value::Int)
        }
        Value::Decimal(v) => Value::from(exact(v)),
        v => {
            let f = v.to_f64();
            let p = 10f64.powi(d as i32);
            let scaled = f * p;
            let r = if truncate {
                scaled.trunc()
            } else {
                // Doubles round half to even, as the C library's rint.
                let r = scaled.round();
                if (scaled - scaled.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                    r - scaled.signum()
                } else {
                    r
                }
            };
            double(r / p)
        }
    }
}
