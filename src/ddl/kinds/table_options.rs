//! ALTER TABLE ... COMMENT / CHARSET / COLLATE / AUTO_INCREMENT / DROP FOREIGN KEY /
//! RENAME INDEX / ALTER INDEX ... [IN]VISIBLE / ALTER COLUMN ... {SET | DROP} DEFAULT / DROP
//! CHECK / CONVERT TO CHARACTER SET: metadata only, none -> public in one step. The charset
//! and collation are the table's defaults, for columns added later; CONVERT TO gives them
//! to every character column too, as TiDB does: only where the values and index entries
//! stay as they are (an index on a column whose comparison changes is 8200). AUTO_INCREMENT
//! writes the id allocator's base in the same transaction as the table. ADD FOREIGN KEY and ADD CHECK, which read the
//! rows, are kinds of their own (`add_foreign_key`, `check_constraint`).

use super::{can_not_drop, check_modify_column, finish, load_table, JobKind, Step};
use crate::catalog::{meta, IndexInfo, SchemaState, TableInfo};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::types::collation::Collation;

pub struct TableOptions;

impl JobKind for TableOptions {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut table = load_table(txn, job)?;
        match &job.args {
            JobArgs::ModifyTableComment { comment } => table.comment.clone_from(comment),
            JobArgs::ModifyTableCharsetAndCollate {
                charset,
                collation,
                convert_columns,
            } => {
                if *convert_columns {
                    convert_columns_to(&mut table, collation)?;
                }
                table.charset.clone_from(charset);
                table.collation.clone_from(collation);
            }
            JobArgs::DropForeignKey { name } => {
                let before = table.foreign_keys.len();
                table
                    .foreign_keys
                    .retain(|k| !k.name.eq_ignore_ascii_case(name));
                if table.foreign_keys.len() == before {
                    return Err(can_not_drop(name));
                }
            }
            JobArgs::RenameIndex { from, to } => {
                if !from.eq_ignore_ascii_case(to) && table.index_by_name(to).is_some() {
                    return Err(Error::duplicate_key_name(to));
                }
                let ix = public_index(&mut table, from)?;
                ix.name.clone_from(to);
            }
            JobArgs::AlterIndexVisibility { name, invisible } => {
                let ix = public_index(&mut table, name)?;
                if ix.primary && *invisible {
                    return Err(Error::invisible_primary_key());
                }
                ix.invisible = *invisible;
            }
            JobArgs::DropCheckConstraint { name } => {
                let before = table.checks.len();
                table.checks.retain(|c| !c.name.eq_ignore_ascii_case(name));
                if table.checks.len() == before {
                    return Err(Error::no_constraint(name));
                }
            }
            JobArgs::RebaseAutoId { base, force } => {
                // The allocator's base is the last id reserved: the next is `base`.
                let end = base.saturating_sub(1);
                let end = match force {
                    true => end,
                    false => end.max(meta::get_auto_id(txn, table.id)?),
                };
                meta::put_auto_id(txn, table.id, end);
                table.auto_id_rebases += 1;
            }
            JobArgs::SetDefaultValue { column, default } => {
                let table_name = table.name.clone();
                let col = table
                    .columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(column) && c.state == SchemaState::Public)
                    .ok_or_else(|| Error::unknown_column(column, &table_name))?;
                col.default.clone_from(default);
                col.no_default = default.is_none();
            }
            _ => return Err(Error::internal("table option job without its option")),
        }
        meta::put_table(txn, &table);
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}

/// The public index `name` of `table` (1176 as MySQL otherwise).
fn public_index<'a>(table: &'a mut TableInfo, name: &str) -> Result<&'a mut IndexInfo> {
    let table_name = table.name.clone();
    table
        .indexes
        .iter_mut()
        .find(|i| i.name.eq_ignore_ascii_case(name) && i.state == SchemaState::Public)
        .ok_or_else(|| {
            Error::new(
                1176,
                "42000",
                format!("Key '{name}' doesn't exist in table '{table_name}'"),
            )
        })
}

/// CONVERT TO: every character column of `table` takes `collation` (a known name), when
/// that changes no stored value or index entry; TiDB's 8200 for an index on a column whose
/// comparison would change.
pub fn convert_columns_to(table: &mut TableInfo, collation: &str) -> Result<()> {
    let to = Collation::by_name(collation).ok_or_else(|| Error::unknown_collation(collation))?;
    let mut converted = table.columns.clone();
    for column in &mut converted {
        let Some(from) = column.ty.collation() else {
            continue;
        };
        let old = column.clone();
        column.ty = column.ty.with_collation(to);
        if check_modify_column(table, &old, column)? {
            return Err(Error::new(
                8200,
                "HY000",
                format!(
                    "Unsupported converting collation of column '{}' from '{}' to '{}' when index is defined on it.",
                    old.name.to_lowercase(),
                    from.name(),
                    to.name()
                ),
            ));
        }
    }
    table.columns = converted;
    Ok(())
}
