//! The wire side of prepared statements: decoding COM_STMT_EXECUTE's parameters.
//!
//! A client sends the parameter types with the first execution ("new params bound" = 1) and
//! may omit them afterwards (flag 0, as libmysqlclient, sysbench, mysql-connector and JDBC do
//! on re-execution): the types of the last bound execution then apply, so they are kept per
//! statement. Values sent earlier with COM_STMT_SEND_LONG_DATA are not repeated in the
//! execute packet; they are collected here until the execution (or COM_STMT_RESET).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::handshake::Cursor;
use super::packets::{
    T_DATE, T_DATETIME, T_DOUBLE, T_FLOAT, T_INT24, T_LONG, T_LONGLONG, T_NULL, T_SHORT, T_STRING,
    T_TIME, T_TIMESTAMP, T_TINY, T_VARCHAR, T_VAR_STRING, T_YEAR,
};
use crate::error::Error;
use crate::types::Value;

/// The second type byte's flag for unsigned integers.
const UNSIGNED_FLAG: u8 = 0x80;

/// What the wire layer keeps of one prepared statement.
#[derive(Debug, Default)]
pub struct StatementWire {
    pub params: usize,
    /// (type, flags) of each parameter from the last execution that bound them.
    types: Option<Vec<(u8, u8)>>,
    /// Parameter index -> bytes sent with COM_STMT_SEND_LONG_DATA since the last execution.
    long_data: HashMap<usize, Vec<u8>>,
}

impl StatementWire {
    pub fn new(params: usize) -> Self {
        StatementWire {
            params,
            ..StatementWire::default()
        }
    }

    /// COM_STMT_SEND_LONG_DATA: appends a piece of one parameter's value.
    pub fn append_long_data(&mut self, param: usize, data: &[u8]) {
        if param < self.params {
            self.long_data
                .entry(param)
                .or_default()
                .extend_from_slice(data);
        }
    }

    /// COM_STMT_RESET: forgets long data sent so far.
    pub fn reset(&mut self) {
        self.long_data.clear();
    }

    /// Decodes the parameters of a COM_STMT_EXECUTE body that follows the statement id, flags
    /// and iteration count. Long data is used up by the execution, as in MySQL. Text
    /// parameters of a client whose character set is not UTF-8 (`client`) are converted.
    pub fn decode_in(
        &mut self,
        body: &[u8],
        client: Option<&'static encoding_rs::Encoding>,
    ) -> Result<Vec<Value>, Error> {
        let mut values = self.decode(body)?;
        if let (Some(enc), Some(types)) = (client, &self.types) {
            for (v, &(t, _)) in values.iter_mut().zip(types) {
                if let (Value::Bytes(b), T_STRING | T_VAR_STRING | T_VARCHAR) = (&*v, t) {
                    *v = Value::Bytes(
                        enc.decode_without_bom_handling(b)
                            .0
                            .into_owned()
                            .into_bytes(),
                    );
                }
            }
        }
        Ok(values)
    }

    /// The parameters as sent (text bytes untouched).
    pub fn decode(&mut self, body: &[u8]) -> Result<Vec<Value>, Error> {
        let long_data = std::mem::take(&mut self.long_data);
        if self.params == 0 {
            return Ok(Vec::new());
        }
        let malformed = || Error::new(1210, "HY000", "Incorrect arguments to mysqld_stmt_execute");
        let mut r = Cursor(body);
        let null_bitmap = r.bytes(self.params.div_ceil(8)).ok_or_else(malformed)?;
        let new_params_bound = r.u8().ok_or_else(malformed)?;
        if new_params_bound == 1 {
            let mut types = Vec::with_capacity(self.params);
            for _ in 0..self.params {
                let t = r.u8().ok_or_else(malformed)?;
                let flags = r.u8().ok_or_else(malformed)?;
                types.push((t, flags));
            }
            self.types = Some(types);
        } else if new_params_bound != 0 {
            return Err(malformed());
        }
        let types = self.types.as_ref().ok_or_else(malformed)?;
        let mut values = Vec::with_capacity(self.params);
        for (i, &(t, flags)) in types.iter().enumerate() {
            if null_bitmap[i / 8] & (1 << (i % 8)) != 0 {
                values.push(Value::Null);
            } else if let Some(data) = long_data.get(&i) {
                values.push(Value::Bytes(data.clone()));
            } else {
                values.push(
                    decode_value(&mut r, t, flags & UNSIGNED_FLAG != 0).ok_or_else(malformed)?,
                );
            }
        }
        Ok(values)
    }
}

/// One parameter value; `None` when the packet ends early or holds nonsense.
fn decode_value(r: &mut Cursor<'_>, t: u8, unsigned: bool) -> Option<Value> {
    Some(match t {
        T_NULL => Value::Null,
        T_TINY => {
            let b = r.u8()?;
            if unsigned {
                Value::UInt(u64::from(b))
            } else {
                Value::Int(i64::from(b as i8))
            }
        }
        T_SHORT | T_YEAR => {
            let v = r.u16()?;
            if unsigned {
                Value::UInt(u64::from(v))
            } else {
                Value::Int(i64::from(v as i16))
            }
        }
        T_LONG | T_INT24 => {
            let v = r.u32()?;
            if unsigned {
                Value::UInt(u64::from(v))
            } else {
                Value::Int(i64::from(v as i32))
            }
        }
        T_LONGLONG => {
            let v = r.u64()?;
            if unsigned {
                Value::UInt(v)
            } else {
                Value::Int(v as i64)
            }
        }
        T_FLOAT => {
            let b = r.bytes(4)?;
            Value::Float(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        T_DOUBLE => Value::Float(f64::from_bits(r.u64()?)),
        T_DATE | T_DATETIME | T_TIMESTAMP => {
            let n = usize::from(r.u8()?);
            datetime(r.bytes(n)?)?
        }
        T_TIME => {
            let n = usize::from(r.u8()?);
            Value::Bytes(time_text(r.bytes(n)?)?.into_bytes())
        }
        // DECIMAL, NEWDECIMAL, the string and blob types, ENUM, SET, JSON, BIT, GEOMETRY:
        // length-encoded bytes.
        _ => Value::Bytes(r.lenenc_bytes()?.to_vec()),
    })
}

/// A binary DATE / DATETIME / TIMESTAMP: 0, 4, 7 or 11 bytes. An invalid date is NULL, as a
/// zero date is in moltdb.
fn datetime(b: &[u8]) -> Option<Value> {
    if !matches!(b.len(), 0 | 4 | 7 | 11) {
        return None;
    }
    if b.is_empty() {
        return Some(Value::Null);
    }
    let year = i32::from(u16::from_le_bytes([b[0], b[1]]));
    let Some(date) = NaiveDate::from_ymd_opt(year, u32::from(b[2]), u32::from(b[3])) else {
        return Some(Value::Null);
    };
    if b.len() == 4 {
        return Some(Value::Date(date));
    }
    let micros = if b.len() == 11 {
        u32::from_le_bytes([b[7], b[8], b[9], b[10]])
    } else {
        0
    };
    let time =
        NaiveTime::from_hms_micro_opt(u32::from(b[4]), u32::from(b[5]), u32::from(b[6]), micros);
    Some(time.map_or(Value::Null, |t| {
        Value::DateTime(NaiveDateTime::new(date, t))
    }))
}

/// A binary TIME (0, 8 or 12 bytes: sign, days, hours, minutes, seconds, microseconds) as
/// MySQL's text form `[-]HHH:MM:SS[.ffffff]`.
fn time_text(b: &[u8]) -> Option<String> {
    if !matches!(b.len(), 0 | 8 | 12) {
        return None;
    }
    if b.is_empty() {
        return Some("00:00:00".into());
    }
    let negative = b[0] == 1;
    let days = u64::from(u32::from_le_bytes([b[1], b[2], b[3], b[4]]));
    let hours = days.checked_mul(24)?.checked_add(u64::from(b[5]))?;
    let mut s = format!(
        "{}{:02}:{:02}:{:02}",
        if negative { "-" } else { "" },
        hours,
        b[6],
        b[7]
    );
    if b.len() == 12 {
        let micros = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        if micros != 0 {
            s.push_str(&format!(".{micros:06}"));
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An execute body (after id, flags, iteration count) for `values` of (type, bytes).
    fn body(nparams: usize, nulls: &[usize], bound: Option<&[(u8, u8)]>, values: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; nparams.div_ceil(8)];
        for &i in nulls {
            p[i / 8] |= 1 << (i % 8);
        }
        match bound {
            Some(types) => {
                p.push(1);
                for (t, f) in types {
                    p.push(*t);
                    p.push(*f);
                }
            }
            None => p.push(0),
        }
        p.extend_from_slice(values);
        p
    }

    #[test]
    fn re_execution_without_types_uses_the_last_bound_types() {
        let mut s = StatementWire::new(2);
        let types = [(T_LONG, 0), (254, 0)];
        let mut vals = 127i32.to_le_bytes().to_vec();
        vals.extend_from_slice(b"\x03abc");
        let first = s.decode(&body(2, &[], Some(&types), &vals)).unwrap();
        assert_eq!(first, vec![Value::Int(127), Value::str("abc")]);
        // flag 0: the flag byte is followed directly by the values
        let mut vals = 128i32.to_le_bytes().to_vec();
        vals.extend_from_slice(b"\x01z");
        let again = s.decode(&body(2, &[], None, &vals)).unwrap();
        assert_eq!(again, vec![Value::Int(128), Value::str("z")]);
        let nulls = s.decode(&body(2, &[0, 1], None, &[])).unwrap();
        assert_eq!(nulls, vec![Value::Null, Value::Null]);
    }

    #[test]
    fn flag_zero_before_any_types_is_an_error() {
        let mut s = StatementWire::new(1);
        assert_eq!(
            s.decode(&body(1, &[], None, &[1, 0, 0, 0]))
                .unwrap_err()
                .code(),
            1210
        );
    }

    #[test]
    fn every_integer_width_signed_and_unsigned() {
        let mut s = StatementWire::new(4);
        let types = [
            (T_TINY, 0),
            (T_SHORT, UNSIGNED_FLAG),
            (T_LONGLONG, 0),
            (T_LONGLONG, UNSIGNED_FLAG),
        ];
        let mut v = vec![0xff];
        v.extend_from_slice(&0xffffu16.to_le_bytes());
        v.extend_from_slice(&(-5i64).to_le_bytes());
        v.extend_from_slice(&u64::MAX.to_le_bytes());
        let got = s.decode(&body(4, &[], Some(&types), &v)).unwrap();
        assert_eq!(
            got,
            vec![
                Value::Int(-1),
                Value::UInt(65535),
                Value::Int(-5),
                Value::UInt(u64::MAX)
            ]
        );
    }

    #[test]
    fn dates_times_and_long_data() {
        let mut s = StatementWire::new(3);
        s.append_long_data(2, b"hello ");
        s.append_long_data(2, b"world");
        s.append_long_data(9, b"ignored: no such parameter");
        let types = [(T_DATETIME, 0), (T_TIME, 0), (252, 0)];
        let mut v = vec![7];
        v.extend_from_slice(&2024u16.to_le_bytes());
        v.extend_from_slice(&[2, 29, 12, 34, 56]);
        v.push(8);
        v.extend_from_slice(&[1, 1, 0, 0, 0, 2, 3, 4]);
        let got = s.decode(&body(3, &[], Some(&types), &v)).unwrap();
        let dt = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_opt(12, 34, 56)
            .unwrap();
        assert_eq!(
            got,
            vec![
                Value::DateTime(dt),
                Value::str("-26:03:04"),
                Value::str("hello world")
            ]
        );
        // long data is used up by the execution
        let got = s.decode(&body(3, &[], None, b"\x00\x00\x01x")).unwrap();
        assert_eq!(
            got,
            vec![Value::Null, Value::str("00:00:00"), Value::str("x")]
        );
    }

    #[test]
    fn truncated_bodies_are_errors_not_panics() {
        let types = [(T_LONGLONG, 0), (253, 0), (T_DATETIME, 0)];
        let mut v = 1i64.to_le_bytes().to_vec();
        v.extend_from_slice(b"\x02ab\x04");
        v.extend_from_slice(&2024u16.to_le_bytes());
        v.extend_from_slice(&[1, 1]);
        let full = body(3, &[], Some(&types), &v);
        assert!(StatementWire::new(3).decode(&full).is_ok());
        for n in 0..full.len() {
            let mut s = StatementWire::new(3);
            assert!(s.decode(&full[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn text_parameters_of_a_latin1_client_are_converted() {
        let mut s = StatementWire::new(2);
        let types = [(T_VAR_STRING, 0), (T_VARCHAR, 0)];
        // Two length-prefixed strings: "\xe9t\xe9" and "ok".
        let v = b"\x03\xe9t\xe9\x02ok";
        let got = s
            .decode_in(
                &body(2, &[], Some(&types), v),
                Some(encoding_rs::WINDOWS_1252),
            )
            .unwrap();
        assert_eq!(got, vec![Value::str("\u{e9}t\u{e9}"), Value::str("ok")]);
    }
}
