//! Built-in scalar functions that depend only on their arguments. Functions that read the
//! session (DATABASE(), CONNECTION_ID(), NOW(), ...) are folded to literals by the binder.

use rust_decimal::{Decimal, RoundingStrategy};

use super::error::{Error, Result};
use crate::types::{convert, DataType, IntKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Concat,
    Length,
    CharLength,
    Lower,
    Upper,
    Abs,
    Coalesce,
    IfNull,
    NullIf,
    If,
}

/// Looks a function up by name; `None` if moltdb does not know it.
pub fn lookup(name: &str) -> Option<Func> {
    Some(match name.to_ascii_lowercase().as_str() {
        "concat" => Func::Concat,
        "length" | "octet_length" => Func::Length,
        "char_length" | "character_length" => Func::CharLength,
        "lower" | "lcase" => Func::Lower,
        "upper" | "ucase" => Func::Upper,
        "abs" => Func::Abs,
        "coalesce" => Func::Coalesce,
        "ifnull" => Func::IfNull,
        "nullif" => Func::NullIf,
        "if" => Func::If,
        _ => return None,
    })
}

pub fn name(f: Func) -> &'static str {
    match f {
        Func::Concat => "concat",
        Func::Length => "length",
        Func::CharLength => "char_length",
        Func::Lower => "lower",
        Func::Upper => "upper",
        Func::Abs => "abs",
        Func::Coalesce => "coalesce",
        Func::IfNull => "ifnull",
        Func::NullIf => "nullif",
        Func::If => "if",
    }
}

/// The number of arguments a function takes: (min, max).
pub fn arity(f: Func) -> (usize, usize) {
    match f {
        Func::Concat | Func::Coalesce => (1, usize::MAX),
        Func::IfNull | Func::NullIf => (2, 2),
        Func::If => (3, 3),
        _ => (1, 1),
    }
}

pub fn is_deterministic(_f: Func) -> bool {
    true
}

pub fn result_type(f: Func, args: &[super::expr::Expr]) -> Option<DataType> {
    let text = Some(DataType::Char {
        len: 255,
        varying: true,
    });
    match f {
        Func::Concat | Func::Lower | Func::Upper => text,
        Func::Length | Func::CharLength => Some(DataType::Int {
            kind: IntKind::Big,
            unsigned: false,
        }),
        Func::Abs => args.first().and_then(|a| a.data_type()),
        Func::Coalesce | Func::IfNull | Func::NullIf => args.iter().find_map(|a| a.data_type()),
        Func::If => args
            .get(1)
            .and_then(|a| a.data_type())
            .or_else(|| args.get(2)?.data_type()),
    }
}

pub fn call(f: Func, args: Vec<Value>) -> Result<Value> {
    let mut args = args;
    let arg = |i: usize| -> &Value { &args[i] };
    Ok(match f {
        Func::Concat => {
            if args.iter().any(Value::is_null) {
                return Ok(Value::Null);
            }
            let mut out = Vec::new();
            for a in &args {
                out.extend(a.to_text().unwrap_or_default());
            }
            Value::Bytes(out)
        }
        Func::Length => match arg(0) {
            Value::Null => Value::Null,
            v => Value::Int(v.to_text().unwrap_or_default().len() as i64),
        },
        Func::CharLength => match arg(0) {
            Value::Null => Value::Null,
            v => Value::Int(v.to_string_lossy().chars().count() as i64),
        },
        Func::Lower => map_text(arg(0), |s| s.to_lowercase()),
        Func::Upper => map_text(arg(0), |s| s.to_uppercase()),
        Func::Abs => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(i) => match i.checked_abs() {
                Some(a) => Value::Int(a),
                None => {
                    return Err(Error::new(
                        1690,
                        "22003",
                        format!("BIGINT value is out of range in 'abs({i})'"),
                    ))
                }
            },
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            v => Value::Float(v.to_f64().abs()),
        },
        Func::Coalesce => args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        Func::IfNull => {
            if arg(0).is_null() {
                args.swap_remove(1)
            } else {
                args.swap_remove(0)
            }
        }
        Func::NullIf => {
            if !arg(0).is_null() && !arg(1).is_null() && arg(0).sql_cmp(arg(1)).is_eq() {
                Value::Null
            } else {
                args.swap_remove(0)
            }
        }
        Func::If => {
            if arg(0).truth() == Some(true) {
                args.swap_remove(1)
            } else {
                args.swap_remove(2)
            }
        }
    })
}

fn map_text(v: &Value, f: impl Fn(&str) -> String) -> Value {
    match v {
        Value::Null => Value::Null,
        v => Value::Bytes(f(&v.to_string_lossy()).into_bytes()),
    }
}

/// CAST(v AS ty): like storing into a column of that type, but never an error: values that
/// do not fit become the nearest value, as MySQL's CAST does.
pub fn cast(v: Value, ty: &DataType) -> Result<Value> {
    if let (DataType::Decimal { scale, .. }, Value::Float(f)) = (ty, &v) {
        let d = Decimal::from_f64_retain(*f).unwrap_or_default();
        return Ok(Value::Decimal(d.round_dp_with_strategy(
            u32::from(*scale),
            RoundingStrategy::MidpointAwayFromZero,
        )));
    }
    Ok(match convert::to_column_type(&v, ty) {
        Ok(v) => v,
        Err(e) => match e.clamped() {
            Value::Date(d) if d == chrono::NaiveDate::MIN => Value::Null,
            other => other,
        },
    })
}
