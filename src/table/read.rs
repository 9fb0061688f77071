//! Reading rows: by handle, by handle range, and through an index.

use std::ops::Bound;

use super::{Result, Table};
use crate::catalog::{ColumnInfo, IndexInfo};
use crate::codec::{keys, memcomparable, row as row_codec};
use crate::kv::range::prefix_end;
use crate::kv::{KeyRange, Transaction};
use crate::types::Value;

/// Rows read per storage round trip.
const SCAN_BATCH: usize = 256;

/// A range of handles to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct HandleRange {
    pub start: Bound<i64>,
    pub end: Bound<i64>,
}

impl HandleRange {
    pub fn all() -> Self {
        HandleRange {
            start: Bound::Unbounded,
            end: Bound::Unbounded,
        }
    }
}

/// Index entries to read: those whose first columns equal `prefix` and whose next column
/// lies within `low` and `high` (a bound is a value and whether it is included; `None`:
/// unbounded). The planner speaks values; the table encodes them.
#[derive(Debug, Clone)]
pub struct IndexRange {
    pub prefix: Vec<Value>,
    pub low: Option<(Value, bool)>,
    pub high: Option<(Value, bool)>,
}

impl IndexRange {
    /// Every entry of the index.
    pub fn all() -> Self {
        IndexRange {
            prefix: Vec::new(),
            low: None,
            high: None,
        }
    }

    /// The encoded values `[start, end)` this range covers within the index.
    fn bounds(&self) -> (Vec<u8>, Vec<u8>) {
        let mut base = Vec::new();
        memcomparable::encode_values(&mut base, &self.prefix);
        let with = |v: &Value| {
            let mut b = base.clone();
            memcomparable::encode_value(&mut b, v);
            b
        };
        let start = match &self.low {
            None => base.clone(),
            Some((v, true)) => with(v),
            Some((v, false)) => prefix_end(&with(v)),
        };
        let end = match &self.high {
            None => prefix_end(&base),
            Some((v, true)) => prefix_end(&with(v)),
            Some((v, false)) => with(v),
        };
        (start, end)
    }
}

/// Two ranges are the same when they cover the same entries (`IN (18, 18.0)` twice reads
/// nothing new).
impl PartialEq for IndexRange {
    fn eq(&self, other: &Self) -> bool {
        self.bounds() == other.bounds()
    }
}

/// An index entry found by an index scan.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub values: Vec<Value>,
    pub handle: i64,
}

impl Table {
    /// Reads the row stored under `handle`.
    pub fn row(&self, txn: &dyn Transaction, handle: i64) -> Result<Option<Vec<Value>>> {
        match txn.get(&self.record_key(handle))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(self.decode_row(&bytes)?)),
        }
    }

    /// Decodes a stored row into one value per column; columns the row predates take
    /// their default.
    pub fn decode_row(&self, bytes: &[u8]) -> Result<Vec<Value>> {
        let values = row_codec::decode_columns(bytes, &self.column_ids)?;
        Ok(values
            .into_iter()
            .zip(&self.info.columns)
            .map(|(v, c)| v.unwrap_or_else(|| origin_default(c)))
            .collect())
    }

    /// Visits rows in handle order (descending if `reverse`) until `visit` returns false.
    pub fn scan_rows(
        &self,
        txn: &dyn Transaction,
        range: &HandleRange,
        reverse: bool,
        mut visit: impl FnMut(i64, Vec<Value>) -> Result<bool>,
    ) -> Result<()> {
        self.scan_records(txn, range, reverse, |handle, bytes| {
            visit(handle, self.decode_row(bytes)?)
        })
    }

    /// How many rows the table has at the transaction's snapshot (ANALYZE TABLE).
    pub fn count_rows(&self, txn: &dyn Transaction) -> Result<i64> {
        let mut n = 0i64;
        self.scan_records(txn, &HandleRange::all(), false, |_, _| {
            n += 1;
            Ok(true)
        })?;
        Ok(n)
    }

    /// Visits rows in handle order like [`Table::scan_rows`], decoding only the columns of
    /// `index` (the others are NULL): all that building or checking the index needs, at a
    /// fraction of the cost of whole rows.
    pub fn scan_rows_for_index(
        &self,
        txn: &dyn Transaction,
        range: &HandleRange,
        index: &IndexInfo,
        mut visit: impl FnMut(i64, &[Value]) -> Result<bool>,
    ) -> Result<()> {
        // One row, its index columns overwritten by each record: an index build visits
        // every row, and a fresh row each time was a fifth of its encoding work.
        let columns = self.columns_at(&index.columns);
        let ids: Vec<u64> = columns.iter().map(|(_, c)| c.id).collect();
        let mut row = vec![Value::Null; self.info.columns.len()];
        self.scan_records(txn, range, false, |handle, bytes| {
            decode_into(&mut row, bytes, &columns, &ids)?;
            visit(handle, &row)
        })
    }

    /// The table's columns at `offsets`, with their offsets (those out of range left out).
    fn columns_at(&self, offsets: &[usize]) -> Vec<(usize, &ColumnInfo)> {
        offsets
            .iter()
            .filter_map(|&c| Some((c, self.info.columns.get(c)?)))
            .collect()
    }

    /// Visits rows like [`Table::scan_rows`], decoding only the table columns at `offsets`
    /// (the others are NULL in the rows visited).
    pub fn scan_columns(
        &self,
        txn: &dyn Transaction,
        range: &HandleRange,
        reverse: bool,
        offsets: &[usize],
        mut visit: impl FnMut(i64, Vec<Value>) -> Result<bool>,
    ) -> Result<()> {
        let columns = self.columns_at(offsets);
        let ids: Vec<u64> = columns.iter().map(|(_, c)| c.id).collect();
        self.scan_records(txn, range, reverse, |handle, bytes| {
            let mut row = vec![Value::Null; self.info.columns.len()];
            decode_into(&mut row, bytes, &columns, &ids)?;
            visit(handle, row)
        })
    }

    /// Visits the stored rows in handle order, undecoded.
    fn scan_records(
        &self,
        txn: &dyn Transaction,
        range: &HandleRange,
        reverse: bool,
        mut visit: impl FnMut(i64, &[u8]) -> Result<bool>,
    ) -> Result<()> {
        scan_pairs(txn, self.handle_key_range(range), reverse, |key, value| {
            let (_, handle) = keys::decode_record_key(key)?;
            visit(handle, value)
        })
    }

    /// The smallest and largest handle of the rows (`None`: no rows).
    pub fn handle_bounds(&self, txn: &dyn Transaction) -> Result<Option<(i64, i64)>> {
        let all = self.handle_key_range(&HandleRange::all());
        let end = |reverse| -> Result<Option<i64>> {
            match txn.scan(&all, 1, reverse)?.first() {
                Some((key, _)) => Ok(Some(keys::decode_record_key(key)?.1)),
                None => Ok(None),
            }
        };
        Ok(end(false)?.zip(end(true)?))
    }

    /// Whether the transaction's snapshot holds no row and no index entry of the table; an
    /// empty table is remembered by the transaction, whose later reads of its keys then
    /// skip the store (a bulk load into an empty table reads no key per row).
    pub fn snapshot_is_empty(&self, txn: &mut dyn Transaction) -> Result<bool> {
        let all = KeyRange::prefix(&keys::table_prefix(self.info.id));
        Ok(txn.snapshot_is_empty(&all)?)
    }

    /// Visits the entries of `index` in `range`, in index order (descending if `reverse`),
    /// until `visit` returns false.
    pub fn scan_index(
        &self,
        txn: &dyn Transaction,
        index: &IndexInfo,
        range: &IndexRange,
        reverse: bool,
        mut visit: impl FnMut(IndexEntry) -> Result<bool>,
    ) -> Result<()> {
        let prefix = keys::index_prefix(self.info.id, index.id);
        let full = KeyRange::prefix(&prefix);
        let (start, end) = self.keyed(index, range).bounds();
        let kr = KeyRange::new(
            [prefix.as_slice(), &start].concat(),
            if end.is_empty() {
                full.end.clone()
            } else {
                [prefix.as_slice(), &end].concat()
            },
        );
        scan_pairs(txn, kr, reverse, |key, value| {
            let (values, handle) = keys::decode_index_key(key, index.columns.len())?;
            let handle = match handle {
                Some(h) => h,
                None => keys::decode_handle_value(value)?,
            };
            visit(IndexEntry { values, handle })
        })
    }

    /// `range` with its values as `index` holds them (collation keys, of a prefix where
    /// it indexes one). A bound on a prefix includes its own prefix: `name > 'abcd'` reads
    /// from the entries 'abc' of a 3-character prefix on, as 'abcz' is among them.
    fn keyed(&self, index: &IndexInfo, range: &IndexRange) -> IndexRange {
        let key = |pos: usize, v: &Value| match index.columns.get(pos) {
            Some(&c) => self.index_value(c, index.prefix(pos), v.clone()),
            None => v.clone(),
        };
        let next = range.prefix.len();
        let inclusive = |inc: bool| inc || index.prefix(next).is_some();
        IndexRange {
            prefix: range
                .prefix
                .iter()
                .enumerate()
                .map(|(i, v)| key(i, v))
                .collect(),
            low: range
                .low
                .as_ref()
                .map(|(v, inc)| (key(next, v), inclusive(*inc))),
            high: range
                .high
                .as_ref()
                .map(|(v, inc)| (key(next, v), inclusive(*inc))),
        }
    }

    fn handle_key_range(&self, range: &HandleRange) -> KeyRange {
        let tid = self.info.id;
        let all = KeyRange::prefix(&keys::record_prefix(tid));
        let start = match range.start {
            Bound::Unbounded => all.start.clone(),
            Bound::Included(h) => keys::record_key(tid, h),
            Bound::Excluded(h) if h == i64::MAX => all.end.clone(),
            Bound::Excluded(h) => keys::record_key(tid, h + 1),
        };
        let end = match range.end {
            Bound::Unbounded => all.end.clone(),
            Bound::Excluded(h) => keys::record_key(tid, h),
            Bound::Included(h) if h == i64::MAX => all.end.clone(),
            Bound::Included(h) => keys::record_key(tid, h + 1),
        };
        KeyRange::new(start, end)
    }
}

/// Visits the pairs of `kr` in key order (descending if `reverse`) until `visit` returns
/// false, [`SCAN_BATCH`] per storage scan, each lent rather than copied.
fn scan_pairs(
    txn: &dyn Transaction,
    mut kr: KeyRange,
    reverse: bool,
    mut visit: impl FnMut(&[u8], &[u8]) -> Result<bool>,
) -> Result<()> {
    let mut last = Vec::new();
    loop {
        // The visitor's own error stops the scan and is returned as it is.
        let mut failed = None;
        let mut stopped = false;
        let mut seen = 0;
        let visited = txn.scan_each(&kr, SCAN_BATCH, reverse, &mut |key, value| {
            // Only a full batch's last key is needed: where the next batch starts.
            seen += 1;
            if seen == SCAN_BATCH {
                last.clear();
                last.extend_from_slice(key);
            }
            match visit(key, value) {
                Ok(go_on) => stopped = !go_on,
                Err(e) => failed = Some(e),
            }
            Ok(!stopped && failed.is_none())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if stopped || visited < SCAN_BATCH {
            return Ok(());
        }
        advance(&mut kr, &last, reverse);
    }
}

/// Moves a scan range past the last key seen.
fn advance(kr: &mut KeyRange, last: &[u8], reverse: bool) {
    if reverse {
        kr.end = last.to_vec();
    } else {
        let mut next = last.to_vec();
        next.push(0);
        kr.start = next;
    }
}

/// The value a column has in rows written before the column existed.
/// Decodes the `columns` (offsets, with their ids in `ids`) of the stored row `bytes` into
/// `row`; columns the row predates take their default.
fn decode_into(
    row: &mut [Value],
    bytes: &[u8],
    columns: &[(usize, &ColumnInfo)],
    ids: &[u64],
) -> Result<()> {
    let values = row_codec::decode_columns(bytes, ids)?;
    for ((offset, column), value) in columns.iter().zip(values) {
        if let Some(slot) = row.get_mut(*offset) {
            *slot = value.unwrap_or_else(|| origin_default(column));
        }
    }
    Ok(())
}

fn origin_default(c: &ColumnInfo) -> Value {
    match &c.origin_default {
        Some(s) => crate::types::convert::from_stored_text(s, &c.ty).unwrap_or(Value::Null),
        None => Value::Null,
    }
}
