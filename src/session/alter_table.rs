//! ALTER TABLE, CREATE / DROP INDEX and RENAME TABLE: each clause becomes a [`Change`] (a
//! job kind and its arguments) validated against the table as it is before the statement.
//! One change runs as a job of its own kind; several run as ONE multi-schema change job,
//! all or nothing, after TiDB's same-object rules (`multi_schema`).

use sqlparser::ast;

use super::multi_schema;
use super::Session;
use crate::catalog::{IndexInfo, SchemaState, TableInfo};
use crate::ddl::job::{ColumnPosition, MultiSchemaInfo, SubJob};
use crate::ddl::{self, Action, JobArgs};
use crate::error::{Error, Result};
use crate::sql;
use crate::sql::alter_table::AlterClause;
use crate::sql::context::split_name;
use crate::sql::create_table::{index_comment, IndexPart};
use crate::sql::QueryResult;

/// One change of an ALTER TABLE: what its job (or sub-job) does.
pub(super) type Change = (Action, JobArgs);

impl Session {
    /// `ALTER TABLE t {DISABLE | ENABLE} KEYS`: MyISAM's; an InnoDB table has nothing to
    /// disable, and MySQL says so with note 1031.
    pub(super) fn keys_option(&mut self, db: Option<&str>, table: &str) -> Result<QueryResult> {
        let (_, info) = self.context().table(db, table)?;
        self.warnings.push(sql::context::Warning::note(&Error::new(
            1031,
            "HY000",
            format!(
                "Table storage engine for '{}' doesn't have this option",
                info.name
            ),
        )));
        Ok(QueryResult::ok())
    }

    pub(super) fn alter_table(
        &mut self,
        sql: &str,
        name: &ast::ObjectName,
        clauses: &[AlterClause],
    ) -> Result<QueryResult> {
        self.refuse_on_temporary(name, "ALTER TABLE")?;
        let table = self.table_info(name)?;
        let specs: Vec<&AlterClause> = clauses
            .iter()
            .filter(|c| !matches!(c, AlterClause::Sql(op) if is_algorithm_or_lock(op)))
            .collect();
        if specs.len() > 1 {
            multi_schema::check(&table, &specs)?;
        }
        let mut changes = Vec::new();
        for clause in &specs {
            changes.extend(match clause {
                AlterClause::Sql(op) => self.changes(sql, name, &table, op.as_ref())?,
                AlterClause::RenameIndex { from, to } => {
                    vec![rename_index_change(&table, from, to)?]
                }
                AlterClause::IndexVisibility { name, invisible } => {
                    vec![visibility_change(&table, name, *invisible)?]
                }
                AlterClause::DropCheck { name } => vec![self.drop_check_change(&table, name)?],
                AlterClause::CheckEnforced { name, enforced } => {
                    self.check_enforced_changes(&table, name, *enforced)?
                }
                AlterClause::ConvertTo { charset, collation } => {
                    vec![self.convert_to_change(name, &table, charset, collation)?]
                }
            });
        }
        for clause in clauses {
            let AlterClause::Sql(op) = clause else {
                continue;
            };
            if let ast::AlterTableOperation::Algorithm { algorithm, .. } = op.as_ref() {
                for (action, _) in &changes {
                    if let Some(w) = unsupported_algorithm(*action, algorithm) {
                        self.warn(w);
                    }
                }
            }
        }
        self.run_changes(sql, name, changes)?;
        Ok(QueryResult::ok())
    }

    /// The changes one ALTER TABLE clause makes (none for an IF [NOT] EXISTS clause that
    /// has nothing to do: a note says so).
    fn changes(
        &mut self,
        sql: &str,
        name: &ast::ObjectName,
        table: &TableInfo,
        op: &ast::AlterTableOperation,
    ) -> Result<Vec<Change>> {
        use ast::AlterTableOperation as Op;
        let change = match op {
            Op::AddConstraint { constraint, .. } => match constraint {
                ast::TableConstraint::Index(ix) => {
                    let name = ix.name.as_ref();
                    index_definition_change(table, name, &ix.columns, false, &ix.index_options)?
                }
                ast::TableConstraint::Unique(u) => {
                    let name = u.name.as_ref().or(u.index_name.as_ref());
                    index_definition_change(table, name, &u.columns, true, &u.index_options)?
                }
                ast::TableConstraint::PrimaryKey(pk) => {
                    add_primary_key_change(table, index_columns(&pk.columns)?)?
                }
                ast::TableConstraint::ForeignKey(fk) => {
                    return self.add_foreign_key_changes(table, fk);
                }
                ast::TableConstraint::Check(check) => return self.add_check_changes(table, check),
                other => return Err(Error::unsupported(format!("ALTER TABLE ADD {other}"))),
            },
            Op::DropForeignKey { name, .. } => {
                let name = name.value.clone();
                (Action::DropForeignKey, JobArgs::DropForeignKey { name })
            }
            Op::DropIndex { name: index } => self.drop_index_change(name, table, &index.value)?,
            Op::DropPrimaryKey { .. } => self.drop_index_change(name, table, "PRIMARY")?,
            Op::DropConstraint {
                name: constraint,
                if_exists,
                ..
            } => return self.drop_constraint_changes(name, table, &constraint.value, *if_exists),
            Op::AddColumn {
                column_def,
                column_position,
                if_not_exists,
                ..
            } => {
                let column = &column_def.name.value;
                if table.column_by_name(column).is_some() {
                    if *if_not_exists {
                        self.note(Error::duplicate_column(column));
                        return Ok(Vec::new());
                    }
                    return Err(Error::duplicate_column(column));
                }
                sql::limits::column_count(table.columns.len() + 1)?;
                let (def, generated) = sql::create_table::split_generated(column_def);
                let (defined, mut column) = self.define_column(sql, def, table)?;
                // A generated column's value for the rows already there is written by the job.
                if let Some((info, expr)) = generated {
                    sql::create_table::check_added_generated(table, &column, &expr)?;
                    column.generated = Some(info);
                }
                if defined.handle_column.is_some()
                    || !defined.indexes.is_empty()
                    || column.auto_increment
                {
                    return Err(Error::unsupported(
                        "ADD COLUMN with a key or AUTO_INCREMENT",
                    ));
                }
                column.origin_default = sql::dml::origin_default_text(&self.state, &column)?;
                let position = position(column_position.as_ref()).unwrap_or(ColumnPosition::Last);
                let args = JobArgs::AddColumn {
                    column: Box::new(column),
                    position,
                };
                let mut changes = vec![(Action::AddColumn, args)];
                // The column's own CHECK constraints: added once the column is (see
                // `run_changes`), or dropped with TiDB's warning while the switch is off.
                if column_def
                    .options
                    .iter()
                    .any(|o| matches!(o.option, ast::ColumnOption::Check(_)))
                    && defined.checks.is_empty()
                {
                    self.warn(Error::new(
                        1105,
                        "HY000",
                        "the switch of check constraint is off",
                    ));
                }
                // Named against the table's constraints, not the probe's none.
                let mut named = table.clone();
                for mut check in defined.checks {
                    let generated = format!("{}_chk_", table.name.to_lowercase());
                    if check.name.to_lowercase().starts_with(&generated) {
                        check.name = sql::create_table::next_check_name(&named);
                    }
                    named.checks.push(check.clone());
                    let check = JobArgs::AddCheckConstraint { check };
                    changes.push((Action::AddCheckConstraint, check));
                }
                return Ok(changes);
            }
            Op::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                let mut changes = Vec::new();
                for c in column_names {
                    if table.column_by_name(&c.value).is_none() {
                        let missing = Error::new(
                            1091,
                            "42000",
                            format!("Can't DROP '{}'; check that column/key exists", c.value),
                        );
                        if *if_exists {
                            self.note(missing);
                            continue;
                        }
                        return Err(missing);
                    }
                    let (db, _) = split_name(name)?;
                    self.check_drop_column(&self.db_or_current(db)?, table, &c.value)?;
                    let args = JobArgs::DropColumn {
                        name: c.value.clone(),
                    };
                    changes.push((Action::DropColumn, args));
                }
                return Ok(changes);
            }
            Op::ModifyColumn {
                col_name: old_name,
                data_type,
                options,
                column_position,
            }
            | Op::ChangeColumn {
                old_name,
                data_type,
                options,
                column_position,
                ..
            } => {
                let new_name = match op {
                    Op::ChangeColumn { new_name, .. } => new_name,
                    _ => old_name,
                };
                let def = (data_type, options.as_slice(), column_position.as_ref());
                self.modify_column_change(sql, table, &old_name.value, &new_name.value, def)?
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => rename_column_change(table, &old_column_name.value, &new_column_name.value)?,
            Op::RenameTable { table_name } => {
                let new_name = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                };
                self.rename_table_change(name, new_name)?
            }
            Op::AlterColumn { column_name, op } => {
                self.set_default_change(table, &column_name.value, op)?
            }
            Op::AutoIncrement { value, .. } => {
                self.rebase_change(table, &value.value.to_string(), false)?
            }
            other => return Err(Error::unsupported(format!("ALTER TABLE {other}"))),
        };
        Ok(vec![change])
    }

    /// Runs the changes of one statement: one as a job of its kind, several as one
    /// multi-schema change.
    pub(super) fn run_changes(
        &mut self,
        sql: &str,
        name: &ast::ObjectName,
        mut changes: Vec<Change>,
    ) -> Result<()> {
        let builds_index = changes
            .iter()
            .any(|(a, _)| matches!(a, Action::AddIndex | Action::AddPrimaryKey));
        // ADD COLUMN c ... CHECK (...): the column first, then its constraints, each a job of
        // its own (so the constraint's check of the rows sees the column public).
        if changes.len() > 1
            && changes[0].0 == Action::AddColumn
            && changes[1..]
                .iter()
                .all(|(a, _)| *a == Action::AddCheckConstraint)
        {
            for (action, args) in changes {
                let job = self.table_job(sql, name, action, args)?;
                self.run_job(job)?;
            }
            return Ok(());
        }
        let mut job = match changes.len() {
            0 => return Ok(()),
            1 => {
                let (action, args) = changes.remove(0);
                self.table_job(sql, name, action, args)?
            }
            _ => {
                if let Some((action, _)) = changes.iter().find(|(a, _)| !in_multi_schema(*a)) {
                    return Err(Error::new(
                        8200,
                        "HY000",
                        format!("Unsupported multi schema change for {}", action.as_str()),
                    ));
                }
                // Its rows are written by a reorganization of its own, before anything else
                // of the statement could read them.
                let generated = |args: &JobArgs| matches!(args, JobArgs::AddColumn { column, .. } if column.generated.is_some());
                if changes.iter().any(|(_, args)| generated(args)) {
                    return Err(Error::new(
                        8200,
                        "HY000",
                        "Unsupported multi schema change for add generated column",
                    ));
                }
                let subs = changes
                    .into_iter()
                    .map(|(action, args)| SubJob::new(action, args))
                    .collect();
                let info = MultiSchemaInfo {
                    subs,
                    revertible: true,
                };
                let args = JobArgs::MultiSchemaChange(info);
                self.table_job(sql, name, Action::MultiSchemaChange, args)?
            }
        };
        if builds_index {
            // TiDB's backfill choice: ingest with fast reorg on (its default), else txn; an
            // ingest runs as a distributed task when the framework is on (its default too),
            // except inside a multi-schema change, whose builds run one after another here.
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
            job.dist_reorg = fast_reorg
                && dist_task
                && matches!(job.action, Action::AddIndex | Action::AddPrimaryKey);
        }
        self.run_job(job)?;
        Ok(())
    }

    /// CREATE [UNIQUE] INDEX.
    pub(super) fn add_index(
        &mut self,
        sql: &str,
        table: &ast::ObjectName,
        name: &str,
        columns: Vec<IndexPart>,
        unique: bool,
        comment: String,
    ) -> Result<QueryResult> {
        let info = self.table_info(table)?;
        let change = add_index_change(&info, name, columns, unique, comment)?;
        self.run_changes(sql, table, vec![change])?;
        Ok(QueryResult::ok())
    }

    /// DROP INDEX.
    pub(super) fn drop_index(
        &mut self,
        sql: &str,
        table: &ast::ObjectName,
        name: &str,
    ) -> Result<()> {
        let info = self.table_info(table)?;
        let change = self.drop_index_change(table, &info, name)?;
        self.run_changes(sql, table, vec![change])
    }

    /// DROP INDEX `index` of `info` (which `table` names), unless a foreign key needs it.
    pub(super) fn drop_index_change(
        &self,
        table: &ast::ObjectName,
        info: &TableInfo,
        index: &str,
    ) -> Result<Change> {
        let change = drop_index_change(info, index)?;
        if let Some(ix) = info.index_by_name(index) {
            let (db, _) = split_name(table)?;
            self.check_drop_index(&self.db_or_current(db)?, info, ix)?;
        }
        Ok(change)
    }

    /// ADD [CONSTRAINT [name]] FOREIGN KEY: an `add foreign key` job, which checks the
    /// parent and the rows; when no index of the table starts with the constraint's
    /// columns, with the ADD INDEX MySQL makes for it before (one multi-schema change,
    /// so a constraint that fails leaves no index behind either).
    fn add_foreign_key_changes(
        &self,
        table: &TableInfo,
        fk: &ast::ForeignKeyConstraint,
    ) -> Result<Vec<Change>> {
        let n = table.foreign_keys.len() + 1;
        let info = sql::create_table::foreign_key(fk, &table.name, n)?;
        sql::limits::identifier(&info.name)?;
        let mut changes = Vec::new();
        let columns = table.column_offsets(&info.columns);
        if columns.is_some_and(|c| !table.has_index_on(&c)) {
            let name = match sql::create_table::foreign_key_index_name(fk) {
                Some(name) => name,
                None => unused_index_name(table, &info.columns[0]),
            };
            changes.push(add_index_change(
                table,
                &name,
                whole_columns(info.columns.clone()),
                false,
                String::new(),
            )?);
        }
        let args = JobArgs::AddForeignKey {
            fk: Box::new(info),
            checks: self.foreign_key_checks(),
        };
        changes.push((Action::AddForeignKey, args));
        Ok(changes)
    }

    /// RENAME TABLE.
    pub(super) fn rename_table(
        &mut self,
        sql: &str,
        old: &ast::ObjectName,
        new: &ast::ObjectName,
    ) -> Result<()> {
        let change = self.rename_table_change(old, new)?;
        self.run_changes(sql, old, vec![change])
    }

    fn rename_table_change(&self, old: &ast::ObjectName, new: &ast::ObjectName) -> Result<Change> {
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
        Ok((Action::RenameTable, JobArgs::RenameTable { new_name }))
    }

    /// MODIFY / CHANGE COLUMN: the new definition is built as CREATE TABLE would build it,
    /// checked for a metadata-only change here (8200 otherwise), and run as a `modify
    /// column` job.
    fn modify_column_change(
        &self,
        sql: &str,
        info: &TableInfo,
        old_name: &str,
        new_name: &str,
        (data_type, options, column_position): (
            &ast::DataType,
            &[ast::ColumnOption],
            Option<&ast::MySQLColumnPosition>,
        ),
    ) -> Result<Change> {
        let (pos, old) = public_column(info, old_name)?;
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
        let (defined, mut column) = self.define_column(sql, def, info)?;
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
        // An index on a prefix of the column keeps its prefix: the new type must allow it.
        for ix in &info.indexes {
            for (part, _) in ix.columns.iter().enumerate().filter(|(_, &c)| c == pos) {
                sql::create_table::check_index_part(&column, ix.prefix(part))?;
            }
        }
        if old.auto_increment && !column.auto_increment {
            return Err(Error::new(
                8200,
                "HY000",
                "Unsupported modify column: can't remove auto_increment without @@tidb_allow_remove_auto_inc enabled",
            ));
        }
        if ddl::check_modify_column(info, old, &column)? {
            self.check_rewritable(info, old)?;
        }
        let args = JobArgs::ModifyColumn {
            old_name: old.name.clone(),
            column: Box::new(column),
            position: position(column_position),
            reorg: None,
        };
        Ok((Action::ModifyColumn, args))
    }

    /// What a change that rewrites column `old` of `info` must not touch, in TiDB's words:
    /// a column a generated column reads (8200), one a foreign key of another table
    /// references (3780).
    fn check_rewritable(&self, info: &TableInfo, old: &crate::catalog::ColumnInfo) -> Result<()> {
        if sql::create_table::generated_dependent(info, &old.name).is_some() {
            return Err(Error::new(
                8200,
                "HY000",
                format!(
                    "Unsupported modify column: oldCol is a dependent column '{}' for generated column",
                    old.name
                ),
            ));
        }
        let schema = self.schema();
        let Some(db) = schema.databases().into_iter().find(|d| d.id == info.db_id) else {
            return Ok(());
        };
        for (child_db, child) in schema.referencing(&db.name, &info.name) {
            let Some(child) = schema.table(child_db, child) else {
                continue;
            };
            for fk in &child.foreign_keys {
                if !fk.references(child_db, &db.name, &info.name) {
                    continue;
                }
                if let Some(i) = fk
                    .ref_columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(&old.name))
                {
                    return Err(Error::new(
                        3780,
                        "HY000",
                        format!(
                            "Referencing column '{}' and referenced column '{}' in foreign key constraint '{}' are incompatible.",
                            fk.columns.get(i).map_or("", String::as_str),
                            old.name,
                            fk.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// CONVERT TO CHARACTER SET: the table's default and its character columns' collation
    /// (the named one, else the character set's default; `DEFAULT`: the database's),
    /// checked here as the job checks it.
    fn convert_to_change(
        &self,
        name: &ast::ObjectName,
        table: &TableInfo,
        charset: &Option<String>,
        collation: &Option<String>,
    ) -> Result<Change> {
        let to = match charset {
            Some(cs) => sql::collation::resolve(Some(cs), collation.as_deref(), table.collation())?,
            None => {
                let db = self.db_or_current(split_name(name)?.0)?;
                let default = self.schema().database_collation(&db);
                sql::collation::resolve(None, collation.as_deref(), default)?
            }
        };
        ddl::convert_columns_to(&mut table.clone(), to.name())?;
        let args = JobArgs::ModifyTableCharsetAndCollate {
            charset: to.charset().into(),
            collation: to.name().into(),
            convert_columns: true,
        };
        Ok((Action::ModifyTableCharsetAndCollate, args))
    }

    /// The table `name` names, as this session's schema has it.
    fn table_info(&self, name: &ast::ObjectName) -> Result<TableInfo> {
        let (db, tname) = split_name(name)?;
        let db = self.db_or_current(db)?;
        self.schema()
            .table(&db, &tname)
            .map(|t| TableInfo::clone(t))
            .ok_or_else(|| Error::unknown_table(&db, &tname))
    }
}

/// `base`, or `base_2`, `base_3`, ...: the first no index of `table` has (MySQL's names for
/// unnamed indexes).
fn unused_index_name(table: &TableInfo, base: &str) -> String {
    let taken = |n: &str| table.index_by_name(n).is_some() || n.eq_ignore_ascii_case("primary");
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// ADD [UNIQUE] INDEX as written: unnamed, it takes its first column's name.
fn index_definition_change(
    table: &TableInfo,
    name: Option<&ast::Ident>,
    columns: &[ast::IndexColumn],
    unique: bool,
    options: &[ast::IndexOption],
) -> Result<Change> {
    let parts = index_parts(columns)?;
    let name = match (name, parts.first()) {
        (Some(n), _) => n.value.clone(),
        (None, Some(first)) => first.column.clone(),
        (None, None) => return Err(Error::syntax("ADD INDEX without columns")),
    };
    add_index_change(table, &name, parts, unique, index_comment(options))
}

fn add_index_change(
    info: &TableInfo,
    name: &str,
    parts: Vec<IndexPart>,
    unique: bool,
    comment: String,
) -> Result<Change> {
    if info.index_by_name(name).is_some() || name.eq_ignore_ascii_case("primary") {
        return Err(Error::duplicate_key_name(name));
    }
    sql::limits::index_count(info.indexes.len() + 1)?;
    let mut key = Vec::with_capacity(parts.len());
    for part in &parts {
        let Some((_, col)) = info
            .column_by_name(&part.column)
            .filter(|(_, col)| col.state == SchemaState::Public)
        else {
            return Err(Error::new(
                1072,
                "42000",
                format!("Key column '{}' doesn't exist in table", part.column),
            ));
        };
        sql::create_table::check_index_part(col, part.prefix)?;
        key.push((col, part.prefix));
    }
    let index = IndexInfo {
        id: 0,
        name: name.to_string(),
        columns: Vec::new(),
        unique,
        primary: false,
        state: SchemaState::None,
        comment,
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    }
    .with_prefixes(parts.iter().map(|p| p.prefix).collect());
    sql::limits::index(&index, parts.len())?;
    sql::limits::key_length(key)?;
    let made_not_null = Vec::new();
    let columns = parts.into_iter().map(|p| p.column).collect();
    let args = JobArgs::AddIndex {
        index,
        columns,
        made_not_null,
    };
    Ok((Action::AddIndex, args))
}

/// ADD PRIMARY KEY: a unique index named PRIMARY that is not the handle (TiDB's
/// NONCLUSTERED: a table's clustering never changes); its columns become NOT NULL.
fn add_primary_key_change(info: &TableInfo, columns: Vec<String>) -> Result<Change> {
    if info.handle_column.is_some() || info.indexes.iter().any(|i| i.primary) {
        return Err(Error::new(1068, "42000", "Multiple primary key defined"));
    }
    let (
        _,
        JobArgs::AddIndex {
            mut index,
            columns,
            made_not_null,
        },
    ) = add_index_change(
        info,
        "PRIMARY_",
        whole_columns(columns),
        true,
        String::new(),
    )?
    else {
        return Err(Error::internal("an index change without its index"));
    };
    index.name = "PRIMARY".into();
    index.primary = true;
    let args = JobArgs::AddIndex {
        index,
        columns,
        made_not_null,
    };
    Ok((Action::AddPrimaryKey, args))
}

/// The public column `name` of `info` and its offset (1054 otherwise).
pub(super) fn public_column<'a>(
    info: &'a TableInfo,
    name: &str,
) -> Result<(usize, &'a crate::catalog::ColumnInfo)> {
    info.column_by_name(name)
        .filter(|(_, c)| c.state == SchemaState::Public)
        .ok_or_else(|| Error::unknown_column(name, &info.name))
}

/// RENAME COLUMN: a `modify column` job that keeps the column's definition (TiDB's way).
fn rename_column_change(info: &TableInfo, old_name: &str, new_name: &str) -> Result<Change> {
    let (_, old) = public_column(info, old_name)?;
    if !old_name.eq_ignore_ascii_case(new_name) && info.column_by_name(new_name).is_some() {
        return Err(Error::duplicate_column(new_name));
    }
    sql::limits::identifier(new_name)?;
    let mut column = old.clone();
    column.name = new_name.to_string();
    let args = JobArgs::ModifyColumn {
        old_name: old.name.clone(),
        column: Box::new(column),
        position: None,
        reorg: None,
    };
    Ok((Action::ModifyColumn, args))
}

/// The public index `name` of `info` (MySQL's 1176 otherwise).
fn public_index<'a>(info: &'a TableInfo, name: &str) -> Result<&'a IndexInfo> {
    info.index_by_name(name)
        .filter(|ix| ix.state == SchemaState::Public)
        .ok_or_else(|| {
            Error::new(
                1176,
                "42000",
                format!("Key '{name}' doesn't exist in table '{}'", info.name),
            )
        })
}

/// RENAME {INDEX | KEY} from TO to.
fn rename_index_change(info: &TableInfo, from: &str, to: &str) -> Result<Change> {
    public_index(info, from)?;
    if !from.eq_ignore_ascii_case(to)
        && (info.index_by_name(to).is_some() || to.eq_ignore_ascii_case("primary"))
    {
        return Err(Error::duplicate_key_name(to));
    }
    sql::limits::identifier(to)?;
    let args = JobArgs::RenameIndex {
        from: from.to_string(),
        to: to.to_string(),
    };
    Ok((Action::RenameIndex, args))
}

/// ALTER INDEX name {VISIBLE | INVISIBLE}.
fn visibility_change(info: &TableInfo, name: &str, invisible: bool) -> Result<Change> {
    let clustered = info.handle_column.is_some() && name.eq_ignore_ascii_case("primary");
    if clustered || public_index(info, name)?.primary {
        return Err(Error::invisible_primary_key());
    }
    let args = JobArgs::AlterIndexVisibility {
        name: name.to_string(),
        invisible,
    };
    Ok((Action::AlterIndexVisibility, args))
}

fn drop_index_change(info: &TableInfo, name: &str) -> Result<Change> {
    if name.eq_ignore_ascii_case("primary") {
        return drop_primary_key_change(info);
    }
    match info.index_by_name(name) {
        Some(_) => Ok((
            Action::DropIndex,
            JobArgs::DropIndex {
                name: name.to_string(),
            },
        )),
        None => Err(Error::new(
            1091,
            "42000",
            format!("Can't DROP '{name}'; check that column/key exists"),
        )),
    }
}

/// DROP PRIMARY KEY (or DROP INDEX `PRIMARY`): a primary key that is not the handle goes
/// as an index does (its columns stay NOT NULL, as in MySQL); the handle's is TiDB's 8200.
fn drop_primary_key_change(info: &TableInfo) -> Result<Change> {
    if info.handle_column.is_some() {
        return Err(Error::new(
            8200,
            "HY000",
            "Unsupported drop primary key when the table is using clustered index",
        ));
    }
    match info
        .indexes
        .iter()
        .find(|i| i.primary && i.state == SchemaState::Public)
    {
        Some(ix) => Ok((
            Action::DropPrimaryKey,
            JobArgs::DropIndex {
                name: ix.name.clone(),
            },
        )),
        None => Err(Error::new(
            1091,
            "42000",
            "Can't DROP 'PRIMARY'; check that column/key exists",
        )),
    }
}

fn position(p: Option<&ast::MySQLColumnPosition>) -> Option<ColumnPosition> {
    match p? {
        ast::MySQLColumnPosition::First => Some(ColumnPosition::First),
        ast::MySQLColumnPosition::After(c) => Some(ColumnPosition::After(c.value.clone())),
    }
}

/// The kinds a multi-schema change may hold (TiDB's list, as far as moltdb has them).
fn in_multi_schema(action: Action) -> bool {
    matches!(
        action,
        Action::AddColumn
            | Action::DropColumn
            | Action::AddIndex
            | Action::DropIndex
            | Action::AddPrimaryKey
            | Action::DropPrimaryKey
            | Action::ModifyColumn
            | Action::ModifyTableComment
            | Action::ModifyTableCharsetAndCollate
            | Action::AddForeignKey
            | Action::DropForeignKey
            | Action::RenameIndex
            | Action::AlterIndexVisibility
            | Action::RebaseAutoId
            | Action::SetDefaultValue
    )
}

fn is_algorithm_or_lock(op: &ast::AlterTableOperation) -> bool {
    matches!(
        op,
        ast::AlterTableOperation::Algorithm { .. } | ast::AlterTableOperation::Lock { .. }
    )
}

/// TiDB's warning 1846 for an ALGORITHM a change cannot be made with (the change is made
/// anyway, with the algorithm it has): index builds are INPLACE, the rest INSTANT (which
/// also accepts INPLACE). LOCK is accepted and has no effect: no change locks the table.
fn unsupported_algorithm(action: Action, algorithm: &ast::AlterTableAlgorithm) -> Option<Error> {
    use ast::AlterTableAlgorithm as A;
    let (asked, best) = match (
        matches!(action, Action::AddIndex | Action::AddPrimaryKey),
        algorithm,
    ) {
        (_, A::Default) | (true, A::Inplace) | (false, A::Inplace | A::Instant) => return None,
        (true, A::Instant) => ("INSTANT", "INPLACE"),
        (true, A::Copy) => ("COPY", "INPLACE"),
        (false, A::Copy) => ("COPY", "INSTANT"),
    };
    Some(Error::new(
        1846,
        "0A000",
        format!("ALGORITHM={asked} is not supported. Reason: Cannot alter table by {asked}. Try ALGORITHM={best}."),
    ))
}

/// The columns an index definition names (their prefix lengths left out).
pub(super) fn index_columns(cols: &[ast::IndexColumn]) -> Result<Vec<String>> {
    Ok(index_parts(cols)?.into_iter().map(|p| p.column).collect())
}

pub(super) fn index_parts(cols: &[ast::IndexColumn]) -> Result<Vec<IndexPart>> {
    cols.iter().map(sql::create_table::index_part).collect()
}

/// Whole columns as index parts.
fn whole_columns(columns: Vec<String>) -> Vec<IndexPart> {
    columns
        .into_iter()
        .map(|column| IndexPart {
            column,
            prefix: None,
        })
        .collect()
}
