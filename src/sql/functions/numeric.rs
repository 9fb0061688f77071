//! Numeric functions. Exact arguments (integers, DECIMAL) give exact results rounded half
//! away from zero; approximate ones (DOUBLE, strings) give doubles, as in MySQL.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::Func;
use crate::error::{Error, Result};
use crate::sql::expr::{arithmetic, BinOp, Expr};
use crate::types::{DataType, IntKind, Value};

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

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if f == Pi {
        return Ok(Value::Float(std::f64::consts::PI));
    }
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let x = &args[0];
    Ok(match f {
        Abs => match x {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| out_of_range("abs"))?),
            Value::UInt(u) => Value::UInt(*u),
            Value::Decimal(d) => Value::Decimal(d.abs()),
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
                r.to_i64().map_or(Value::Decimal(r), Value::Int)
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
            Value::Decimal(d) if d.is_sign_negative() => -1,
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
        _ => Value::Null,
    })
}

/// ROUND / TRUNCATE to `d` decimal places (negative: tens, hundreds, ...).
fn round(x: &Value, d: i64, truncate: bool) -> Value {
    let strategy = if truncate {
        RoundingStrategy::ToZero
    } else {
        RoundingStrategy::MidpointAwayFromZero
    };
    let exact = |v: Decimal| -> Decimal {
        if d >= 0 {
            let mut r = v.round_dp_with_strategy(d as u32, strategy);
            if matches!(x, Value::Decimal(_)) {
                r.rescale(d.min(28) as u32);
            }
            r
        } else {
            let p = Decimal::from_i128_with_scale(10i128.pow((-d).min(28) as u32), 0);
            (v / p).round_dp_with_strategy(0, strategy) * p
        }
    };
    match x {
        Value::Int(_) | Value::UInt(_) => {
            let r = exact(x.to_decimal());
            r.to_i64().map_or(Value::Decimal(r), Value::Int)
        }
        Value::Decimal(v) => Value::Decimal(exact(*v)),
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
