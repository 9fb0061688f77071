//! Memcomparable ("flagged datum") encoding of values, after TiDB's `codec.EncodeKey`.
//!
//! Each value is a one-byte flag naming its kind followed by a payload chosen so that, for two
//! values of the same kind, comparing the encodings as byte strings gives the same answer as
//! comparing the values in SQL. A sequence of values is just the concatenation of their
//! encodings, and since every payload is self-delimiting, a tuple sorts by its first value,
//! then its second, and so on: exactly what a multi-column index needs.
//!
//! | kind     | flag | payload                                                          |
//! |----------|------|------------------------------------------------------------------|
//! | NULL     | 0    | none: sorts before every other value                             |
//! | bytes    | 1    | groups of 8 bytes, each followed by a marker `255 - padding`     |
//! | int      | 3    | `i64` big-endian with the sign bit flipped                       |
//! | uint     | 4    | `u64` big-endian                                                 |
//! | float    | 5    | `f64` bits: positives sign-flipped, negatives all bits flipped   |
//! | decimal  | 6    | sign class, exponent, base-100 digit pairs (see [`encode_decimal`]) |
//! | date     | 12   | days from 0001-01-01 (CE) as a sign-flipped `i64`                |
//! | datetime | 13   | microseconds since the Unix epoch as a sign-flipped `i64`        |
//!
//! Flags 0–6 and the payloads match TiDB; dates and datetimes are moltdb's own (TiDB packs
//! times into a `u64`). Values of different kinds order by flag, not by SQL: callers must
//! coerce the values of one index column to the column's kind before encoding (for example an
//! `Int` literal compared against a `BIGINT UNSIGNED` column becomes a `UInt`).
//!
//! Two encodings differ from the value they came from in ways that compare equal in SQL: a
//! decimal decodes with trailing fractional zeros stripped (`1.50` comes back as `1.5`, since
//! equal values must have equal keys; rescale to the column's scale if the text matters), and
//! `-0.0` encodes as `0.0`. Datetimes keep microseconds, MySQL's finest precision.

use chrono::{DateTime, Datelike, NaiveDate};
use num_bigint::{BigInt, BigUint, Sign};

use super::{corrupt, Result};
use crate::types::decimal::{MAX_PRECISION, MAX_SCALE};
use crate::types::{Decimal, Value};

pub const NIL_FLAG: u8 = 0;
pub const BYTES_FLAG: u8 = 1;
pub const INT_FLAG: u8 = 3;
pub const UINT_FLAG: u8 = 4;
pub const FLOAT_FLAG: u8 = 5;
pub const DECIMAL_FLAG: u8 = 6;
pub const DATE_FLAG: u8 = 12;
pub const DATETIME_FLAG: u8 = 13;

const SIGN_MASK: u64 = 1 << 63;
const GROUP_SIZE: usize = 8;
const GROUP_MARKER: u8 = 255;

/// Appends one value, flag first.
pub fn encode_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.push(NIL_FLAG),
        Value::Int(i) => {
            buf.push(INT_FLAG);
            encode_i64(buf, *i);
        }
        Value::UInt(u) => {
            buf.push(UINT_FLAG);
            buf.extend_from_slice(&u.to_be_bytes());
        }
        Value::Float(f) => {
            buf.push(FLOAT_FLAG);
            encode_f64(buf, *f);
        }
        Value::Decimal(d) => {
            buf.push(DECIMAL_FLAG);
            encode_decimal(buf, d);
        }
        Value::Bytes(b) => {
            buf.push(BYTES_FLAG);
            encode_bytes(buf, b);
        }
        Value::Date(d) => {
            buf.push(DATE_FLAG);
            encode_i64(buf, i64::from(d.num_days_from_ce()));
        }
        Value::DateTime(dt) => {
            buf.push(DATETIME_FLAG);
            encode_i64(buf, dt.and_utc().timestamp_micros());
        }
    }
}

/// Appends several values; the result sorts like the tuple of values.
pub fn encode_values(buf: &mut Vec<u8>, vs: &[Value]) {
    for v in vs {
        encode_value(buf, v);
    }
}

/// Decodes one value from the front of `input` and advances `input` past it.
pub fn decode_value(input: &mut &[u8]) -> Result<Value> {
    let Some((&flag, rest)) = input.split_first() else {
        return corrupt("empty input where a value was expected");
    };
    *input = rest;
    Ok(match flag {
        NIL_FLAG => Value::Null,
        INT_FLAG => Value::Int(decode_i64(input)?),
        UINT_FLAG => Value::UInt(take_u64(input)?),
        FLOAT_FLAG => Value::Float(decode_f64(input)?),
        DECIMAL_FLAG => Value::from(decode_decimal(input)?),
        BYTES_FLAG => Value::Bytes(decode_bytes(input)?),
        DATE_FLAG => {
            let days = decode_i64(input)?;
            let date = i32::try_from(days)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt);
            match date {
                Some(d) => Value::Date(d),
                None => return corrupt(format!("date out of range: {days} days")),
            }
        }
        DATETIME_FLAG => {
            let micros = decode_i64(input)?;
            match DateTime::from_timestamp_micros(micros) {
                Some(dt) => Value::DateTime(dt.naive_utc()),
                None => return corrupt(format!("datetime out of range: {micros} us")),
            }
        }
        other => return corrupt(format!("unknown value flag {other}")),
    })
}

/// Decodes a whole byte string of concatenated values.
pub fn decode_values(bytes: &[u8]) -> Result<Vec<Value>> {
    let mut input = bytes;
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(decode_value(&mut input)?);
    }
    Ok(out)
}

/// Appends an `i64` without a flag, in 8 bytes that sort like the integer (used for table ids,
/// index ids and handles inside keys).
pub fn encode_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&((v as u64) ^ SIGN_MASK).to_be_bytes());
}

/// Reads an `i64` written by [`encode_i64`] and advances `input`.
pub fn decode_i64(input: &mut &[u8]) -> Result<i64> {
    Ok((take_u64(input)? ^ SIGN_MASK) as i64)
}

fn take_u64(input: &mut &[u8]) -> Result<u64> {
    let Some((head, rest)) = input.split_first_chunk::<8>() else {
        return corrupt(format!("need 8 bytes, have {}", input.len()));
    };
    *input = rest;
    Ok(u64::from_be_bytes(*head))
}

fn encode_f64(buf: &mut Vec<u8>, f: f64) {
    // -0.0 == 0.0 in SQL, so both must give the same key.
    let f = if f == 0.0 { 0.0 } else { f };
    let u = f.to_bits();
    let u = if u & SIGN_MASK != 0 {
        !u
    } else {
        u | SIGN_MASK
    };
    buf.extend_from_slice(&u.to_be_bytes());
}

fn decode_f64(input: &mut &[u8]) -> Result<f64> {
    let u = take_u64(input)?;
    let u = if u & SIGN_MASK != 0 {
        u & !SIGN_MASK
    } else {
        !u
    };
    Ok(f64::from_bits(u))
}

/// Appends `data` in TiDB's group encoding: 8-byte groups, the last one padded with zeros,
/// each followed by `255 - number of padding bytes`. A full group's marker (255) is larger
/// than any final group's, so `"a"` sorts before `"a\0"` and before `"ab"`, and a byte string
/// that is a prefix of another sorts first, which plain length-prefixing would not give.
pub fn encode_bytes(buf: &mut Vec<u8>, data: &[u8]) {
    buf.reserve((data.len() / GROUP_SIZE + 1) * (GROUP_SIZE + 1));
    let mut chunks = data.chunks_exact(GROUP_SIZE);
    for group in &mut chunks {
        buf.extend_from_slice(group);
        buf.push(GROUP_MARKER);
    }
    // Always end with a partial group, possibly all padding, so the end is unambiguous.
    let tail = chunks.remainder();
    let pad = GROUP_SIZE - tail.len();
    buf.extend_from_slice(tail);
    buf.extend(std::iter::repeat_n(0u8, pad));
    buf.push(GROUP_MARKER - pad as u8);
}

/// Reads a byte string written by [`encode_bytes`] and advances `input`.
pub fn decode_bytes(input: &mut &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let Some((group, rest)) = input.split_first_chunk::<{ GROUP_SIZE + 1 }>() else {
            return corrupt("truncated byte group");
        };
        *input = rest;
        let pad = usize::from(GROUP_MARKER - group[GROUP_SIZE]);
        if pad == 0 {
            out.extend_from_slice(&group[..GROUP_SIZE]);
            continue;
        }
        if pad > GROUP_SIZE {
            return corrupt(format!("bad byte group marker {}", group[GROUP_SIZE]));
        }
        let (data, padding) = group[..GROUP_SIZE].split_at(GROUP_SIZE - pad);
        if padding.iter().any(|&b| b != 0) {
            return corrupt("nonzero padding in byte group");
        }
        out.extend_from_slice(data);
        return Ok(out);
    }
}

const DEC_NEGATIVE: u8 = 1;
const DEC_ZERO: u8 = 2;
const DEC_POSITIVE: u8 = 3;
const DEC_EXP_BIAS: i32 = 128;
/// Ends the digit pairs; below every pair byte (which are 1..=100).
const DEC_END: u8 = 0;

/// Appends a decimal so that byte order is numeric order and equal values (`1.5`, `1.50`)
/// give equal bytes.
///
/// Write the value as `±0.d1d2d3… × 10^e` with `d1 ≠ 0` and no trailing zero digits: that form
/// is unique for each nonzero value. Then:
///
/// * a sign class byte: 1 negative, 2 zero (nothing follows), 3 positive;
/// * `e + 128` as one byte (`e` lies in -29..=65: at most 65 integer digits, 30 decimals);
/// * the digits in pairs, each pair `10·a + b` stored as `pair + 1`, the last pair padded with
///   a 0 digit, then a terminator 0. A shorter digit string sorts before a longer one it is a
///   prefix of, which is right, as the longer one has more nonzero digits.
///
/// For negative values every byte after the sign class is inverted (`255 - b`), which reverses
/// the order of magnitudes.
pub fn encode_decimal(buf: &mut Vec<u8>, d: &Decimal) {
    if d.is_zero() {
        buf.push(DEC_ZERO);
        return;
    }
    let negative = d.is_negative();
    // Digits of the mantissa, most significant first, trailing zeros dropped.
    let digits = d.mantissa().magnitude().to_radix_be(10);
    let exp = digits.len() as i32 - i32::from(d.scale());
    let significant = digits.len() - digits.iter().rev().take_while(|&&x| x == 0).count();
    let flip = |b: u8| if negative { 255 - b } else { b };
    buf.push(if negative { DEC_NEGATIVE } else { DEC_POSITIVE });
    // Decimals stay far inside the byte's range; clamping only guards against misuse.
    buf.push(flip((exp + DEC_EXP_BIAS).clamp(0, 255) as u8));
    for pair in digits[..significant].chunks(2) {
        let lo = pair.get(1).copied().unwrap_or(0);
        buf.push(flip(pair[0] * 10 + lo + 1));
    }
    buf.push(flip(DEC_END));
}

/// Reads a decimal written by [`encode_decimal`] and advances `input`. The result has no
/// trailing fractional zeros.
pub fn decode_decimal(input: &mut &[u8]) -> Result<Decimal> {
    let Some((&class, rest)) = input.split_first() else {
        return corrupt("truncated decimal");
    };
    *input = rest;
    let negative = match class {
        DEC_ZERO => return Ok(Decimal::ZERO),
        DEC_NEGATIVE => true,
        DEC_POSITIVE => false,
        other => return corrupt(format!("bad decimal sign class {other}")),
    };
    let flip = |b: u8| if negative { 255 - b } else { b };
    let Some((&exp_byte, rest)) = input.split_first() else {
        return corrupt("truncated decimal exponent");
    };
    *input = rest;
    let exp = i32::from(flip(exp_byte)) - DEC_EXP_BIAS;
    let max_digits = usize::from(MAX_PRECISION) + usize::from(MAX_SCALE);
    let mut digits = Vec::new();
    loop {
        let Some((&b, rest)) = input.split_first() else {
            return corrupt("unterminated decimal digits");
        };
        *input = rest;
        let b = flip(b);
        if b == DEC_END {
            break;
        }
        if b > 100 || digits.len() >= max_digits {
            return corrupt("bad decimal digits");
        }
        digits.extend([(b - 1) / 10, (b - 1) % 10]);
    }
    // A trailing zero digit is the padding of an odd-length digit string.
    if digits.last() == Some(&0) {
        digits.pop();
    }
    let shift = exp - digits.len() as i32;
    if exp > i32::from(MAX_PRECISION) || shift < -i32::from(MAX_SCALE) {
        return corrupt("decimal out of range");
    }
    let mut magnitude = BigUint::from_radix_be(&digits, 10).unwrap_or_default();
    if shift > 0 {
        magnitude *= BigUint::from(10u8).pow(shift as u32);
    }
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    let scale = (-shift).max(0) as u8;
    Ok(Decimal::new(BigInt::from_biguint(sign, magnitude), scale))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// A tiny deterministic generator (Knuth's MMIX LCG), enough to shake out order bugs.
    pub(crate) struct Lcg(pub u64);

    impl Lcg {
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 ^ (self.0 >> 29)
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n
        }
    }

    fn enc(v: &Value) -> Vec<u8> {
        let mut buf = Vec::new();
        encode_value(&mut buf, v);
        buf
    }

    fn round_trip(v: &Value) {
        let bytes = enc(v);
        let mut input = bytes.as_slice();
        let back = decode_value(&mut input).unwrap();
        assert!(input.is_empty(), "{v:?} left bytes behind");
        assert_eq!(
            back.sql_cmp(v),
            Ordering::Equal,
            "{v:?} came back as {back:?}"
        );
        assert_eq!(enc(&back), bytes, "{v:?} re-encodes differently");
    }

    /// Every pair must compare the same by encoding as by `sql_cmp`.
    fn assert_order_matches(values: &[Value]) {
        let encoded: Vec<Vec<u8>> = values.iter().map(enc).collect();
        for (a, ea) in values.iter().zip(&encoded) {
            for (b, eb) in values.iter().zip(&encoded) {
                assert_eq!(ea.cmp(eb), a.sql_cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    fn dec(m: i128, scale: u8) -> Value {
        Value::from(Decimal::new(m, scale))
    }

    fn wide(text: &str) -> Value {
        Value::from(text.parse::<Decimal>().unwrap())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn random_bytes(rng: &mut Lcg) -> Vec<u8> {
        // A small alphabet with the group-encoding edge bytes makes prefixes and ties likely.
        const ALPHABET: [u8; 5] = [0x00, 0x01, b'a', 0xFE, 0xFF];
        let len = rng.below(20) as usize;
        (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
            .collect()
    }

    /// Any DECIMAL(65,30) value: up to 65 integer digits and 30 decimals, often fewer, with
    /// runs of zeros and nines (where carries and ties hide).
    pub(crate) fn random_decimal(rng: &mut Lcg) -> Decimal {
        let scale = rng.below(u64::from(MAX_SCALE) + 1) as u8;
        let len = rng.below(u64::from(MAX_PRECISION) + u64::from(scale) + 1) as usize;
        let digits: Vec<u8> = (0..len)
            .map(|_| match rng.below(4) {
                0 => 0,
                1 => 9,
                _ => rng.below(10) as u8,
            })
            .collect();
        let m = BigUint::from_radix_be(&digits, 10).unwrap_or_default();
        let sign = if rng.below(2) == 0 {
            Sign::Plus
        } else {
            Sign::Minus
        };
        Decimal::new(BigInt::from_biguint(sign, m), scale)
    }

    #[test]
    fn round_trips_every_kind() {
        let mut values = vec![
            Value::Null,
            Value::Int(0),
            Value::Int(-1),
            Value::Int(1),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::UInt(0),
            Value::UInt(u64::MAX),
            Value::Float(0.0),
            Value::Float(-1.5),
            Value::Float(f64::MAX),
            Value::Float(f64::MIN),
            Value::Float(f64::MIN_POSITIVE),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NEG_INFINITY),
            Value::Bytes(vec![]),
            Value::Bytes(vec![0; 8]),
            Value::Bytes(vec![0xFF; 17]),
            Value::Bytes((0..=255).collect()),
            Value::str("hello, world"),
            Value::from(Decimal::ZERO),
            Value::from(Decimal::max_of(65, 30)),
            Value::from(-Decimal::max_of(65, 30)),
            Value::from(Decimal::max_of(65, 0)),
            Value::from(Decimal::new(1, 30)),
            wide("12345678901234567890123456789012345.123456789012345678901234567890"),
            dec(1, 28),
            dec(-1, 28),
            dec(123_456_789, 4),
            dec(-1050, 3),
            dec(10_000, 0),
            Value::Date(date(1, 1, 1)),
            Value::Date(date(1970, 1, 1)),
            Value::Date(date(9999, 12, 31)),
            Value::Date(NaiveDate::MIN),
            Value::Date(NaiveDate::MAX),
            Value::DateTime(
                date(2024, 2, 29)
                    .and_hms_micro_opt(23, 59, 59, 999_999)
                    .unwrap(),
            ),
            Value::DateTime(date(1, 1, 1).and_hms_opt(0, 0, 0).unwrap()),
            Value::DateTime(date(1969, 12, 31).and_hms_micro_opt(23, 59, 59, 1).unwrap()),
            Value::DateTime(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap()),
        ];
        let mut rng = Lcg(7);
        for _ in 0..500 {
            values.push(Value::from(random_decimal(&mut rng)));
            values.push(Value::Bytes(random_bytes(&mut rng)));
            values.push(Value::Int(rng.next_u64() as i64));
        }
        for v in &values {
            round_trip(v);
        }
        let mut buf = Vec::new();
        encode_values(&mut buf, &values);
        let back = decode_values(&buf).unwrap();
        assert_eq!(back.len(), values.len());
        for (a, b) in back.iter().zip(&values) {
            assert_eq!(a.sql_cmp(b), Ordering::Equal);
        }
    }

    #[test]
    fn decimals_normalize_scale() {
        assert_eq!(enc(&dec(150, 2)), enc(&dec(15, 1)));
        assert_eq!(enc(&dec(-1_000, 3)), enc(&dec(-1, 0)));
        assert_eq!(enc(&dec(0, 5)), enc(&dec(0, 0)));
        let mut input = &enc(&dec(150, 2))[1..];
        assert_eq!(decode_decimal(&mut input).unwrap().to_string(), "1.5");
        let mut input = &enc(&dec(1200, 0))[1..];
        assert_eq!(decode_decimal(&mut input).unwrap().to_string(), "1200");
        let text = "12345678901234567890123456789012345.12345678901234567890123456789";
        assert_eq!(enc(&wide(text)), enc(&wide(&format!("{text}0"))));
        let mut input = &enc(&wide(&format!("-{text}0")))[1..];
        assert_eq!(
            decode_decimal(&mut input).unwrap().to_string(),
            format!("-{text}")
        );
    }

    /// The bytes index keys have always held: existing keys must still compare and decode.
    #[test]
    fn decimal_bytes_are_unchanged() {
        assert_eq!(enc(&dec(15, 1)), [DECIMAL_FLAG, 3, 129, 16, 0]);
        assert_eq!(enc(&dec(-150, 2)), [DECIMAL_FLAG, 1, 126, 239, 255]);
        assert_eq!(enc(&dec(123, 5)), [DECIMAL_FLAG, 3, 126, 13, 31, 0]);
        assert_eq!(enc(&dec(0, 3)), [DECIMAL_FLAG, 2]);
        let mut max = vec![DECIMAL_FLAG, 3, 128 + 35];
        max.extend([100; 32]);
        max.extend([91, 0]);
        assert_eq!(enc(&Value::from(Decimal::max_of(65, 30))), max);
    }

    #[test]
    fn negative_zero_float_equals_zero() {
        assert_eq!(enc(&Value::Float(-0.0)), enc(&Value::Float(0.0)));
    }

    #[test]
    fn order_matches_sql_per_kind() {
        let mut rng = Lcg(42);
        let n = 300;
        let mut ints: Vec<Value> = [i64::MIN, -1, 0, 1, i64::MAX]
            .into_iter()
            .map(Value::Int)
            .collect();
        ints.extend((0..n).map(|_| Value::Int((rng.next_u64() as i64) >> rng.below(64))));
        assert_order_matches(&ints);

        let mut uints: Vec<Value> = [0, 1, u64::MAX].into_iter().map(Value::UInt).collect();
        uints.extend((0..n).map(|_| Value::UInt(rng.next_u64() >> rng.below(64))));
        assert_order_matches(&uints);

        let mut floats: Vec<Value> = [0.0, 1.0, -1.0, f64::MIN_POSITIVE, -f64::MIN_POSITIVE]
            .into_iter()
            .chain([f64::MAX, f64::MIN, f64::INFINITY, f64::NEG_INFINITY, 5e-324])
            .map(Value::Float)
            .collect();
        while floats.len() < n {
            let f = f64::from_bits(rng.next_u64());
            // NaN is not a SQL value; -0.0 is tested separately (it equals 0.0 in SQL).
            if !f.is_nan() && f != 0.0 {
                floats.push(Value::Float(f));
            }
        }
        assert_order_matches(&floats);

        let mut decimals = vec![
            Value::from(Decimal::max_of(65, 30)),
            Value::from(-Decimal::max_of(65, 30)),
            Value::from(Decimal::max_of(65, 0)),
            Value::from(-Decimal::max_of(65, 0)),
            Value::from(Decimal::max_of(64, 30)),
            Value::from(Decimal::new(1, 30)),
            Value::from(Decimal::new(-1, 30)),
            wide("1e64"),
            wide("99999999999999999999999999999999999999999999999999999999999999999"),
            wide("99999999999999999999999999999999999999999999999999999999999999998.9"),
            wide("12345678901234567890123456789012345.123456789012345678901234567890"),
            wide("12345678901234567890123456789012345.12345678901234567890123456789"),
            wide("-12345678901234567890123456789012345.123456789012345678901234567890"),
            dec(1, 28),
            dec(-1, 28),
            dec(15, 1),
            dec(150, 2),
            dec(-15, 1),
            dec(-150, 2),
            dec(1, 0),
            dec(10, 0),
            dec(9, 0),
            dec(99, 1),
            dec(101, 2),
        ];
        decimals.extend((0..n).map(|_| Value::from(random_decimal(&mut rng))));
        assert_order_matches(&decimals);

        let mut bytes: Vec<Value> = ["", "a", "a\0", "ab", "\0", "\u{7f}"]
            .into_iter()
            .map(Value::str)
            .chain([vec![0; 8], vec![0; 9], vec![0xFF; 8], vec![0xFF; 7]].map(Value::Bytes))
            .collect();
        bytes.extend((0..n).map(|_| Value::Bytes(random_bytes(&mut rng))));
        assert_order_matches(&bytes);

        let mut dates = vec![Value::Date(NaiveDate::MIN), Value::Date(NaiveDate::MAX)];
        dates.extend((0..n).map(|_| {
            let days = rng.below(4_000_000) as i32 - 1_000_000;
            Value::Date(NaiveDate::from_num_days_from_ce_opt(days).unwrap())
        }));
        assert_order_matches(&dates);

        let mut datetimes = vec![Value::DateTime(
            date(1970, 1, 1).and_hms_opt(0, 0, 0).unwrap(),
        )];
        datetimes.extend((0..n).map(|_| {
            let micros = (rng.next_u64() as i64) >> (rng.below(8) + 2);
            Value::DateTime(DateTime::from_timestamp_micros(micros).unwrap().naive_utc())
        }));
        assert_order_matches(&datetimes);

        // NULL sorts before everything.
        for v in [&ints[0], &bytes[0], &decimals[1], &floats[7], &dates[0]] {
            assert!(enc(&Value::Null) < enc(v));
        }
    }

    #[test]
    fn tuples_sort_column_by_column() {
        let tuple = |a: &str, b: i64| {
            let mut buf = Vec::new();
            encode_values(&mut buf, &[Value::str(a), Value::Int(b)]);
            buf
        };
        // The first column decides even when the second points the other way.
        assert!(tuple("a", i64::MAX) < tuple("a\0", i64::MIN));
        assert!(tuple("a", 5) < tuple("ab", -5));
        assert!(tuple("abcdefgh", 9) < tuple("abcdefgh\0", 0));
        assert!(tuple("a", -1) < tuple("a", 0));
        // A prefix of a key sorts before every key that extends it.
        let mut prefix = Vec::new();
        encode_value(&mut prefix, &Value::str("a"));
        assert!(prefix < tuple("a", i64::MIN));
        assert!(tuple("a", i64::MAX) < tuple("a\0", i64::MIN));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert!(decode_value(&mut &[][..]).is_err());
        assert_eq!(decode_values(&[]).unwrap(), vec![]);
        let cases: &[&[u8]] = &[
            &[INT_FLAG, 1, 2, 3],
            &[UINT_FLAG],
            &[BYTES_FLAG, b'a', 0, 0, 0, 0, 0, 0, 0],
            &[BYTES_FLAG, b'a', 0, 0, 0, 0, 0, 0, 0, 200],
            &[BYTES_FLAG, b'a', 0, 0, 0, 0, 0, 0, 1, 254],
            &[BYTES_FLAG, 1, 2, 3, 4, 5, 6, 7, 8, 255],
            &[DECIMAL_FLAG],
            &[DECIMAL_FLAG, 9],
            &[DECIMAL_FLAG, DEC_POSITIVE, 129, 11],
            &[DECIMAL_FLAG, DEC_POSITIVE, 129, 101, 0],
            &[DECIMAL_FLAG, DEC_POSITIVE, 255, 2, 0],
            &[DECIMAL_FLAG, DEC_POSITIVE, 0, 2, 0],
            &[DATE_FLAG, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            &[
                DATETIME_FLAG,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
                0xFF,
            ],
            &[2],
            &[99],
        ];
        for case in cases {
            assert!(decode_values(case).is_err(), "{case:?} decoded");
        }
        // Many digit pairs must not overflow.
        let mut long = vec![DECIMAL_FLAG, DEC_POSITIVE, 200];
        long.extend([100; 64]);
        long.push(DEC_END);
        assert!(decode_values(&long).is_err());
    }
}
