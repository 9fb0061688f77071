//! ALTER TABLE ... ADD CONSTRAINT c CHECK (...) and ALTER CHECK c ENFORCED (TiDB's
//! `onAddCheckConstraint` / `onAlterCheckConstraint`): the rows already there are checked
//! only once every node enforces the constraint on new writes, so none slips in between.
//!
//! * **none -> write only**: the constraint is recorded (or marked enforced); DML on every
//!   node checks it from the next schema version.
//! * **write only -> write reorganization**: with every node checking new writes, the
//!   existing rows are checked (3819 if one makes the condition false; the job rolls back
//!   and the constraint goes, or is no longer enforced).
//! * **write reorganization -> public**: the constraint is shown.
//!
//! ALTER CHECK c NOT ENFORCED is one step; DROP CHECK is one metadata step
//! (`table_options`).

use super::{finish, load_table, JobKind, Step};
use crate::catalog::{meta, CheckInfo, SchemaState, TableInfo};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::table::row_expressions;

pub struct CheckConstraint;

impl JobKind for CheckConstraint {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut table = load_table(txn, job)?;
        let name = match &job.args {
            JobArgs::AddCheckConstraint { check } => check.name.clone(),
            JobArgs::AlterCheckConstraint { name, .. } => name.clone(),
            _ => {
                return Err(Error::internal(
                    "check constraint job without its constraint",
                ))
            }
        };
        let next = match job.schema_state {
            SchemaState::None => {
                match &job.args {
                    JobArgs::AddCheckConstraint { check } => {
                        if find(&mut table, &check.name).is_some() {
                            return Err(Error::duplicate_check(&check.name));
                        }
                        table.checks.push(CheckInfo {
                            state: SchemaState::WriteOnly,
                            ..check.clone()
                        });
                    }
                    JobArgs::AlterCheckConstraint { enforced, .. } => {
                        find(&mut table, &name)
                            .ok_or_else(|| Error::no_constraint(&name))?
                            .enforced = *enforced;
                        if !enforced {
                            meta::put_table(txn, &table);
                            return finish(job, JobState::Done, SchemaState::Public);
                        }
                    }
                    _ => {}
                }
                SchemaState::WriteOnly
            }
            SchemaState::WriteOnly => {
                let check = find(&mut table, &name).ok_or_else(|| Error::no_constraint(&name))?;
                let (expr, enforced) = (check.expr.clone(), check.enforced);
                let conditions = row_expressions::installed()?;
                if enforced && conditions.any_false(txn, &job.db_name, &table, &expr)? {
                    return Err(Error::new(
                        3819,
                        "HY000",
                        format!("Check constraint '{name}' is violated."),
                    ));
                }
                SchemaState::WriteReorganization
            }
            SchemaState::WriteReorganization => {
                if let Some(check) = find(&mut table, &name) {
                    check.state = SchemaState::Public;
                }
                meta::put_table(txn, &table);
                return finish(job, JobState::Done, SchemaState::Public);
            }
            other => {
                return Err(Error::internal(format!(
                    "check constraint job in state {}",
                    other.as_str()
                )))
            }
        };
        meta::put_table(txn, &table);
        job.schema_state = next;
        Ok(Step::SchemaChanged)
    }

    /// Removes the constraint the job added, or stops enforcing the one it enforced.
    fn rollback(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let mut table = load_table(txn, job)?;
        match &job.args {
            JobArgs::AddCheckConstraint { check } => table.checks.retain(|c| {
                c.state == SchemaState::Public || !c.name.eq_ignore_ascii_case(&check.name)
            }),
            JobArgs::AlterCheckConstraint { name, .. } if job.schema_state != SchemaState::None => {
                if let Some(check) = find(&mut table, name) {
                    check.enforced = false;
                }
            }
            _ => {}
        }
        meta::put_table(txn, &table);
        finish(job, JobState::RollbackDone, SchemaState::None)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state != SchemaState::Public
    }
}

fn find<'a>(table: &'a mut TableInfo, name: &str) -> Option<&'a mut CheckInfo> {
    table
        .checks
        .iter_mut()
        .find(|c| c.name.eq_ignore_ascii_case(name))
}
