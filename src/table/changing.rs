//! Columns being changed by a MODIFY COLUMN that rewrites data (TiDB's `ChangeStateInfo`).
//!
//! While such a job runs, a hidden column holds another column's value converted to a new
//! type. The value is computed here, for every row any writer stores (INSERT, UPDATE,
//! REPLACE, a foreign key cascade, the job's own backfill), so neither the rows nor the
//! indexes built over the hidden column can miss a write, whichever path made it.

use super::{is_writable, Error, Result, Table};
use crate::catalog::{ColumnInfo, IndexInfo, SchemaState};
use crate::error::Error as SqlError;
use crate::kv::Transaction;
use crate::types::convert::{self, ConvertError};
use crate::types::{DataType, Value};

/// One hidden column to compute: offsets into the table's columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct Change {
    target: usize,
    source: usize,
    strict: bool,
}

/// The changing columns of `columns` that writes store (a column in delete only is not
/// stored, so it is not computed: its value could not fail a write that drops it).
pub(super) fn changes(columns: &[ColumnInfo]) -> Vec<Change> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            matches!(
                c.state,
                SchemaState::WriteOnly | SchemaState::WriteReorganization
            )
        })
        .filter_map(|(target, c)| {
            let change = c.change?;
            let source = columns.iter().position(|s| s.id == change.from)?;
            Some(Change {
                target,
                source,
                strict: change.strict,
            })
        })
        .collect()
}

impl Table {
    /// `row` with its changing columns computed, or `None` when the table has none. A
    /// strict change fails on a value that does not fit; another stores the nearest value
    /// and tells `warn` (with the changing column's id).
    pub(super) fn with_changes(
        &self,
        row: &[Value],
        warn: &mut dyn FnMut(u64, SqlError),
    ) -> Result<Option<Vec<Value>>> {
        if self.changes.is_empty() {
            return Ok(None);
        }
        let mut row = row.to_vec();
        for change in &self.changes {
            let (from, to) = (
                &self.info.columns[change.source],
                &self.info.columns[change.target],
            );
            let value = &row[change.source];
            row[change.target] = match converted(value, from, to) {
                Ok(v) => v,
                Err(e) if change.strict => return Err(Error::Value(e)),
                Err(e) => {
                    warn(to.id, e);
                    match convert::to_column_type(value, &to.ty) {
                        Ok(Value::Null) if !to.nullable => convert::implicit_default(&to.ty),
                        Ok(v) => v,
                        Err(e) => e.clamped(),
                    }
                }
            };
        }
        Ok(Some(row))
    }

    /// The MODIFY COLUMN backfill's write of a row: stored again with its changing columns
    /// computed, and its entries in the indexes over them written even when the row held
    /// the values already (DML wrote them, or NULL, as an unwritten column reads). A value
    /// stored in place of one that did not fit is told to `warn`, with the changing
    /// column's id.
    pub fn convert_record(
        &self,
        txn: &mut dyn Transaction,
        handle: i64,
        row: &[Value],
        warn: &mut dyn FnMut(u64, SqlError),
    ) -> Result<()> {
        let Some(new) = self.with_changes(row, warn)? else {
            return Ok(());
        };
        if new != row {
            return self.update_record(txn, handle, row, &new);
        }
        let covers = |ix: &&IndexInfo| {
            is_writable(ix.state)
                && ix
                    .columns
                    .iter()
                    .any(|c| self.changes.iter().any(|ch| ch.target == *c))
        };
        for index in self.info.indexes.iter().filter(covers) {
            let (key, value) = self.index_entry(txn, index, &new, handle)?;
            txn.put(key, value);
        }
        txn.lock(self.record_key(handle));
        Ok(())
    }
}

/// `value` of column `from` as column `to` holds it, or the error TiDB's column type change
/// reports for a value that does not fit (named after `from`, the column users know).
pub fn converted(
    value: &Value,
    from: &ColumnInfo,
    to: &ColumnInfo,
) -> std::result::Result<Value, SqlError> {
    if value.is_null() {
        if to.nullable {
            return Ok(Value::Null);
        }
        return Err(SqlError::new(
            1265,
            "01000",
            format!("Data truncated for column '{}' at row 1", from.name),
        ));
    }
    let text = || value.to_string_lossy();
    convert::to_column_type(value, &to.ty).map_err(|e| match e {
        ConvertError::OutOfRange { .. } => SqlError::new(
            1690,
            "22003",
            format!("constant {} overflows {}", text(), to.ty.sql_name()),
        ),
        ConvertError::TooLong { .. } => SqlError::new(
            1406,
            "22001",
            format!(
                "Data Too Long, field len {}, data len {}",
                field_len(&to.ty),
                data_len(value, &to.ty)
            ),
        ),
        ConvertError::Truncated { .. } => SqlError::new(
            1265,
            "01000",
            format!(
                "Data truncated for column '{}', value is '{}'",
                from.name,
                text()
            ),
        ),
        ConvertError::Incorrect { type_name, .. } if to.ty.is_temporal() => SqlError::new(
            1292,
            "22007",
            format!("Incorrect {type_name} value: '{}'", text()),
        ),
        ConvertError::Incorrect { .. } => SqlError::new(
            1292,
            "22007",
            format!(
                "Truncated incorrect {} value: '{}'",
                to.ty.sql_name(),
                text()
            ),
        ),
        ConvertError::InvalidJson { message, position } => {
            SqlError::invalid_json_text(message, position, &from.name)
        }
    })
}

/// A string type's length as TiDB's message gives it (characters, or bytes for binary).
fn field_len(ty: &DataType) -> u32 {
    match ty {
        DataType::Char { len, .. } | DataType::Binary { len, .. } => *len,
        DataType::Text { max_len, .. } | DataType::Blob { max_len } => *max_len,
        _ => 0,
    }
}

fn data_len(value: &Value, ty: &DataType) -> usize {
    let text = value.to_string_lossy();
    match ty {
        DataType::Char { .. } => text.chars().count(),
        _ => text.len(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{fixtures, ColumnChange};
    use crate::types::IntKind;

    /// `t (id, a INT)` with `a` being changed to TINYINT through hidden column `h` in
    /// `state`, indexed by `ih` (in the same state).
    fn changing_table(state: SchemaState) -> Table {
        changing_table_in(state, true)
    }

    /// [`changing_table`], the change strict or not (the job's sql_mode).
    fn changing_table_in(state: SchemaState, strict: bool) -> Table {
        let mut info = fixtures::table(
            1,
            "t",
            &["id", "a"],
            vec![fixtures::index(1, "ih", vec![2], true, state)],
        );
        let mut h = ColumnInfo::new(
            3,
            "_Col$_a_0",
            DataType::Int {
                kind: IntKind::Tiny,
                unsigned: false,
            },
        );
        h.state = state;
        h.change = Some(ColumnChange { from: 2, strict });
        info.columns.push(h);
        Table::new(Arc::new(info))
    }

    fn stored(table: &Table, txn: &dyn Transaction, handle: i64) -> Vec<Value> {
        table.row(txn, handle).expect("read").expect("row")
    }

    #[test]
    fn writes_compute_the_changing_column_and_its_index() {
        let store = crate::kv::open_memory().expect("store");
        let table = changing_table(SchemaState::WriteOnly);
        let mut txn = store.begin().expect("begin");
        let row = [Value::Int(1), Value::Int(7), Value::Null];
        table.add_record(txn.as_mut(), &row, 1).expect("insert");
        assert_eq!(stored(&table, txn.as_ref(), 1)[2], Value::Int(7));
        let new = [Value::Int(1), Value::Int(9), Value::Int(7)];
        let old = stored(&table, txn.as_ref(), 1);
        table
            .update_record(txn.as_mut(), 1, &old, &new)
            .expect("update");
        assert_eq!(stored(&table, txn.as_ref(), 1)[2], Value::Int(9));
        // The hidden unique index holds the converted value.
        let dup = [Value::Int(2), Value::Int(9), Value::Null];
        assert!(matches!(
            table.add_record(txn.as_mut(), &dup, 2),
            Err(Error::Duplicate { .. })
        ));
    }

    #[test]
    fn a_value_that_does_not_fit_fails_the_write() {
        let store = crate::kv::open_memory().expect("store");
        let table = changing_table(SchemaState::WriteReorganization);
        let mut txn = store.begin().expect("begin");
        let row = [Value::Int(1), Value::Int(300), Value::Null];
        match table.add_record(txn.as_mut(), &row, 1) {
            Err(Error::Value(e)) => {
                assert_eq!(
                    e.to_string(),
                    "ERROR 1690 (22003): constant 300 overflows tinyint"
                );
            }
            other => panic!("expected 1690, got {other:?}"),
        }
    }

    #[test]
    fn a_non_strict_change_stores_the_nearest_value_and_warns() {
        let store = crate::kv::open_memory().expect("store");
        let table = changing_table_in(SchemaState::WriteReorganization, false);
        let mut txn = store.begin().expect("begin");
        // DML stores the nearest value without a word.
        let row = [Value::Int(1), Value::Int(300), Value::Null];
        table.add_record(txn.as_mut(), &row, 1).expect("insert");
        assert_eq!(stored(&table, txn.as_ref(), 1)[2], Value::Int(127));
        // The backfill tells which column warned, and why.
        let row = [Value::Int(2), Value::Int(-500), Value::Null];
        table.add_record(txn.as_mut(), &row, 2).expect("insert");
        let mut warnings = Vec::new();
        table
            .convert_record(txn.as_mut(), 2, &row, &mut |column, e| {
                warnings.push((column, e.to_string()))
            })
            .expect("convert");
        assert_eq!(stored(&table, txn.as_ref(), 2)[2], Value::Int(-128));
        assert_eq!(
            warnings,
            [(
                3,
                "ERROR 1690 (22003): constant -500 overflows tinyint".to_string()
            )]
        );
    }

    #[test]
    fn in_delete_only_nothing_is_computed() {
        let store = crate::kv::open_memory().expect("store");
        let table = changing_table(SchemaState::DeleteOnly);
        let mut txn = store.begin().expect("begin");
        let row = [Value::Int(1), Value::Int(300), Value::Null];
        table.add_record(txn.as_mut(), &row, 1).expect("insert");
        assert_eq!(stored(&table, txn.as_ref(), 1)[2], Value::Null);
    }

    #[test]
    fn conversion_errors_are_tidbs() {
        let col = |ty: DataType| ColumnInfo::new(1, "c", ty);
        let from = col(DataType::Double);
        let cases = [
            (
                Value::str("abcde"),
                DataType::Char {
                    len: 4,
                    varying: true,
                    collation: Default::default(),
                },
                "ERROR 1406 (22001): Data Too Long, field len 4, data len 5",
            ),
            (
                Value::Int(11111),
                DataType::Enum {
                    members: vec!["11111".into()],
                },
                "ERROR 1265 (01000): Data truncated for column 'c', value is '11111'",
            ),
            (
                Value::str("1x"),
                DataType::Decimal {
                    precision: 7,
                    scale: 4,
                },
                "ERROR 1292 (22007): Truncated incorrect decimal(7,4) value: '1x'",
            ),
        ];
        for (value, ty, message) in cases {
            let err = converted(&value, &from, &col(ty)).expect_err("does not fit");
            assert_eq!(err.to_string(), message);
        }
    }
}
