//! Binding the expressions sqlparser gives their own syntax: CEIL/FLOOR, SUBSTRING ... FROM
//! ... FOR, TRIM(LEADING x FROM y), POSITION(a IN b), EXTRACT(unit FROM d), INTERVAL
//! arithmetic, IS [NOT] UNKNOWN, [NOT] REGEXP / RLIKE, `IS [NOT] DISTINCT FROM`, COLLATE. They become ordinary
//! function calls and operators.

use sqlparser::ast::{self, BinaryOperator};

use super::collation;
use super::expr::{BinOp, Expr};
use super::functions::{self, Func, TimeUnit};
use crate::error::{Error, Result};
use crate::sql::planner::binder::Binder;
use crate::types::collation::Fold;
use crate::types::{convert, DataType, Value};

impl Binder<'_> {
    pub(super) fn bind_special_form(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as A;
        let call = |f: Func, args: Vec<Expr>| Ok(Expr::Call(f, args));
        match e {
            A::Ceil { expr, .. } => call(Func::Ceil, vec![self.bind(expr)?]),
            A::Floor { expr, .. } => call(Func::Floor, vec![self.bind(expr)?]),
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind(expr)?];
                args.push(match substring_from {
                    Some(f) => self.bind(f)?,
                    None => Expr::Literal(Value::Int(1)),
                });
                if let Some(f) = substring_for {
                    args.push(self.bind(f)?);
                }
                call(Func::Substring, args)
            }
            A::Trim {
                expr,
                trim_where,
                trim_what,
                ..
            } => {
                let mut args = vec![self.bind(expr)?];
                if let Some(w) = trim_what {
                    args.push(self.bind(w)?);
                }
                let f = match trim_where {
                    Some(ast::TrimWhereField::Leading) if args.len() == 2 => Func::TrimLeading,
                    Some(ast::TrimWhereField::Trailing) if args.len() == 2 => Func::TrimTrailing,
                    Some(ast::TrimWhereField::Leading) => Func::LTrim,
                    Some(ast::TrimWhereField::Trailing) => Func::RTrim,
                    _ => Func::Trim,
                };
                call(f, args)
            }
            A::Position { expr, r#in } => {
                call(Func::Locate, vec![self.bind(expr)?, self.bind(r#in)?])
            }
            A::Extract { field, expr, .. } => {
                let unit = TimeUnit::parse(&field.to_string())?;
                let f = unit
                    .extractor()
                    .ok_or_else(|| Error::unsupported(format!("EXTRACT({field})")))?;
                call(f, vec![self.bind(expr)?])
            }
            // `x [NOT] REGEXP p` / RLIKE: REGEXP_LIKE(x, p).
            A::RLike {
                negated,
                expr,
                pattern,
                ..
            } => {
                let m = Expr::Call(
                    Func::RegexpLike,
                    vec![self.bind(expr)?, self.bind(pattern)?],
                );
                Ok(if *negated { Expr::Not(Box::new(m)) } else { m })
            }
            A::IsUnknown(e) => Ok(Expr::IsNull(Box::new(self.bind(e)?), false)),
            A::IsNotUnknown(e) => Ok(Expr::IsNull(Box::new(self.bind(e)?), true)),
            A::IsNotTrue(e) => Ok(Expr::Not(Box::new(self.bind(&A::IsTrue(e.clone()))?))),
            A::IsNotFalse(e) => Ok(Expr::Not(Box::new(self.bind(&A::IsFalse(e.clone()))?))),
            A::IsNotDistinctFrom(l, r) => {
                let [l, r] = self.bind_compared([l, r])?;
                Ok(Expr::Binary(BinOp::NullSafeEq, Box::new(l), Box::new(r)))
            }
            A::IsDistinctFrom(l, r) => {
                let [l, r] = self.bind_compared([l, r])?;
                Ok(Expr::Not(Box::new(Expr::Binary(
                    BinOp::NullSafeEq,
                    Box::new(l),
                    Box::new(r),
                ))))
            }
            // The value is unchanged: the comparisons it takes part in apply the collation
            // (see `bind_compared`).
            A::Collate { expr, collation } => {
                collation::lookup(&collation_name(collation))?;
                self.bind(expr)
            }
            A::Interval(_) => Err(Error::syntax(&e.to_string())),
            other => Err(Error::unsupported(format!("expression {other}"))),
        }
    }

    /// The operands of one comparison (`=`, `<`, IN, BETWEEN, LIKE, ...), bound, each
    /// compared by its collation key when the comparison's collation is case-insensitive
    /// (see [`comparison_fold`]).
    pub(super) fn bind_compared<const N: usize>(
        &self,
        operands: [&ast::Expr; N],
    ) -> Result<[Expr; N]> {
        let mut bound = self.bind_operands(&operands)?;
        // A constant against a TIME compares as a TIME in the same spelling: '9:00' is
        // 09:00:00.
        let time_fsp = bound.iter().find_map(|b| match b.data_type() {
            Some(DataType::Time { fsp }) => Some(fsp),
            _ => None,
        });
        if let Some(fsp) = time_fsp {
            for b in &mut bound {
                if let Expr::Literal(v) = b {
                    if let Ok(t) = convert::to_column_type(v, &DataType::Time { fsp }) {
                        *v = t;
                    }
                }
            }
            // TIME values compare as spans, not as their text.
            bound = bound
                .into_iter()
                .map(|b| Expr::Call(Func::TimeMicros, vec![b]))
                .collect();
        }
        // A JSON value against a SQL one compares as the SQL value it holds: the JSON
        // string "bob" equals 'bob'.
        let json = |e: &Expr| e.data_type() == Some(DataType::Json);
        if bound.iter().any(json) && !bound.iter().all(json) {
            bound = bound
                .into_iter()
                .map(|b| match json(&b) {
                    true => Expr::Call(Func::JsonUnquote, vec![b]),
                    false => b,
                })
                .collect();
        }
        bound
            .try_into()
            .map_err(|_| Error::internal("operand count"))
    }

    /// `d + INTERVAL n unit`, `INTERVAL n unit + d` and `d - INTERVAL n unit`.
    pub(super) fn interval_arithmetic(
        &self,
        left: &ast::Expr,
        op: &BinaryOperator,
        right: &ast::Expr,
    ) -> Result<Option<Expr>> {
        let (date, interval, f) = match (left, op, right) {
            (d, BinaryOperator::Plus, ast::Expr::Interval(i)) => (d, i, Func::DateAdd),
            (ast::Expr::Interval(i), BinaryOperator::Plus, d) => (d, i, Func::DateAdd),
            (d, BinaryOperator::Minus, ast::Expr::Interval(i)) => (d, i, Func::DateSub),
            _ => return Ok(None),
        };
        let (n, unit) = self.interval(interval)?;
        Ok(Some(Expr::Call(f, vec![self.bind(date)?, n, unit])))
    }

    /// DATE_ADD(d, INTERVAL n unit) and friends; ADDDATE(d, n) adds days; TIMESTAMPDIFF and
    /// TIMESTAMPADD, whose first argument is a unit keyword.
    pub(super) fn bind_date_arithmetic(
        &self,
        name: &str,
        args: &[&ast::Expr],
    ) -> Result<Option<Expr>> {
        if let ("timestampdiff" | "timestampadd", [unit, a, b]) = (name, args) {
            let unit = match unit {
                ast::Expr::Identifier(id) if id.quote_style.is_none() => {
                    TimeUnit::parse(&id.value)?
                }
                other => return Err(Error::syntax(&other.to_string())),
            };
            let unit = Expr::Literal(Value::str(unit.name()));
            return Ok(Some(if name == "timestampdiff" {
                Expr::Call(
                    Func::TimestampDiff,
                    vec![unit, self.bind(a)?, self.bind(b)?],
                )
            } else {
                // TIMESTAMPADD(unit, n, d) is DATE_ADD(d, INTERVAL n unit).
                Expr::Call(Func::DateAdd, vec![self.bind(b)?, self.bind(a)?, unit])
            }));
        }
        let f = match name {
            "date_add" | "adddate" => Func::DateAdd,
            "date_sub" | "subdate" => Func::DateSub,
            _ => return Ok(None),
        };
        let [date, amount] = args else {
            return Err(Error::parameter_count(name));
        };
        let (n, unit) = match amount {
            ast::Expr::Interval(i) => self.interval(i)?,
            other => (self.bind(other)?, Expr::Literal(Value::str("DAY"))),
        };
        Ok(Some(Expr::Call(f, vec![self.bind(date)?, n, unit])))
    }

    /// CHARSET(x), COLLATION(x), COERCIBILITY(x): folded to what the argument's type (and
    /// a COLLATE it is written with) says; see [`functions::string_properties`].
    pub(crate) fn bind_string_properties(
        &self,
        name: &str,
        args: &[&ast::Expr],
    ) -> Result<Option<Expr>> {
        if !matches!(name, "charset" | "collation" | "coercibility") {
            return Ok(None);
        }
        let [arg] = args else {
            return Err(Error::parameter_count(name));
        };
        let explicit = match explicit_collation_name(arg) {
            Some(n) => Some(
                crate::types::collation::Collation::by_name(&n)
                    .ok_or_else(|| Error::unknown_collation(&n))?,
            ),
            None => None,
        };
        let bound = self.bind(arg)?;
        let connection = self
            .session
            .system_variable("collation_connection", false)
            .ok()
            .and_then(|v| crate::types::collation::Collation::by_name(&v.to_string_lossy()))
            .unwrap_or_default();
        let (charset, collation, coercibility) =
            functions::string_properties(&bound, explicit, connection);
        Ok(Some(Expr::Literal(match name {
            "charset" => Value::str(charset),
            "collation" => Value::str(collation),
            _ => Value::Int(coercibility),
        })))
    }

    pub(crate) fn interval(&self, i: &ast::Interval) -> Result<(Expr, Expr)> {
        let unit = match &i.leading_field {
            Some(f) => TimeUnit::parse(&f.to_string())?,
            None => TimeUnit::Second,
        };
        Ok((self.bind(&i.value)?, Expr::Literal(Value::str(unit.name()))))
    }
}

/// The collation an operand names with COLLATE (through parentheses), if any: `Some(None)`
/// for a binary one.
fn explicit_collation(e: &ast::Expr) -> Result<Option<Option<Fold>>> {
    match e {
        ast::Expr::Nested(inner) => explicit_collation(inner),
        ast::Expr::Collate { collation, .. } => {
            collation::lookup(&collation_name(collation)).map(Some)
        }
        _ => Ok(None),
    }
}

impl Binder<'_> {
    /// The operands of one comparison, bound: a hex or bit literal against a BIT column
    /// as its number, and each compared by its collation key when the comparison's
    /// collation is case-insensitive.
    pub(super) fn bind_operands(&self, operands: &[&ast::Expr]) -> Result<Vec<Expr>> {
        let mut bound = self.bind_each(operands)?;
        self.bits_as_numbers(operands, &mut bound)?;
        if let Some(f) = comparison_fold(operands, &bound, self.connection_fold())? {
            bound = bound.into_iter().map(|b| b.collated(f)).collect();
        }
        Ok(bound)
    }
}

/// The collation an operand names with COLLATE (through parentheses), as written.
fn explicit_collation_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Nested(inner) => explicit_collation_name(inner),
        ast::Expr::Collate { collation, .. } => Some(collation_name(collation)),
        _ => None,
    }
}

/// How a comparison, GROUP BY or ORDER BY over `operands` (as written, and bound) compares
/// strings, by MySQL's coercibility: the collation one of them names with COLLATE, else
/// that of a case-insensitive column (or expression over one); literals take the other
/// side's, and compared only with literals, the connection's (`connection`, from
/// `collation_connection`). `None`: byte by byte.
pub(super) fn comparison_fold(
    written: &[&ast::Expr],
    bound: &[Expr],
    connection: Option<Fold>,
) -> Result<Option<Fold>> {
    for e in written {
        if let Some(explicit) = explicit_collation(e)? {
            return Ok(explicit);
        }
    }
    if bound.iter().all(|b| matches!(b, Expr::Literal(_))) {
        return Ok(connection);
    }
    Ok(bound.iter().find_map(Expr::fold))
}

/// A collation name as written: `utf8mb4_general_ci`, `'utf8mb4_general_ci'` or quoted
/// with backticks.
fn collation_name(name: &ast::ObjectName) -> String {
    name.to_string()
        .trim_matches(|c| c == '`' || c == '\'' || c == '"')
        .to_string()
}
