//! Views: CREATE VIEW records the SELECT (its table names qualified by database) and the
//! columns it returns, as a table without rows whose `view` holds the query; a query that
//! names the view plans that SELECT as a derived table (`planner::from`). Views are read
//! only here: writing through one is refused (1347), as is any DDL that needs a base table.

use std::cell::Cell;
use std::ops::ControlFlow;

use sqlparser::ast;

use super::context::{split_name, Context};
use super::parser;
use super::planner::select::plan;
use crate::catalog::{ColumnInfo, SchemaState, TableInfo, ViewInfo};
use crate::error::{Error, Result};
use crate::types::DataType;

/// How deeply views may name views (MySQL refuses a definition that names itself; this
/// bounds what a replaced view could still reach).
const MAX_DEPTH: u32 = 32;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The view `CREATE VIEW db.name ...` defines: checked by planning its query now.
pub fn define(
    ctx: &Context,
    sql: &str,
    cv: &ast::CreateView,
    db: &str,
    name: &str,
) -> Result<TableInfo> {
    let mut query = (*cv.query).clone();
    let ctes = cte_names(&query);
    let current = ctx.session.current_db();
    let mut missing_db = false;
    let mut recursive = false;
    let _ = ast::visit_relations_mut(&mut query, |relation| {
        let is_cte = relation
            .0
            .first()
            .and_then(|p| p.as_ident())
            .is_some_and(|i| ctes.iter().any(|c| c.eq_ignore_ascii_case(&i.value)));
        if relation.0.len() == 1 && !is_cte {
            match &current {
                Some(d) => relation.0.insert(
                    0,
                    ast::ObjectNamePart::Identifier(ast::Ident::with_quote('`', d)),
                ),
                None => missing_db = true,
            }
        }
        if let Ok((Some(d), t)) = split_name(relation) {
            recursive |= d.eq_ignore_ascii_case(db) && t.eq_ignore_ascii_case(name);
        }
        ControlFlow::<()>::Continue(())
    });
    if missing_db {
        return Err(Error::no_database());
    }
    if recursive {
        return Err(recursion(db, name));
    }
    let planned = plan(ctx, sql, &query)?.columns();
    if !cv.columns.is_empty() && cv.columns.len() != planned.len() {
        return Err(Error::new(
            1353,
            "HY000",
            "In definition of view, derived table or common table expression, SELECT list and column names list have different column counts",
        ));
    }
    let mut columns: Vec<ColumnInfo> = Vec::with_capacity(planned.len());
    for (i, rc) in planned.iter().enumerate() {
        let col_name = cv
            .columns
            .get(i)
            .map_or_else(|| rc.name.clone(), |c| c.name.value.clone());
        if columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&col_name))
        {
            return Err(Error::duplicate_column(&col_name));
        }
        let ty = rc.ty.clone().unwrap_or(DataType::Binary {
            len: 0,
            varying: false,
        });
        columns.push(ColumnInfo {
            nullable: !rc.not_null,
            ..ColumnInfo::new(i as u64 + 1, col_name, ty)
        });
    }
    let params = cv.params.as_ref();
    Ok(TableInfo {
        id: 0,
        db_id: 0,
        name: name.to_string(),
        next_column_id: columns.len() as u64 + 1,
        columns,
        indexes: Vec::new(),
        handle_column: None,
        next_index_id: 1,
        comment: String::new(),
        charset: "utf8mb4".into(),
        collation: "utf8mb4_bin".into(),
        state: SchemaState::Public,
        foreign_keys: Vec::new(),
        temporary: false,
        checks: Vec::new(),
        auto_id_rebases: 0,
        view: Some(ViewInfo {
            query: query.to_string(),
            algorithm: params
                .and_then(|p| p.algorithm.as_ref())
                .map_or_else(|| "UNDEFINED".into(), ToString::to_string),
            definer: params
                .and_then(|p| p.definer.as_ref())
                .map_or_else(|| definer(&ctx.session.user()), ToString::to_string),
            security: params
                .and_then(|p| p.security.as_ref())
                .map_or_else(|| "DEFINER".into(), ToString::to_string),
            check_option: "NONE".into(),
        }),
    })
}

/// The names every WITH clause of `query` defines (they are not tables to qualify).
fn cte_names(query: &ast::Query) -> Vec<String> {
    struct Names(Vec<String>);
    impl ast::Visitor for Names {
        type Break = ();
        fn pre_visit_query(&mut self, q: &ast::Query) -> ControlFlow<()> {
            if let Some(with) = &q.with {
                self.0
                    .extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(Vec::new());
    let _ = ast::Visit::visit(query, &mut names);
    names.0
}

/// The account of `user@host` as a DEFINER clause writes it (accounts are any host).
fn definer(user: &str) -> String {
    let name = user.split_once('@').map_or(user, |(u, _)| u);
    format!("`{name}`@`%`")
}

fn recursion(db: &str, name: &str) -> Error {
    Error::new(
        1462,
        "HY000",
        format!("`{db}`.`{name}` contains view recursion"),
    )
}

/// The query of view `db.info`, to plan in place of its name; `enter` runs with the view's
/// nesting counted (1462 past `MAX_DEPTH`).
pub fn expand<T>(
    db: &str,
    info: &TableInfo,
    enter: impl FnOnce(&ast::Query) -> Result<T>,
) -> Result<T> {
    let Some(view) = &info.view else {
        return Err(Error::internal("not a view"));
    };
    let mut stmts = parser::parse(&view.query)?;
    let Some(ast::Statement::Query(query)) = stmts.pop() else {
        return Err(Error::internal("a view's query does not parse"));
    };
    let depth = DEPTH.with(|d| {
        let n = d.get() + 1;
        d.set(n);
        n
    });
    let result = if depth > MAX_DEPTH {
        Err(recursion(db, &info.name))
    } else {
        enter(&query)
    };
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result
}

/// SHOW CREATE VIEW's text.
pub fn create_text(info: &TableInfo) -> String {
    let Some(view) = &info.view else {
        return String::new();
    };
    let columns: Vec<String> = info
        .columns
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect();
    format!(
        "CREATE ALGORITHM={} DEFINER={} SQL SECURITY {} VIEW `{}` ({}) AS {}",
        view.algorithm,
        view.definer,
        view.security,
        info.name,
        columns.join(", "),
        view.query
    )
}

/// 1347 for a view where a base table is needed (or the reverse).
pub fn wrong_object(db: &str, name: &str, wanted: &str) -> Error {
    Error::new(1347, "HY000", format!("'{db}.{name}' is not {wanted}"))
}
