//! MODIFY / CHANGE COLUMN: none -> public in one step, metadata only (TiDB's non-reorg
//! modify). Setting NOT NULL on a nullable column first checks that no row holds NULL.

use std::sync::Arc;

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{meta, ColumnInfo, SchemaState};
use crate::ddl::job::{ColumnPosition, Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::table::{HandleRange, Table};

pub struct ModifyColumn;

impl JobKind for ModifyColumn {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::ModifyColumn {
            old_name,
            column,
            position,
        } = &job.args
        else {
            return Err(Error::internal("modify column job without its column"));
        };
        let (old_name, column, position) = (old_name.clone(), column.clone(), position.clone());
        let mut table = load_table(txn, job)?;
        let Some(pos) = table
            .columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&old_name) && c.state == SchemaState::Public)
        else {
            return Err(Error::unknown_column(&old_name, &table.name));
        };
        let old = table.columns[pos].clone();
        if !column.name.eq_ignore_ascii_case(&old_name)
            && table.column_by_name(&column.name).is_some()
        {
            return Err(Error::duplicate_column(&column.name));
        }
        check_modify_column(&old, &column)?;
        if old.nullable && !column.nullable {
            let t = Table::new(Arc::new(table.clone()));
            let mut has_null = false;
            t.scan_rows(txn, &HandleRange::all(), false, |_, row| {
                has_null = row[pos].is_null();
                Ok(!has_null)
            })?;
            if has_null {
                return Err(Error::new(
                    1265,
                    "01000",
                    format!("Data truncated for column '{}' at row 1", old.name),
                ));
            }
        }
        let mut col = *column;
        col.id = old.id;
        col.state = SchemaState::Public;
        col.origin_default = old.origin_default.clone();
        let col_name = col.name.clone();
        for fk in &mut table.foreign_keys {
            for c in &mut fk.columns {
                if c.eq_ignore_ascii_case(&old.name) {
                    c.clone_from(&col.name);
                }
            }
        }
        table.columns[pos] = col;
        if let Some(position) = position {
            // Move the column; index offsets follow their columns (matched by id).
            let before: Vec<u64> = table.columns.iter().map(|c| c.id).collect();
            let moved = table.columns.remove(pos);
            let target = match &position {
                ColumnPosition::Last => table.columns.len(),
                ColumnPosition::First => 0,
                ColumnPosition::After(name) => {
                    let Some(i) = table
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(name))
                    else {
                        return Err(Error::unknown_column(name, &table.name));
                    };
                    i + 1
                }
            };
            table.columns.insert(target, moved);
            let after: Vec<u64> = table.columns.iter().map(|c| c.id).collect();
            let remap = |c: &mut usize| {
                if let Some(n) = after.iter().position(|id| *id == before[*c]) {
                    *c = n;
                }
            };
            for ix in &mut table.indexes {
                ix.columns.iter_mut().for_each(remap);
            }
            if let Some(h) = table.handle_column.as_mut() {
                remap(h);
            }
        }
        meta::put_table(txn, &table);
        if !old.name.eq_ignore_ascii_case(&col_name) {
            // The constraints referencing the column follow its new name.
            super::update_references(txn, &job.db_name, &table.name, |fk| {
                for c in &mut fk.ref_columns {
                    if c.eq_ignore_ascii_case(&old.name) {
                        c.clone_from(&col_name);
                    }
                }
            })?;
        }
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}

/// Whether `old` can become `new` without rewriting a row or an index entry: TiDB's
/// non-reorg MODIFY COLUMN (same type family, never narrower). Anything else is 8200.
pub fn check_modify_column(old: &ColumnInfo, new: &ColumnInfo) -> Result<()> {
    use crate::types::DataType as T;
    let unsupported = |why: String| {
        Err(Error::new(
            8200,
            "HY000",
            format!("Unsupported modify column: {why}"),
        ))
    };
    let shorter = |new_len: u32, old_len: u32| {
        unsupported(format!("length {new_len} is less than origin {old_len}"))
    };
    if new.auto_increment && !old.auto_increment {
        return unsupported("can't set auto_increment".into());
    }
    match (&old.ty, &new.ty) {
        (a, b) if a == b => Ok(()),
        (
            T::Int {
                kind: k1,
                unsigned: u1,
            },
            T::Int {
                kind: k2,
                unsigned: u2,
            },
        ) => {
            if u1 != u2 {
                unsupported("can't change unsigned integer to signed or vice versa".into())
            } else if k2.bits() < k1.bits() {
                unsupported(format!(
                    "length {} is less than origin {}",
                    new.ty.sql_name(),
                    old.ty.sql_name()
                ))
            } else {
                Ok(())
            }
        }
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => {
            if s1 != s2 {
                unsupported(format!(
                    "decimal change from decimal({p1}, {s1}) to decimal({p2}, {s2})"
                ))
            } else if p2 < p1 {
                shorter(u32::from(*p2), u32::from(*p1))
            } else {
                Ok(())
            }
        }
        (
            T::Char {
                len: l1,
                varying: v1,
                ..
            },
            T::Char {
                len: l2,
                varying: v2,
                ..
            },
        ) => {
            if *v1 && !*v2 {
                unsupported(format!(
                    "type {} not match origin {}",
                    new.ty.sql_name(),
                    old.ty.sql_name()
                ))
            } else if l2 < l1 {
                shorter(*l2, *l1)
            } else {
                Ok(())
            }
        }
        (
            T::Binary {
                len: l1,
                varying: true,
            },
            T::Binary {
                len: l2,
                varying: true,
            },
        ) => {
            if l2 < l1 {
                shorter(*l2, *l1)
            } else {
                Ok(())
            }
        }
        (T::Text { max_len: l1, .. }, T::Text { max_len: l2, .. })
        | (T::Blob { max_len: l1 }, T::Blob { max_len: l2 }) => {
            if l2 < l1 {
                shorter(*l2, *l1)
            } else {
                Ok(())
            }
        }
        _ => unsupported(format!(
            "type {} not match origin {}",
            new.ty.sql_name(),
            old.ty.sql_name()
        )),
    }
}
