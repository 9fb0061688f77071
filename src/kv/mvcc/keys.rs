//! The byte layout of everything the MVCC layer stores in sled.
//!
//! Kept apart from the transaction logic because every ordering argument the rest of the module
//! relies on (versions of one key are contiguous and newest-first, user ranges map to sled
//! ranges) is a property of these few functions alone.

use crate::kv::{Error, Result};

/// Leading byte of the bookkeeping keys. Lower than [`DATA_PREFIX`], so no data range ever
/// reaches a meta key.
const META_PREFIX: u8 = 0x00;
/// Leading byte of every versioned data key.
const DATA_PREFIX: u8 = 0x01;

/// The newest committed timestamp, written in the same batch as the commit that produced it.
pub(super) const META_LAST_TS: &[u8] = b"\x00last_commit_ts";
/// The highest safe point GC has used; snapshots older than it may have lost versions.
pub(super) const META_GC_SAFE_POINT: &[u8] = b"\x00gc_safe_point";
/// The newest commit when the store last closed with GC done up to it (see
/// `Inner::close`); removed when the store opens, so that only a close since vouches.
pub(super) const META_GC_CLOSED_AT: &[u8] = b"\x00gc_closed_at";

const _: () = assert!(
    META_LAST_TS[0] == META_PREFIX
        && META_GC_SAFE_POINT[0] == META_PREFIX
        && META_GC_CLOSED_AT[0] == META_PREFIX
);

/// Tag byte of a value that is a live put.
const TAG_PUT: u8 = 0x01;
/// Tag byte of a deletion marker.
const TAG_TOMBSTONE: u8 = 0x00;

/// Length of the version suffix (`!commit_ts`, big-endian).
const TS_LEN: usize = 8;

/// Appends the order-preserving, prefix-free encoding of `key` to `out`.
///
/// A 0x00 byte becomes 0x00 0xFF and the key ends with 0x00 0x00. Because the terminator sorts
/// below every escaped byte, a key sorts before all its extensions, and because no encoding is a
/// prefix of another, the version suffix appended afterwards can never make two different user
/// keys interleave.
pub(super) fn escape_into(key: &[u8], out: &mut Vec<u8>) {
    // Every key written and every scan bound passes here, and keys are mostly zeros (the
    // high bytes of table ids, index ids and handles): a copy between zeros, or a push per
    // byte, costs a call or a capacity check per byte. So pieces are escaped into a stack
    // buffer without a branch (each byte is followed by 0xFF, kept only after a zero) and
    // appended at once.
    let mut buf = [0u8; 2 * ESCAPE_PIECE];
    for piece in key.chunks(ESCAPE_PIECE) {
        let mut n = 0;
        for &b in piece {
            // At most two bytes per byte before this one: `n + 1` is within the buffer.
            buf[n] = b;
            buf[n + 1] = 0xFF;
            n += 1 + usize::from(b == 0);
        }
        out.extend_from_slice(&buf[..n]);
    }
    out.extend_from_slice(&[0x00, 0x00]);
}

/// Bytes of a key escaped at a time by [`escape_into`] and unescaped by [`unescape_into`].
const ESCAPE_PIECE: usize = 32;

/// Decodes an escaped user key (including its terminator) back to the raw bytes.
pub(super) fn unescape(encoded: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(encoded.len().saturating_sub(2));
    unescape_into(encoded, &mut out)?;
    Ok(out)
}

/// [`unescape`] into `out`, which is cleared first: a scan reuses one buffer for every key.
pub(super) fn unescape_into(encoded: &[u8], out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let malformed = || corrupt("malformed escaped key");
    let body = encoded.strip_suffix(&[0x00, 0x00]).ok_or_else(malformed)?;
    // Every scanned key passes here: bytes go through a stack buffer, appended a piece at
    // a time (see `escape_into`).
    let mut buf = [0u8; ESCAPE_PIECE];
    let mut n = 0;
    // The byte before was a zero: this one must be its 0xFF.
    let mut escaped = false;
    for &b in body {
        if escaped {
            if b != 0xFF {
                return Err(malformed());
            }
            escaped = false;
            continue;
        }
        buf[n] = b;
        n += 1;
        escaped = b == 0x00;
        if n == ESCAPE_PIECE {
            out.extend_from_slice(&buf);
            n = 0;
        }
    }
    if escaped {
        return Err(malformed());
    }
    out.extend_from_slice(&buf[..n]);
    Ok(())
}

/// The sled key of the version of `key` committed at `ts`.
pub(super) fn data_key(key: &[u8], ts: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + key.len() + 2 + TS_LEN);
    data_key_into(key, ts, &mut out);
    out
}

/// [`data_key`], appended to `out`.
pub(super) fn data_key_into(key: &[u8], ts: u64, out: &mut Vec<u8>) {
    out.push(DATA_PREFIX);
    escape_into(key, out);
    out.extend_from_slice(&(!ts).to_be_bytes());
}

/// The smallest sled key of any version of `key` or of any greater user key: the lower sled
/// bound of a scan starting at `key`.
pub(super) fn data_lower_bound(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + key.len() + 2);
    out.push(DATA_PREFIX);
    escape_into(key, &mut out);
    out
}

/// The exclusive upper sled bound of a user range ending (exclusively) at `end`; an empty `end`
/// means the end of the data keyspace.
pub(super) fn data_upper_bound(end: &[u8]) -> Vec<u8> {
    if end.is_empty() {
        vec![DATA_PREFIX + 1]
    } else {
        data_lower_bound(end)
    }
}

/// The first engine key after every version of the user key whose escaped form (as
/// [`split_data_key`] returns it) is `escaped`.
pub(super) fn after_all_versions(escaped: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + escaped.len() + TS_LEN + 1);
    k.push(DATA_PREFIX);
    k.extend_from_slice(escaped);
    k.extend_from_slice(&[0xff; TS_LEN]);
    k.push(0);
    k
}

/// The engine key of the version at `ts` of the user key whose escaped form is `escaped`:
/// where a snapshot at `ts` starts reading that key (newer versions sort before it).
pub(super) fn version_at(escaped: &[u8], ts: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + escaped.len() + TS_LEN);
    k.push(DATA_PREFIX);
    k.extend_from_slice(escaped);
    k.extend_from_slice(&(!ts).to_be_bytes());
    k
}

/// Splits a data key into its escaped user key (prefix byte stripped, terminator kept) and
/// its commit timestamp. Comparing the escaped part is enough to tell versions of one key apart
/// from the next key, so scans only unescape keys they return.
pub(super) fn split_data_key(raw: &[u8]) -> Result<(&[u8], u64)> {
    if raw.len() < 1 + 2 + TS_LEN || raw[0] != DATA_PREFIX {
        return Err(corrupt("malformed data key"));
    }
    let (user, ts) = raw[1..].split_at(raw.len() - 1 - TS_LEN);
    let mut buf = [0u8; TS_LEN];
    buf.copy_from_slice(ts);
    Ok((user, !u64::from_be_bytes(buf)))
}

/// Encodes a version's value: `Some` is a put, `None` a tombstone.
pub(super) fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + value.map_or(0, <[u8]>::len));
    encode_value_into(value, &mut out);
    out
}

/// [`encode_value`], appended to `out`.
pub(super) fn encode_value_into(value: Option<&[u8]>, out: &mut Vec<u8>) {
    match value {
        Some(v) => {
            out.push(TAG_PUT);
            out.extend_from_slice(v);
        }
        None => out.push(TAG_TOMBSTONE),
    }
}

/// Decodes a version's value: `None` for a tombstone.
pub(super) fn decode_value(raw: &[u8]) -> Result<Option<&[u8]>> {
    match raw.split_first() {
        Some((&TAG_PUT, rest)) => Ok(Some(rest)),
        Some((&TAG_TOMBSTONE, [])) => Ok(None),
        _ => Err(corrupt("malformed version value")),
    }
}

/// Encodes a timestamp stored under a meta key.
pub(super) fn encode_ts(ts: u64) -> [u8; 8] {
    ts.to_be_bytes()
}

/// Decodes a timestamp stored under a meta key.
pub(super) fn decode_ts(raw: &[u8]) -> Result<u64> {
    let buf: [u8; 8] = raw.try_into().map_err(|_| corrupt("malformed timestamp"))?;
    Ok(u64::from_be_bytes(buf))
}

fn corrupt(what: &str) -> Error {
    Error::Storage(format!("corrupt MVCC store: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_preserves_order_and_round_trips() {
        let keys: Vec<&[u8]> = vec![
            b"",
            b"\x00",
            b"\x00\x00",
            b"\x00\x01",
            b"\x00\xff",
            b"\x01",
            b"a",
            b"a\x00",
            b"a\x00\x00",
            b"a\x01",
            b"ab",
            b"b",
            b"\xff",
            b"\xff\x00",
            b"\xff\xff",
        ];
        for w in keys.windows(2) {
            assert!(w[0] < w[1]);
            // Even the oldest version of the smaller key sorts before the newest of the larger.
            assert!(data_key(w[0], 0) < data_key(w[1], u64::MAX), "{w:?}");
            assert!(data_key(w[0], 0) < data_lower_bound(w[1]));
        }
        for k in &keys {
            let dk = data_key(k, 42);
            let (enc, ts) = split_data_key(&dk).expect("split");
            assert_eq!(ts, 42);
            assert_eq!(unescape(enc).expect("unescape"), k.to_vec());
            assert!(data_lower_bound(k) <= dk);
            assert!(dk < data_upper_bound(b""));
        }
        // Newer versions sort first.
        assert!(data_key(b"k", 7) < data_key(b"k", 6));
        assert!(META_LAST_TS < data_lower_bound(b"").as_slice());
    }

    #[test]
    fn long_keys_escape_across_pieces() {
        // Keys longer than a piece, with zeros and 0xFF on both sides of the pieces' ends.
        for len in 0..3 * ESCAPE_PIECE + 2 {
            for seed in 0..8u8 {
                let key: Vec<u8> = (0..len)
                    .map(
                        |i| match (i as u8).wrapping_mul(seed | 1).wrapping_add(seed) % 4 {
                            0 => 0x00,
                            1 => 0xFF,
                            2 => 0x01,
                            _ => i as u8,
                        },
                    )
                    .collect();
                let mut expected: Vec<u8> = key
                    .iter()
                    .flat_map(|&b| if b == 0 { vec![0x00, 0xFF] } else { vec![b] })
                    .collect();
                expected.extend_from_slice(&[0x00, 0x00]);
                let mut escaped = vec![7];
                escape_into(&key, &mut escaped);
                assert_eq!(escaped[1..], expected[..], "{key:?}");
                assert_eq!(unescape(&expected).expect("unescape"), key);
            }
        }
    }

    #[test]
    fn values_round_trip() {
        assert_eq!(decode_value(&encode_value(Some(b"v"))), Ok(Some(&b"v"[..])));
        assert_eq!(decode_value(&encode_value(Some(b""))), Ok(Some(&b""[..])));
        assert_eq!(decode_value(&encode_value(None)), Ok(None));
        assert!(decode_value(b"").is_err());
        for malformed in [&b"a\x00"[..], b"a", b"a\x00\x00b", b"a\x00\x01\x00\x00"] {
            assert!(unescape(malformed).is_err(), "{malformed:?}");
        }
        assert_eq!(decode_ts(&encode_ts(9)), Ok(9));
    }
}
