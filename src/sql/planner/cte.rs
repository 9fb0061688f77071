//! Common table expressions (`WITH a AS (...), b AS (...) SELECT ...`): each name a query's
//! WITH clause gives is planned, like a derived table, wherever its FROM (or a subquery's)
//! names it; a CTE sees the ones defined before it. `WITH RECURSIVE` is not supported yet.
//!
//! The names in scope are kept per planning thread, a frame per WITH clause being planned,
//! innermost last.

use std::cell::RefCell;

use sqlparser::ast;

use crate::error::{Error, Result};

struct Frame {
    ctes: Vec<ast::Cte>,
    /// While a CTE's own query is planned, only the ones before it are visible.
    visible: usize,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Plans `body` with the CTEs of `with` in scope.
pub fn with_scope<T>(with: &ast::With, body: impl FnOnce() -> Result<T>) -> Result<T> {
    if with.recursive {
        return Err(Error::unsupported("WITH RECURSIVE"));
    }
    for (i, cte) in with.cte_tables.iter().enumerate() {
        let name = &cte.alias.name.value;
        if with.cte_tables[..i]
            .iter()
            .any(|c| c.alias.name.value.eq_ignore_ascii_case(name))
        {
            return Err(Error::new(
                1066,
                "42000",
                format!("Not unique table/alias: '{name}'"),
            ));
        }
    }
    FRAMES.with(|f| {
        f.borrow_mut().push(Frame {
            ctes: with.cte_tables.clone(),
            visible: with.cte_tables.len(),
        })
    });
    let result = body();
    FRAMES.with(|f| f.borrow_mut().pop());
    result
}

/// If `name` is a CTE in scope, plans its query with `plan` (inside the scope it was defined
/// in) and returns the result with the CTE's column names, if it gave any.
pub fn expand<T>(
    name: &str,
    plan: impl FnOnce(&ast::Query) -> Result<T>,
) -> Option<Result<(T, Vec<String>)>> {
    let (depth, index, cte) = FRAMES.with(|f| {
        let frames = f.borrow();
        frames.iter().enumerate().rev().find_map(|(d, frame)| {
            frame.ctes[..frame.visible]
                .iter()
                .rposition(|c| c.alias.name.value.eq_ignore_ascii_case(name))
                .map(|i| (d, i, frame.ctes[i].clone()))
        })
    })?;
    // The CTE's query sees the frames around its WITH and the CTEs before it.
    let saved = FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        let inner = frames.split_off(depth + 1);
        let visible = std::mem::replace(&mut frames[depth].visible, index);
        (inner, visible)
    });
    let planned = plan(&cte.query);
    FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        frames[depth].visible = saved.1;
        frames.extend(saved.0);
    });
    let columns = cte
        .alias
        .columns
        .iter()
        .map(|c| c.name.value.clone())
        .collect();
    Some(planned.map(|p| (p, columns)))
}
