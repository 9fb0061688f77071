//! Binding: turning parsed expressions into [`Expr`]s against a scope of columns, and folding
//! what the session alone determines (variables, DATABASE(), NOW(), ...) into literals.

use std::cell::RefCell;
use std::sync::Arc;

use sqlparser::ast::{self, BinaryOperator, UnaryOperator};

use super::query::QueryPlan;
use super::scope::{Resolved, Scope};
use super::window::Windows;
use crate::domain::variables::CHARSETS;
use crate::error::{Error, Result};
use crate::sql::aggregate::{self, AggCall, AggFunc, ConcatOptions};
use crate::sql::expr::{BinOp, Expr};
use crate::sql::functions::{self, Func};
use crate::sql::session_context::{zone, SessionContext};
use crate::sql::subquery::{Subquery, SubqueryKind};
use crate::sql::types::parse_data_type;
use crate::sql::user_locks::UserLockOp;
use crate::types::{DataType, Value};

/// Plans the subqueries found while binding, with the binder's scope as their outer scope.
pub trait SubqueryPlanner {
    fn plan_subquery(&self, q: &ast::Query, outer: &Scope) -> Result<Arc<QueryPlan>>;
}

pub struct Binder<'a> {
    pub scope: &'a Scope,
    pub session: &'a dyn SessionContext,
    /// Where an unknown column is reported to be: 'field list', 'where clause', ...
    pub place: &'static str,
    /// Plans subqueries; without it a subquery is not supported in this place.
    subqueries: Option<&'a dyn SubqueryPlanner>,
    /// Collects aggregate calls; without it an aggregate is error 1111.
    aggregates: Option<&'a RefCell<Vec<AggCall>>>,
    /// Select-list aliases a bare name may refer to when no column has it (HAVING).
    aliases: &'a [(String, Expr)],
    /// Collects window calls; without it a window function is error 3593.
    windows: Option<&'a Windows<'a>>,
}

impl<'a> Binder<'a> {
    pub fn new(scope: &'a Scope, session: &'a dyn SessionContext, place: &'static str) -> Self {
        Binder {
            scope,
            session,
            place,
            subqueries: None,
            aggregates: None,
            aliases: &[],
            windows: None,
        }
    }

    pub fn with_subqueries(mut self, planner: &'a dyn SubqueryPlanner) -> Self {
        self.subqueries = Some(planner);
        self
    }

    pub fn with_aggregates(mut self, calls: &'a RefCell<Vec<AggCall>>) -> Self {
        self.aggregates = Some(calls);
        self
    }

    pub fn with_aliases(mut self, aliases: &'a [(String, Expr)]) -> Self {
        self.aliases = aliases;
        self
    }

    pub fn with_windows(mut self, windows: &'a Windows<'a>) -> Self {
        self.windows = Some(windows);
        self
    }

    /// A binder for aggregate arguments: same scope, no nested aggregates or windows.
    fn without_aggregates(&self) -> Binder<'a> {
        Binder {
            aggregates: None,
            aliases: &[],
            windows: None,
            ..*self
        }
    }

    /// A binder for a window call's arguments and window: aggregates, but no windows.
    pub(super) fn without_windows(&self) -> Binder<'a> {
        Binder {
            windows: None,
            ..*self
        }
    }

    pub(super) fn window_collector(&self) -> Option<&'a Windows<'a>> {
        self.windows
    }

    fn column(&self, table: Option<&str>, name: &str) -> Result<Expr> {
        match self.scope.lookup(table, name, self.place) {
            Ok(Resolved::Local(i)) => Ok(Expr::Column(i, self.scope.columns[i].ty.clone())),
            Ok(Resolved::Outer(j)) => Ok(Expr::OuterColumn(
                j,
                self.scope.outer_type(j).unwrap_or(DataType::Double),
            )),
            Err(e @ Error::UnknownColumn { .. }) if table.is_none() => self
                .aliases
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(name))
                .map(|(_, x)| x.clone())
                .ok_or(e),
            Err(e) => Err(e),
        }
    }

    fn subquery(&self, q: &ast::Query, kind: SubqueryKind) -> Result<Expr> {
        let planner = self
            .subqueries
            .ok_or_else(|| Error::unsupported("subquery in this place"))?;
        let plan = planner.plan_subquery(q, self.scope)?;
        Ok(Expr::Subquery(Box::new(Subquery::new(plan, kind)?)))
    }

    /// `(a, b) op (SELECT x, y ...)` (`first`: the subquery is on the left, so the order
    /// turns around): the subquery compares the row with its one row.
    fn row_against_subquery(
        &self,
        values: &[&ast::Expr],
        op: &BinaryOperator,
        q: &ast::Query,
        first: bool,
    ) -> Result<Expr> {
        let op = match (op, first) {
            (BinaryOperator::Eq, _) => BinOp::Eq,
            (BinaryOperator::NotEq, _) => BinOp::NotEq,
            (BinaryOperator::Spaceship, _) => BinOp::NullSafeEq,
            (BinaryOperator::Lt, false) | (BinaryOperator::Gt, true) => BinOp::Lt,
            (BinaryOperator::LtEq, false) | (BinaryOperator::GtEq, true) => BinOp::LtEq,
            (BinaryOperator::Gt, false) | (BinaryOperator::Lt, true) => BinOp::Gt,
            (BinaryOperator::GtEq, false) | (BinaryOperator::LtEq, true) => BinOp::GtEq,
            (other, _) => return Err(Error::unsupported(format!("operator {other}"))),
        };
        let exprs = self.bind_each(values)?;
        self.subquery(q, SubqueryKind::Row { exprs, op })
    }

    /// GET_LOCK() and the other user-level lock functions: they need the connection's
    /// locks, so only a client's statement may call them.
    fn bind_user_lock(&self, op: UserLockOp, args: &[&ast::Expr]) -> Result<Expr> {
        if args.len() != op.arity() {
            return Err(Error::parameter_count(op.name()));
        }
        let locks = self
            .session
            .user_locks()
            .ok_or_else(|| Error::unsupported(format!("{}() in this place", op.name())))?;
        Ok(Expr::UserLock {
            op,
            args: self.bind_each(args)?,
            locks,
        })
    }

    /// Each of `es`, bound.
    pub(crate) fn bind_each(&self, es: &[&ast::Expr]) -> Result<Vec<Expr>> {
        es.iter().map(|e| self.bind(e)).collect()
    }

    /// `@name := value`.
    fn assignment(&self, target: &ast::Expr, value: &ast::Expr) -> Result<Expr> {
        let name = match target {
            ast::Expr::Identifier(id) => id.value.strip_prefix('@'),
            _ => None,
        }
        .filter(|n| !n.is_empty() && !n.starts_with('@'))
        .ok_or_else(|| Error::syntax(&format!("{target} := {value}")))?;
        let sink = self
            .session
            .variable_sink()
            .ok_or_else(|| Error::unsupported("variable assignment in this place"))?;
        Ok(Expr::AssignVariable {
            name: name.to_ascii_lowercase(),
            value: Box::new(self.bind(value)?),
            sink,
        })
    }

    pub fn bind(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as A;
        if let Some(single_values) = super::row_compare::expand(e)? {
            return self.bind(&single_values);
        }
        if let A::BinaryOp { left, op, right } = e {
            if let Some((values, q, first)) = super::row_compare::row_subquery(left, right) {
                return self.row_against_subquery(&values, op, q, first);
            }
        }
        Ok(match e {
            // Rows are compared (above); anywhere else a row is one value too many.
            A::Tuple(_) => return Err(Error::operand_columns(1)),
            A::Identifier(id) => {
                if let Some(var) = id.value.strip_prefix('@') {
                    return Ok(Expr::Literal(self.variable(var, None)?));
                }
                self.column(None, &id.value)?
            }
            A::CompoundIdentifier(ids) => {
                let parts: Vec<&str> = ids.iter().map(|i| i.value.as_str()).collect();
                if let Some(first) = parts[0].strip_prefix('@') {
                    return Ok(Expr::Literal(self.variable(first, parts.get(1).copied())?));
                }
                let (table, col) = match parts.as_slice() {
                    [t, c] => (*t, *c),
                    [_db, t, c] => (*t, *c),
                    _ => return Err(Error::syntax(&e.to_string())),
                };
                self.column(Some(table), col)?
            }
            // A parameter of a plan made for any parameter values: read from the values
            // the plan runs with, as a correlated subquery reads its outer row.
            A::Value(v) => match crate::sql::parser::numbered_placeholder(&v.value) {
                Some(i) => Expr::OuterColumn(
                    i,
                    crate::sql::expr::literal_type(&Value::Int(0)).unwrap_or(DataType::Double),
                ),
                None => Expr::Literal(literal(&v.value)?),
            },
            A::TypedString(ts) => {
                let s = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                        s.clone()
                    }
                    other => other.to_string(),
                };
                let ty = parse_data_type(&ts.data_type, &s)?;
                Expr::Literal(functions::cast(Value::str(&s), &ty)?)
            }
            A::Nested(inner) => self.bind(inner)?,
            A::MemberOf(m) => {
                let args = vec![self.bind(&m.value)?, self.bind(&m.array)?];
                Expr::Call(
                    Func::MemberOf,
                    functions::json::coerce(Func::MemberOf, args),
                )
            }
            A::Subquery(q) => self.subquery(q, SubqueryKind::Scalar)?,
            A::Exists { subquery, negated } => {
                self.subquery(subquery, SubqueryKind::Exists { negated: *negated })?
            }
            A::InSubquery {
                expr,
                subquery,
                negated,
            } => self.subquery(
                subquery,
                SubqueryKind::In {
                    exprs: self.bind_each(&super::row_compare::values(expr))?,
                    negated: *negated,
                },
            )?,
            A::UnaryOp { op, expr } => {
                let numeric = match op {
                    UnaryOperator::Minus => Some(Numeric::Double),
                    UnaryOperator::BitwiseNot => Some(Numeric::Integer),
                    _ => None,
                };
                let inner = self.bind_operand(expr, numeric)?;
                match op {
                    UnaryOperator::Minus => Expr::Neg(Box::new(inner)),
                    UnaryOperator::Plus => inner,
                    UnaryOperator::BitwiseNot => Expr::BitNot(Box::new(inner)),
                    UnaryOperator::Not | UnaryOperator::BangNot => Expr::Not(Box::new(inner)),
                    other => return Err(Error::unsupported(format!("operator {other}"))),
                }
            }
            A::BinaryOp {
                left,
                op: BinaryOperator::Assignment,
                right,
            } => self.assignment(left, right)?,
            A::BinaryOp { left, op, right } => {
                if let Some(e) = self.interval_arithmetic(left, op, right)? {
                    return Ok(e);
                }
                // `doc->path` is JSON_EXTRACT(doc, path); `doc->>path` unquotes it too.
                if matches!(op, BinaryOperator::Arrow | BinaryOperator::LongArrow) {
                    let extract =
                        Expr::Call(Func::JsonExtract, vec![self.bind(left)?, self.bind(right)?]);
                    return Ok(match op {
                        BinaryOperator::Arrow => extract,
                        _ => Expr::Call(Func::JsonUnquote, vec![extract]),
                    });
                }
                let op = match op {
                    BinaryOperator::Plus => BinOp::Add,
                    BinaryOperator::Minus => BinOp::Sub,
                    BinaryOperator::Multiply => BinOp::Mul,
                    BinaryOperator::Divide => BinOp::Div,
                    BinaryOperator::Modulo => BinOp::Mod,
                    BinaryOperator::MyIntegerDivide | BinaryOperator::DuckIntegerDivide => {
                        BinOp::IntDiv
                    }
                    BinaryOperator::Eq => BinOp::Eq,
                    BinaryOperator::NotEq => BinOp::NotEq,
                    BinaryOperator::Lt => BinOp::Lt,
                    BinaryOperator::LtEq => BinOp::LtEq,
                    BinaryOperator::Gt => BinOp::Gt,
                    BinaryOperator::GtEq => BinOp::GtEq,
                    BinaryOperator::Spaceship => BinOp::NullSafeEq,
                    BinaryOperator::And => BinOp::And,
                    BinaryOperator::Or => BinOp::Or,
                    BinaryOperator::Xor => BinOp::Xor,
                    BinaryOperator::BitwiseAnd => BinOp::BitAnd,
                    BinaryOperator::BitwiseOr => BinOp::BitOr,
                    BinaryOperator::BitwiseXor => BinOp::BitXor,
                    BinaryOperator::PGBitwiseShiftLeft => BinOp::ShiftLeft,
                    BinaryOperator::PGBitwiseShiftRight => BinOp::ShiftRight,
                    other => return Err(Error::unsupported(format!("operator {other}"))),
                };
                if op.is_comparison() || op == BinOp::NullSafeEq {
                    let [l, r] = self.bind_compared([left, right])?;
                    return Ok(Expr::Binary(op, Box::new(l), Box::new(r)));
                }
                let numeric = if op.is_bitwise() {
                    Some(Numeric::Integer)
                } else if op.is_numeric() {
                    Some(Numeric::Double)
                } else {
                    None
                };
                Expr::Binary(
                    op,
                    Box::new(self.bind_operand(left, numeric)?),
                    Box::new(self.bind_operand(right, numeric)?),
                )
            }
            // `_utf8mb4'a'`: the literal, in a character set moltdb knows. MySQL's lexer
            // reads `_name` of an unknown set as an identifier (then 'a' is its alias).
            A::Prefixed { prefix, value } => {
                let charset = prefix.value.strip_prefix('_').unwrap_or(&prefix.value);
                if !CHARSETS.contains(&charset.to_ascii_lowercase().as_str()) {
                    return self.column(None, &prefix.value);
                }
                self.bind(value)?
            }
            A::IsNull(e) => Expr::IsNull(Box::new(self.bind(e)?), false),
            A::IsNotNull(e) => Expr::IsNull(Box::new(self.bind(e)?), true),
            // By truth value (any non-zero number is true), not by the integer the value
            // casts to: `2 IS TRUE` and `0.4 IS TRUE` are 1.
            A::IsTrue(e) => Expr::Binary(
                BinOp::NullSafeEq,
                Box::new(Expr::Not(Box::new(Expr::Not(Box::new(self.bind(e)?))))),
                Box::new(Expr::Literal(Value::Int(1))),
            ),
            A::IsFalse(e) => Expr::Binary(
                BinOp::NullSafeEq,
                Box::new(Expr::Not(Box::new(self.bind(e)?))),
                Box::new(Expr::Literal(Value::Int(1))),
            ),
            A::InList {
                expr,
                list,
                negated,
            } => {
                let mut operands: Vec<&ast::Expr> = vec![expr];
                operands.extend(list);
                let mut bound = self.bind_operands(&operands)?;
                let expr = bound.remove(0);
                Expr::InList {
                    expr: Box::new(expr),
                    list: bound,
                    negated: *negated,
                }
            }
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let [expr, low, high] = self.bind_compared([expr, low, high])?;
                Expr::Between {
                    expr: Box::new(expr),
                    low: Box::new(low),
                    high: Box::new(high),
                    negated: *negated,
                }
            }
            A::Like {
                negated,
                expr,
                pattern,
                escape_char,
                ..
            } => {
                let escape = match escape_char.as_deref() {
                    None => b'\\',
                    Some(e) => match self.bind(e)? {
                        Expr::Literal(v) => v
                            .to_text()
                            .and_then(|b| b.first().copied())
                            .unwrap_or(b'\\'),
                        _ => return Err(Error::syntax("ESCAPE")),
                    },
                };
                let [expr, pattern] = self.bind_compared([expr, pattern])?;
                Expr::Like {
                    expr: Box::new(expr),
                    pattern: Box::new(pattern),
                    escape,
                    negated: *negated,
                }
            }
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => Expr::Case {
                operand: operand
                    .as_ref()
                    .map(|o| self.bind(o).map(Box::new))
                    .transpose()?,
                branches: conditions
                    .iter()
                    .map(|w| Ok((self.bind(&w.condition)?, self.bind(&w.result)?)))
                    .collect::<Result<_>>()?,
                otherwise: else_result
                    .as_ref()
                    .map(|e| self.bind(e).map(Box::new))
                    .transpose()?,
            },
            A::Cast {
                expr, data_type, ..
            } => Expr::Cast(
                Box::new(self.bind(expr)?),
                cast_target(data_type, &expr.to_string())?,
            ),
            A::Convert {
                expr,
                data_type: Some(t),
                ..
            } => Expr::Cast(
                Box::new(self.bind(expr)?),
                cast_target(t, &expr.to_string())?,
            ),
            // CONVERT(x USING charset): every string is utf8mb4 here.
            A::Convert { expr, .. } => self.bind(expr)?,
            A::Function(f) => self.bind_function(f)?,
            other => return self.bind_special_form(other),
        })
    }

    /// An operand; in a numeric context a hex or bit literal is the unsigned integer its
    /// bytes spell, as MySQL reads `x'41' + 0` (65) and `b'101' | 0` (5), where elsewhere
    /// it is a binary string. Arithmetic reads it as a double (its type is a string's).
    fn bind_operand(&self, e: &ast::Expr, numeric: Option<Numeric>) -> Result<Expr> {
        if let (Some(context), ast::Expr::Value(v)) = (numeric, e) {
            if let Some(n) = bits_literal(&v.value)? {
                return Ok(Expr::Literal(match context {
                    Numeric::Integer => Value::UInt(n),
                    Numeric::Double => Value::Float(n as f64),
                }));
            }
        }
        self.bind(e)
    }

    /// How literals compared with literals compare: `collation_connection`'s way.
    pub(crate) fn connection_fold(&self) -> Option<crate::types::collation::Fold> {
        let name = self
            .session
            .system_variable("collation_connection", false)
            .ok()?;
        crate::types::collation::Collation::by_name(&name.to_string_lossy())?.fold()
    }

    /// Against a BIT column a hex or bit literal is the number its bytes spell (`b = b'101'`
    /// compares with 5), as MySQL reads it there.
    pub(crate) fn bits_as_numbers(&self, written: &[&ast::Expr], bound: &mut [Expr]) -> Result<()> {
        let bit = |e: &Expr| matches!(e.data_type(), Some(DataType::Bit { .. }));
        if !bound.iter().any(bit) {
            return Ok(());
        }
        for (e, b) in written.iter().zip(bound.iter_mut()) {
            if let ast::Expr::Value(v) = e {
                if let Some(n) = bits_literal(&v.value)? {
                    *b = Expr::Literal(Value::UInt(n));
                }
            }
        }
        Ok(())
    }

    fn variable(&self, name: &str, rest: Option<&str>) -> Result<Value> {
        // `@@x`, `@@session.x`, `@@global.x`, `@@local.x` or a user variable `@x`.
        if let Some(sys) = name.strip_prefix('@') {
            return match (sys.to_ascii_lowercase().as_str(), rest) {
                ("global", Some(n)) => self.session.system_variable(n, true),
                ("session" | "local", Some(n)) => self.session.system_variable(n, false),
                (_, None) => self.session.system_variable(sys, false),
                _ => Err(Error::syntax(name)),
            };
        }
        Ok(self.session.user_variable(name))
    }

    fn bind_function(&self, f: &ast::Function) -> Result<Expr> {
        let name = f.name.to_string().to_ascii_lowercase();
        if let Some(over) = &f.over {
            return self.bind_window(&name, f, over);
        }
        // These are reserved words in MySQL: without OVER the statement does not parse.
        if matches!(
            name.as_str(),
            "row_number"
                | "rank"
                | "dense_rank"
                | "percent_rank"
                | "cume_dist"
                | "ntile"
                | "lag"
                | "lead"
                | "first_value"
                | "last_value"
                | "nth_value"
        ) {
            return Err(Error::syntax(&f.to_string()));
        }
        if let Some(func) = AggFunc::lookup(&name) {
            return self.bind_aggregate(func, f);
        }
        let args: Vec<&ast::Expr> = match &f.args {
            ast::FunctionArguments::None => vec![],
            ast::FunctionArguments::List(list) => list
                .args
                .iter()
                .map(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                    _ => Err(Error::unsupported(format!("function argument {a}"))),
                })
                .collect::<Result<_>>()?,
            ast::FunctionArguments::Subquery(_) => {
                return Err(Error::unsupported("subquery as function argument"))
            }
        };
        if let Some(op) = UserLockOp::lookup(&name) {
            return self.bind_user_lock(op, &args);
        }
        let s = self.session;
        let folded = match name.as_str() {
            "database" | "schema" => Some(
                s.current_db()
                    .map(|d| Value::str(&d))
                    .unwrap_or(Value::Null),
            ),
            "connection_id" => Some(Value::UInt(u64::from(s.connection_id()))),
            "last_insert_id" if args.is_empty() => Some(Value::UInt(s.last_insert_id())),
            "version" => Some(Value::str(&crate::domain::variables::server_version())),
            "user" | "session_user" | "system_user" => Some(Value::str(&s.user())),
            "current_user" => Some(Value::str(&s.current_user())),
            "found_rows" => Some(Value::UInt(s.found_rows())),
            "current_role" if args.is_empty() => Some(Value::str("NONE")),
            "tidb_version" if args.is_empty() => Some(Value::str(&functions::tidb_version())),
            "tidb_is_ddl_owner" if args.is_empty() => Some(Value::Int(i64::from(s.is_ddl_owner()))),
            "row_count" => Some(Value::Int(s.row_count())),
            "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate"
                if args.is_empty() =>
            {
                Some(Value::DateTime(trim_micros(s.now())))
            }
            // NOW(fsp): that many fractional digits, typed so results print them.
            "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" => {
                let fsp = match args.first() {
                    Some(ast::Expr::Value(v)) => match &v.value {
                        ast::Value::Number(n, _) => n.parse::<u8>().ok().filter(|f| *f <= 6),
                        _ => None,
                    },
                    _ => None,
                }
                .ok_or_else(|| {
                    Error::new(
                        1426,
                        "42000",
                        format!("Too big precision specified for '{name}'. Maximum is 6."),
                    )
                })?;
                let now = s.now();
                let step = 10u32.pow(6 - u32::from(fsp));
                let micros = now.and_utc().timestamp_subsec_micros() / step * step;
                let value = chrono::Timelike::with_nanosecond(&now, micros * 1000).unwrap_or(now);
                return Ok(Expr::Cast(
                    Box::new(Expr::Literal(Value::DateTime(value))),
                    DataType::DateTime { fsp },
                ));
            }
            "curdate" | "current_date" => Some(Value::Date(s.now().date())),
            "utc_date" => Some(Value::Date(s.utc_now().date())),
            "curtime" | "current_time" => Some(Value::str(&s.now().format("%H:%M:%S").to_string())),
            "utc_time" => Some(Value::str(&s.utc_now().format("%H:%M:%S").to_string())),
            "utc_timestamp" => Some(Value::DateTime(trim_micros(s.utc_now()))),
            "unix_timestamp" if args.is_empty() => {
                Some(Value::Int(s.utc_now().and_utc().timestamp()))
            }
            _ => None,
        };
        if let Some(v) = folded {
            return Ok(Expr::Literal(v));
        }
        if let Some(e) = self.bind_date_arithmetic(&name, &args)? {
            return Ok(e);
        }
        if let Some(e) = self.bind_string_properties(&name, &args)? {
            return Ok(e);
        }
        let func: Func = functions::lookup(&name).ok_or_else(|| {
            Error::new(
                1305,
                "42000",
                format!(
                    "FUNCTION {}.{} does not exist",
                    s.current_db().unwrap_or_default(),
                    name
                ),
            )
        })?;
        let (min, max) = functions::arity(func);
        if args.len() < min || args.len() > max || !functions::json::count_ok(func, args.len()) {
            return Err(Error::parameter_count(&name));
        }
        let bound = args
            .into_iter()
            .enumerate()
            .map(|(i, a)| match a {
                // GET_FORMAT's first argument is a keyword: DATE, TIME, DATETIME, TIMESTAMP.
                _ if func == Func::GetFormat && i == 0 => match a {
                    ast::Expr::Identifier(id)
                        if id.quote_style.is_none()
                            && ["date", "time", "datetime", "timestamp"]
                                .contains(&id.value.to_ascii_lowercase().as_str()) =>
                    {
                        Ok(Expr::Literal(Value::str(&id.value.to_ascii_uppercase())))
                    }
                    other => Err(Error::syntax(&other.to_string())),
                },
                // TRUE and FALSE given to a JSON function are JSON booleans.
                ast::Expr::Value(v) if functions::json::takes_value(func, i) => match v.value {
                    ast::Value::Boolean(b) => Ok(functions::json::boolean(b)),
                    _ => self.bind(a),
                },
                _ => self.bind(a),
            })
            .collect::<Result<Vec<_>>>()?;
        let bound = functions::json::coerce(func, bound);
        Ok(in_session_zone(s, func, bound))
    }

    /// COUNT(*), COUNT([DISTINCT] x, ...), SUM, AVG, MIN, MAX, GROUP_CONCAT, ANY_VALUE.
    fn bind_aggregate(&self, func: AggFunc, f: &ast::Function) -> Result<Expr> {
        let calls = self.aggregates.ok_or_else(aggregate::misplaced)?;
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(Error::syntax(&f.to_string()));
        };
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        let inner = self.without_aggregates();
        let mut args = Vec::new();
        for a in &list.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)
                    if func == AggFunc::Count && list.args.len() == 1 && !distinct => {}
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    args.push(inner.bind(e)?)
                }
                other => return Err(Error::syntax(&other.to_string())),
            }
        }
        let concat = match func {
            AggFunc::GroupConcat if !args.is_empty() => {
                Some(self.concat_options(&list.clauses, &args)?)
            }
            _ if !list.clauses.is_empty() => return Err(Error::syntax(&f.to_string())),
            _ => None,
        };
        let mut call = AggCall {
            func,
            args,
            distinct,
            concat,
        };
        if !call.arity_ok() {
            return Err(Error::syntax(&f.to_string()));
        }
        call.coerce_json_values();
        let ty = call.result_type();
        let mut calls = calls.borrow_mut();
        let j = match calls.iter().position(|c| *c == call) {
            Some(j) => j,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Expr::AggRef(j, ty))
    }
}

impl Binder<'_> {
    /// GROUP_CONCAT's `ORDER BY` (bound over the FROM row, like its arguments `args`; a
    /// position such as `ORDER BY 2` names an argument) and `SEPARATOR`, with the session's
    /// `group_concat_max_len`.
    fn concat_options(
        &self,
        clauses: &[ast::FunctionArgumentClause],
        args: &[Expr],
    ) -> Result<ConcatOptions> {
        let inner = self.without_aggregates();
        let mut opts = ConcatOptions::default();
        for clause in clauses {
            match clause {
                ast::FunctionArgumentClause::OrderBy(keys) => {
                    for k in keys {
                        let desc = matches!(k.options.sort, Some(ast::OrderBySort::Desc));
                        let key = match &k.expr {
                            ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                                let pos = v.value.to_string();
                                pos.parse::<usize>()
                                    .ok()
                                    .and_then(|p| p.checked_sub(1))
                                    .and_then(|i| args.get(i))
                                    .cloned()
                                    .ok_or_else(|| Error::unknown_column(&pos, "order clause"))?
                            }
                            e => inner.bind(e)?,
                        };
                        opts.order.push((key, desc));
                    }
                }
                ast::FunctionArgumentClause::Separator(sep) => {
                    let text = match &sep.value {
                        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s,
                        other => return Err(Error::syntax(&other.to_string())),
                    };
                    opts.separator = text.as_bytes().to_vec();
                }
                other => return Err(Error::syntax(&other.to_string())),
            }
        }
        let max_len = self
            .session
            .system_variable("group_concat_max_len", false)?;
        opts.max_len = match max_len {
            Value::Int(n) => usize::try_from(n).unwrap_or(0),
            Value::UInt(n) => usize::try_from(n).unwrap_or(usize::MAX),
            _ => opts.max_len,
        };
        Ok(opts)
    }
}

fn trim_micros(dt: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    dt.with_nanosecond(0).unwrap_or(dt)
}

/// The targets CAST accepts: SIGNED, UNSIGNED, DECIMAL, CHAR, DATE, DATETIME, DOUBLE...
/// `name` is the expression converted, which MySQL's precision errors name.
fn cast_target(t: &ast::DataType, name: &str) -> Result<DataType> {
    use crate::types::IntKind;
    Ok(match t {
        ast::DataType::Signed | ast::DataType::SignedInteger => DataType::Int {
            kind: IntKind::Big,
            unsigned: false,
        },
        ast::DataType::Unsigned | ast::DataType::UnsignedInteger => DataType::Int {
            kind: IntKind::Big,
            unsigned: true,
        },
        ast::DataType::Char(_) | ast::DataType::Character(_) => DataType::varchar(u32::MAX),
        ast::DataType::Binary(_) => DataType::Binary {
            len: u32::MAX,
            varying: true,
        },
        other => parse_data_type(other, name)?,
    })
}

/// FROM_UNIXTIME answers in the session's time zone and UNIX_TIMESTAMP(dt) reads `dt` in
/// it: outside UTC they are bound with the CONVERT_TZ that makes that so.
fn in_session_zone(s: &dyn SessionContext, func: Func, mut args: Vec<Expr>) -> Expr {
    let name = s.time_zone();
    if zone(s).is_utc() {
        return Expr::Call(func, args);
    }
    let convert = |e: Expr, from: &str, to: &str| {
        Expr::Call(
            Func::ConvertTz,
            vec![
                e,
                Expr::Literal(Value::str(from)),
                Expr::Literal(Value::str(to)),
            ],
        )
    };
    match (func, args.len()) {
        (Func::FromUnixtime, _) => {
            let format = args.get(1).cloned();
            args.truncate(1);
            let local = convert(Expr::Call(func, args), "+00:00", &name);
            match format {
                Some(f) => Expr::Call(Func::DateFormat, vec![local, f]),
                None => local,
            }
        }
        (Func::UnixTimestamp, 1) => {
            let utc = args.pop().map(|dt| convert(dt, &name, "+00:00"));
            Expr::Call(func, utc.into_iter().collect())
        }
        _ => Expr::Call(func, args),
    }
}

pub fn literal(v: &ast::Value) -> Result<Value> {
    Ok(match v {
        ast::Value::Number(n, _) => number_literal(n)?,
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => Value::str(s),
        ast::Value::HexStringLiteral(h) => Value::Bytes(decode_hex(h)?),
        ast::Value::SingleQuotedByteStringLiteral(b) => Value::Bytes(decode_bits(b)?),
        ast::Value::Boolean(b) => Value::Int(i64::from(*b)),
        ast::Value::Null => Value::Null,
        ast::Value::Placeholder(p) => {
            return Err(Error::internal(format!("unbound parameter {p}")))
        }
        other => return Err(Error::unsupported(format!("literal {other}"))),
    })
}

pub fn number_literal(n: &str) -> Result<Value> {
    if let Ok(i) = n.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    if let Ok(u) = n.parse::<u64>() {
        return Ok(Value::UInt(u));
    }
    if n.contains(['e', 'E']) {
        return n
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| Error::syntax(n));
    }
    n.parse::<crate::types::Decimal>()
        .map(Value::from)
        .or_else(|_| n.parse::<f64>().map(Value::Float))
        .map_err(|_| Error::syntax(n))
}

/// How an operator reads a hex or bit literal operand.
#[derive(Clone, Copy)]
enum Numeric {
    /// Bit operators: BIGINT UNSIGNED.
    Integer,
    /// Arithmetic: a string operand makes it DOUBLE arithmetic.
    Double,
}

/// A hex (`x'41'`) or bit (`b'101'`) literal as a number, big-endian (MySQL's 1690 past
/// eight bytes). `None` for any other literal.
fn bits_literal(v: &ast::Value) -> Result<Option<u64>> {
    let bytes = match v {
        ast::Value::HexStringLiteral(h) => decode_hex(h)?,
        ast::Value::SingleQuotedByteStringLiteral(b) => decode_bits(b)?,
        _ => return Ok(None),
    };
    let significant = bytes.iter().skip_while(|&&b| b == 0).count();
    if significant > 8 {
        return Err(Error::new(
            1690,
            "22003",
            format!("BIGINT UNSIGNED value is out of range in '{v}'"),
        ));
    }
    Ok(Some(
        bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)),
    ))
}

/// A bit-value literal `b'1010'`: its bits, right-aligned, in as few bytes as hold them
/// (`b''` is the empty string).
fn decode_bits(bits: &str) -> Result<Vec<u8>> {
    if !bits.bytes().all(|c| c == b'0' || c == b'1') {
        return Err(Error::syntax(&format!("b'{bits}'")));
    }
    let digits = bits.as_bytes();
    let first = digits.len() % 8;
    let mut out = Vec::with_capacity(digits.len().div_ceil(8));
    let (head, rest) = digits.split_at(first);
    if !head.is_empty() {
        out.push(bits_byte(head));
    }
    out.extend(rest.chunks(8).map(bits_byte));
    Ok(out)
}

fn bits_byte(bits: &[u8]) -> u8 {
    bits.iter().fold(0u8, |b, &c| (b << 1) | (c - b'0'))
}

fn decode_hex(h: &str) -> Result<Vec<u8>> {
    let h = if h.len() % 2 == 1 {
        format!("0{h}")
    } else {
        h.to_string()
    };
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| Error::syntax(&h)))
        .collect()
}
