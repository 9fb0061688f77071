//! CREATE / DROP / TRUNCATE of temporary tables: the session's own, so no DDL job, no
//! schema version and no implicit commit (MySQL's rules). A temporary table's rows are
//! recorded for the delete-range worker when it is dropped or truncated and when the
//! session ends; what other DDL does to one is refused as TiDB refuses it.

use sqlparser::ast;

use super::Session;
use crate::catalog::{meta, SchemaState, TableInfo};
use crate::ddl::delete_range;
use crate::error::{Error, Result};
use crate::sql::context::split_name;
use crate::sql::QueryResult;

impl Session {
    pub(super) fn create_temporary(
        &mut self,
        sql: &str,
        ct: &ast::CreateTable,
    ) -> Result<QueryResult> {
        let (db, db_id, name) = self.new_object_name(&ct.name)?;
        if self.state.temporary.get(&db, &name).is_some() {
            return self.table_exists(&db, &name, ct.if_not_exists);
        }
        if ct.query.is_some() {
            return Err(Error::unsupported("CREATE TEMPORARY TABLE ... AS SELECT"));
        }
        let mut info = match &ct.like {
            Some(
                ast::CreateTableLikeKind::Parenthesized(like)
                | ast::CreateTableLikeKind::Plain(like),
            ) => self.like_source(&like.name, &name)?,
            None => {
                let collation = self.schema().database_collation(&db);
                self.defined_table(sql, ct, &name, collation)?
            }
        };
        if !info.foreign_keys.is_empty() {
            return Err(not_for_temporary("FOREIGN KEY"));
        }
        let mut txn = self.state.domain.store.begin()?;
        info.id = meta::allocate_ids(txn.as_mut(), 1)?;
        meta::put_temporary_table(txn.as_mut(), info.id);
        txn.commit()?;
        info.db_id = db_id;
        info.state = SchemaState::Public;
        info.temporary = true;
        self.state.temporary.insert(&db, info);
        Ok(QueryResult::ok())
    }

    /// DROP [TEMPORARY] TABLE: the names that are temporary tables are dropped here; the
    /// others are returned for a regular DROP TABLE (none with TEMPORARY: 1051).
    pub(super) fn drop_temporary(
        &mut self,
        names: &[ast::ObjectName],
        temporary_only: bool,
        if_exists: bool,
    ) -> Result<Vec<ast::ObjectName>> {
        let mut rest = Vec::new();
        let mut missing = Vec::new();
        let mut dropped = Vec::new();
        for n in names {
            let (db, name) = split_name(n)?;
            let db = self.db_or_current(db)?;
            match self.state.temporary.remove(&db, &name) {
                Some(t) => dropped.push(t),
                None if temporary_only => missing.push(format!("{db}.{name}")),
                None => rest.push(n.clone()),
            }
        }
        self.release(&dropped)?;
        if !missing.is_empty() {
            if !if_exists {
                return Err(Error::bad_table(&missing.join(",")));
            }
            for m in &missing {
                self.note(Error::bad_table(m));
            }
        }
        Ok(rest)
    }

    /// TRUNCATE of a temporary table: the table continues under a new id, its old rows
    /// go to the delete-range worker. `false` if `name` is no temporary table.
    pub(super) fn truncate_temporary(&mut self, name: &ast::ObjectName) -> Result<bool> {
        let (db, table) = split_name(name)?;
        let db = self.db_or_current(db)?;
        let Some(old) = self.state.temporary.remove(&db, &table) else {
            return Ok(false);
        };
        let mut info = (*old).clone();
        let mut txn = self.state.domain.store.begin()?;
        info.id = meta::allocate_ids(txn.as_mut(), 1)?;
        meta::put_temporary_table(txn.as_mut(), info.id);
        delete_range::add_temporary_table(txn.as_mut(), old.id);
        txn.commit()?;
        self.state.temporary.insert(&db, info);
        Ok(true)
    }

    /// The session ends (or is reset): its temporary tables go.
    pub(super) fn release_temporary_tables(&mut self) {
        let all = self.state.temporary.take_all();
        if let Err(e) = self.release(&all) {
            tracing::warn!(error = %e, "temporary tables left for the next start to remove");
        }
    }

    fn release(&self, tables: &[std::sync::Arc<TableInfo>]) -> Result<()> {
        if tables.is_empty() {
            return Ok(());
        }
        let mut txn = self.state.domain.store.begin()?;
        for t in tables {
            delete_range::add_temporary_table(txn.as_mut(), t.id);
        }
        txn.commit()?;
        Ok(())
    }

    /// TiDB's refusal of DDL other than CREATE / DROP / TRUNCATE on a temporary table.
    pub(super) fn refuse_on_temporary(&self, table: &ast::ObjectName, what: &str) -> Result<()> {
        let (db, name) = split_name(table)?;
        let db = self.db_or_current(db)?;
        match self.state.temporary.get(&db, &name) {
            Some(_) => Err(not_for_temporary(what)),
            None => Ok(()),
        }
    }
}

/// TiDB's 8200 for DDL a local temporary table does not support.
fn not_for_temporary(what: &str) -> Error {
    Error::new(
        8200,
        "HY000",
        format!("TiDB doesn't support {what} for local temporary table"),
    )
}
