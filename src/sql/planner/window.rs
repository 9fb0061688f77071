//! Window functions: `f(...) OVER (PARTITION BY ... ORDER BY ... frame)` and named windows
//! (`WINDOW w AS (...)`), as MySQL 8.0 defines them.
//!
//! A window call is bound like an aggregate: its arguments, PARTITION BY and ORDER BY
//! expressions are bound over the FROM row (aggregates allowed, so `SUM(SUM(x)) OVER ()`
//! works in a grouped query), collected into a [`WindowCall`] and left in the expression as
//! an [`Expr::WindowRef`]. After grouping, the SELECT block rewrites the calls over the
//! aggregated row and turns each `WindowRef` into a column appended to that row, which
//! `execution::window` fills in after HAVING and before DISTINCT, ORDER BY and LIMIT.
//! Window functions anywhere else (WHERE, GROUP BY, HAVING, inside an aggregate or another
//! window) are refused with 3593.

use std::cell::RefCell;

use sqlparser::ast;

use super::binder::Binder;
use crate::error::{Error, Result};
use crate::sql::aggregate::{AggCall, AggFunc};
use crate::sql::expr::{BinOp, Expr};
use crate::sql::functions::Func;
use crate::types::{DataType, IntKind, Value};

/// The functions that compute over a window: MySQL's non-aggregate window functions, and
/// the aggregates used with OVER.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowFunc {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    /// NTILE(n): the bucket (1..=n) of the row when the partition is cut into n.
    Ntile(u64),
    /// LAG(x, n, default) looks `n` rows back; LEAD `n` rows ahead.
    Lag(u64),
    Lead(u64),
    FirstValue,
    LastValue,
    /// NTH_VALUE(x, n): the frame's `n`th row (from 1).
    NthValue(u64),
    /// COUNT, SUM, AVG, MIN, MAX, the deviations and variances, BIT_* over the frame.
    Aggregate(AggCall),
}

/// Where a frame starts or ends. Offsets are resolved at planning: ROWS counts rows;
/// RANGE keeps the expression computing the bound's ORDER BY value from the current row's
/// (evaluated over a one-value row), already turned for the sort direction.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    UnboundedPreceding,
    RowsPreceding(u64),
    /// The current row (ROWS) or its peers (RANGE).
    CurrentRow,
    RowsFollowing(u64),
    /// RANGE n PRECEDING / FOLLOWING: the ORDER BY value the frame reaches.
    Value(Expr),
    UnboundedFollowing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// RANGE frames treat peers (rows equal on ORDER BY) alike; ROWS frames count rows.
    pub range: bool,
    pub start: Bound,
    pub end: Bound,
}

impl Frame {
    /// MySQL's frame when a window names none: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT
    /// ROW, which is the whole partition when the window has no ORDER BY (every row a peer).
    fn default_frame() -> Frame {
        Frame {
            range: true,
            start: Bound::UnboundedPreceding,
            end: Bound::CurrentRow,
        }
    }
}

/// One window function call of a query, its expressions over the row it is computed on.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCall {
    pub func: WindowFunc,
    /// The value arguments (LAG / LEAD: the value, then the default if given).
    pub args: Vec<Expr>,
    pub partition: Vec<Expr>,
    /// ORDER BY keys, `true` for DESC.
    pub order: Vec<(Expr, bool)>,
    pub frame: Frame,
}

impl WindowCall {
    pub fn result_type(&self) -> Option<DataType> {
        match &self.func {
            WindowFunc::RowNumber
            | WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::Ntile(_) => Some(DataType::Int {
                kind: IntKind::Big,
                unsigned: false,
            }),
            WindowFunc::PercentRank | WindowFunc::CumeDist => Some(DataType::Double),
            WindowFunc::Aggregate(call) => call.result_type(),
            _ => self.args.first().and_then(Expr::data_type),
        }
    }

    /// Every expression of the call, for rewriting over the aggregated row.
    pub fn exprs_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        let agg_args = match &mut self.func {
            WindowFunc::Aggregate(call) => Some(call.args.iter_mut()),
            _ => None,
        };
        self.args
            .iter_mut()
            .chain(agg_args.into_iter().flatten())
            .chain(self.partition.iter_mut())
            .chain(self.order.iter_mut().map(|(e, _)| e))
    }
}

/// The named windows of a SELECT block (its WINDOW clause) and the window calls bound so
/// far.
pub struct Windows<'q> {
    named: &'q [ast::NamedWindowDefinition],
    pub calls: RefCell<Vec<WindowCall>>,
}

/// A window definition with references to named windows followed: what a call computes
/// over, still unbound.
struct Spec {
    /// The window's name in messages: its own name, or `<unnamed window>`.
    name: String,
    partition: Vec<ast::Expr>,
    order: Vec<ast::OrderByExpr>,
    frame: Option<ast::WindowFrame>,
}

const UNNAMED: &str = "<unnamed window>";

impl<'q> Windows<'q> {
    /// The block's WINDOW clause, checked as MySQL does even for windows no call uses:
    /// names defined once (3591), references that exist (3579) without cycles (3580).
    pub fn new(named: &'q [ast::NamedWindowDefinition]) -> Result<Windows<'q>> {
        let windows = Windows {
            named,
            calls: RefCell::new(Vec::new()),
        };
        for (i, def) in named.iter().enumerate() {
            if named[..i]
                .iter()
                .any(|d| d.0.value.eq_ignore_ascii_case(&def.0.value))
            {
                return Err(Error::new(
                    3591,
                    "HY000",
                    format!("Window '{}' is defined twice.", def.0.value),
                ));
            }
        }
        for def in named {
            windows.named_spec(&def.0.value, 0)?;
        }
        Ok(windows)
    }

    fn named_spec(&self, name: &str, depth: usize) -> Result<Spec> {
        if depth > self.named.len() {
            return Err(Error::new(
                3580,
                "HY000",
                "There is a circularity in the window dependency graph.",
            ));
        }
        let def = self
            .named
            .iter()
            .find(|d| d.0.value.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::new(
                    3579,
                    "HY000",
                    format!("Window name '{name}' is not defined."),
                )
            })?;
        let mut spec = match &def.1 {
            ast::NamedWindowExpr::NamedWindow(other) => self.named_spec(&other.value, depth + 1)?,
            ast::NamedWindowExpr::WindowSpec(s) => self.spec(s, depth + 1)?,
        };
        spec.name = def.0.value.clone();
        Ok(spec)
    }

    /// An inline window, which may refine a named one: add an ORDER BY and a frame, never
    /// partitioning (3581); the named one must not have a frame (3582) nor, if this one
    /// orders, an ORDER BY (3583).
    fn spec(&self, s: &ast::WindowSpec, depth: usize) -> Result<Spec> {
        let own = Spec {
            name: UNNAMED.to_string(),
            partition: s.partition_by.clone(),
            order: s.order_by.clone(),
            frame: s.window_frame.clone(),
        };
        let Some(base_name) = &s.window_name else {
            return Ok(own);
        };
        let base = self.named_spec(&base_name.value, depth)?;
        if !own.partition.is_empty() {
            return Err(Error::new(
                3581,
                "HY000",
                "A window which depends on another cannot define partitioning.",
            ));
        }
        if base.frame.is_some() {
            return Err(Error::new(
                3582,
                "HY000",
                format!(
                    "Window '{}' has a frame definition, so cannot be referenced by another window.",
                    base.name
                ),
            ));
        }
        if !own.order.is_empty() && !base.order.is_empty() {
            return Err(Error::new(
                3583,
                "HY000",
                format!(
                    "Window '{}' cannot inherit '{}' since both contain an ORDER BY clause.",
                    own.name, base.name
                ),
            ));
        }
        Ok(Spec {
            name: own.name,
            partition: base.partition,
            order: if own.order.is_empty() {
                base.order
            } else {
                own.order
            },
            frame: own.frame,
        })
    }

    fn resolve(&self, over: &ast::WindowType) -> Result<Spec> {
        match over {
            ast::WindowType::NamedWindow(name) => self.named_spec(&name.value, 0),
            ast::WindowType::WindowSpec(s) => self.spec(s, 0),
        }
    }
}

/// 3593: a window function where none may stand.
pub fn misplaced(name: &str) -> Error {
    Error::new(
        3593,
        "HY000",
        format!("You cannot use the window function '{name}' in this context.'"),
    )
}

fn frame_illegal(window: &str) -> Error {
    Error::new(
        3586,
        "HY000",
        format!("Window '{window}': frame start or end is negative, NULL or of non-integral type"),
    )
}

/// 1210 for an argument of NTILE / LAG / LEAD / NTH_VALUE that is not a usable constant.
fn wrong_arguments(name: &str) -> Error {
    Error::new(1210, "HY000", format!("Incorrect arguments to {name}"))
}

impl Binder<'_> {
    /// Binds `name(...) OVER ...`, registering the call with the block's windows.
    pub(super) fn bind_window(
        &self,
        name: &str,
        f: &ast::Function,
        over: &ast::WindowType,
    ) -> Result<Expr> {
        let windows = self.window_collector().ok_or_else(|| misplaced(name))?;
        if f.null_treatment.is_some() {
            return Err(Error::unsupported("IGNORE NULLS"));
        }
        let spec = windows.resolve(over)?;
        // Arguments and the window's expressions may hold aggregates, never windows.
        let inner = self.without_windows();
        let (args, distinct) = window_args(f)?;
        if distinct {
            return Err(Error::unsupported(format!(
                "<window function>({name}(DISTINCT ..)"
            )));
        }
        let partition = spec
            .partition
            .iter()
            .map(|e| {
                reject_position(e, &spec.name)?;
                inner.bind(e)
            })
            .collect::<Result<Vec<_>>>()?;
        let order = spec
            .order
            .iter()
            .map(|o| {
                reject_position(&o.expr, &spec.name)?;
                let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
                Ok((inner.bind(&o.expr)?, desc))
            })
            .collect::<Result<Vec<_>>>()?;
        let constant = |e: Option<&&ast::Expr>, default: u64, min: u64| -> Result<u64> {
            let Some(e) = e else {
                return Ok(default);
            };
            let bound = inner.bind(e)?;
            if !bound.is_constant() {
                return Err(wrong_arguments(name));
            }
            match bound.eval(&[])? {
                Value::Int(i) if i >= 0 && i as u64 >= min => Ok(i as u64),
                Value::UInt(u) if u >= min => Ok(u),
                _ => Err(wrong_arguments(name)),
            }
        };
        let arity = |min: usize, max: usize| -> Result<()> {
            if args.len() < min || args.len() > max {
                return Err(Error::parameter_count(name));
            }
            Ok(())
        };
        let mut bound_args = Vec::new();
        let func = match name {
            "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" => {
                arity(0, 0)?;
                match name {
                    "row_number" => WindowFunc::RowNumber,
                    "rank" => WindowFunc::Rank,
                    "dense_rank" => WindowFunc::DenseRank,
                    "percent_rank" => WindowFunc::PercentRank,
                    _ => WindowFunc::CumeDist,
                }
            }
            "ntile" => {
                arity(1, 1)?;
                WindowFunc::Ntile(constant(args.first(), 1, 1)?)
            }
            "lag" | "lead" => {
                arity(1, 3)?;
                let n = constant(args.get(1), 1, 0)?;
                bound_args.push(inner.bind(args[0])?);
                if let Some(d) = args.get(2) {
                    bound_args.push(inner.bind(d)?);
                }
                if name == "lag" {
                    WindowFunc::Lag(n)
                } else {
                    WindowFunc::Lead(n)
                }
            }
            "first_value" | "last_value" => {
                arity(1, 1)?;
                bound_args.push(inner.bind(args[0])?);
                if name == "first_value" {
                    WindowFunc::FirstValue
                } else {
                    WindowFunc::LastValue
                }
            }
            "nth_value" => {
                arity(2, 2)?;
                bound_args.push(inner.bind(args[0])?);
                WindowFunc::NthValue(constant(args.get(1), 1, 1)?)
            }
            _ => {
                let agg = match AggFunc::lookup(name) {
                    Some(AggFunc::GroupConcat) => {
                        return Err(Error::unsupported("group_concat as window function"))
                    }
                    Some(AggFunc::AnyValue | AggFunc::Grouping) | None => {
                        return Err(Error::syntax(&f.to_string()))
                    }
                    Some(agg) => agg,
                };
                let star = matches!(&f.args, ast::FunctionArguments::List(l)
                    if matches!(l.args.as_slice(),
                        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]));
                if !(agg == AggFunc::Count && star) {
                    let n = if agg == AggFunc::JsonObjectAgg { 2 } else { 1 };
                    arity(n, n)?;
                }
                let mut call = AggCall {
                    func: agg,
                    args: args.iter().map(|a| inner.bind(a)).collect::<Result<_>>()?,
                    distinct: false,
                    concat: None,
                };
                call.coerce_json_values();
                WindowFunc::Aggregate(call)
            }
        };
        let frame = match &spec.frame {
            Some(frame) => self.frame(frame, &spec.name, &order)?,
            None => Frame::default_frame(),
        };
        let call = WindowCall {
            func,
            args: bound_args,
            partition,
            order,
            frame,
        };
        let ty = call.result_type();
        let mut calls = windows.calls.borrow_mut();
        let j = match calls.iter().position(|c| *c == call) {
            Some(j) => j,
            None => {
                calls.push(call);
                calls.len() - 1
            }
        };
        Ok(Expr::WindowRef(j, ty))
    }

    /// A frame clause, checked as MySQL does: no UNBOUNDED FOLLOWING start (3584) nor
    /// UNBOUNDED PRECEDING end (3585); ROWS offsets non-negative integer constants (3586),
    /// never INTERVALs (3596); RANGE offsets need one numeric or temporal ORDER BY key
    /// (3587), INTERVALs exactly for temporal keys (3588 / 3589), constants (3590).
    fn frame(
        &self,
        frame: &ast::WindowFrame,
        window: &str,
        order: &[(Expr, bool)],
    ) -> Result<Frame> {
        let range = match frame.units {
            ast::WindowFrameUnits::Rows => false,
            ast::WindowFrameUnits::Range => true,
            ast::WindowFrameUnits::Groups => return Err(Error::syntax("GROUPS")),
        };
        let end = frame
            .end_bound
            .clone()
            .unwrap_or(ast::WindowFrameBound::CurrentRow);
        if matches!(frame.start_bound, ast::WindowFrameBound::Following(None)) {
            return Err(Error::new(
                3584,
                "HY000",
                format!("Window '{window}': frame start cannot be UNBOUNDED FOLLOWING."),
            ));
        }
        if matches!(end, ast::WindowFrameBound::Preceding(None)) {
            return Err(Error::new(
                3585,
                "HY000",
                format!("Window '{window}': frame end cannot be UNBOUNDED PRECEDING."),
            ));
        }
        let bound = |b: &ast::WindowFrameBound| -> Result<Bound> {
            let (offset, preceding) = match b {
                ast::WindowFrameBound::CurrentRow => return Ok(Bound::CurrentRow),
                ast::WindowFrameBound::Preceding(None) => return Ok(Bound::UnboundedPreceding),
                ast::WindowFrameBound::Following(None) => return Ok(Bound::UnboundedFollowing),
                ast::WindowFrameBound::Preceding(Some(e)) => (e.as_ref(), true),
                ast::WindowFrameBound::Following(Some(e)) => (e.as_ref(), false),
            };
            if range {
                self.range_bound(offset, preceding, window, order)
            } else {
                rows_bound(self, offset, preceding, window)
            }
        };
        Ok(Frame {
            range,
            start: bound(&frame.start_bound)?,
            end: bound(&end)?,
        })
    }

    /// RANGE n PRECEDING / FOLLOWING as the expression giving the ORDER BY value it reaches
    /// from the current row's (column 0 of a one-value row).
    fn range_bound(
        &self,
        offset: &ast::Expr,
        preceding: bool,
        window: &str,
        order: &[(Expr, bool)],
    ) -> Result<Bound> {
        let [(key, desc)] = order else {
            return Err(range_order_type(window));
        };
        let key_ty = key.data_type().unwrap_or(DataType::Double);
        let temporal = key_ty.is_temporal();
        let numeric = matches!(
            key_ty,
            DataType::Int { .. }
                | DataType::Decimal { .. }
                | DataType::Float
                | DataType::Double
                | DataType::Year
        );
        if !temporal && !numeric {
            return Err(range_order_type(window));
        }
        // Moving back in the sort order: smaller values ascending, larger descending.
        let subtract = preceding != *desc;
        let current = Expr::Column(0, key_ty.clone());
        let target = match offset {
            ast::Expr::Interval(i) => {
                if !temporal {
                    return Err(Error::new(
                        3589,
                        "HY000",
                        format!("Window '{window}' with RANGE frame has ORDER BY expression of numeric type, INTERVAL bound value not allowed."),
                    ));
                }
                let (n, unit) = self.interval(i)?;
                check_offset(&n, window)?;
                let f = if subtract {
                    Func::DateSub
                } else {
                    Func::DateAdd
                };
                Expr::Call(f, vec![current, n, unit])
            }
            e => {
                if temporal {
                    return Err(Error::new(
                        3588,
                        "HY000",
                        format!("Window '{window}' with RANGE frame has ORDER BY expression of datetime type. Only INTERVAL bound value allowed."),
                    ));
                }
                let n = self.without_windows().bind(e)?;
                check_offset(&n, window)?;
                let op = if subtract { BinOp::Sub } else { BinOp::Add };
                Expr::Binary(op, Box::new(current), Box::new(n))
            }
        };
        Ok(Bound::Value(target))
    }
}

fn range_order_type(window: &str) -> Error {
    Error::new(
        3587,
        "HY000",
        format!("Window '{window}' with RANGE N PRECEDING/FOLLOWING frame requires exactly one ORDER BY expression, of numeric or temporal type"),
    )
}

/// A RANGE offset: a constant (3590), not negative or NULL (3586).
fn check_offset(n: &Expr, window: &str) -> Result<()> {
    if !n.is_constant() {
        return Err(Error::new(
            3590,
            "HY000",
            format!("Window '{window}' has a non-constant frame bound."),
        ));
    }
    let v = n.eval(&[])?;
    if v.is_null() || v.to_f64() < 0.0 {
        return Err(frame_illegal(window));
    }
    Ok(())
}

fn rows_bound(binder: &Binder, offset: &ast::Expr, preceding: bool, window: &str) -> Result<Bound> {
    if matches!(offset, ast::Expr::Interval(_)) {
        return Err(Error::new(
            3596,
            "HY000",
            format!("Window '{window}': INTERVAL can only be used with RANGE frames."),
        ));
    }
    let n = binder.without_windows().bind(offset)?;
    if !n.is_constant() {
        return Err(frame_illegal(window));
    }
    let n = match n.eval(&[])? {
        Value::Int(i) if i >= 0 => i as u64,
        Value::UInt(u) => u,
        _ => return Err(frame_illegal(window)),
    };
    Ok(if preceding {
        Bound::RowsPreceding(n)
    } else {
        Bound::RowsFollowing(n)
    })
}

/// `ORDER BY 1` in a window: 3592, MySQL takes no positions there.
fn reject_position(e: &ast::Expr, window: &str) -> Result<()> {
    match e {
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => Err(Error::new(
            3592,
            "HY000",
            format!("Window '{window}': ORDER BY or PARTITION BY uses legacy position indication which is not supported, use expression."),
        )),
        _ => Ok(()),
    }
}

/// A window call's argument expressions (COUNT(*) has none) and whether DISTINCT was given.
fn window_args(f: &ast::Function) -> Result<(Vec<&ast::Expr>, bool)> {
    let list = match &f.args {
        ast::FunctionArguments::None => return Ok((vec![], false)),
        ast::FunctionArguments::List(list) => list,
        ast::FunctionArguments::Subquery(_) => return Err(Error::syntax(&f.to_string())),
    };
    let distinct = matches!(
        list.duplicate_treatment,
        Some(ast::DuplicateTreatment::Distinct)
    );
    let mut args = Vec::new();
    for a in &list.args {
        match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => {}
            other => return Err(Error::syntax(&other.to_string())),
        }
    }
    Ok((args, distinct))
}
