//! The row value codec: what a record key (`t{table}_r{handle}`) maps to.
//!
//! In the spirit of TiDB's row format v2, but simpler:
//!
//! ```text
//! row    := VERSION varint(count) column*
//! column := varint(column_id) tag payload
//! ```
//!
//! | tag | kind     | payload                                               |
//! |-----|----------|-------------------------------------------------------|
//! | 0   | NULL     | none                                                  |
//! | 1   | int      | zigzag LEB128 varint                                  |
//! | 2   | uint     | LEB128 varint                                         |
//! | 3   | float    | 8 bytes, little-endian IEEE 754 bits                  |
//! | 4   | decimal  | scale byte, then zigzag LEB128 varint of the mantissa |
//!
//! A decimal's mantissa is an integer of any size (65 digits and 30 decimals need 317 bits);
//! zigzag makes it unsigned (`2m` for `m >= 0`, `-2m - 1` below) and LEB128 writes it seven
//! bits a byte, least significant first, as for the 64-bit ints. Rows written when mantissas
//! were at most 96 bits read the same.
//! | 5   | bytes    | varint length, then the bytes                         |
//! | 6   | date     | zigzag varint of days from 0001-01-01 (CE)            |
//! | 7   | datetime | zigzag varint of microseconds since the Unix epoch    |
//!
//! Rows never need to sort, so unlike keys they use variable-length integers: small ints take a
//! byte or two. Each value carries its column id rather than its position, so that after
//! `ADD COLUMN` old rows simply lack the new id (readers substitute the default) and after
//! `DROP COLUMN` stale ids are skipped; rows need not be rewritten. Decimals keep their scale
//! (`1.50` stays `1.50`) and floats their exact bits, unlike the memcomparable encoding.

use chrono::{DateTime, Datelike, NaiveDate};
use num_bigint::{BigInt, BigUint, Sign};

use super::{corrupt, Result};
use crate::types::decimal::MAX_SCALE;
use crate::types::{Decimal, Value};

/// First byte of every row; a different format would use a different byte.
pub const VERSION: u8 = 128;

const TAG_NULL: u8 = 0;
const TAG_INT: u8 = 1;
const TAG_UINT: u8 = 2;
const TAG_FLOAT: u8 = 3;
const TAG_DECIMAL: u8 = 4;
/// The longest decimal mantissa varint read: 317 bits take 46 bytes; longer is corrupt.
const MAX_MANTISSA_BYTES: usize = 48;
const TAG_BYTES: u8 = 5;
const TAG_DATE: u8 = 6;
const TAG_DATETIME: u8 = 7;

/// Encodes a row from `(column id, value)` pairs.
pub fn encode_row(cols: &[(u64, &Value)]) -> Vec<u8> {
    let size: usize = cols.iter().map(|(_, v)| encoded_size(v)).sum();
    let mut buf = Vec::with_capacity(1 + 10 + size);
    encode_row_into(&mut buf, cols.iter().copied());
    buf
}

/// Appends a row to `buf` from an iterator of `(column id, value)` pairs, so callers can zip
/// column ids with values without collecting them first.
pub fn encode_row_into<'a, I>(buf: &mut Vec<u8>, cols: I)
where
    I: IntoIterator<Item = (u64, &'a Value)>,
    I::IntoIter: ExactSizeIterator,
{
    let cols = cols.into_iter();
    buf.push(VERSION);
    put_uvarint(buf, cols.len() as u64);
    for (id, v) in cols {
        put_uvarint(buf, id);
        encode_value(buf, v);
    }
}

/// Decodes every column of a row, in stored order.
pub fn decode_row(bytes: &[u8]) -> Result<Vec<(u64, Value)>> {
    let mut r = Reader(bytes);
    let count = r.header()?;
    // A corrupt count must not allocate wildly: each column takes at least two bytes.
    let mut out = Vec::with_capacity(count.min(bytes.len() / 2));
    for _ in 0..count {
        let id = r.uvarint()?;
        out.push((id, r.value()?));
    }
    if !r.0.is_empty() {
        return corrupt("trailing bytes after row");
    }
    Ok(out)
}

/// Decodes the columns `col_ids`, in that order: `None` for a column the row does not have
/// (added after the row was written; the caller uses the column's default).
///
/// One pass over the row; each stored id is matched against `col_ids` linearly, which beats
/// hashing for the handful of columns a table has. Unrequested values are skipped without
/// allocating, and decoding stops once every requested column is found.
pub fn decode_columns(bytes: &[u8], col_ids: &[u64]) -> Result<Vec<Option<Value>>> {
    let mut out: Vec<Option<Value>> = vec![None; col_ids.len()];
    let mut r = Reader(bytes);
    let count = r.header()?;
    let mut missing = col_ids.len();
    for _ in 0..count {
        if missing == 0 {
            break;
        }
        let id = r.uvarint()?;
        let Some(first) = col_ids.iter().position(|&c| c == id) else {
            r.skip_value()?;
            continue;
        };
        let value = r.value()?;
        // The same column asked for twice gets a copy.
        for (slot, _) in out[first + 1..]
            .iter_mut()
            .zip(&col_ids[first + 1..])
            .filter(|(slot, &c)| c == id && slot.is_none())
        {
            *slot = Some(value.clone());
            missing -= 1;
        }
        if out[first].is_none() {
            out[first] = Some(value);
            missing -= 1;
        }
    }
    Ok(out)
}

fn encoded_size(v: &Value) -> usize {
    // Id, tag and a generous bound on the payload.
    2 + match v {
        Value::Null => 0,
        Value::Bytes(b) => 5 + b.len(),
        Value::Decimal(d) => 2 + d.mantissa().bits() as usize / 7,
        _ => 10,
    }
}

fn encode_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.push(TAG_NULL),
        Value::Int(i) => {
            buf.push(TAG_INT);
            put_uvarint(buf, zigzag(*i));
        }
        Value::UInt(u) => {
            buf.push(TAG_UINT);
            put_uvarint(buf, *u);
        }
        Value::Float(f) => {
            buf.push(TAG_FLOAT);
            buf.extend_from_slice(&f.to_le_bytes());
        }
        Value::Decimal(d) => {
            buf.push(TAG_DECIMAL);
            buf.push(d.scale());
            put_mantissa(buf, d.mantissa());
        }
        Value::Bytes(b) => {
            buf.push(TAG_BYTES);
            put_uvarint(buf, b.len() as u64);
            buf.extend_from_slice(b);
        }
        Value::Date(d) => {
            buf.push(TAG_DATE);
            put_uvarint(buf, zigzag(i64::from(d.num_days_from_ce())));
        }
        Value::DateTime(dt) => {
            buf.push(TAG_DATETIME);
            put_uvarint(buf, zigzag(dt.and_utc().timestamp_micros()));
        }
    }
}

fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn put_uvarint(buf: &mut Vec<u8>, mut u: u64) {
    while u >= 0x80 {
        buf.push(u as u8 | 0x80);
        u >>= 7;
    }
    buf.push(u as u8);
}

fn put_uvarint128(buf: &mut Vec<u8>, mut u: u128) {
    while u >= 0x80 {
        buf.push(u as u8 | 0x80);
        u >>= 7;
    }
    buf.push(u as u8);
}

/// A decimal's mantissa as the zigzag LEB128 varint of any length.
fn put_mantissa(buf: &mut Vec<u8>, m: &BigInt) {
    // Most mantissas fit 128 bits (all did once): no big arithmetic for them.
    if let Ok(m) = i128::try_from(m) {
        return put_uvarint128(buf, ((m << 1) ^ (m >> 127)) as u128);
    }
    let z: BigUint = match m.sign() {
        Sign::Minus => (m.magnitude() << 1u8) - 1u8,
        _ => m.magnitude() << 1u8,
    };
    // Base-128 digits, least significant first, are exactly LEB128's groups.
    let groups = z.to_radix_le(128);
    let last = groups.len() - 1;
    buf.extend(
        groups
            .iter()
            .enumerate()
            .map(|(i, &g)| if i < last { g | 0x80 } else { g }),
    );
}

/// A cursor over the encoded row; every read checks bounds.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// Checks the version byte and returns the column count.
    fn header(&mut self) -> Result<usize> {
        match self.byte()? {
            VERSION => {}
            other => return corrupt(format!("unknown row format version {other}")),
        }
        match usize::try_from(self.uvarint()?) {
            Ok(n) => Ok(n),
            Err(_) => corrupt("row column count too large"),
        }
    }

    fn byte(&mut self) -> Result<u8> {
        let Some((&b, rest)) = self.0.split_first() else {
            return corrupt("truncated row");
        };
        self.0 = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return corrupt("truncated row");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uvarint(&mut self) -> Result<u64> {
        let mut u = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return corrupt("varint overflows u64");
            }
            u |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(u);
            }
        }
        corrupt("varint too long")
    }

    /// The bytes of a decimal mantissa's varint (at most [`MAX_MANTISSA_BYTES`]).
    fn mantissa_bytes(&mut self) -> Result<&'a [u8]> {
        match self.0.iter().position(|&b| b < 0x80) {
            Some(end) if end < MAX_MANTISSA_BYTES => self.take(end + 1),
            Some(_) => corrupt("decimal varint too long"),
            None => corrupt("truncated row"),
        }
    }

    /// A decimal mantissa written by [`put_mantissa`].
    fn mantissa(&mut self) -> Result<BigInt> {
        let bytes = self.mantissa_bytes()?;
        // 18 groups are 126 bits: the i128 of rows written before mantissas grew.
        if bytes.len() <= 18 {
            let z = bytes
                .iter()
                .rev()
                .fold(0u128, |z, &b| (z << 7) | u128::from(b & 0x7F));
            return Ok(BigInt::from(((z >> 1) as i128) ^ -((z & 1) as i128)));
        }
        let groups: Vec<u8> = bytes.iter().map(|b| b & 0x7F).collect();
        let z = BigUint::from_radix_le(&groups, 128).unwrap_or_default();
        Ok(if z.bit(0) {
            BigInt::from_biguint(Sign::Minus, (z + 1u8) >> 1u8)
        } else {
            BigInt::from(z >> 1u8)
        })
    }

    fn len(&mut self) -> Result<usize> {
        match usize::try_from(self.uvarint()?) {
            Ok(n) => Ok(n),
            Err(_) => corrupt("length too large"),
        }
    }

    fn value(&mut self) -> Result<Value> {
        Ok(match self.byte()? {
            TAG_NULL => Value::Null,
            TAG_INT => Value::Int(unzigzag(self.uvarint()?)),
            TAG_UINT => Value::UInt(self.uvarint()?),
            TAG_FLOAT => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(self.take(8)?);
                Value::Float(f64::from_le_bytes(bytes))
            }
            TAG_DECIMAL => {
                let scale = self.byte()?;
                if scale > MAX_SCALE {
                    return corrupt(format!("decimal scale {scale}"));
                }
                Value::from(Decimal::new(self.mantissa()?, scale))
            }
            TAG_BYTES => {
                let n = self.len()?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            TAG_DATE => {
                let days = unzigzag(self.uvarint()?);
                match i32::try_from(days)
                    .ok()
                    .and_then(NaiveDate::from_num_days_from_ce_opt)
                {
                    Some(d) => Value::Date(d),
                    None => return corrupt(format!("date out of range: {days} days")),
                }
            }
            TAG_DATETIME => {
                let micros = unzigzag(self.uvarint()?);
                match DateTime::from_timestamp_micros(micros) {
                    Some(dt) => Value::DateTime(dt.naive_utc()),
                    None => return corrupt(format!("datetime out of range: {micros} us")),
                }
            }
            other => return corrupt(format!("unknown row value tag {other}")),
        })
    }

    /// Steps over a value without building it.
    fn skip_value(&mut self) -> Result<()> {
        match self.byte()? {
            TAG_NULL => {}
            TAG_INT | TAG_UINT | TAG_DATE | TAG_DATETIME => {
                self.uvarint()?;
            }
            TAG_FLOAT => {
                self.take(8)?;
            }
            TAG_DECIMAL => {
                self.byte()?;
                self.mantissa_bytes()?;
            }
            TAG_BYTES => {
                let n = self.len()?;
                self.take(n)?;
            }
            other => return corrupt(format!("unknown row value tag {other}")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::memcomparable::tests::{random_decimal, Lcg};

    fn sample_values() -> Vec<Value> {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        vec![
            Value::Null,
            Value::Int(0),
            Value::Int(-1),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::UInt(0),
            Value::UInt(u64::MAX),
            Value::Float(-0.0),
            Value::Float(0.0),
            Value::Float(f64::MAX),
            Value::Float(-1e-300),
            Value::from(Decimal::new(150, 2)),
            Value::from(Decimal::new(-7, 28)),
            Value::from(Decimal::new(i128::MAX, 0)),
            Value::from(Decimal::new(i128::MIN, 30)),
            Value::from(Decimal::max_of(65, 30)),
            Value::from(-Decimal::max_of(65, 30)),
            Value::from(Decimal::ZERO),
            Value::from(Decimal::zero(30)),
            Value::Bytes(vec![]),
            Value::Bytes(vec![0, 0xFF, 0, 0xFF]),
            Value::Bytes(vec![b'x'; 1000]),
            Value::Date(date),
            Value::Date(NaiveDate::MIN),
            Value::Date(NaiveDate::MAX),
            Value::DateTime(date.and_hms_micro_opt(12, 34, 56, 789_012).unwrap()),
            Value::DateTime(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap()),
        ]
    }

    /// `Value`'s `PartialEq` treats -0.0 and 0.0 alike; the row must keep the exact bits.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::Decimal(x), Value::Decimal(y)) => x == y && x.scale() == y.scale(),
            _ => a == b,
        }
    }

    /// A decimal column's bytes as rows held them when mantissas were `i128`s: the zigzag
    /// varint of `(m << 1) ^ (m >> 127)` after the scale.
    fn old_decimal_row(m: i128, scale: u8) -> Vec<u8> {
        let mut bytes = vec![VERSION, 1, 1, TAG_DECIMAL, scale];
        let mut z = ((m << 1) ^ (m >> 127)) as u128;
        while z >= 0x80 {
            bytes.push(z as u8 | 0x80);
            z >>= 7;
        }
        bytes.push(z as u8);
        bytes
    }

    #[test]
    fn decimals_written_before_still_read_and_encode_alike() {
        let old = [
            (150, 2, "1.50"),
            (-7, 28, "-0.0000000000000000000000000007"),
            (0, 0, "0"),
            (-1, 0, "-1"),
            (
                79_228_162_514_264_337_593_543_950_335,
                0,
                "79228162514264337593543950335",
            ),
            (
                -79_228_162_514_264_337_593_543_950_335,
                28,
                "-7.9228162514264337593543950335",
            ),
            (i128::MIN, 3, "-170141183460469231731687303715884105.728"),
        ];
        for (m, scale, text) in old {
            let bytes = old_decimal_row(m, scale);
            let back = decode_row(&bytes).unwrap();
            assert_eq!(back[0].1.to_string(), text);
            assert_eq!(encode_row(&[(1, &back[0].1)]), bytes, "{text}");
        }
        // 1.50 and -7e-28 byte for byte.
        assert_eq!(
            old_decimal_row(150, 2),
            [VERSION, 1, 1, TAG_DECIMAL, 2, 0xAC, 0x02]
        );
        assert_eq!(
            old_decimal_row(-7, 28),
            [VERSION, 1, 1, TAG_DECIMAL, 28, 13]
        );
        // Past 128 bits the varint just goes on: 65 digits with 30 decimals.
        let wide: Decimal = "-12345678901234567890123456789012345.123456789012345678901234567890"
            .parse()
            .unwrap();
        let value = Value::from(wide);
        let bytes = encode_row(&[(1, &value)]);
        assert!(bytes.len() > 5 + 19 && bytes.len() <= 5 + MAX_MANTISSA_BYTES);
        let back = decode_row(&bytes).unwrap();
        assert!(same(&back[0].1, &value));
        assert_eq!(back[0].1.to_string(), value.to_string());
    }

    #[test]
    fn rows_round_trip() {
        let values = sample_values();
        let cols: Vec<(u64, &Value)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u64 * 37 + 1, v))
            .collect();
        let bytes = encode_row(&cols);
        let back = decode_row(&bytes).unwrap();
        assert_eq!(back.len(), cols.len());
        for ((id, v), (bid, bv)) in cols.iter().zip(&back) {
            assert_eq!(id, bid);
            assert!(same(v, bv), "{v:?} came back as {bv:?}");
        }
        assert_eq!(decode_row(&encode_row(&[])).unwrap(), vec![]);
    }

    #[test]
    fn small_rows_are_small() {
        let (a, b) = (Value::Int(5), Value::str("hi"));
        assert_eq!(encode_row(&[(1, &a), (2, &b)]).len(), 1 + 1 + 3 + 5);
    }

    #[test]
    fn decode_columns_picks_in_requested_order() {
        let values = sample_values();
        let cols: Vec<(u64, &Value)> = values.iter().zip(1..).map(|(v, i)| (i, v)).collect();
        let mut bytes = Vec::new();
        encode_row_into(&mut bytes, cols.iter().copied());
        assert_eq!(bytes, encode_row(&cols));

        // Column 1000 was added after the row was written; 3 is asked for twice.
        let wanted = [24, 3, 1000, 12, 3, 1];
        let got = decode_columns(&bytes, &wanted).unwrap();
        assert_eq!(got.len(), wanted.len());
        for (id, v) in wanted.iter().zip(&got) {
            match cols.iter().find(|(c, _)| c == id) {
                Some((_, want)) => assert!(same(want, v.as_ref().unwrap()), "column {id}"),
                None => assert!(v.is_none(), "column {id}"),
            }
        }
        assert_eq!(decode_columns(&bytes, &[]).unwrap(), vec![]);
        assert_eq!(
            decode_columns(&encode_row(&[]), &[1, 2]).unwrap(),
            vec![None, None]
        );
    }

    #[test]
    fn random_rows_round_trip() {
        let mut rng = Lcg(9);
        for _ in 0..200 {
            let n = rng.below(12) as usize;
            let values: Vec<Value> = (0..n)
                .map(|_| match rng.below(4) {
                    0 => Value::Int(rng.next_u64() as i64 >> rng.below(64)),
                    1 => Value::UInt(rng.next_u64() >> rng.below(64)),
                    2 => Value::Bytes(vec![rng.below(256) as u8; rng.below(300) as usize]),
                    _ => Value::from(random_decimal(&mut rng)),
                })
                .collect();
            let cols: Vec<(u64, &Value)> = values.iter().zip(1..).map(|(v, i)| (i, v)).collect();
            let bytes = encode_row(&cols);
            let back = decode_row(&bytes).unwrap();
            assert!(cols.iter().zip(&back).all(|((_, v), (_, b))| same(v, b)));
            let ids: Vec<u64> = (0..=n as u64 + 1).rev().collect();
            let got = decode_columns(&bytes, &ids).unwrap();
            assert!(got[0].is_none() && got[n + 1].is_none());
            assert!(got[1..=n]
                .iter()
                .rev()
                .zip(&values)
                .all(|(g, v)| same(g.as_ref().unwrap(), v)));
        }
    }

    #[test]
    fn corrupt_rows_are_errors() {
        let values = sample_values();
        let cols: Vec<(u64, &Value)> = values.iter().zip(1..).map(|(v, i)| (i, v)).collect();
        let bytes = encode_row(&cols);
        for len in 0..bytes.len() {
            assert!(
                decode_row(&bytes[..len]).is_err(),
                "prefix of {len} bytes decoded"
            );
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_row(&trailing).is_err());
        assert!(decode_row(&[1, 0]).is_err());
        assert!(decode_row(&[VERSION, 1, 1, 99]).is_err());
        assert!(decode_columns(&[VERSION, 2, 1, 99, 2, 0], &[2]).is_err());
        assert!(decode_row(&[VERSION, 1, 1, TAG_DECIMAL, 31, 0]).is_err());
        let mut long = vec![VERSION, 1, 1, TAG_DECIMAL, 0];
        long.extend([0x80; MAX_MANTISSA_BYTES]);
        long.push(1);
        assert!(decode_row(&long).is_err());
        assert!(decode_row(&[
            VERSION, 1, 1, TAG_INT, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F
        ])
        .is_err());
        assert!(decode_row(&[VERSION, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).is_err());
        let mut huge_bytes = vec![VERSION, 1, 1, TAG_BYTES];
        put_uvarint(&mut huge_bytes, u64::MAX);
        assert!(decode_row(&huge_bytes).is_err());
    }
}
