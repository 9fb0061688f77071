//! One client session: its current database, variables and open transaction, and the
//! dispatch of each statement to its handler in `sql/`.

mod account;
mod alter_checks;
mod alter_table;
mod authorize;
mod auto_increment;
mod column_default;
mod ddl;
mod foreign_keys;
mod import;
pub use import::LocalFile;
mod meta;
mod multi_schema;
mod point_get;
mod prepared_sql;
mod savepoint;
mod select_into;
mod set;
mod table_locks;
mod temporary;
mod transaction;
mod user_locks;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use std::ops::ControlFlow;

use sqlparser::ast::{self, Statement, VisitMut, VisitorMut};

use crate::domain::variables::{Scope, SessionVariables};
use crate::domain::{Domain, SchemaPin};
use crate::error::{Error, Result};
use crate::kv::Transaction;
use crate::privilege::AccountName;
use crate::sql::context::split_name;
use crate::sql::dml;
use crate::sql::parser::literal_expr as literal;
use crate::sql::plan_cache::CachedSelect;
use crate::sql::point_get::PointGet;
use crate::sql::session_context::SessionContext;
use crate::sql::statement::{self as front};
use crate::sql::{self, parser, Context, QueryResult, Warning};
use crate::types::Value;

/// What a TLS connection negotiated (SHOW STATUS's `Ssl_version` and `Ssl_cipher`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
}

/// The part of a session statements read (through [`SessionContext`]).
pub struct SessionState {
    pub domain: Arc<Domain>,
    pub connection_id: u32,
    /// The user name the client logged in with, and the address it came from (USER()).
    pub user: String,
    pub host: String,
    /// The account the login was checked against (CURRENT_USER(), every privilege check).
    pub account: AccountName,
    /// TLS, when the connection has it.
    pub tls: Option<TlsInfo>,
    pub current_db: Option<String>,
    pub vars: SessionVariables,
    pub user_vars: HashMap<String, Value>,
    pub last_insert_id: u64,
    /// Whether the previous statement ran a cached plan (TiDB's `last_plan_from_cache`).
    pub last_plan_from_cache: bool,
    pub found_rows: u64,
    pub row_count: i64,
    /// Values `@x := v` expressions of the running statement assigned.
    pub assigned: sql::expr::VariableSink,
    /// CREATE TEMPORARY TABLE's tables.
    pub temporary: crate::catalog::TemporaryTables,
    /// GET_LOCK()'s locks, given back when the session ends.
    pub user_locks: sql::user_locks::UserLockHandle,
}

impl SessionState {
    /// Whose privileges limit the metadata a statement shows (`None` for an account that
    /// may see everything).
    fn viewer(&self) -> Option<(Arc<crate::privilege::Privileges>, AccountName)> {
        let privileges = self.domain.privileges();
        (!privileges.is_superuser(&self.account)).then(|| (privileges, self.account.clone()))
    }
}

impl SessionContext for SessionState {
    fn current_db(&self) -> Option<String> {
        self.current_db.clone()
    }
    fn connection_id(&self) -> u32 {
        self.connection_id
    }
    fn last_insert_id(&self) -> u64 {
        self.last_insert_id
    }
    fn user(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }
    fn current_user(&self) -> String {
        format!("{}@{}", self.account.user, self.account.host)
    }
    fn utc_now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
    fn time_zone(&self) -> String {
        let globals = self.domain.globals.read();
        self.vars
            .get("time_zone", &globals)
            .map_or_else(|| "SYSTEM".into(), |v| v.to_string_lossy())
    }
    fn system_variable(&self, name: &str, global: bool) -> Result<Value> {
        let globals = self.domain.globals.read();
        let (scope, gv) = globals
            .get(name)
            .ok_or_else(|| Error::unknown_system_variable(name))?;
        if global {
            if scope == Scope::Session {
                return Err(Error::new(
                    1238,
                    "HY000",
                    format!("Variable '{name}' is a SESSION variable"),
                ));
            }
            return Ok(gv.clone());
        }
        match name.to_ascii_lowercase().as_str() {
            "last_insert_id" | "identity" => return Ok(Value::UInt(self.last_insert_id)),
            "last_plan_from_cache" => return Ok(Value::Int(i64::from(self.last_plan_from_cache))),
            _ => {}
        }
        Ok(self.vars.get(name, &globals).unwrap_or(Value::Null))
    }
    fn user_variable(&self, name: &str) -> Value {
        self.user_vars
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or(Value::Null)
    }
    fn found_rows(&self) -> u64 {
        self.found_rows
    }
    fn row_count(&self) -> i64 {
        self.row_count
    }
    fn temporary_table(&self, db: &str, name: &str) -> Option<Arc<crate::catalog::TableInfo>> {
        self.temporary.get(db, name)
    }
    fn variable_sink(&self) -> Option<sql::expr::VariableSink> {
        Some(self.assigned.clone())
    }
    fn user_locks(&self) -> Option<sql::user_locks::UserLockHandle> {
        Some(self.user_locks.clone())
    }
    fn is_ddl_owner(&self) -> bool {
        self.domain.ownership.is_owner()
    }
}

/// A prepared statement: parsed once, executed with parameters many times.
pub struct Prepared {
    pub statement: front::Statement,
    pub sql: String,
    pub params: usize,
    /// The statement's short path, if it is a point select.
    point_get: Option<Arc<PointGet>>,
    /// Its cached plan, if it is a SELECT of the shape that may have one.
    cached_select: Option<Arc<CachedSelect>>,
}

pub struct Session {
    pub state: SessionState,
    txn: Option<Box<dyn Transaction>>,
    /// The schema version the open transaction uses, held until it ends (metadata lock).
    pin: Option<Arc<SchemaPin>>,
    /// Tables the open transaction wrote, checked against schema changes at commit.
    written: BTreeSet<i64>,
    /// Row changes of the open transaction's statements, for the table statistics once it
    /// commits.
    row_changes: Vec<(i64, i64, i64)>,
    /// True inside BEGIN ... COMMIT (or with autocommit off).
    explicit: bool,
    /// The open transaction may not write: START TRANSACTION READ ONLY, or
    /// `transaction_read_only` when it began.
    read_only: bool,
    /// `SET TRANSACTION READ {ONLY | WRITE}`: what the next transaction is, once.
    next_read_only: Option<bool>,
    /// SAVEPOINTs of the open transaction, oldest first.
    savepoints: Vec<savepoint::Named>,
    /// Set by KILL from another connection: a waiting DDL statement stops waiting.
    pub killed: Arc<AtomicBool>,
    pub warnings: Vec<Warning>,
    prepared: HashMap<u32, Prepared>,
    /// Text statements met, with their integer literal taken out, and their short path if
    /// they are point selects.
    text_point_gets: HashMap<String, Option<Arc<PointGet>>>,
    /// PREPARE's names for statements in `prepared`.
    named: HashMap<String, u32>,
    next_stmt_id: u32,
    /// This session's entry in the node's process list (SHOW PROCESSLIST, KILL).
    process: crate::domain::processlist::Registration,
    /// The file the client is sending for the LOAD DATA LOCAL being run.
    local_file: Option<import::LocalFile>,
}

impl Session {
    pub fn new(
        domain: Arc<Domain>,
        connection_id: u32,
        user: String,
        host: String,
        account: AccountName,
    ) -> Session {
        let killed = Arc::new(AtomicBool::new(false));
        let process = domain
            .processes
            .register(connection_id, &user, &host, killed.clone());
        Session {
            process,
            state: SessionState {
                domain: domain.clone(),
                connection_id,
                user,
                host,
                account,
                tls: None,
                current_db: None,
                vars: SessionVariables::default(),
                user_vars: HashMap::new(),
                last_insert_id: 0,
                last_plan_from_cache: false,
                found_rows: 0,
                row_count: -1,
                assigned: Default::default(),
                temporary: Default::default(),
                user_locks: sql::user_locks::UserLockHandle(Arc::new(
                    user_locks::SessionLocks::new(domain.clone(), connection_id),
                )),
            },
            txn: None,
            pin: None,
            written: BTreeSet::new(),
            row_changes: Vec::new(),
            explicit: false,
            read_only: false,
            next_read_only: None,
            savepoints: Vec::new(),
            killed,
            warnings: Vec::new(),
            prepared: HashMap::new(),
            text_point_gets: HashMap::new(),
            named: HashMap::new(),
            next_stmt_id: 1,
            local_file: None,
        }
    }

    /// COM_RESET_CONNECTION / COM_CHANGE_USER: back to a fresh session.
    pub fn reset(&mut self) {
        let mut fresh = Session::new(
            self.state.domain.clone(),
            self.state.connection_id,
            self.state.user.clone(),
            self.state.host.clone(),
            self.state.account.clone(),
        );
        fresh.state.current_db = self.state.current_db.take();
        fresh.state.tls = self.state.tls.take();
        // The old session (its temporary tables with it) is dropped here.
        *self = fresh;
    }

    pub fn in_transaction(&self) -> bool {
        self.explicit || self.txn.is_some()
    }

    /// The largest packet this session's client may send (MySQL reads it at connect).
    pub fn max_allowed_packet(&self) -> usize {
        let globals = self.state.domain.globals.read();
        self.state
            .vars
            .get("max_allowed_packet", &globals)
            .and_then(|v| usize::try_from(v.to_f64() as u64).ok())
            .unwrap_or(64 << 20)
    }

    pub fn autocommit(&self) -> bool {
        let globals = self.state.domain.globals.read();
        self.state
            .vars
            .get("autocommit", &globals)
            .is_some_and(|v| v.truth() == Some(true))
    }

    /// Runs one statement of text.
    pub fn execute(&mut self, sql: &str) -> Result<QueryResult> {
        if let Some(result) = self.execute_text_point_get(sql) {
            return result;
        }
        self.statement_started(sql);
        let result = self.execute_text(sql);
        self.statement_ended();
        result
    }

    fn execute_text(&mut self, sql: &str) -> Result<QueryResult> {
        let trimmed = sql.trim().trim_end_matches(';').trim();
        self.run(trimmed, front::parse(trimmed))
    }

    pub fn prepare(&mut self, sql: &str) -> Result<(u32, usize, Vec<sql::ResultColumn>)> {
        let trimmed = sql.trim().trim_end_matches(';').trim().to_string();
        let mut statement = match front::parse(&trimmed)? {
            front::Statement::Sql(statement) => statement,
            // moltdb's own statements take parameters only in the query they run (DO,
            // SELECT ... INTO), and describe their columns when they run.
            statement => return self.prepare_own(trimmed, statement),
        };
        let params = parser::count_placeholders(&mut statement);
        // Describing the result would show the columns of tables the account may not read.
        self.authorize_sql(&statement)?;
        // A NULL probe for every `?` is no valid LIMIT / OFFSET: retry those with 0.
        let columns = match self.describe(&trimmed, &statement, params, Value::Null) {
            Err(Error::Syntax { .. }) => self.describe(&trimmed, &statement, params, Value::Int(0)),
            other => other,
        }?;
        let id = self.next_stmt_id;
        self.next_stmt_id += 1;
        let point_get = PointGet::recognize(&statement, &trimmed, params).map(Arc::new);
        let cached_select = match point_get {
            Some(_) => None,
            None => CachedSelect::recognize(&statement, &trimmed, params).map(Arc::new),
        };
        self.prepared.insert(
            id,
            Prepared {
                statement: front::Statement::Sql(statement),
                sql: trimmed,
                params,
                point_get,
                cached_select,
            },
        );
        Ok((id, params, columns))
    }

    /// Prepares one of moltdb's own statements (not sqlparser's).
    fn prepare_own(
        &mut self,
        sql: String,
        mut statement: front::Statement,
    ) -> Result<(u32, usize, Vec<sql::ResultColumn>)> {
        if matches!(statement, front::Statement::Prepared(_)) {
            // Would let EXECUTE run itself.
            return Err(Error::new(
                1295,
                "HY000",
                "This command is not supported in the prepared statement protocol yet",
            ));
        }
        let params = statement.query_mut().map_or(0, parser::count_placeholders);
        let id = self.next_stmt_id;
        self.next_stmt_id += 1;
        self.prepared.insert(
            id,
            Prepared {
                statement,
                sql,
                params,
                point_get: None,
                cached_select: None,
            },
        );
        Ok((id, params, Vec::new()))
    }

    /// Checks a statement being prepared the way MySQL does (unknown tables and columns fail
    /// at prepare time) and describes the columns a query will return.
    fn describe(
        &mut self,
        sql: &str,
        stmt: &Statement,
        params: usize,
        probe_value: Value,
    ) -> Result<Vec<sql::ResultColumn>> {
        let mut probe = stmt.clone();
        parser::bind_placeholders(&mut probe, &vec![probe_value; params])?;
        let ctx = self.context();
        match &probe {
            Statement::Query(q) => {
                let plan = sql::planner::select::plan(&ctx, sql, q)?;
                Ok(plan.columns())
            }
            Statement::Insert(ast::Insert {
                table: ast::TableObject::TableName(name),
                ..
            }) => {
                let (db, t) = split_name(name)?;
                ctx.table(db.as_deref(), &t)?;
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    pub fn execute_prepared(&mut self, id: u32, params: &[Value]) -> Result<QueryResult> {
        if let Some(result) = self.execute_point_get(id, params) {
            return result;
        }
        if let Some(result) = self.execute_cached_select(id, params) {
            return result;
        }
        let (sql, stmt) = self.bind_prepared(id, params, "mysqld_stmt_execute")?;
        self.statement_started(&sql);
        let result = self.run(&sql, Ok(stmt));
        self.statement_ended();
        result
    }

    /// Prepared statement `id` with `params` in place of its `?`s, and its text; `by` names
    /// the command in MySQL's errors.
    fn bind_prepared(
        &self,
        id: u32,
        params: &[Value],
        by: &str,
    ) -> Result<(String, front::Statement)> {
        let p = self.prepared.get(&id).ok_or_else(|| {
            Error::new(
                1243,
                "HY000",
                format!("Unknown prepared statement handler ({id}) given to {by}"),
            )
        })?;
        if params.len() != p.params {
            return Err(Error::new(
                1210,
                "HY000",
                format!("Incorrect arguments to {by}"),
            ));
        }
        let mut stmt = p.statement.clone();
        match &mut stmt {
            front::Statement::Sql(stmt) => parser::bind_placeholders(stmt, params)?,
            other => {
                if let Some(query) = other.query_mut() {
                    parser::bind_placeholders(query, params)?;
                }
            }
        }
        Ok((p.sql.clone(), stmt))
    }

    pub fn close_prepared(&mut self, id: u32) {
        self.prepared.remove(&id);
    }

    /// The one place a parsed statement is handed to its handler.
    fn run(&mut self, sql: &str, statement: Result<front::Statement>) -> Result<QueryResult> {
        if let Ok(front::Statement::Diagnostics(d)) = &statement {
            return Ok(self.diagnostics(*d));
        }
        self.finishing(|s| {
            statement
                .and_then(|statement| s.authorize(&statement).map(|_| statement))
                .and_then(|statement| match statement {
                    front::Statement::Sql(stmt) => s.run_sql(sql, &stmt),
                    front::Statement::Account(statement) => s.account_statement(statement),
                    front::Statement::Admin(admin) => {
                        s.retrying(|s| s.with_txn(|ctx, txn| sql::admin::execute(ctx, txn, &admin)))
                    }
                    front::Statement::AlterTableOptions { db, table, options } => {
                        s.alter_table_options(sql, db, &table, &options)
                    }
                    front::Statement::AlterTable { name, clauses } => {
                        s.commit().and_then(|_| s.alter_table(sql, &name, &clauses))
                    }
                    front::Statement::Show { show, like, filter } => {
                        let result = s.show(&show, like.as_deref())?;
                        match filter {
                            Some(cond) => sql::show::filter_where(&s.context(), result, &cond),
                            None => Ok(result),
                        }
                    }
                    front::Statement::Diagnostics(d) => Ok(s.diagnostics(d)),
                    front::Statement::KeysOption { db, table } => s
                        .commit()
                        .and_then(|_| s.keys_option(db.as_deref(), &table)),
                    front::Statement::LockTables { tables } => s.lock_tables(&tables),
                    front::Statement::Analyze { tables } => {
                        sql::analyze::analyze(&s.context(), &tables)
                    }
                    front::Statement::Import(statement) => s.import(*statement),
                    front::Statement::Prepared(statement) => s.prepared_sql(statement),
                    front::Statement::Do(query) => s
                        .run_sql(sql, &Statement::Query(query))
                        .map(|_| QueryResult::ok()),
                    front::Statement::SelectInto { sql, query, into } => {
                        s.select_into(&sql, query, into)
                    }
                })
        })
    }

    /// What surrounds every statement: the warnings of the previous one dropped before it;
    /// its own warnings, ROW_COUNT() and user variable assignments kept after it.
    fn finishing(
        &mut self,
        statement: impl FnOnce(&mut Session) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        self.warnings.clear();
        // Left by a statement that failed half-way.
        drop(sql::functions::take_warnings());
        let result = statement(self);
        let assigned = self.state.assigned.take();
        if result.is_ok() {
            self.state.user_vars.extend(assigned);
        }
        let mut evaluated = sql::functions::take_warnings();
        // Without ERROR_FOR_DIVISION_BY_ZERO a division by zero is a silent NULL.
        if !self.sql_mode_has("ERROR_FOR_DIVISION_BY_ZERO") {
            evaluated.retain(|w| w.code() != sql::functions::DIVISION_BY_ZERO);
        }
        self.warnings
            .extend(evaluated.iter().map(sql::context::Warning::of));
        match &result {
            Ok(QueryResult::Done(o)) => self.state.row_count = o.affected_rows as i64,
            Ok(QueryResult::Rows(_)) => self.state.row_count = -1,
            Err(e) => {
                self.warnings.clear();
                self.warnings.push(Warning {
                    level: "Error",
                    code: e.code(),
                    message: e.message(),
                });
            }
        }
        result
    }

    /// A statement sqlparser parsed: its subqueries folded, retried after a lost conflict
    /// when it runs on its own.
    fn run_sql(&mut self, sql: &str, stmt: &Statement) -> Result<QueryResult> {
        let client_work = matches!(
            stmt,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update { .. }
                | Statement::Delete(_)
        );
        self.timed(client_work, |s| {
            s.retrying(|s| match s.fold_subqueries(sql, stmt)? {
                Some(folded) => s.dispatch(sql, &folded),
                None => s.dispatch(sql, stmt),
            })
        })
    }

    /// Runs `statement`, recording its latency when it is `client_work`: what backend work
    /// must not slow down is clients' reads and writes.
    fn timed(
        &mut self,
        client_work: bool,
        statement: impl FnOnce(&mut Session) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        // A guard, so that a statement that panics (the connection survives it) ends too.
        let _running = client_work.then(|| Running::start(self.state.domain.clone()));
        statement(self)
    }

    /// SHOW WARNINGS / ERRORS and their counts, of the previous statement.
    fn diagnostics(&self, d: front::Diagnostics) -> QueryResult {
        let errors = || self.warnings.iter().filter(|w| w.level == "Error");
        match d {
            front::Diagnostics::Warnings => sql::show::warnings(&self.warnings),
            front::Diagnostics::Errors => {
                sql::show::warnings(&errors().cloned().collect::<Vec<_>>())
            }
            front::Diagnostics::WarningCount => {
                count_result("@@session.warning_count", self.warnings.len())
            }
            front::Diagnostics::ErrorCount => {
                count_result("@@session.error_count", errors().count())
            }
        }
    }

    fn dispatch(&mut self, sql: &str, stmt: &Statement) -> Result<QueryResult> {
        self.check_schema_fresh()?;
        if let Some(result) = self.ddl(sql, stmt) {
            return result;
        }
        match stmt {
            Statement::Query(q) if !q.locks.is_empty() => {
                self.with_txn(|ctx, txn| sql::execution::select::execute_locking(ctx, txn, sql, q))
            }
            Statement::Query(q) => {
                self.with_txn(|ctx, txn| sql::execution::select::execute(ctx, txn, sql, q))
            }
            Statement::Kill { modifier, id } => self.kill(modifier.as_ref(), *id),
            // As TiDB: no table cache to close, and no global read lock (a snapshot read,
            // `@@tidb_snapshot`, gives a consistent state instead).
            Statement::Flush {
                object_type: ast::FlushType::Tables,
                read_lock,
                ..
            } => {
                if *read_lock {
                    return Err(Error::new(
                        1105,
                        "HY000",
                        "FLUSH TABLES WITH READ LOCK is not supported.  Please use @@tidb_snapshot",
                    ));
                }
                Ok(QueryResult::ok())
            }
            Statement::Insert(ins) => {
                self.check_writable()?;
                self.with_txn(|ctx, txn| dml::insert::execute(ctx, txn, sql, ins))
            }
            Statement::Update(upd) => {
                self.check_writable()?;
                self.with_txn(|ctx, txn| dml::update::execute(ctx, txn, upd))
            }
            Statement::Delete(del) => {
                self.check_writable()?;
                self.with_txn(|ctx, txn| dml::delete::execute(ctx, txn, del))
            }
            Statement::StartTransaction { modes, .. } => {
                self.commit()?;
                self.explicit = true;
                self.begin()?;
                for mode in modes {
                    if let ast::TransactionMode::AccessMode(access) = mode {
                        self.read_only = *access == ast::TransactionAccessMode::ReadOnly;
                    }
                }
                Ok(QueryResult::ok())
            }
            Statement::Commit { .. } => {
                self.commit()?;
                Ok(QueryResult::ok())
            }
            Statement::UnlockTables => Ok(self.unlock_tables()),
            Statement::Rollback {
                savepoint: Some(name),
                ..
            } => {
                self.rollback_to_savepoint(&name.value)?;
                Ok(QueryResult::ok())
            }
            Statement::Rollback { .. } => {
                self.rollback();
                Ok(QueryResult::ok())
            }
            Statement::Savepoint { name } => {
                self.savepoint(&name.value)?;
                Ok(QueryResult::ok())
            }
            Statement::ReleaseSavepoint { name } => {
                self.release_savepoint(&name.value)?;
                Ok(QueryResult::ok())
            }
            // sqlparser drops the scope of `SET {SESSION | GLOBAL} TRANSACTION` (it keeps
            // only PostgreSQL's `SET SESSION CHARACTERISTICS AS TRANSACTION`).
            Statement::Set(ast::Set::SetTransaction { modes, session, .. }) => {
                let scope = set::transaction_scope(sql)
                    .or_else(|| session.then_some(ast::ContextModifier::Session));
                self.set_transaction(modes, scope)?;
                Ok(QueryResult::ok())
            }
            Statement::Set(set) => self.set(set),
            Statement::Use(u) => {
                let name = match u {
                    ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n) => {
                        split_name(n)?.1
                    }
                    other => return Err(Error::unsupported(other)),
                };
                self.use_database(&name)?;
                Ok(QueryResult::ok())
            }
            Statement::ShowDatabases { show_options, .. } => {
                let f = show_filter(show_options);
                let ctx = self.context();
                let result = sql::show::databases(&ctx, like_filter(f).as_deref());
                sql::show::filter(&ctx, result, f)
            }
            Statement::ShowTables {
                full, show_options, ..
            } => {
                let db = show_options
                    .show_in
                    .as_ref()
                    .and_then(|s| s.parent_name.as_ref())
                    .map(|n| n.to_string().trim_matches('`').to_string());
                let f = show_filter(show_options);
                let ctx = self.context();
                let result =
                    sql::show::tables(&ctx, db.as_deref(), *full, like_filter(f).as_deref())?;
                sql::show::filter(&ctx, result, f)
            }
            Statement::ShowColumns {
                show_options, full, ..
            } => {
                let name = show_options
                    .show_in
                    .as_ref()
                    .and_then(|s| s.parent_name.as_ref())
                    .ok_or_else(|| Error::syntax("SHOW COLUMNS"))?;
                let (db, t) = split_name(name)?;
                let ctx = self.context();
                let result = if *full {
                    sql::show::full_columns(&ctx, db.as_deref(), &t)
                } else {
                    sql::show::columns(&ctx, db.as_deref(), &t)
                }?;
                sql::show::filter(&ctx, result, show_filter(show_options))
            }
            Statement::ExplainTable { table_name, .. } => {
                let (db, t) = split_name(table_name)?;
                let ctx = self.context();
                sql::show::columns(&ctx, db.as_deref(), &t)
            }
            Statement::ShowCreate {
                obj_type: ast::ShowCreateObject::Table,
                obj_name,
            } => {
                let (db, t) = split_name(obj_name)?;
                let ctx = self.context();
                sql::show::create_table(&ctx, db.as_deref(), &t)
            }
            Statement::ShowCreate {
                obj_type: ast::ShowCreateObject::View,
                obj_name,
            } => {
                let (db, t) = split_name(obj_name)?;
                let ctx = self.context();
                sql::show::create_view(&ctx, db.as_deref(), &t)
            }
            Statement::ShowVariables { filter, global, .. } => {
                let like = like_filter(filter.as_ref());
                let ctx = self.context();
                let result = sql::show::variables(&ctx, *global, like.as_deref())?;
                sql::show::filter(&ctx, result, filter.as_ref())
            }
            Statement::Explain { statement, .. } => match statement.as_ref() {
                Statement::Query(q) => {
                    let ctx = self.context();
                    let plan = sql::planner::select::plan(&ctx, sql, q)?;
                    Ok(sql::explain::render(&plan))
                }
                Statement::Update(upd) => {
                    if !upd.table.joins.is_empty() || upd.from.is_some() {
                        return Err(Error::unsupported("EXPLAIN of a multi-table UPDATE"));
                    }
                    let ctx = self.context();
                    let (src, filter) =
                        dml::update::target(&ctx, &upd.table.relation, upd.selection.as_ref())?;
                    let access = src.access(filter.as_ref());
                    Ok(sql::explain::render_dml(
                        "Update",
                        &src,
                        filter.as_ref(),
                        &access,
                    ))
                }
                Statement::Delete(del) => {
                    let ctx = self.context();
                    let (src, filter) = dml::delete::target(&ctx, del)?;
                    let access = src.access(filter.as_ref());
                    Ok(sql::explain::render_dml(
                        "Delete",
                        &src,
                        filter.as_ref(),
                        &access,
                    ))
                }
                other => Err(Error::unsupported(format!("EXPLAIN {other}"))),
            },
            other => Err(Error::unsupported(
                other
                    .to_string()
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
        }
    }

    /// Evaluates uncorrelated subqueries (scalar, IN, EXISTS) once and puts their results in
    /// their place. Returns `None` when the statement has none. A query or DML statement's
    /// subqueries read in the statement's own transaction, so they see the snapshot the
    /// statement sees; any other statement's read in a transaction of their own.
    fn fold_subqueries(&mut self, sql: &str, stmt: &Statement) -> Result<Option<Statement>> {
        if !has_subquery(stmt) {
            return Ok(None);
        }
        let statement_txn = matches!(
            stmt,
            Statement::Query(_)
                | Statement::Insert(_)
                | Statement::Update { .. }
                | Statement::Delete(_)
                | Statement::Explain { .. }
        );
        let own_txn = self.txn.is_none();
        if own_txn {
            self.begin()?;
        }
        let folded = self.fold_in_txn(sql, stmt);
        if own_txn && (!statement_txn || folded.is_err()) {
            self.rollback();
        }
        folded
    }

    fn fold_in_txn(&mut self, sql: &str, stmt: &Statement) -> Result<Option<Statement>> {
        struct Folder<'s> {
            session: &'s mut Session,
            error: Option<Error>,
            folded: bool,
        }
        impl VisitorMut for Folder<'_> {
            type Break = ();
            fn post_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
                let replacement = match e {
                    // One value, or a row of several (compared with a row, else 1241).
                    ast::Expr::Subquery(q) => self.session.subquery(q).and_then(|rs| {
                        let nulls = vec![Value::Null; rs.columns.len()];
                        match rs.rows.as_slice() {
                            [] => Ok(row_literal(&nulls)),
                            [one] => Ok(row_literal(one)),
                            _ => Err(sql::subquery::more_than_one_row()),
                        }
                    }),
                    ast::Expr::Exists { subquery, negated } => {
                        let negated = *negated;
                        self.session.subquery(subquery).map(|rs| {
                            literal(&Value::Int(i64::from(rs.rows.is_empty() == negated)))
                        })
                    }
                    ast::Expr::InSubquery {
                        expr,
                        subquery,
                        negated,
                    } => {
                        let (expr, negated) = (expr.clone(), *negated);
                        // A row's values against rows of as many columns (the binder
                        // compares the rows of the list).
                        let width = sql::planner::row_compare::values(&expr).len();
                        self.session.subquery(subquery).and_then(|rs| {
                            if rs.columns.len() != width {
                                return Err(Error::operand_columns(width));
                            }
                            if rs.rows.is_empty() {
                                return Ok(literal(&Value::Int(i64::from(negated))));
                            }
                            Ok(ast::Expr::InList {
                                expr,
                                list: rs.rows.iter().map(|r| row_literal(r)).collect(),
                                negated,
                            })
                        })
                    }
                    _ => return ControlFlow::Continue(()),
                };
                match replacement {
                    Ok(r) => {
                        *e = ast::Expr::Nested(Box::new(r));
                        self.folded = true;
                        ControlFlow::Continue(())
                    }
                    // A correlated subquery does not bind on its own: leave it to the binder.
                    Err(Error::UnknownColumn { .. }) => ControlFlow::Continue(()),
                    Err(err) => {
                        self.error = Some(err);
                        ControlFlow::Break(())
                    }
                }
            }
        }
        let mut stmt = stmt.clone();
        name_select_list(sql, &mut stmt);
        let mut folder = Folder {
            session: self,
            error: None,
            folded: false,
        };
        let _ = stmt.visit(&mut folder);
        if let Some(e) = folder.error {
            return Err(e);
        }
        Ok(folder.folded.then_some(stmt))
    }

    /// Runs a subquery in the open transaction, leaving it open.
    fn subquery(&mut self, q: &ast::Query) -> Result<sql::ResultSet> {
        let text = q.to_string();
        let (modes, schema) = (self.sql_modes(), self.schema());
        let Session {
            state,
            txn,
            warnings,
            pin,
            ..
        } = self;
        let Some(txn) = txn.as_mut() else {
            return Err(Error::internal("subquery outside a transaction"));
        };
        let mut ctx = statement_context(state, schema, pin.as_ref(), modes);
        let result = sql::execution::select::execute(&mut ctx, txn.as_mut(), &text, q);
        warnings.extend(ctx.warnings);
        match result? {
            QueryResult::Rows(rs) => Ok(rs),
            QueryResult::Done(_) => Err(Error::internal("subquery returned no rows")),
        }
    }

    fn note(&mut self, e: Error) {
        self.warnings.push(Warning::note(&e));
    }

    fn warn(&mut self, e: Error) {
        self.warnings.push(Warning::of(&e));
    }

    fn db_or_current(&self, db: Option<String>) -> Result<String> {
        db.or_else(|| self.state.current_db.clone())
            .ok_or_else(Error::no_database)
    }

    fn strict(&self) -> bool {
        let globals = self.state.domain.globals.read();
        self.state.vars.strict(&globals)
    }

    fn sql_mode_has(&self, mode: &str) -> bool {
        let globals = self.state.domain.globals.read();
        self.state.vars.sql_mode_has(&globals, mode)
    }

    /// The schema statements bind against: the open transaction's, or the newest.
    fn schema(&self) -> Arc<crate::catalog::InfoSchema> {
        match &self.pin {
            Some(pin) => pin.schema.clone(),
            None => self.state.domain.catalog.snapshot(),
        }
    }

    fn context(&self) -> Context<'_> {
        statement_context(
            &self.state,
            self.schema(),
            self.pin.as_ref(),
            self.sql_modes(),
        )
    }

    /// The SQL modes a statement's context carries.
    fn sql_modes(&self) -> SqlModes {
        SqlModes {
            strict: self.strict(),
            division_by_zero_error: self.sql_mode_has("ERROR_FOR_DIVISION_BY_ZERO"),
        }
    }

    pub fn use_database(&mut self, name: &str) -> Result<()> {
        // Without a privilege there, a database is refused whether or not it exists.
        let privileges = self.state.domain.privileges();
        if !sql::infoschema::is_infoschema(name)
            && !privileges.can_see_db(&self.state.account, name)
        {
            return Err(Error::db_access_denied(&self.state.account, name));
        }
        for db in [sql::infoschema::DB, sql::system_tables::DB] {
            if db.eq_ignore_ascii_case(name) {
                self.state.current_db = Some(db.to_string());
                return Ok(());
            }
        }
        let schema = self.schema();
        let db = schema
            .database(name)
            .ok_or_else(|| Error::unknown_database(name))?;
        self.state.current_db = Some(db.info.name.clone());
        Ok(())
    }
}

/// A session that ends takes its temporary tables with it.
impl Drop for Session {
    fn drop(&mut self) {
        self.release_temporary_tables();
    }
}

/// Names each unnamed select-list item of a query that holds a subquery by its text, as
/// MySQL names result columns: the subquery is about to be replaced by its result, whose
/// text is not what the client wrote.
fn name_select_list(sql: &str, stmt: &mut Statement) {
    let Statement::Query(q) = stmt else {
        return;
    };
    let ast::SetExpr::Select(select) = q.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        if let ast::SelectItem::UnnamedExpr(e) = item {
            if expr_has_subquery(e) {
                let alias = ast::Ident::with_quote('`', sql::planner::select::source_text(sql, e));
                *item = ast::SelectItem::ExprWithAlias {
                    expr: e.clone(),
                    alias,
                };
            }
        }
    }
}

/// A subquery's row as a literal: one value, or a row of several.
fn row_literal(values: &[Value]) -> ast::Expr {
    match values {
        [v] => literal(v),
        values => ast::Expr::Tuple(values.iter().map(literal).collect()),
    }
}

/// Whether `e` is a subquery expression (scalar, EXISTS or IN).
fn is_subquery(e: &ast::Expr) -> bool {
    matches!(
        e,
        ast::Expr::Subquery(_) | ast::Expr::Exists { .. } | ast::Expr::InSubquery { .. }
    )
}

/// Whether `e` holds a subquery.
fn expr_has_subquery(e: &ast::Expr) -> bool {
    ast::visit_expressions(e, |e| match is_subquery(e) {
        true => ControlFlow::Break(()),
        false => ControlFlow::Continue(()),
    })
    .is_break()
}

/// Whether `stmt` has a subquery anywhere.
fn has_subquery(stmt: &Statement) -> bool {
    /// One walk over the statement (every statement passes here): a subquery seen so far,
    /// and a stop at the first WITH, since a subquery may name a CTE and only the planner,
    /// inside the WITH's scope, can run it.
    #[derive(Default)]
    struct Walk {
        subquery: bool,
    }
    impl ast::Visitor for Walk {
        type Break = ();
        fn pre_visit_query(&mut self, q: &ast::Query) -> ControlFlow<()> {
            match q.with {
                Some(_) => ControlFlow::Break(()),
                None => ControlFlow::Continue(()),
            }
        }
        fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            self.subquery |= is_subquery(e);
            ControlFlow::Continue(())
        }
    }
    let mut walk = Walk::default();
    ast::Visit::visit(stmt, &mut walk).is_continue() && walk.subquery
}

/// The SQL modes a statement runs under.
#[derive(Clone, Copy)]
struct SqlModes {
    strict: bool,
    division_by_zero_error: bool,
}

/// What a statement runs with: the session's schema, variables and privileges, the table
/// versions its transaction holds, and its SQL modes.
fn statement_context<'a>(
    state: &'a SessionState,
    schema: Arc<crate::catalog::InfoSchema>,
    pin: Option<&Arc<SchemaPin>>,
    modes: SqlModes,
) -> Context<'a> {
    let mut ctx = Context::new(&state.domain, schema, state, modes.strict);
    ctx.viewer = state.viewer();
    ctx.pin = pin.cloned();
    ctx.division_by_zero_error = modes.division_by_zero_error;
    ctx
}

fn count_result(name: &str, n: usize) -> QueryResult {
    QueryResult::Rows(sql::ResultSet {
        columns: vec![sql::ResultColumn::bigint(name)],
        rows: vec![vec![Value::Int(n as i64)]],
    })
}

fn show_filter(options: &ast::ShowStatementOptions) -> Option<&ast::ShowStatementFilter> {
    options.filter_position.as_ref().map(|f| match f {
        ast::ShowStatementFilterPosition::Infix(f)
        | ast::ShowStatementFilterPosition::Suffix(f) => f,
    })
}

fn like_filter(f: Option<&ast::ShowStatementFilter>) -> Option<String> {
    match f {
        Some(ast::ShowStatementFilter::Like(s)) => Some(s.clone()),
        _ => None,
    }
}

/// A client's statement under way, counted by the latency monitor until dropped, when its
/// latency is recorded.
struct Running {
    domain: Arc<Domain>,
    started: std::time::Instant,
}

impl Running {
    fn start(domain: Arc<Domain>) -> Running {
        domain.latency.start();
        Running {
            domain,
            started: std::time::Instant::now(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.domain.latency.end(self.started.elapsed());
    }
}
