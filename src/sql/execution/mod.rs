//! Running plans: the rows of a query inside one transaction, per enclosing row for
//! subqueries. Everything here reads a plan from `planner`; nothing here plans.

pub mod join;
pub mod json_table;
pub mod memory;
pub mod recursive;
pub mod row_key;
pub mod select;
pub mod set_op;
pub mod window;

use crate::error::Result;
use crate::kv::Transaction;
use crate::sql::planner::query::QueryPlan;
use crate::sql::subquery::Runner;
use crate::types::Value;

/// Runs plans inside one transaction; the runner of subqueries.
pub struct Exec<'a> {
    pub txn: &'a dyn Transaction,
    /// SELECT ... FOR UPDATE / LOCK IN SHARE MODE: the record keys of the table rows read.
    pub locks: Option<&'a std::cell::RefCell<Vec<Vec<u8>>>>,
    /// How large an intermediate result may grow (`tidb_mem_quota_query`).
    pub memory: memory::MemoryQuota,
    /// Rounds a recursive CTE may run (`cte_max_recursion_depth`).
    pub max_recursion: u64,
}

impl Exec<'_> {
    /// The rows of `plan` inside the enclosing rows `outer`.
    pub fn query(&self, plan: &QueryPlan, outer: &[Value]) -> Result<Vec<Vec<Value>>> {
        match plan {
            QueryPlan::Select(s) => select::run_select(self, s, outer),
            QueryPlan::SetOp(u) => set_op::run(self, u, outer),
        }
    }
}

impl Runner for Exec<'_> {
    fn run(
        &self,
        plan: &QueryPlan,
        outer: &[Value],
        limit: Option<usize>,
    ) -> Result<Vec<Vec<Value>>> {
        let mut rows = self.query(plan, outer)?;
        if let Some(l) = limit {
            rows.truncate(l);
        }
        Ok(rows)
    }
}
