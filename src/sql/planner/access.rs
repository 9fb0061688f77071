//! Choosing how to read a table for a WHERE clause: a point get on the handle, a handle
//! range, an index lookup over key ranges, or a full scan.
//!
//! The access path only narrows what is read, so it only has to be a superset, never exact:
//! the WHERE clause is still applied to every row read, except for the comparisons of the
//! handle with literals that a handle range enforces exactly (TiDB's access conditions:
//! the range's `residual`).

use std::ops::Bound;

use super::hints::IndexHints;
use crate::catalog::{IndexInfo, TableInfo};
use crate::sql::expr::{BinOp, Expr};
use crate::sql::functions::Func;
use crate::table::{HandleRange, IndexRange};
use crate::types::{convert, DataType, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Rows by handle: `pk = c` or `pk IN (...)`.
    PointGet(Vec<i64>),
    /// A range of handles, and what of the WHERE clause its rows must still pass (`None`:
    /// nothing, the range enforces all of it).
    TableRange {
        range: HandleRange,
        residual: Option<Expr>,
    },
    /// Entries of an index in value ranges, then rows by handle.
    IndexLookup {
        index: IndexInfo,
        ranges: Vec<IndexRange>,
        /// Human-readable ranges for EXPLAIN.
        described: Vec<String>,
    },
    FullScan,
}

/// What the WHERE clause says about one column.
#[derive(Debug, Clone, Default)]
struct ColumnCond {
    eq: Option<Vec<Value>>,
    low: Option<(Value, bool)>,
    high: Option<(Value, bool)>,
}

/// `scope_to_table[i]` is the table column offset behind scope column `i`.
pub fn choose(
    table: &TableInfo,
    filter: Option<&Expr>,
    scope_to_table: &[usize],
    hints: &IndexHints,
) -> Access {
    let Some(filter) = filter else {
        return Access::FullScan;
    };
    let mut conds: Vec<ColumnCond> = vec![ColumnCond::default(); table.columns.len()];
    let mut conjuncts = Vec::new();
    split_and(filter, &mut conjuncts);
    let bounded: Vec<Option<usize>> = conjuncts
        .iter()
        .map(|c| collect(c, table, scope_to_table, &mut conds))
        .collect();
    if let Some(h) = table.handle_column.filter(|_| hints.allows_handle()) {
        let c = &conds[h];
        if let Some(eq) = &c.eq {
            let mut handles: Vec<i64> = eq.iter().filter_map(as_handle).collect();
            handles.sort_unstable();
            handles.dedup();
            return Access::PointGet(handles);
        }
        if c.low.is_some() || c.high.is_some() {
            let (range, residual) = match table.unsigned_handle() {
                // Each conjunct that became bounds of the handle tightened the range or
                // was looser than a bound that did: every row in the range passes it.
                false => (
                    Some(signed_range(&c.low, &c.high)),
                    conjuncts
                        .iter()
                        .zip(&bounded)
                        .filter(|(_, col)| **col != Some(h))
                        .map(|(c, _)| (*c).clone())
                        .reduce(|a, b| Expr::Binary(BinOp::And, Box::new(a), Box::new(b))),
                ),
                true => (unsigned_range(&c.low, &c.high), Some(filter.clone())),
            };
            if let Some(range) = range {
                return Access::TableRange { range, residual };
            }
        }
    }
    best_index(table, &conds, hints).unwrap_or(Access::FullScan)
}

/// The handle a handle column's value is stored under (`Table::handle_of_value`'s rule: an
/// unsigned value cast). The value is already of the column's type: a `UInt` comes only
/// from an unsigned column.
fn as_handle(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => Some(*u as i64),
        _ => None,
    }
}

fn signed_range(low: &Option<(Value, bool)>, high: &Option<(Value, bool)>) -> HandleRange {
    let bound = |b: &Option<(Value, bool)>| match b {
        None => Bound::Unbounded,
        Some((v, true)) => as_handle(v).map_or(Bound::Unbounded, Bound::Included),
        Some((v, false)) => as_handle(v).map_or(Bound::Unbounded, Bound::Excluded),
    };
    HandleRange {
        start: bound(low),
        end: bound(high),
    }
}

/// The handles of an unsigned handle column's values in `[low, high]`: values below 2^63
/// have the handles 0..=i64::MAX, the others the negative ones, each part in value order.
/// `None` when the values span both parts (no one range of handles holds them in order).
fn unsigned_range(
    low: &Option<(Value, bool)>,
    high: &Option<(Value, bool)>,
) -> Option<HandleRange> {
    let value = |b: &Option<(Value, bool)>| match b {
        Some((Value::UInt(u), inclusive)) => Some(Some((*u, *inclusive))),
        Some((Value::Int(i), inclusive)) => u64::try_from(*i).ok().map(|u| Some((u, *inclusive))),
        Some(_) => None,
        None => Some(None),
    };
    let bound = |b: Option<(u64, bool)>, unbounded: i64| match b {
        None => Bound::Included(unbounded),
        Some((u, true)) => Bound::Included(u as i64),
        Some((u, false)) => Bound::Excluded(u as i64),
    };
    let small = |b: Option<(u64, bool)>| b.is_some_and(|(u, _)| i64::try_from(u).is_ok());
    let (low, high) = (value(low)?, value(high)?);
    if small(high) {
        return Some(HandleRange {
            start: bound(low.filter(|_| small(low)), 0),
            end: bound(high, i64::MAX),
        });
    }
    if low.is_some() && !small(low) {
        return Some(HandleRange {
            start: bound(low, i64::MIN),
            end: bound(high, -1),
        });
    }
    None
}

fn split_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let Expr::Binary(BinOp::And, l, r) = e {
        split_and(l, out);
        split_and(r, out);
    } else {
        out.push(e);
    }
}

/// A constant converted exactly to the column's type, or `None` if the comparison cannot
/// be expressed as a key range (conversion changes the value, or it is NULL).
fn key_value(e: &Expr, table: &TableInfo, col: usize) -> Option<Value> {
    if !e.is_constant() {
        return None;
    }
    let v = e.eval(&[]).ok()?;
    if v.is_null() {
        return None;
    }
    let ty = &table.columns[col].ty;
    let converted = convert::to_column_type(&v, ty).ok()?;
    // Strings compare as strings only against string columns; numbers against numbers.
    if ty.is_string() != matches!(v, Value::Bytes(_)) {
        return None;
    }
    if converted.sql_cmp(&v).is_ne() {
        return None;
    }
    Some(converted)
}

/// The integer bound a comparison of an integer column with a fractional DECIMAL literal
/// amounts to, exactly (MySQL compares an integer with a DECIMAL as decimals): `x > 2.5`
/// and `x >= 2.5` are `x >= 3`, `x < 2.5` and `x <= 2.5` are `x <= 2`. Not for a double
/// literal (`2.5e0`): compared as doubles, large integers round.
fn integer_bound(e: &Expr, table: &TableInfo, col: usize, op: BinOp) -> Option<(Value, BinOp)> {
    let Expr::Literal(Value::Decimal(d)) = e else {
        return None;
    };
    if !matches!(table.columns[col].ty, DataType::Int { .. }) {
        return None;
    }
    let (bound, op) = match op {
        BinOp::Gt | BinOp::GtEq => (d.ceil(), BinOp::GtEq),
        BinOp::Lt | BinOp::LtEq => (d.floor(), BinOp::LtEq),
        _ => return None,
    };
    let bound = Expr::Literal(Value::Decimal(Box::new(bound)));
    Some((key_value(&bound, table, col)?, op))
}

/// Adds what conjunct `e` says about a column to `conds`. Returns the column when `e` is
/// exactly range bounds of it (a comparison or `BETWEEN` with literals that convert to the
/// column's type unchanged), so that rows within its bounds need not check `e` again.
fn collect(
    e: &Expr,
    table: &TableInfo,
    scope_to_table: &[usize],
    conds: &mut [ColumnCond],
) -> Option<usize> {
    // A case-insensitive column is compared by its collation key, which is what its index
    // entries hold.
    let col_of = |e: &Expr| match e {
        Expr::Column(i, _) => scope_to_table.get(*i).copied(),
        Expr::Call(Func::CollationKey(f), args) => match args.as_slice() {
            [c @ Expr::Column(i, _)] if c.fold() == Some(*f) => scope_to_table.get(*i).copied(),
            _ => None,
        },
        _ => None,
    };
    // Only a literal: a constant expression (RAND()) is evaluated once for the range.
    let literal = |e: &Expr| matches!(e, Expr::Literal(_));
    match e {
        Expr::Binary(op, l, r) if op.is_comparison() && *op != BinOp::NotEq => {
            let (col, val, op) = match (col_of(l), col_of(r)) {
                (Some(c), None) => (c, r, *op),
                (None, Some(c)) => (c, l, flip(*op)),
                _ => return None,
            };
            let (v, op) = match key_value(val, table, col) {
                Some(v) => (v, op),
                None => integer_bound(val, table, col, op)?,
            };
            let cond = &mut conds[col];
            match op {
                BinOp::Eq => cond.eq = Some(vec![v]),
                BinOp::Gt => tighten_low(cond, v, false),
                BinOp::GtEq => tighten_low(cond, v, true),
                BinOp::Lt => tighten_high(cond, v, false),
                BinOp::LtEq => tighten_high(cond, v, true),
                _ => return None,
            }
            (op != BinOp::Eq && literal(val)).then_some(col)
        }
        Expr::InList {
            expr,
            list,
            negated: false,
        } => {
            let col = col_of(expr)?;
            let values: Option<Vec<Value>> =
                list.iter().map(|e| key_value(e, table, col)).collect();
            if let Some(values) = values {
                conds[col].eq = Some(values);
            }
            None
        }
        Expr::Between {
            expr,
            low,
            high,
            negated: false,
        } => {
            let col = col_of(expr)?;
            let low_value = key_value(low, table, col);
            let high_value = key_value(high, table, col);
            let exact =
                low_value.is_some() && high_value.is_some() && literal(low) && literal(high);
            if let Some(v) = low_value {
                tighten_low(&mut conds[col], v, true);
            }
            if let Some(v) = high_value {
                tighten_high(&mut conds[col], v, true);
            }
            exact.then_some(col)
        }
        _ => None,
    }
}

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::LtEq => BinOp::GtEq,
        BinOp::Gt => BinOp::Lt,
        BinOp::GtEq => BinOp::LtEq,
        other => other,
    }
}

fn tighten_low(c: &mut ColumnCond, v: Value, inclusive: bool) {
    let replace = match &c.low {
        None => true,
        Some((old, _)) => v.sql_cmp(old).is_gt(),
    };
    if replace {
        c.low = Some((v, inclusive));
    }
}

fn tighten_high(c: &mut ColumnCond, v: Value, inclusive: bool) {
    let replace = match &c.high {
        None => true,
        Some((old, _)) => v.sql_cmp(old).is_lt(),
    };
    if replace {
        c.high = Some((v, inclusive));
    }
}

/// The public index with the longest usable prefix of equalities (then a range on the next
/// column); a unique index fully covered by equalities wins outright.
fn best_index(table: &TableInfo, conds: &[ColumnCond], hints: &IndexHints) -> Option<Access> {
    let mut best: Option<(u32, &IndexInfo, usize, bool)> = None;
    for index in table
        .indexes
        .iter()
        .filter(|i| i.usable() && hints.allows_index(i))
    {
        let eq_len = index
            .columns
            .iter()
            .take_while(|&&c| conds[c].eq.is_some())
            .count();
        let range_next = index
            .columns
            .get(eq_len)
            .is_some_and(|&c| conds[c].low.is_some() || conds[c].high.is_some());
        if eq_len == 0 && !range_next {
            continue;
        }
        let full_unique = index.unique && eq_len == index.columns.len();
        let score = if full_unique { 1000 } else { 0 } + eq_len as u32 * 10 + u32::from(range_next);
        if best.is_none_or(|(s, ..)| score > s) {
            best = Some((score, index, eq_len, range_next));
        }
    }
    let (_, index, eq_len, range_next) = best?;
    // Expand IN lists of the equality prefix into every combination.
    let mut prefixes: Vec<Vec<Value>> = vec![vec![]];
    for &c in &index.columns[..eq_len] {
        let values = conds[c].eq.as_ref()?;
        let mut next = Vec::with_capacity(prefixes.len() * values.len());
        for p in &prefixes {
            for v in values {
                let mut q = p.clone();
                q.push(v.clone());
                next.push(q);
            }
        }
        prefixes = next;
        if prefixes.len() > 4096 {
            return None;
        }
    }
    let range_cond = if range_next {
        Some(&conds[index.columns[eq_len]])
    } else {
        None
    };
    let mut ranges: Vec<IndexRange> = Vec::new();
    let mut described = Vec::new();
    for p in &prefixes {
        let low = range_cond.and_then(|c| c.low.clone());
        let high = range_cond.and_then(|c| c.high.clone());
        let low_text = match &low {
            None => "-inf".to_string(),
            Some((v, true)) => format!("[{v}"),
            Some((v, false)) => format!("({v}"),
        };
        let high_text = match &high {
            None => "+inf".to_string(),
            Some((v, true)) => format!("{v}]"),
            Some((v, false)) => format!("{v})"),
        };
        let range = IndexRange {
            prefix: p.clone(),
            low,
            high,
        };
        // `IN (18, 18)` (or values equal once converted) would read the same entries twice.
        if ranges.contains(&range) {
            continue;
        }
        ranges.push(range);
        let shown: Vec<String> = p.iter().map(|v| v.to_string()).collect();
        described.push(if range_cond.is_some() {
            let pre = if shown.is_empty() {
                String::new()
            } else {
                format!("{} ", shown.join(" "))
            };
            format!("{pre}{low_text},{high_text}")
        } else {
            format!("[{},{}]", shown.join(" "), shown.join(" "))
        });
    }
    Some(Access::IndexLookup {
        index: index.clone(),
        ranges,
        described,
    })
}
