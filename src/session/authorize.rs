//! The privileges a statement needs, checked before it runs (TiDB's "visit info"): each
//! table a statement reads needs SELECT, the table it writes the privilege of its kind,
//! DDL the privilege of its object, ADMIN statements need SUPER (SET GLOBAL checks it
//! where it finds the scope). An
//! account with every global privilege (root) skips the walk.
//!
//! A view is checked by its own name: the tables under it are read with the privileges
//! of its definer (SQL SECURITY DEFINER, MySQL's default). `information_schema` needs no
//! privilege; its rows show only what the account may see. A session's temporary tables
//! are its own.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{self, Statement, Visit, Visitor};

use super::Session;
use crate::error::{Error, Result};
use crate::privilege::{AccountName, Priv, Privileges};
use crate::sql::context::split_name;
use crate::sql::statement::{self as front, Show};
use crate::sql::stored_programs::StoredPrograms;

/// One privilege a statement needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Need {
    /// On `*.*` (1227 without it).
    Global(Priv),
    /// One of these on `*.*` (1227 naming them all).
    AnyGlobal(&'static [Priv]),
    /// On the database (1044).
    Database(Priv, String),
    /// Any privilege in the database: SHOW TABLES FROM db, SHOW CREATE DATABASE (1044).
    AnyInDatabase(String),
    /// On the table (1142, naming the statement's command).
    Table(Priv, String, String),
    /// Any privilege on the table: SHOW COLUMNS / INDEX / CREATE TABLE (1142).
    AnyOnTable(String, String),
}

impl Session {
    /// Whether the session's account holds `p` on `*.*`.
    pub(super) fn has_global(&self, p: Priv) -> bool {
        self.state
            .domain
            .privileges()
            .global(&self.state.account)
            .contains(p)
    }

    /// Fails with MySQL's error if the session's account may not run `statement`.
    pub(super) fn authorize(&self, statement: &front::Statement) -> Result<()> {
        self.check_needs(|needs| self.needs_of(statement, needs))
    }

    /// [`Session::authorize`] for a statement sqlparser parsed (COM_STMT_PREPARE).
    pub(super) fn authorize_sql(&self, statement: &Statement) -> Result<()> {
        self.check_needs(|needs| self.sql_needs(statement, needs))
    }

    fn check_needs(&self, collect: impl FnOnce(&mut Needs) -> Result<()>) -> Result<()> {
        let privileges = self.state.domain.privileges();
        let me = &self.state.account;
        if privileges.is_superuser(me) {
            return Ok(());
        }
        let mut needs = Needs::default();
        collect(&mut needs)?;
        for need in needs.list {
            check(&privileges, me, &need)?;
        }
        Ok(())
    }

    fn needs_of(&self, statement: &front::Statement, needs: &mut Needs) -> Result<()> {
        match statement {
            front::Statement::Sql(stmt) => self.sql_needs(stmt, needs)?,
            front::Statement::Do(query) => self.reads(&**query, needs),
            front::Statement::SelectInto { query, into, .. } => {
                self.reads(&**query, needs);
                // Files on the server's host: FILE, as for LOAD DATA without LOCAL.
                if !matches!(into, crate::sql::select_into::Target::Variables(_)) {
                    needs.push(Need::Global(Priv::File));
                }
            }
            front::Statement::Admin(_) => needs.push(Need::Global(Priv::Super)),
            front::Statement::AlterTableOptions { db, table, .. }
            | front::Statement::KeysOption { db, table } => {
                let db = self.db_or_current(db.clone())?;
                needs.push(Need::Table(Priv::Alter, db, table.clone()));
            }
            // TiDB's: LOCK TABLES on the database, SELECT on the table.
            front::Statement::LockTables { tables } => {
                for (db, table) in tables {
                    let db = self.db_or_current(db.clone())?;
                    needs.push(Need::Database(Priv::LockTables, db.clone()));
                    needs.push(Need::Table(Priv::Select, db, table.clone()));
                }
            }
            front::Statement::AlterTable { name, .. } => {
                self.table_need(Priv::Alter, name, needs)?
            }
            front::Statement::Show { show, .. } => match show {
                Show::Index { db, table } => {
                    let db = self.db_or_current(db.clone())?;
                    needs.push(Need::AnyOnTable(db, table.clone()));
                }
                Show::TableStatus { db: Some(db) } => {
                    needs.push(Need::AnyInDatabase(db.clone()));
                }
                Show::CreateDatabase { name } => needs.push(Need::AnyInDatabase(name.clone())),
                Show::StoredPrograms { kind, db } if *kind != StoredPrograms::Routines => {
                    let db = self.db_or_current(db.clone())?;
                    needs.push(Need::AnyInDatabase(db));
                }
                // Filtered by what the account may see, or about the server.
                Show::TableStatus { db: None }
                | Show::Processlist { .. }
                | Show::Engines
                | Show::Collation
                | Show::Charset
                | Show::Status
                | Show::StoredPrograms { .. }
                | Show::StatsMeta
                | Show::Privileges
                | Show::Plugins => {}
                // MySQL's REPLICATION CLIENT (or SUPER).
                Show::MasterStatus => {
                    needs.push(Need::AnyGlobal(&[Priv::Super, Priv::ReplicationClient]))
                }
            },
            // As MySQL: reading the rows and writing their statistics.
            front::Statement::Analyze { tables } => {
                for (db, table) in tables {
                    let db = self.db_or_current(db.clone())?;
                    needs.push(Need::Table(Priv::Select, db.clone(), table.clone()));
                    needs.push(Need::Table(Priv::Insert, db, table.clone()));
                }
            }
            front::Statement::Import(import) => {
                use crate::sql::import::ImportStatement;
                match &**import {
                    ImportStatement::Import(i) => {
                        let db = self.db_or_current(i.db.clone())?;
                        // TiDB's rule: SELECT, INSERT, UPDATE, DELETE and ALTER on the target,
                        // and FILE for files on the server.
                        for p in [
                            Priv::Select,
                            Priv::Insert,
                            Priv::Update,
                            Priv::Delete,
                            Priv::Alter,
                        ] {
                            needs.push(Need::Table(p, db.clone(), i.table.clone()));
                        }
                        needs.push(Need::Global(Priv::File));
                    }
                    ImportStatement::LoadData(l) => {
                        let db = self.db_or_current(l.db.clone())?;
                        needs.push(Need::Table(Priv::Insert, db.clone(), l.table.clone()));
                        if l.on_duplicate == crate::sql::import::OnDuplicate::Replace {
                            needs.push(Need::Table(Priv::Delete, db, l.table.clone()));
                        }
                        if !l.local {
                            needs.push(Need::Global(Priv::File));
                        }
                    }
                    // The import jobs of every user: SUPER, as TiDB asks for others' jobs.
                    ImportStatement::Show(_) | ImportStatement::Cancel(_) => {
                        needs.push(Need::Global(Priv::Super))
                    }
                }
            }
            // Checked when the prepared statement runs; account statements check themselves.
            front::Statement::Prepared(_)
            | front::Statement::Account(_)
            | front::Statement::Diagnostics(_) => {}
        }
        Ok(())
    }

    fn sql_needs(&self, stmt: &Statement, needs: &mut Needs) -> Result<()> {
        match stmt {
            Statement::Query(q) => self.reads(&**q, needs),
            Statement::Explain { statement, .. } => self.sql_needs(statement, needs)?,
            Statement::Insert(ins) => {
                if let ast::TableObject::TableName(name) = &ins.table {
                    self.table_need(Priv::Insert, name, needs)?;
                    if ins.replace_into {
                        self.table_need(Priv::Delete, name, needs)?;
                    }
                    if ins.on.is_some() {
                        self.table_need(Priv::Update, name, needs)?;
                    }
                }
                if let Some(source) = &ins.source {
                    self.reads(&**source, needs);
                }
            }
            Statement::Update(upd) => {
                // `UPDATE a, b SET ...` keeps the tables after the first as FROM tables.
                let mut tables = vec![&upd.table];
                if let Some(
                    ast::UpdateTableFromKind::BeforeSet(more)
                    | ast::UpdateTableFromKind::AfterSet(more),
                ) = &upd.from
                {
                    tables.extend(more);
                }
                let targets = update_targets(&tables, &upd.assignments);
                let names: Vec<ast::ObjectName> =
                    tables.iter().flat_map(|t| relations_of(t)).collect();
                for (i, name) in names.iter().enumerate() {
                    let written = targets.contains(&i);
                    if written {
                        self.table_need(Priv::Update, name, needs)?;
                    }
                    // Reading its rows to find those to change needs SELECT, as in MySQL.
                    if !written || upd.selection.is_some() {
                        self.table_need(Priv::Select, name, needs)?;
                    }
                }
                for t in &tables {
                    // ON conditions, and what derived tables read.
                    for j in &t.joins {
                        self.reads(&j.join_operator, needs);
                    }
                    let factors =
                        std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation));
                    for f in factors.filter(|f| !matches!(f, ast::TableFactor::Table { .. })) {
                        self.reads(f, needs);
                    }
                }
                self.reads(&upd.selection, needs);
                self.reads(&upd.assignments, needs);
            }
            Statement::Delete(del) => {
                let from = match &del.from {
                    ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
                };
                let all: Vec<ast::ObjectName> = from.iter().flat_map(relations_of).collect();
                let targets: Vec<&ast::ObjectName> = if del.tables.is_empty() {
                    all.first().into_iter().collect()
                } else {
                    del.tables.iter().collect()
                };
                for t in &targets {
                    // A multi-table DELETE names aliases: find the table they stand for.
                    let name = resolve_alias(from, t).unwrap_or_else(|| (*t).clone());
                    self.table_need(Priv::Delete, &name, needs)?;
                    if del.selection.is_some() {
                        self.table_need(Priv::Select, &name, needs)?;
                    }
                }
                for name in &all {
                    let target = targets
                        .iter()
                        .any(|t| resolve_alias(from, t).unwrap_or_else(|| (*t).clone()) == *name);
                    if !target {
                        self.table_need(Priv::Select, name, needs)?;
                    }
                }
                self.reads(&del.using, needs);
                self.reads(&del.selection, needs);
            }
            Statement::CreateTable(ct) => {
                if ct.temporary {
                    let (db, _) = split_name(&ct.name)?;
                    let db = self.db_or_current(db)?;
                    needs.push(Need::Database(Priv::CreateTemporaryTables, db));
                } else {
                    self.table_need(Priv::Create, &ct.name, needs)?;
                }
                if let Some(q) = &ct.query {
                    self.table_need(Priv::Insert, &ct.name, needs)?;
                    self.reads(&**q, needs);
                }
                match &ct.like {
                    Some(
                        ast::CreateTableLikeKind::Parenthesized(l)
                        | ast::CreateTableLikeKind::Plain(l),
                    ) => self.table_need(Priv::Select, &l.name, needs)?,
                    None => {}
                }
            }
            Statement::CreateView(cv) => {
                self.table_need(Priv::CreateView, &cv.name, needs)?;
                if cv.or_replace {
                    self.table_need(Priv::Drop, &cv.name, needs)?;
                }
                self.reads(&*cv.query, needs);
            }
            Statement::CreateIndex(ci) => self.table_need(Priv::Index, &ci.table_name, needs)?,
            Statement::AlterTable(at) => self.table_need(Priv::Alter, &at.name, needs)?,
            Statement::Drop {
                object_type,
                names,
                table,
                ..
            } => match object_type {
                ast::ObjectType::Table | ast::ObjectType::View => {
                    for name in names {
                        self.table_need(Priv::Drop, name, needs)?;
                    }
                }
                ast::ObjectType::Index => {
                    if let Some(t) = table {
                        self.table_need(Priv::Index, t, needs)?;
                    }
                }
                ast::ObjectType::Database | ast::ObjectType::Schema => {
                    for name in names {
                        let (_, db) = split_name(name)?;
                        needs.push(Need::Database(Priv::Drop, db));
                    }
                }
                _ => {}
            },
            Statement::Truncate(t) => {
                for target in &t.table_names {
                    self.table_need(Priv::Drop, &target.name, needs)?;
                }
            }
            Statement::RenameTable(renames) => {
                for r in renames {
                    self.table_need(Priv::Alter, &r.old_name, needs)?;
                    self.table_need(Priv::Drop, &r.old_name, needs)?;
                    self.table_need(Priv::Create, &r.new_name, needs)?;
                    self.table_need(Priv::Insert, &r.new_name, needs)?;
                }
            }
            Statement::CreateDatabase { db_name, .. } => {
                let (_, db) = split_name(db_name)?;
                needs.push(Need::Database(Priv::Create, db));
            }
            Statement::ShowTables { show_options, .. } => {
                if let Some(db) = show_options
                    .show_in
                    .as_ref()
                    .and_then(|s| s.parent_name.as_ref())
                {
                    let (_, db) = split_name(db)?;
                    needs.push(Need::AnyInDatabase(db));
                }
            }
            Statement::ShowColumns { show_options, .. } => {
                if let Some(name) = show_options
                    .show_in
                    .as_ref()
                    .and_then(|s| s.parent_name.as_ref())
                {
                    self.any_table_need(name, needs)?;
                }
            }
            Statement::ExplainTable { table_name, .. } => self.any_table_need(table_name, needs)?,
            Statement::ShowCreate { obj_name, .. } => self.any_table_need(obj_name, needs)?,
            Statement::Flush { .. } => needs.push(Need::Global(Priv::Reload)),
            _ => {}
        }
        Ok(())
    }

    /// SELECT on every table `node` reads (its FROM clauses and subqueries).
    fn reads<V: Visit>(&self, node: &V, needs: &mut Needs) {
        let mut found = Relations::default();
        let _ = node.visit(&mut found);
        for name in found.names {
            let single = name.0.len() == 1;
            let is_cte = single
                && split_name(&name)
                    .is_ok_and(|(_, t)| found.ctes.contains(&t.to_ascii_lowercase()));
            if !is_cte {
                // A name this statement cannot resolve fails later, where it is planned.
                let _ = self.table_need(Priv::Select, &name, needs);
            }
        }
    }

    fn table_need(&self, p: Priv, name: &ast::ObjectName, needs: &mut Needs) -> Result<()> {
        let (db, table) = split_name(name)?;
        let db = self.db_or_current(db)?;
        if !self.exempt(&db, &table) {
            needs.push(Need::Table(p, db, table));
        }
        Ok(())
    }

    fn any_table_need(&self, name: &ast::ObjectName, needs: &mut Needs) -> Result<()> {
        let (db, table) = split_name(name)?;
        let db = self.db_or_current(db)?;
        if !self.exempt(&db, &table) {
            needs.push(Need::AnyOnTable(db, table));
        }
        Ok(())
    }

    /// information_schema's tables and the session's own temporary tables.
    fn exempt(&self, db: &str, table: &str) -> bool {
        db.eq_ignore_ascii_case("information_schema")
            || self.state.temporary.get(db, table).is_some()
    }
}

#[derive(Default)]
struct Needs {
    list: Vec<Need>,
}

impl Needs {
    fn push(&mut self, need: Need) {
        if !self.list.contains(&need) {
            self.list.push(need);
        }
    }
}

fn check(p: &Privileges, me: &AccountName, need: &Need) -> Result<()> {
    let ok = match need {
        Need::Global(x) => p.global(me).contains(*x),
        Need::AnyGlobal(xs) => xs.iter().any(|x| p.global(me).contains(*x)),
        Need::Database(x, db) => p.on_db(me, db).contains(*x),
        Need::AnyInDatabase(db) => p.can_see_db(me, db),
        Need::Table(x, db, t) => p.on_table(me, db, t).contains(*x),
        Need::AnyOnTable(db, t) => p.can_see_table(me, db, t),
    };
    if ok {
        return Ok(());
    }
    Err(match need {
        Need::Global(x) => Error::specific_access_denied(x.name()),
        Need::AnyGlobal(xs) => {
            let names: Vec<&str> = xs.iter().map(|x| x.name()).collect();
            Error::specific_access_denied(&names.join(", "))
        }
        Need::Database(_, db) | Need::AnyInDatabase(db) => Error::db_access_denied(me, db),
        Need::Table(x, _, t) => Error::table_access_denied(command_of(*x), me, t),
        Need::AnyOnTable(_, t) => Error::table_access_denied("SELECT", me, t),
    })
}

/// The command a table privilege stands for in 1142's message.
fn command_of(p: Priv) -> &'static str {
    match p {
        Priv::CreateView => "CREATE VIEW",
        Priv::CreateTemporaryTables => "CREATE TEMPORARY TABLES",
        other => other.name(),
    }
}

/// Every table name a part of a statement reads, and the CTE names it defines.
#[derive(Default)]
struct Relations {
    names: Vec<ast::ObjectName>,
    ctes: HashSet<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_query(&mut self, q: &ast::Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_ascii_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ast::ObjectName) -> ControlFlow<()> {
        self.names.push(relation.clone());
        ControlFlow::Continue(())
    }
}

/// The tables of a FROM item in order: the first one, then those it joins.
fn relations_of(t: &ast::TableWithJoins) -> Vec<ast::ObjectName> {
    let mut out = Vec::new();
    for factor in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
        if let ast::TableFactor::Table { name, .. } = factor {
            out.push(name.clone());
        }
    }
    out
}

fn alias_of(factor: &ast::TableFactor) -> Option<(&ast::ObjectName, Option<&str>)> {
    match factor {
        ast::TableFactor::Table { name, alias, .. } => {
            Some((name, alias.as_ref().map(|a| a.name.value.as_str())))
        }
        _ => None,
    }
}

/// Which of an UPDATE's tables (indexes into their [`relations_of`], table after table)
/// its SET clauses write: those a qualified column names (by table or alias), or the first
/// table. An unqualified column of a multi-table UPDATE may belong to any table: the
/// statement checks the privilege on the table it resolves to when it runs.
fn update_targets(
    tables: &[&ast::TableWithJoins],
    assignments: &[ast::Assignment],
) -> HashSet<usize> {
    let factors: Vec<_> = tables
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(alias_of)
        .collect();
    let single = factors.len() == 1;
    let mut targets = HashSet::new();
    for a in assignments {
        let ast::AssignmentTarget::ColumnName(col) = &a.target else {
            continue;
        };
        if col.0.len() < 2 {
            if single {
                targets.insert(0);
            }
            continue;
        }
        let qualifier = col.0[col.0.len() - 2]
            .as_ident()
            .map(|i| i.value.to_ascii_lowercase());
        let found = factors.iter().position(|(name, alias)| {
            let table = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.to_ascii_lowercase());
            let alias = alias.map(str::to_ascii_lowercase);
            qualifier.is_some() && (qualifier == alias || (alias.is_none() && qualifier == table))
        });
        targets.insert(found.unwrap_or(0));
    }
    if targets.is_empty() && single {
        targets.insert(0);
    }
    targets
}

/// The table a multi-table DELETE's target (an alias or a name) stands for.
fn resolve_alias(
    from: &[ast::TableWithJoins],
    target: &ast::ObjectName,
) -> Option<ast::ObjectName> {
    let wanted = target.0.last()?.as_ident()?.value.to_ascii_lowercase();
    from.iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(alias_of)
        .find(|(_, alias)| alias.is_some_and(|a| a.eq_ignore_ascii_case(&wanted)))
        .map(|(name, _)| name.clone())
}
