//! The FROM clause: its tables and derived tables ("factors"), joined left to right, and
//! where each condition of ON and WHERE is applied.
//!
//! A FROM row is the concatenation of the factors' columns. Conditions are split into
//! conjuncts and applied as early as the join semantics allow: a conjunct on one table is
//! read into that table's access path (so an index serves it), a conjunct over the tables
//! joined so far becomes the join condition of the step that completes it. Nothing moves
//! past a RIGHT JOIN, which would turn filtered rows into NULL-extended ones.

use std::sync::Arc;

use sqlparser::ast;

use super::binder::Binder;
use super::query::{plan_query, Planner, QueryPlan};
use super::rewrite::conjuncts;
use super::scope::{Scope, ScopeColumn};
use super::select::{column_output, Source};
use crate::error::{Error, Result};
use crate::sql::context::split_name;
use crate::sql::expr::{BinOp, Expr};
use crate::sql::result::ResultColumn;

/// Where a factor's rows come from.
pub enum FactorSource {
    Table(Box<Source>),
    /// A subquery in FROM, materialized when the query runs.
    Derived(Arc<QueryPlan>),
    /// An information_schema table, materialized from the schema snapshot at plan time.
    Virtual(Arc<Vec<Vec<crate::types::Value>>>),
    /// A recursive CTE, run round by round when the query runs.
    Recursive(Arc<super::cte::RecursivePlan>),
    /// Inside a recursive CTE's step: the rows of the previous round.
    Work(Arc<super::cte::WorkTable>),
    /// JSON_TABLE: rows made from a document that may read the factors before it (made
    /// again for every row joined to it).
    JsonTable(Arc<super::json_table::JsonTablePlan>),
}

/// One table or derived table of the FROM clause.
pub struct Factor {
    pub alias: String,
    /// Offset of the factor's first column in the FROM row.
    pub offset: usize,
    pub width: usize,
    /// The leading columns `SELECT *` lists (a table's hidden handle follows them).
    pub visible: usize,
    pub source: FactorSource,
    /// Conjuncts over the factor's own columns (offsets relative to the factor).
    pub filter: Vec<Expr>,
    columns: Vec<ResultColumn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
}

/// How a step finds the right rows matching a left row.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinMethod {
    /// The right table's access path, per left row, with the left values as constants:
    /// an index or handle lookup when the join key is indexed.
    Index,
    /// A hash table on equality keys: left-row expressions and right-factor expressions.
    Hash { left: Vec<Expr>, right: Vec<Expr> },
    /// Every pair.
    Loop,
}

/// Joining factor `k + 1` to the rows of factors `0..=k`.
pub struct JoinStep {
    pub kind: JoinKind,
    /// The join condition, over the FROM row prefix that ends with the right factor.
    pub on: Vec<Expr>,
    /// WHERE conjuncts applied right after an outer join.
    pub post: Vec<Expr>,
    pub method: JoinMethod,
}

pub struct FromPlan {
    pub factors: Vec<Factor>,
    /// `steps[k]` joins `factors[k + 1]`.
    pub steps: Vec<JoinStep>,
    /// Every column of the FROM row, inside the enclosing query's scope.
    pub scope: Scope,
    /// The factors in the order the query names them (`SELECT *` lists their columns so),
    /// which differs from `factors` once the joins are reordered.
    pub written: Vec<usize>,
    /// `SELECT *`'s columns once a USING or NATURAL join set them (MySQL lists the merged
    /// columns first); `None`: every factor's visible columns in written order.
    star: Option<Vec<usize>>,
    /// True when the factors may be joined in another order: only inner joins with ON
    /// conditions (or none), no STRAIGHT_JOIN, USING or NATURAL.
    reorderable: bool,
}

impl FromPlan {
    pub fn plan(
        p: &Planner,
        from: &[ast::TableWithJoins],
        outer: Option<&Scope>,
    ) -> Result<FromPlan> {
        let mut plan = FromPlan::empty(outer);
        for twj in from {
            plan.add_joins(p, twj)?;
        }
        Ok(plan)
    }

    /// Adds a table and the tables joined to it, left to right.
    fn add_joins(&mut self, p: &Planner, twj: &ast::TableWithJoins) -> Result<()> {
        self.add_relation(p, &twj.relation, JoinKind::Inner, None)?;
        for join in &twj.joins {
            use ast::JoinOperator as J;
            let (kind, constraint) = match &join.join_operator {
                J::Join(c) | J::Inner(c) | J::CrossJoin(c) => (JoinKind::Inner, c),
                J::StraightJoin(c) => {
                    self.reorderable = false;
                    (JoinKind::Inner, c)
                }
                J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, c),
                J::Right(c) | J::RightOuter(c) => (JoinKind::Right, c),
                other => return Err(Error::unsupported(format!("join {other:?}"))),
            };
            let plain_on = matches!(
                constraint,
                ast::JoinConstraint::On(_) | ast::JoinConstraint::None
            );
            if kind != JoinKind::Inner || !plain_on {
                self.reorderable = false;
            }
            self.add_relation(p, &join.relation, kind, Some(constraint))?;
        }
        Ok(())
    }

    /// Adds one relation of FROM. A parenthesized join `(b JOIN c ON ...)` is flattened
    /// where that keeps its meaning: first in FROM, or on the right of an inner join when
    /// it holds no RIGHT JOIN (`a JOIN (b LEFT JOIN c ON p) ON q` is `a JOIN b LEFT JOIN c
    /// ON p` filtered by q). Outer-joined (`a LEFT JOIN (b JOIN c ON p) ON q`), it is
    /// joined as one derived factor whose columns keep their tables' names.
    fn add_relation(
        &mut self,
        p: &Planner,
        relation: &ast::TableFactor,
        kind: JoinKind,
        constraint: Option<&ast::JoinConstraint>,
    ) -> Result<()> {
        if let ast::TableFactor::JsonTable {
            json_expr,
            json_path,
            columns,
            alias,
        } = relation
        {
            let alias = alias.as_ref().ok_or_else(|| {
                Error::new(3667, "42000", "Every table function must have an alias.")
            })?;
            // The document reads the tables before it: they must stay before it.
            self.reorderable = false;
            let doc = Binder::new(&self.scope, p.ctx.session, "from clause")
                .with_subqueries(p)
                .bind(json_expr)?;
            let (plan, columns) = super::json_table::plan(doc, json_path, columns)?;
            let factor = Factor {
                alias: alias.name.value.clone(),
                offset: self.scope.columns.len(),
                width: columns.len(),
                visible: columns.len(),
                source: FactorSource::JsonTable(Arc::new(plan)),
                filter: Vec::new(),
                columns,
            };
            return self.add_factor(p, factor, kind, constraint);
        }
        let ast::TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } = relation
        else {
            return self.add(p, relation, kind, constraint);
        };
        self.reorderable = false;
        if self.factors.is_empty() {
            return self.add_joins(p, table_with_joins);
        }
        if kind != JoinKind::Inner || has_right_join(table_with_joins) {
            let offset = self.scope.columns.len();
            let nested = nested_join_factor(p, table_with_joins, offset)?;
            return self.add_factor(p, nested, kind, constraint);
        }
        self.add_joins(p, table_with_joins)?;
        let on = match constraint {
            None | Some(ast::JoinConstraint::None) => return Ok(()),
            Some(ast::JoinConstraint::On(e)) => e,
            Some(_) => return Err(Error::unsupported("USING with a parenthesized join")),
        };
        let bound = Binder::new(&self.scope, p.ctx.session, "on clause")
            .with_subqueries(p)
            .bind(on)?;
        let mut conds = Vec::new();
        conjuncts(bound, &mut conds);
        // The condition filters the rows once the last table of the parenthesis joined:
        // after a LEFT JOIN as a filter, not as the outer join's own condition.
        if let Some(step) = self.steps.last_mut() {
            match step.kind {
                JoinKind::Inner => step.on.extend(conds),
                _ => step.post.extend(conds),
            }
        }
        Ok(())
    }

    fn empty(outer: Option<&Scope>) -> FromPlan {
        FromPlan {
            factors: Vec::new(),
            steps: Vec::new(),
            scope: Scope::nested(Vec::new(), outer),
            written: Vec::new(),
            star: None,
            reorderable: true,
        }
    }

    /// An order of the factors in which every one joins through a condition to those
    /// before it, when the written order instead makes some step a cross product that
    /// another order avoids (`FROM t1, t2, t3 WHERE a1 = a3 AND a3 = a2`). `conjuncts` are
    /// the WHERE conjuncts over the FROM row. `None` keeps the written order.
    ///
    /// Greedy over the join graph, smallest first by `estimate` (a table's statistics):
    /// start from the smallest factor, then always take the smallest factor a condition
    /// connects to those taken; only when none is connected, the smallest remaining one (a
    /// cross product no order avoids). Ties go to the earliest written.
    pub fn connected_order(
        &self,
        conjuncts: &[Expr],
        estimate: &dyn Fn(&Factor) -> i64,
    ) -> Option<Vec<usize>> {
        let n = self.factors.len();
        if !self.reorderable || n < 3 {
            return None;
        }
        // The factors each condition reads, for those reading two or more.
        let edges: Vec<Vec<usize>> = conjuncts
            .iter()
            .chain(self.steps.iter().flat_map(|s| &s.on))
            .map(|c| self.factors_read(c))
            .filter(|f| f.len() > 1)
            .collect();
        let connects = |taken: &[bool], f: usize| {
            edges
                .iter()
                .any(|e| e.contains(&f) && e.iter().all(|&g| g == f || taken[g]))
        };
        let mut taken = vec![false; n];
        taken[0] = true;
        let mut written_cross = 0;
        for k in 1..n {
            if !connects(&taken, k) {
                written_cross += 1;
            }
            taken[k] = true;
        }
        if written_cross == 0 {
            return None;
        }
        let sizes: Vec<i64> = self.factors.iter().map(estimate).collect();
        let smallest =
            |candidates: &mut dyn Iterator<Item = usize>| candidates.min_by_key(|&f| (sizes[f], f));
        let mut taken = vec![false; n];
        let first = smallest(&mut (0..n))?;
        taken[first] = true;
        let mut order = vec![first];
        let mut cross = 0;
        while order.len() < n {
            let next = smallest(&mut (0..n).filter(|&f| !taken[f] && connects(&taken, f)))
                .or_else(|| {
                    cross += 1;
                    smallest(&mut (0..n).filter(|&f| !taken[f]))
                })?;
            taken[next] = true;
            order.push(next);
        }
        (cross < written_cross).then_some(order)
    }

    /// The factors a condition reads.
    fn factors_read(&self, c: &Expr) -> Vec<usize> {
        let mut read = Vec::new();
        c.walk(&mut |e| {
            if let Expr::Column(i, _) = e {
                let f = self.factor_of(*i);
                if !read.contains(&f) {
                    read.push(f);
                }
            }
            true
        });
        read
    }

    /// Plans the FROM clause (inner joins only, see [`FromPlan::connected_order`]) with its
    /// factors joined in `order` (written positions). Returns the plan and the ON
    /// conditions, bound over the new FROM row, for the caller to distribute with WHERE's:
    /// each ON still sees only the tables written up to its join.
    pub fn plan_in_order(
        p: &Planner,
        from: &[ast::TableWithJoins],
        order: &[usize],
        outer: Option<&Scope>,
    ) -> Result<(FromPlan, Vec<Expr>)> {
        let mut written: Vec<(&ast::TableFactor, Option<&ast::Expr>)> = Vec::new();
        for twj in from {
            written.push((&twj.relation, None));
            for join in &twj.joins {
                use ast::JoinOperator as J;
                let on = match &join.join_operator {
                    J::Join(c) | J::Inner(c) | J::CrossJoin(c) => match c {
                        ast::JoinConstraint::On(e) => Some(e),
                        _ => None,
                    },
                    _ => return Err(Error::unsupported("reordering an outer join")),
                };
                written.push((&join.relation, on));
            }
        }
        let mut plan = FromPlan::empty(outer);
        for &w in order {
            let (relation, _) = written
                .get(w)
                .ok_or_else(|| Error::unsupported("join order"))?;
            plan.add(p, relation, JoinKind::Inner, None)?;
        }
        plan.written = (0..order.len())
            .map(|w| order.iter().position(|&o| o == w).unwrap_or(w))
            .collect();
        let mut on = Vec::new();
        for (w, (_, cond)) in written.iter().enumerate() {
            let Some(cond) = cond else {
                continue;
            };
            // The tables written after this join are not visible to its ON.
            let mut visible = plan.scope.clone();
            for (f, &fw) in order.iter().enumerate() {
                if fw > w {
                    let factor = &plan.factors[f];
                    for c in &mut visible.columns[factor.offset..factor.offset + factor.width] {
                        c.name.clear();
                        c.table.clear();
                    }
                }
            }
            let bound = Binder::new(&visible, p.ctx.session, "on clause")
                .with_subqueries(p)
                .bind(cond)?;
            conjuncts(bound, &mut on);
        }
        Ok((plan, on))
    }

    fn add(
        &mut self,
        p: &Planner,
        relation: &ast::TableFactor,
        kind: JoinKind,
        constraint: Option<&ast::JoinConstraint>,
    ) -> Result<()> {
        let offset = self.scope.columns.len();
        let factor = factor(p, relation, offset)?;
        self.add_factor(p, factor, kind, constraint)
    }

    fn add_factor(
        &mut self,
        p: &Planner,
        factor: Factor,
        kind: JoinKind,
        constraint: Option<&ast::JoinConstraint>,
    ) -> Result<()> {
        let offset = self.scope.columns.len();
        if !factor.alias.is_empty()
            && self
                .factors
                .iter()
                .any(|f| f.alias.eq_ignore_ascii_case(&factor.alias))
        {
            return Err(Error::new(
                1066,
                "42000",
                format!("Not unique table/alias: '{}'", factor.alias),
            ));
        }
        let left_scope = self.scope.clone();
        let left_star = self.star_columns();
        let right: Vec<usize> = (offset..offset + factor.visible).collect();
        for (i, c) in factor.columns.iter().enumerate() {
            // A parenthesized join's columns keep the names of the tables they come from.
            let table = match factor.alias.is_empty() {
                true => c.table.clone(),
                false => factor.alias.clone(),
            };
            self.scope.columns.push(ScopeColumn {
                table,
                name: c.name.clone(),
                ty: c.ty.clone().unwrap_or(crate::types::DataType::Double),
            });
            debug_assert_eq!(self.scope.columns.len(), offset + i + 1);
        }
        let first = self.factors.is_empty();
        self.written.push(self.factors.len());
        self.factors.push(factor);
        if first {
            return Ok(());
        }
        let mut on = Vec::new();
        match constraint {
            None | Some(ast::JoinConstraint::None) => {}
            Some(ast::JoinConstraint::On(e)) => {
                let bound = Binder::new(&self.scope, p.ctx.session, "on clause")
                    .with_subqueries(p)
                    .bind(e)?;
                conjuncts(bound, &mut on);
            }
            Some(ast::JoinConstraint::Using(names)) => {
                let names: Vec<String> = names
                    .iter()
                    .map(|n| n.to_string().trim_matches('`').to_string())
                    .collect();
                on = self.merge_columns(&left_scope, offset, &names, kind, left_star, right)?;
            }
            // NATURAL: USING every column name the two sides share (hidden handles aside).
            Some(ast::JoinConstraint::Natural) => {
                let names: Vec<String> = right
                    .iter()
                    .map(|&i| self.scope.columns[i].name.clone())
                    .filter(|n| left_scope.resolve(None, n, "from clause").is_ok())
                    .collect();
                on = self.merge_columns(&left_scope, offset, &names, kind, left_star, right)?;
            }
        }
        let k = self.factors.len() - 1;
        let mut step = JoinStep {
            kind,
            on: Vec::new(),
            post: Vec::new(),
            method: JoinMethod::Loop,
        };
        for c in on {
            // A condition on the right table alone filters it before the join, unless the
            // right table is the preserved side (RIGHT JOIN).
            let own = kind != JoinKind::Right
                && !c.has_subquery()
                && c.column_span().is_some_and(|(lo, _)| lo >= offset);
            if own {
                self.factors[k].filter.push(shift(c, offset)?);
            } else {
                step.on.push(c);
            }
        }
        self.steps.push(step);
        Ok(())
    }

    /// `SELECT *`'s columns: each factor's visible ones in written order, as USING and
    /// NATURAL joins have arranged them.
    pub fn star_columns(&self) -> Vec<usize> {
        if let Some(star) = &self.star {
            return star.clone();
        }
        self.written
            .iter()
            .flat_map(|&f| {
                let f = &self.factors[f];
                f.offset..f.offset + f.visible
            })
            .filter(|i| !self.scope.qualified_only.contains(i))
            .collect()
    }

    /// USING (`names`): the equalities joining the left columns to the right table's (it
    /// starts at `offset`), one copy of each merged column left for bare names and `*` —
    /// the left one, or the right one in a RIGHT JOIN, as MySQL's coalesced column is.
    /// `SELECT *` then lists the merged columns first (in the preserved side's order),
    /// then the preserved side's others, then the other side's (`left` and `right`: the
    /// two sides' `*` columns).
    fn merge_columns(
        &mut self,
        left_scope: &Scope,
        offset: usize,
        names: &[String],
        kind: JoinKind,
        left: Vec<usize>,
        right: Vec<usize>,
    ) -> Result<Vec<Expr>> {
        let mut on = Vec::new();
        let mut kept = Vec::new();
        for name in names {
            let l = left_scope.resolve(None, name, "from clause")?;
            let r = offset
                + self.scope.columns[offset..]
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| Error::unknown_column(name, "from clause"))?;
            let col = |i: usize| Expr::Column(i, self.scope.columns[i].ty.clone());
            on.push(Expr::Binary(BinOp::Eq, Box::new(col(l)), Box::new(col(r))));
            let (keep, hide) = if kind == JoinKind::Right {
                (r, l)
            } else {
                (l, r)
            };
            self.scope.qualified_only.push(hide);
            kept.push(keep);
        }
        let (first, second) = if kind == JoinKind::Right {
            (right, left)
        } else {
            (left, right)
        };
        let mut star: Vec<usize> = first.iter().copied().filter(|i| kept.contains(i)).collect();
        for side in [first, second] {
            star.extend(
                side.into_iter()
                    .filter(|i| !kept.contains(i) && !self.scope.qualified_only.contains(i)),
            );
        }
        self.star = Some(star);
        Ok(on)
    }

    /// Distributes WHERE conjuncts; returns those that must wait for the whole FROM row.
    pub fn push_where(&mut self, where_conjuncts: Vec<Expr>) -> Result<Vec<Expr>> {
        let mut rest = Vec::new();
        for c in where_conjuncts {
            if c.has_subquery() {
                rest.push(c);
                continue;
            }
            let (lo, hi) = match c.column_span() {
                Some((lo, hi)) => (self.factor_of(lo), self.factor_of(hi)),
                None => (0, 0),
            };
            let right_join_later = self.steps[hi.min(self.steps.len())..]
                .iter()
                .any(|s| s.kind == JoinKind::Right);
            if self.factors.is_empty() || right_join_later {
                rest.push(c);
            } else if lo == hi && (hi == 0 || self.steps[hi - 1].kind != JoinKind::Left) {
                let offset = self.factors[hi].offset;
                self.factors[hi].filter.push(shift(c, offset)?);
            } else {
                let step = &mut self.steps[hi - 1];
                match step.kind {
                    JoinKind::Inner => step.on.push(c),
                    _ => step.post.push(c),
                }
            }
        }
        Ok(rest)
    }

    /// The factor whose columns include FROM row column `col`.
    pub fn factor_of(&self, col: usize) -> usize {
        self.factors
            .iter()
            .rposition(|f| f.offset <= col)
            .unwrap_or(0)
    }

    /// Picks each step's method once every condition is in place.
    pub fn choose_methods(&mut self) {
        for k in 0..self.steps.len() {
            let right = &self.factors[k + 1];
            let step = &self.steps[k];
            let method = if step.kind != JoinKind::Right && indexed_key(right, &step.on) {
                JoinMethod::Index
            } else {
                hash_keys(right, &step.on).unwrap_or(JoinMethod::Loop)
            };
            self.steps[k].method = method;
        }
    }

    /// The description of FROM row column `i` when selected bare.
    pub fn column_meta(&self, i: usize) -> Option<ResultColumn> {
        let f = &self.factors[self.factor_of(i)];
        match &f.source {
            FactorSource::Table(src) => Some(column_output(src, i - f.offset).1),
            FactorSource::Derived(_)
            | FactorSource::Virtual(_)
            | FactorSource::Recursive(_)
            | FactorSource::Work(_)
            | FactorSource::JsonTable(_) => {
                let mut c = f.columns.get(i - f.offset)?.clone();
                c.table = f.alias.clone();
                Some(c)
            }
        }
    }

    /// The single base table of a one-table FROM, for EXPLAIN and scan order.
    pub fn single_table(&self) -> Option<&Factor> {
        match self.factors.as_slice() {
            [f] if matches!(f.source, FactorSource::Table(_)) => Some(f),
            _ => None,
        }
    }
}

impl Factor {
    pub fn table(&self) -> Option<&Source> {
        match &self.source {
            FactorSource::Table(s) => Some(s),
            FactorSource::Derived(_)
            | FactorSource::Virtual(_)
            | FactorSource::Recursive(_)
            | FactorSource::Work(_)
            | FactorSource::JsonTable(_) => None,
        }
    }
}

/// True if a RIGHT JOIN appears in `twj`, parenthesized joins included.
fn has_right_join(twj: &ast::TableWithJoins) -> bool {
    let nested = |f: &ast::TableFactor| match f {
        ast::TableFactor::NestedJoin {
            table_with_joins, ..
        } => has_right_join(table_with_joins),
        _ => false,
    };
    nested(&twj.relation)
        || twj.joins.iter().any(|j| {
            matches!(
                j.join_operator,
                ast::JoinOperator::Right(_) | ast::JoinOperator::RightOuter(_)
            ) || nested(&j.relation)
        })
}

/// A table or derived table of FROM.
fn factor(p: &Planner, relation: &ast::TableFactor, offset: usize) -> Result<Factor> {
    match relation {
        ast::TableFactor::Table {
            name,
            alias,
            index_hints,
            ..
        } => {
            let (db, t) = split_name(name)?;
            if db.is_none() {
                if let Some(planned) = super::cte::expand(&t, &|q| plan_query(p, q, None)) {
                    let (expanded, names) = planned?;
                    let alias = alias.as_ref().map_or(t, |a| a.name.value.clone());
                    return cte_factor(alias, expanded, &names, offset);
                }
            }
            let db_name = db.clone().or_else(|| p.ctx.session.current_db());
            let virtual_table = match db_name.as_deref() {
                Some(d) if crate::sql::infoschema::is_infoschema(d) => {
                    Some(crate::sql::infoschema::table(p.ctx, &t).ok_or_else(|| {
                        Error::unknown_table(crate::sql::infoschema::DB, &t.to_ascii_uppercase())
                    }))
                }
                Some(d) if crate::sql::system_tables::is_system_db(d) => Some(
                    crate::sql::system_tables::table(p.ctx, &t).unwrap_or_else(|| {
                        Err(Error::unknown_table(crate::sql::system_tables::DB, &t))
                    }),
                ),
                _ => None,
            };
            if let Some(rs) = virtual_table {
                let rs = rs?;
                let alias = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| t.clone());
                return Ok(Factor {
                    alias,
                    offset,
                    width: rs.columns.len(),
                    visible: rs.columns.len(),
                    source: FactorSource::Virtual(Arc::new(rs.rows)),
                    filter: Vec::new(),
                    columns: rs.columns,
                });
            }
            let (db, info) = p.ctx.relation(db.as_deref(), &t)?;
            if info.view.is_some() {
                return view_factor(p, &db, &info, alias.as_ref(), offset);
            }
            let src = Source::hinted(db, info, alias.as_ref(), index_hints)?;
            let columns = (0..src.scope.columns.len())
                .map(|i| column_output(&src, i).1)
                .collect::<Vec<_>>();
            Ok(Factor {
                alias: src.alias.clone(),
                offset,
                width: columns.len(),
                visible: src.visible_width(),
                source: FactorSource::Table(Box::new(src)),
                filter: Vec::new(),
                columns,
            })
        }
        ast::TableFactor::Derived {
            subquery, alias, ..
        } => {
            let alias = alias.as_ref().ok_or_else(|| {
                Error::new(1248, "42000", "Every derived table must have its own alias")
            })?;
            let plan = plan_query(p, subquery, None)?;
            let names: Vec<String> = alias.columns.iter().map(|c| c.name.value.clone()).collect();
            derived_factor(alias.name.value.clone(), plan, &names, offset)
        }
        ast::TableFactor::NestedJoin { .. } => Err(Error::unsupported("parenthesized joins")),
        other => Err(Error::unsupported(format!("FROM {other}"))),
    }
}

/// A parenthesized join outer-joined to the tables before it: planned as `SELECT * FROM
/// (...)`, a factor without an alias of its own whose columns keep their tables' names.
fn nested_join_factor(p: &Planner, joins: &ast::TableWithJoins, offset: usize) -> Result<Factor> {
    let text = format!("SELECT * FROM {joins}");
    let query = sqlparser::parser::Parser::new(&crate::sql::dialect::MySql)
        .try_with_sql(&text)
        .and_then(|mut parser| parser.parse_query())
        .map_err(|_| Error::syntax(&text))?;
    let plan = plan_query(p, &query, None)?;
    let columns = plan.columns();
    Ok(derived(String::new(), plan, columns, offset))
}

/// A factor reading a planned query's rows as `columns`.
fn derived(alias: String, plan: QueryPlan, columns: Vec<ResultColumn>, offset: usize) -> Factor {
    Factor {
        alias,
        offset,
        width: columns.len(),
        visible: columns.len(),
        source: FactorSource::Derived(Arc::new(plan)),
        filter: Vec::new(),
        columns,
    }
}

/// A planned derived table (or CTE) under `alias`, its columns renamed by `names` (those
/// given); 1060 when two columns end up with one name.
fn derived_factor(
    alias: String,
    plan: QueryPlan,
    names: &[String],
    offset: usize,
) -> Result<Factor> {
    let mut columns = plan.columns();
    for (col, name) in columns.iter_mut().zip(names) {
        col.name = name.clone();
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i]
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(&c.name))
        {
            return Err(Error::new(
                1060,
                "42S21",
                format!("Duplicate column name '{}'", c.name),
            ));
        }
    }
    Ok(derived(alias, plan, columns, offset))
}

/// A CTE named in FROM.
fn cte_factor(
    alias: String,
    expanded: super::cte::Expanded,
    names: &[String],
    offset: usize,
) -> Result<Factor> {
    use super::cte::Expanded;
    let (source, columns) = match expanded {
        Expanded::Query(plan) => return derived_factor(alias, plan, names, offset),
        Expanded::Recursive(r) => {
            let columns = r.work.columns.clone();
            (FactorSource::Recursive(Arc::new(r)), columns)
        }
        Expanded::Work(w) => {
            let columns = w.columns.clone();
            (FactorSource::Work(w), columns)
        }
    };
    Ok(Factor {
        alias,
        offset,
        width: columns.len(),
        visible: columns.len(),
        source,
        filter: Vec::new(),
        columns,
    })
}

/// A view named in FROM: its query planned as a derived table under the view's name (or
/// alias), its columns named as the view names them.
fn view_factor(
    p: &Planner,
    db: &str,
    info: &crate::catalog::TableInfo,
    alias: Option<&ast::TableAlias>,
    offset: usize,
) -> Result<Factor> {
    let plan = crate::sql::view::expand(db, info, |q| plan_query(p, q, None))?;
    let names: Vec<String> = info.columns.iter().map(|c| c.name.clone()).collect();
    let alias = alias.map_or_else(|| info.name.clone(), |a| a.name.value.clone());
    derived_factor(alias, plan, &names, offset)
}

/// A conjunct over one factor, with its columns made relative to the factor.
fn shift(c: Expr, offset: usize) -> Result<Expr> {
    c.rewrite(&mut |e| {
        Ok(match e {
            Expr::Column(i, ty) => super::rewrite::Step::Replace(Expr::Column(i - offset, ty)),
            other => super::rewrite::Step::Descend(other),
        })
    })
}

/// `right.col = <left expression>` splits into (right-local column, left expression).
fn equality(c: &Expr, right: &Factor) -> Option<(usize, Expr)> {
    let Expr::Binary(BinOp::Eq, a, b) = c else {
        return None;
    };
    let in_right = |i: usize| i >= right.offset && i < right.offset + right.width;
    let left_only =
        |e: &Expr| !e.has_subquery() && e.column_span().is_none_or(|(_, hi)| hi < right.offset);
    match (a.as_ref(), b.as_ref()) {
        (Expr::Column(i, _), other) | (other, Expr::Column(i, _))
            if in_right(*i) && left_only(other) =>
        {
            Some((*i - right.offset, other.clone()))
        }
        _ => None,
    }
}

/// True if some equality of `on` looks the right table up by its handle or by the first
/// column of a public index, with a key the access path can use.
fn indexed_key(right: &Factor, on: &[Expr]) -> bool {
    let Some(src) = right.table() else {
        return false;
    };
    let info = &src.table.info;
    on.iter()
        .filter_map(|c| equality(c, right))
        .any(|(col, key)| {
            let Some(&table_col) = src.scope_to_table.get(col) else {
                return false;
            };
            let ty = &info.columns[table_col].ty;
            let comparable = key
                .data_type()
                .is_none_or(|k| k.is_string() == ty.is_string());
            let indexed = (info.handle_column == Some(table_col) && src.hints.allows_handle())
                || info.indexes.iter().any(|ix| {
                    ix.usable()
                        && src.hints.allows_index(ix)
                        && ix.columns.first() == Some(&table_col)
                });
            comparable && indexed
        })
}

/// Equality keys for a hash join, when both sides of each compare in the same domain.
fn hash_keys(right: &Factor, on: &[Expr]) -> Option<JoinMethod> {
    let mut left = Vec::new();
    let mut keys = Vec::new();
    for (col, key) in on.iter().filter_map(|c| equality(c, right)) {
        let ty = right.columns[col].ty.clone();
        let kt = key.data_type();
        let domain = |t: &Option<crate::types::DataType>| {
            t.as_ref().map(|t| (t.is_string(), t.is_temporal()))
        };
        if kt.is_some() && ty.is_some() && domain(&kt) != domain(&ty) {
            continue;
        }
        left.push(key);
        keys.push(Expr::Column(
            col,
            ty.unwrap_or(crate::types::DataType::Double),
        ));
    }
    (!left.is_empty()).then_some(JoinMethod::Hash { left, right: keys })
}
