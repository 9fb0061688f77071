//! TiDB's key layout for rows and index entries, plus the meta key space.
//!
//! ```text
//! record:            t{table_id}_r{handle}                  -> row (see codec::row)
//! unique index:      t{table_id}_i{index_id}{values}        -> handle (8 bytes)
//! non-unique index:  t{table_id}_i{index_id}{values}{handle} -> empty
//! meta:              m{part}{part}...                       -> whatever the catalog stores
//! ```
//!
//! `table_id`, `index_id` and the record handle are raw comparable `i64`s
//! ([`memcomparable::encode_i64`]: 8 bytes, sign bit flipped, big-endian). `values` are
//! flag-encoded datums ([`memcomparable::encode_values`]), and the trailing handle of a
//! non-unique entry is an int datum (flag 3), so such a key decodes as `n + 1` values.
//!
//! Because every id is fixed-width and order-preserving, all keys of one table share the prefix
//! `t{table_id}`, its rows share `t{table_id}_r` in handle order, and an index's entries share
//! `t{table_id}_i{index_id}` in value order. Scanning a table, an index, or a range of index
//! values is therefore one contiguous key range. A non-unique index keeps equal values apart by
//! their handles; a unique index puts the handle in the value so that a second entry with the
//! same values lands on the same key and is caught as a duplicate. (Unique entries whose values
//! contain NULL do not conflict in SQL, so callers store those in the non-unique shape.)

use super::memcomparable::{self, decode_i64, encode_i64, INT_FLAG};
use super::{corrupt, Result};
use crate::types::Value;

pub const TABLE_PREFIX: &[u8] = b"t";
pub const RECORD_SEP: &[u8] = b"_r";
pub const INDEX_SEP: &[u8] = b"_i";
/// Every meta key starts with this byte, which sorts before `t`, so meta and table data never mix.
pub const META_PREFIX: &[u8] = b"m";

/// Length of `t{table_id}`.
const TABLE_PREFIX_LEN: usize = 1 + 8;
/// Length of `t{table_id}_r` and of `t{table_id}_i`.
const SEP_PREFIX_LEN: usize = TABLE_PREFIX_LEN + 2;
/// Length of a record key.
const RECORD_KEY_LEN: usize = SEP_PREFIX_LEN + 8;
/// Length of `t{table_id}_i{index_id}`.
const INDEX_PREFIX_LEN: usize = SEP_PREFIX_LEN + 8;

/// `t{table_id}`: every key of the table starts with this.
pub fn table_prefix(table_id: i64) -> Vec<u8> {
    let mut key = Vec::with_capacity(RECORD_KEY_LEN);
    key.extend_from_slice(TABLE_PREFIX);
    encode_i64(&mut key, table_id);
    key
}

/// `t{table_id}_r`: every row of the table starts with this.
pub fn record_prefix(table_id: i64) -> Vec<u8> {
    let mut key = table_prefix(table_id);
    key.extend_from_slice(RECORD_SEP);
    key
}

/// `t{table_id}_r{handle}`: the key of one row.
pub fn record_key(table_id: i64, handle: i64) -> Vec<u8> {
    let mut key = record_prefix(table_id);
    encode_i64(&mut key, handle);
    key
}

/// Splits a record key into `(table_id, handle)`.
pub fn decode_record_key(key: &[u8]) -> Result<(i64, i64)> {
    if key.len() != RECORD_KEY_LEN {
        return corrupt(format!("record key has {} bytes", key.len()));
    }
    let (table_id, mut rest) = split_table_prefix(key, RECORD_SEP)?;
    Ok((table_id, decode_i64(&mut rest)?))
}

/// `t{table_id}_i{index_id}`: every entry of the index starts with this.
pub fn index_prefix(table_id: i64, index_id: i64) -> Vec<u8> {
    let mut key = Vec::with_capacity(INDEX_PREFIX_LEN);
    push_index_prefix(&mut key, table_id, index_id);
    key
}

fn push_index_prefix(key: &mut Vec<u8>, table_id: i64, index_id: i64) {
    key.extend_from_slice(TABLE_PREFIX);
    encode_i64(key, table_id);
    key.extend_from_slice(INDEX_SEP);
    encode_i64(key, index_id);
}

/// TiDB's temp-index bit: the temporary index of index `id` (see `table`'s temp index) has
/// id `id | TEMP_INDEX_MARK`, so its entries sort after every real index of the table.
pub const TEMP_INDEX_MARK: i64 = 0x7fff_0000_0000_0000;

/// The id of index `index_id`'s temporary index.
pub fn temp_index_id(index_id: i64) -> i64 {
    index_id | TEMP_INDEX_MARK
}

/// The key `key` (an entry of some index of a table) has in index `index_id` of the same
/// table: same values, same handle.
pub fn with_index_id(key: &[u8], index_id: i64) -> Result<Vec<u8>> {
    let Some(rest) = key.get(SEP_PREFIX_LEN + 8..) else {
        return corrupt("index key too short");
    };
    let mut out = Vec::with_capacity(key.len());
    out.extend_from_slice(&key[..SEP_PREFIX_LEN]);
    encode_i64(&mut out, index_id);
    out.extend_from_slice(rest);
    Ok(out)
}

/// The key of an index entry: `values` then, for a non-unique entry, the row's handle.
///
/// With `handle: None` this also builds seek keys: the key of a prefix of the index's columns
/// sorts before every entry that starts with those values (see [`prefix_next`] for the end).
pub fn index_key(table_id: i64, index_id: i64, values: &[Value], handle: Option<i64>) -> Vec<u8> {
    // Room for the prefix, a handle and a short value per column: most keys are built
    // without growing (an index build encodes one per row).
    let mut key = Vec::with_capacity(INDEX_PREFIX_LEN + 9 + 16 * values.len());
    push_index_prefix(&mut key, table_id, index_id);
    memcomparable::encode_values(&mut key, values);
    if let Some(h) = handle {
        key.push(INT_FLAG);
        encode_i64(&mut key, h);
    }
    key
}

/// Reads an index key of an index on `n_columns` columns: the column values, and the handle
/// if the key has one (non-unique shape).
pub fn decode_index_key(key: &[u8], n_columns: usize) -> Result<(Vec<Value>, Option<i64>)> {
    let (_table_id, mut rest) = split_table_prefix(key, INDEX_SEP)?;
    let _index_id = decode_i64(&mut rest)?;
    let mut values = Vec::with_capacity(n_columns);
    for _ in 0..n_columns {
        values.push(memcomparable::decode_value(&mut rest)?);
    }
    if rest.is_empty() {
        return Ok((values, None));
    }
    match memcomparable::decode_value(&mut rest)? {
        Value::Int(h) if rest.is_empty() => Ok((values, Some(h))),
        _ => corrupt("index key has trailing bytes after its values"),
    }
}

/// Checks `t{table_id}{sep}` at the front of `key`; returns the table id and the rest.
fn split_table_prefix<'a>(key: &'a [u8], sep: &[u8]) -> Result<(i64, &'a [u8])> {
    if key.len() < SEP_PREFIX_LEN || !key.starts_with(TABLE_PREFIX) {
        return corrupt("not a table key");
    }
    let mut rest = &key[TABLE_PREFIX.len()..];
    let table_id = decode_i64(&mut rest)?;
    match rest.strip_prefix(sep) {
        Some(rest) => Ok((table_id, rest)),
        None => corrupt("table key has the wrong separator"),
    }
}

/// The value of a unique index entry: the row's handle, 8 bytes big-endian.
pub fn encode_handle_value(handle: i64) -> Vec<u8> {
    handle.to_be_bytes().to_vec()
}

/// Reads the value written by [`encode_handle_value`].
pub fn decode_handle_value(value: &[u8]) -> Result<i64> {
    match <[u8; 8]>::try_from(value) {
        Ok(bytes) => Ok(i64::from_be_bytes(bytes)),
        Err(_) => corrupt(format!("handle value has {} bytes", value.len())),
    }
}

/// `m` followed by each part in byte-group encoding, so that parts cannot run into each other
/// (`["ab", "c"]` and `["a", "bc"]` differ) and keys sort part by part. The catalog may also
/// build its own keys, as long as they start with [`META_PREFIX`].
pub fn meta_key(parts: &[&[u8]]) -> Vec<u8> {
    let mut key = META_PREFIX.to_vec();
    for part in parts {
        memcomparable::encode_bytes(&mut key, part);
    }
    key
}

/// The smallest key greater than every key that starts with `prefix`: the exclusive end of a
/// prefix scan. `None` if there is none (`prefix` empty or all `0xFF`; never the case for keys
/// built here, which start with `t` or `m`).
pub fn prefix_next(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut end = prefix[..=last].to_vec();
    end[last] += 1;
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_round_trip_and_sort_by_handle() {
        for (tid, h) in [
            (1, 1),
            (42, -7),
            (i64::MAX, i64::MIN),
            (0, 0),
            (7, i64::MAX),
        ] {
            let key = record_key(tid, h);
            assert!(key.starts_with(&record_prefix(tid)));
            assert!(key.starts_with(&table_prefix(tid)));
            assert_eq!(decode_record_key(&key).unwrap(), (tid, h));
        }
        assert!(record_key(5, -1) < record_key(5, 0));
        assert!(record_key(5, i64::MAX) < record_key(6, i64::MIN));
        assert_eq!(&record_key(1, 2)[..2], b"t\x80");
    }

    #[test]
    fn index_keys_round_trip() {
        let values = vec![Value::str("abc"), Value::Null, Value::Int(-3)];
        let unique = index_key(3, 2, &values, None);
        assert_eq!(
            decode_index_key(&unique, 3).unwrap(),
            (values.clone(), None)
        );
        let non_unique = index_key(3, 2, &values, Some(99));
        assert_eq!(
            decode_index_key(&non_unique, 3).unwrap(),
            (values, Some(99))
        );
        assert!(non_unique.starts_with(&unique));
        assert!(unique.starts_with(&index_prefix(3, 2)));
        assert_eq!(decode_handle_value(&encode_handle_value(-5)).unwrap(), -5);
    }

    #[test]
    fn index_entries_sort_by_values_then_handle() {
        let key = |s: &str, h| index_key(1, 1, &[Value::str(s)], Some(h));
        assert!(key("a", 100) < key("a\0", 1));
        assert!(key("a", 1) < key("a", 2));
        assert!(key("b", -1) < key("bb", -100));
        let seek = index_key(1, 1, &[Value::str("a")], None);
        let end = prefix_next(&seek).unwrap();
        assert!(seek < key("a", i64::MIN) && key("a", i64::MAX) < end);
        assert!(end <= key("a\0", i64::MIN));
        // Index entries sort before the rows (`_i` < `_r`), all within the table's range.
        let table_end = prefix_next(&table_prefix(1)).unwrap();
        assert!(key("\u{ff}", i64::MAX) < record_key(1, i64::MIN));
        assert!(table_prefix(1) < key("zzz", 0) && key("zzz", 0) < table_end);
        assert!(table_prefix(1) < record_key(1, 0) && record_key(1, 0) < table_end);
    }

    #[test]
    fn bad_keys_are_errors() {
        assert!(decode_record_key(b"t").is_err());
        assert!(decode_record_key(&index_key(1, 2, &[], None)[..19]).is_err());
        let mut wrong_sep = record_key(1, 2);
        wrong_sep[9] = b'x';
        assert!(decode_record_key(&wrong_sep).is_err());
        assert!(decode_index_key(&record_key(1, 2), 0).is_err());
        let mut trailing = index_key(1, 2, &[Value::Int(1)], None);
        trailing.extend(index_key(1, 2, &[Value::str("x")], None).split_off(19));
        assert!(decode_index_key(&trailing, 1).is_err());
        assert!(decode_index_key(&index_key(1, 2, &[Value::Int(1)], None), 2).is_err());
        assert!(decode_handle_value(&[1, 2, 3]).is_err());
    }

    #[test]
    fn meta_keys_are_unambiguous() {
        assert_ne!(meta_key(&[b"ab", b"c"]), meta_key(&[b"a", b"bc"]));
        assert!(meta_key(&[b"a"]) < meta_key(&[b"a", b""]));
        assert!(meta_key(&[b"DB"]).starts_with(META_PREFIX));
        assert!(meta_key(&[b"\xff\xff"]) < table_prefix(i64::MIN));
        assert_eq!(prefix_next(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_next(b"\xff"), None);
    }
}
