//! EXPLAIN in TiDB's format: id, estRows, task, access object, operator info.

use super::expr::Expr;
use super::result::{QueryResult, ResultColumn, ResultSet};
use crate::sql::planner::access::Access;
use crate::sql::planner::from::{FactorSource, JoinMethod};
use crate::sql::planner::query::QueryPlan;
use crate::sql::planner::select::{ScanOrder, SelectPlan, Source};
use crate::table::HandleRange;
use crate::types::Value;
use std::ops::Bound;

pub fn render(plan: &QueryPlan) -> QueryResult {
    let mut rows: Vec<[String; 5]> = Vec::new();
    let plan = match plan {
        QueryPlan::Select(s) => s,
        QueryPlan::SetOp(u) => {
            rows.push(row("Union_1", "-", "root", "", ""));
            for _ in u.tree.queries() {
                rows.push(row("└─Projection", "-", "root", "", ""));
            }
            return finish(rows);
        }
    };
    if plan.from.factors.is_empty() {
        rows.push(row("Projection_3", "1.00", "root", "", "columns"));
        rows.push(row("└─TableDual_4", "1.00", "root", "", "rows:1"));
        return finish(rows);
    }
    if plan.grouping.is_some() {
        rows.push(row("HashAgg_9", "-", "root", "", "group by"));
    }
    let Some((src, filter, access)) = plan.single_table() else {
        join_rows(&mut rows, plan);
        return finish(rows);
    };
    if !plan.order.is_empty() {
        rows.push(row("Sort_5", "-", "root", "", "order by"));
    }
    if let Some(limit) = plan.limit {
        let info = format!("offset:{}, count:{limit}", plan.offset);
        rows.push(row("Limit_6", "-", "root", "", &info));
    }
    let keep_order = plan.scan_order != ScanOrder::Any;
    access_rows(&mut rows, src, filter.as_ref(), &access, keep_order);
    finish(rows)
}

/// A join: one line per step (its method), then each factor's reader.
fn join_rows(rows: &mut Vec<[String; 5]>, plan: &SelectPlan) {
    for (k, step) in plan.from.steps.iter().enumerate().rev() {
        let op = match step.method {
            JoinMethod::Index => "IndexJoin",
            JoinMethod::Hash { .. } => "HashJoin",
            JoinMethod::Loop => "NestedLoopJoin",
        };
        let info = format!("{:?} join", step.kind).to_lowercase();
        rows.push(row(&format!("{op}_{}", k + 10), "-", "root", "", &info));
    }
    for f in &plan.from.factors {
        match &f.source {
            FactorSource::Table(src) => {
                let filter = crate::sql::planner::rewrite::and_all(f.filter.clone());
                let access = src.access(filter.as_ref());
                access_rows(rows, src, filter.as_ref(), &access, false);
            }
            FactorSource::Virtual(_) => {
                let object = format!("table:{}", f.alias);
                rows.push(row("MemTableScan", "-", "root", &object, ""));
            }
            FactorSource::Derived(_) => {
                let object = format!("table:{}", f.alias);
                rows.push(row("Projection_derived", "-", "root", &object, "subquery"));
            }
            FactorSource::Recursive(_) | FactorSource::Work(_) => {
                let object = format!("table:{}", f.alias);
                rows.push(row("CTEFullScan", "-", "root", &object, "recursive CTE"));
            }
            FactorSource::JsonTable(_) => {
                let object = format!("table:{}", f.alias);
                rows.push(row("JSONTable", "-", "root", &object, "json_table"));
            }
        }
    }
}

/// EXPLAIN of UPDATE or DELETE: the statement over the rows its access path reads.
pub fn render_dml(
    operator: &str,
    src: &Source,
    filter: Option<&Expr>,
    access: &Access,
) -> QueryResult {
    let mut rows = vec![row(&format!("{operator}_4"), "N/A", "root", "", "N/A")];
    access_rows(&mut rows, src, filter, access, false);
    finish(rows)
}

fn access_rows(
    rows: &mut Vec<[String; 5]>,
    src: &Source,
    filter: Option<&Expr>,
    access: &Access,
    keep_order: bool,
) {
    let table = format!("table:{}", src.alias);
    let names = |i: usize| {
        src.scope
            .columns
            .get(i)
            .map(|c| format!("{}.{}.{}", src.db, c.table, c.name))
            .unwrap_or_default()
    };
    let filter = filter.map(|f| f.display(&names));
    match access {
        Access::PointGet(handles) if handles.len() == 1 => {
            let object = format!("{table}, handle:{}", handles[0]);
            rows.push(row("Point_Get_1", "1.00", "root", &object, "N/A"));
        }
        Access::PointGet(handles) => {
            let hs: Vec<String> = handles.iter().map(|h| h.to_string()).collect();
            let object = format!("{table}, handle:[{}]", hs.join(" "));
            let est = format!("{}.00", handles.len());
            rows.push(row(
                "Batch_Point_Get_1",
                &est,
                "root",
                &object,
                "keep order:false, desc:false",
            ));
        }
        Access::TableRange { range, residual } => {
            // The conditions the range does not enforce are checked per row.
            let info = format!("range:{}, keep order:{keep_order}", handle_range(range));
            let residual = residual.as_ref().map(|f| f.display(&names));
            table_reader(rows, "TableRangeScan_6", &table, &info, residual.as_deref());
        }
        Access::FullScan => {
            let info = format!("keep order:{keep_order}");
            table_reader(rows, "TableFullScan_6", &table, &info, filter.as_deref());
        }
        Access::IndexLookup {
            index, described, ..
        } => {
            let cols: Vec<String> = index
                .columns
                .iter()
                .map(|&c| src.table.info.columns[c].name.clone())
                .collect();
            let object = format!("{table}, index:{}({})", index.name, cols.join(", "));
            let info = format!("range:{}, keep order:false", described.join(", "));
            rows.push(row("IndexLookUp_10", "-", "root", "", ""));
            rows.push(row(
                "├─IndexRangeScan_8(Build)",
                "-",
                "cop[tikv]",
                &object,
                &info,
            ));
            rows.push(row(
                "└─TableRowIDScan_9(Probe)",
                "-",
                "cop[tikv]",
                &table,
                "keep order:false",
            ));
        }
    }
}

/// A TableReader over `scan`, with TiDB's Selection between them for the conditions
/// checked per row.
fn table_reader(
    rows: &mut Vec<[String; 5]>,
    scan: &str,
    table: &str,
    info: &str,
    per_row: Option<&str>,
) {
    match per_row {
        Some(f) => {
            rows.push(row("TableReader_8", "-", "root", "", "data:Selection_7"));
            rows.push(row("└─Selection_7", "-", "cop[tikv]", "", f));
            rows.push(row(&format!("  └─{scan}"), "-", "cop[tikv]", table, info));
        }
        None => {
            rows.push(row(
                "TableReader_7",
                "-",
                "root",
                "",
                &format!("data:{scan}"),
            ));
            rows.push(row(&format!("└─{scan}"), "-", "cop[tikv]", table, info));
        }
    }
}

/// A handle range as TiDB prints one: `[2,4]`, `(1,+inf]`, `[-inf,5)`.
fn handle_range(range: &HandleRange) -> String {
    let start = match range.start {
        Bound::Included(h) => format!("[{h}"),
        Bound::Excluded(h) => format!("({h}"),
        Bound::Unbounded => "[-inf".to_string(),
    };
    let end = match range.end {
        Bound::Included(h) => format!("{h}]"),
        Bound::Excluded(h) => format!("{h})"),
        Bound::Unbounded => "+inf]".to_string(),
    };
    format!("{start},{end}")
}

fn row(id: &str, est: &str, task: &str, object: &str, info: &str) -> [String; 5] {
    [
        id.into(),
        est.into(),
        task.into(),
        object.into(),
        info.into(),
    ]
}

fn finish(rows: Vec<[String; 5]>) -> QueryResult {
    QueryResult::Rows(ResultSet {
        columns: ["id", "estRows", "task", "access object", "operator info"]
            .iter()
            .map(|n| ResultColumn::text(*n))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| r.iter().map(|s| Value::str(s)).collect())
            .collect(),
    })
}
