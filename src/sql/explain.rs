//! EXPLAIN for SELECT, in TiDB's format: id, estRows, task, access object, operator info.

use super::access::Access;
use super::result::{QueryResult, ResultColumn, ResultSet};
use super::select::{ScanOrder, SelectPlan};
use crate::types::Value;

pub fn render(plan: &SelectPlan) -> QueryResult {
    let mut rows: Vec<[String; 5]> = Vec::new();
    let Some(src) = &plan.source else {
        rows.push(row("Projection_3", "1.00", "root", "", "columns"));
        rows.push(row("└─TableDual_4", "1.00", "root", "", "rows:1"));
        return finish(rows);
    };
    let table = format!("table:{}", src.alias);
    let names = |i: usize| {
        src.scope
            .columns
            .get(i)
            .map(|c| format!("{}.{}.{}", src.db, c.table, c.name))
            .unwrap_or_default()
    };
    let filter = plan.filter.as_ref().map(|f| f.display(&names));
    let keep_order = plan.scan_order != ScanOrder::Any;
    if !plan.order.is_empty() {
        rows.push(row("Sort_5", "-", "root", "", "order by"));
    }
    if plan.limit.is_some() {
        rows.push(row(
            "Limit_6",
            "-",
            "root",
            "",
            &format!("offset:{}, count:{}", plan.offset, plan.limit.unwrap_or(0)),
        ));
    }
    match &plan.access {
        Access::PointGet(handles) if handles.len() == 1 => {
            rows.push(row(
                "Point_Get_1",
                "1.00",
                "root",
                &format!("{table}, handle:{}", handles[0]),
                "N/A",
            ));
        }
        Access::PointGet(handles) => {
            let hs: Vec<String> = handles.iter().map(|h| h.to_string()).collect();
            rows.push(row(
                "Batch_Point_Get_1",
                &format!("{}.00", handles.len()),
                "root",
                &format!("{table}, handle:[{}]", hs.join(" ")),
                "keep order:false, desc:false",
            ));
        }
        Access::TableRange(r) => {
            rows.push(row(
                "TableReader_7",
                "-",
                "root",
                "",
                "data:TableRangeScan_6",
            ));
            let info = format!("range:{:?}..{:?}, keep order:{keep_order}", r.start, r.end);
            rows.push(row("└─TableRangeScan_6", "-", "cop[tikv]", &table, &info));
        }
        Access::FullScan => {
            if let Some(f) = &filter {
                rows.push(row("TableReader_8", "-", "root", "", "data:Selection_7"));
                rows.push(row("└─Selection_7", "-", "cop[tikv]", "", f));
                rows.push(row(
                    "  └─TableFullScan_6",
                    "-",
                    "cop[tikv]",
                    &table,
                    &format!("keep order:{keep_order}"),
                ));
            } else {
                rows.push(row(
                    "TableReader_7",
                    "-",
                    "root",
                    "",
                    "data:TableFullScan_6",
                ));
                rows.push(row(
                    "└─TableFullScan_6",
                    "-",
                    "cop[tikv]",
                    &table,
                    &format!("keep order:{keep_order}"),
                ));
            }
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
            rows.push(row("IndexLookUp_10", "-", "root", "", ""));
            rows.push(row(
                "├─IndexRangeScan_8(Build)",
                "-",
                "cop[tikv]",
                &object,
                &format!("range:{}, keep order:false", described.join(", ")),
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
    finish(rows)
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
