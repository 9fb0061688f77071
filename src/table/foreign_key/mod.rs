//! FOREIGN KEY enforcement on the write path, by MySQL 8.0 InnoDB's rules (which TiDB
//! >= 6.6 follows), row by row as InnoDB applies them:
//!
//! * a child row written with a non-NULL key (every column non-NULL; a NULL anywhere
//!   means no check) must find its parent row, else 1452. The parent row's record key
//!   joins the transaction's lock set as SELECT ... FOR UPDATE's rows do, so a concurrent
//!   delete or change of that parent committed first makes this transaction fail at
//!   commit (9007) instead of leaving an orphan;
//! * a parent row deleted, or updated in its referenced columns, applies the constraint's
//!   action to the child rows that reference its old key: RESTRICT / NO ACTION (and SET
//!   DEFAULT, as InnoDB) fail with 1451, CASCADE deletes them or moves them to the new
//!   key, SET NULL clears their key. Cascaded writes are writes like any other: they check
//!   and cascade in turn, at most 15 levels deep (3008);
//! * with `foreign_key_checks` off nothing is checked and nothing cascades.
//!
//! The parent row is removed or changed before its children are looked at, so a row that
//! references itself is not its own child by then. Both sides are found through the
//! handle or an index (`lookup`). Statements reach all this through a [`Writer`], which
//! resolves the tables a constraint names through the statement's [`Tables`] (sql/ owns
//! the schema a statement sees and its metadata lock; this layer only reads and writes).

mod actions;
mod lookup;
mod validate;

pub use validate::check_existing_rows;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::{Error, Result, Table};
use crate::catalog::TableInfo;
use crate::error::ForeignKeyError;
use crate::kv::{Savepoint, Transaction};
use crate::types::Value;

/// The tables a statement can see, by name: how a constraint's other side is found.
pub trait Tables {
    /// `db`.`name` as the statement uses it; `None` if there is no such table.
    fn table(&self, db: &str, name: &str) -> crate::error::Result<Option<Arc<TableInfo>>>;

    /// The tables, each with its database, having a foreign key that references
    /// `db`.`name` (the table itself when it references itself).
    fn referencing(
        &self,
        db: &str,
        name: &str,
    ) -> crate::error::Result<Vec<(String, Arc<TableInfo>)>>;
}

/// One foreign key referencing a parent table: the child table, its database, and the
/// constraint's position in the child's `foreign_keys`.
struct Child {
    db: String,
    table: Table,
    fk: usize,
}

/// One statement's row writes with their foreign keys enforced. Every INSERT, REPLACE,
/// ON DUPLICATE KEY UPDATE, UPDATE, DELETE and LOAD DATA row goes through here.
pub struct Writer<'a> {
    tables: &'a dyn Tables,
    /// `foreign_key_checks`: off, rows are written as if there were no constraints.
    checks: bool,
    /// Parent table id -> the foreign keys referencing it, resolved once per statement.
    children: RefCell<HashMap<i64, Rc<[Child]>>>,
    /// (child table id, constraint position) -> its parent table, if it exists.
    parents: RefCell<HashMap<(i64, usize), Option<Table>>>,
    /// Tables cascades wrote: the statement wrote them too.
    cascaded: RefCell<Vec<i64>>,
    /// Per table: rows the statement added (inserted minus deleted) and wrote.
    changes: RefCell<HashMap<i64, (i64, i64)>>,
}

impl<'a> Writer<'a> {
    pub fn new(tables: &'a dyn Tables, checks: bool) -> Writer<'a> {
        Writer {
            tables,
            checks,
            children: RefCell::new(HashMap::new()),
            parents: RefCell::new(HashMap::new()),
            cascaded: RefCell::new(Vec::new()),
            changes: RefCell::new(HashMap::new()),
        }
    }

    /// Counts a written row of `table` once the write succeeded.
    fn counted(&self, table: &Table, added: i64, result: Result<()>) -> Result<()> {
        if result.is_ok() {
            let mut changes = self.changes.borrow_mut();
            let c = changes.entry(table.info.id).or_default();
            c.0 += added;
            c.1 += 1;
        }
        result
    }

    /// The statement's row changes per table: (table id, rows added, rows written), for
    /// the table statistics.
    pub fn row_changes(&self) -> Vec<(i64, i64, i64)> {
        self.changes
            .borrow()
            .iter()
            .map(|(&t, &(added, written))| (t, added, written))
            .collect()
    }

    /// Adds `row` under `handle` ([`Table::add_record`]), then checks its parents. A row
    /// refused leaves nothing behind (INSERT IGNORE skips it and goes on).
    pub fn insert(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        row: &[Value],
        handle: i64,
    ) -> Result<()> {
        if !self.checks {
            let result = table.add_record(txn, row, handle);
            return self.counted(table, 1, result);
        }
        let savepoint = txn.savepoint();
        let result = table
            .add_record(txn, row, handle)
            .and_then(|()| self.check_parents(txn, db, table, row, None));
        let result = undo_on_error(txn, savepoint, result);
        self.counted(table, 1, result)
    }

    /// Replaces the row at `handle` with `new` (moving it if its handle changes), checks
    /// the parents of a changed key and applies the change to the rows referencing it.
    pub fn update(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        handle: i64,
        old: &[Value],
        new: &[Value],
    ) -> Result<()> {
        if !self.checks {
            let result = write_updated(txn, table, handle, old, new);
            return self.counted(table, 0, result);
        }
        let savepoint = txn.savepoint();
        let result = self.update_at(txn, db, table, (handle, old, new), 0);
        let result = undo_on_error(txn, savepoint, result);
        self.counted(table, 0, result)
    }

    /// Removes the row at `handle` and applies its removal to the rows referencing it.
    pub fn delete(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        handle: i64,
        row: &[Value],
    ) -> Result<()> {
        if !self.checks {
            let result = table.remove_record(txn, handle, row);
            return self.counted(table, -1, result);
        }
        let savepoint = txn.savepoint();
        let result = self.remove_at(txn, db, table, handle, row, 0);
        let result = undo_on_error(txn, savepoint, result);
        self.counted(table, -1, result)
    }

    /// Whether a write to `db`.`table` can reach other rows through constraints (some
    /// constraint references the table, and the checks are on): then a row the statement
    /// read before its first write may have been changed or removed by a cascade since (a
    /// table that references itself), and is read again before it is written.
    pub fn cascades_from(&self, db: &str, table: &Table) -> Result<bool> {
        Ok(self.checks && !self.children(db, table)?.is_empty())
    }

    /// The tables cascades wrote, besides the statement's own.
    pub fn cascaded_tables(&self) -> Vec<i64> {
        self.cascaded.borrow().clone()
    }

    fn update_at(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        (handle, old, new): (i64, &[Value], &[Value]),
        depth: usize,
    ) -> Result<()> {
        write_updated(txn, table, handle, old, new)?;
        self.check_parents(txn, db, table, new, Some(old))?;
        self.on_parent_change(txn, db, table, old, Some(new), depth)
    }

    fn remove_at(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        handle: i64,
        row: &[Value],
        depth: usize,
    ) -> Result<()> {
        table.remove_record(txn, handle, row)?;
        self.on_parent_change(txn, db, table, row, None, depth)
    }

    /// Checks that every foreign key of `row` (a row of `table` just written; `old` is
    /// what it was, for an update) has its parent row, and locks that row.
    fn check_parents(
        &self,
        txn: &mut dyn Transaction,
        db: &str,
        table: &Table,
        row: &[Value],
        old: Option<&[Value]>,
    ) -> Result<()> {
        for (i, fk) in table.info.foreign_keys.iter().enumerate() {
            let Some(columns) = table.info.column_offsets(&fk.columns) else {
                continue;
            };
            if columns.iter().any(|&c| row[c].is_null()) {
                continue;
            }
            if old.is_some_and(|old| columns.iter().all(|&c| old[c] == row[c])) {
                continue;
            }
            let fail = || -> Error {
                ForeignKeyError::NoReferencedRow {
                    constraint: fk.describe(db, &table.info.name),
                }
                .into()
            };
            let Some(parent) = self.parent(db, table, i)? else {
                return Err(fail());
            };
            let Some(ref_columns) = parent.info.column_offsets(&fk.ref_columns) else {
                return Err(fail());
            };
            let key: Vec<Value> = columns.iter().map(|&c| row[c].clone()).collect();
            match lookup::rows_with(txn, &parent, &ref_columns, &key, 1)?.first() {
                Some(&handle) => txn.lock(parent.record_key(handle)),
                None => return Err(fail()),
            }
        }
        Ok(())
    }

    /// The parent table of `table`'s foreign key `i`, if it exists.
    fn parent(&self, db: &str, table: &Table, i: usize) -> Result<Option<Table>> {
        let key = (table.id(), i);
        if let Some(found) = self.parents.borrow().get(&key) {
            return Ok(found.clone());
        }
        let fk = &table.info.foreign_keys[i];
        let parent = self
            .tables
            .table(fk.parent_db(db), &fk.ref_table)
            .map_err(Error::Resolve)?
            .map(Table::new);
        self.parents.borrow_mut().insert(key, parent.clone());
        Ok(parent)
    }

    /// The foreign keys referencing `db`.`parent`. None reference a session's temporary
    /// table, even one named like a table that is referenced.
    fn children(&self, db: &str, parent: &Table) -> Result<Rc<[Child]>> {
        if let Some(found) = self.children.borrow().get(&parent.id()) {
            return Ok(found.clone());
        }
        if parent.info.temporary {
            return Ok(Rc::from([]));
        }
        let name = &parent.info.name;
        let mut children = Vec::new();
        for (child_db, info) in self.tables.referencing(db, name).map_err(Error::Resolve)? {
            let table = Table::new(info);
            for (fk, _) in table
                .info
                .foreign_keys
                .iter()
                .enumerate()
                .filter(|(_, fk)| fk.references(&child_db, db, name))
            {
                children.push(Child {
                    db: child_db.clone(),
                    table: table.clone(),
                    fk,
                });
            }
        }
        let children: Rc<[Child]> = children.into();
        self.children
            .borrow_mut()
            .insert(parent.id(), children.clone());
        Ok(children)
    }
}

/// Writes a changed row, moving it if its handle changed.
fn write_updated(
    txn: &mut dyn Transaction,
    table: &Table,
    handle: i64,
    old: &[Value],
    new: &[Value],
) -> Result<()> {
    match table.handle_of(new) {
        Some(h) if h != handle => {
            table.remove_record(txn, handle, old)?;
            table.add_record(txn, new, h)
        }
        _ => table.update_record(txn, handle, old, new),
    }
}

/// Undoes a row's writes (and its cascades') when it fails: the statement may go on
/// without it (IGNORE), and must not keep half of it.
fn undo_on_error(
    txn: &mut dyn Transaction,
    savepoint: Savepoint,
    result: Result<()>,
) -> Result<()> {
    if result.is_err() {
        txn.rollback_to(savepoint);
    }
    result
}

#[cfg(test)]
mod tests;
