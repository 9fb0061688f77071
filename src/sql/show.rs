//! SHOW statements and DESCRIBE.

use super::context::Context;
use super::error::{Error, Result};
use super::expr::like_match;
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::catalog::{DefaultValue, TableInfo};
use crate::session::variables::{self, Scope};
use crate::types::Value;

fn text_rows(names: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult::Rows(ResultSet {
        columns: names.iter().map(|n| ResultColumn::text(*n)).collect(),
        rows,
    })
}

fn matches(pattern: Option<&str>, s: &str) -> bool {
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
        .map(|d| d.name.clone())
        .collect();
    names.push("information_schema".into());
    names.sort();
    let rows = names
        .into_iter()
        .filter(|n| matches(like, n))
        .map(|n| vec![Value::str(&n)])
        .collect();
    text_rows(&["Database"], rows)
}

pub fn tables(
    ctx: &Context,
    db: Option<&str>,
    full: bool,
    like: Option<&str>,
) -> Result<QueryResult> {
    let db = ctx.database_name(db)?;
    if ctx.schema.database(&db).is_none() {
        return Err(Error::unknown_database(&db));
    }
    let header = format!("Tables_in_{db}");
    let rows = ctx
        .schema
        .tables(&db)
        .into_iter()
        .filter(|t| matches(like, &t.name))
        .map(|t| {
            let mut r = vec![Value::str(&t.name)];
            if full {
                r.push(Value::str("BASE TABLE"));
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
    let (_, info) = ctx.table(db, table)?;
    let rows = info
        .public_columns()
        .map(|(i, c)| {
            let key = key_kind(&info, i);
            let default = match &c.default {
                Some(DefaultValue::Literal(s)) => Value::str(s),
                Some(DefaultValue::CurrentTimestamp) => Value::str("CURRENT_TIMESTAMP"),
                _ => Value::Null,
            };
            let extra = if c.auto_increment {
                "auto_increment"
            } else if matches!(c.default, Some(DefaultValue::CurrentTimestamp)) {
                "DEFAULT_GENERATED"
            } else {
                ""
            };
            vec![
                Value::str(&c.name),
                Value::str(&c.ty.sql_name()),
                Value::str(if c.nullable { "YES" } else { "NO" }),
                Value::str(key),
                default,
                Value::str(extra),
            ]
        })
        .collect();
    Ok(text_rows(
        &["Field", "Type", "Null", "Key", "Default", "Extra"],
        rows,
    ))
}

fn key_kind(info: &TableInfo, col: usize) -> &'static str {
    if info.handle_column == Some(col) {
        return "PRI";
    }
    let first = |unique: bool, primary: bool| {
        info.indexes.iter().any(|ix| {
            ix.columns.first() == Some(&col) && ix.unique == unique && ix.primary == primary
        })
    };
    if first(true, true) {
        "PRI"
    } else if first(true, false) {
        "UNI"
    } else if first(false, false) {
        "MUL"
    } else {
        ""
    }
}

pub fn create_table(ctx: &Context, db: Option<&str>, table: &str) -> Result<QueryResult> {
    let (_, info) = ctx.table(db, table)?;
    Ok(text_rows(
        &["Table", "Create Table"],
        vec![vec![
            Value::str(&info.name),
            Value::str(&create_table_text(&info)),
        ]],
    ))
}

pub fn create_table_text(info: &TableInfo) -> String {
    let mut lines = Vec::new();
    for (_, c) in info.public_columns() {
        let mut s = format!("  `{}` {}", c.name, c.ty.sql_name());
        if !c.nullable {
            s.push_str(" NOT NULL");
        }
        match &c.default {
            Some(DefaultValue::Literal(v)) => {
                s.push_str(&format!(" DEFAULT '{}'", v.replace('\'', "''")))
            }
            Some(DefaultValue::CurrentTimestamp) => s.push_str(" DEFAULT CURRENT_TIMESTAMP"),
            Some(DefaultValue::Null) => s.push_str(" DEFAULT NULL"),
            None if c.nullable && !c.auto_increment => s.push_str(" DEFAULT NULL"),
            None => {}
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
            .map(|&c| format!("`{}`", info.columns[c].name))
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
        if ix.primary {
            lines.push(format!(
                "  PRIMARY KEY ({}) /*T![clustered_index] NONCLUSTERED */",
                names(&ix.columns)
            ));
        } else if ix.unique {
            lines.push(format!(
                "  UNIQUE KEY `{}` ({})",
                ix.name,
                names(&ix.columns)
            ));
        } else {
            lines.push(format!("  KEY `{}` ({})", ix.name, names(&ix.columns)));
        }
    }
    format!(
        "CREATE TABLE `{}` (\n{}\n) ENGINE=InnoDB DEFAULT CHARSET={} COLLATE={}",
        info.name,
        lines.join(",\n"),
        info.charset,
        info.collation
    )
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
    let globals = ctx.node.globals.read();
    let mut rows = Vec::new();
    for (name, scope, _) in globals.all() {
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
