//! A statement's memory quota (TiDB's `tidb_mem_quota_query`): the rows an intermediate
//! result holds — a join's output, a recursive CTE's rows — are measured while they grow,
//! and one that would pass the quota fails the statement with TiDB's 8175 instead of taking
//! the process's memory. Tables read whole are the data's own size and are not counted;
//! what one short query can blow up (cross products, doubling recursion) is.

use crate::error::{Error, Result};
use crate::types::Value;

/// How many rows are added between two measurements.
const CHECK_EVERY: usize = 1024;

#[derive(Debug, Clone, Copy)]
pub struct MemoryQuota {
    /// Bytes one intermediate result may hold (`usize::MAX`: no limit).
    limit: usize,
    connection_id: u32,
}

impl MemoryQuota {
    /// `tidb_mem_quota_query` bytes (0 or less: no limit) for connection `connection_id`.
    pub fn new(bytes: i64, connection_id: u32) -> MemoryQuota {
        MemoryQuota {
            limit: usize::try_from(bytes)
                .ok()
                .filter(|b| *b > 0)
                .unwrap_or(usize::MAX),
            connection_id,
        }
    }

    pub fn unlimited() -> MemoryQuota {
        MemoryQuota::new(0, 0)
    }

    /// Fails if `rows`, a result being built, has grown past the quota. Cheap: it measures
    /// only every `CHECK_EVERY` rows, estimating from the last row's size.
    pub fn check(&self, rows: &[Vec<Value>]) -> Result<()> {
        if self.limit == usize::MAX || rows.is_empty() || !rows.len().is_multiple_of(CHECK_EVERY) {
            return Ok(());
        }
        self.check_now(rows)
    }

    /// Like [`MemoryQuota::check`], measuring now.
    pub fn check_now(&self, rows: &[Vec<Value>]) -> Result<()> {
        let Some(last) = rows.last() else {
            return Ok(());
        };
        if rows.len().saturating_mul(row_bytes(last)) > self.limit {
            return Err(self.exceeded());
        }
        Ok(())
    }

    fn exceeded(&self) -> Error {
        Error::new(
            8175,
            "HY000",
            format!(
                "Your query has been cancelled due to exceeding the allowed memory limit for a single SQL query. Please try narrowing your query scope or increase the tidb_mem_quota_query limit and try again.[conn={}]",
                self.connection_id
            ),
        )
    }
}

/// About what a row takes in memory: its values and what they point to.
fn row_bytes(row: &[Value]) -> usize {
    let heap: usize = row
        .iter()
        .map(|v| match v {
            Value::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    std::mem::size_of::<Vec<Value>>() + std::mem::size_of_val(row) + heap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_growing_result_fails_past_the_quota() {
        let quota = MemoryQuota::new(1 << 20, 7);
        let mut rows = Vec::new();
        let mut failed = None;
        for i in 0..100_000 {
            rows.push(vec![Value::Int(i), Value::str("some text of a row")]);
            if let Err(e) = quota.check(&rows) {
                failed = Some((rows.len(), e));
                break;
            }
        }
        let (at, e) = failed.expect("the quota stops the growth");
        assert_eq!(e.code(), 8175);
        assert!(e.message().ends_with("[conn=7]"));
        let row = row_bytes(&rows[0]);
        assert!(
            at * row > 1 << 20 && (at - CHECK_EVERY) * row <= 1 << 20,
            "stopped at {at} rows"
        );
        // No limit, no failure.
        assert!(MemoryQuota::unlimited().check_now(&rows).is_ok());
    }
}
