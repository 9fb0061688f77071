//! CAST(v AS type) and CONVERT(v, type). Unlike storing into a column, CAST is never an
//! error: a value that does not fit becomes the nearest one. Casts to SIGNED and UNSIGNED
//! follow MySQL 8.0's own rules rather than a column's: an integer keeps its 64 bits and
//! only changes how they are read (`CAST(-1 AS UNSIGNED)` is 18446744073709551615), a
//! string is read up to its first non-digit, and a decimal or double is rounded.

use super::warn;
use crate::error::{Error, Result};
use crate::types::{convert, DataType, Decimal, IntKind, Value};

/// CAST(v AS ty).
pub fn cast(v: Value, ty: &DataType) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    if *ty == DataType::Json {
        return super::json::cast(v);
    }
    if let DataType::Int {
        kind: IntKind::Big,
        unsigned,
    } = ty
    {
        return Ok(cast_integer(&v, *unsigned));
    }
    Ok(match convert::to_column_type(&v, ty) {
        Ok(v) => v,
        Err(e) => match e.clamped() {
            Value::Date(d) if d == chrono::NaiveDate::MIN => Value::Null,
            other => other,
        },
    })
}

/// CAST(v AS SIGNED) or CAST(v AS UNSIGNED): a 64-bit integer, read as signed or unsigned.
fn cast_integer(v: &Value, unsigned: bool) -> Value {
    let bits = match v {
        Value::Int(i) => *i as u64,
        Value::UInt(u) => *u,
        Value::Decimal(d) => decimal_bits(d, unsigned),
        // A double is rounded to the nearest integer (ties to even, as C's rint), and held
        // within BIGINT's range.
        Value::Float(f) => double_to_i64(*f) as u64,
        Value::Bytes(b) => string_bits(b, unsigned),
        Value::Date(_) | Value::DateTime(_) => double_to_i64(v.to_f64()) as u64,
        Value::Null => return Value::Null,
    };
    // Reinterpreting the 64 bits is the point: MySQL wraps rather than clamps here.
    if unsigned {
        Value::UInt(bits)
    } else {
        Value::Int(bits as i64)
    }
}

fn double_to_i64(f: f64) -> i64 {
    if f.is_nan() {
        return 0;
    }
    // `as` saturates at the bounds.
    f.round_ties_even() as i64
}

/// A decimal rounded half away from zero. A non-negative decimal is read as unsigned when
/// casting to UNSIGNED, anything else as signed; past the range the nearest bound, with
/// warning 1292 as MySQL gives.
fn decimal_bits(d: &Decimal, unsigned: bool) -> u64 {
    let r = d.round(0);
    let as_unsigned = unsigned && !d.is_negative();
    let fitted = if as_unsigned {
        r.to_u64()
    } else {
        r.to_i64().map(|i| i as u64)
    };
    fitted.unwrap_or_else(|| {
        warn(truncated("DECIMAL", &d.to_string()));
        match (as_unsigned, d.is_negative()) {
            (true, _) => u64::MAX,
            (false, true) => i64::MIN as u64,
            (false, false) => i64::MAX as u64,
        }
    })
}

/// A string read as MySQL's `my_strtoll10` reads it: leading spaces, an optional sign, then
/// digits up to the first other character. A negative number is kept as signed, a positive
/// one as unsigned (past 18446744073709551615 that bound). Text left over, no digits or an
/// overflow give warning 1292; a negative number cast to UNSIGNED or one past BIGINT cast
/// to SIGNED change sign with MySQL's warning 1105.
fn string_bits(b: &[u8], unsigned: bool) -> u64 {
    let text = String::from_utf8_lossy(b);
    let t = text.trim_start_matches([' ', '\t', '\n', '\r']);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let magnitude = digits[..len].bytes().try_fold(0u64, |n, c| {
        n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    });
    let (bits, overflow) = match (magnitude, negative) {
        (Some(m), false) => (m, false),
        (None, false) => (u64::MAX, true),
        (Some(m), true) if m <= 1 << 63 => ((m as i64).wrapping_neg() as u64, false),
        (_, true) => (i64::MIN as u64, true),
    };
    if len == 0 || overflow || len != digits.len() {
        warn(truncated("INTEGER", &text));
    }
    if unsigned && negative {
        warn(Error::new(
            1105,
            "HY000",
            "Cast to unsigned converted negative integer to it's positive complement",
        ));
    } else if !unsigned && !negative && !overflow && (bits as i64) < 0 {
        warn(Error::new(
            1105,
            "HY000",
            "Cast to signed converted positive out-of-range integer to it's negative complement",
        ));
    }
    bits
}

/// MySQL's 1292 for a value a cast read only part of.
fn truncated(type_name: &str, value: &str) -> Error {
    Error::new(
        1292,
        "22007",
        format!("Truncated incorrect {type_name} value: '{value}'"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(v: Value) -> Value {
        cast_integer(&v, false)
    }
    fn unsigned(v: Value) -> Value {
        cast_integer(&v, true)
    }

    #[test]
    fn integers_keep_their_bits() {
        assert_eq!(unsigned(Value::Int(-1)), Value::UInt(u64::MAX));
        assert_eq!(signed(Value::UInt(u64::MAX)), Value::Int(-1));
        assert_eq!(unsigned(Value::Int(i64::MIN)), Value::UInt(1 << 63));
    }

    #[test]
    fn decimals_round_then_wrap_when_negative() {
        let d = |s: &str| Value::from(s.parse::<Decimal>().unwrap());
        assert_eq!(unsigned(d("-1.5")), Value::UInt(u64::MAX - 1));
        assert_eq!(unsigned(d("1.5")), Value::UInt(2));
        assert_eq!(signed(d("-2.5")), Value::Int(-3));
        assert_eq!(signed(d("1e20")), Value::Int(i64::MAX));
        assert_eq!(unsigned(d("1e20")), Value::UInt(u64::MAX));
    }

    #[test]
    fn strings_are_read_up_to_the_first_non_digit() {
        let _ = super::super::take_warnings();
        let s = |t: &str| Value::str(t);
        assert_eq!(unsigned(s("-1")), Value::UInt(u64::MAX));
        assert_eq!(signed(s("18446744073709551615")), Value::Int(-1));
        assert_eq!(signed(s(" 12abc")), Value::Int(12));
        assert_eq!(signed(s("1.9")), Value::Int(1));
        assert_eq!(signed(s("abc")), Value::Int(0));
        assert_eq!(unsigned(s("99999999999999999999")), Value::UInt(u64::MAX));
        assert_eq!(signed(s("-99999999999999999999")), Value::Int(i64::MIN));
        assert_eq!(signed(s("-9223372036854775808")), Value::Int(i64::MIN));
        let codes: Vec<u16> = super::super::take_warnings()
            .iter()
            .map(|w| w.code())
            .collect();
        assert_eq!(codes, [1105, 1105, 1292, 1292, 1292, 1292, 1292]);
    }
}
