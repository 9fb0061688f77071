//! The change that rewrites data (TiDB's column type change with reorg, §1.7):
//!
//! 1. **none -> delete only**: a hidden column `_Col$_<name>_<n>` of the new type, computed
//!    from the old column (`ColumnInfo::change`), and for every index over the column a
//!    hidden copy `_Idx$_<index>_<n>` over the hidden column;
//! 2. **write only**: every node computes the hidden column for the rows it writes (a value
//!    that does not fit fails the write, as it would fail the job) and writes the copies;
//! 3. **write reorganization**: the backfill converts every row (`backfill::backfill_converted`);
//!    a value that does not fit, or a duplicate in a unique copy, fails the job, which rolls
//!    back and leaves the table as it was;
//! 4. **swap** (the last revertible state is behind): the hidden column and indexes take
//!    the old ones' names and places and turn public; the old column turns hidden, still
//!    written (converted back) for the nodes one schema version behind that read it;
//! 5. the old column and indexes walk delete only -> gone (their entries to the delete
//!    range worker).

use super::metadata::move_column;
use super::Args;
use crate::catalog::{meta, BackfillState, ColumnChange, SchemaState, TableInfo};
use crate::ddl::delete_range;
use crate::ddl::job::{Job, JobArgs, JobState, ModifyReorg};
use crate::ddl::kinds::{
    advance, finish, load_table, reorg_done, reset_reorg, shift_offsets, Reorg, Step,
};
use crate::error::{Error, Result};
use crate::kv::Transaction;

/// Step 1: adds the hidden column and indexes in delete only.
pub(super) fn start(
    txn: &mut dyn Transaction,
    job: &mut Job,
    mut table: TableInfo,
    args: &Args,
    pos: usize,
) -> Result<Step> {
    let old = table.columns[pos].clone();
    let covering: Vec<usize> = (0..table.indexes.len())
        .filter(|&i| table.indexes[i].columns.contains(&pos))
        .collect();
    // Two columns of one index changed by one multi-schema change would each need a copy
    // of the index over both new columns.
    let changing_ids: Vec<u64> = table
        .columns
        .iter()
        .filter_map(|c| c.change.map(|ch| ch.from))
        .collect();
    let shares_index = covering.iter().any(|&i| {
        table.indexes[i]
            .columns
            .iter()
            .any(|&c| changing_ids.contains(&table.columns[c].id))
    });
    if shares_index {
        return Err(Error::new(
            8200,
            "HY000",
            "Unsupported multi schema change for modify column",
        ));
    }
    let mut col = args.column.clone();
    col.id = table.next_column_id;
    table.next_column_id += 1;
    col.name = hidden_name("_Col$_", &old.name, |n| table.column_by_name(n).is_some());
    col.change = Some(ColumnChange {
        from: old.id,
        strict: job.strict_sql_mode,
    });
    col.origin_default = None;
    advance(job, &mut col.state, SchemaState::DeleteOnly);
    let changing_column = col.id;
    let changing_pos = table.columns.len();
    table.columns.push(col);
    let mut indexes = Vec::new();
    for i in covering {
        let mut ix = table.indexes[i].clone();
        ix.id = table.next_index_id;
        table.next_index_id += 1;
        ix.name = hidden_name("_Idx$_", &ix.name, |n| table.index_by_name(n).is_some());
        for c in &mut ix.columns {
            if *c == pos {
                *c = changing_pos;
            }
        }
        ix.state = SchemaState::DeleteOnly;
        ix.backfill = BackfillState::Inapplicable;
        indexes.push((table.indexes[i].id, ix.id));
        table.indexes.push(ix);
    }
    set_reorg(
        job,
        ModifyReorg {
            old_column: old.id,
            changing_column,
            indexes,
            swapped: false,
        },
    );
    // Inside a multi-schema change the parent's index builds keep theirs.
    job.reorg_type.get_or_insert_with(|| "txn".into());
    reset_reorg(txn, job);
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}

/// Steps 2 to 5.
pub(super) fn forward(
    txn: &mut dyn Transaction,
    job: &mut Job,
    mut table: TableInfo,
    args: &Args,
    mut reorg: ModifyReorg,
) -> Result<Step> {
    if reorg.swapped {
        return clean_up(txn, job, table, &reorg);
    }
    let state = job.schema_state;
    let next = match state {
        SchemaState::DeleteOnly => SchemaState::WriteOnly,
        SchemaState::WriteOnly => {
            reset_reorg(txn, job);
            SchemaState::WriteReorganization
        }
        SchemaState::WriteReorganization if !reorg_done(txn, job)? => {
            return Ok(Step::Reorg(Reorg::Convert {
                table: Box::new(table),
                column_id: reorg.changing_column,
            }));
        }
        SchemaState::WriteReorganization => {
            swap(&mut table, args, &reorg)?;
            reorg.swapped = true;
            set_reorg(job, reorg);
            job.schema_state = SchemaState::WriteOnly;
            meta::put_table(txn, &table);
            return Ok(Step::SchemaChanged);
        }
        _ => return Err(Error::internal("modify column job in an unexpected state")),
    };
    set_states(&mut table, reorg.changing_column, &new_ids(&reorg), next);
    job.schema_state = next;
    meta::put_table(txn, &table);
    Ok(Step::SchemaChanged)
}

/// Step 4: the new column and indexes take the old ones' names and places.
fn swap(table: &mut TableInfo, args: &Args, reorg: &ModifyReorg) -> Result<()> {
    let p = column_pos(table, reorg.old_column)?;
    let q = column_pos(table, reorg.changing_column)?;
    table.columns.swap(p, q);
    for ix in &mut table.indexes {
        for c in &mut ix.columns {
            if *c == p {
                *c = q;
            } else if *c == q {
                *c = p;
            }
        }
    }
    let hidden = std::mem::take(&mut table.columns[p].name);
    let new = &mut table.columns[p];
    new.name.clone_from(&args.column.name);
    new.state = SchemaState::Public;
    new.change = None;
    let old = &mut table.columns[q];
    old.name = hidden;
    old.state = SchemaState::WriteOnly;
    old.change = Some(ColumnChange {
        from: reorg.changing_column,
        strict: false,
    });
    for &(old_id, new_id) in &reorg.indexes {
        let a = index_pos(table, old_id)?;
        let b = index_pos(table, new_id)?;
        table.indexes.swap(a, b);
        let hidden = std::mem::take(&mut table.indexes[a].name);
        let old_name = std::mem::replace(&mut table.indexes[b].name, hidden);
        table.indexes[a].name = old_name;
        table.indexes[a].state = SchemaState::Public;
        table.indexes[b].state = SchemaState::WriteOnly;
    }
    if let Some(position) = &args.position {
        move_column(table, p, position)?;
    }
    Ok(())
}

/// Step 5: the old column and indexes walk write only -> delete only -> gone.
fn clean_up(
    txn: &mut dyn Transaction,
    job: &mut Job,
    mut table: TableInfo,
    reorg: &ModifyReorg,
) -> Result<Step> {
    let old_ids: Vec<i64> = reorg.indexes.iter().map(|(old, _)| *old).collect();
    if job.schema_state == SchemaState::WriteOnly {
        set_states(
            &mut table,
            reorg.old_column,
            &old_ids,
            SchemaState::DeleteOnly,
        );
        job.schema_state = SchemaState::DeleteOnly;
        meta::put_table(txn, &table);
        return Ok(Step::SchemaChanged);
    }
    remove(txn, job, &mut table, reorg.old_column, &old_ids)?;
    meta::put_table(txn, &table);
    finish(job, JobState::Done, SchemaState::Public)
}

/// Back out before the swap: the hidden column and indexes go to delete only (nodes stop
/// writing them), then away.
pub(super) fn rollback(
    txn: &mut dyn Transaction,
    job: &mut Job,
    reorg: &ModifyReorg,
) -> Result<Step> {
    let Ok(mut table) = load_table(txn, job) else {
        return finish(job, JobState::RollbackDone, SchemaState::None);
    };
    let new_ids = new_ids(reorg);
    let writes = table
        .columns
        .iter()
        .find(|c| c.id == reorg.changing_column)
        .is_some_and(|c| c.state != SchemaState::DeleteOnly);
    if writes {
        set_states(
            &mut table,
            reorg.changing_column,
            &new_ids,
            SchemaState::DeleteOnly,
        );
        job.schema_state = SchemaState::DeleteOnly;
        meta::put_table(txn, &table);
        return Ok(Step::SchemaChanged);
    }
    remove(txn, job, &mut table, reorg.changing_column, &new_ids)?;
    meta::put_table(txn, &table);
    finish(job, JobState::RollbackDone, SchemaState::None)
}

/// Removes a hidden column and indexes; the indexes' entries go to the delete range
/// worker (the column's values stay in the rows, unread, as a dropped column's do).
fn remove(
    txn: &mut dyn Transaction,
    job: &Job,
    table: &mut TableInfo,
    column: u64,
    indexes: &[i64],
) -> Result<()> {
    for &id in indexes {
        if let Some(i) = table.indexes.iter().position(|ix| ix.id == id) {
            delete_range::add_index(txn, job, table.id, id);
            table.indexes.remove(i);
        }
    }
    if let Some(pos) = table.columns.iter().position(|c| c.id == column) {
        table.columns.remove(pos);
        shift_offsets(table, pos, false);
    }
    Ok(())
}

fn set_states(table: &mut TableInfo, column: u64, indexes: &[i64], state: SchemaState) {
    for c in table.columns.iter_mut().filter(|c| c.id == column) {
        c.state = state;
    }
    for ix in table
        .indexes
        .iter_mut()
        .filter(|ix| indexes.contains(&ix.id))
    {
        ix.state = state;
    }
}

fn new_ids(reorg: &ModifyReorg) -> Vec<i64> {
    reorg.indexes.iter().map(|(_, new)| *new).collect()
}

fn set_reorg(job: &mut Job, reorg: ModifyReorg) {
    if let JobArgs::ModifyColumn { reorg: r, .. } = &mut job.args {
        *r = Some(reorg);
    }
}

fn column_pos(table: &TableInfo, id: u64) -> Result<usize> {
    table
        .columns
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| Error::internal("a column of the modify column job vanished"))
}

fn index_pos(table: &TableInfo, id: i64) -> Result<usize> {
    table
        .indexes
        .iter()
        .position(|ix| ix.id == id)
        .ok_or_else(|| Error::internal("an index of the modify column job vanished"))
}

/// `<prefix><name>_<n>` with the first `n` not `taken` (TiDB's changing names).
fn hidden_name(prefix: &str, name: &str, taken: impl Fn(&str) -> bool) -> String {
    (0..)
        .map(|n| format!("{prefix}{name}_{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| format!("{prefix}{name}"))
}
