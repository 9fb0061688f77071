//! Checking an index against the rows (ADMIN CHECK TABLE / INDEX): every row must have
//! exactly its one entry, and every entry must belong to a row with its values.

use std::collections::BTreeMap;

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use super::{HandleRange, Result, Table};
use crate::catalog::IndexInfo;
use crate::codec::keys;
use crate::kv::parallel_scan::scan_in_parallel;
use crate::kv::{KeyRange, Transaction};
use crate::types::Value;

/// Entries read per storage round trip.
const BATCH: usize = 1024;

/// The first difference found between an index and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The handle the difference is reported under.
    pub handle: i64,
    /// The entry the index holds: its handle and values (`None`: the entry is missing).
    pub index: Option<(i64, Vec<Value>)>,
    /// What the row says: its handle and the index's columns (`None`: no such row).
    pub record: Option<(i64, Vec<Value>)>,
}

impl Mismatch {
    /// TiDB's 8223 for this difference.
    pub fn error(&self, table: &str, index: &str) -> crate::error::Error {
        let shown = |side: &Option<(i64, Vec<Value>)>| {
            side.as_ref()
                .map_or(String::new(), |(h, values)| describe(*h, values))
        };
        crate::error::Error::new(
            8223,
            "HY000",
            format!(
                "data inconsistency in table: {table}, index: {index}, handle: {}, index-values:\"{}\" != record-values:\"{}\"",
                self.handle,
                shown(&self.index),
                shown(&self.record)
            ),
        )
    }
}

/// TiDB's datum kinds, as its inconsistency messages print values.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "KindNull".into(),
        Value::Int(i) => format!("KindInt64 {i}"),
        Value::UInt(u) => format!("KindUint64 {u}"),
        Value::Float(f) => format!("KindFloat64 {f}"),
        Value::Decimal(d) => format!("KindMysqlDecimal {d}"),
        Value::Bytes(_) => format!("KindString {}", v.to_string_lossy()),
        Value::Date(_) | Value::DateTime(_) => format!("KindMysqlTime {v}"),
    }
}

fn describe(handle: i64, values: &[Value]) -> String {
    let vs: Vec<String> = values.iter().map(kind).collect();
    format!("handle: {handle}, values: [{}]", vs.join(" "))
}

/// An order-independent summary of a set of index entries: how many, and the sum of
/// their hashes. Equal sets have equal digests; a missing, extra or changed entry changes
/// it (but for a 2^-64 chance).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Digest {
    pub count: u64,
    pub sum: u64,
}

impl Digest {
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        self.count = self.count.wrapping_add(1);
        self.sum = self.sum.wrapping_add(entry_hash(key, value));
    }

    /// Takes out an entry [`Digest::add`] put in.
    pub fn remove(&mut self, key: &[u8], value: &[u8]) {
        self.count = self.count.wrapping_sub(1);
        self.sum = self.sum.wrapping_sub(entry_hash(key, value));
    }

    /// Adds the entries `other` summarizes (a disjoint set).
    pub fn merge(&mut self, other: Digest) {
        self.count = self.count.wrapping_add(other.count);
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// One entry's share of a digest's sum (key and value hashed apart, so that a byte moved
/// from one to the other shows).
fn entry_hash(key: &[u8], value: &[u8]) -> u64 {
    xxh3_64_with_seed(value, xxh3_64(key))
}

impl Table {
    /// The digest of the entries the rows in `range` should have in `index`.
    pub fn expected_digest(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        range: &HandleRange,
    ) -> Result<Digest> {
        let mut digest = Digest::default();
        self.scan_rows_for_index(txn, range, index, |handle, row| {
            let (key, value) = self.index_pair(index, row, handle);
            digest.add(&key, &value);
            Ok(true)
        })?;
        Ok(digest)
    }

    /// Brings `digest`, of the entries the rows at `before`'s snapshot should have in
    /// `index`, to the rows at `after`'s, given the record keys of every row that may
    /// differ between the two.
    pub fn update_digest(
        &self,
        before: &dyn Transaction,
        after: &dyn Transaction,
        index: &IndexInfo,
        changed: &[Vec<u8>],
        digest: &mut Digest,
    ) -> Result<()> {
        for key in changed {
            // Two point reads per row, thousands of rows under DML: a background check
            // steps aside as scans do.
            crate::background::breathe();
            let (_, handle) = keys::decode_record_key(key)?;
            // The entry the row under `key` has at a snapshot, if there is a row.
            let entry = |txn: &dyn Transaction| -> Result<Option<(Vec<u8>, Vec<u8>)>> {
                let Some(bytes) = txn.get(key)? else {
                    return Ok(None);
                };
                Ok(Some(self.index_pair(
                    index,
                    &self.decode_row(&bytes)?,
                    handle,
                )))
            };
            if let Some((key, value)) = entry(before)? {
                digest.remove(&key, &value);
            }
            if let Some((key, value)) = entry(after)? {
                digest.add(&key, &value);
            }
        }
        Ok(())
    }

    /// The digest of the entries `index` holds, read by `threads` threads side by side.
    pub fn index_digest(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        threads: usize,
    ) -> Result<Digest> {
        let range = KeyRange::prefix(&keys::index_prefix(self.info.id, index.id));
        let parts = scan_in_parallel(txn, &range, threads, |digest: &mut Digest, key, value| {
            digest.add(key, value)
        })?;
        let mut digest = Digest::default();
        for part in parts {
            digest.merge(part);
        }
        Ok(digest)
    }

    /// Compares `index` with the rows at the snapshot of `txn`; `None` when they agree.
    pub fn check_index(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
    ) -> Result<Option<Mismatch>> {
        let index_values = |row: &[Value]| -> Vec<Value> {
            index.columns.iter().map(|&c| row[c].clone()).collect()
        };
        // What the index should hold: key -> (handle, index values).
        let mut expected: BTreeMap<Vec<u8>, (i64, Vec<Value>)> = BTreeMap::new();
        self.scan_rows_for_index(txn, &HandleRange::all(), index, |handle, row| {
            let (key, _) = self.index_key(index, row, handle);
            expected.insert(key, (handle, index_values(row)));
            Ok(true)
        })?;
        let prefix = keys::index_prefix(self.info.id, index.id);
        let mut range = KeyRange::prefix(&prefix);
        loop {
            let batch = txn.scan(&range, BATCH, false)?;
            for (key, value) in &batch {
                let (values, handle) = keys::decode_index_key(key, index.columns.len())?;
                let handle = match handle {
                    Some(h) => h,
                    None => keys::decode_handle_value(value)?,
                };
                match expected.remove(key) {
                    Some((h, _)) if h == handle => {}
                    Some((h, row_values)) => {
                        return Ok(Some(Mismatch {
                            handle: h,
                            index: Some((handle, values)),
                            record: Some((h, row_values)),
                        }));
                    }
                    None => {
                        let record = self
                            .row(txn, handle)?
                            .map(|row| (handle, index_values(&row)));
                        return Ok(Some(Mismatch {
                            handle,
                            index: Some((handle, values)),
                            record,
                        }));
                    }
                }
            }
            let Some((last, _)) = batch.last().filter(|_| batch.len() == BATCH) else {
                break;
            };
            let mut next = last.clone();
            next.push(0);
            range.start = next;
        }
        Ok(expected
            .into_iter()
            .next()
            .map(|(_, (handle, values))| Mismatch {
                handle,
                index: None,
                record: Some((handle, values)),
            }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::fixtures;
    use crate::catalog::SchemaState;

    fn table() -> Table {
        let ia = fixtures::index(1, "ia", vec![1], false, SchemaState::Public);
        Table::new(Arc::new(fixtures::table(5, "t", &["id", "a"], vec![ia])))
    }

    #[test]
    fn digests_ignore_order_and_see_every_difference() {
        let digest = |entries: &[(&[u8], &[u8])]| {
            let mut d = Digest::default();
            for (k, v) in entries {
                d.add(k, v);
            }
            d
        };
        let base = digest(&[(b"a", b"1"), (b"b", b"2")]);
        assert_eq!(base, digest(&[(b"b", b"2"), (b"a", b"1")]));
        assert_ne!(base, digest(&[(b"a", b"1")]));
        assert_ne!(base, digest(&[(b"a", b"1"), (b"b", b"3")]));
        assert_ne!(base, digest(&[(b"a", b"1"), (b"c", b"2")]));
        // Key and value are not one string: moving a byte across them shows.
        assert_ne!(base, digest(&[(b"a", b"1"), (b"b2", b"")]));
        let mut parts = digest(&[(b"a", b"1")]);
        parts.merge(digest(&[(b"b", b"2")]));
        assert_eq!(parts, base);
    }

    #[test]
    fn a_digest_follows_the_rows_changed_since() {
        let store = crate::kv::open_memory().expect("store");
        let t = table();
        let index = &t.info.indexes[0];
        let row = |id: i64, a: i64| vec![Value::Int(id), Value::Int(a)];
        let mut txn = store.begin().expect("begin");
        for id in 1..=3 {
            t.add_record(txn.as_mut(), &row(id, id * 10), id)
                .expect("insert");
        }
        txn.commit().expect("commit");
        let before = store.begin().expect("snapshot");
        let all = HandleRange::all();
        let mut digest = t
            .expected_digest(before.as_ref(), index, &all)
            .expect("digest");
        // An update, a delete, an insert, and a row written back as it was.
        let mut txn = store.begin().expect("begin");
        t.update_record(txn.as_mut(), 1, &row(1, 10), &row(1, 11))
            .expect("update");
        t.remove_record(txn.as_mut(), 2, &row(2, 20))
            .expect("delete");
        t.add_record(txn.as_mut(), &row(4, 40), 4).expect("insert");
        t.update_record(txn.as_mut(), 3, &row(3, 30), &row(3, 30))
            .expect("update");
        txn.commit().expect("commit");
        let after = store.begin().expect("snapshot");
        let records = KeyRange::prefix(&keys::record_prefix(t.info.id));
        let changed = store
            .changes_since(&records, before.start_ts(), 10)
            .expect("changes")
            .expect("known");
        assert_eq!(changed.len(), 4);
        t.update_digest(
            before.as_ref(),
            after.as_ref(),
            index,
            &changed,
            &mut digest,
        )
        .expect("update");
        let now = t
            .expected_digest(after.as_ref(), index, &all)
            .expect("digest");
        assert_eq!(digest, now);
        assert_eq!(
            digest,
            t.index_digest(after.as_ref(), index, 2).expect("index")
        );
    }

    #[test]
    fn finds_missing_and_dangling_entries() {
        let store = crate::kv::open_memory().expect("store");
        let t = table();
        let index = &t.info.indexes[0];
        let row = |id: i64, a: i64| vec![Value::Int(id), Value::Int(a)];
        let mut txn = store.begin().expect("begin");
        t.add_record(txn.as_mut(), &row(1, 10), 1).expect("insert");
        assert_eq!(t.check_index(txn.as_ref(), index).expect("check"), None);

        // Missing: the row's entry is gone.
        let (key, _) = t.index_key(index, &row(1, 10), 1);
        txn.delete(key.clone());
        let m = t.check_index(txn.as_ref(), index).expect("check");
        assert_eq!(
            m,
            Some(Mismatch {
                handle: 1,
                index: None,
                record: Some((1, vec![Value::Int(10)])),
            })
        );

        // Dangling: an entry for a row that does not exist.
        txn.put(key, b"0".to_vec());
        let (dangling, _) = t.index_key(index, &row(9, 90), 9);
        txn.put(dangling, b"0".to_vec());
        let m = t.check_index(txn.as_ref(), index).expect("check");
        assert_eq!(
            m,
            Some(Mismatch {
                handle: 9,
                index: Some((9, vec![Value::Int(90)])),
                record: None,
            })
        );
    }
}
