//! The window stage of a SELECT block: after grouping and HAVING, each window call sorts the
//! rows by its PARTITION BY and ORDER BY keys, computes its value for every row from the
//! row's partition (and frame), and appends it to the row. The rows leave in the order of
//! the last call's sort, as MySQL's do when the query has no ORDER BY of its own.

use std::cmp::Ordering;

use super::select::compare_keys;
use crate::error::Result;
use crate::sql::aggregate::Acc;
use crate::sql::expr::Expr;
use crate::sql::planner::window::{Bound, Frame, WindowCall, WindowFunc};
use crate::sql::subquery::Env;
use crate::types::Value;

/// Appends the value of each call, in order, to every row.
pub fn run(calls: &[WindowCall], mut rows: Vec<Vec<Value>>, env: &Env) -> Result<Vec<Vec<Value>>> {
    for call in calls {
        rows = run_call(call, rows, env)?;
    }
    Ok(rows)
}

/// One row as a window call sees it: its partition and order keys and argument values.
struct Keyed {
    partition: Vec<Value>,
    order: Vec<Value>,
    args: Vec<Value>,
    row: Vec<Value>,
}

fn eval_all<'e>(
    exprs: impl Iterator<Item = &'e Expr>,
    row: &[Value],
    env: &Env,
) -> Result<Vec<Value>> {
    exprs.map(|e| e.eval_in(row, env)).collect()
}

fn run_call(call: &WindowCall, rows: Vec<Vec<Value>>, env: &Env) -> Result<Vec<Vec<Value>>> {
    let args: Vec<&Expr> = match &call.func {
        WindowFunc::Aggregate(agg) => agg.args.iter().collect(),
        _ => call.args.iter().collect(),
    };
    let mut keyed = rows
        .into_iter()
        .map(|row| {
            Ok(Keyed {
                partition: eval_all(call.partition.iter(), &row, env)?,
                order: eval_all(call.order.iter().map(|(e, _)| e), &row, env)?,
                args: eval_all(args.iter().copied(), &row, env)?,
                row,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let desc: Vec<bool> = call.order.iter().map(|(_, d)| *d).collect();
    let asc = vec![false; call.partition.len()];
    // A stable sort: rows equal on every key keep the order they came in.
    keyed.sort_by(|a, b| {
        compare_keys(&a.partition, &b.partition, &asc)
            .then_with(|| compare_keys(&a.order, &b.order, &desc))
    });
    let mut out = Vec::with_capacity(keyed.len());
    let mut start = 0;
    while start < keyed.len() {
        let end = start
            + keyed[start..]
                .iter()
                .position(|k| {
                    compare_keys(&k.partition, &keyed[start].partition, &asc) != Ordering::Equal
                })
                .unwrap_or(keyed.len() - start);
        let part = &keyed[start..end];
        let values = Partition::new(part, &desc).values(call)?;
        out.extend(values);
        start = end;
    }
    Ok(keyed
        .into_iter()
        .zip(out)
        .map(|(k, v)| {
            let mut row = k.row;
            row.push(v);
            row
        })
        .collect())
}

/// The sorted rows of one partition, with each row's peer group (rows equal on ORDER BY).
struct Partition<'a> {
    rows: &'a [Keyed],
    desc: &'a [bool],
    /// For each row, where its peer group starts and ends (exclusive).
    peers: Vec<(usize, usize)>,
}

impl<'a> Partition<'a> {
    fn new(rows: &'a [Keyed], desc: &'a [bool]) -> Partition<'a> {
        let mut peers = vec![(0, 0); rows.len()];
        let mut start = 0;
        while start < rows.len() {
            let mut end = start + 1;
            while end < rows.len()
                && compare_keys(&rows[end].order, &rows[start].order, desc) == Ordering::Equal
            {
                end += 1;
            }
            peers[start..end].fill((start, end));
            start = end;
        }
        Partition { rows, desc, peers }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn arg(&self, i: usize, n: usize) -> Value {
        self.rows[i].args.get(n).cloned().unwrap_or(Value::Null)
    }

    /// The call's value for every row of the partition, in order.
    fn values(&self, call: &WindowCall) -> Result<Vec<Value>> {
        let n = self.len();
        let count = n as i64;
        Ok(match &call.func {
            WindowFunc::RowNumber => (1..=count).map(Value::Int).collect(),
            WindowFunc::Rank => self
                .peers
                .iter()
                .map(|&(s, _)| Value::Int(s as i64 + 1))
                .collect(),
            WindowFunc::DenseRank => {
                let mut rank = 0;
                (0..n)
                    .map(|i| {
                        if self.peers[i].0 == i {
                            rank += 1;
                        }
                        Value::Int(rank)
                    })
                    .collect()
            }
            WindowFunc::PercentRank => self
                .peers
                .iter()
                .map(|&(s, _)| {
                    Value::Float(if n > 1 {
                        s as f64 / (n - 1) as f64
                    } else {
                        0.0
                    })
                })
                .collect(),
            WindowFunc::CumeDist => self
                .peers
                .iter()
                .map(|&(_, e)| Value::Float(e as f64 / n as f64))
                .collect(),
            WindowFunc::Ntile(buckets) => {
                (0..n).map(|i| Value::Int(ntile(i, n, *buckets))).collect()
            }
            WindowFunc::Lag(k) | WindowFunc::Lead(k) => {
                let back = matches!(call.func, WindowFunc::Lag(_));
                (0..n)
                    .map(|i| {
                        let k = usize::try_from(*k).unwrap_or(usize::MAX);
                        let at = if back {
                            i.checked_sub(k)
                        } else {
                            i.checked_add(k).filter(|&j| j < n)
                        };
                        match at {
                            Some(j) => self.arg(j, 0),
                            None => self.arg(i, 1),
                        }
                    })
                    .collect()
            }
            WindowFunc::FirstValue | WindowFunc::LastValue | WindowFunc::NthValue(_) => {
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let (s, e) = self.frame(&call.frame, i)?;
                    let at = match call.func {
                        WindowFunc::FirstValue => Some(s),
                        WindowFunc::LastValue => e.checked_sub(1),
                        WindowFunc::NthValue(k) => usize::try_from(k.saturating_sub(1))
                            .ok()
                            .and_then(|k| s.checked_add(k)),
                        _ => None,
                    };
                    out.push(match at {
                        Some(j) if j >= s && j < e => self.arg(j, 0),
                        _ => Value::Null,
                    });
                }
                out
            }
            WindowFunc::Aggregate(agg) => {
                let mut out = Vec::with_capacity(n);
                // The frame of the previous row and its running state: a frame that only
                // grows at its end (UNBOUNDED PRECEDING, the whole partition, peers) adds
                // the new rows instead of starting over.
                let mut running: Option<(usize, usize, Acc)> = None;
                let mut unused = 0u64;
                for i in 0..n {
                    let (s, e) = self.frame(&call.frame, i)?;
                    let (s, e) = (s, e.max(s));
                    let acc = match running.take() {
                        Some((ps, pe, mut acc)) if ps == s && pe <= e => {
                            for j in pe..e {
                                acc.add(agg, self.rows[j].args.clone())?;
                            }
                            acc
                        }
                        _ => {
                            let mut acc = Acc::new(agg);
                            for j in s..e {
                                acc.add(agg, self.rows[j].args.clone())?;
                            }
                            acc
                        }
                    };
                    out.push(acc.clone().finish(agg, &mut unused));
                    running = Some((s, e, acc));
                }
                out
            }
        })
    }

    /// Row `i`'s frame as `[start, end)`; empty when start >= end.
    fn frame(&self, frame: &Frame, i: usize) -> Result<(usize, usize)> {
        let start = self.position(frame, &frame.start, i, true)?;
        let end = self.position(frame, &frame.end, i, false)?;
        Ok((start, end))
    }

    /// Where a bound puts the frame's start (`is_start`) or its exclusive end.
    fn position(&self, frame: &Frame, bound: &Bound, i: usize, is_start: bool) -> Result<usize> {
        let n = self.len();
        let clamp = |k: u64| usize::try_from(k).unwrap_or(usize::MAX);
        Ok(match bound {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow if frame.range => {
                let (s, e) = self.peers[i];
                if is_start {
                    s
                } else {
                    e
                }
            }
            Bound::CurrentRow => i + usize::from(!is_start),
            Bound::RowsPreceding(k) => (i + usize::from(!is_start)).saturating_sub(clamp(*k)),
            Bound::RowsFollowing(k) => i
                .saturating_add(clamp(*k))
                .saturating_add(usize::from(!is_start))
                .min(n),
            Bound::Value(target) => {
                let current = self.rows[i].order.first().cloned().unwrap_or(Value::Null);
                let target = target.eval(&[current])?;
                let desc = self.desc.first().copied().unwrap_or(false);
                // The rows' keys run in sort order: find the first one not before the
                // target (a start) or after it (an end).
                self.rows.partition_point(|r| {
                    let key = r.order.first().unwrap_or(&Value::Null);
                    let o = key.sql_cmp(&target);
                    let o = if desc { o.reverse() } else { o };
                    if is_start {
                        o == Ordering::Less
                    } else {
                        o != Ordering::Greater
                    }
                })
            }
        })
    }
}

/// NTILE: `n` rows cut into `buckets` as evenly as possible, the first `n % buckets`
/// buckets one row larger.
fn ntile(i: usize, n: usize, buckets: u64) -> i64 {
    let buckets = usize::try_from(buckets).unwrap_or(usize::MAX).max(1);
    let small = n / buckets;
    let large = n % buckets;
    let bucket = if small == 0 {
        i
    } else if i < large * (small + 1) {
        i / (small + 1)
    } else {
        large + (i - large * (small + 1)) / small
    };
    bucket as i64 + 1
}

#[cfg(test)]
mod tests {
    use super::ntile;

    #[test]
    fn ntile_spreads_the_remainder_over_the_first_buckets() {
        let buckets: Vec<i64> = (0..10).map(|i| ntile(i, 10, 3)).collect();
        assert_eq!(buckets, [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
        let more: Vec<i64> = (0..3).map(|i| ntile(i, 3, 5)).collect();
        assert_eq!(more, [1, 2, 3]);
    }
}
