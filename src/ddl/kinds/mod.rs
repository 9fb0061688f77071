//! The kinds of DDL job, one file each: what a job of the kind does at each step forward
//! and back, and what ADMIN CANCEL may still do to it.
//!
//! A step runs inside one transaction with the job: it reads the table or database as
//! stored, moves the object and the job to their next state together ([`advance`]), and
//! either changes the schema (the runner then bumps the schema version and waits for
//! every node) or asks for long work outside the transaction ([`Reorg`]: a backfill, a
//! cleanup), after which the same step is tried again. A multi-schema change
//! (`multi_schema_change`) walks the steps of its sub-jobs.

mod add_column;
mod add_foreign_key;
mod add_index;
mod check_constraint;
mod create_schema;
mod create_table;
mod create_view;
mod drop_column;
mod drop_index;
mod drop_schema;
mod drop_table;
mod modify_column;
mod multi_schema_change;
mod rename_table;
mod table_options;
mod truncate_table;

pub use modify_column::check_modify_column;
pub use table_options::convert_columns_to;

use super::job::{Action, Job, JobState};
use super::{delete_range, queue};
use crate::catalog::{meta, SchemaState, TableInfo};
use crate::error::{Error, Result};
use crate::kv::Transaction;

/// One kind of DDL job.
pub trait JobKind: Sync {
    /// One step forward from `job.schema_state`.
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step>;

    /// One step back, after a failure or ADMIN CANCEL. Kinds that can be cancelled only
    /// before they changed anything just end.
    fn rollback(&self, _txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        finish(job, JobState::RollbackDone, SchemaState::None)
    }

    /// Whether ADMIN CANCEL can still roll back a started job in its state (TiDB's
    /// rollbackable rules; a job not started yet can always be cancelled). Pausing follows
    /// the same rule.
    fn is_rollbackable(&self, job: &Job) -> bool;

    /// Whether the job reorganizes data (ADMIN SHOW DDL JOBS shows its live row count and
    /// its reorg type in COMMENTS).
    fn is_reorg(&self) -> bool {
        false
    }

    /// Whether the job, in its current state, has done everything it can still undo: a
    /// multi-schema change holds each sub-job here until every sub-job is, then takes them
    /// on together. Kinds whose first step cannot be undone (drops) or that are a single
    /// step hold before they start.
    fn holds(&self, _txn: &dyn Transaction, _job: &Job) -> Result<bool> {
        Ok(true)
    }
}

/// The kind of job `action` runs.
pub fn of(action: Action) -> &'static dyn JobKind {
    match action {
        Action::CreateSchema => &create_schema::CreateSchema,
        Action::DropSchema => &drop_schema::DropSchema,
        Action::CreateTable => &create_table::CreateTable,
        // A view has no rows: dropping one walks the states a table does.
        Action::DropTable | Action::DropView => &drop_table::DropTable,
        Action::CreateView => &create_view::CreateView,
        Action::TruncateTable => &truncate_table::TruncateTable,
        Action::RenameTable => &rename_table::RenameTable,
        // A primary key that is not the handle (TiDB's NONCLUSTERED) is a unique index.
        Action::AddIndex | Action::AddPrimaryKey => &add_index::AddIndex,
        Action::DropIndex | Action::DropPrimaryKey => &drop_index::DropIndex,
        Action::AddColumn => &add_column::AddColumn,
        Action::DropColumn => &drop_column::DropColumn,
        Action::ModifyColumn => &modify_column::ModifyColumn,
        Action::AddForeignKey => &add_foreign_key::AddForeignKey,
        Action::AddCheckConstraint => &check_constraint::CheckConstraint,
        // Enforcing again reads the rows; no longer enforcing is one metadata step.
        Action::AlterCheckConstraint => &check_constraint::CheckConstraint,
        Action::ModifyTableComment
        | Action::ModifyTableCharsetAndCollate
        | Action::DropForeignKey
        | Action::RenameIndex
        | Action::AlterIndexVisibility
        | Action::DropCheckConstraint
        | Action::RebaseAutoId
        | Action::SetDefaultValue => &table_options::TableOptions,
        Action::MultiSchemaChange => &multi_schema_change::MultiSchemaChange,
    }
}

/// What a step did.
pub enum Step {
    /// Changed the schema: bump the version, then wait for every node to load it.
    SchemaChanged,
    /// Work outside a transaction comes next (then the step is tried again).
    Reorg(Reorg),
}

/// Long work a step asks for, run in batches of transactions of its own.
pub enum Reorg {
    /// Build the entries of an index from the existing rows, in transactions (txn mode).
    Backfill {
        table: Box<TableInfo>,
        index_id: i64,
    },
    /// Build the entries of an index from a snapshot of the rows by sort and ingest.
    Ingest {
        table: Box<TableInfo>,
        index_id: i64,
    },
    /// Replay an index's temporary index onto it.
    Merge {
        table: Box<TableInfo>,
        index_id: i64,
    },
    /// Check a built index against the rows before it turns public.
    Verify {
        table: Box<TableInfo>,
        index_id: i64,
    },
    /// Write a generated column being added into the existing rows.
    Generate {
        table: Box<TableInfo>,
        column_id: u64,
    },
    /// Convert every row's value into the changing column of a MODIFY COLUMN.
    Convert {
        table: Box<TableInfo>,
        column_id: u64,
    },
}

/// Moves an object (index, column, table, database) and its job to `next` together: the
/// state a node reads from the schema and the one ADMIN SHOW DDL JOBS shows never differ.
fn advance(job: &mut Job, object: &mut SchemaState, next: SchemaState) {
    *object = next;
    job.schema_state = next;
}

/// Ends the job's walk in `state` (done or rolled back) with the object in `schema_state`.
fn finish(job: &mut Job, state: JobState, schema_state: SchemaState) -> Result<Step> {
    job.state = state;
    job.schema_state = schema_state;
    Ok(Step::SchemaChanged)
}

/// Reads a table's current definition inside the step's transaction.
fn load_table(txn: &dyn Transaction, job: &Job) -> Result<TableInfo> {
    meta::get_table(txn, job.db_id, job.table_id)?
        .ok_or_else(|| Error::unknown_table(&job.db_name, &job.table_name))
}

/// Whether the reorg work of the current state has finished.
fn reorg_done(txn: &dyn Transaction, job: &mut Job) -> Result<bool> {
    let reorg = queue::get_reorg(txn, job.id)?;
    job.row_count = reorg.row_count;
    if reorg.done {
        // A job's (or sub-job's) warnings are those of its reorg work.
        job.warnings = reorg.warnings;
    }
    Ok(reorg.done)
}

/// [`reorg_done`], read only.
fn reorg_done_now(txn: &dyn Transaction, job: &Job) -> Result<bool> {
    Ok(queue::get_reorg(txn, job.id)?.done)
}

/// Whether some row of `table` holds NULL in one of `columns` (offsets), at the step's
/// snapshot: a change making them NOT NULL fails then.
fn any_null(txn: &dyn Transaction, table: &TableInfo, columns: &[usize]) -> Result<bool> {
    let t = crate::table::Table::new(std::sync::Arc::new(table.clone()));
    let mut null = false;
    t.scan_rows(txn, &crate::table::HandleRange::all(), false, |_, row| {
        null = columns.iter().any(|&c| row[c].is_null());
        Ok(!null)
    })?;
    Ok(null)
}

/// Whether the built index was verified against the rows.
fn reorg_verified(txn: &dyn Transaction, job: &Job) -> Result<bool> {
    Ok(queue::get_reorg(txn, job.id)?.verified)
}

/// Starts a new reorg phase (e.g. after a backfill, the cleanup of a rollback). The digest
/// of the rows an index build read stays, for the index's verification before public (it
/// is only a shortcut: if it cannot be read, the verification reads the rows again).
fn reset_reorg(txn: &mut dyn Transaction, job: &Job) {
    let row_count = job.row_count;
    let rows_digest = queue::get_reorg(txn, job.id)
        .ok()
        .and_then(|r| r.rows_digest);
    queue::put_reorg(
        txn,
        job.id,
        &queue::Reorg {
            row_count,
            rows_digest,
            ..Default::default()
        },
    );
}

/// The last step of an index's way out (drop, or a rolled-back add), in delete
/// reorganization: its definition is removed and its entries (and its temporary index's)
/// recorded for the delete-range worker; the job ends in `end`.
fn remove_index(
    txn: &mut dyn Transaction,
    job: &mut Job,
    mut table: TableInfo,
    pos: usize,
    end: JobState,
) -> Result<Step> {
    delete_range::add_index(txn, job, table.id, table.indexes[pos].id);
    table.indexes.remove(pos);
    meta::put_table(txn, &table);
    finish(job, end, SchemaState::None)
}

/// Index column offsets follow a column inserted at `pos` (+1) or removed from it (-1).
fn shift_offsets(table: &mut TableInfo, pos: usize, inserted: bool) {
    let shift = |c: &mut usize| {
        if inserted && *c >= pos {
            *c += 1;
        } else if !inserted && *c > pos {
            *c -= 1;
        }
    };
    for ix in &mut table.indexes {
        ix.columns.iter_mut().for_each(shift);
    }
    if let Some(h) = table.handle_column.as_mut() {
        shift(h);
    }
}

/// Applies `change` to every foreign key referencing `db`.`table` (in any database, the
/// table's own included) and stores the tables changed, in the step's transaction: a
/// parent renamed, or its referenced column renamed, keeps its children, as in MySQL and
/// TiDB. Reads the tables as the transaction has them, so a table the step already
/// stored is changed as stored.
fn update_references(
    txn: &mut dyn Transaction,
    db: &str,
    table: &str,
    change: impl Fn(&mut crate::catalog::ForeignKeyInfo),
) -> Result<()> {
    for database in meta::load_databases(txn)? {
        for mut child in meta::load_tables(txn, database.id)? {
            let mut changed = false;
            for fk in &mut child.foreign_keys {
                if fk.references(&database.name, db, table) {
                    change(fk);
                    changed = true;
                }
            }
            if changed {
                meta::put_table(txn, &child);
            }
        }
    }
    Ok(())
}

/// "Can't DROP 'x'; check that column/key exists".
fn can_not_drop(name: &str) -> Error {
    Error::new(
        1091,
        "42000",
        format!("Can't DROP '{name}'; check that column/key exists"),
    )
}

#[cfg(test)]
mod tests;
