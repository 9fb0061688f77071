//! Common table expressions (`WITH a AS (...), b AS (...) SELECT ...`): each name a query's
//! WITH clause gives is planned, like a derived table, wherever its FROM (or a subquery's)
//! names it; a CTE sees the ones defined before it.
//!
//! `WITH RECURSIVE r AS (seed UNION [ALL] step)`: `step` names `r`, which there reads the
//! rows the previous round produced (a [`WorkTable`]); rounds run until one produces no
//! (new) row, at most `cte_max_recursion_depth` of them (MySQL's 3636 past it).
//!
//! The names in scope are kept per planning thread, a frame per WITH clause being planned,
//! innermost last.

use std::cell::RefCell;
use std::sync::Arc;

use sqlparser::ast;

use super::query::QueryPlan;
use crate::error::{Error, Result};
use crate::sql::result::ResultColumn;
use crate::types::Value;

struct Frame {
    ctes: Vec<ast::Cte>,
    recursive: bool,
    /// While a CTE's own query is planned, only the ones before it are visible.
    visible: usize,
    /// The recursive CTE whose step is being planned: its name reads this work table.
    work: Option<(String, Arc<WorkTable>)>,
}

/// The rows of the previous round of a recursive CTE, read by its step.
#[derive(Debug, Default)]
pub struct WorkTable {
    pub columns: Vec<ResultColumn>,
    pub rows: parking_lot::Mutex<Arc<Vec<Vec<Value>>>>,
}

/// A recursive CTE, planned: the seed, the step reading `work`, UNION or UNION ALL.
pub struct RecursivePlan {
    pub seed: QueryPlan,
    pub step: QueryPlan,
    pub work: Arc<WorkTable>,
    pub distinct: bool,
}

/// What a CTE name in FROM stands for.
pub enum Expanded {
    Query(QueryPlan),
    Recursive(RecursivePlan),
    Work(Arc<WorkTable>),
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Plans `body` with the CTEs of `with` in scope.
pub fn with_scope<T>(with: &ast::With, body: impl FnOnce() -> Result<T>) -> Result<T> {
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
            recursive: with.recursive,
            visible: with.cte_tables.len(),
            work: None,
        })
    });
    let result = body();
    FRAMES.with(|f| f.borrow_mut().pop());
    result
}

/// If `name` is a CTE in scope, plans what it stands for with `plan` (inside the scope it
/// was defined in), with the CTE's column names, if it gave any.
pub fn expand(
    name: &str,
    plan: &dyn Fn(&ast::Query) -> Result<QueryPlan>,
) -> Option<Result<(Expanded, Vec<String>)>> {
    enum Found {
        Work(Arc<WorkTable>),
        Cte(usize, usize, Box<ast::Cte>, bool),
    }
    let found = FRAMES.with(|f| {
        let frames = f.borrow();
        frames.iter().enumerate().rev().find_map(|(d, frame)| {
            if let Some((n, work)) = &frame.work {
                if n.eq_ignore_ascii_case(name) {
                    return Some(Found::Work(work.clone()));
                }
            }
            frame.ctes[..frame.visible]
                .iter()
                .rposition(|c| c.alias.name.value.eq_ignore_ascii_case(name))
                .map(|i| Found::Cte(d, i, Box::new(frame.ctes[i].clone()), frame.recursive))
        })
    })?;
    let (depth, index, cte, recursive) = match found {
        Found::Work(work) => return Some(Ok((Expanded::Work(work), Vec::new()))),
        Found::Cte(d, i, cte, r) => (d, i, cte, r),
    };
    // The CTE's query sees the frames around its WITH and the CTEs before it.
    let saved = FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        let inner = frames.split_off(depth + 1);
        let visible = std::mem::replace(&mut frames[depth].visible, index);
        // A recursive step being planned in this frame keeps its work table afterwards.
        let work = frames[depth].work.take();
        (inner, visible, work)
    });
    let planned = match recursion(&cte) {
        Some((seed, step, distinct)) if recursive => {
            plan_recursive(depth, &cte, seed, step, distinct, plan)
        }
        _ => plan(&cte.query).map(Expanded::Query),
    };
    FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        frames[depth].visible = saved.1;
        frames[depth].work = saved.2;
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

/// `seed UNION [ALL] step` where `step` names the CTE: (seed, step, UNION DISTINCT).
fn recursion(cte: &ast::Cte) -> Option<(&ast::SetExpr, &ast::SetExpr, bool)> {
    let ast::SetExpr::SetOperation {
        op: ast::SetOperator::Union,
        set_quantifier,
        left,
        right,
    } = cte.query.body.as_ref()
    else {
        return None;
    };
    let name = &cte.alias.name.value;
    let mut names_it = false;
    let _ = ast::visit_relations(right.as_ref(), |r| {
        if r.0.len() == 1
            && r.0[0]
                .as_ident()
                .is_some_and(|i| i.value.eq_ignore_ascii_case(name))
        {
            names_it = true;
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    let distinct = !matches!(set_quantifier, ast::SetQuantifier::All);
    names_it.then_some((left.as_ref(), right.as_ref(), distinct))
}

fn plan_recursive(
    depth: usize,
    cte: &ast::Cte,
    seed: &ast::SetExpr,
    step: &ast::SetExpr,
    distinct: bool,
    plan: &dyn Fn(&ast::Query) -> Result<QueryPlan>,
) -> Result<Expanded> {
    // Each part alone: the CTE's ORDER BY / LIMIT (if any) would apply to the whole union.
    let query = |body: &ast::SetExpr| ast::Query {
        body: Box::new(body.clone()),
        with: None,
        order_by: None,
        limit_clause: None,
        ..(*cte.query).clone()
    };
    let seed = plan(&query(seed))?;
    let mut columns = seed.columns();
    for (c, name) in columns.iter_mut().zip(&cte.alias.columns) {
        c.name = name.name.value.clone();
    }
    let work = Arc::new(WorkTable {
        columns,
        rows: Default::default(),
    });
    FRAMES
        .with(|f| f.borrow_mut()[depth].work = Some((cte.alias.name.value.clone(), work.clone())));
    let step = plan(&query(step))?;
    if step.columns().len() != work.columns.len() {
        return Err(Error::new(
            1222,
            "21000",
            "The used SELECT statements have a different number of columns",
        ));
    }
    Ok(Expanded::Recursive(RecursivePlan {
        seed,
        step,
        work,
        distinct,
    }))
}
