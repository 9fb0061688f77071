//! Converting a value to a column's type, with MySQL's strict-mode rules.
//!
//! The caller (INSERT, UPDATE, defaults) names the column and row in the error message;
//! this module only says what went wrong. In non-strict mode the caller turns an error into a
//! warning and stores the `clamped` value its [`ConvertError`] carries instead.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{DataType, Decimal, ParseDecimalError, Value};

/// Why a value does not fit a column.
#[derive(Debug, Clone, PartialEq)]
pub enum ConvertError {
    /// 1264: a number outside the column's range; `clamped` is the nearest bound.
    OutOfRange { clamped: Value },
    /// 1406: a string longer than the column; `clamped` is the truncated string.
    TooLong { clamped: Value },
    /// 1366 (numbers) or 1292 (temporals): a string that is not a value of the type.
    Incorrect {
        type_name: &'static str,
        value: String,
        clamped: Value,
    },
    /// 1265: not a member of an ENUM or SET column; `clamped` is '' (ENUM) or the members
    /// that are (SET).
    Truncated { clamped: Value },
    /// 3140 in every sql_mode: not JSON text (MySQL's reason and byte position).
    InvalidJson {
        message: &'static str,
        position: usize,
    },
}

impl ConvertError {
    /// What non-strict mode stores instead.
    pub fn clamped(&self) -> Value {
        match self {
            ConvertError::OutOfRange { clamped }
            | ConvertError::TooLong { clamped }
            | ConvertError::Truncated { clamped }
            | ConvertError::Incorrect { clamped, .. } => clamped.clone(),
            ConvertError::InvalidJson { .. } => Value::Null,
        }
    }
}

/// The value MySQL stores for a NOT NULL column given NULL in non-strict mode.
pub fn implicit_default(ty: &DataType) -> Value {
    match ty {
        DataType::Int { unsigned: true, .. } | DataType::Bit { .. } => Value::UInt(0),
        DataType::Int { .. } | DataType::Year => Value::Int(0),
        DataType::Decimal { scale, .. } => Value::from(Decimal::zero(*scale)),
        DataType::Float | DataType::Double => Value::Float(0.0),
        DataType::Date => Value::Date(NaiveDate::MIN),
        DataType::DateTime { .. } | DataType::Timestamp { .. } => {
            Value::DateTime(NaiveDate::MIN.and_time(NaiveTime::MIN))
        }
        DataType::Binary {
            len,
            varying: false,
        } => Value::Bytes(vec![0; *len as usize]),
        DataType::Enum { members } => Value::str(members.first().map_or("", String::as_str)),
        DataType::Json => Value::str("null"),
        DataType::Time { .. } => Value::str("00:00:00"),
        _ => Value::Bytes(Vec::new()),
    }
}

/// The text a column's default (or the value rows written before the column existed) is
/// kept as: the value's text, and for BIT MySQL's `b'101'`.
pub fn stored_text(v: &Value, ty: &DataType) -> String {
    match (v, ty) {
        (Value::UInt(n), DataType::Bit { .. }) => format!("b'{n:b}'"),
        _ => v.to_string_lossy(),
    }
}

/// The value of a column's default kept as [`stored_text`].
pub fn from_stored_text(text: &str, ty: &DataType) -> Result<Value, ConvertError> {
    if let DataType::Bit { .. } = ty {
        let bits = text.strip_prefix("b'").and_then(|t| t.strip_suffix('\''));
        if let Some(n) = bits.and_then(|b| u64::from_str_radix(b, 2).ok()) {
            return to_column_type(&Value::UInt(n), ty);
        }
    }
    to_column_type(&Value::str(text), ty)
}

/// Converts `v` to a value of type `ty`. NULL stays NULL (nullability is the caller's check).
pub fn to_column_type(v: &Value, ty: &DataType) -> Result<Value, ConvertError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        DataType::Int { kind, unsigned } => {
            to_int(v, *unsigned, kind.signed_range(), kind.unsigned_max())
        }
        DataType::Decimal { precision, scale } => to_decimal(v, *precision, *scale),
        DataType::Float | DataType::Double => to_double(v, matches!(ty, DataType::Float)),
        DataType::Char { len, varying, .. } => {
            let mut s = v.to_string_lossy();
            if !varying {
                let trimmed = s.trim_end_matches(' ').len();
                s.truncate(trimmed);
            }
            let chars = s.chars().count();
            if chars > *len as usize {
                let cut: String = s.chars().take(*len as usize).collect();
                return Err(ConvertError::TooLong {
                    clamped: Value::Bytes(cut.into_bytes()),
                });
            }
            Ok(Value::Bytes(s.into_bytes()))
        }
        DataType::Binary { len, varying } => {
            let mut b = bytes_of(v);
            if b.len() > *len as usize {
                b.truncate(*len as usize);
                return Err(ConvertError::TooLong {
                    clamped: Value::Bytes(b),
                });
            }
            if !varying {
                b.resize(*len as usize, 0);
            }
            Ok(Value::Bytes(b))
        }
        DataType::Text { max_len, .. } | DataType::Blob { max_len } => {
            let mut b = bytes_of(v);
            if b.len() > *max_len as usize {
                b.truncate(*max_len as usize);
                return Err(ConvertError::TooLong {
                    clamped: Value::Bytes(b),
                });
            }
            Ok(Value::Bytes(b))
        }
        DataType::Date => to_datetime(v, "date").map(|dt| match dt {
            Value::DateTime(dt) => Value::Date(dt.date()),
            other => other,
        }),
        DataType::DateTime { fsp } | DataType::Timestamp { fsp } => {
            let name = if matches!(ty, DataType::Timestamp { .. }) {
                "timestamp"
            } else {
                "datetime"
            };
            to_datetime(v, name).map(|dt| match dt {
                Value::DateTime(dt) => Value::DateTime(round_fsp(dt, *fsp)),
                Value::Date(d) => Value::DateTime(d.and_time(NaiveTime::MIN)),
                other => other,
            })
        }
        DataType::Year => to_year(v),
        DataType::Bit { width } => to_bit(v, *width),
        DataType::Time { fsp } => to_time(v, *fsp),
        DataType::Json => to_json(v),
        DataType::Enum { members } => to_enum(v, members),
        DataType::Set { members } => to_set(v, members),
    }
}

/// The member `text` names (case-insensitively, trailing spaces ignored, as MySQL matches
/// under the default collation), as the definition spells it.
fn member<'m>(members: &'m [String], text: &str) -> Option<&'m String> {
    let text = text.trim_end_matches(' ').to_lowercase();
    members.iter().find(|m| m.to_lowercase() == text)
}

/// An ENUM value: a member's name, or its position (from 1).
fn to_enum(v: &Value, members: &[String]) -> Result<Value, ConvertError> {
    let found = match v {
        Value::Int(_) | Value::UInt(_) => usize::try_from(v.to_f64() as i64)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| members.get(i)),
        other => member(members, &other.to_string_lossy()),
    };
    match found {
        Some(m) => Ok(Value::str(m)),
        None => Err(ConvertError::Truncated {
            clamped: Value::str(""),
        }),
    }
}

/// A SET value: comma-separated member names in any order (kept once each, in definition
/// order), or a bit mask of member positions.
fn to_set(v: &Value, members: &[String]) -> Result<Value, ConvertError> {
    let mut chosen = vec![false; members.len()];
    let mut valid = true;
    match v {
        Value::Int(_) | Value::UInt(_) => {
            let bits = match v {
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                _ => 0,
            };
            for (i, c) in chosen.iter_mut().enumerate().take(64) {
                *c = bits & (1 << i) != 0;
            }
            valid = members.len() >= 64 || bits >> members.len() == 0;
        }
        other => {
            let text = other.to_string_lossy();
            for part in text.split(',').filter(|p| !p.is_empty()) {
                match member(members, part).and_then(|m| members.iter().position(|x| x == m)) {
                    Some(i) => chosen[i] = true,
                    None => valid = false,
                }
            }
        }
    }
    let text: Vec<&str> = members
        .iter()
        .zip(&chosen)
        .filter(|(_, c)| **c)
        .map(|(m, _)| m.as_str())
        .collect();
    let value = Value::str(&text.join(","));
    if valid {
        Ok(value)
    } else {
        Err(ConvertError::Truncated { clamped: value })
    }
}

/// A TIME: a time of a DATETIME, or a span in MySQL's spellings (`12:34:56`, `1 02:00`,
/// `123456`, the number 123456); past 838:59:59 it is clamped (1292 in strict mode).
fn to_time(v: &Value, fsp: u8) -> Result<Value, ConvertError> {
    use super::sql_time;
    let micros = match v {
        Value::DateTime(dt) => Some(
            i64::from(dt.time().num_seconds_from_midnight()) * 1_000_000
                + i64::from(dt.time().nanosecond() / 1000),
        ),
        Value::Date(_) => Some(0),
        Value::Float(f) => sql_time::parse(&format!("{f}")),
        other => {
            let text = other.to_string_lossy();
            sql_time::parse(&text).or_else(|| {
                // A DATETIME's spelling: its time of day.
                match to_datetime(&Value::str(&text), "time") {
                    Ok(Value::DateTime(dt)) if text.contains('-') => Some(
                        i64::from(dt.time().num_seconds_from_midnight()) * 1_000_000
                            + i64::from(dt.time().nanosecond() / 1000),
                    ),
                    _ => None,
                }
            })
        }
    };
    let incorrect = |clamped: Value| ConvertError::Incorrect {
        type_name: "time",
        value: v.to_string_lossy(),
        clamped,
    };
    match micros {
        None => Err(incorrect(Value::str("00:00:00"))),
        Some(m) if m.abs() > sql_time::MAX_MICROS => {
            Err(incorrect(Value::str(&sql_time::format(m, fsp))))
        }
        Some(m) => Ok(Value::str(&sql_time::format(m, fsp))),
    }
}

/// A JSON column's value: a string (or a JSON function's result) parsed and put in normal
/// form. Other values are refused as MySQL refuses them: they need a CAST.
fn to_json(v: &Value) -> Result<Value, ConvertError> {
    let Value::Bytes(text) = v else {
        return Err(ConvertError::InvalidJson {
            message: "not a JSON text, may need CAST",
            position: 0,
        });
    };
    match super::json::parse(text) {
        Ok(doc) => Ok(Value::Bytes(super::json::to_text(&doc).into_bytes())),
        Err(e) => Err(ConvertError::InvalidJson {
            message: e.message,
            position: e.position,
        }),
    }
}

/// A YEAR: 1901 to 2155 as given, two digits as MySQL reads them (1-69: 2001-2069, 70-99:
/// 1970-1999; the number 0 is 0000 but the string '0' or '00' is 2000), the year of a date;
/// 1264 otherwise (0000 stored in non-strict mode).
/// BIT(width): an integer as it is, a string as the big-endian number its bytes spell (as
/// MySQL reads `b'101'` and `'a'`), other numbers rounded; 1406 past the width (a negative
/// number too), all ones instead.
fn to_bit(v: &Value, width: u8) -> Result<Value, ConvertError> {
    let max = u64::MAX >> 64u32.saturating_sub(u32::from(width.clamp(1, 64)));
    let too_long = ConvertError::TooLong {
        clamped: Value::UInt(max),
    };
    let n = match v {
        Value::Int(i) => u64::try_from(*i).map_err(|_| too_long.clone())?,
        Value::UInt(u) => *u,
        Value::Bytes(b) => {
            if b.iter().skip_while(|&&x| x == 0).count() > 8 {
                return Err(too_long);
            }
            b.iter().fold(0u64, |n, &x| (n << 8) | u64::from(x))
        }
        other => {
            let f = other.to_f64().round();
            if !(0.0..18_446_744_073_709_551_616.0).contains(&f) {
                return Err(too_long);
            }
            f as u64
        }
    };
    if n > max {
        return Err(too_long);
    }
    Ok(Value::UInt(n))
}

fn to_year(v: &Value) -> Result<Value, ConvertError> {
    use chrono::Datelike;
    let from_text = match v {
        Value::Date(d) => return Ok(Value::Int(i64::from(d.year()))),
        Value::DateTime(dt) => return Ok(Value::Int(i64::from(dt.year()))),
        Value::Bytes(_) => true,
        _ => false,
    };
    let n = match to_int(v, false, (i64::MIN, i64::MAX), u64::MAX)? {
        Value::Int(i) => i,
        Value::UInt(u) => i64::try_from(u).unwrap_or(i64::MAX),
        _ => i64::MAX,
    };
    let year = match n {
        0 if !from_text => 0,
        0..=69 => 2000 + n,
        70..=99 => 1900 + n,
        1901..=2155 => n,
        _ => {
            return Err(ConvertError::OutOfRange {
                clamped: Value::Int(0),
            })
        }
    };
    Ok(Value::Int(year))
}

fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        other => other.to_string().into_bytes(),
    }
}

fn to_int(
    v: &Value,
    unsigned: bool,
    (min, max): (i64, i64),
    umax: u64,
) -> Result<Value, ConvertError> {
    // Work in i128 so every source fits before the range check.
    let n: i128 = match v {
        Value::Int(i) => i128::from(*i),
        Value::UInt(u) => i128::from(*u),
        Value::Float(f) => clamp_f64(f.round()),
        Value::Decimal(d) => d.round(0).to_i128().unwrap_or(if d.is_negative() {
            i128::MIN
        } else {
            i128::MAX
        }),
        Value::Bytes(b) => {
            let s = match std::str::from_utf8(b) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(b),
            };
            let t = s.trim();
            match t.parse::<i128>() {
                Ok(n) => n,
                Err(_) => match t.parse::<f64>() {
                    Ok(f) if !t.is_empty() => clamp_f64(f.round()),
                    _ => {
                        let prefix = clamp_f64(v.to_f64().round());
                        return Err(ConvertError::Incorrect {
                            type_name: "integer",
                            value: s.into_owned(),
                            clamped: int_value(
                                prefix.clamp(
                                    if unsigned { 0 } else { i128::from(min) },
                                    if unsigned {
                                        i128::from(umax)
                                    } else {
                                        i128::from(max)
                                    },
                                ),
                                unsigned,
                            ),
                        });
                    }
                },
            }
        }
        Value::Date(_) | Value::DateTime(_) => clamp_f64(v.to_f64()),
        Value::Null => return Ok(Value::Null),
    };
    let (lo, hi) = if unsigned {
        (0, i128::from(umax))
    } else {
        (i128::from(min), i128::from(max))
    };
    if n < lo || n > hi {
        return Err(ConvertError::OutOfRange {
            clamped: int_value(n.clamp(lo, hi), unsigned),
        });
    }
    Ok(int_value(n, unsigned))
}

fn clamp_f64(f: f64) -> i128 {
    if f.is_nan() {
        0
    } else {
        f.clamp(i128::MIN as f64, i128::MAX as f64) as i128
    }
}

fn int_value(n: i128, unsigned: bool) -> Value {
    if unsigned {
        Value::UInt(n as u64)
    } else {
        Value::Int(n as i64)
    }
}

/// A DECIMAL(precision, scale) value: rounded half away from zero to the scale, then range
/// checked as MySQL does: more than `precision - scale` integer digits (also after rounding:
/// 999.995 in DECIMAL(5,2)) is 1264, clamped to the type's bound (999.99).
fn to_decimal(v: &Value, precision: u8, scale: u8) -> Result<Value, ConvertError> {
    let read = match v {
        Value::Bytes(b) => {
            let s = String::from_utf8_lossy(b);
            match Decimal::parse_rounded(s.trim(), scale) {
                Err(ParseDecimalError::Invalid) => {
                    return Err(ConvertError::Incorrect {
                        type_name: "decimal",
                        value: s.into_owned(),
                        clamped: Value::from(Decimal::zero(scale)),
                    })
                }
                read => read,
            }
        }
        // A double reads as its shortest text (1e28 is 10000000000000000000000000000),
        // rounded once to the scale.
        Value::Float(f) if f.is_finite() => Decimal::parse_rounded(&format!("{f:e}"), scale),
        Value::Float(f) => Err(ParseDecimalError::Overflow { negative: *f < 0.0 }),
        other => Ok(other.as_decimal().rescale(scale)),
    };
    let out_of_range = |negative: bool| {
        let max = Decimal::max_of(precision, scale);
        Err(ConvertError::OutOfRange {
            clamped: Value::from(if negative { -max } else { max }),
        })
    };
    match read {
        Ok(d) if d.int_digits() <= u32::from(precision.saturating_sub(scale)) => Ok(Value::from(d)),
        Ok(d) => out_of_range(d.is_negative()),
        Err(ParseDecimalError::Overflow { negative }) => out_of_range(negative),
        // Only a NaN double gets here; MySQL has none.
        Err(ParseDecimalError::Invalid) => out_of_range(false),
    }
}

fn to_double(v: &Value, single: bool) -> Result<Value, ConvertError> {
    let f = match v {
        Value::Bytes(b) => {
            let s = String::from_utf8_lossy(b);
            match s.trim().parse::<f64>() {
                Ok(f) => f,
                Err(_) => {
                    return Err(ConvertError::Incorrect {
                        type_name: "double",
                        value: s.into_owned(),
                        clamped: Value::Float(v.to_f64()),
                    })
                }
            }
        }
        other => other.to_f64(),
    };
    if single && f.is_finite() && f.abs() > f64::from(f32::MAX) {
        return Err(ConvertError::OutOfRange {
            clamped: Value::Float(f64::from(f32::MAX).copysign(f)),
        });
    }
    Ok(Value::Float(f))
}

fn to_datetime(v: &Value, type_name: &'static str) -> Result<Value, ConvertError> {
    let zero = || Value::Date(NaiveDate::MIN);
    match v {
        Value::Date(_) | Value::DateTime(_) => Ok(v.clone()),
        Value::Int(_) | Value::UInt(_) => {
            parse_datetime(&v.to_string()).ok_or(ConvertError::Incorrect {
                type_name,
                value: v.to_string(),
                clamped: zero(),
            })
        }
        _ => {
            let s = v.to_string_lossy();
            parse_datetime(s.trim()).ok_or(ConvertError::Incorrect {
                type_name,
                value: s,
                clamped: zero(),
            })
        }
    }
}

/// Parses the literal forms MySQL accepts: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`,
/// `YYYY-MM-DDTHH:MM:SS`, and the digit-only `YYYYMMDD[HHMMSS]`.
pub fn parse_datetime(s: &str) -> Option<Value> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Value::Date(d));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Value::DateTime(dt));
        }
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        match s.len() {
            8 => return NaiveDate::parse_from_str(s, "%Y%m%d").ok().map(Value::Date),
            14 => {
                return NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
                    .ok()
                    .map(Value::DateTime)
            }
            _ => {}
        }
    }
    None
}

fn round_fsp(dt: NaiveDateTime, fsp: u8) -> NaiveDateTime {
    let unit = 10u32.pow(9 - u32::from(fsp.min(6)));
    let nanos = dt.nanosecond();
    let rounded = (nanos + unit / 2) / unit * unit;
    if rounded >= 1_000_000_000 {
        dt.with_nanosecond(0)
            .map(|d| d + chrono::Duration::seconds(1))
            .unwrap_or(dt)
    } else {
        dt.with_nanosecond(rounded).unwrap_or(dt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::IntKind;

    fn tiny(unsigned: bool) -> DataType {
        DataType::Int {
            kind: IntKind::Tiny,
            unsigned,
        }
    }

    #[test]
    fn integers_are_range_checked_and_rounded() {
        assert_eq!(
            to_column_type(&Value::Int(127), &tiny(false)),
            Ok(Value::Int(127))
        );
        assert!(matches!(
            to_column_type(&Value::Int(128), &tiny(false)),
            Err(ConvertError::OutOfRange {
                clamped: Value::Int(127)
            })
        ));
        assert!(to_column_type(&Value::Int(-1), &tiny(true)).is_err());
        assert_eq!(
            to_column_type(&Value::Float(2.5), &tiny(false)),
            Ok(Value::Int(3))
        );
        assert_eq!(
            to_column_type(&Value::str(" 42 "), &tiny(false)),
            Ok(Value::Int(42))
        );
        assert!(matches!(
            to_column_type(&Value::str("abc"), &tiny(false)),
            Err(ConvertError::Incorrect { .. })
        ));
    }

    #[test]
    fn decimals_round_to_scale_and_check_precision() {
        let ty = DataType::Decimal {
            precision: 5,
            scale: 2,
        };
        assert_eq!(
            to_column_type(&Value::str("1.005"), &ty),
            Ok(Value::from(Decimal::new(101, 2)))
        );
        assert!(matches!(
            to_column_type(&Value::Int(1000), &ty),
            Err(ConvertError::OutOfRange { .. })
        ));
    }

    #[test]
    fn wide_decimals_are_exact_and_range_checked() {
        let wide = DataType::Decimal {
            precision: 65,
            scale: 30,
        };
        let text = "12345678901234567890123456789012345.123456789012345678901234567890";
        assert_eq!(
            to_column_type(&Value::str(text), &wide).map(|v| v.to_string()),
            Ok(text.to_string())
        );
        for v in [
            Value::Float(1e30),
            Value::str("1e30"),
            Value::str("1000000000000000000000000000000"),
        ] {
            assert_eq!(
                to_column_type(&v, &wide).map(|v| v.to_string()),
                Ok(format!("1{}.{}", "0".repeat(30), "0".repeat(30))),
                "{v:?}"
            );
        }
        let max = Decimal::max_of(65, 30);
        for (v, clamped) in [
            (Value::str("1e35"), max.clone()),
            (Value::str("-1e100"), -max.clone()),
            (Value::str("1e1000000000"), max.clone()),
            (Value::Float(1e300), max.clone()),
            (Value::Float(f64::NEG_INFINITY), -max.clone()),
        ] {
            assert_eq!(
                to_column_type(&v, &wide),
                Err(ConvertError::OutOfRange {
                    clamped: Value::from(clamped)
                }),
                "{v:?}"
            );
        }
        assert_eq!(
            to_column_type(&Value::str("1e-40"), &wide),
            Ok(Value::from(Decimal::ZERO))
        );
        assert_eq!(
            to_column_type(&Value::Float(1e28), &wide).map(|v| v.to_string()),
            Ok(format!("1{}.{}", "0".repeat(28), "0".repeat(30)))
        );
        let small = DataType::Decimal {
            precision: 5,
            scale: 2,
        };
        assert_eq!(
            to_column_type(&Value::str("-999.995"), &small),
            Err(ConvertError::OutOfRange {
                clamped: Value::from(-Decimal::max_of(5, 2))
            })
        );
        assert_eq!(
            to_column_type(&Value::Float(-999.994), &small).map(|v| v.to_string()),
            Ok("-999.99".to_string())
        );
    }

    #[test]
    fn strings_are_length_checked_in_characters() {
        let ty = DataType::varchar(3);
        assert_eq!(
            to_column_type(&Value::str("héé"), &ty),
            Ok(Value::str("héé"))
        );
        assert!(to_column_type(&Value::str("abcd"), &ty).is_err());
        let fixed = DataType::Char {
            len: 3,
            varying: false,
            collation: Default::default(),
        };
        assert_eq!(
            to_column_type(&Value::str("ab "), &fixed),
            Ok(Value::str("ab"))
        );
    }

    #[test]
    fn temporal_literals_parse() {
        let ty = DataType::DateTime { fsp: 0 };
        assert_eq!(
            to_column_type(&Value::str("2024-02-03"), &ty).map(|v| v.to_string()),
            Ok("2024-02-03 00:00:00".to_string())
        );
        assert_eq!(
            to_column_type(&Value::str("2024-02-03 10:11:12"), &DataType::Date)
                .map(|v| v.to_string()),
            Ok("2024-02-03".to_string())
        );
        assert!(to_column_type(&Value::str("2024-13-01"), &DataType::Date).is_err());
    }
}
