use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};

use super::decimal::{Decimal, ParseDecimalError, MAX_PRECISION};

/// One SQL value.
///
/// Integers keep their signedness because MySQL does: `BIGINT UNSIGNED` holds values an `i64`
/// cannot. FLOAT and DOUBLE are both held as `f64`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    /// Boxed: a DECIMAL's digits are on the heap anyway, and every other value stays small.
    Decimal(Box<Decimal>),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn str(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    /// Compares two non-NULL values the way MySQL compares them after type coercion:
    /// numbers numerically, strings bytewise, temporals chronologically, and a number
    /// against a string by reading the string as a number. NULL sorts first.
    pub fn sql_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Int(a), Int(b)) => a.cmp(b),
            (UInt(a), UInt(b)) => a.cmp(b),
            (Int(a), UInt(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (UInt(a), Int(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (DateTime(a), DateTime(b)) => a.cmp(b),
            (Date(a), DateTime(b)) => a.and_hms_opt(0, 0, 0).map_or(Ordering::Less, |a| a.cmp(b)),
            (DateTime(a), Date(b)) => b
                .and_hms_opt(0, 0, 0)
                .map_or(Ordering::Greater, |b| a.cmp(&b)),
            (Decimal(a), Decimal(b)) => a.cmp(b),
            (a, b) if a.is_exact_number() && b.is_exact_number() => {
                a.as_decimal().cmp(&b.as_decimal())
            }
            (Date(_) | DateTime(_), Bytes(_)) | (Bytes(_), Date(_) | DateTime(_)) => {
                self.to_string_lossy().cmp(&other.to_string_lossy())
            }
            (a, b) => a.to_f64().total_cmp(&b.to_f64()),
        }
    }

    fn is_exact_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::UInt(_) | Value::Decimal(_))
    }

    /// The value as a decimal; non-numbers become zero (callers check first).
    pub fn to_decimal(&self) -> Decimal {
        self.as_decimal().into_owned()
    }

    /// [`Value::to_decimal`], borrowing a decimal value instead of copying its digits.
    /// Doubles and strings read as MySQL reads them; past 65 integer digits they saturate
    /// at the widest DECIMAL's bound, as MySQL's conversion does.
    pub fn as_decimal(&self) -> Cow<'_, Decimal> {
        let read = |r: Result<Decimal, ParseDecimalError>| match r {
            Ok(d) => d,
            Err(ParseDecimalError::Overflow { negative }) => {
                let max = Decimal::max_of(MAX_PRECISION, 0);
                if negative {
                    -max
                } else {
                    max
                }
            }
            Err(ParseDecimalError::Invalid) => Decimal::ZERO,
        };
        Cow::Owned(match self {
            Value::Decimal(d) => return Cow::Borrowed(d),
            Value::Int(i) => Decimal::from(*i),
            Value::UInt(u) => Decimal::from(*u),
            Value::Float(f) => read(Decimal::from_f64(*f)),
            Value::Bytes(b) => read(parse_number_prefix(b).parse()),
            _ => Decimal::ZERO,
        })
    }

    /// The value as a double, with MySQL's reading of strings (the longest numeric prefix).
    pub fn to_f64(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Int(i) => *i as f64,
            Value::UInt(u) => *u as f64,
            Value::Float(f) => *f,
            Value::Decimal(d) => d.to_f64(),
            Value::Bytes(b) => parse_number_prefix(b).parse().unwrap_or(0.0),
            Value::Date(d) => d.format("%Y%m%d").to_string().parse().unwrap_or(0.0),
            Value::DateTime(d) => d.format("%Y%m%d%H%M%S").to_string().parse().unwrap_or(0.0),
        }
    }

    /// Truth in a WHERE clause: `None` is SQL's unknown (NULL).
    pub fn truth(&self) -> Option<bool> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i != 0),
            Value::UInt(u) => Some(*u != 0),
            Value::Decimal(d) => Some(!d.is_zero()),
            _ => Some(self.to_f64() != 0.0),
        }
    }

    /// The text form MySQL's text protocol sends; `None` for NULL.
    pub fn to_text(&self) -> Option<Vec<u8>> {
        match self {
            Value::Null => None,
            Value::Bytes(b) => Some(b.clone()),
            other => Some(other.to_string().into_bytes()),
        }
    }

    pub fn to_string_lossy(&self) -> String {
        match self {
            // Valid UTF-8 (nearly always) is checked much faster than it is repaired.
            Value::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(b).into_owned(),
            },
            other => other.to_string(),
        }
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Value {
        Value::Decimal(Box::new(d))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{}", format_double(*x)),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Bytes(b) => write!(f, "{}", String::from_utf8_lossy(b)),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::DateTime(d) => {
                if d.and_utc().timestamp_subsec_micros() == 0 {
                    write!(f, "{}", d.format("%Y-%m-%d %H:%M:%S"))
                } else {
                    write!(f, "{}", d.format("%Y-%m-%d %H:%M:%S%.6f"))
                }
            }
        }
    }
}

/// MySQL prints doubles with the shortest representation that round-trips, switching to
/// exponent notation for very large or small magnitudes.
pub fn format_double(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-5..1e15).contains(&abs) {
        let s = format!("{x:e}");
        // Rust prints 1e20; MySQL prints 1e20 as well, and 1.5e-7 as 1.5e-7.
        return s;
    }
    format!("{x}")
}

/// The longest prefix of `b` (after leading spaces) that reads as a number, as MySQL does
/// when it converts `'12abc'` to 12.
fn parse_number_prefix(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s = s.trim_start();
    let bytes = s.as_bytes();
    let mut end = 0;
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    while end < bytes.len() {
        let c = bytes[end];
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'+' | b'-' if end == 0 => {}
            b'+' | b'-' if seen_exp && matches!(bytes[end - 1], b'e' | b'E') => {}
            b'.' if !seen_dot && !seen_exp => seen_dot = true,
            b'e' | b'E' if seen_digit && !seen_exp => seen_exp = true,
            _ => break,
        }
        end += 1;
    }
    let mut out = s[..end].to_string();
    while out.ends_with(['e', 'E', '+', '-']) {
        out.pop();
    }
    if !seen_digit {
        return "0".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_as_numbers_by_prefix() {
        assert_eq!(Value::str("12abc").to_f64(), 12.0);
        assert_eq!(Value::str(" -3.5e2x").to_f64(), -350.0);
        assert_eq!(Value::str("abc").to_f64(), 0.0);
    }

    /// Rows are vectors of values: a wide variant would grow every row (a boxed decimal
    /// keeps them at a `Vec`'s size).
    #[test]
    fn values_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn mixed_sign_integers_compare_numerically() {
        assert_eq!(
            Value::Int(-1).sql_cmp(&Value::UInt(u64::MAX)),
            Ordering::Less
        );
        assert_eq!(
            Value::Int(3).sql_cmp(&Value::from(Decimal::new(25, 1))),
            Ordering::Greater
        );
    }
}
