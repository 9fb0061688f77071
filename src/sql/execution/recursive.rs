//! Running a recursive CTE: the seed's rows, then round after round of the step over the
//! previous round's rows (its work table) until a round adds nothing; UNION (DISTINCT)
//! keeps only rows not seen before. At most `cte_max_recursion_depth` rounds (MySQL's
//! default [`DEFAULT_MAX_ROUNDS`]), then MySQL's 3636.

use std::collections::HashSet;
use std::sync::Arc;

use super::row_key::RowKey;
use super::Exec;
use crate::error::{Error, Result};
use crate::sql::planner::cte::RecursivePlan;
use crate::types::Value;

pub const DEFAULT_MAX_ROUNDS: u64 = 1000;

pub fn run(exec: &Exec, plan: &RecursivePlan) -> Result<Vec<Vec<Value>>> {
    let mut seen = HashSet::new();
    let mut fresh = |rows: Vec<Vec<Value>>| -> Vec<Vec<Value>> {
        if !plan.distinct {
            return rows;
        }
        rows.into_iter()
            .filter(|r| seen.insert(RowKey(r.clone())))
            .collect()
    };
    let mut all = fresh(exec.query(&plan.seed, &[])?);
    let mut last = all.clone();
    let mut rounds = 0u64;
    while !last.is_empty() {
        if rounds >= exec.max_recursion {
            return Err(Error::new(
                3636,
                "HY000",
                format!(
                    "Recursive query aborted after {} iterations. Try increasing @@cte_max_recursion_depth to a larger value.",
                    rounds.saturating_add(1)
                ),
            ));
        }
        rounds += 1;
        *plan.work.rows.lock() = Arc::new(last);
        last = fresh(exec.query(&plan.step, &[])?);
        all.extend(last.iter().cloned());
        exec.memory.check_now(&all)?;
    }
    *plan.work.rows.lock() = Arc::new(Vec::new());
    Ok(all)
}
