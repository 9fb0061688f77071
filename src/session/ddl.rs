//! DDL statements: validated against the session's schema, turned into jobs, submitted, and
//! waited for. The owner node runs them (see `ddl/`).

use sqlparser::ast::helpers::stmt_create_table::CreateTableBuilder;
use sqlparser::ast::{self, Statement};

use super::Session;
use crate::catalog::{ColumnInfo, IndexInfo, SchemaState, TableInfo};
use crate::ddl::job::ColumnPosition;
use crate::ddl::{self, Action, Job, JobArgs};
use crate::error::{Error, Result};
use crate::sql::context::split_name;
use crate::sql::statement::TableOption;
use crate::sql::{self, QueryResult};

impl Session {
    /// Runs a DDL statement; `None` if `stmt` is not DDL.
    pub(super) fn ddl(&mut self, sql: &str, stmt: &Statement) -> Option<Result<QueryResult>> {
        let run = |s: &mut Session| -> Result<QueryResult> {
            // DDL commits the open transaction first, as in MySQL.
            s.commit()?;
            match stmt {
                Statement::CreateDatabase {
                    db_name,
                    if_not_exists,
                    ..
                } => s.create_database(sql, db_name, *if_not_exists),
                Statement::CreateTable(ct) => s.create_table(sql, ct),
                Statement::Drop {
                    object_type,
                    if_exists,
                    names,
                    table,
                    ..
                } => s.drop(sql, object_type, *if_exists, names, table.as_ref()),
                Statement::Truncate(t) => {
                    for target in &t.table_names {
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
                        s.rename_table(sql, &r.old_name, &r.new_name)?;
                    }
                    Ok(QueryResult::ok())
                }
                Statement::CreateIndex(ci) => {
                    let name = ci
                        .name
                        .as_ref()
                        .map(|n| n.to_string().trim_matches('`').to_string())
                        .ok_or_else(|| Error::syntax("CREATE INDEX"))?;
                    let columns = index_columns(&ci.columns)?;
                    s.add_index(sql, &ci.table_name, &name, columns, ci.unique)
                }
                Statement::AlterTable(at) => s.alter_table(sql, at),
                _ => Err(Error::internal("not DDL")),
            }
        };
        let is_ddl = matches!(
            stmt,
            Statement::CreateDatabase { .. }
                | Statement::CreateTable(_)
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
    fn define_column(
        &self,
        sql: &str,
        def: ast::ColumnDef,
        table: &str,
    ) -> Result<(TableInfo, ColumnInfo)> {
        let probe = CreateTableBuilder::new(ast::ObjectName::from(vec![ast::Ident::new(table)]))
            .columns(vec![def])
            .build();
        let mut defined = sql::create_table::table_info(&probe, table, &self.state)?;
        if defined.columns.len() != 1 {
            return Err(Error::syntax(sql));
        }
        let column = defined.columns.remove(0);
        Ok((defined, column))
    }

    fn run_job(&mut self, job: Job) -> Result<Job> {
        let domain = self.state.domain.clone();
        let id = ddl::submit(&domain, job)?;
        let killed = self.killed.clone();
        let result = ddl::wait(&domain, id, &|| {
            killed.load(std::sync::atomic::Ordering::SeqCst)
        });
        if matches!(&result, Err(Error::Interrupted)) {
            // KILL of a session waiting for its DDL cancels the job, as in TiDB.
            self.cancel_job(id);
        }
        result
    }

    fn create_database(
        &mut self,
        sql: &str,
        name: &ast::ObjectName,
        if_not_exists: bool,
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
            JobArgs::CreateSchema { name: name.clone() },
        );
        self.run_job(job)?;
        Ok(QueryResult::affected(1))
    }

    fn create_table(&mut self, sql: &str, ct: &ast::CreateTable) -> Result<QueryResult> {
        let (db, name) = split_name(&ct.name)?;
        let db = self.db_or_current(db)?;
        let schema = self.schema();
        let Some(dbinfo) = schema.database(&db) else {
            return Err(Error::unknown_database(&db));
        };
        if schema.table(&db, &name).is_some() {
            if ct.if_not_exists {
                self.note(Error::new(
                    1050,
                    "42S01",
                    format!("Table '{db}.{name}' already exists"),
                ));
                return Ok(QueryResult::ok());
            }
            return Err(Error::table_exists(&name));
        }
        let info = match &ct.like {
            // CREATE TABLE ... LIKE: the source's definition (columns, indexes, options).
            Some(
                ast::CreateTableLikeKind::Parenthesized(like)
                | ast::CreateTableLikeKind::Plain(like),
            ) => {
                let (sdb, sname) = split_name(&like.name)?;
                let sdb = self.db_or_current(sdb)?;
                let src = schema
                    .table(&sdb, &sname)
                    .ok_or_else(|| Error::unknown_table(&sdb, &sname))?;
                let mut info = (**src).clone();
                info.id = 0;
                info.db_id = 0;
                info.name = name.clone();
                info
            }
            None => match &ct.query {
                Some(q) => self.create_table_as_columns(sql, ct, q, &name)?,
                None => sql::create_table::table_info(ct, &name, &self.state)?,
            },
        };
        let job = Job::new(
            Action::CreateTable,
            dbinfo.info.id,
            &db,
            sql,
            JobArgs::CreateTable {
                table: Box::new(info),
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
        sql::create_table::table_info(&full, name, &self.state)
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
                for n in names {
                    let (db, name) = split_name(n)?;
                    let db = self.db_or_current(db)?;
                    match self.schema().table(&db, &name) {
                        Some(_) => targets.push(n.clone()),
                        None => missing.push(format!("{db}.{name}")),
                    }
                }
                if !missing.is_empty() && !if_exists {
                    return Err(Error::bad_table(&missing.join(",")));
                }
                for m in &missing {
                    self.note(Error::bad_table(m));
                }
                for n in targets {
                    let job = self.table_job(sql, &n, Action::DropTable, JobArgs::DropTable)?;
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

    fn alter_table(&mut self, sql: &str, at: &ast::AlterTable) -> Result<QueryResult> {
        // Each operation runs as a job of its own, in order (TiDB would run several as one
        // atomic multi-schema change).
        for op in &at.operations {
            match op {
                ast::AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
                    ast::TableConstraint::Index(ix) => {
                        let columns = index_columns(&ix.columns)?;
                        let name = ix
                            .name
                            .as_ref()
                            .map(|n| n.value.clone())
                            .unwrap_or_else(|| columns[0].clone());
                        self.add_index(sql, &at.name, &name, columns, false)?;
                    }
                    ast::TableConstraint::Unique(u) => {
                        let columns = index_columns(&u.columns)?;
                        let name = u
                            .name
                            .as_ref()
                            .or(u.index_name.as_ref())
                            .map(|n| n.value.clone())
                            .unwrap_or_else(|| columns[0].clone());
                        self.add_index(sql, &at.name, &name, columns, true)?;
                    }
                    ast::TableConstraint::ForeignKey(fk) => {
                        let (db, tname) = split_name(&at.name)?;
                        let db = self.db_or_current(db)?;
                        let n = self
                            .schema()
                            .table(&db, &tname)
                            .map_or(0, |t| t.foreign_keys.len())
                            + 1;
                        let fk = sql::create_table::foreign_key(fk, &tname, n)?;
                        sql::limits::identifier(&fk.name)?;
                        let job = self.table_job(
                            sql,
                            &at.name,
                            Action::AddForeignKey,
                            JobArgs::AddForeignKey { fk: Box::new(fk) },
                        )?;
                        self.run_job(job)?;
                    }
                    other => return Err(Error::unsupported(format!("ALTER TABLE ADD {other}"))),
                },
                ast::AlterTableOperation::DropForeignKey { name, .. } => {
                    let job = self.table_job(
                        sql,
                        &at.name,
                        Action::DropForeignKey,
                        JobArgs::DropForeignKey {
                            name: name.value.clone(),
                        },
                    )?;
                    self.run_job(job)?;
                }
                ast::AlterTableOperation::DropIndex { name } => {
                    self.drop_index(sql, &at.name, &name.value)?;
                }
                ast::AlterTableOperation::AddColumn {
                    column_def,
                    column_position,
                    if_not_exists,
                    ..
                } => {
                    let (db, tname) = split_name(&at.name)?;
                    let db = self.db_or_current(db)?;
                    let table = self
                        .schema()
                        .table(&db, &tname)
                        .cloned()
                        .ok_or_else(|| Error::unknown_table(&db, &tname))?;
                    if table.column_by_name(&column_def.name.value).is_some() {
                        if *if_not_exists {
                            self.note(Error::duplicate_column(&column_def.name.value));
                            continue;
                        }
                        return Err(Error::duplicate_column(&column_def.name.value));
                    }
                    sql::limits::column_count(table.columns.len() + 1)?;
                    let (defined, mut column) =
                        self.define_column(sql, column_def.clone(), &tname)?;
                    if defined.handle_column.is_some()
                        || !defined.indexes.is_empty()
                        || column.auto_increment
                    {
                        return Err(Error::unsupported(
                            "ADD COLUMN with a key or AUTO_INCREMENT",
                        ));
                    }
                    column.origin_default = sql::dml::origin_default_text(&self.state, &column)?;
                    let position = match column_position {
                        None => ColumnPosition::Last,
                        Some(ast::MySQLColumnPosition::First) => ColumnPosition::First,
                        Some(ast::MySQLColumnPosition::After(c)) => {
                            ColumnPosition::After(c.value.clone())
                        }
                    };
                    let job = self.table_job(
                        sql,
                        &at.name,
                        Action::AddColumn,
                        JobArgs::AddColumn {
                            column: Box::new(column),
                            position,
                        },
                    )?;
                    self.run_job(job)?;
                }
                ast::AlterTableOperation::DropColumn {
                    column_names,
                    if_exists,
                    ..
                } => {
                    for c in column_names {
                        let (db, tname) = split_name(&at.name)?;
                        let db = self.db_or_current(db)?;
                        let exists = self
                            .schema()
                            .table(&db, &tname)
                            .is_some_and(|t| t.column_by_name(&c.value).is_some());
                        if !exists && *if_exists {
                            self.note(Error::new(
                                1091,
                                "42000",
                                format!("Can't DROP '{}'; check that column/key exists", c.value),
                            ));
                            continue;
                        }
                        let job = self.table_job(
                            sql,
                            &at.name,
                            Action::DropColumn,
                            JobArgs::DropColumn {
                                name: c.value.clone(),
                            },
                        )?;
                        self.run_job(job)?;
                    }
                }
                ast::AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    column_position,
                } => {
                    self.modify_column(
                        sql,
                        &at.name,
                        &col_name.value,
                        &col_name.value,
                        data_type,
                        options,
                        column_position.as_ref(),
                    )?;
                }
                ast::AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    column_position,
                } => {
                    self.modify_column(
                        sql,
                        &at.name,
                        &old_name.value,
                        &new_name.value,
                        data_type,
                        options,
                        column_position.as_ref(),
                    )?;
                }
                ast::AlterTableOperation::RenameTable { table_name } => {
                    let new_name = match table_name {
                        ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                    };
                    self.rename_table(sql, &at.name, new_name)?;
                }
                other => return Err(Error::unsupported(format!("ALTER TABLE {other}"))),
            }
        }
        Ok(QueryResult::ok())
    }

    /// MODIFY / CHANGE COLUMN: the new definition is built as CREATE TABLE would build it,
    /// checked for a metadata-only change here (8200 otherwise), and run as a `modify
    /// column` job.
    #[allow(clippy::too_many_arguments)]
    fn modify_column(
        &mut self,
        sql: &str,
        table: &ast::ObjectName,
        old_name: &str,
        new_name: &str,
        data_type: &ast::DataType,
        options: &[ast::ColumnOption],
        column_position: Option<&ast::MySQLColumnPosition>,
    ) -> Result<()> {
        let (db, tname) = split_name(table)?;
        let db = self.db_or_current(db)?;
        let info = self
            .schema()
            .table(&db, &tname)
            .cloned()
            .ok_or_else(|| Error::unknown_table(&db, &tname))?;
        let Some((pos, old)) = info
            .column_by_name(old_name)
            .filter(|(_, c)| c.state == SchemaState::Public)
        else {
            return Err(Error::unknown_column(old_name, &info.name));
        };
        let old = old.clone();
        if !old_name.eq_ignore_ascii_case(new_name) && info.column_by_name(new_name).is_some() {
            return Err(Error::duplicate_column(new_name));
        }
        let def = ast::ColumnDef {
            name: ast::Ident::with_quote('`', new_name),
            data_type: data_type.clone(),
            options: options
                .iter()
                .map(|option| ast::ColumnOptionDef {
                    name: None,
                    option: option.clone(),
                })
                .collect(),
        };
        let (defined, mut column) = self.define_column(sql, def, &tname)?;
        let in_primary = info.handle_column == Some(pos)
            || info
                .indexes
                .iter()
                .any(|ix| ix.primary && ix.columns.contains(&pos));
        let adds_key =
            !defined.indexes.is_empty() || (defined.handle_column.is_some() && !in_primary);
        if adds_key {
            return Err(Error::new(
                8200,
                "HY000",
                "Unsupported modify column: can't add a key in MODIFY/CHANGE COLUMN; use ADD INDEX",
            ));
        }
        if in_primary {
            // Primary key columns are NOT NULL whatever the definition says, as in MySQL.
            column.nullable = false;
        }
        if old.auto_increment && !column.auto_increment {
            return Err(Error::new(
                8200,
                "HY000",
                "Unsupported modify column: can't remove auto_increment without @@tidb_allow_remove_auto_inc enabled",
            ));
        }
        ddl::check_modify_column(&old, &column)?;
        let position = match column_position {
            None => None,
            Some(ast::MySQLColumnPosition::First) => Some(ColumnPosition::First),
            Some(ast::MySQLColumnPosition::After(c)) => {
                Some(ColumnPosition::After(c.value.clone()))
            }
        };
        let job = self.table_job(
            sql,
            table,
            Action::ModifyColumn,
            JobArgs::ModifyColumn {
                old_name: old.name.clone(),
                column: Box::new(column),
                position,
            },
        )?;
        self.run_job(job)?;
        Ok(())
    }

    fn add_index(
        &mut self,
        sql: &str,
        table: &ast::ObjectName,
        name: &str,
        columns: Vec<String>,
        unique: bool,
    ) -> Result<QueryResult> {
        let (db, tname) = split_name(table)?;
        let db = self.db_or_current(db)?;
        let info = self
            .schema()
            .table(&db, &tname)
            .cloned()
            .ok_or_else(|| Error::unknown_table(&db, &tname))?;
        if info.index_by_name(name).is_some() || name.eq_ignore_ascii_case("primary") {
            return Err(Error::duplicate_key_name(name));
        }
        sql::limits::index_count(info.indexes.len() + 1)?;
        for c in &columns {
            if info
                .column_by_name(c)
                .filter(|(_, col)| col.state == SchemaState::Public)
                .is_none()
            {
                return Err(Error::new(
                    1072,
                    "42000",
                    format!("Key column '{c}' doesn't exist in table"),
                ));
            }
        }
        let index = IndexInfo {
            id: 0,
            name: name.to_string(),
            columns: Vec::new(),
            unique,
            primary: false,
            state: SchemaState::None,
            comment: String::new(),
            backfill: Default::default(),
        };
        sql::limits::index(&index, columns.len())?;
        let mut job = self.table_job(
            sql,
            table,
            Action::AddIndex,
            JobArgs::AddIndex { index, columns },
        )?;
        // TiDB's backfill choice: ingest with fast reorg on (its default), else txn; an
        // ingest runs as a distributed task when the framework is on (its default too).
        let (fast_reorg, dist_task) = {
            let globals = self.state.domain.globals.read();
            let on = |name: &str| {
                globals
                    .get(name)
                    .is_some_and(|(_, v)| v.truth() == Some(true))
            };
            (
                on("tidb_ddl_enable_fast_reorg"),
                on("tidb_enable_dist_task"),
            )
        };
        job.reorg_type = Some(if fast_reorg { "ingest" } else { "txn" }.into());
        job.dist_reorg = fast_reorg && dist_task;
        self.run_job(job)?;
        Ok(QueryResult::ok())
    }

    fn drop_index(&mut self, sql: &str, table: &ast::ObjectName, name: &str) -> Result<()> {
        let (db, tname) = split_name(table)?;
        let db = self.db_or_current(db)?;
        let info = self
            .schema()
            .table(&db, &tname)
            .cloned()
            .ok_or_else(|| Error::unknown_table(&db, &tname))?;
        match info.index_by_name(name) {
            Some(ix) if ix.primary => return Err(Error::unsupported("DROP PRIMARY KEY")),
            Some(_) => {}
            None => {
                return Err(Error::new(
                    1091,
                    "42000",
                    format!("Can't DROP '{name}'; check that column/key exists"),
                ))
            }
        }
        let job = self.table_job(
            sql,
            table,
            Action::DropIndex,
            JobArgs::DropIndex {
                name: name.to_string(),
            },
        )?;
        self.run_job(job)?;
        Ok(())
    }

    fn rename_table(
        &mut self,
        sql: &str,
        old: &ast::ObjectName,
        new: &ast::ObjectName,
    ) -> Result<()> {
        let (new_db, new_name) = split_name(new)?;
        let (old_db, _) = split_name(old)?;
        let old_db = self.db_or_current(old_db)?;
        if new_db.is_some_and(|d| !d.eq_ignore_ascii_case(&old_db)) {
            return Err(Error::unsupported("RENAME TABLE across databases"));
        }
        sql::limits::identifier(&new_name)?;
        if self.schema().table(&old_db, &new_name).is_some() {
            return Err(Error::table_exists(&new_name));
        }
        let job = self.table_job(
            sql,
            old,
            Action::RenameTable,
            JobArgs::RenameTable { new_name },
        )?;
        self.run_job(job)?;
        Ok(())
    }

    /// `ALTER TABLE t COMMENT = .. / ENGINE = .. / [DEFAULT] CHARSET = .. / COLLATE = ..`.
    /// COMMENT and CHARSET / COLLATE are jobs that change the table's metadata; ENGINE is
    /// accepted and ignored, as TiDB does. A charset other than utf8mb4 is recorded (SHOW
    /// CREATE TABLE, information_schema) but strings are still stored as utf8mb4.
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
                TableOption::Engine(_) => {}
                TableOption::Charset(c) => charset = Some(c.clone()),
                TableOption::Collate(c) => collation = Some(c.clone()),
            }
        }
        if charset.is_none() && collation.is_none() {
            return Ok(QueryResult::ok());
        }
        let charset = charset.unwrap_or_else(|| match &collation {
            Some(c) if c == "binary" => "binary".into(),
            Some(c) => c.split('_').next().unwrap_or("utf8mb4").to_string(),
            None => info.charset.clone(),
        });
        let charset = if charset == "utf8" {
            "utf8mb3".into()
        } else {
            charset
        };
        if !crate::domain::variables::CHARSETS.contains(&charset.as_str()) {
            return Err(crate::domain::variables::unknown_charset(&charset));
        }
        let collation = collation.unwrap_or_else(|| {
            if charset == "binary" {
                "binary".into()
            } else {
                format!("{charset}_bin")
            }
        });
        let family = collation.split('_').next().unwrap_or_default();
        let matches = family == charset
            || collation == "binary" && charset == "binary"
            || charset == "utf8mb3" && family == "utf8";
        if !matches {
            return Err(Error::new(
                1253,
                "42000",
                format!("COLLATION '{collation}' is not valid for CHARACTER SET '{charset}'"),
            ));
        }
        let job = self.table_job(
            sql,
            &name,
            Action::ModifyTableCharsetAndCollate,
            JobArgs::ModifyTableCharsetAndCollate { charset, collation },
        )?;
        self.run_job(job)?;
        Ok(QueryResult::ok())
    }

    /// A job on an existing table, with its ids filled in.
    fn table_job(
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

fn index_columns(cols: &[ast::IndexColumn]) -> Result<Vec<String>> {
    cols.iter()
        .map(|c| match &c.column.expr {
            ast::Expr::Identifier(id) => Ok(id.value.clone()),
            other => Err(Error::unsupported(format!("index on expression {other}"))),
        })
        .collect()
}
