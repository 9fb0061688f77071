//! TiDB's rules for the clauses of one multi-schema change, checked against the table as
//! it was before the statement: no column or index may be touched twice, a clause may not
//! lean on a column another clause changes, and the table keeps a column.

use std::collections::HashSet;

use sqlparser::ast::{self, AlterTableOperation as Op};

use super::alter_table::index_columns;
use crate::catalog::TableInfo;
use crate::error::{Error, Result};
use crate::sql::alter_table::AlterClause;

/// What the clauses touch, by lower-case name.
#[derive(Default)]
struct Touched {
    /// Added, dropped, modified or renamed columns (each once, or 8200).
    columns: HashSet<String>,
    /// Columns dropped.
    dropped: HashSet<String>,
    /// Columns of added indexes: none may be touched by another clause.
    index_columns: Vec<String>,
    /// `AFTER` positions: none may be dropped.
    after_columns: Vec<String>,
    /// Columns added.
    added: usize,
    added_indexes: HashSet<String>,
    dropped_indexes: HashSet<String>,
    /// Indexes renamed (both names) or made (in)visible.
    other_indexes: HashSet<String>,
}

impl Touched {
    /// An index renamed or made (in)visible: touched by no other clause.
    fn index(&mut self, name: &str) -> Result<()> {
        let key = name.to_lowercase();
        let touched = self.added_indexes.contains(&key) || self.dropped_indexes.contains(&key);
        if touched || !self.other_indexes.insert(key) {
            return Err(same("index", name));
        }
        Ok(())
    }

    fn column(&mut self, name: &str) -> Result<()> {
        if !self.columns.insert(name.to_lowercase()) {
            return Err(same("column", name));
        }
        Ok(())
    }
}

/// Checks the clauses of one ALTER TABLE (ALGORITHM and LOCK left out) as TiDB does.
pub fn check(table: &TableInfo, specs: &[&AlterClause]) -> Result<()> {
    let mut t = Touched::default();
    let exists = |c: &str| table.column_by_name(c).is_some();
    for spec in specs {
        let op = match spec {
            AlterClause::Sql(op) => op.as_ref(),
            AlterClause::RenameIndex { from, to } => {
                t.index(from)?;
                t.index(to)?;
                continue;
            }
            AlterClause::IndexVisibility { name, .. } => {
                t.index(name)?;
                continue;
            }
            // Not sub-jobs of a multi-schema change: refused with 8200 once planned.
            AlterClause::DropCheck { .. } | AlterClause::CheckEnforced { .. } => continue,
            // It changes every character column: alone only.
            AlterClause::ConvertTo { .. } => {
                return Err(Error::new(
                    8200,
                    "HY000",
                    "Unsupported multi schema change for convert to character set",
                ))
            }
        };
        match op {
            Op::AddColumn {
                column_def,
                column_position,
                if_not_exists,
                ..
            } => {
                let name = &column_def.name.value;
                if *if_not_exists && exists(name) {
                    continue;
                }
                t.column(name)?;
                t.added += 1;
                after(&mut t, table, column_position.as_ref())?;
            }
            Op::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for c in column_names {
                    if *if_exists && !exists(&c.value) {
                        continue;
                    }
                    t.column(&c.value)?;
                    t.dropped.insert(c.value.to_lowercase());
                }
            }
            Op::ModifyColumn {
                col_name,
                column_position,
                ..
            } => {
                t.column(&col_name.value)?;
                after(&mut t, table, column_position.as_ref())?;
            }
            Op::ChangeColumn {
                old_name,
                new_name,
                column_position,
                ..
            } => {
                t.column(&old_name.value)?;
                if !old_name.value.eq_ignore_ascii_case(&new_name.value) {
                    t.column(&new_name.value)?;
                }
                after(&mut t, table, column_position.as_ref())?;
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                t.column(&old_column_name.value)?;
                t.column(&new_column_name.value)?;
            }
            Op::AlterColumn { column_name, .. } => t.column(&column_name.value)?,
            Op::AddConstraint { constraint, .. } => {
                let (name, columns) = match constraint {
                    ast::TableConstraint::Index(ix) => {
                        (ix.name.as_ref().map(|n| n.value.clone()), &ix.columns)
                    }
                    ast::TableConstraint::Unique(u) => (
                        u.name
                            .as_ref()
                            .or(u.index_name.as_ref())
                            .map(|n| n.value.clone()),
                        &u.columns,
                    ),
                    ast::TableConstraint::PrimaryKey(pk) => (Some("PRIMARY".into()), &pk.columns),
                    _ => continue,
                };
                let columns = index_columns(columns)?;
                let name = name.unwrap_or_else(|| columns.first().cloned().unwrap_or_default());
                let key = name.to_lowercase();
                if t.other_indexes.contains(&key) {
                    return Err(same("index", &name));
                }
                if t.dropped_indexes.contains(&key) {
                    return Err(Error::new(
                        1061,
                        "42000",
                        format!("index already exist {name}"),
                    ));
                }
                if !t.added_indexes.insert(key) {
                    return Err(same("index", &name));
                }
                t.index_columns.extend(columns);
            }
            Op::DropIndex { name } => dropped_index(&mut t, &name.value)?,
            Op::DropPrimaryKey { .. } => dropped_index(&mut t, "PRIMARY")?,
            _ => {}
        }
    }
    let touched = |c: &&String| t.columns.contains(&c.to_lowercase());
    if let Some(c) = t.index_columns.iter().find(touched) {
        return Err(same("column", c));
    }
    if let Some(c) = t
        .after_columns
        .iter()
        .find(|c| t.dropped.contains(&c.to_lowercase()))
    {
        return Err(same("column", c));
    }
    let public = table.public_columns().count();
    if t.added == 0 && t.dropped.len() >= public {
        return Err(Error::new(
            1090,
            "42000",
            "You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
        ));
    }
    Ok(())
}

/// A dropped index: not touched by another clause, nor added by one (1091).
fn dropped_index(t: &mut Touched, name: &str) -> Result<()> {
    let key = name.to_lowercase();
    if t.other_indexes.contains(&key) {
        return Err(same("index", name));
    }
    if t.added_indexes.contains(&key) {
        return Err(Error::new(
            1091,
            "42000",
            format!("index {name} doesn't exist"),
        ));
    }
    if !t.dropped_indexes.insert(key) {
        return Err(same("index", name));
    }
    Ok(())
}

/// An `AFTER c` position: `c` must be in the table as it was (1054), and stay.
fn after(
    t: &mut Touched,
    table: &TableInfo,
    position: Option<&ast::MySQLColumnPosition>,
) -> Result<()> {
    if let Some(ast::MySQLColumnPosition::After(c)) = position {
        if table.column_by_name(&c.value).is_none() {
            return Err(Error::unknown_column(&c.value, &table.name));
        }
        t.after_columns.push(c.value.clone());
    }
    Ok(())
}

/// TiDB's 8200 for a column or index touched twice.
fn same(what: &str, name: &str) -> Error {
    Error::new(
        8200,
        "HY000",
        format!("Unsupported operate same {what} '{name}'"),
    )
}
