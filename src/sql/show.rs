//! SHOW statements and DESCRIBE.

use super::context::Context;
use super::expr::like_match;
use super::planner::binder::Binder;
use super::planner::scope::{Scope as BindScope, ScopeColumn};
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::catalog::{DefaultValue, SchemaState, TableInfo};
use crate::domain::variables::{self, Scope};
use crate::error::{Error, Result};
use crate::types::collation::Collation;
use crate::types::{DataType, Value};
use sqlparser::ast;

/// `SHOW ... LIKE 'p'` (on the first column, case-insensitive) or `SHOW ... WHERE cond`
/// over a SHOW result.
pub fn filter(
    ctx: &Context,
    result: QueryResult,
    f: Option<&ast::ShowStatementFilter>,
) -> Result<QueryResult> {
    match (f, result) {
        (Some(ast::ShowStatementFilter::Where(cond)), result) => filter_where(ctx, result, cond),
        (Some(ast::ShowStatementFilter::Like(p)), QueryResult::Rows(mut rs)) => {
            rs.rows.retain(|r| {
                r.first()
                    .is_some_and(|v| matches(Some(p), &v.to_string_lossy()))
            });
            Ok(QueryResult::Rows(rs))
        }
        (_, result) => Ok(result),
    }
}

/// `SHOW ... WHERE cond`: the rows of a SHOW result for which `cond`, naming the result's
/// columns, is true.
pub fn filter_where(ctx: &Context, result: QueryResult, cond: &ast::Expr) -> Result<QueryResult> {
    let QueryResult::Rows(mut rs) = result else {
        return Ok(result);
    };
    let scope = BindScope {
        columns: rs
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: String::new(),
                name: c.name.clone(),
                ty: c.ty.clone().unwrap_or(DataType::varchar(64)),
            })
            .collect(),
        outer: None,
        qualified_only: Vec::new(),
    };
    let cond = Binder::new(&scope, ctx.session, "where clause").bind(cond)?;
    let mut kept = Vec::with_capacity(rs.rows.len());
    for row in rs.rows {
        if cond.eval(&row)?.truth() == Some(true) {
            kept.push(row);
        }
    }
    rs.rows = kept;
    Ok(QueryResult::Rows(rs))
}

pub(super) fn text_rows(names: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult::Rows(ResultSet {
        columns: names.iter().map(|n| ResultColumn::text(*n)).collect(),
        rows,
    })
}

/// Whether `s` matches a SHOW statement's LIKE pattern (case-insensitively), if it has one.
pub(crate) fn matches(pattern: Option<&str>, s: &str) -> bool {
    pattern.is_none_or(|p| {
        like_match(
            s.to_lowercase().as_bytes(),
            p.to_lowercase().as_bytes(),
            b'\\',
        )
    })
}

pub fn databases(ctx: &Context, like: Option<&str>) -> QueryResult {
    let mut names: Vec<String> = ctx
        .schema
        .databases()
        .iter()
        .filter(|d| ctx.can_see_db(&d.name))
        .map(|d| d.name.clone())
        .collect();
    names.push(super::infoschema::DB.into());
    if ctx.can_see_db(super::system_tables::DB) {
        names.push(super::system_tables::DB.into());
    }
    names.sort();
    let rows = names
        .into_iter()
        .filter(|n| matches(like, n))
        .map(|n| vec![Value::str(&n)])
        .collect();
    match like {
        // MySQL names the column after the pattern: `Database (shop%)`.
        Some(pattern) => text_rows(&[&format!("Database ({pattern})")], rows),
        None => text_rows(&["Database"], rows),
    }
}

pub fn tables(
    ctx: &Context,
    db: Option<&str>,
    full: bool,
    like: Option<&str>,
) -> Result<QueryResult> {
    let db = ctx.database_name(db)?;
    let virtual_tables = if super::infoschema::is_infoschema(&db) {
        Some((super::infoschema::TABLES, "SYSTEM VIEW"))
    } else if super::system_tables::is_system_db(&db) {
        Some((super::system_tables::TABLES, "BASE TABLE"))
    } else {
        None
    };
    if ctx.schema.database(&db).is_none() && virtual_tables.is_none() {
        return Err(Error::unknown_database(&db));
    }
    let header = format!("Tables_in_{db}");
    let names: Vec<(String, &str)> = if let Some((tables, kind)) = virtual_tables {
        tables.iter().map(|t| (t.to_string(), kind)).collect()
    } else {
        ctx.schema
            .tables(&db)
            .into_iter()
            .filter(|t| ctx.can_see_table(&db, &t.name))
            .map(|t| {
                let kind = if t.view.is_some() {
                    "VIEW"
                } else {
                    "BASE TABLE"
                };
                (t.name.clone(), kind)
            })
            .collect()
    };
    let rows = names
        .into_iter()
        .filter(|(t, _)| matches(like, t))
        .map(|(t, kind)| {
            let mut r = vec![Value::str(&t)];
            if full {
                r.push(Value::str(kind));
            }
            r
        })
        .collect();
    let names: Vec<&str> = if full {
        vec![&header, "Table_type"]
    } else {
        vec![&header]
    };
    Ok(text_rows(&names, rows))
}

pub fn columns(ctx: &Context, db: Option<&str>, table: &str) -> Result<QueryResult> {
    if let Some(system) = system_table(ctx, db, table) {
        let (_, columns) = system?;
        let rows = columns
            .iter()
            .map(|c| {
                // Field, Type, (Collation,) Null, Key, Default, Extra.
                let mut row = system_column(c);
                row.remove(2);
                row.truncate(6);
                row
            })
            .collect();
        return Ok(text_rows(
            &["Field", "Type", "Null", "Key", "Default", "Extra"],
            rows,
        ));
    }
    let (_, info) = ctx.relation(db, table)?;
    let rows = info
        .public_columns()
        .map(|(i, c)| {
            let key = super::infoschema::column_key(&info, i);
            let default = match &c.default {
                Some(DefaultValue::Literal(s)) => Value::str(s),
                Some(DefaultValue::CurrentTimestamp) => Value::str("CURRENT_TIMESTAMP"),
                _ => Value::Null,
            };
            let extra = super::infoschema::extra(c);
            vec![
                Value::str(&c.name),
                Value::str(&c.ty.sql_name()),
                Value::str(if c.nullable { "YES" } else { "NO" }),
                Value::str(key),
                default,
                Value::str(&extra),
            ]
        })
        .collect();
    Ok(text_rows(
        &["Field", "Type", "Null", "Key", "Default", "Extra"],
        rows,
    ))
}

/// SHOW CREATE TABLE (of a view: SHOW CREATE VIEW's answer, as MySQL gives).
pub fn create_table(ctx: &Context, db: Option<&str>, table: &str) -> Result<QueryResult> {
    if let Some(system) = system_table(ctx, db, table) {
        let (name, columns) = system?;
        let n = Names::of(ctx);
        let lines: Vec<String> = columns
            .iter()
            .map(|c| {
                let ty = system_type(c);
                let null = if c.not_null {
                    "NOT NULL"
                } else {
                    "DEFAULT NULL"
                };
                format!("  {} {ty} {null}", n.quote(&c.name))
            })
            .collect();
        let text = format!(
            "CREATE TABLE {} (\n{}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            n.quote(&name),
            lines.join(",\n")
        );
        return Ok(text_rows(
            &["Table", "Create Table"],
            vec![vec![Value::str(&name), Value::str(&text)]],
        ));
    }
    let (db, info) = ctx.relation(db, table)?;
    if info.view.is_some() {
        return create_view(ctx, Some(&db), table);
    }
    // As TiDB: the id after every range reserved, when past 1 (a temporary table's ids
    // live with its session).
    let next_id = match info.auto_increment_column() {
        Some(_) if !info.temporary => Some(ctx.domain.autoid.next_global(info.id)?),
        _ => None,
    };
    Ok(text_rows(
        &["Table", "Create Table"],
        vec![vec![
            Value::str(&info.name),
            Value::str(&create_table_text(
                &info,
                Names::of(ctx),
                next_id.filter(|&n| n > 1),
            )),
        ]],
    ))
}

/// SHOW CREATE VIEW: 1347 for a table.
pub fn create_view(ctx: &Context, db: Option<&str>, name: &str) -> Result<QueryResult> {
    let (db, info) = ctx.relation(db, name)?;
    if info.view.is_none() {
        return Err(super::view::wrong_object(&db, name, "VIEW"));
    }
    Ok(text_rows(
        &[
            "View",
            "Create View",
            "character_set_client",
            "collation_connection",
        ],
        vec![vec![
            Value::str(&info.name),
            Value::str(&super::view::create_text(&info)),
            Value::str("utf8mb4"),
            Value::str("utf8mb4_bin"),
        ]],
    ))
}

/// `CURRENT_TIMESTAMP` with the column's fractional digits, as SHOW CREATE TABLE prints it.
pub fn current_timestamp(ty: &DataType) -> String {
    match ty {
        DataType::DateTime { fsp } | DataType::Timestamp { fsp } if *fsp > 0 => {
            format!("CURRENT_TIMESTAMP({fsp})")
        }
        _ => "CURRENT_TIMESTAMP".into(),
    }
}

/// How SHOW CREATE writes a name: in backticks (doubled inside), or bare where
/// `sql_quote_show_create` is off and the name needs no quotes (MySQL's rule: not a
/// keyword, identifier characters only, not all digits).
#[derive(Debug, Clone, Copy)]
pub struct Names {
    quote_all: bool,
}

impl Names {
    /// The session's choice.
    pub fn of(ctx: &Context) -> Names {
        let off = ctx
            .session
            .system_variable("sql_quote_show_create", false)
            .is_ok_and(|v| v.truth() == Some(false));
        Names { quote_all: !off }
    }

    pub fn quote(self, name: &str) -> String {
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            && !name.chars().all(|c| c.is_ascii_digit())
            && sqlparser::keywords::ALL_KEYWORDS
                .binary_search(&name.to_ascii_uppercase().as_str())
                .is_err();
        if plain && !self.quote_all {
            name.to_string()
        } else {
            format!("`{}`", name.replace('`', "``"))
        }
    }
}

/// The CREATE TABLE statement of `info`, with `AUTO_INCREMENT=` `auto_increment` if given.
pub fn create_table_text(info: &TableInfo, n: Names, auto_increment: Option<i64>) -> String {
    let mut lines = Vec::new();
    for (_, c) in info.public_columns() {
        let mut s = format!("  {} {}", n.quote(&c.name), c.ty.sql_name());
        // A column's collation is spelled out where it is not the table's (as TiDB does).
        if let Some(coll) = c.ty.collation().filter(|&coll| coll != info.collation()) {
            if coll.charset() != info.charset {
                s.push_str(&format!(" CHARACTER SET {}", coll.charset()));
            }
            s.push_str(&format!(" COLLATE {}", coll.name()));
        }
        if let Some(g) = &c.generated {
            let kind = if g.stored { "STORED" } else { "VIRTUAL" };
            s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
        }
        if !c.nullable {
            s.push_str(" NOT NULL");
        }
        match &c.default {
            _ if c.generated.is_some() => {}
            // A BIT default is kept as MySQL spells it: b'101'.
            Some(DefaultValue::Literal(v)) if matches!(c.ty, DataType::Bit { .. }) => {
                s.push_str(&format!(" DEFAULT {v}"))
            }
            Some(DefaultValue::Literal(v)) => {
                s.push_str(&format!(" DEFAULT '{}'", v.replace('\'', "''")))
            }
            Some(DefaultValue::CurrentTimestamp) => {
                s.push_str(&format!(" DEFAULT {}", current_timestamp(&c.ty)))
            }
            Some(DefaultValue::Null) => s.push_str(" DEFAULT NULL"),
            None if c.nullable && !c.auto_increment && !c.no_default => s.push_str(" DEFAULT NULL"),
            None => {}
        }
        if c.on_update_current_timestamp {
            s.push_str(&format!(" ON UPDATE {}", current_timestamp(&c.ty)));
        }
        if c.auto_increment {
            s.push_str(" AUTO_INCREMENT");
        }
        if !c.comment.is_empty() {
            s.push_str(&format!(" COMMENT '{}'", c.comment.replace('\'', "''")));
        }
        lines.push(s);
    }
    let names = |cols: &[usize]| {
        cols.iter()
            .map(|&c| n.quote(&info.columns[c].name))
            .collect::<Vec<_>>()
            .join(",")
    };
    if let Some(h) = info.handle_column {
        lines.push(format!(
            "  PRIMARY KEY ({}) /*T![clustered_index] CLUSTERED */",
            names(&[h])
        ));
    }
    for ix in info
        .indexes
        .iter()
        .filter(|i| i.state == crate::catalog::SchemaState::Public)
    {
        let mut line = match (ix.primary, ix.unique) {
            (true, _) => "  PRIMARY KEY ".to_string(),
            (false, true) => format!("  UNIQUE KEY {} ", n.quote(&ix.name)),
            (false, false) => format!("  KEY {} ", n.quote(&ix.name)),
        };
        let parts: Vec<String> = ix
            .columns
            .iter()
            .enumerate()
            .map(|(pos, &c)| {
                let name = n.quote(&info.columns[c].name);
                match ix.prefix(pos) {
                    Some(len) => format!("{name}({len})"),
                    None => name,
                }
            })
            .collect();
        line.push_str(&format!("({})", parts.join(",")));
        // In TiDB's order, so that a dump restores the index as it is.
        if ix.invisible {
            line.push_str(" /*!80000 INVISIBLE */");
        }
        if !ix.comment.is_empty() {
            line.push_str(&format!(" COMMENT '{}'", ix.comment.replace('\'', "''")));
        }
        if ix.primary {
            line.push_str(" /*T![clustered_index] NONCLUSTERED */");
        }
        lines.push(line);
    }
    for check in info
        .checks
        .iter()
        .filter(|c| c.state == SchemaState::Public)
    {
        let mut line = format!(
            "  CONSTRAINT {} CHECK (({}))",
            n.quote(&check.name),
            check.expr
        );
        if !check.enforced {
            line.push_str(" /*!80016 NOT ENFORCED */");
        }
        lines.push(line);
    }
    for fk in &info.foreign_keys {
        let list = |cols: &[String]| {
            cols.iter()
                .map(|c| n.quote(c))
                .collect::<Vec<_>>()
                .join(",")
        };
        let target = match &fk.ref_db {
            Some(d) => format!("{}.{}", n.quote(d), n.quote(&fk.ref_table)),
            None => n.quote(&fk.ref_table),
        };
        let mut line = format!(
            "  CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {target} ({})",
            n.quote(&fk.name),
            list(&fk.columns),
            list(&fk.ref_columns)
        );
        for (word, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
            if action != "NO ACTION" {
                line.push_str(&format!(" ON {word} {action}"));
            }
        }
        lines.push(line);
    }
    let mut text = format!(
        "CREATE {}TABLE {} (\n{}\n) ENGINE=InnoDB DEFAULT CHARSET={} COLLATE={}",
        if info.temporary { "TEMPORARY " } else { "" },
        n.quote(&info.name),
        lines.join(",\n"),
        info.charset,
        info.collation
    );
    if let Some(next) = auto_increment {
        text.push_str(&format!(" AUTO_INCREMENT={next}"));
    }
    if !info.comment.is_empty() {
        text.push_str(&format!(" COMMENT='{}'", info.comment.replace('\'', "''")));
    }
    text
}

pub fn warnings(warnings: &[super::context::Warning]) -> QueryResult {
    QueryResult::Rows(ResultSet {
        columns: vec![
            ResultColumn::text("Level"),
            ResultColumn::bigint("Code"),
            ResultColumn::text("Message"),
        ],
        rows: warnings
            .iter()
            .map(|w| {
                vec![
                    Value::str(w.level),
                    Value::Int(i64::from(w.code)),
                    Value::str(&w.message),
                ]
            })
            .collect(),
    })
}

pub fn variables(ctx: &Context, global: bool, like: Option<&str>) -> Result<QueryResult> {
    // The names first, the guard dropped: reading a value takes the lock again, and a
    // second read lock waits behind a writer that waits for the first (a deadlock).
    let names: Vec<(&'static str, Scope)> = {
        let globals = ctx.domain.globals.read();
        globals.all().into_iter().map(|(n, s, _)| (n, s)).collect()
    };
    let mut rows = Vec::new();
    for (name, scope) in names {
        if !matches(like, name) || (global && scope == Scope::Session) {
            continue;
        }
        let v = ctx
            .session
            .system_variable(name, global && scope != Scope::Instance)?;
        rows.push(vec![
            Value::str(name),
            Value::str(&variables::display(name, &v)),
        ]);
    }
    Ok(text_rows(&["Variable_name", "Value"], rows))
}

fn like_rows(
    names: &[&str],
    rows: impl IntoIterator<Item = Vec<Value>>,
    like: Option<&str>,
) -> QueryResult {
    let rows = rows
        .into_iter()
        .filter(|r| matches(like, &r[0].to_string_lossy()))
        .collect();
    text_rows(names, rows)
}

/// SHOW FULL COLUMNS: DESCRIBE's columns plus Collation, Privileges and Comment.
pub fn full_columns(ctx: &Context, db: Option<&str>, table: &str) -> Result<QueryResult> {
    let rows = match system_table(ctx, db, table) {
        Some(system) => system?.1.iter().map(system_column).collect(),
        None => columns_of(&ctx.relation(db, table)?.1),
    };
    Ok(text_rows(
        &[
            "Field",
            "Type",
            "Collation",
            "Null",
            "Key",
            "Default",
            "Extra",
            "Privileges",
            "Comment",
        ],
        rows,
    ))
}

/// The tables of `information_schema` and `mysql`, which moltdb serves without a definition
/// in the catalog: their name as they spell it and their columns (their rows are not read);
/// `None` for a table of another database.
fn system_table(
    ctx: &Context,
    db: Option<&str>,
    table: &str,
) -> Option<Result<(String, Vec<ResultColumn>)>> {
    let db = ctx.database_name(db).ok()?;
    let columns = if super::infoschema::is_infoschema(&db) {
        super::infoschema::result_columns(table)
    } else if super::system_tables::is_system_db(&db) {
        super::system_tables::result_columns(table)
    } else {
        return None;
    };
    Some(
        columns
            .map(|columns| {
                let name = columns
                    .first()
                    .map_or_else(|| table.to_string(), |c| c.org_table.clone());
                (name, columns)
            })
            .ok_or_else(|| Error::unknown_table(&db, table)),
    )
}

/// A system table's column's type (a NULL-only column as text).
fn system_type(c: &ResultColumn) -> String {
    c.ty.as_ref()
        .map_or_else(|| "varchar(256)".into(), DataType::sql_name)
}

/// SHOW FULL COLUMNS' row of a system table's column (read only: no key, no default).
fn system_column(c: &ResultColumn) -> Vec<Value> {
    let text = c.ty.as_ref().is_none_or(DataType::is_text);
    vec![
        Value::str(&c.name),
        Value::str(&system_type(c)),
        if text {
            Value::str("utf8mb4_bin")
        } else {
            Value::Null
        },
        Value::str(if c.not_null { "NO" } else { "YES" }),
        Value::str(""),
        Value::Null,
        Value::str(""),
        Value::str("select"),
        Value::str(""),
    ]
}

/// SHOW FULL COLUMNS' rows of a table of the catalog.
fn columns_of(info: &TableInfo) -> Vec<Vec<Value>> {
    use super::infoschema::{column_key, default_text, extra};
    info.public_columns()
        .map(|(i, c)| {
            vec![
                Value::str(&c.name),
                Value::str(&c.ty.sql_name()),
                match c.ty.collation() {
                    Some(coll) => Value::str(coll.name()),
                    None if c.ty.is_text() => Value::str(&info.collation),
                    None => Value::Null,
                },
                Value::str(if c.nullable { "YES" } else { "NO" }),
                Value::str(column_key(info, i)),
                default_text(&c.default)
                    .map(|d| Value::str(&d))
                    .unwrap_or(Value::Null),
                Value::str(&extra(c)),
                Value::str("select,insert,update,references"),
                Value::str(&c.comment),
            ]
        })
        .collect()
}

/// SHOW INDEX / INDEXES / KEYS.
pub fn index(ctx: &Context, db: Option<&str>, table: &str) -> Result<QueryResult> {
    let (_, info) = ctx.relation(db, table)?;
    let mut rows = Vec::new();
    for ix in super::infoschema::indexes(&info) {
        for (seq, &c) in ix.columns.iter().enumerate() {
            let col = &info.columns[c];
            rows.push(vec![
                Value::str(&info.name),
                Value::Int(i64::from(!ix.unique)),
                Value::str(&ix.name),
                Value::Int(seq as i64 + 1),
                Value::str(&col.name),
                Value::str("A"),
                Value::Int(0),
                ix.sub_part(seq),
                Value::Null,
                Value::str(if col.nullable { "YES" } else { "" }),
                Value::str("BTREE"),
                Value::str(""),
                Value::str(&ix.comment),
                Value::str(if ix.visible { "YES" } else { "NO" }),
                Value::Null,
            ]);
        }
    }
    let mut rs = text_rows(
        &[
            "Table",
            "Non_unique",
            "Key_name",
            "Seq_in_index",
            "Column_name",
            "Collation",
            "Cardinality",
            "Sub_part",
            "Packed",
            "Null",
            "Index_type",
            "Comment",
            "Index_comment",
            "Visible",
            "Expression",
        ],
        rows,
    );
    if let QueryResult::Rows(r) = &mut rs {
        for i in [1, 3, 6, 7] {
            r.columns[i] = ResultColumn::bigint(r.columns[i].name.clone());
        }
    }
    Ok(rs)
}

pub fn create_database(ctx: &Context, name: &str) -> Result<QueryResult> {
    if super::infoschema::is_infoschema(name) {
        return Ok(text_rows(
            &["Database", "Create Database"],
            vec![vec![
                Value::str(super::infoschema::DB),
                Value::str("CREATE DATABASE `information_schema` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */"),
            ]],
        ));
    }
    let db = ctx
        .schema
        .database(name)
        .ok_or_else(|| Error::unknown_database(name))?;
    let info = &db.info;
    Ok(text_rows(
        &["Database", "Create Database"],
        vec![vec![
            Value::str(&info.name),
            Value::str(&format!(
                "CREATE DATABASE {} /*!40100 DEFAULT CHARACTER SET {} COLLATE {} */",
                Names::of(ctx).quote(&info.name),
                info.charset,
                info.collation
            )),
        ]],
    ))
}

pub fn table_status(ctx: &Context, db: Option<&str>, like: Option<&str>) -> Result<QueryResult> {
    let db = ctx.database_name(db)?;
    if ctx.schema.database(&db).is_none() {
        return Err(Error::unknown_database(&db));
    }
    let visible = ctx.schema.tables(&db).into_iter();
    let rows = visible
        .filter(|t| ctx.can_see_table(&db, &t.name))
        .map(|t| {
            let next_id = match t.auto_increment_column() {
                Some(_) => Value::Int(ctx.domain.autoid.next_global(t.id)?),
                None => Value::Null,
            };
            Ok(vec![
                Value::str(&t.name),
                Value::str("InnoDB"),
                Value::Int(10),
                Value::str("Dynamic"),
                Value::Int(ctx.estimated_rows(t.id)),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                next_id,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::str(&t.collation),
                Value::Null,
                Value::str(""),
                Value::str(&t.comment),
            ])
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(like_rows(
        &[
            "Name",
            "Engine",
            "Version",
            "Row_format",
            "Rows",
            "Avg_row_length",
            "Data_length",
            "Max_data_length",
            "Index_length",
            "Data_free",
            "Auto_increment",
            "Create_time",
            "Update_time",
            "Check_time",
            "Collation",
            "Checksum",
            "Create_options",
            "Comment",
        ],
        rows,
        like,
    ))
}

pub fn engines() -> QueryResult {
    text_rows(
        &[
            "Engine",
            "Support",
            "Comment",
            "Transactions",
            "XA",
            "Savepoints",
        ],
        super::infoschema::ENGINES
            .iter()
            .map(|e| e.iter().map(|v| Value::str(v)).collect())
            .collect(),
    )
}

pub fn collation(like: Option<&str>) -> QueryResult {
    let mut rs = like_rows(
        &[
            "Collation",
            "Charset",
            "Id",
            "Default",
            "Compiled",
            "Sortlen",
            "Pad_attribute",
        ],
        Collation::all().map(super::infoschema::collation_row),
        like,
    );
    if let QueryResult::Rows(r) = &mut rs {
        for i in [2, 5] {
            r.columns[i] = ResultColumn::bigint(r.columns[i].name.clone());
        }
    }
    rs
}

pub fn charset(like: Option<&str>) -> QueryResult {
    let mut rs = like_rows(
        &["Charset", "Description", "Default collation", "Maxlen"],
        super::infoschema::CHARSETS
            .iter()
            .map(|(n, c, d, m)| vec![Value::str(n), Value::str(d), Value::str(c), Value::Int(*m)]),
        like,
    );
    if let QueryResult::Rows(r) = &mut rs {
        r.columns[3] = ResultColumn::bigint("Maxlen");
    }
    rs
}

/// SHOW [GLOBAL|SESSION] STATUS: the counters drivers and tools look for.
/// SHOW STATUS; `ssl` is the connection's TLS version and cipher, if it has TLS.
pub fn status(ctx: &Context, like: Option<&str>, ssl: Option<(&str, &str)>) -> QueryResult {
    let uptime = ctx.domain.processes.uptime_secs();
    let threads = ctx.domain.processes.list().len();
    let rows = [
        ("Aborted_clients", "0".to_string()),
        ("Aborted_connects", "0".to_string()),
        ("Com_commit", "0".to_string()),
        ("Com_rollback", "0".to_string()),
        ("Connections", threads.to_string()),
        ("Questions", "0".to_string()),
        (
            "Ssl_cipher",
            ssl.map(|s| s.1).unwrap_or_default().to_string(),
        ),
        (
            "Ssl_version",
            ssl.map(|s| s.0).unwrap_or_default().to_string(),
        ),
        ("Threads_connected", threads.to_string()),
        ("Threads_running", "1".to_string()),
        ("Uptime", uptime.to_string()),
    ];
    like_rows(
        &["Variable_name", "Value"],
        rows.iter().map(|(n, v)| vec![Value::str(n), Value::str(v)]),
        like,
    )
}

pub fn processlist(ctx: &Context, full: bool) -> QueryResult {
    let mut rs = text_rows(
        &[
            "Id", "User", "Host", "db", "Command", "Time", "State", "Info",
        ],
        ctx.domain
            .processes
            .list()
            .into_iter()
            .filter(|p| ctx.can_see_process(&p.user))
            .map(|p| {
                let info = p.info.map(|i| {
                    if full {
                        i
                    } else {
                        i.chars().take(100).collect()
                    }
                });
                vec![
                    Value::Int(i64::from(p.id)),
                    Value::str(&p.user),
                    Value::str(&p.host),
                    p.db.map(|d| Value::str(&d)).unwrap_or(Value::Null),
                    Value::str(&p.command),
                    Value::Int(p.time),
                    Value::str(&p.state),
                    info.map(|i| Value::str(&i)).unwrap_or(Value::Null),
                ]
            })
            .collect(),
    );
    if let QueryResult::Rows(r) = &mut rs {
        r.columns[0] = ResultColumn::bigint("Id");
        r.columns[5] = ResultColumn::bigint("Time");
    }
    rs
}
