//! FOREIGN KEY constraints as the catalog keeps them, and the rules a constraint's
//! definition must meet against its parent table (what CREATE TABLE and ADD FOREIGN KEY
//! check; `table::foreign_key` enforces the constraint on rows).

use serde::{Deserialize, Serialize};

use super::model::{SchemaState, TableInfo};
use crate::error::ForeignKeyError;
use crate::types::DataType;

/// A FOREIGN KEY constraint of its (child) table, enforced as MySQL 8.0 / TiDB >= 6.6 do:
/// a child row's non-NULL key must exist in the parent, and a parent row's change applies
/// `on_delete` / `on_update` to the rows referencing it. Columns are kept by name (the
/// parent may not exist yet when `foreign_key_checks` is off, as in TiDB), and resolved to
/// offsets on use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyInfo {
    pub name: String,
    pub columns: Vec<String>,
    /// `None`: the table's own database.
    pub ref_db: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// As declared (`CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION`, `SET DEFAULT`); read
    /// through [`ForeignKeyInfo::on_delete_action`].
    pub on_delete: String,
    pub on_update: String,
    /// Public once ADD FOREIGN KEY has validated the existing rows. Before that, DML checks
    /// the constraint but never cascades (TiDB's rule: a cascade cannot be undone if the
    /// job rolls back). Constraints stored before enforcement existed read as public.
    #[serde(default = "public")]
    pub state: SchemaState,
}

fn public() -> SchemaState {
    SchemaState::Public
}

/// What a change of a referenced parent row does to the child rows referencing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefAction {
    /// RESTRICT, NO ACTION and SET DEFAULT (which InnoDB treats as RESTRICT): the change
    /// fails while a child row references the parent row.
    Restrict,
    /// The child rows are deleted (ON DELETE) or follow the new key (ON UPDATE).
    Cascade,
    /// The child rows' foreign key columns become NULL.
    SetNull,
}

impl RefAction {
    fn parse(declared: &str) -> RefAction {
        match declared.to_ascii_uppercase().as_str() {
            "CASCADE" => RefAction::Cascade,
            "SET NULL" => RefAction::SetNull,
            _ => RefAction::Restrict,
        }
    }
}

impl ForeignKeyInfo {
    pub fn on_delete_action(&self) -> RefAction {
        RefAction::parse(&self.on_delete)
    }

    pub fn on_update_action(&self) -> RefAction {
        RefAction::parse(&self.on_update)
    }

    /// The database of the parent table, given the child's.
    pub fn parent_db<'a>(&'a self, child_db: &'a str) -> &'a str {
        self.ref_db.as_deref().unwrap_or(child_db)
    }

    /// Whether the constraint references `db`.`table` (names compare case-insensitively).
    pub fn references(&self, child_db: &str, db: &str, table: &str) -> bool {
        self.parent_db(child_db).eq_ignore_ascii_case(db)
            && self.ref_table.eq_ignore_ascii_case(table)
    }

    /// The constraint as MySQL's 1451 / 1452 messages name it (TiDB's `FKInfo.String`):
    /// `` `db`.`child`, CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `parent` (`id`) ``,
    /// with the actions that differ from the default.
    pub fn describe(&self, child_db: &str, child_table: &str) -> String {
        let list = |cols: &[String]| {
            cols.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let parent = match &self.ref_db {
            Some(d) if !d.eq_ignore_ascii_case(child_db) => format!("`{d}`.`{}`", self.ref_table),
            _ => format!("`{}`", self.ref_table),
        };
        let mut text = format!(
            "`{child_db}`.`{child_table}`, CONSTRAINT `{}` FOREIGN KEY ({}) REFERENCES {parent} ({})",
            self.name,
            list(&self.columns),
            list(&self.ref_columns)
        );
        for (word, action) in [("DELETE", &self.on_delete), ("UPDATE", &self.on_update)] {
            if !action.eq_ignore_ascii_case("NO ACTION") {
                text.push_str(&format!(" ON {word} {action}"));
            }
        }
        text
    }
}

/// Checks `fk`, a constraint of `child`, against its parent `parent` (which is `child`
/// itself for a table referencing itself), as MySQL does when the constraint is created:
/// the referenced columns exist (3734) with a key on them (1822), each pair of columns
/// can reference each other (3780), a column does not reference itself (1215), and SET
/// NULL does not aim at a NOT NULL column (1830).
pub fn check_reference(
    child: &TableInfo,
    fk: &ForeignKeyInfo,
    parent: &TableInfo,
) -> Result<(), ForeignKeyError> {
    let mut ref_columns = Vec::with_capacity(fk.ref_columns.len());
    for name in &fk.ref_columns {
        match parent.column_by_name(name) {
            Some((i, _)) => ref_columns.push(i),
            None => {
                return Err(ForeignKeyError::NoParentColumn {
                    column: name.clone(),
                    constraint: fk.name.clone(),
                    table: fk.ref_table.clone(),
                })
            }
        }
    }
    let Some(columns) = child.column_offsets(&fk.columns) else {
        return Err(ForeignKeyError::CannotAdd);
    };
    if child.id == parent.id
        && child.name.eq_ignore_ascii_case(&parent.name)
        && columns == ref_columns
    {
        return Err(ForeignKeyError::CannotAdd);
    }
    for (&c, &p) in columns.iter().zip(&ref_columns) {
        let (col, ref_col) = (&child.columns[c], &parent.columns[p]);
        if !compatible(&col.ty, &ref_col.ty) {
            return Err(ForeignKeyError::IncompatibleColumns {
                column: col.name.clone(),
                ref_column: ref_col.name.clone(),
                constraint: fk.name.clone(),
            });
        }
        let sets_null =
            [fk.on_delete_action(), fk.on_update_action()].contains(&RefAction::SetNull);
        if sets_null && !col.nullable {
            return Err(ForeignKeyError::ColumnNotNull {
                column: col.name.clone(),
                constraint: fk.name.clone(),
            });
        }
    }
    if !parent.has_index_on(&ref_columns) {
        return Err(ForeignKeyError::MissingParentIndex {
            constraint: fk.name.clone(),
            table: fk.ref_table.clone(),
        });
    }
    Ok(())
}

/// Whether a column of type `a` may reference one of type `b`: MySQL wants integers and
/// decimals of the same size and sign, strings of the same kind (any length), and
/// otherwise the same type.
fn compatible(a: &DataType, b: &DataType) -> bool {
    match (a, b) {
        (DataType::Char { .. }, DataType::Char { .. })
        | (DataType::Binary { .. }, DataType::Binary { .. }) => true,
        _ => a == b,
    }
}
