//! The foreign key rules of DDL, checked against the session's schema before a job is
//! submitted (MySQL's and TiDB's): a new table's constraints must reference a table that
//! exists with a key on the referenced columns (unless `foreign_key_checks` is off and
//! the parent does not exist yet); a parent table cannot be dropped (3730) or truncated
//! (1701) while another table references it and the checks are on; the index a
//! constraint reads cannot be dropped at all (1553). ADD FOREIGN KEY's own checks run in
//! its job (`ddl::kinds::add_foreign_key`), which also reads the rows.

use super::Session;
use crate::catalog::{self, IndexInfo, InfoSchema, TableInfo};
use crate::error::{ForeignKeyError, Result};

impl Session {
    /// `foreign_key_checks` of this session.
    pub(super) fn foreign_key_checks(&self) -> bool {
        let globals = self.state.domain.globals.read();
        self.state
            .vars
            .get("foreign_key_checks", &globals)
            .is_none_or(|v| v.truth() != Some(false))
    }

    /// CREATE TABLE `db`.`table`: each constraint against its parent (the table itself
    /// when it references itself).
    pub(super) fn check_new_foreign_keys(&self, db: &str, table: &TableInfo) -> Result<()> {
        let schema = self.schema();
        for fk in &table.foreign_keys {
            let parent_db = fk.parent_db(db);
            let itself = fk.references(db, db, &table.name);
            let parent = match itself {
                true => Some(table),
                false => schema.table(parent_db, &fk.ref_table).map(|t| t.as_ref()),
            };
            match parent {
                Some(parent) => catalog::check_reference(table, fk, parent)?,
                None if self.foreign_key_checks() => {
                    return Err(ForeignKeyError::CannotOpenParent {
                        table: fk.ref_table.clone(),
                    }
                    .into())
                }
                None => {}
            }
        }
        Ok(())
    }

    /// DROP TABLE of `tables` (database, name): 3730 if a table not dropped with them
    /// references one, while the checks are on.
    pub(super) fn check_drop_tables(&self, tables: &[(String, String)]) -> Result<()> {
        if !self.foreign_key_checks() {
            return Ok(());
        }
        let schema = self.schema();
        for (db, name) in tables {
            let dropped_too = |child: &(String, String)| {
                tables.iter().any(|(d, t)| {
                    d.eq_ignore_ascii_case(&child.0) && t.eq_ignore_ascii_case(&child.1)
                })
            };
            if let Some((child, fk)) = referencing(&schema, db, name, dropped_too) {
                return Err(ForeignKeyError::CannotDropParent {
                    table: name.clone(),
                    constraint: fk,
                    child,
                }
                .into());
            }
        }
        Ok(())
    }

    /// DROP DATABASE `db`: 3730 if a table of another database references one of its
    /// tables, while the checks are on.
    pub(super) fn check_drop_database(&self, db: &str) -> Result<()> {
        if !self.foreign_key_checks() {
            return Ok(());
        }
        let schema = self.schema();
        for table in schema.tables(db) {
            let same_db = |child: &(String, String)| child.0.eq_ignore_ascii_case(db);
            if let Some((child, fk)) = referencing(&schema, db, &table.name, same_db) {
                return Err(ForeignKeyError::CannotDropParent {
                    table: table.name.clone(),
                    constraint: fk,
                    child,
                }
                .into());
            }
        }
        Ok(())
    }

    /// TRUNCATE `db`.`name`: 1701 if another table references it, while the checks are on
    /// (TiDB names the constraint as `` `db`.`child` CONSTRAINT `fk` ``).
    pub(super) fn check_truncate(&self, db: &str, name: &str) -> Result<()> {
        if !self.foreign_key_checks() {
            return Ok(());
        }
        let schema = self.schema();
        let itself =
            |c: &(String, String)| c.0.eq_ignore_ascii_case(db) && c.1.eq_ignore_ascii_case(name);
        for (child_db, child) in schema.referencing(db, name) {
            if itself(&(child_db.clone(), child.clone())) {
                continue;
            }
            let Some(info) = schema.table(child_db, child) else {
                continue;
            };
            if let Some(fk) = info
                .foreign_keys
                .iter()
                .find(|fk| fk.references(child_db, db, name))
            {
                return Err(ForeignKeyError::TruncateReferenced {
                    constraint: format!("`{child_db}`.`{child}` CONSTRAINT `{}`", fk.name),
                }
                .into());
            }
        }
        Ok(())
    }

    /// DROP COLUMN `column` of `db`.`table`: 1828 if one of the table's constraints has it
    /// (whatever the checks), 1829 if another table's constraint references it (while the
    /// checks are on).
    pub(super) fn check_drop_column(
        &self,
        db: &str,
        table: &TableInfo,
        column: &str,
    ) -> Result<()> {
        let named = |cols: &[String]| cols.iter().any(|c| c.eq_ignore_ascii_case(column));
        if let Some(fk) = table.foreign_keys.iter().find(|fk| named(&fk.columns)) {
            return Err(ForeignKeyError::ColumnNeeded {
                column: column.to_string(),
                constraint: fk.name.clone(),
            }
            .into());
        }
        if !self.foreign_key_checks() {
            return Ok(());
        }
        let schema = self.schema();
        for (child_db, child) in schema.referencing(db, &table.name) {
            let Some(info) = schema.table(child_db, child) else {
                continue;
            };
            if let Some(fk) = info
                .foreign_keys
                .iter()
                .find(|fk| fk.references(child_db, db, &table.name) && named(&fk.ref_columns))
            {
                return Err(ForeignKeyError::ColumnNeededByChild {
                    column: column.to_string(),
                    constraint: fk.name.clone(),
                    table: info.name.clone(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// DROP INDEX `index` of `db`.`table`: 1553 if a constraint of the table, or one
    /// referencing it, reads through it and no other key would do (whatever the checks).
    pub(super) fn check_drop_index(
        &self,
        db: &str,
        table: &TableInfo,
        index: &IndexInfo,
    ) -> Result<()> {
        let schema = self.schema();
        let mut needs: Vec<Vec<String>> = table
            .foreign_keys
            .iter()
            .map(|fk| fk.columns.clone())
            .collect();
        for (child_db, child) in schema.referencing(db, &table.name) {
            if let Some(info) = schema.table(child_db, child) {
                needs.extend(
                    info.foreign_keys
                        .iter()
                        .filter(|fk| fk.references(child_db, db, &table.name))
                        .map(|fk| fk.ref_columns.clone()),
                );
            }
        }
        let mut without = table.clone();
        without.indexes.retain(|ix| ix.id != index.id);
        for columns in needs {
            let Some(offsets) = table.column_offsets(&columns) else {
                continue;
            };
            if index.columns.starts_with(&offsets) && !without.has_index_on(&offsets) {
                return Err(ForeignKeyError::IndexNeeded {
                    index: index.name.clone(),
                }
                .into());
            }
        }
        Ok(())
    }
}

/// The first table that references `db`.`name` and is not `ignored`, and the name of its
/// constraint: (table, constraint).
fn referencing(
    schema: &InfoSchema,
    db: &str,
    name: &str,
    ignored: impl Fn(&(String, String)) -> bool,
) -> Option<(String, String)> {
    schema
        .referencing(db, name)
        .iter()
        .filter(|child| !ignored(child))
        .find_map(|(child_db, child)| {
            let info = schema.table(child_db, child)?;
            let fk = info
                .foreign_keys
                .iter()
                .find(|fk| fk.references(child_db, db, name))?;
            Some((info.name.clone(), fk.name.clone()))
        })
}
