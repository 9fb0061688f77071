//! DDL statements: validated against the session's schema, turned into jobs, submitted, and
//! waited for. The owner node runs them (see `ddl/`).

use sqlparser::ast::helpers::stmt_create_table::CreateTableBuilder;
use sqlparser::ast::{self, Statement};

use super::Session;
use crate::catalog::{ColumnInfo, TableInfo};
use crate::ddl::{self, Action, Job, JobArgs};
use crate::error::{Error, Result};
use crate::sql::alter_table::AlterClause;
use crate::sql::context::split_name;
use crate::sql::statement::TableOption;
use crate::sql::{self, QueryResult};
use crate::types::collation::Collation;

impl Session {
    /// Runs a DDL statement; `None` if `stmt` is not DDL.
    pub(super) fn ddl(&mut self, sql: &str, stmt: &Statement) -> Option<Result<QueryResult>> {
        let run = |s: &mut Session| -> Result<QueryResult> {
            // Temporary tables are the session's: no job, no implicit commit.
            let mut drop_names = None;
            match stmt {
                Statement::CreateTable(ct) if ct.temporary => return s.create_temporary(sql, ct),
                Statement::Drop {
                    object_type: ast::ObjectType::Table,
                    temporary,
                    if_exists,
                    names,
                    ..
                } => {
                    let rest = s.drop_temporary(names, *temporary, *if_exists)?;
                    if rest.is_empty() {
                        return Ok(QueryResult::ok());
                    }
                    drop_names = Some(rest);
                }
                _ => {}
            }
            // DDL commits the open transaction first, as in MySQL.
            s.commit()?;
            match stmt {
                Statement::Drop {
                    if_exists, table, ..
                } if drop_names.is_some() => s.drop(
                    sql,
                    &ast::ObjectType::Table,
                    *if_exists,
                    drop_names.as_deref().unwrap_or_default(),
                    table.as_ref(),
                ),
                Statement::CreateDatabase {
                    db_name,
                    if_not_exists,
                    default_charset,
                    default_collation,
                    ..
                } => {
                    let collation = sql::collation::resolve(
                        default_charset.as_deref(),
                        default_collation.as_deref(),
                        Collation::default(),
                    )?;
                    s.create_database(sql, db_name, *if_not_exists, collation)
                }
                Statement::CreateTable(ct) => s.create_table(sql, ct),
                Statement::CreateView(cv) => s.create_view(sql, cv),
                Statement::Drop {
                    object_type,
                    if_exists,
                    names,
                    table,
                    ..
                } => s.drop(sql, object_type, *if_exists, names, table.as_ref()),
                Statement::Truncate(t) => {
                    for target in &t.table_names {
                        if s.truncate_temporary(&target.name)? {
                            continue;
                        }
                        let (db, name) = split_name(&target.name)?;
                        s.check_truncate(&s.db_or_current(db)?, &name)?;
                        let job = s.table_job(
                            sql,
                            &target.name,
                            Action::TruncateTable,
                            JobArgs::TruncateTable,
                        )?;
                        s.run_job(job)?;
                    }
                    Ok(QueryResult::ok())
                }
                Statement::RenameTable(renames) => {
                    for r in renames {
                        s.refuse_on_temporary(&r.old_name, "RENAME TABLE")?;
                        s.rename_table(sql, &r.old_name, &r.new_name)?;
                    }
                    Ok(QueryResult::ok())
                }
                Statement::CreateIndex(ci) => {
                    s.refuse_on_temporary(&ci.table_name, "CREATE INDEX")?;
                    let name = ci
                        .name
                        .as_ref()
                        .map(|n| n.to_string().trim_matches('`').to_string())
                        .ok_or_else(|| Error::syntax("CREATE INDEX"))?;
                    let columns = super::alter_table::index_parts(&ci.columns)?;
                    let comment = sql::create_table::index_comment(&ci.index_options);
                    s.add_index(sql, &ci.table_name, &name, columns, ci.unique, comment)
                }
                Statement::AlterTable(at) => {
                    let clauses: Vec<AlterClause> = at
                        .operations
                        .iter()
                        .map(|op| AlterClause::Sql(Box::new(op.clone())))
                        .collect();
                    s.alter_table(sql, &at.name, &clauses)
                }
                _ => Err(Error::internal("not DDL")),
            }
        };
        let is_ddl = matches!(
            stmt,
            Statement::CreateDatabase { .. }
                | Statement::CreateTable(_)
                | Statement::CreateView(_)
                | Statement::Drop { .. }
                | Statement::Truncate(_)
                | Statement::RenameTable(_)
                | Statement::CreateIndex(_)
                | Statement::AlterTable(_)
        );
        is_ddl.then(|| run(self))
    }

    /// Defines one column exactly as CREATE TABLE would; also returns the probe table (a
    /// table of just that column) so callers can see whether the definition asked for keys.
    pub(super) fn define_column(
        &self,
        sql: &str,
        def: ast::ColumnDef,
        table: &TableInfo,
    ) -> Result<(TableInfo, ColumnInfo)> {
        let name = ast::ObjectName::from(vec![ast::Ident::new(&table.name)]);
        let probe = CreateTableBuilder::new(name).columns(vec![def]).build();
        let mut defined = sql::create_table::table_info(
            &probe,
            &table.name,
            &self.state,
            table.collation(),
            None,
        )?;
        if defined.columns.len() != 1 {
            return Err(Error::syntax(sql));
        }
        let column = defined.columns.remove(0);
        Ok((defined, column))
    }

    pub(super) fn run_job(&mut self, mut job: Job) -> Result<Job> {
        let domain = self.state.domain.clone();
        job.strict_sql_mode = self.strict();
        let id = ddl::submit(&domain, job)?;
        let killed = self.killed.clone();
        let result = ddl::wait(&domain, id, &|| {
            killed.load(std::sync::atomic::Ordering::SeqCst)
        });
        if matches!(&result, Err(Error::Interrupted)) {
            // KILL of a session waiting for its DDL cancels the job, as in TiDB.
            self.cancel_job(id);
        }
        if let Ok(job) = &result {
            for w in &job.warnings {
                self.warn(w.to_error());
            }
        }
        result
    }

    fn create_database(
        &mut self,
        sql: &str,
        name: &ast::ObjectName,
        if_not_exists: bool,
        collation: Collation,
    ) -> Result<QueryResult> {
        let (_, name) = split_name(name)?;
        sql::limits::identifier(&name)?;
        let system =
            sql::infoschema::is_infoschema(&name) || sql::system_tables::is_system_db(&name);
        if system || self.schema().database(&name).is_some() {
            if if_not_exists {
                self.note(Error::database_exists(&name));
                return Ok(QueryResult::affected(1));
            }
            return Err(Error::database_exists(&name));
        }
        let job = Job::new(
            Action::CreateSchema,
            0,
            &name,
            sql,
            JobArgs::CreateSchema {
                name: name.clone(),
                collation,
            },
        );
        self.run_job(job)?;
        Ok(QueryResult::affected(1))
    }

    /// CREATE [TEMPORARY] TABLE ... LIKE: the source's definition (columns, indexes,
    /// options) under `name`, without its foreign keys (as MySQL and TiDB copy it). A
    /// temporary source is TiDB's 8006, a view 1347.
    pub(super) fn like_source(&self, source: &ast::ObjectName, name: &str) -> Result<TableInfo> {
        let (sdb, sname) = split_name(source)?;
        let sdb = self.db_or_current(sdb)?;
        if self.state.temporary.get(&sdb, &sname).is_some() {
            return Err(Error::unsupported_on_temporary("create table like"));
        }
        let src = self
            .schema()
            .table(&sdb, &sname)
            .cloned()
            .ok_or_else(|| Error::unknown_table(&sdb, &sname))?;
        if src.view.is_some() {
            return Err(sql::view::wrong_object(&sdb, &sname, "BASE TABLE"));
        }
        let mut info = (*src).clone();
        info.id = 0;
        info.db_id = 0;
        info.name = name.to_string();
        info.foreign_keys.clear();
        Ok(info)
    }

    /// The database (its name and id) and the name of a table or view being created; 1049
    /// for a database that does not exist.
    pub(super) fn new_object_name(&self, name: &ast::ObjectName) -> Result<(String, i64, String)> {
        let (db, name) = split_name(name)?;
        let db = self.db_or_current(db)?;
        let db_id = self
            .schema()
            .database(&db)
            .ok_or_else(|| Error::unknown_database(&db))?
            .info
            .id;
        Ok((db, db_id, name))
    }

    /// CREATE TABLE of a name already taken: a note under IF NOT EXISTS, else 1050.
    pub(super) fn table_exists(
        &mut self,
        db: &str,
        name: &str,
        if_not_exists: bool,
    ) -> Result<QueryResult> {
        if !if_not_exists {
            return Err(Error::table_exists(name));
        }
        self.note(Error::new(
            1050,
            "42S01",
            format!("Table '{db}.{name}' already exists"),
        ));
        Ok(QueryResult::ok())
    }

    /// CREATE [OR REPLACE] VIEW: defined (and checked) here, created by a `create view` job.
    fn create_view(&mut self, sql: &str, cv: &ast::CreateView) -> Result<QueryResult> {
        if cv.materialized || cv.temporary {
            return Err(Error::unsupported("this kind of view"));
        }
        let (db, db_id, name) = self.new_object_name(&cv.name)?;
        match self.schema().table(&db, &name) {
            Some(t) if cv.or_replace && t.view.is_none() => {
                return Err(sql::view::wrong_object(&db, &name, "VIEW"))
            }
            Some(_) if !cv.or_replace => return Err(Error::table_exists(&name)),
            _ => {}
        }
        let view = {
            let ctx = self.context();
            sql::view::define(&ctx, sql, cv, &db, &name)?
        };
        let job = Job::new(
            Action::CreateView,
            db_id,
            &db,
            sql,
            JobArgs::CreateView {
                view: Box::new(view),
                or_replace: cv.or_replace,
            },
        )
        .on_table(0, &name);
        self.run_job(job)?;
        Ok(QueryResult::ok())
    }

    fn create_table(&mut self, sql: &str, ct: &ast::CreateTable) -> Result<QueryResult> {
        let (db, name) = split_name(&ct.name)?;
        let db = self.db_or_current(db)?;
        let schema = self.schema();
        let Some(dbinfo) = schema.database(&db) else {
            return Err(Error::unknown_database(&db));
        };
        if schema.table(&db, &name).is_some() {
            return self.table_exists(&db, &name, ct.if_not_exists);
        }
        let collation = schema.database_collation(&db);
        let info = match &ct.like {
            Some(
                ast::CreateTableLikeKind::Parenthesized(like)
                | ast::CreateTableLikeKind::Plain(like),
            ) => self.like_source(&like.name, &name)?,
            None => match &ct.query {
                Some(q) => self.create_table_as_columns(sql, ct, q, &name, collation)?,
                None => self.defined_table(sql, ct, &name, collation)?,
            },
        };
        if sql::create_table::dropped_checks(ct, &self.state) {
            self.warn(Error::new(
                1105,
                "HY000",
                "the switch of check constraint is off",
            ));
        }
        self.check_new_foreign_keys(&db, &info)?;
        let job = Job::new(
            Action::CreateTable,
            dbinfo.info.id,
            &db,
            sql,
            JobArgs::CreateTable {
                table: Box::new(info),
                auto_increment: sql::create_table::table_auto_increment(&ct.table_options)?,
            },
        )
        .on_table(0, &name);
        self.run_job(job)?;
        match &ct.query {
            Some(q) => self.create_table_as_fill(sql, &db, &name, q),
            None => Ok(QueryResult::ok()),
        }
    }

    /// CREATE TABLE ... [(cols)] AS SELECT: the declared columns, then one column per
    /// result column of the query not declared, typed as the query's result column
    /// (MySQL's rule: a declared column of the same name takes the value instead).
    fn create_table_as_columns(
        &mut self,
        sql: &str,
        ct: &ast::CreateTable,
        query: &ast::Query,
        name: &str,
        collation: Collation,
    ) -> Result<crate::catalog::TableInfo> {
        let result_columns = {
            let ctx = self.context();
            sql::planner::select::plan(&ctx, sql, query)?.columns()
        };
        let mut defs = Vec::new();
        for rc in &result_columns {
            if ct
                .columns
                .iter()
                .any(|c| c.name.value.eq_ignore_ascii_case(&rc.name))
            {
                continue;
            }
            let ty = rc
                .ty
                .as_ref()
                .map(|t| t.sql_name())
                .unwrap_or_else(|| "binary(0)".into());
            let null = if rc.not_null { " NOT NULL" } else { "" };
            defs.push(format!("`{}` {ty}{null}", rc.name.replace('`', "``")));
        }
        let mut full = ct.clone();
        full.query = None;
        if !defs.is_empty() {
            let probe = sql::parse(&format!("CREATE TABLE probe ({})", defs.join(", ")))?;
            let Some(Statement::CreateTable(probe)) = probe.first() else {
                return Err(Error::syntax(sql));
            };
            full.columns.extend(probe.columns.iter().cloned());
        }
        if full.columns.is_empty() {
            return Err(Error::new(
                1113,
                "42000",
                "A table must have at least 1 column",
            ));
        }
        self.defined_table(sql, &full, name, collation)
    }

    /// The table CREATE TABLE `sql` (parsed as `ct`) defines, with TiDB's CLUSTERED /
    /// NONCLUSTERED read from the text; a key said CLUSTERED that moltdb cannot cluster
    /// (anything but one integer column) is created NONCLUSTERED, with a warning.
    pub(super) fn defined_table(
        &mut self,
        sql: &str,
        ct: &ast::CreateTable,
        name: &str,
        collation: Collation,
    ) -> Result<TableInfo> {
        let clustered = sql::create_table::clustering(sql);
        let mut info = sql::create_table::table_info(ct, name, &self.state, collation, clustered)?;
        for (index, invisible) in sql::create_table::index_visibility(sql) {
            let primary = index.eq_ignore_ascii_case("PRIMARY");
            if primary && invisible {
                return Err(Error::invisible_primary_key());
            }
            if let Some(ix) = info
                .indexes
                .iter_mut()
                .find(|ix| ix.name.eq_ignore_ascii_case(&index))
            {
                ix.invisible = invisible;
            }
        }
        if clustered == Some(true) && info.handle_column.is_none() {
            self.warn(Error::new(
                1105,
                "HY000",
                "moltdb clusters a table by a single integer primary key only: this PRIMARY KEY is NONCLUSTERED",
            ));
        }
        Ok(info)
    }

    /// Fills a table just created by CREATE TABLE ... AS SELECT with the query's rows, in
    /// one transaction (as INSERT ... SELECT would). If that fails, the table is dropped again, so
    /// the statement has no effect, as in MySQL.
    fn create_table_as_fill(
        &mut self,
        sql: &str,
        db: &str,
        name: &str,
        query: &ast::Query,
    ) -> Result<QueryResult> {
        let result_columns = {
            let ctx = self.context();
            sql::planner::select::plan(&ctx, sql, query)?.columns()
        };
        let cols: Vec<String> = result_columns.into_iter().map(|c| c.name).collect();
        let result = self.with_txn(|ctx, txn| {
            sql::dml::insert::insert_select(ctx, txn, sql, (db, name), &cols, query)
        });
        // The implicit commit of DDL, also with autocommit off.
        let result = result.and_then(|r| self.commit().map(|_| r));
        match result {
            Ok(QueryResult::Done(o)) => Ok(QueryResult::affected(o.affected_rows)),
            Ok(other) => Ok(other),
            Err(e) => {
                self.rollback();
                let table = ast::ObjectName::from(vec![ast::Ident::new(db), ast::Ident::new(name)]);
                if let Ok(job) = self.table_job(sql, &table, Action::DropTable, JobArgs::DropTable)
                {
                    let _ = self.run_job(job);
                }
                Err(e)
            }
        }
    }

    fn drop(
        &mut self,
        sql: &str,
        object_type: &ast::ObjectType,
        if_exists: bool,
        names: &[ast::ObjectName],
        on_table: Option<&ast::ObjectName>,
    ) -> Result<QueryResult> {
        match object_type {
            ast::ObjectType::Database | ast::ObjectType::Schema => {
                for n in names {
                    let (_, name) = split_name(n)?;
                    let schema = self.schema();
                    let Some(db) = schema.database(&name) else {
                        if if_exists {
                            self.note(Error::drop_missing_database(&name));
                            continue;
                        }
                        return Err(Error::drop_missing_database(&name));
                    };
                    self.check_drop_database(&db.info.name)?;
                    let job = Job::new(
                        Action::DropSchema,
                        db.info.id,
                        &db.info.name,
                        sql,
                        JobArgs::DropSchema,
                    );
                    self.run_job(job)?;
                    if self
                        .state
                        .current_db
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(&name))
                    {
                        self.state.current_db = None;
                    }
                }
                Ok(QueryResult::ok())
            }
            ast::ObjectType::Table => {
                let mut missing = Vec::new();
                let mut targets = Vec::new();
                let mut dropped = Vec::new();
                for n in names {
                    let (db, name) = split_name(n)?;
                    let db = self.db_or_current(db)?;
                    match self.schema().table(&db, &name) {
                        Some(t) if t.view.is_none() => {
                            targets.push(n.clone());
                            dropped.push((db, name));
                        }
                        _ => missing.push(format!("{db}.{name}")),
                    }
                }
                if !missing.is_empty() && !if_exists {
                    return Err(Error::bad_table(&missing.join(",")));
                }
                self.check_drop_tables(&dropped)?;
                for m in &missing {
                    self.note(Error::bad_table(m));
                }
                for n in targets {
                    let job = self.table_job(sql, &n, Action::DropTable, JobArgs::DropTable)?;
                    self.run_job(job)?;
                }
                Ok(QueryResult::ok())
            }
            ast::ObjectType::View => {
                for n in names {
                    let (db, name) = split_name(n)?;
                    let db = self.db_or_current(db)?;
                    let schema = self.schema();
                    match schema.table(&db, &name) {
                        Some(t) if t.view.is_some() => {}
                        Some(_) => return Err(sql::view::wrong_object(&db, &name, "VIEW")),
                        None if if_exists => {
                            self.note(Error::bad_table(&format!("{db}.{name}")));
                            continue;
                        }
                        None => return Err(Error::bad_table(&format!("{db}.{name}"))),
                    }
                    let job = self.relation_job(sql, n, Action::DropView, JobArgs::DropTable)?;
                    self.run_job(job)?;
                }
                Ok(QueryResult::ok())
            }
            ast::ObjectType::Index => {
                let table = on_table.ok_or_else(|| Error::syntax("DROP INDEX"))?;
                for n in names {
                    let (_, name) = split_name(n)?;
                    self.drop_index(sql, table, &name)?;
                }
                Ok(QueryResult::ok())
            }
            other => Err(Error::unsupported(format!("DROP {other}"))),
        }
    }

    /// `ALTER TABLE t COMMENT = .. / ENGINE = .. / [DEFAULT] CHARSET = .. / COLLATE = .. /
    /// [FORCE] AUTO_INCREMENT = ..`. COMMENT, AUTO_INCREMENT and CHARSET / COLLATE are jobs
    /// that change the table's metadata; ENGINE is
    /// accepted and ignored, as TiDB does. The new default collation is what columns added
    /// later take; existing columns keep theirs (as MySQL without CONVERT TO).
    pub(super) fn alter_table_options(
        &mut self,
        sql: &str,
        db: Option<String>,
        table: &str,
        options: &[TableOption],
    ) -> Result<QueryResult> {
        self.commit()?;
        let name = match &db {
            Some(d) => ast::ObjectName::from(vec![ast::Ident::new(d), ast::Ident::new(table)]),
            None => ast::ObjectName::from(vec![ast::Ident::new(table)]),
        };
        self.refuse_on_temporary(&name, "ALTER TABLE")?;
        let dbname = self.db_or_current(db)?;
        let info = self
            .schema()
            .table(&dbname, table)
            .cloned()
            .ok_or_else(|| Error::unknown_table(&dbname, table))?;
        let mut charset: Option<String> = None;
        let mut collation: Option<String> = None;
        for o in options {
            match o {
                TableOption::Comment(c) => {
                    let job = self.table_job(
                        sql,
                        &name,
                        Action::ModifyTableComment,
                        JobArgs::ModifyTableComment { comment: c.clone() },
                    )?;
                    self.run_job(job)?;
                }
                TableOption::AutoIncrement { value, force } => {
                    let (action, args) = self.rebase_change(&info, value, *force)?;
                    let job = self.table_job(sql, &name, action, args)?;
                    self.run_job(job)?;
                }
                TableOption::Engine(_) => {}
                TableOption::Charset(c) => charset = Some(c.clone()),
                TableOption::Collate(c) => collation = Some(c.clone()),
            }
        }
        if charset.is_none() && collation.is_none() {
            return Ok(QueryResult::ok());
        }
        // A named character set alone takes its default collation, not the table's.
        let resolved =
            sql::collation::resolve(charset.as_deref(), collation.as_deref(), info.collation())?;
        let (charset, collation) = (resolved.charset().into(), resolved.name().into());
        let job = self.table_job(
            sql,
            &name,
            Action::ModifyTableCharsetAndCollate,
            JobArgs::ModifyTableCharsetAndCollate {
                charset,
                collation,
                convert_columns: false,
            },
        )?;
        self.run_job(job)?;
        Ok(QueryResult::ok())
    }

    /// A job on an existing table, with its ids filled in.
    pub(super) fn table_job(
        &self,
        sql: &str,
        table: &ast::ObjectName,
        action: Action,
        args: JobArgs,
    ) -> Result<Job> {
        let job = self.relation_job(sql, table, action, args)?;
        if self
            .schema()
            .table(&job.db_name, &job.table_name)
            .is_some_and(|t| t.view.is_some())
        {
            return Err(sql::view::wrong_object(
                &job.db_name,
                &job.table_name,
                "BASE TABLE",
            ));
        }
        Ok(job)
    }

    /// A job on a table or view.
    fn relation_job(
        &self,
        sql: &str,
        table: &ast::ObjectName,
        action: Action,
        args: JobArgs,
    ) -> Result<Job> {
        let (db, name) = split_name(table)?;
        let db = self.db_or_current(db)?;
        let schema = self.schema();
        let dbinfo = schema
            .database(&db)
            .ok_or_else(|| Error::unknown_database(&db))?;
        let info = schema
            .table(&db, &name)
            .ok_or_else(|| Error::unknown_table(&db, &name))?;
        Ok(
            Job::new(action, dbinfo.info.id, &dbinfo.info.name, sql, args)
                .on_table(info.id, &info.name),
        )
    }
}
