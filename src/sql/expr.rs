//! Bound expressions: column references resolved to row offsets, ready to evaluate per row.

use std::cmp::Ordering;

use super::functions::{self, Func};
use super::subquery::{Env, Subquery};
use super::user_locks::{UserLockHandle, UserLockOp};
use crate::error::{Error, Result};
use crate::types::collation::Fold;
use crate::types::decimal::MAX_SCALE;
use crate::types::{DataType, IntKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    NullSafeEq,
    And,
    Or,
    Xor,
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        )
    }

    /// Arithmetic and bit operators: their operands are read as numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Mod
        ) || self.is_bitwise()
    }

    /// `&`, `|`, `^`, `<<`, `>>`: BIGINT UNSIGNED over integer operands.
    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::ShiftLeft | BinOp::ShiftRight
        )
    }

    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::IntDiv => "DIV",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::NotEq => "!=",
            BinOp::Lt => "<",
            BinOp::LtEq => "<=",
            BinOp::Gt => ">",
            BinOp::GtEq => ">=",
            BinOp::NullSafeEq => "<=>",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::ShiftLeft => "<<",
            BinOp::ShiftRight => ">>",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    /// A column of the input row, with its type.
    Column(usize, DataType),
    /// A column of an enclosing query (a correlated reference), by its offset in the
    /// enclosing rows the subquery runs with ([`Env::outer`]).
    OuterColumn(usize, DataType),
    /// An aggregate call while a grouped query is being bound: the `n`th aggregate of the
    /// query. Planning replaces it by a column of the aggregated row; it is never evaluated.
    AggRef(usize, Option<DataType>),
    /// A window function call while a SELECT block is being bound: the `n`th window call
    /// of the block. Planning replaces it by a column the window stage appends; it is never
    /// evaluated.
    WindowRef(usize, Option<DataType>),
    /// A subquery evaluated per row (correlated) or once (uncorrelated).
    Subquery(Box<Subquery>),
    Neg(Box<Expr>),
    BitNot(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: u8,
        negated: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        branches: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast(Box<Expr>, DataType),
    Call(Func, Vec<Expr>),
    /// `@name := value`: evaluates to the value and hands it to the session, which sets the
    /// user variable when the statement ends (reads of `@name` in the same statement see the
    /// value it had before, as they are bound once).
    AssignVariable {
        name: String,
        value: Box<Expr>,
        sink: VariableSink,
    },
    /// GET_LOCK() and the other user-level lock functions, run by the session's locks.
    UserLock {
        op: UserLockOp,
        args: Vec<Expr>,
        locks: UserLockHandle,
    },
}

/// Where `@name := value` expressions of one statement leave their values for the session.
#[derive(Debug, Clone, Default)]
pub struct VariableSink(std::sync::Arc<parking_lot::Mutex<Vec<(String, Value)>>>);

impl VariableSink {
    fn assign(&self, name: &str, v: Value) {
        let mut assigned = self.0.lock();
        match assigned.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = v,
            None => assigned.push((name.to_string(), v)),
        }
    }

    /// The values assigned since the last call, each variable's latest.
    pub fn take(&self) -> Vec<(String, Value)> {
        std::mem::take(&mut *self.0.lock())
    }
}

/// Sinks compare by identity: two plans are equal only if they assign into the same session.
impl PartialEq for VariableSink {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Expr {
    /// Evaluates over one row, outside any query: no correlated columns, no subqueries.
    pub fn eval(&self, row: &[Value]) -> Result<Value> {
        self.eval_in(row, &Env::NONE)
    }

    /// Evaluates over one row of a query, with the enclosing rows and the subquery runner
    /// of `env`.
    pub fn eval_in(&self, row: &[Value], env: &Env) -> Result<Value> {
        match self {
            Expr::Literal(v) => Ok(v.clone()),
            Expr::Column(i, _) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            Expr::OuterColumn(i, _) => Ok(env.outer.get(*i).cloned().unwrap_or(Value::Null)),
            Expr::AggRef(..) => Err(Error::new(1111, "HY000", "Invalid use of group function")),
            Expr::WindowRef(..) => Err(Error::new(3593, "HY000", "Invalid use of window function")),
            Expr::Subquery(sq) => sq.eval(row, env),
            Expr::Neg(e) => negate(e.eval_in(row, env)?),
            Expr::BitNot(e) => Ok(match e.eval_in(row, env)? {
                Value::Null => Value::Null,
                v => Value::UInt(!bits_of(&v)),
            }),
            Expr::Not(e) => Ok(match e.eval_in(row, env)?.truth() {
                None => Value::Null,
                Some(b) => bool_value(!b),
            }),
            Expr::Binary(op, l, r) => eval_binary(*op, l, r, row, env),
            Expr::IsNull(e, negated) => Ok(bool_value(e.eval_in(row, env)?.is_null() != *negated)),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let v = expr.eval_in(row, env)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let x = item.eval_in(row, env)?;
                    if x.is_null() {
                        saw_null = true;
                    } else if compare(&v, &x) == Ordering::Equal {
                        return Ok(bool_value(!negated));
                    }
                }
                Ok(if saw_null {
                    Value::Null
                } else {
                    bool_value(*negated)
                })
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let v = expr.eval_in(row, env)?;
                let lo = low.eval_in(row, env)?;
                let hi = high.eval_in(row, env)?;
                let ge = cmp_truth(&v, &lo, |o| o != Ordering::Less);
                let le = cmp_truth(&v, &hi, |o| o != Ordering::Greater);
                let r = and3(ge, le);
                Ok(match r {
                    None => Value::Null,
                    Some(b) => bool_value(b != *negated),
                })
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => {
                let v = expr.eval_in(row, env)?;
                let p = pattern.eval_in(row, env)?;
                if v.is_null() || p.is_null() {
                    return Ok(Value::Null);
                }
                let m = like_match(
                    &v.to_text().unwrap_or_default(),
                    &p.to_text().unwrap_or_default(),
                    *escape,
                );
                Ok(bool_value(m != *negated))
            }
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => {
                let op = operand.as_ref().map(|o| o.eval_in(row, env)).transpose()?;
                for (when, then) in branches {
                    let w = when.eval_in(row, env)?;
                    let hit = match &op {
                        Some(o) => {
                            !o.is_null() && !w.is_null() && compare(o, &w) == Ordering::Equal
                        }
                        None => w.truth() == Some(true),
                    };
                    if hit {
                        return then.eval_in(row, env);
                    }
                }
                match otherwise {
                    Some(e) => e.eval_in(row, env),
                    None => Ok(Value::Null),
                }
            }
            Expr::Cast(e, ty) => functions::cast(e.eval_in(row, env)?, ty),
            // BENCHMARK runs its expression `count` times: it cannot take it evaluated once.
            Expr::Call(Func::Benchmark, args) if args.len() == 2 => {
                let count = args[0].eval_in(row, env)?;
                let Some(n) = functions::benchmark_count(&count) else {
                    return Ok(Value::Null);
                };
                for i in 0..n {
                    // KILL QUERY ends it (checked every 4096 evaluations).
                    if i % 4096 == 0 && functions::interrupted() {
                        return Err(Error::Interrupted);
                    }
                    args[1].eval_in(row, env)?;
                }
                Ok(Value::Int(0))
            }
            Expr::Call(f, args) => functions::call(*f, eval_all(args, row, env)?),
            Expr::AssignVariable { name, value, sink } => {
                let v = value.eval_in(row, env)?;
                sink.assign(name, v.clone());
                Ok(v)
            }
            Expr::UserLock { op, args, locks } => {
                op.run(locks.0.as_ref(), &eval_all(args, row, env)?)
            }
        }
    }

    /// How the strings this expression yields compare: the case-insensitive collation of
    /// its type (a column declared `COLLATE utf8mb4_general_ci`, or an expression over
    /// one), `None` for byte-wise comparison.
    pub fn fold(&self) -> Option<Fold> {
        self.data_type()?.collation()?.fold()
    }

    /// This expression compared by its key under `fold` (unless it already is).
    pub fn collated(self, fold: Fold) -> Expr {
        match self {
            Expr::Call(Func::CollationKey(f), _) if f == fold => self,
            other => Expr::Call(Func::CollationKey(fold), vec![other]),
        }
    }

    /// The result type, as the column definition of a result set reports it.
    pub fn data_type(&self) -> Option<DataType> {
        match self {
            Expr::Literal(v) => literal_type(v),
            Expr::Column(_, ty) | Expr::OuterColumn(_, ty) => Some(ty.clone()),
            Expr::AggRef(_, ty) | Expr::WindowRef(_, ty) => ty.clone(),
            Expr::Subquery(sq) => sq.data_type(),
            Expr::Neg(e) => e.data_type(),
            Expr::BitNot(_) => Some(DataType::Int {
                kind: IntKind::Big,
                unsigned: true,
            }),
            Expr::Not(_)
            | Expr::IsNull(..)
            | Expr::InList { .. }
            | Expr::Between { .. }
            | Expr::Like { .. } => Some(bigint()),
            Expr::Binary(op, l, r) => arith_type(*op, l.data_type(), r.data_type()),
            Expr::Case {
                branches,
                otherwise,
                ..
            } => branches
                .first()
                .map(|(_, t)| t.data_type())
                .or_else(|| otherwise.as_ref().map(|o| o.data_type()))
                .flatten(),
            Expr::Cast(_, ty) => Some(ty.clone()),
            Expr::Call(f, args) => functions::result_type(*f, args),
            Expr::AssignVariable { value, .. } => value.data_type(),
            Expr::UserLock { .. } => Some(bigint()),
        }
    }

    /// True if the expression reads no column (it can be evaluated once, at plan time).
    pub fn is_constant(&self) -> bool {
        match self {
            Expr::Literal(_) => true,
            Expr::Column(..)
            | Expr::OuterColumn(..)
            | Expr::AggRef(..)
            | Expr::WindowRef(..)
            | Expr::Subquery(_) => false,
            Expr::Neg(e)
            | Expr::BitNot(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _) => e.is_constant(),
            Expr::Binary(_, l, r) => l.is_constant() && r.is_constant(),
            Expr::InList { expr, list, .. } => {
                expr.is_constant() && list.iter().all(|e| e.is_constant())
            }
            Expr::Between {
                expr, low, high, ..
            } => expr.is_constant() && low.is_constant() && high.is_constant(),
            Expr::Like { expr, pattern, .. } => expr.is_constant() && pattern.is_constant(),
            Expr::Case { .. } | Expr::AssignVariable { .. } | Expr::UserLock { .. } => false,
            Expr::Call(f, args) => {
                functions::is_deterministic(*f) && args.iter().all(|a| a.is_constant())
            }
        }
    }

    /// The expression as EXPLAIN prints it, with column names from `names`.
    pub fn display(&self, names: &dyn Fn(usize) -> String) -> String {
        match self {
            Expr::Literal(v) => match v {
                Value::Bytes(_) => format!("\"{}\"", v.to_string_lossy()),
                other => other.to_string(),
            },
            Expr::Column(i, _) => names(*i),
            Expr::OuterColumn(i, _) => format!("outer#{i}"),
            Expr::AggRef(i, _) => format!("agg#{i}"),
            Expr::WindowRef(i, _) => format!("window#{i}"),
            Expr::Subquery(_) => "subquery".into(),
            Expr::Neg(e) => format!("-{}", e.display(names)),
            Expr::BitNot(e) => format!("~{}", e.display(names)),
            Expr::Not(e) => format!("not({})", e.display(names)),
            Expr::Binary(op, l, r) => match op {
                BinOp::Eq => format!("eq({}, {})", l.display(names), r.display(names)),
                BinOp::NotEq => format!("ne({}, {})", l.display(names), r.display(names)),
                BinOp::Lt => format!("lt({}, {})", l.display(names), r.display(names)),
                BinOp::LtEq => format!("le({}, {})", l.display(names), r.display(names)),
                BinOp::Gt => format!("gt({}, {})", l.display(names), r.display(names)),
                BinOp::GtEq => format!("ge({}, {})", l.display(names), r.display(names)),
                BinOp::And => format!("and({}, {})", l.display(names), r.display(names)),
                BinOp::Or => format!("or({}, {})", l.display(names), r.display(names)),
                other => format!(
                    "({} {} {})",
                    l.display(names),
                    other.symbol(),
                    r.display(names)
                ),
            },
            Expr::IsNull(e, false) => format!("isnull({})", e.display(names)),
            Expr::IsNull(e, true) => format!("not(isnull({}))", e.display(names)),
            Expr::InList {
                expr,
                list,
                negated,
            } => format!(
                "{}in({}, {})",
                if *negated { "not " } else { "" },
                expr.display(names),
                list.iter()
                    .map(|e| e.display(names))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::Between {
                expr, low, high, ..
            } => format!(
                "between({}, {}, {})",
                expr.display(names),
                low.display(names),
                high.display(names)
            ),
            Expr::Like { expr, pattern, .. } => {
                format!("like({}, {})", expr.display(names), pattern.display(names))
            }
            Expr::Case { .. } => "case(...)".into(),
            Expr::Cast(e, ty) => format!("cast({}, {})", e.display(names), ty.sql_name()),
            Expr::Call(f, args) => format!(
                "{}({})",
                functions::name(*f),
                args.iter()
                    .map(|e| e.display(names))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expr::AssignVariable { name, value, .. } => {
                format!("setvar(\"{name}\", {})", value.display(names))
            }
            Expr::UserLock { op, args, .. } => format!(
                "{}({})",
                op.name(),
                args.iter()
                    .map(|e| e.display(names))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Each of `exprs` over one row.
pub fn eval_all(exprs: &[Expr], row: &[Value], env: &Env) -> Result<Vec<Value>> {
    exprs.iter().map(|e| e.eval_in(row, env)).collect()
}

fn bigint() -> DataType {
    DataType::Int {
        kind: IntKind::Big,
        unsigned: false,
    }
}

pub fn literal_type(v: &Value) -> Option<DataType> {
    Some(match v {
        Value::Null => return None,
        Value::Int(_) => bigint(),
        Value::UInt(_) => DataType::Int {
            kind: IntKind::Big,
            unsigned: true,
        },
        Value::Float(_) => DataType::Double,
        // As MySQL types a literal: its digits, a zero before the point counted (0.5 is
        // DECIMAL(2,1)).
        Value::Decimal(d) => DataType::Decimal {
            precision: (d.int_digits().max(1) + u32::from(d.scale())).min(65) as u8,
            scale: d.scale(),
        },
        Value::Bytes(b) => DataType::varchar(b.len() as u32),
        Value::Date(_) => DataType::Date,
        Value::DateTime(_) => DataType::DateTime { fsp: 0 },
    })
}

fn arith_type(op: BinOp, l: Option<DataType>, r: Option<DataType>) -> Option<DataType> {
    use DataType::*;
    if matches!(
        op,
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::ShiftLeft | BinOp::ShiftRight
    ) {
        return Some(Int {
            kind: IntKind::Big,
            unsigned: true,
        });
    }
    if !matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Mod
    ) {
        return Some(bigint());
    }
    if op == BinOp::IntDiv {
        return Some(bigint());
    }
    let (l, r) = (l?, r?);
    let is_float = |t: &DataType| matches!(t, Float | Double) || t.is_string();
    if is_float(&l) || is_float(&r) {
        return Some(Double);
    }
    let scale = |t: &DataType| match t {
        Decimal { scale, .. } => *scale,
        _ => 0,
    };
    if op == BinOp::Div {
        return Some(Decimal {
            precision: 65,
            scale: (scale(&l) + 4).min(30),
        });
    }
    if matches!(l, Decimal { .. }) || matches!(r, Decimal { .. }) {
        let s = if op == BinOp::Mul {
            scale(&l) + scale(&r)
        } else {
            scale(&l).max(scale(&r))
        };
        return Some(Decimal {
            precision: 65,
            scale: s.min(30),
        });
    }
    Some(bigint())
}

pub fn bool_value(b: bool) -> Value {
    Value::Int(i64::from(b))
}

/// SQL comparison of two non-NULL values.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    a.sql_cmp(b)
}

fn cmp_truth(a: &Value, b: &Value, pred: impl Fn(Ordering) -> bool) -> Option<bool> {
    if a.is_null() || b.is_null() {
        None
    } else {
        Some(pred(compare(a, b)))
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn negate(v: Value) -> Result<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(i) => match i.checked_neg() {
            Some(n) => Value::Int(n),
            None => return Err(out_of_range("BIGINT", &format!("-{i}"))),
        },
        Value::UInt(u) => {
            if u <= i64::MAX as u64 + 1 {
                Value::Int((u as i64).wrapping_neg())
            } else {
                return Err(out_of_range("BIGINT", &format!("-{u}")));
            }
        }
        Value::Decimal(d) => Value::from(-*d),
        other => Value::Float(-other.to_f64()),
    })
}

fn out_of_range(ty: &str, expr: &str) -> Error {
    Error::new(
        1690,
        "22003",
        format!("{ty} value is out of range in '{expr}'"),
    )
}

fn eval_binary(op: BinOp, l: &Expr, r: &Expr, row: &[Value], env: &Env) -> Result<Value> {
    match op {
        BinOp::And => {
            let a = l.eval_in(row, env)?.truth();
            if a == Some(false) {
                return Ok(bool_value(false));
            }
            let b = r.eval_in(row, env)?.truth();
            return Ok(match and3(a, b) {
                None => Value::Null,
                Some(x) => bool_value(x),
            });
        }
        BinOp::Or => {
            let a = l.eval_in(row, env)?.truth();
            if a == Some(true) {
                return Ok(bool_value(true));
            }
            let b = r.eval_in(row, env)?.truth();
            return Ok(match (a, b) {
                (_, Some(true)) => bool_value(true),
                (Some(false), Some(false)) => bool_value(false),
                _ => Value::Null,
            });
        }
        _ => {}
    }
    let a = l.eval_in(row, env)?;
    let b = r.eval_in(row, env)?;
    if op == BinOp::NullSafeEq {
        return Ok(bool_value(match (a.is_null(), b.is_null()) {
            (true, true) => true,
            (false, false) => compare(&a, &b) == Ordering::Equal,
            _ => false,
        }));
    }
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if op == BinOp::Xor {
        return Ok(bool_value(a.truth() != b.truth()));
    }
    if let Some(v) = bit_op(op, &a, &b) {
        return Ok(v);
    }
    if op.is_comparison() {
        let o = compare(&a, &b);
        let t = match op {
            BinOp::Eq => o == Ordering::Equal,
            BinOp::NotEq => o != Ordering::Equal,
            BinOp::Lt => o == Ordering::Less,
            BinOp::LtEq => o != Ordering::Greater,
            BinOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        };
        return Ok(bool_value(t));
    }
    arithmetic(op, &a, &b)
}

/// A value as the 64-bit unsigned integer MySQL's bit operators work on (negative numbers
/// in two's complement, fractions rounded).
pub(crate) fn bits_of(v: &Value) -> u64 {
    match v {
        Value::Int(i) => *i as u64,
        Value::UInt(u) => *u,
        Value::Decimal(d) => d.round(0).to_i64().map_or(u64::MAX, |i| i as u64),
        other => {
            let f = other.to_f64().round();
            if f < 0.0 {
                f as i64 as u64
            } else {
                f as u64
            }
        }
    }
}

/// `&`, `|`, `^`, `<<`, `>>` over BIGINT UNSIGNED; `None` for other operators.
fn bit_op(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    let (x, y) = (bits_of(a), bits_of(b));
    Some(Value::UInt(match op {
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        BinOp::ShiftLeft => x.checked_shl(y.min(64) as u32).unwrap_or(0),
        BinOp::ShiftRight => x.checked_shr(y.min(64) as u32).unwrap_or(0),
        _ => return None,
    }))
}

/// Number kinds of MySQL arithmetic, in promotion order.
fn num_kind(v: &Value) -> u8 {
    match v {
        Value::Int(_) | Value::UInt(_) => 0,
        Value::Decimal(_) => 1,
        Value::Date(_) | Value::DateTime(_) => 0,
        _ => 2,
    }
}

pub fn arithmetic(op: BinOp, a: &Value, b: &Value) -> Result<Value> {
    let kind = num_kind(a).max(num_kind(b));
    let expr = || format!("({} {} {})", a, op.symbol(), b);
    if matches!(op, BinOp::Div | BinOp::IntDiv | BinOp::Mod) && divisor_is_zero(b, kind) {
        return Ok(functions::divided_by_zero());
    }
    match op {
        BinOp::Div => {
            if kind == 2 {
                return Ok(Value::Float(a.to_f64() / b.to_f64()));
            }
            // MySQL's quotient scale: the dividend's plus div_precision_increment (4).
            let (x, y) = (a.as_decimal(), b.as_decimal());
            let scale = x.scale().saturating_add(4).min(MAX_SCALE);
            return x
                .checked_div_to_scale(&y, scale)
                .map(Value::from)
                .ok_or_else(|| out_of_range("DECIMAL", &expr()));
        }
        // Past BIGINT (or past 65 digits) is MySQL's 1690, never a wrapped or zero result.
        BinOp::IntDiv => {
            if kind == 0 {
                return int_op(a, b, |x, y| Some(x / y))?
                    .ok_or_else(|| out_of_range("BIGINT", &expr()));
            }
            return a
                .as_decimal()
                .checked_int_div(&b.as_decimal())
                .and_then(|q| q.to_i64())
                .map(Value::Int)
                .ok_or_else(|| out_of_range("BIGINT", &expr()));
        }
        BinOp::Mod => {
            return match kind {
                0 => {
                    int_op(a, b, |x, y| Some(x % y))?.ok_or_else(|| out_of_range("BIGINT", &expr()))
                }
                1 => a
                    .as_decimal()
                    .checked_rem(&b.as_decimal())
                    .map(Value::from)
                    .ok_or_else(|| out_of_range("DECIMAL", &expr())),
                _ => Ok(Value::Float(a.to_f64() % b.to_f64())),
            };
        }
        _ => {}
    }
    match kind {
        0 => {
            let r = int_op(a, b, |x, y| match op {
                BinOp::Add => Some(x + y),
                BinOp::Sub => Some(x - y),
                _ => Some(x * y),
            })?;
            match r {
                Some(v) => Ok(v),
                None => Err(out_of_range("BIGINT", &expr())),
            }
        }
        1 => {
            let (x, y) = (a.as_decimal(), b.as_decimal());
            let r = match op {
                BinOp::Add => x.checked_add(&y),
                BinOp::Sub => x.checked_sub(&y),
                _ => x.checked_mul(&y),
            };
            r.map(Value::from)
                .ok_or_else(|| out_of_range("DECIMAL", &expr()))
        }
        _ => {
            let (x, y) = (a.to_f64(), b.to_f64());
            let r = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                _ => x * y,
            };
            if r.is_finite() {
                Ok(Value::Float(r))
            } else {
                Err(out_of_range("DOUBLE", &expr()))
            }
        }
    }
}

/// True if `b`, read as the operation reads it (`kind`: 0 integer, 1 decimal, 2 double),
/// is zero.
fn divisor_is_zero(b: &Value, kind: u8) -> bool {
    if kind == 1 {
        b.as_decimal().is_zero()
    } else {
        b.to_f64() == 0.0
    }
}

/// Integer arithmetic in i128, narrowed back to BIGINT (or BIGINT UNSIGNED when an operand
/// is unsigned, as MySQL does). `Ok(None)` from `f` means a NULL result; an unrepresentable
/// result is `Ok(None)` from this function's perspective of overflow, reported by the caller.
fn int_op(a: &Value, b: &Value, f: impl Fn(i128, i128) -> Option<i128>) -> Result<Option<Value>> {
    let as_i128 = |v: &Value| match v {
        Value::Int(i) => i128::from(*i),
        Value::UInt(u) => i128::from(*u),
        other => other.to_f64() as i128,
    };
    let unsigned = matches!(a, Value::UInt(_)) || matches!(b, Value::UInt(_));
    let Some(r) = f(as_i128(a), as_i128(b)) else {
        return Ok(None);
    };
    if unsigned {
        if (0..=i128::from(u64::MAX)).contains(&r) {
            return Ok(Some(Value::UInt(r as u64)));
        }
    } else if (i128::from(i64::MIN)..=i128::from(i64::MAX)).contains(&r) {
        return Ok(Some(Value::Int(r as i64)));
    }
    Ok(None)
}

/// MySQL LIKE: `%` any run, `_` one character, `escape` quotes the next character.
pub fn like_match(s: &[u8], p: &[u8], escape: u8) -> bool {
    let s: Vec<char> = String::from_utf8_lossy(s).chars().collect();
    let p: Vec<char> = String::from_utf8_lossy(p).chars().collect();
    let esc = escape as char;
    fn go(s: &[char], p: &[char], esc: char) -> bool {
        let (mut si, mut pi) = (0, 0);
        let (mut star_p, mut star_s) = (usize::MAX, 0);
        while si < s.len() {
            if pi < p.len() && p[pi] == '%' {
                star_p = pi;
                star_s = si;
                pi += 1;
                continue;
            }
            if pi < p.len() {
                let (pc, literal, width) = if p[pi] == esc && pi + 1 < p.len() {
                    (p[pi + 1], true, 2)
                } else {
                    (p[pi], false, 1)
                };
                if (!literal && pc == '_') || pc == s[si] {
                    si += 1;
                    pi += width;
                    continue;
                }
            }
            if star_p != usize::MAX {
                star_s += 1;
                si = star_s;
                pi = star_p + 1;
                continue;
            }
            return false;
        }
        while pi < p.len() && p[pi] == '%' {
            pi += 1;
        }
        pi == p.len()
    }
    go(&s, &p, esc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like_match(b"hello", b"h%o", b'\\'));
        assert!(like_match(b"hello", b"h_llo", b'\\'));
        assert!(!like_match(b"hello", b"h_lo", b'\\'));
        assert!(like_match(b"a%b", b"a\\%b", b'\\'));
        assert!(!like_match(b"axb", b"a\\%b", b'\\'));
        assert!(like_match(b"", b"%", b'\\'));
    }

    #[test]
    fn integer_division_gives_decimal() {
        let v = arithmetic(BinOp::Div, &Value::Int(1), &Value::Int(3)).unwrap();
        assert_eq!(v.to_string(), "0.3333");
        assert_eq!(
            arithmetic(BinOp::Div, &Value::Int(1), &Value::Int(0)).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn bigint_overflow_is_an_error() {
        assert!(arithmetic(BinOp::Add, &Value::Int(i64::MAX), &Value::Int(1)).is_err());
        assert_eq!(
            arithmetic(BinOp::Sub, &Value::UInt(5), &Value::Int(3)).unwrap(),
            Value::UInt(2)
        );
    }
}
