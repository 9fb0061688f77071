//! Which columns of its table a one-table SELECT reads: the scan then decodes only those
//! (the others stay NULL in its rows), which for a range of sysbench's `SELECT c` is one
//! column of four and no copy of the 60-character `pad`.
//!
//! Every expression over the FROM row is walked: the WHERE clause (the factor's conjuncts
//! and what is left above them), and either the grouping's keys and aggregate arguments
//! (a grouped query's projection, HAVING and ORDER BY read the aggregated rows) or the
//! projection and ORDER BY. A query with window functions or any subquery (which may read
//! the row through its enclosing scope) reads the whole row, as does a join.

use super::from::FactorSource;
use super::select::{SelectPlan, SortKey};
use crate::sql::expr::Expr;

/// Narrows the scans of `plan`'s table to the columns its expressions read, when that can
/// be told.
pub(super) fn narrow_reads(plan: &mut SelectPlan) {
    let Some(read) = scope_columns_read(plan) else {
        return;
    };
    let Some(factor) = plan.from.factors.first_mut() else {
        return;
    };
    if let FactorSource::Table(src) = &mut factor.source {
        let columns: Vec<usize> = src
            .scope_to_table
            .iter()
            .zip(&read)
            .filter(|(_, &read)| read)
            .map(|(&column, _)| column)
            .collect();
        if columns.len() < src.table.info.columns.len() {
            src.read_columns = Some(columns);
        }
    }
}

/// Per scope column of the query's one table, whether an expression reads it; `None` when
/// the whole row must be read.
fn scope_columns_read(plan: &SelectPlan) -> Option<Vec<bool>> {
    if !plan.windows.is_empty() || !plan.from.steps.is_empty() {
        return None;
    }
    let [factor] = plan.from.factors.as_slice() else {
        return None;
    };
    let FactorSource::Table(src) = &factor.source else {
        return None;
    };
    let sort_keys = plan.order.iter().filter_map(|(key, _)| match key {
        SortKey::Scope(e) => Some(e),
        SortKey::Output(_) => None,
    });
    let projection = plan.projection.iter().map(|(e, _)| e);
    let mut over_rows: Vec<&Expr> = factor.filter.iter().chain(&plan.filter).collect();
    let mut over_groups: Vec<&Expr> = plan.having.iter().collect();
    match &plan.grouping {
        Some(g) => {
            over_rows.extend(&g.keys);
            for call in &g.calls {
                over_rows.extend(&call.args);
                if let Some(concat) = &call.concat {
                    over_rows.extend(concat.order.iter().map(|(e, _)| e));
                }
            }
            over_groups.extend(projection.chain(sort_keys));
        }
        None => over_rows.extend(projection.chain(sort_keys)),
    }
    if over_rows
        .iter()
        .chain(&over_groups)
        .any(|e| e.has_subquery())
    {
        return None;
    }
    let mut read = vec![false; src.scope.columns.len()];
    let mut unknown = false;
    for e in over_rows {
        e.walk(&mut |x| {
            if let Expr::Column(i, _) = x {
                match read.get_mut(*i) {
                    Some(r) => *r = true,
                    None => unknown = true,
                }
            }
            true
        });
    }
    (!unknown).then_some(read)
}
