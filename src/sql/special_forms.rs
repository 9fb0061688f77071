//! Binding the expressions sqlparser gives their own syntax: CEIL/FLOOR, SUBSTRING ... FROM
//! ... FOR, TRIM(LEADING x FROM y), POSITION(a IN b), EXTRACT(unit FROM d), INTERVAL
//! arithmetic, IS [NOT] UNKNOWN, `IS [NOT] DISTINCT FROM`, COLLATE. They become ordinary
//! function calls and operators.

use sqlparser::ast::{self, BinaryOperator};

use super::expr::{BinOp, Expr};
use super::functions::{Func, TimeUnit};
use crate::error::{Error, Result};
use crate::sql::planner::binder::Binder;
use crate::types::Value;

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
            A::IsUnknown(e) => Ok(Expr::IsNull(Box::new(self.bind(e)?), false)),
            A::IsNotUnknown(e) => Ok(Expr::IsNull(Box::new(self.bind(e)?), true)),
            A::IsNotTrue(e) => Ok(Expr::Not(Box::new(self.bind(&A::IsTrue(e.clone()))?))),
            A::IsNotFalse(e) => Ok(Expr::Not(Box::new(self.bind(&A::IsFalse(e.clone()))?))),
            A::IsNotDistinctFrom(l, r) => Ok(Expr::Binary(
                BinOp::NullSafeEq,
                Box::new(self.bind(l)?),
                Box::new(self.bind(r)?),
            )),
            A::IsDistinctFrom(l, r) => Ok(Expr::Not(Box::new(Expr::Binary(
                BinOp::NullSafeEq,
                Box::new(self.bind(l)?),
                Box::new(self.bind(r)?),
            )))),
            // Strings compare bytewise whatever collation is named.
            A::Collate { expr, .. } => self.bind(expr),
            A::Interval(_) => Err(Error::syntax(&e.to_string())),
            other => Err(Error::unsupported(format!("expression {other}"))),
        }
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

    /// DATE_ADD(d, INTERVAL n unit) and friends; ADDDATE(d, n) adds days.
    pub(super) fn bind_date_arithmetic(
        &self,
        name: &str,
        args: &[&ast::Expr],
    ) -> Result<Option<Expr>> {
        let f = match name {
            "date_add" | "adddate" => Func::DateAdd,
            "date_sub" | "subdate" => Func::DateSub,
            _ => return Ok(None),
        };
        let [date, amount] = args else {
            return Err(Error::new(
                1582,
                "42000",
                format!("Incorrect parameter count in the call to native function '{name}'"),
            ));
        };
        let (n, unit) = match amount {
            ast::Expr::Interval(i) => self.interval(i)?,
            other => (self.bind(other)?, Expr::Literal(Value::str("DAY"))),
        };
        Ok(Some(Expr::Call(f, vec![self.bind(date)?, n, unit])))
    }

    fn interval(&self, i: &ast::Interval) -> Result<(Expr, Expr)> {
        let unit = match &i.leading_field {
            Some(f) => TimeUnit::parse(&f.to_string())?,
            None => TimeUnit::Second,
        };
        Ok((self.bind(&i.value)?, Expr::Literal(Value::str(unit.name()))))
    }
}
