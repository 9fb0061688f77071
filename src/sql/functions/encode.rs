//! Hashes and encodings: MD5, SHA1, SHA2, CRC32, TO_BASE64, FROM_BASE64. Digests are
//! lowercase hex text, as MySQL returns them.

use base64::Engine;

use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::{too_large, Func, MAX_RESULT_BYTES};
use crate::error::Result;
use crate::types::Value;

/// CRC-32 as zlib computes it (MySQL's CRC32()).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// MySQL's TO_BASE64 breaks its output into lines of 76 characters.
const LINE: usize = 76;

fn hex_digest<D: Digest>(bytes: &[u8]) -> Value {
    Value::str(&hex::encode(D::digest(bytes)))
}

pub(super) fn call(f: Func, args: &[Value]) -> Result<Value> {
    use Func::*;
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let bytes = args[0].to_text().unwrap_or_default();
    Ok(match f {
        Md5 => hex_digest::<md5::Md5>(&bytes),
        Sha1 => hex_digest::<sha1::Sha1>(&bytes),
        // SHA2(x, bits): 224, 256, 384 or 512 (0 is 256); any other length is NULL.
        Sha2 => match sha2_bits(&args[1]) {
            Some(224) => hex_digest::<Sha224>(&bytes),
            Some(0 | 256) => hex_digest::<Sha256>(&bytes),
            Some(384) => hex_digest::<Sha384>(&bytes),
            Some(512) => hex_digest::<Sha512>(&bytes),
            _ => Value::Null,
        },
        Crc32 => Value::UInt(u64::from(CRC32.checksum(&bytes))),
        ToBase64 => {
            if bytes.len().div_ceil(3).saturating_mul(4) > MAX_RESULT_BYTES / 2 {
                return Ok(too_large("to_base64"));
            }
            let flat = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let mut out = String::with_capacity(flat.len() + flat.len() / LINE);
            for (i, chunk) in flat.as_bytes().chunks(LINE).enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            }
            Value::str(&out)
        }
        // FROM_BASE64 skips whitespace (TO_BASE64's line breaks); anything else that is not
        // base64 makes it NULL.
        FromBase64 => {
            let compact: Vec<u8> = bytes
                .into_iter()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .map_or(Value::Null, Value::Bytes)
        }
        _ => Value::Null,
    })
}

fn sha2_bits(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        other => {
            let f = other.to_f64();
            (f.is_finite() && f == f.trunc()).then_some(f as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: Func, args: &[Value]) -> Value {
        call(f, args).unwrap()
    }

    #[test]
    fn digests_and_base64() {
        let abc = Value::str("abc");
        assert_eq!(
            run(Func::Md5, std::slice::from_ref(&abc)).to_string_lossy(),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            run(Func::Sha1, std::slice::from_ref(&abc)).to_string_lossy(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            run(Func::Sha2, &[abc.clone(), Value::Int(0)]).to_string_lossy(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(run(Func::Sha2, &[abc, Value::Int(100)]).is_null());
        assert_eq!(
            run(Func::Crc32, &[Value::str("MySQL")]),
            Value::UInt(3_259_397_556)
        );
        let long = Value::str(&"x".repeat(60));
        let encoded = run(Func::ToBase64, std::slice::from_ref(&long));
        assert_eq!(encoded.to_string_lossy().lines().count(), 2);
        assert_eq!(run(Func::FromBase64, &[encoded]), long);
        assert!(run(Func::FromBase64, &[Value::str("@@@")]).is_null());
    }
}
