use std::collections::HashMap;
use std::sync::Arc;

use super::*;
use crate::catalog::{fixtures, ForeignKeyInfo, SchemaState};
use crate::table::HandleRange;

/// The tables of database `d`, by name.
struct Fake(HashMap<String, Arc<TableInfo>>);

impl Tables for Fake {
    fn table(&self, _db: &str, name: &str) -> crate::error::Result<Option<Arc<TableInfo>>> {
        Ok(self.0.get(name).cloned())
    }

    fn referencing(
        &self,
        db: &str,
        name: &str,
    ) -> crate::error::Result<Vec<(String, Arc<TableInfo>)>> {
        Ok(self
            .0
            .values()
            .filter(|t| t.foreign_keys.iter().any(|fk| fk.references("d", db, name)))
            .map(|t| ("d".to_string(), t.clone()))
            .collect())
    }
}

fn fk(name: &str, column: &str, on_delete: &str) -> ForeignKeyInfo {
    ForeignKeyInfo {
        name: name.into(),
        columns: vec![column.into()],
        ref_db: None,
        ref_table: "p".into(),
        ref_columns: vec!["id".into()],
        on_delete: on_delete.into(),
        on_update: "NO ACTION".into(),
        state: SchemaState::Public,
    }
}

/// `p (id PRIMARY KEY)`, and `c (id PRIMARY KEY, p_id)` referencing it with `on_delete`,
/// without an index on `p_id` (a constraint recorded before enforcement).
fn tables(on_delete: &str) -> (Table, Table, Fake) {
    let p = Arc::new(fixtures::table(1, "p", &["id"], vec![]));
    let mut c = fixtures::table(2, "c", &["id", "p_id"], vec![]);
    c.foreign_keys.push(fk("fk", "p_id", on_delete));
    let c = Arc::new(c);
    let fake = Fake(HashMap::from([
        ("p".to_string(), p.clone()),
        ("c".to_string(), c.clone()),
    ]));
    (Table::new(p), Table::new(c), fake)
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

#[test]
fn children_without_an_index_are_found_by_a_scan() {
    let store = crate::kv::open_memory().expect("store");
    let (p, c, fake) = tables("CASCADE");
    let writer = Writer::new(&fake, true);
    let mut txn = store.begin().expect("begin");
    let txn = txn.as_mut();
    for id in [1, 2] {
        writer.insert(txn, "d", &p, &[int(id)], id).expect("parent");
    }
    for (id, parent) in [(10, 1), (11, 2), (12, 1)] {
        let row = [int(id), int(parent)];
        writer.insert(txn, "d", &c, &row, id).expect("child");
    }
    writer.delete(txn, "d", &p, 1, &[int(1)]).expect("delete");
    let mut left = Vec::new();
    c.scan_rows(txn, &HandleRange::all(), false, |h, _| {
        left.push(h);
        Ok(true)
    })
    .expect("scan");
    assert_eq!(left, vec![11]);
    assert_eq!(writer.cascaded_tables(), vec![2]);
}

#[test]
fn a_refused_row_leaves_nothing_behind() {
    let store = crate::kv::open_memory().expect("store");
    let (_, c, fake) = tables("RESTRICT");
    let writer = Writer::new(&fake, true);
    let mut txn = store.begin().expect("begin");
    let refused = writer.insert(txn.as_mut(), "d", &c, &[int(10), int(9)], 10);
    match refused {
        Err(Error::ForeignKey(ForeignKeyError::NoReferencedRow { constraint })) => assert_eq!(
            constraint,
            "`d`.`c`, CONSTRAINT `fk` FOREIGN KEY (`p_id`) REFERENCES `p` (`id`) ON DELETE RESTRICT"
        ),
        other => panic!("expected 1452, got {other:?}"),
    }
    assert!(c.row(txn.as_ref(), 10).expect("read").is_none());
    assert!(txn.is_read_only());
    // With the checks off the same row goes in.
    let unchecked = Writer::new(&fake, false);
    unchecked
        .insert(txn.as_mut(), "d", &c, &[int(10), int(9)], 10)
        .expect("unchecked");
}

#[test]
fn existing_orphans_are_found() {
    let store = crate::kv::open_memory().expect("store");
    let (p, c, fake) = tables("RESTRICT");
    let unchecked = Writer::new(&fake, false);
    let mut txn = store.begin().expect("begin");
    unchecked
        .insert(txn.as_mut(), "d", &p, &[int(1)], 1)
        .expect("parent");
    for (id, parent) in [(10, Value::Null), (11, int(1))] {
        let row = [int(id), parent];
        unchecked
            .insert(txn.as_mut(), "d", &c, &row, id)
            .expect("child");
    }
    let fk = &c.info.foreign_keys[0];
    check_existing_rows(txn.as_ref(), "d", &c, fk, &p).expect("no orphan");
    unchecked
        .insert(txn.as_mut(), "d", &c, &[int(12), int(7)], 12)
        .expect("orphan");
    assert!(matches!(
        check_existing_rows(txn.as_ref(), "d", &c, fk, &p),
        Err(Error::ForeignKey(ForeignKeyError::NoReferencedRow { .. }))
    ));
}
