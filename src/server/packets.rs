//! Encoding of the server's responses: OK, ERR, EOF, column definitions, rows in the text
//! and binary protocols, and the answers to COM_STMT_PREPARE and COM_FIELD_LIST, with
//! MySQL's warning counts, error codes, status flags, character sets, lengths and decimals.

use crate::error::Error;
use crate::sql::ResultColumn;
use crate::types::{DataType, IntKind, Value};

pub const CLIENT_DEPRECATE_EOF: u32 = 1 << 24;

pub const SERVER_STATUS_IN_TRANS: u16 = 0x0001;
pub const SERVER_STATUS_AUTOCOMMIT: u16 = 0x0002;
pub const SERVER_MORE_RESULTS_EXISTS: u16 = 0x0008;

const CHARSET_BINARY: u16 = 63;
/// utf8mb4_bin: strings compare byte by byte, which is what moltdb does.
const CHARSET_UTF8MB4_BIN: u16 = 46;

// Column (and parameter) types of the wire protocol.
const T_DECIMAL: u8 = 0xf6;
pub(super) const T_TINY: u8 = 1;
pub(super) const T_SHORT: u8 = 2;
pub(super) const T_LONG: u8 = 3;
pub(super) const T_FLOAT: u8 = 4;
pub(super) const T_DOUBLE: u8 = 5;
pub(super) const T_NULL: u8 = 6;
pub(super) const T_TIMESTAMP: u8 = 7;
pub(super) const T_LONGLONG: u8 = 8;
pub(super) const T_INT24: u8 = 9;
pub(super) const T_DATE: u8 = 10;
pub(super) const T_TIME: u8 = 11;
pub(super) const T_DATETIME: u8 = 12;
pub(super) const T_YEAR: u8 = 13;
const T_BIT: u8 = 16;
const T_BLOB: u8 = 0xfc;
const T_JSON: u8 = 0xf5;
pub const T_VAR_STRING: u8 = 0xfd;
pub const T_STRING: u8 = 0xfe;
/// MYSQL_TYPE_VARCHAR, which clients may bind a text parameter as.
pub const T_VARCHAR: u8 = 0x0f;

// Column flags.
const NOT_NULL: u16 = 1;
const PRI_KEY: u16 = 2;
const UNIQUE_KEY: u16 = 4;
const MULTIPLE_KEY: u16 = 8;
const BLOB: u16 = 16;
const UNSIGNED: u16 = 32;
const ZEROFILL: u16 = 64;
const BINARY: u16 = 128;
const ENUM: u16 = 256;
const SET: u16 = 2048;
const AUTO_INCREMENT: u16 = 512;
const TIMESTAMP: u16 = 1024;
const NUM: u16 = 32768;

/// Builds the packets of one response, numbering them from 1 (every command starts a new
/// sequence at 0, so the first response packet is 1).
pub struct ResponseBuilder {
    buf: Vec<u8>,
    seq: u8,
    deprecate_eof: bool,
    /// `character_set_results` when text must be re-encoded (not UTF-8).
    results: Option<&'static encoding_rs::Encoding>,
}

impl ResponseBuilder {
    pub fn new(client_capabilities: u32) -> Self {
        Self::with_seq(client_capabilities, 1)
    }

    /// A builder whose first packet is numbered `seq` (replies within the connection phase,
    /// or to a command that spanned several packets).
    pub fn with_seq(client_capabilities: u32, seq: u8) -> Self {
        ResponseBuilder {
            buf: Vec::with_capacity(256),
            seq,
            deprecate_eof: client_capabilities & CLIENT_DEPRECATE_EOF != 0,
            results: None,
        }
    }

    /// Text values and column definitions in `results` instead of utf8mb4.
    pub fn with_results_encoding(
        mut self,
        results: Option<&'static encoding_rs::Encoding>,
    ) -> Self {
        self.results = results;
        self
    }

    /// Bytes built and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Takes the bytes built so far; numbering continues.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    fn packet(&mut self, payload: &[u8]) {
        self.seq = super::codec::frame(&mut self.buf, self.seq, payload);
    }

    /// A packet whose payload the caller encoded (greeting, auth switch, statistics).
    pub fn raw(&mut self, payload: &[u8]) {
        self.packet(payload);
    }

    pub fn ok(&mut self, affected: u64, last_insert_id: u64, status: u16, warnings: u16) {
        self.ok_with_header(0x00, affected, last_insert_id, status, warnings, "");
    }

    /// An OK packet with a human-readable info text after its counts (the mysql CLI prints
    /// it under the statement: `Records: 3  Deleted: 0  Skipped: 0  Warnings: 0`).
    pub fn ok_with_info(&mut self, affected: u64, id: u64, status: u16, warnings: u16, info: &str) {
        self.ok_with_header(0x00, affected, id, status, warnings, info);
    }

    fn ok_with_header(
        &mut self,
        header: u8,
        affected: u64,
        id: u64,
        status: u16,
        warnings: u16,
        info: &str,
    ) {
        let mut p = vec![header];
        put_lenenc_int(&mut p, affected);
        put_lenenc_int(&mut p, id);
        p.extend_from_slice(&status.to_le_bytes());
        p.extend_from_slice(&warnings.to_le_bytes());
        // MySQL's server writes the info length-prefixed (and libmariadb reads it so).
        if !info.is_empty() {
            put_lenenc_int(&mut p, info.len() as u64);
            p.extend_from_slice(info.as_bytes());
        }
        self.packet(&p);
    }

    pub fn error(&mut self, e: &Error) {
        self.packet(&error_payload(e));
    }

    fn eof(&mut self, status: u16, warnings: u16) {
        let mut p = vec![0xfe];
        p.extend_from_slice(&warnings.to_le_bytes());
        p.extend_from_slice(&status.to_le_bytes());
        self.packet(&p);
    }

    /// The column count and definitions that open a result set.
    pub fn columns(&mut self, columns: &[ResultColumn], status: u16) {
        let mut p = Vec::new();
        put_lenenc_int(&mut p, columns.len() as u64);
        self.packet(&p);
        for c in columns {
            self.packet(&column_definition(c, self.results));
        }
        if !self.deprecate_eof {
            self.eof(status, 0);
        }
    }

    /// COM_STMT_PREPARE's answer: statement id and counts, then the parameter and result
    /// column definitions.
    pub fn prepare_ok(&mut self, id: u32, params: usize, columns: &[ResultColumn], warnings: u16) {
        let mut p = vec![0x00];
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(
            &u16::try_from(columns.len())
                .unwrap_or(u16::MAX)
                .to_le_bytes(),
        );
        p.extend_from_slice(&u16::try_from(params).unwrap_or(u16::MAX).to_le_bytes());
        p.push(0);
        p.extend_from_slice(&warnings.to_le_bytes());
        self.packet(&p);
        if params > 0 {
            let param = param_definition();
            for _ in 0..params {
                self.packet(&param);
            }
            if !self.deprecate_eof {
                self.eof(0, 0);
            }
        }
        if !columns.is_empty() {
            for c in columns {
                self.packet(&column_definition(c, self.results));
            }
            if !self.deprecate_eof {
                self.eof(0, 0);
            }
        }
    }

    /// COM_FIELD_LIST's answer: each column's definition with its (unknown) default value,
    /// then the end marker.
    pub fn field_list(&mut self, columns: &[ResultColumn], status: u16) {
        for c in columns {
            let mut p = column_definition(c, self.results);
            p.push(0xfb);
            self.packet(&p);
        }
        self.end_rows(status, 0);
    }

    /// One row in the text protocol.
    pub fn text_row(&mut self, columns: &[ResultColumn], row: &[Value]) {
        let mut p = Vec::with_capacity(64);
        for (c, v) in columns.iter().zip(row) {
            match c.text_of(v) {
                None => p.push(0xfb),
                Some(bytes) => match self.converted(c, v) {
                    Some(text) => put_lenenc_bytes(&mut p, &text),
                    None => put_lenenc_bytes(&mut p, &bytes),
                },
            }
        }
        self.packet(&p);
    }

    /// A string value of a text column re-encoded for `character_set_results`, if that is
    /// not UTF-8.
    fn converted(&self, c: &ResultColumn, v: &Value) -> Option<Vec<u8>> {
        let enc = self.results?;
        match v {
            Value::Bytes(b) if wire_type(&c.ty).1 != CHARSET_BINARY => {
                Some(super::charset::encode(b, enc))
            }
            _ => None,
        }
    }

    /// One row in the binary protocol (answers to COM_STMT_EXECUTE).
    pub fn binary_row(&mut self, columns: &[ResultColumn], row: &[Value]) {
        let bitmap_len = (columns.len() + 7 + 2) / 8;
        let mut p = Vec::with_capacity(1 + bitmap_len + 64);
        p.push(0x00);
        let bitmap_at = p.len();
        p.resize(bitmap_at + bitmap_len, 0);
        for (i, (c, v)) in columns.iter().zip(row).enumerate() {
            if v.is_null() || c.ty.is_none() {
                p[bitmap_at + (i + 2) / 8] |= 1 << ((i + 2) % 8);
            } else if let Some(text) = self.converted(c, v) {
                put_binary_value(&mut p, c, &Value::Bytes(text));
            } else {
                put_binary_value(&mut p, c, v);
            }
        }
        self.packet(&p);
    }

    /// Ends a result set.
    pub fn end_rows(&mut self, status: u16, warnings: u16) {
        if self.deprecate_eof {
            self.ok_with_header(0xfe, 0, 0, status, warnings, "");
        } else {
            self.eof(status, warnings);
        }
    }
}

/// The ERR packet for `e`: the one place an error becomes code, SQLSTATE and text.
pub fn error_payload(e: &Error) -> Vec<u8> {
    let (code, sqlstate, message) = (e.code(), e.sqlstate(), e.message());
    let mut p = vec![0xff];
    p.extend_from_slice(&code.to_le_bytes());
    p.push(b'#');
    let mut state = sqlstate.as_bytes().to_vec();
    state.resize(5, b'0');
    p.extend_from_slice(&state);
    p.extend_from_slice(message.as_bytes());
    p
}

fn put_lenenc_int(p: &mut Vec<u8>, v: u64) {
    if v < 251 {
        p.push(v as u8);
    } else if v < 1 << 16 {
        p.push(0xfc);
        p.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v < 1 << 24 {
        p.push(0xfd);
        p.extend_from_slice(&(v as u32).to_le_bytes()[..3]);
    } else {
        p.push(0xfe);
        p.extend_from_slice(&v.to_le_bytes());
    }
}

fn put_lenenc_bytes(p: &mut Vec<u8>, b: &[u8]) {
    put_lenenc_int(p, b.len() as u64);
    p.extend_from_slice(b);
}

/// Wire type, character set, display length, flags and decimals of a result column.
fn wire_type(ty: &Option<DataType>) -> (u8, u16, u32, u16, u8) {
    let Some(ty) = ty else {
        return (T_NULL, CHARSET_BINARY, 0, BINARY, 0);
    };
    match ty {
        DataType::Int { kind, unsigned } => {
            let (t, len) = match kind {
                IntKind::Tiny => (T_TINY, 4),
                IntKind::Small => (T_SHORT, 6),
                IntKind::Medium => (T_INT24, 9),
                IntKind::Int => (T_LONG, 11),
                IntKind::Big => (T_LONGLONG, 20),
            };
            let flags = NUM | BINARY | if *unsigned { UNSIGNED } else { 0 };
            (t, CHARSET_BINARY, len, flags, 0)
        }
        DataType::Decimal { precision, scale } => {
            let len = u32::from(*precision) + 1 + u32::from(*scale > 0);
            (T_DECIMAL, CHARSET_BINARY, len, NUM | BINARY, *scale)
        }
        DataType::Float => (T_FLOAT, CHARSET_BINARY, 12, NUM | BINARY, 31),
        DataType::Double => (T_DOUBLE, CHARSET_BINARY, 22, NUM | BINARY, 31),
        DataType::Char { len, varying, .. } => {
            let t = if *varying { T_VAR_STRING } else { T_STRING };
            (t, CHARSET_UTF8MB4_BIN, len.saturating_mul(4), 0, 0)
        }
        DataType::Binary { len, varying } => {
            let t = if *varying { T_VAR_STRING } else { T_STRING };
            (t, CHARSET_BINARY, *len, BINARY, 0)
        }
        DataType::Text { max_len, .. } => (T_BLOB, CHARSET_UTF8MB4_BIN, *max_len, BLOB, 0),
        DataType::Blob { max_len } => (T_BLOB, CHARSET_BINARY, *max_len, BLOB | BINARY, 0),
        DataType::Date => (T_DATE, CHARSET_BINARY, 10, BINARY, 0),
        DataType::DateTime { fsp } => {
            (T_DATETIME, CHARSET_BINARY, datetime_len(*fsp), BINARY, *fsp)
        }
        DataType::Timestamp { fsp } => (
            T_TIMESTAMP,
            CHARSET_BINARY,
            datetime_len(*fsp),
            BINARY | TIMESTAMP,
            *fsp,
        ),
        DataType::Year => (T_YEAR, CHARSET_BINARY, 4, UNSIGNED | ZEROFILL | NUM, 0),
        DataType::Bit { width } => (T_BIT, CHARSET_BINARY, u32::from(*width), UNSIGNED, 0),
        DataType::Time { fsp } => (
            T_TIME,
            CHARSET_BINARY,
            10 + if *fsp > 0 { 1 + u32::from(*fsp) } else { 0 },
            BINARY,
            *fsp,
        ),
        // As MySQL: the binary character set; drivers decode it as text by its type.
        DataType::Json => (T_JSON, CHARSET_BINARY, u32::MAX, BLOB | BINARY, 0),
        DataType::Enum { members } => {
            let len = members.iter().map(|m| m.chars().count()).max().unwrap_or(0);
            (T_STRING, CHARSET_UTF8MB4_BIN, (len * 4) as u32, ENUM, 0)
        }
        DataType::Set { members } => {
            let len: usize = members.iter().map(|m| m.chars().count() + 1).sum();
            (T_STRING, CHARSET_UTF8MB4_BIN, (len * 4) as u32, SET, 0)
        }
    }
}

fn datetime_len(fsp: u8) -> u32 {
    19 + if fsp > 0 { 1 + u32::from(fsp) } else { 0 }
}

fn column_definition(c: &ResultColumn, results: Option<&'static encoding_rs::Encoding>) -> Vec<u8> {
    let (t, mut charset, len, mut flags, decimals) = wire_type(&c.ty);
    if let Some(enc) = results.filter(|_| charset != CHARSET_BINARY) {
        charset = super::charset::collation_id(enc);
    }
    if c.not_null {
        flags |= NOT_NULL;
    }
    if c.primary_key {
        flags |= PRI_KEY;
    }
    if c.unique_key {
        flags |= UNIQUE_KEY;
    }
    if c.multiple_key {
        flags |= MULTIPLE_KEY;
    }
    if c.auto_increment {
        flags |= AUTO_INCREMENT;
    }
    let mut p = Vec::with_capacity(64);
    put_lenenc_bytes(&mut p, b"def");
    put_lenenc_bytes(&mut p, c.db.as_bytes());
    put_lenenc_bytes(&mut p, c.table.as_bytes());
    put_lenenc_bytes(&mut p, c.org_table.as_bytes());
    put_lenenc_bytes(&mut p, c.name.as_bytes());
    put_lenenc_bytes(&mut p, c.org_name.as_bytes());
    p.push(0x0c);
    p.extend_from_slice(&charset.to_le_bytes());
    p.extend_from_slice(&len.to_le_bytes());
    p.push(t);
    p.extend_from_slice(&flags.to_le_bytes());
    p.push(decimals);
    p.extend_from_slice(&[0, 0]);
    p
}

/// A parameter of a prepared statement: a `?` of no declared type.
fn param_definition() -> Vec<u8> {
    let mut p = Vec::with_capacity(32);
    put_lenenc_bytes(&mut p, b"def");
    for field in [&b""[..], b"", b"", b"?", b""] {
        put_lenenc_bytes(&mut p, field);
    }
    p.push(0x0c);
    p.extend_from_slice(&CHARSET_BINARY.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.push(T_VAR_STRING);
    p.extend_from_slice(&BINARY.to_le_bytes());
    p.extend_from_slice(&[0, 0, 0]);
    p
}

fn put_binary_value(p: &mut Vec<u8>, c: &ResultColumn, v: &Value) {
    let Some(ty) = &c.ty else { return };
    match ty {
        DataType::Int { kind, .. } => {
            let bits = match v {
                Value::Int(i) => *i as u64,
                Value::UInt(u) => *u,
                other => other.to_f64() as i64 as u64,
            };
            match kind {
                IntKind::Tiny => p.push(bits as u8),
                IntKind::Small => p.extend_from_slice(&(bits as u16).to_le_bytes()),
                IntKind::Medium | IntKind::Int => p.extend_from_slice(&(bits as u32).to_le_bytes()),
                IntKind::Big => p.extend_from_slice(&bits.to_le_bytes()),
            }
        }
        DataType::Year => p.extend_from_slice(&(v.to_f64() as u16).to_le_bytes()),
        DataType::Float => p.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
        DataType::Double => p.extend_from_slice(&v.to_f64().to_le_bytes()),
        DataType::Date | DataType::DateTime { .. } | DataType::Timestamp { .. } => {
            put_binary_datetime(p, v)
        }
        DataType::Time { .. } => put_binary_time(p, v),
        _ => put_lenenc_bytes(p, &c.text_of(v).unwrap_or_default()),
    }
}

/// A TIME in the binary protocol: length (0, 8 or 12), sign, days, hours, minutes,
/// seconds, then microseconds when there are any.
fn put_binary_time(p: &mut Vec<u8>, v: &Value) {
    let micros = crate::types::sql_time::parse(&v.to_string_lossy()).unwrap_or(0);
    if micros == 0 {
        p.push(0);
        return;
    }
    let m = micros.unsigned_abs();
    let secs = m / 1_000_000;
    let fraction = (m % 1_000_000) as u32;
    p.push(if fraction != 0 { 12 } else { 8 });
    p.push(u8::from(micros < 0));
    p.extend_from_slice(&((secs / 86_400) as u32).to_le_bytes());
    p.push((secs / 3600 % 24) as u8);
    p.push((secs / 60 % 60) as u8);
    p.push((secs % 60) as u8);
    if fraction != 0 {
        p.extend_from_slice(&fraction.to_le_bytes());
    }
}

fn put_binary_datetime(p: &mut Vec<u8>, v: &Value) {
    use chrono::{Datelike, Timelike};
    let dt = match v {
        Value::Date(d) => d.and_hms_opt(0, 0, 0),
        Value::DateTime(dt) => Some(*dt),
        _ => None,
    };
    let Some(dt) = dt else {
        p.push(0);
        return;
    };
    let micros = dt.nanosecond() / 1000;
    let has_time = dt.hour() != 0 || dt.minute() != 0 || dt.second() != 0 || micros != 0;
    let len = if micros != 0 {
        11
    } else if has_time {
        7
    } else {
        4
    };
    p.push(len);
    p.extend_from_slice(&(dt.year() as u16).to_le_bytes());
    p.push(dt.month() as u8);
    p.push(dt.day() as u8);
    if len >= 7 {
        p.push(dt.hour() as u8);
        p.push(dt.minute() as u8);
        p.push(dt.second() as u8);
    }
    if len == 11 {
        p.extend_from_slice(&micros.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_are_numbered_from_one() {
        let mut b = ResponseBuilder::new(0);
        b.ok(1, 0, SERVER_STATUS_AUTOCOMMIT, 0);
        let bytes = b.take();
        assert_eq!(&bytes[..4], &[7, 0, 0, 1]);
        assert_eq!(&bytes[4..], &[0, 1, 0, 2, 0, 0, 0]);
    }

    #[test]
    fn error_packets_carry_any_code() {
        let p = error_payload(&Error::Cancelled);
        assert_eq!(
            &p[..9],
            &[0xff, 0x16, 0x20, b'#', b'H', b'Y', b'0', b'0', b'0']
        );
    }
}
