//! MODIFY / CHANGE / RENAME COLUMN, TiDB's two ways:
//!
//! - **metadata only** (`metadata`): when every stored value already fits the new
//!   definition (a wider integer, a longer string, a new default, comment or name), the
//!   column keeps its id and changes in one step;
//! - **rewriting the data** (`rewrite`): otherwise (a narrower type, another type family,
//!   another collation under an index) a hidden column of the new type and hidden copies
//!   of the indexes over the column walk none -> delete only -> write only -> write
//!   reorganization, the rows are converted into it, then it takes the old column's
//!   place and the old column and indexes are removed.
//!
//! Either way the job first checks the new name is free (1060) and, when the column
//! becomes NOT NULL, that no row holds NULL in it (1265).

mod metadata;
mod rewrite;

use super::{JobKind, Step};
use crate::catalog::{ColumnInfo, SchemaState, TableInfo};
use crate::ddl::job::{ColumnPosition, Job, JobArgs, ModifyReorg};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct ModifyColumn;

/// A modify column job's arguments.
struct Args {
    old_name: String,
    column: ColumnInfo,
    position: Option<ColumnPosition>,
    reorg: Option<ModifyReorg>,
}

fn args(job: &Job) -> Result<Args> {
    let JobArgs::ModifyColumn {
        old_name,
        column,
        position,
        reorg,
    } = &job.args
    else {
        return Err(Error::internal("modify column job without its column"));
    };
    Ok(Args {
        old_name: old_name.clone(),
        column: (**column).clone(),
        position: position.clone(),
        reorg: reorg.clone(),
    })
}

impl JobKind for ModifyColumn {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let args = args(job)?;
        let table = super::load_table(txn, job)?;
        match &args.reorg {
            Some(reorg) => rewrite::forward(txn, job, table, &args, reorg.clone()),
            None => {
                let (pos, old) = public_column(&table, &args.old_name)?;
                if !args.column.name.eq_ignore_ascii_case(&old.name)
                    && table.column_by_name(&args.column.name).is_some()
                {
                    return Err(Error::duplicate_column(&args.column.name));
                }
                if old.nullable && !args.column.nullable && super::any_null(txn, &table, &[pos])? {
                    return Err(Error::new(
                        1265,
                        "01000",
                        format!("Data truncated for column '{}' at row 1", old.name),
                    ));
                }
                if check_modify_column(&table, old, &args.column)? {
                    rewrite::start(txn, job, table, &args, pos)
                } else {
                    metadata::change(txn, job, table, &args, pos)
                }
            }
        }
    }

    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let args = args(job)?;
        match args.reorg {
            Some(reorg) => rewrite::rollback(txn, job, &reorg),
            None => super::finish(
                job,
                crate::ddl::job::JobState::RollbackDone,
                SchemaState::None,
            ),
        }
    }

    /// Until the new column took the old one's place.
    fn is_rollbackable(&self, job: &Job) -> bool {
        match &job.args {
            JobArgs::ModifyColumn {
                reorg: Some(reorg), ..
            } => !reorg.swapped,
            _ => job.schema_state == SchemaState::None,
        }
    }

    fn is_reorg(&self) -> bool {
        true
    }

    /// A metadata change holds before it starts; a rewrite once the rows are converted.
    fn holds(&self, txn: &dyn Transaction, job: &Job) -> Result<bool> {
        let args = args(job)?;
        match &args.reorg {
            Some(reorg) => Ok(!reorg.swapped
                && job.schema_state == SchemaState::WriteReorganization
                && super::reorg_done_now(txn, job)?),
            None => {
                let table = super::load_table(txn, job)?;
                let (_, old) = public_column(&table, &args.old_name)?;
                Ok(!check_modify_column(&table, old, &args.column)?)
            }
        }
    }
}

/// The public column `name` of `table`, with its offset.
fn public_column<'a>(table: &'a TableInfo, name: &str) -> Result<(usize, &'a ColumnInfo)> {
    table
        .columns
        .iter()
        .enumerate()
        .find(|(_, c)| c.name.eq_ignore_ascii_case(name) && c.state == SchemaState::Public)
        .ok_or_else(|| Error::unknown_column(name, &table.name))
}

/// Whether turning `old` (a column of `table`) into `new` rewrites the data: false when
/// the stored values and index entries already fit `new` (TiDB's non-reorg change), true
/// when they must be converted. TiDB's 8200 (and 3780 for a foreign key column) for the
/// changes it refuses.
pub fn check_modify_column(table: &TableInfo, old: &ColumnInfo, new: &ColumnInfo) -> Result<bool> {
    if new.auto_increment && !old.auto_increment {
        return Err(unsupported("can't set auto_increment"));
    }
    if fits(old, new) && same_index_keys(table, old, new) {
        return Ok(false);
    }
    if new.generated.is_some() || old.generated.is_some() {
        return Err(unsupported(&format!(
            "newCol IsGenerated {}, oldCol IsGenerated {}",
            new.generated.is_some(),
            old.generated.is_some()
        )));
    }
    let pos = table.columns.iter().position(|c| c.id == old.id);
    let in_primary = pos.is_some_and(|p| {
        table.handle_column == Some(p)
            || table
                .indexes
                .iter()
                .any(|ix| ix.primary && ix.columns.contains(&p))
    });
    if in_primary {
        return Err(unsupported("this column has primary key flag"));
    }
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.iter().any(|c| c.eq_ignore_ascii_case(&old.name)))
    {
        return Err(incompatible_foreign_key(&old.name, fk));
    }
    Ok(true)
}

/// Whether every value of `old` is already a value of `new`, stored alike.
fn fits(old: &ColumnInfo, new: &ColumnInfo) -> bool {
    use crate::types::DataType as T;
    match (&old.ty, &new.ty) {
        (a, b) if a == b => true,
        (
            T::Int {
                kind: k1,
                unsigned: u1,
            },
            T::Int {
                kind: k2,
                unsigned: u2,
            },
        ) => u1 == u2 && k2.bits() >= k1.bits(),
        (
            T::Decimal {
                precision: p1,
                scale: s1,
            },
            T::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1,
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
        ) => (!*v1 || *v2) && l2 >= l1, // never VARCHAR to CHAR
        (
            T::Binary {
                len: l1,
                varying: true,
            },
            T::Binary {
                len: l2,
                varying: true,
            },
        ) => l2 >= l1,
        (T::Text { max_len: l1, .. }, T::Text { max_len: l2, .. })
        | (T::Blob { max_len: l1 }, T::Blob { max_len: l2 }) => l2 >= l1,
        _ => false,
    }
}

/// Whether the column's index entries stay as they are: a collation change under an index
/// changes its keys (`'a'` and `'A'` are one key under `_ci`, two under `_bin`).
fn same_index_keys(table: &TableInfo, old: &ColumnInfo, new: &ColumnInfo) -> bool {
    let fold = |c: &ColumnInfo| c.ty.collation().and_then(|c| c.fold());
    if fold(old) == fold(new) {
        return true;
    }
    let Some(pos) = table.columns.iter().position(|c| c.id == old.id) else {
        return true;
    };
    !table.indexes.iter().any(|ix| ix.columns.contains(&pos))
}

fn unsupported(why: &str) -> Error {
    Error::new(8200, "HY000", format!("Unsupported modify column: {why}"))
}

/// 3780: a foreign key column's type cannot change under its constraint.
fn incompatible_foreign_key(column: &str, fk: &crate::catalog::ForeignKeyInfo) -> Error {
    let referenced = fk
        .columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(column))
        .and_then(|i| fk.ref_columns.get(i))
        .map_or("", String::as_str);
    Error::new(
        3780,
        "HY000",
        format!(
            "Referencing column '{column}' and referenced column '{referenced}' in foreign key constraint '{}' are incompatible.",
            fk.name
        ),
    )
}
