//! ALTER TABLE ... ADD FOREIGN KEY (TiDB's `onCreateForeignKey`): none -> write only ->
//! write reorganization -> public.
//!
//! * **none -> write only**: the definition is checked against the table and, with
//!   `foreign_key_checks` on, against its parent (which must exist, with a key on the
//!   referenced columns); the constraint is recorded. From here DML checks it on every
//!   child write and refuses a parent change that would orphan a row, but never cascades:
//!   the job may still roll back, and a cascade could not be undone.
//! * **write only -> write reorganization**: with every node checking new writes, the
//!   rows already there are checked against the parent (1452 for an orphan, and the job
//!   rolls back). A multi-schema change holds the constraint here.
//! * **write reorganization -> public**: cascades apply too.
//!
//! The index the child needs is added before, by an ADD INDEX of the same statement.

use std::sync::Arc;

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{self, meta, ForeignKeyInfo, SchemaState, TableInfo};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, ForeignKeyError, Result};
use crate::kv::Transaction;
use crate::table::{foreign_key, Table};

pub struct AddForeignKey;

impl JobKind for AddForeignKey {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::AddForeignKey { fk, checks } = &job.args else {
            return Err(Error::internal(
                "add foreign key job without its constraint",
            ));
        };
        let (fk, checks) = ((**fk).clone(), *checks);
        let mut table = load_table(txn, job)?;
        let next = match job.schema_state {
            SchemaState::None => {
                check_definition(&table, &fk)?;
                match parent(txn, job, &table, &fk)? {
                    Some(parent) => catalog::check_reference(&table, &fk, &parent)?,
                    None if checks => {
                        return Err(ForeignKeyError::CannotOpenParent {
                            table: fk.ref_table.clone(),
                        }
                        .into())
                    }
                    None => {}
                }
                table.foreign_keys.push(ForeignKeyInfo {
                    state: SchemaState::WriteOnly,
                    ..fk.clone()
                });
                SchemaState::WriteOnly
            }
            SchemaState::WriteOnly => {
                if checks {
                    if let Some(parent) = parent(txn, job, &table, &fk)? {
                        let child = Table::new(Arc::new(table.clone()));
                        let parent = Table::new(Arc::new(parent));
                        foreign_key::check_existing_rows(txn, &job.db_name, &child, &fk, &parent)?;
                    }
                }
                SchemaState::WriteReorganization
            }
            SchemaState::WriteReorganization => SchemaState::Public,
            other => {
                return Err(Error::internal(format!(
                    "add foreign key in state {}",
                    other.as_str()
                )))
            }
        };
        if let Some(added) = added(&mut table, &fk.name) {
            added.state = next;
        }
        meta::put_table(txn, &table);
        job.schema_state = next;
        if next == SchemaState::Public {
            return finish(job, JobState::Done, SchemaState::Public);
        }
        Ok(Step::SchemaChanged)
    }

    /// Removes the constraint if it was recorded.
    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        if let JobArgs::AddForeignKey { fk, .. } = &job.args {
            let mut table = load_table(txn, job)?;
            let name = fk.name.clone();
            table
                .foreign_keys
                .retain(|k| k.state == SchemaState::Public || !k.name.eq_ignore_ascii_case(&name));
            meta::put_table(txn, &table);
        }
        finish(job, JobState::RollbackDone, SchemaState::None)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state != SchemaState::Public
    }

    /// Checked against the rows, the constraint waits for the multi-schema change's other
    /// changes before it turns public.
    fn holds(&self, _txn: &dyn Transaction, job: &Job) -> Result<bool> {
        Ok(job.schema_state == SchemaState::WriteReorganization)
    }
}

/// The constraint this job added (not yet public), by name.
fn added<'a>(table: &'a mut TableInfo, name: &str) -> Option<&'a mut ForeignKeyInfo> {
    table
        .foreign_keys
        .iter_mut()
        .find(|k| k.state != SchemaState::Public && k.name.eq_ignore_ascii_case(name))
}

/// The constraint's columns exist (1072) and its name is the table's only one (1826).
fn check_definition(table: &TableInfo, fk: &ForeignKeyInfo) -> Result<()> {
    for c in &fk.columns {
        if table.column_by_name(c).is_none() {
            return Err(Error::new(
                1072,
                "42000",
                format!("Key column '{c}' doesn't exist in table"),
            ));
        }
    }
    if table
        .foreign_keys
        .iter()
        .any(|k| k.name.eq_ignore_ascii_case(&fk.name))
    {
        return Err(Error::new(
            1826,
            "HY000",
            format!("Duplicate foreign key constraint name '{}'", fk.name),
        ));
    }
    Ok(())
}

/// The constraint's parent table as stored now: the table itself when it references
/// itself; `None` if it does not exist.
fn parent(
    txn: &dyn Transaction,
    job: &Job,
    table: &TableInfo,
    fk: &ForeignKeyInfo,
) -> Result<Option<TableInfo>> {
    if fk.references(&job.db_name, &job.db_name, &table.name) {
        return Ok(Some(table.clone()));
    }
    let db_name = fk.parent_db(&job.db_name);
    let Some(db) = meta::load_databases(txn)?
        .into_iter()
        .find(|d| d.state == SchemaState::Public && d.name.eq_ignore_ascii_case(db_name))
    else {
        return Ok(None);
    };
    Ok(meta::load_tables(txn, db.id)?
        .into_iter()
        .find(|t| t.state == SchemaState::Public && t.name.eq_ignore_ascii_case(&fk.ref_table)))
}
