//! INSERT \[IGNORE\], REPLACE and INSERT ... ON DUPLICATE KEY UPDATE.

use std::ops::ControlFlow;

use sqlparser::ast::{self, VisitMut, VisitorMut};

use super::foreign_keys::StatementTables;
use super::generated::not_allowed;
use super::rules::RowRules;
use super::{assignment_column, default_value, is_default_keyword, store_value};
use crate::catalog::TableInfo;
use crate::error::{Error, ForeignKeyError, Result};
use crate::kv::Transaction;
use crate::sql::context::{split_name, Context};
use crate::sql::execution;
use crate::sql::expr::Expr;
use crate::sql::planner::binder::Binder;
use crate::sql::planner::scope::{Scope, ScopeColumn};
use crate::sql::planner::select;
use crate::sql::result::{Outcome, QueryResult};
use crate::table::foreign_key::Writer;
use crate::table::{self, Table};
use crate::types::Value;

/// Name of the pseudo table through which `VALUES(col)` reads the row being inserted.
const NEW_ROW: &str = "__moltdb_new";

pub fn execute(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    sql: &str,
    ins: &ast::Insert,
) -> Result<QueryResult> {
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(Error::unsupported("INSERT INTO TABLE FUNCTION"));
    };
    let (db, tname) = split_name(name)?;
    let (db, info) = ctx.table(db.as_deref(), &tname)?;
    let table = Table::new(info.clone());
    ctx.written.push(info.id);
    let place = "field list";

    // Which table column each given value goes to.
    let names: Vec<String> = if !ins.assignments.is_empty() {
        ins.assignments
            .iter()
            .map(|a| assignment_column(&a.target))
            .collect::<Result<_>>()?
    } else {
        ins.columns
            .iter()
            .map(|c| {
                c.0.last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let targets = targets(&info, &names, place)?;

    // The rows of values, as expressions or (INSERT ... SELECT) as values.
    let empty = Scope::default();
    let binder = Binder::new(&empty, ctx.session, place);
    let mut value_rows: Vec<Vec<Option<Value>>> = Vec::new();
    if !ins.assignments.is_empty() {
        let row = ins
            .assignments
            .iter()
            .map(|a| bind_value(&binder, &a.value))
            .collect::<Result<_>>()?;
        value_rows.push(row);
    } else {
        let source = ins.source.as_ref().ok_or_else(|| Error::syntax("INSERT"))?;
        match source.body.as_ref() {
            ast::SetExpr::Values(values) => {
                for (r, exprs) in values.rows.iter().enumerate() {
                    // `INSERT INTO t [()] VALUES ()`: a row of defaults.
                    if exprs.is_empty() && names.is_empty() {
                        value_rows.push(vec![None; targets.len()]);
                        continue;
                    }
                    if exprs.len() != targets.len() {
                        return Err(Error::column_count_mismatch(r + 1));
                    }
                    value_rows.push(
                        exprs
                            .iter()
                            .map(|e| bind_value(&binder, e))
                            .collect::<Result<_>>()?,
                    );
                }
            }
            _ => {
                let rs = execution::select::run(ctx, txn, &select::plan(ctx, sql, source)?)?;
                if rs.columns.len() != targets.len() {
                    return Err(Error::column_count_mismatch(1));
                }
                value_rows.extend(
                    rs.rows
                        .into_iter()
                        .map(|r| r.into_iter().map(Some).collect()),
                );
            }
        }
    }

    let on_dup = match &ins.on {
        Some(ast::OnInsert::DuplicateKeyUpdate(assignments)) => {
            Some(bind_on_duplicate(ctx, &table, assignments)?)
        }
        Some(_) => return Err(Error::unsupported("ON CONFLICT")),
        None => None,
    };

    let how = How {
        ignore: ins.ignore,
        replace: ins.replace_into,
        on_dup: on_dup.as_deref(),
        rows_before: 0,
    };
    write_rows(ctx, txn, (&db, &table), &targets, value_rows, &how)
}

/// CREATE TABLE ... AS SELECT's fill: the rows of `query` into `columns` of `db.name`,
/// as `INSERT INTO db.name (columns) query` would.
pub fn insert_select(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    sql: &str,
    (db, name): (&str, &str),
    columns: &[String],
    query: &ast::Query,
) -> Result<QueryResult> {
    let (db, info) = ctx.table(Some(db), name)?;
    let table = Table::new(info.clone());
    ctx.written.push(info.id);
    let targets = targets(&info, columns, "field list")?;
    let rs = execution::select::run(ctx, txn, &select::plan(ctx, sql, query)?)?;
    if rs.columns.len() != targets.len() {
        return Err(Error::column_count_mismatch(1));
    }
    let rows = rs
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(Some).collect())
        .collect();
    let how = How {
        ignore: false,
        replace: false,
        on_dup: None,
        rows_before: 0,
    };
    write_rows(ctx, txn, (&db, &table), &targets, rows, &how)
}

/// What to do when a row meets a duplicate key.
struct How<'a> {
    /// INSERT IGNORE: skip the row with a warning (and bad values become warnings too).
    ignore: bool,
    /// REPLACE: delete the row in the way, then insert.
    replace: bool,
    /// ON DUPLICATE KEY UPDATE: update the row in the way instead.
    on_dup: Option<&'a [(usize, Expr)]>,
    /// Rows of the statement before these (LOAD DATA inserts in batches), for the row
    /// numbers of warnings and errors.
    rows_before: usize,
}

/// The table column each given value goes to: `names` in order, or every public column.
fn targets(info: &TableInfo, names: &[String], place: &str) -> Result<Vec<usize>> {
    let targets: Vec<usize> = if names.is_empty() {
        info.public_columns().map(|(i, _)| i).collect()
    } else {
        names
            .iter()
            .map(|n| {
                info.column_by_name(n)
                    .filter(|(_, c)| c.state == crate::catalog::SchemaState::Public)
                    .map(|(i, _)| i)
                    .ok_or_else(|| Error::unknown_column(n, place))
            })
            .collect::<Result<_>>()?
    };
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].contains(t) {
            return Err(Error::new(
                1110,
                "42000",
                format!("Column '{}' specified twice", info.columns[*t].name),
            ));
        }
    }

    Ok(targets)
}

/// Completes each row of values (defaults, AUTO_INCREMENT, conversion to the column types)
/// and adds it with its index entries, its foreign keys checked.
fn write_rows(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    (db, table): (&str, &Table),
    targets: &[usize],
    value_rows: Vec<Vec<Option<Value>>>,
    how: &How,
) -> Result<QueryResult> {
    let rules = RowRules::of(ctx, db, &table.info)?;
    let tables = StatementTables::of(ctx);
    let writer = tables.writer();
    let writing = Writing {
        writer: &writer,
        rules: &rules,
    };
    let result = write_checked_rows(ctx, txn, &writing, (db, table), targets, value_rows, how);
    ctx.finish_writes(&writer);
    result
}

/// How a statement's rows are written: through the foreign-key writer, generated columns
/// computed and CHECK constraints verified first.
struct Writing<'a> {
    writer: &'a Writer<'a>,
    rules: &'a RowRules,
}

fn write_checked_rows(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    writing: &Writing,
    (db, table): (&str, &Table),
    targets: &[usize],
    value_rows: Vec<Vec<Option<Value>>>,
    how: &How,
) -> Result<QueryResult> {
    let info = &table.info;
    let mut affected = 0u64;
    let ignore = how.ignore;
    for (r, given) in value_rows.into_iter().enumerate() {
        let row_no = how.rows_before.saturating_add(r + 1);
        let mut row = vec![Value::Null; info.columns.len()];
        let mut provided = vec![false; info.columns.len()];
        for (&t, v) in targets.iter().zip(given) {
            if let Some(v) = v {
                if info.columns[t].generated.is_some() {
                    return Err(not_allowed(&info.columns[t].name, &info.name));
                }
                row[t] = v;
                provided[t] = true;
            }
        }
        for (i, col) in info.columns.iter().enumerate() {
            if !provided[i] {
                row[i] = default_value(ctx, col, ignore)?;
            }
        }
        // AUTO_INCREMENT: NULL or 0 asks for the next id.
        let auto_col = info.auto_increment_column();
        if let Some(a) = auto_col {
            let wants_id = match &row[a] {
                Value::Null => true,
                v => v.to_f64() == 0.0 && !matches!(v, Value::Bytes(_)),
            };
            if wants_id {
                let id = ctx.domain.autoid.alloc(info, 1)?;
                row[a] = Value::Int(id);
                ctx.generated_id.get_or_insert(id as u64);
            }
        }
        for (i, col) in info.columns.iter().enumerate() {
            let v = std::mem::replace(&mut row[i], Value::Null);
            row[i] = store_value(ctx, col, v, row_no, ignore)?;
        }
        writing.rules.generate(ctx, &mut row, row_no, ignore)?;
        if let Some(a) = auto_col {
            if let Some(explicit) = as_i64(&row[a]) {
                ctx.domain.autoid.rebase(info, explicit)?;
            }
        }
        let handle = match table.handle_of(&row) {
            Some(h) => h,
            None => ctx.domain.autoid.alloc(info, 1)?,
        };
        let writer = writing.writer;
        writing.rules.check(handle, &row)?;
        loop {
            match writer.insert(txn, db, table, &row, handle) {
                Ok(()) => {
                    affected += 1;
                    break;
                }
                Err(table::Error::Duplicate {
                    existing_handle, ..
                }) if how.replace => {
                    if let Some(old) = table.row(txn, existing_handle)? {
                        writer.delete(txn, db, table, existing_handle, &old)?;
                        affected += 1;
                    }
                }
                Err(table::Error::Duplicate {
                    existing_handle, ..
                }) if how.on_dup.is_some() => {
                    let assignments = how.on_dup.unwrap_or(&[]);
                    let existing = (db, table, existing_handle);
                    affected +=
                        update_existing(ctx, txn, writing, existing, &row, assignments, row_no)?;
                    break;
                }
                Err(e @ table::Error::Duplicate { .. }) if ignore => {
                    ctx.warn(&e.into());
                    break;
                }
                // INSERT IGNORE skips a row without its parent, as MySQL and TiDB do.
                Err(table::Error::ForeignKey(e @ ForeignKeyError::NoReferencedRow { .. }))
                    if ignore =>
                {
                    ctx.warn(&e.into());
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let last_insert_id = ctx.generated_id.unwrap_or(0);
    Ok(QueryResult::Done(Outcome {
        affected_rows: affected,
        last_insert_id,
        matched_rows: None,
        info: None,
    }))
}

/// LOAD DATA's rows, each value `None` for the column's default, written as INSERT writes
/// them: `ignore` skips a row whose key is taken (and makes bad values warnings), `replace`
/// replaces the row in the way; `rows_before` of the file came before these. Returns the
/// rows written (a replaced row counts twice).
pub fn load_rows(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    (db, table): (&str, &Table),
    targets: &[usize],
    rows: Vec<Vec<Option<Value>>>,
    rows_before: usize,
    (ignore, replace): (bool, bool),
) -> Result<u64> {
    ctx.written.push(table.info.id);
    let how = How {
        ignore,
        replace,
        on_dup: None,
        rows_before,
    };
    match write_rows(ctx, txn, (db, table), targets, rows, &how)? {
        QueryResult::Done(o) => Ok(o.affected_rows),
        QueryResult::Rows(_) => Ok(0),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

/// A VALUES item: `None` for DEFAULT.
fn bind_value(binder: &Binder, e: &ast::Expr) -> Result<Option<Value>> {
    if is_default_keyword(e) {
        return Ok(None);
    }
    binder.bind(e)?.eval(&[]).map(Some)
}

/// Binds ON DUPLICATE KEY UPDATE assignments over (existing row ++ new row).
fn bind_on_duplicate(
    ctx: &Context,
    table: &Table,
    assignments: &[ast::Assignment],
) -> Result<Vec<(usize, Expr)>> {
    let info = &table.info;
    let mut scope = Scope::default();
    for prefix in [info.name.as_str(), NEW_ROW] {
        for c in &info.columns {
            scope.columns.push(ScopeColumn {
                table: prefix.to_string(),
                name: c.name.clone(),
                ty: c.ty.clone(),
            });
        }
    }
    let mut out = Vec::new();
    for a in assignments {
        let name = assignment_column(&a.target)?;
        let (col, _) = info
            .column_by_name(&name)
            .ok_or_else(|| Error::unknown_column(&name, "field list"))?;
        let mut value = a.value.clone();
        let _ = value.visit(&mut ValuesRewriter);
        // Unqualified names mean the existing row: restrict the scope by binding with the
        // table qualifier when ambiguous.
        let _ = value.visit(&mut QualifyExisting {
            table: info.name.clone(),
        });
        let bound = Binder::new(&scope, ctx.session, "field list").bind(&value)?;
        out.push((col, bound));
    }
    Ok(out)
}

/// Rewrites `VALUES(col)` into a reference to the new row's column.
struct ValuesRewriter;

impl VisitorMut for ValuesRewriter {
    type Break = ();
    fn post_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
        if let ast::Expr::Function(f) = e {
            if f.name.to_string().eq_ignore_ascii_case("values") {
                if let ast::FunctionArguments::List(list) = &f.args {
                    if let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                        ast::Expr::Identifier(id),
                    ))] = list.args.as_slice()
                    {
                        *e = ast::Expr::CompoundIdentifier(vec![
                            ast::Ident::new(NEW_ROW),
                            id.clone(),
                        ]);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Qualifies bare column names with the table, so they read the existing row.
struct QualifyExisting {
    table: String,
}

impl VisitorMut for QualifyExisting {
    type Break = ();
    fn post_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
        if let ast::Expr::Identifier(id) = e {
            if !id.value.starts_with('@') {
                *e = ast::Expr::CompoundIdentifier(vec![ast::Ident::new(&self.table), id.clone()]);
            }
        }
        ControlFlow::Continue(())
    }
}

/// Applies ON DUPLICATE KEY UPDATE to the row at `handle`; returns MySQL's affected count
/// (2 if the row changed, 0 if not).
fn update_existing(
    ctx: &mut Context,
    txn: &mut dyn Transaction,
    writing: &Writing,
    (db, table, handle): (&str, &Table, i64),
    new_row: &[Value],
    assignments: &[(usize, Expr)],
    row_no: usize,
) -> Result<u64> {
    let Some(old) = table.row(txn, handle)? else {
        return Err(Error::internal("duplicate row vanished"));
    };
    let mut updated = old.clone();
    if let Some((col, _)) = assignments
        .iter()
        .find(|(col, _)| table.info.columns[*col].generated.is_some())
    {
        return Err(not_allowed(
            &table.info.columns[*col].name,
            &table.info.name,
        ));
    }
    for (col, e) in assignments {
        let mut input = updated.clone();
        input.extend_from_slice(new_row);
        let v = e.eval(&input)?;
        updated[*col] = store_value(ctx, &table.info.columns[*col], v, row_no, false)?;
    }
    let assigned = |c: usize| assignments.iter().any(|(col, _)| *col == c);
    let row = (handle, old.as_slice(), updated.as_mut_slice());
    if !writing.rules.updated(ctx, row, &assigned, row_no)? {
        return Ok(0);
    }
    writing
        .writer
        .update(txn, db, table, handle, &old, &updated)?;
    Ok(2)
}
