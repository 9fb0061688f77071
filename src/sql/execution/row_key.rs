//! Values as hash keys, for GROUP BY, DISTINCT, UNION and hash joins: two keys are equal
//! when SQL says their values are (`1 = 1.0`), and NULLs group together.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::types::collation::Fold;
use crate::types::Value;

#[derive(Debug, Clone)]
pub struct RowKey(pub Vec<Value>);

impl RowKey {
    /// The key of `values` whose strings compare under `folds` (the `i`th value's at
    /// `i`; a missing or `None` one: byte by byte).
    pub fn collated(values: &[Value], folds: &[Option<Fold>]) -> RowKey {
        RowKey(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| match folds.get(i).copied().flatten() {
                    Some(f) => f.key(v.clone()),
                    None => v.clone(),
                })
                .collect(),
        )
    }
}

/// Values only ever equal within a class: numbers, strings, temporals.
fn class(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Float(_) => 1,
        Value::Bytes(_) => 2,
        Value::Date(_) | Value::DateTime(_) => 3,
    }
}

impl PartialEq for RowKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| class(a) == class(b) && a.sql_cmp(b) == Ordering::Equal)
    }
}

impl Eq for RowKey {}

impl Hash for RowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for v in &self.0 {
            class(v).hash(state);
            match v {
                Value::Null => {}
                // Equal numbers of different kinds have the same double.
                Value::Int(_) | Value::UInt(_) | Value::Decimal(_) | Value::Float(_) => {
                    let f = v.to_f64();
                    (if f == 0.0 { 0.0f64 } else { f }).to_bits().hash(state)
                }
                Value::Bytes(b) => b.hash(state),
                Value::Date(d) => d.and_hms_opt(0, 0, 0).hash(state),
                Value::DateTime(d) => Some(*d).hash(state),
            }
        }
    }
}
