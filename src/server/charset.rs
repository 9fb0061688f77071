//! The client's character sets: a query arrives in `character_set_client` and is decoded
//! to UTF-8 (moltdb's own); result text leaves in `character_set_results`, with the column
//! definitions naming that character set. `SET NAMES latin1` is all a latin1 client needs.
//! UTF-8 flavours, ascii and binary (and a NULL `character_set_results`) pass bytes through.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, GBK, WINDOWS_1252};

use crate::error::Error;

/// The encoding that converts from and to `charset`; `None` when the bytes are UTF-8 already
/// or must not be touched.
pub fn encoding(charset: &str) -> Option<&'static Encoding> {
    match charset.to_ascii_lowercase().as_str() {
        // MySQL's latin1 is Windows-1252.
        "latin1" => Some(WINDOWS_1252),
        "gbk" => Some(GBK),
        "gb18030" => Some(GB18030),
        _ => None,
    }
}

/// The character set of collation `id` (as a client names it at login), for the ones that
/// are not utf8mb4; `None` for utf8mb4 and ids moltdb does not know.
pub fn of_collation(id: u8) -> Option<&'static str> {
    Some(match id {
        5 | 8 | 15 | 31 | 47 | 48 | 49 | 94 => "latin1",
        28 | 87 => "gbk",
        248..=250 => "gb18030",
        33 | 76 | 83 | 192..=215 | 223 => "utf8mb3",
        11 | 65 => "ascii",
        63 => "binary",
        _ => return None,
    })
}

/// The default collation id of the character set of `encoding`, for column definitions.
pub fn collation_id(encoding: &'static Encoding) -> u16 {
    if encoding == WINDOWS_1252 {
        8 // latin1_swedish_ci
    } else if encoding == GBK {
        28 // gbk_chinese_ci
    } else {
        248 // gb18030_chinese_ci
    }
}

/// A query's text: decoded from the client's character set, or checked as UTF-8 (1300 when
/// it is not, as MySQL answers for utf8mb4, unless only its `_binary'...'` literals are not:
/// see [`super::binary_literals`]).
pub fn decode<'a>(
    body: &'a [u8],
    client: Option<&'static Encoding>,
) -> Result<Cow<'a, str>, Error> {
    match client {
        Some(enc) => Ok(enc.decode_without_bom_handling(body).0),
        None => match std::str::from_utf8(body) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(e) => super::binary_literals::as_hex(body)
                .and_then(|hex| String::from_utf8(hex).ok())
                .map(Cow::Owned)
                .ok_or_else(|| invalid_utf8(&body[e.valid_up_to()..])),
        },
    }
}

/// Text for the client: UTF-8 re-encoded in the results' character set (a character it
/// cannot hold becomes `?`, as MySQL sends it).
pub fn encode(text: &[u8], results: &'static Encoding) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = results.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

fn invalid_utf8(bad: &[u8]) -> Error {
    let hex: String = bad.iter().take(4).map(|b| format!("\\x{b:02X}")).collect();
    Error::new(
        1300,
        "HY000",
        format!("Invalid utf8mb4 character string: '{hex}'"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_round_trips_and_utf8_is_checked() {
        let latin1 = encoding("LATIN1").unwrap();
        assert_eq!(
            decode(b"SELECT '\xe9t\xe9'", Some(latin1)).unwrap(),
            "SELECT 'été'"
        );
        assert_eq!(encode("été €".as_bytes(), latin1), b"\xe9t\xe9 \x80");
        assert_eq!(encode("日本".as_bytes(), latin1), b"??");
        assert!(encoding("utf8mb4").is_none() && encoding("binary").is_none());
        let e = decode(b"SELECT \xff'", None).unwrap_err();
        assert_eq!(e.code(), 1300);
        assert_eq!(
            e.message(),
            "Invalid utf8mb4 character string: '\\xFF\\x27'"
        );
        // Raw bytes inside a string literal are a binary string's.
        assert_eq!(decode(b"SELECT '\xff'", None).unwrap(), "SELECT X'ff'");
    }
}
