//! The session's side of the bulk loads. IMPORT INTO: the statement resolved against the
//! session's schema and variables, handed to `import`, and waited for (unless DETACHED;
//! KILL cancels it). LOAD DATA [LOCAL]: the file's rows inserted through INSERT's write path
//! in the statement's transaction (a LOCAL file read as the client sends it).

use std::cell::RefCell;
use std::io::Read;
use std::sync::atomic::Ordering;

use super::Session;
use crate::catalog::TableInfo;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::import::delimited::Reader;
use crate::import::{self, options, Charset, Format, Request, Target};
use crate::sql::dml::generated::not_allowed;
use crate::sql::dml::insert::load_rows;
use crate::sql::import::{
    assignments, job_rows, Field, ImportInto, ImportStatement, LoadData, OnDuplicate,
};
use crate::sql::{Outcome, QueryResult};
use crate::table::Table;
use crate::types::Value;

/// LOAD DATA rows inserted at a time.
const LOAD_BATCH: usize = 1024;

/// The file a client sends for LOAD DATA LOCAL, read while it arrives: parsing and inserting
/// overlap with the transfer, and the file is never stored whole.
pub type LocalFile = Box<dyn Read + Send>;

impl Session {
    pub(super) fn import(&mut self, statement: ImportStatement) -> Result<QueryResult> {
        let domain = self.state.domain.clone();
        match statement {
            ImportStatement::Show(None) => listed(&domain, import::all(&domain)?),
            ImportStatement::Show(Some(id)) => listed(&domain, vec![import::get(&domain, id)?]),
            ImportStatement::Cancel(id) => {
                import::cancel(&domain, id)?;
                Ok(QueryResult::ok())
            }
            ImportStatement::Import(i) => self.import_into(i),
            ImportStatement::LoadData(l) => {
                self.check_writable()?;
                self.load_data(l)
            }
        }
    }

    /// Runs `sql`, a LOAD DATA LOCAL statement, over the file the client is sending.
    pub fn execute_with_local_file(&mut self, sql: &str, file: LocalFile) -> Result<QueryResult> {
        self.local_file = Some(file);
        let result = self.execute(sql);
        self.local_file = None;
        result
    }

    /// LOAD DATA: the file's rows inserted as INSERT inserts them, in the statement's
    /// transaction, with MySQL's warnings and its `Records: ...` summary.
    fn load_data(&mut self, l: LoadData) -> Result<QueryResult> {
        if l.local && self.local_file.is_none() {
            return Err(Error::new(1105, "HY000", "the client sent no file"));
        }
        let db = self.db_or_current(l.db.clone())?;
        let schema = self.schema();
        let info = schema
            .table(&db, &l.table)
            .ok_or_else(|| Error::unknown_table(&db, &l.table))?
            .clone();
        // Where each field goes: a column, or a @variable (its index in `vars`).
        let listed = field_targets(&info, l.fields.as_deref())?;
        let no_list = listed.is_none();
        let computed = |c: usize| no_list && info.columns[c].generated.is_some();
        let slots = listed.unwrap_or_else(|| {
            info.public_columns()
                .map(|(i, _)| Target::Column(i))
                .collect()
        });
        let vars = import::variables(&slots);
        let assigned = assigned_columns(&info, &l.assignments)?;
        let set_columns: Vec<usize> = assigned.iter().map(|(c, _)| *c).collect();
        // The columns written: the fields' columns, then those only SET assigns. Without
        // a column list, a generated column's field is read and dropped (TiDB, MariaDB):
        // the column is computed.
        let mut targets: Vec<usize> = slots
            .iter()
            .filter_map(|t| match t {
                Target::Column(c) if !computed(*c) => Some(*c),
                _ => None,
            })
            .collect();
        for c in &set_columns {
            if !targets.contains(c) {
                targets.push(*c);
            }
        }
        let column_names: Vec<String> = info.columns.iter().map(|c| c.name.clone()).collect();
        let exprs: Vec<String> = assigned.iter().map(|(_, e)| e.clone()).collect();
        let set = if exprs.is_empty() {
            None
        } else {
            Some(assignments::compile_for_load_data(
                &vars,
                &column_names,
                &exprs,
            )?)
        };
        // Worked out once, not per row: for each field, its index in `targets` (a column)
        // and in SET's inputs; for each SET column, its index in `targets`.
        let place = |c: usize| targets.iter().position(|t| *t == c);
        let slot_places: Vec<(Option<usize>, Option<usize>)> = slots
            .iter()
            .map(|slot| match slot {
                Target::Column(c) => (place(*c), Some(vars.len() + c)),
                Target::Var(v) => (None, vars.iter().position(|x| x == v)),
            })
            .collect();
        let set_places: Vec<usize> = set_columns.iter().filter_map(|c| place(*c)).collect();
        let charset = Charset::named(&l.format.character_set)
            .ok_or_else(|| crate::domain::variables::unknown_charset(&l.format.character_set))?;

        let ignore = l.on_duplicate == OnDuplicate::Ignore;
        let replace = l.on_duplicate == OnDuplicate::Replace;
        self.retrying(|s| {
            let local = RefCell::new(s.local_file.take());
            s.with_txn(|ctx, txn| {
                let input: Box<dyn Read> = match (local.borrow_mut().take(), l.local) {
                    (Some(file), _) => file,
                    // The client's file is read once, as it arrives: a retry after a lost
                    // write conflict finds it consumed.
                    (None, true) => return Err(Error::new(
                        9007,
                        "HY000",
                        "Write conflict while loading the client's file, which can be read only once: run the LOAD DATA LOCAL again",
                    )),
                    (None, false) => Box::new(std::fs::File::open(&l.path).map_err(|e| {
                        let reason = e.to_string();
                        let reason = reason.split(" (os error").next().unwrap_or_default();
                        let errno = e.raw_os_error().unwrap_or(0);
                        Error::new(
                            29,
                            "HY000",
                            format!("File '{}' not found (OS errno {errno} - {reason})", l.path),
                        )
                    })?),
                };
                let mut reader = Reader::new(std::io::BufReader::new(input), &l.format, &l.path);
                reader.starting_by = l.lines_starting_by.clone();
                reader.skip(l.ignore_lines)?;
                let table = Table::new(info.clone());
                table.snapshot_is_empty(txn)?;
                let (mut records, mut written) = (0u64, 0u64);
                let mut batch: Vec<Vec<Option<Value>>> = Vec::with_capacity(LOAD_BATCH);
                while let Some(fields) = reader.next_row()? {
                    records += 1;
                    if fields.len() < slots.len() {
                        ctx.warn(&Error::new(1261, "01000", format!("Row {records} doesn't contain data for all columns")));
                    } else if fields.len() > slots.len() {
                        ctx.warn(&Error::new(1262, "01000", format!("Row {records} was truncated; it contained more data than there were input columns")));
                    }
                    // The row's values; with SET, also (vars, then columns as read) for it.
                    let mut values: Vec<Option<Value>> = vec![None; targets.len()];
                    let mut inputs = match set {
                        Some(_) => vec![Value::Null; vars.len() + info.columns.len()],
                        None => Vec::new(),
                    };
                    for (field, &(target, input)) in fields.into_iter().zip(&slot_places) {
                        let value = match field {
                            Some(bytes) => Value::Bytes(charset.text(bytes)?),
                            None => Value::Null,
                        };
                        match (target, input.and_then(|i| inputs.get_mut(i))) {
                            (Some(t), Some(input)) => {
                                *input = value.clone();
                                values[t] = Some(value);
                            }
                            (Some(t), None) => values[t] = Some(value),
                            (None, Some(input)) => *input = value,
                            (None, None) => {}
                        }
                    }
                    if let Some(set) = &set {
                        for (&t, value) in set_places.iter().zip(set(&inputs)?) {
                            values[t] = Some(value);
                        }
                    }
                    batch.push(values);
                    if batch.len() == LOAD_BATCH {
                        let rows = std::mem::replace(&mut batch, Vec::with_capacity(LOAD_BATCH));
                        let before = (records as usize).saturating_sub(rows.len());
                        written += load_rows(ctx, txn, (&db, &table), &targets, rows, before, (ignore, replace))?;
                    }
                }
                let before = (records as usize).saturating_sub(batch.len());
                written += load_rows(ctx, txn, (&db, &table), &targets, batch, before, (ignore, replace))?;
                let deleted = if replace { written.saturating_sub(records) } else { 0 };
                let skipped = if ignore { records.saturating_sub(written) } else { 0 };
                let info = format!(
                    "Records: {records}  Deleted: {deleted}  Skipped: {skipped}  Warnings: {}",
                    ctx.warnings.len()
                );
                Ok(QueryResult::Done(Outcome {
                    affected_rows: written,
                    info: Some(info),
                    ..Outcome::default()
                }))
            })
        })
    }

    fn import_into(&mut self, i: ImportInto) -> Result<QueryResult> {
        if self.in_transaction() {
            return Err(Error::new(
                1105,
                "HY000",
                "cannot run IMPORT INTO in explicit transaction",
            ));
        }
        let format = match &i.format {
            Some(name) => Format::named(name)?,
            None => Format::of_path(&i.location),
        };
        let options = options::parse(&i.options, format)?;
        let db = self.db_or_current(i.db.clone())?;
        let schema = self.schema();
        let dbinfo = schema
            .database(&db)
            .ok_or_else(|| Error::unknown_database(&db))?;
        let table = schema
            .table(&db, &i.table)
            .ok_or_else(|| Error::unknown_table(&db, &i.table))?;
        let targets = field_targets(table, i.fields.as_deref())?;
        // The assignments compile here so that a bad one fails the statement, not the job.
        let assignments = assigned_columns(table, &i.assignments)?;
        // Named in the column list or SET, a generated column would be given a value
        // (3105); without a list, its field is read and dropped, as in LOAD DATA.
        let named = targets.iter().flatten().filter_map(|t| match t {
            Target::Column(c) => Some(*c),
            Target::Var(_) => None,
        });
        if let Some(c) = named
            .chain(assignments.iter().map(|(c, _)| *c))
            .find(|&c| table.columns[c].generated.is_some())
        {
            return Err(not_allowed(&table.columns[c].name, &table.name));
        }
        let vars = import::variables(targets.as_deref().unwrap_or_default());
        let exprs: Vec<String> = assignments.iter().map(|(_, e)| e.clone()).collect();
        let _checked = crate::sql::import::assignments::compile(&vars, &exprs)?;
        let local_only = !domain_flag(self, "tidb_enable_dist_task");
        let detached = options.detached;
        let request = Request {
            db: dbinfo.info.name.clone(),
            db_id: dbinfo.info.id,
            table: table.as_ref().clone(),
            targets,
            assignments,
            location: i.location.clone(),
            format,
            options,
            created_by: format!("{}@{}", self.state.user, self.state.host),
            local_only,
        };
        let domain = self.state.domain.clone();
        let submitted = import::submit(&domain, request)?;
        if detached {
            return Ok(job_rows(&[(submitted, None)]));
        }
        let killed = self.killed.clone();
        let done = import::wait(&domain, submitted.id, &|| killed.load(Ordering::SeqCst))?;
        // The session's next statement sees the new AUTO_INCREMENT base and the rows.
        Ok(job_rows(&[(done, None)]))
    }
}

/// Where each field of a column list goes (`None` without a list).
fn field_targets(table: &TableInfo, fields: Option<&[Field]>) -> Result<Option<Vec<Target>>> {
    fields
        .map(|fields| {
            fields
                .iter()
                .map(|f| match f {
                    Field::Var(v) => Ok(Target::Var(v.to_ascii_lowercase())),
                    Field::Column(c) => table
                        .column_by_name(c)
                        .map(|(pos, _)| Target::Column(pos))
                        .ok_or_else(|| Error::unknown_column(c, "field list")),
                })
                .collect()
        })
        .transpose()
}

/// The column each `SET col = expr` assigns, with its expression.
fn assigned_columns(
    table: &TableInfo,
    assignments: &[(String, String)],
) -> Result<Vec<(usize, String)>> {
    assignments
        .iter()
        .map(|(c, e)| {
            table
                .column_by_name(c)
                .map(|(pos, _)| (pos, e.clone()))
                .ok_or_else(|| Error::unknown_column(c, "field list"))
        })
        .collect()
}

/// Jobs as SHOW IMPORT JOB(S) lists them: the running ones with their progress.
fn listed(domain: &Domain, jobs: Vec<import::ImportJob>) -> Result<QueryResult> {
    let rows = jobs
        .into_iter()
        .map(|j| {
            let progress = import::progress(domain, &j)?;
            Ok((j, progress))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(job_rows(&rows))
}

fn domain_flag(session: &Session, name: &str) -> bool {
    let globals = session.state.domain.globals.read();
    globals
        .get(name)
        .is_some_and(|(_, v)| v.truth() == Some(true))
}
