//! ALTER TABLE's CHECK constraint clauses: ADD [CONSTRAINT name] CHECK (...), DROP CHECK,
//! DROP CONSTRAINT and ALTER {CHECK | CONSTRAINT} name [NOT] ENFORCED. As in TiDB, adding
//! or enforcing a constraint while `tidb_enable_check_constraint` is off is a no-op with
//! warning 1105; dropping one always works.

use sqlparser::ast;

use super::alter_table::Change;
use super::Session;
use crate::catalog::TableInfo;
use crate::ddl::{Action, JobArgs};
use crate::error::{Error, Result};
use crate::sql;

impl Session {
    /// ADD [CONSTRAINT name] CHECK (...) [[NOT] ENFORCED]: checked against the rows
    /// already there by its job.
    pub(super) fn add_check_changes(
        &mut self,
        table: &TableInfo,
        check: &ast::CheckConstraint,
    ) -> Result<Vec<Change>> {
        if !self.check_constraints_enabled() {
            return Ok(Vec::new());
        }
        let name = check.name.as_ref().map(|n| n.value.clone());
        let enforced = check.enforced.unwrap_or(true);
        let check = sql::create_table::new_check(table, name, &check.expr, enforced)?;
        Ok(vec![(
            Action::AddCheckConstraint,
            JobArgs::AddCheckConstraint { check },
        )])
    }

    /// ALTER {CHECK | CONSTRAINT} name [NOT] ENFORCED; nothing to do when it already is.
    pub(super) fn check_enforced_changes(
        &mut self,
        table: &TableInfo,
        name: &str,
        enforced: bool,
    ) -> Result<Vec<Change>> {
        if !self.check_constraints_enabled() {
            return Ok(Vec::new());
        }
        let check = table
            .checks
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::no_constraint(name))?;
        if check.enforced == enforced {
            return Ok(Vec::new());
        }
        let args = JobArgs::AlterCheckConstraint {
            name: check.name.clone(),
            enforced,
        };
        Ok(vec![(Action::AlterCheckConstraint, args)])
    }

    /// DROP CHECK name: 3940 when there is no such constraint.
    pub(super) fn drop_check_change(&self, table: &TableInfo, name: &str) -> Result<Change> {
        let check = table
            .checks
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::no_constraint(name))?;
        let name = check.name.clone();
        Ok((
            Action::DropCheckConstraint,
            JobArgs::DropCheckConstraint { name },
        ))
    }

    /// DROP CONSTRAINT name, as MySQL 8 reads it: the CHECK or FOREIGN KEY constraint of
    /// that name, else the unique key.
    pub(super) fn drop_constraint_changes(
        &mut self,
        name: &ast::ObjectName,
        table: &TableInfo,
        constraint: &str,
        if_exists: bool,
    ) -> Result<Vec<Change>> {
        let named = |n: &str| n.eq_ignore_ascii_case(constraint);
        if table.checks.iter().any(|c| named(&c.name)) {
            return Ok(vec![self.drop_check_change(table, constraint)?]);
        }
        if let Some(fk) = table.foreign_keys.iter().find(|k| named(&k.name)) {
            let name = fk.name.clone();
            return Ok(vec![(
                Action::DropForeignKey,
                JobArgs::DropForeignKey { name },
            )]);
        }
        if table.indexes.iter().any(|i| i.unique && named(&i.name)) {
            return Ok(vec![self.drop_index_change(name, table, constraint)?]);
        }
        if if_exists {
            self.note(Error::no_constraint(constraint));
            return Ok(Vec::new());
        }
        Err(Error::no_constraint(constraint))
    }

    /// `tidb_enable_check_constraint`; off, a statement that would add or enforce a
    /// constraint gets TiDB's warning instead.
    fn check_constraints_enabled(&mut self) -> bool {
        if sql::create_table::check_constraints_enabled(&self.state) {
            return true;
        }
        self.warn(Error::new(
            1105,
            "HY000",
            "the switch of check constraint is off",
        ));
        false
    }
}
