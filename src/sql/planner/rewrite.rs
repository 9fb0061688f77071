//! Walking and rewriting bound expressions: what planning does to them after binding
//! (splitting conjunctions, moving them between join steps, replacing grouped
//! subexpressions by columns of the aggregated row).

use crate::error::Result;
use crate::sql::expr::{BinOp, Expr};
use crate::sql::subquery::{Subquery, SubqueryKind};
use crate::types::Value;

/// What a rewrite callback decides for one node, top-down.
pub enum Step {
    /// Use this expression and do not look inside it.
    Replace(Expr),
    /// Keep this node and rewrite its children.
    Descend(Expr),
}

impl Expr {
    /// Rewrites top-down: `f` sees each node before its children.
    pub fn rewrite(self, f: &mut dyn FnMut(Expr) -> Result<Step>) -> Result<Expr> {
        match f(self)? {
            Step::Replace(e) => Ok(e),
            Step::Descend(e) => e.map_children(&mut |c| c.rewrite(f)),
        }
    }

    /// Visits every node top-down; `f` returns false to skip a node's children. Subquery
    /// plans are opaque: only the IN operand of a subquery is a child.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr) -> bool) {
        if !f(self) {
            return;
        }
        match self {
            Expr::Literal(_)
            | Expr::Column(..)
            | Expr::OuterColumn(..)
            | Expr::AggRef(..)
            | Expr::WindowRef(..) => {}
            Expr::Subquery(sq) => {
                if let SubqueryKind::In { exprs, .. } | SubqueryKind::Row { exprs, .. } = &sq.kind {
                    exprs.iter().for_each(|e| e.walk(f));
                }
            }
            Expr::Neg(e)
            | Expr::BitNot(e)
            | Expr::Not(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::AssignVariable { value: e, .. } => e.walk(f),
            Expr::Binary(_, l, r) => {
                l.walk(f);
                r.walk(f);
            }
            Expr::InList { expr, list, .. } => {
                expr.walk(f);
                list.iter().for_each(|e| e.walk(f));
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                expr.walk(f);
                low.walk(f);
                high.walk(f);
            }
            Expr::Like { expr, pattern, .. } => {
                expr.walk(f);
                pattern.walk(f);
            }
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => {
                if let Some(o) = operand {
                    o.walk(f);
                }
                for (w, t) in branches {
                    w.walk(f);
                    t.walk(f);
                }
                if let Some(o) = otherwise {
                    o.walk(f);
                }
            }
            Expr::Call(_, args) | Expr::UserLock { args, .. } => {
                args.iter().for_each(|e| e.walk(f))
            }
        }
    }

    fn map_children(self, f: &mut dyn FnMut(Expr) -> Result<Expr>) -> Result<Expr> {
        // Rewrites a boxed child in place of its box.
        #[allow(clippy::boxed_local)]
        fn b(e: Box<Expr>, f: &mut dyn FnMut(Expr) -> Result<Expr>) -> Result<Box<Expr>> {
            f(*e).map(Box::new)
        }
        Ok(match self {
            e @ (Expr::Literal(_)
            | Expr::Column(..)
            | Expr::OuterColumn(..)
            | Expr::AggRef(..)
            | Expr::WindowRef(..)) => e,
            Expr::Subquery(sq) => {
                let Subquery { plan, kind } = *sq;
                let kind = match kind {
                    SubqueryKind::In { exprs, negated } => SubqueryKind::In {
                        exprs: exprs.into_iter().map(&mut *f).collect::<Result<_>>()?,
                        negated,
                    },
                    SubqueryKind::Row { exprs, op } => SubqueryKind::Row {
                        exprs: exprs.into_iter().map(&mut *f).collect::<Result<_>>()?,
                        op,
                    },
                    other => other,
                };
                Expr::Subquery(Box::new(Subquery { plan, kind }))
            }
            Expr::Neg(e) => Expr::Neg(b(e, f)?),
            Expr::BitNot(e) => Expr::BitNot(b(e, f)?),
            Expr::Not(e) => Expr::Not(b(e, f)?),
            Expr::IsNull(e, n) => Expr::IsNull(b(e, f)?, n),
            Expr::Cast(e, ty) => Expr::Cast(b(e, f)?, ty),
            Expr::Binary(op, l, r) => Expr::Binary(op, b(l, f)?, b(r, f)?),
            Expr::InList {
                expr,
                list,
                negated,
            } => Expr::InList {
                expr: b(expr, f)?,
                list: list.into_iter().map(&mut *f).collect::<Result<_>>()?,
                negated,
            },
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => Expr::Between {
                expr: b(expr, f)?,
                low: b(low, f)?,
                high: b(high, f)?,
                negated,
            },
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => Expr::Like {
                expr: b(expr, f)?,
                pattern: b(pattern, f)?,
                escape,
                negated,
            },
            Expr::Case {
                operand,
                branches,
                otherwise,
            } => Expr::Case {
                operand: operand.map(|o| b(o, f)).transpose()?,
                branches: branches
                    .into_iter()
                    .map(|(w, t)| Ok((f(w)?, f(t)?)))
                    .collect::<Result<_>>()?,
                otherwise: otherwise.map(|o| b(o, f)).transpose()?,
            },
            Expr::Call(func, args) => {
                Expr::Call(func, args.into_iter().map(&mut *f).collect::<Result<_>>()?)
            }
            Expr::UserLock { op, args, locks } => Expr::UserLock {
                op,
                args: args.into_iter().map(&mut *f).collect::<Result<_>>()?,
                locks,
            },
            Expr::AssignVariable { name, value, sink } => Expr::AssignVariable {
                name,
                value: b(value, f)?,
                sink,
            },
        })
    }

    /// True if any node satisfies `pred`.
    pub fn any(&self, pred: &dyn Fn(&Expr) -> bool) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if found || pred(e) {
                found = true;
                return false;
            }
            true
        });
        found
    }

    pub fn has_subquery(&self) -> bool {
        self.any(&|e| matches!(e, Expr::Subquery(_)))
    }

    pub fn has_aggregate(&self) -> bool {
        self.any(&|e| matches!(e, Expr::AggRef(..)))
    }

    pub fn has_window(&self) -> bool {
        self.any(&|e| matches!(e, Expr::WindowRef(..)))
    }

    /// The smallest and largest row column the expression reads, if any.
    pub fn column_span(&self) -> Option<(usize, usize)> {
        let mut span: Option<(usize, usize)> = None;
        self.walk(&mut |e| {
            if let Expr::Column(i, _) = e {
                span = Some(span.map_or((*i, *i), |(a, b)| (a.min(*i), b.max(*i))));
            }
            true
        });
        span
    }

    /// Replaces row columns by `f(i)`; `OuterColumn`s by the values of `outer`.
    pub fn substitute(
        self,
        outer: &[Value],
        f: &mut dyn FnMut(usize, &crate::types::DataType) -> Expr,
    ) -> Result<Expr> {
        let mut step = |e: Expr| {
            Ok(match e {
                Expr::Column(i, ty) => Step::Replace(f(i, &ty)),
                Expr::OuterColumn(i, _) => {
                    Step::Replace(Expr::Literal(outer.get(i).cloned().unwrap_or(Value::Null)))
                }
                other => Step::Descend(other),
            })
        };
        self.rewrite(&mut step)
    }
}

/// The conjuncts of a condition: `a AND (b AND c)` is `[a, b, c]`.
pub fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary(BinOp::And, l, r) => {
            conjuncts(*l, out);
            conjuncts(*r, out);
        }
        other => out.push(other),
    }
}

/// The conjunction of `parts`; `None` when there are none.
pub fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts
        .into_iter()
        .reduce(|a, b| Expr::Binary(BinOp::And, Box::new(a), Box::new(b)))
}
