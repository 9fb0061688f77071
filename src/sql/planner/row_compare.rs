//! Row constructors in comparisons (`(a, b) = (1, 2)`, `(a, b) < (x, y)`,
//! `(a, b) IN ((1, 2), (3, 4))`), rewritten into comparisons of single values before
//! binding, the way MySQL defines them:
//!
//! - `=` and `<=>`: every pair compares so (`AND`), `<>`: some pair differs (`OR`);
//! - `<`, `<=`, `>`, `>=`: the first pair that is not equal decides, so
//!   `(a, b) < (x, y)` is `a < x OR (a = x AND b < y)`;
//! - `IN`: equal to one of the rows (`OR` of `=`).
//!
//! SQL's three-valued `AND` / `OR` give these forms MySQL's NULL results: a NULL pair
//! before the deciding one makes the comparison NULL. Rows are nested freely; operands of
//! different widths are MySQL's 1241. An IN list of literal rows also gets the redundant
//! `a IN (first values)` in front, which leaves the result as it is (a row equal to one
//! of the list has one of those first values) and lets the planner read an index on `a`.
//! A row against a subquery (`(a, b) IN (SELECT x, y ...)`, `(a, b) = (SELECT x, y ...)`)
//! is compared by the subquery (`sql::subquery`).

use sqlparser::ast::{BinaryOperator, Expr};

use crate::error::{Error, Result};

/// The comparison `e` spelled without row constructors, when it compares rows.
pub fn expand(e: &Expr) -> Result<Option<Expr>> {
    match e {
        Expr::BinaryOp { left, op, right } if is_comparison(op) => match (row(left), row(right)) {
            (None, None) => Ok(None),
            // A row against a subquery's row: the subquery compares them (the binder).
            _ if row_subquery(left, right).is_some() => Ok(None),
            (l, r) => {
                let (l, r) = (l.unwrap_or(vec![left]), r.unwrap_or(vec![right]));
                compare(&l, op, &r).map(Some)
            }
        },
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let Some(left) = row(expr) else {
                // A single value against a list holding a row.
                if list.iter().any(|item| row(item).is_some()) {
                    return Err(Error::operand_columns(1));
                }
                return Ok(None);
            };
            let mut alternatives = Vec::with_capacity(list.len());
            for item in list {
                let right = values(item);
                alternatives.push(nested(compare(&left, &BinaryOperator::Eq, &right)?));
            }
            let mut any = join(alternatives, BinaryOperator::Or)
                .ok_or_else(|| Error::syntax(&e.to_string()))?;
            if let Some(firsts) = literal_firsts(list) {
                any = and(
                    Expr::InList {
                        expr: Box::new(left[0].clone()),
                        list: firsts,
                        negated: false,
                    },
                    nested(any),
                );
            }
            Ok(Some(if *negated {
                Expr::UnaryOp {
                    op: sqlparser::ast::UnaryOperator::Not,
                    expr: Box::new(nested(any)),
                }
            } else {
                any
            }))
        }
        _ => Ok(None),
    }
}

/// `(a, b) op (SELECT ...)` or `(SELECT ...) op (a, b)`: the row's values, the subquery, and
/// whether the subquery came first.
pub fn row_subquery<'e>(
    left: &'e Expr,
    right: &'e Expr,
) -> Option<(Vec<&'e Expr>, &'e sqlparser::ast::Query, bool)> {
    let subquery = |e: &'e Expr| match e {
        Expr::Subquery(q) => Some(q.as_ref()),
        Expr::Nested(inner) => match inner.as_ref() {
            Expr::Subquery(q) => Some(q.as_ref()),
            _ => None,
        },
        _ => None,
    };
    match (row(left), subquery(right), subquery(left), row(right)) {
        (Some(values), Some(q), ..) => Some((values, q, false)),
        (_, _, Some(q), Some(values)) => Some((values, q, true)),
        _ => None,
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(
        op,
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship
    )
}

/// The values `e` stands for: a row constructor's, or `e` alone.
pub fn values(e: &Expr) -> Vec<&Expr> {
    row(e).unwrap_or(vec![e])
}

/// The values of a row constructor (`(a, b)`, also parenthesized again), `None` for a
/// single value.
fn row(e: &Expr) -> Option<Vec<&Expr>> {
    match e {
        Expr::Tuple(items) => Some(items.iter().collect()),
        Expr::Nested(inner) => row(inner),
        _ => None,
    }
}

/// `l op r` over rows of equal width (single values are rows of one).
fn compare(l: &[&Expr], op: &BinaryOperator, r: &[&Expr]) -> Result<Expr> {
    if l.len() != r.len() {
        return Err(Error::operand_columns(l.len()));
    }
    use BinaryOperator as B;
    let pairs = l.iter().zip(r);
    let joined = match op {
        B::Eq | B::Spaceship => join(
            pairs.map(|(a, b)| pair(a, op, b)).collect::<Result<_>>()?,
            B::And,
        ),
        B::NotEq => join(
            pairs.map(|(a, b)| pair(a, op, b)).collect::<Result<_>>()?,
            B::Or,
        ),
        _ => Some(ordered(l, op, r)?),
    };
    joined.ok_or_else(|| Error::syntax("()"))
}

/// `(l1, l2, ...) < (r1, r2, ...)`: `l1 < r1 OR (l1 = r1 AND (l2, ...) < (r2, ...))`, the
/// last pair compared by `op` itself (`<=` keeps its equality there).
fn ordered(l: &[&Expr], op: &BinaryOperator, r: &[&Expr]) -> Result<Expr> {
    let (Some((l1, l_rest)), Some((r1, r_rest))) = (l.split_first(), r.split_first()) else {
        return Err(Error::syntax("()"));
    };
    if l_rest.is_empty() {
        return pair(l1, op, r1);
    }
    let strict = match op {
        BinaryOperator::LtEq => BinaryOperator::Lt,
        BinaryOperator::GtEq => BinaryOperator::Gt,
        other => other.clone(),
    };
    Ok(or(
        pair(l1, &strict, r1)?,
        nested(and(
            pair(l1, &BinaryOperator::Eq, r1)?,
            nested(ordered(l_rest, op, r_rest)?),
        )),
    ))
}

/// One pair's comparison: values as they are, nested rows expanded in turn.
fn pair(l: &Expr, op: &BinaryOperator, r: &Expr) -> Result<Expr> {
    let e = binary(l.clone(), op.clone(), r.clone());
    Ok(nested(expand(&e)?.unwrap_or(e)))
}

/// The first values of an IN list's rows, without repeats, when every one is a literal.
fn literal_firsts(list: &[Expr]) -> Option<Vec<Expr>> {
    let mut firsts: Vec<Expr> = Vec::new();
    for item in list {
        let first = *row(item)?.first()?;
        if !matches!(first, Expr::Value(_)) {
            return None;
        }
        if !firsts.contains(first) {
            firsts.push(first.clone());
        }
    }
    Some(firsts)
}

/// `terms` joined by `op` as a balanced tree: an IN list of thousands of rows nests only as
/// deep as its length's logarithm (binding and evaluation recurse through it).
fn join(mut terms: Vec<Expr>, op: BinaryOperator) -> Option<Expr> {
    if terms.len() <= 1 {
        return terms.pop();
    }
    let right = terms.split_off(terms.len() / 2);
    Some(binary(
        join(terms, op.clone())?,
        op.clone(),
        join(right, op)?,
    ))
}

fn binary(l: Expr, op: BinaryOperator, r: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(l),
        op,
        right: Box::new(r),
    }
}

fn and(l: Expr, r: Expr) -> Expr {
    binary(l, BinaryOperator::And, r)
}

fn or(l: Expr, r: Expr) -> Expr {
    binary(l, BinaryOperator::Or, r)
}

fn nested(e: Expr) -> Expr {
    Expr::Nested(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(sql: &str) -> Result<Option<String>> {
        let dialect = sqlparser::dialect::MySqlDialect {};
        let e = sqlparser::parser::Parser::new(&dialect)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .map_err(Error::internal)?;
        Ok(expand(&e)?.map(|e| e.to_string()))
    }

    #[test]
    fn rows_compare_pair_by_pair() {
        assert_eq!(
            expanded("(a, b) = (1, 2)").unwrap().unwrap(),
            "(a = 1) AND (b = 2)"
        );
        assert_eq!(
            expanded("(a, b) <> (1, 2)").unwrap().unwrap(),
            "(a <> 1) OR (b <> 2)"
        );
        assert_eq!(
            expanded("(a, b, c) <= (1, 2, 3)").unwrap().unwrap(),
            "(a < 1) OR ((a = 1) AND ((b < 2) OR ((b = 2) AND ((c <= 3)))))"
        );
        assert_eq!(
            expanded("((a, b), c) = ((1, 2), 3)").unwrap().unwrap(),
            "((a = 1) AND (b = 2)) AND (c = 3)"
        );
        assert_eq!(expanded("a = 1").unwrap(), None);
    }

    #[test]
    fn in_lists_of_rows_lead_with_their_first_values() {
        assert_eq!(
            expanded("(a, b) IN ((1, 2), (1, 3), (4, x))")
                .unwrap()
                .unwrap(),
            "a IN (1, 4) AND (((a = 1) AND (b = 2)) OR ((a = 1) AND (b = 3)) OR ((a = 4) AND (b = x)))"
        );
        assert_eq!(
            expanded("(a, b) NOT IN ((y, 2))").unwrap().unwrap(),
            "NOT (((a = y) AND (b = 2)))"
        );
        assert_eq!(expanded("a IN (1, 2)").unwrap(), None);
    }

    #[test]
    fn widths_must_match() {
        for sql in [
            "(a, b) = (1, 2, 3)",
            "(a, b) IN ((1, 2), (3))",
            "a IN ((1, 2))",
            "(a, b) < 1",
        ] {
            let e = expanded(sql).unwrap_err();
            assert_eq!(e.code(), 1241, "{sql}");
        }
        // A row against a subquery is the subquery's to compare.
        for sql in [
            "(a, b) = (SELECT 1, 2)",
            "(SELECT 1, 2) < (a, b)",
            "(a, b) IN (SELECT 1, 2)",
        ] {
            assert_eq!(expanded(sql).unwrap(), None, "{sql}");
        }
    }
}
