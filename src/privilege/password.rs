//! Passwords: what is stored, and how a client's proof is checked against it.
//!
//! - mysql_native_password stores SHA1(SHA1(pw)); the client sends
//!   SHA1(pw) XOR SHA1(scramble ++ SHA1(SHA1(pw))).
//! - caching_sha2_password's fast path: the client sends
//!   SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) ++ scramble). MySQL checks it against a cache
//!   filled by an earlier full (TLS or RSA) login; moltdb stores SHA256(SHA256(pw)) itself,
//!   so the fast path always answers and a full login is never needed. Like
//!   mysql_native_password's digest, that digest is unsalted.

use sha1::{Digest, Sha1};
use sha2::Sha256;

use super::records::{CACHING_SHA2_PASSWORD, NATIVE_PASSWORD};

fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The stored form of a password for an auth plugin (empty for no password).
pub fn digest(plugin: &str, password: &str) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    if plugin == CACHING_SHA2_PASSWORD {
        sha256(&[&sha256(&[password.as_bytes()])]).to_vec()
    } else {
        sha1(&[&sha1(&[password.as_bytes()])]).to_vec()
    }
}

/// Checks a client's auth response against the stored digest and this connection's
/// scramble.
pub fn verify(plugin: &str, stored: &[u8], scramble: &[u8], response: &[u8]) -> bool {
    // Some clients end an empty caching_sha2 response with a NUL.
    if stored.is_empty() {
        return response.is_empty() || response == [0];
    }
    let (candidate, expected): (Vec<u8>, Vec<u8>) = match plugin {
        NATIVE_PASSWORD if response.len() == 20 && stored.len() == 20 => {
            let mask = sha1(&[scramble, stored]);
            let stage1: Vec<u8> = response.iter().zip(mask).map(|(r, m)| r ^ m).collect();
            (sha1(&[&stage1]).to_vec(), stored.to_vec())
        }
        CACHING_SHA2_PASSWORD if response.len() == 32 && stored.len() == 32 => {
            let mask = sha256(&[stored, scramble]);
            let stage1: Vec<u8> = response.iter().zip(mask).map(|(r, m)| r ^ m).collect();
            (sha256(&[&stage1]).to_vec(), stored.to_vec())
        }
        _ => return false,
    };
    candidate == expected
}

/// `authentication_string` as `mysql.user` shows it: `*` and the upper-case hex of
/// mysql_native_password's digest; the hex of caching_sha2_password's.
pub fn display(plugin: &str, stored: &[u8]) -> String {
    if stored.is_empty() {
        return String::new();
    }
    let hex: String = stored.iter().map(|b| format!("{b:02X}")).collect();
    if plugin == NATIVE_PASSWORD {
        format!("*{hex}")
    } else {
        hex
    }
}

/// The digest `IDENTIFIED WITH plugin AS 'text'` gives, the inverse of [`display`]
/// (`None`: not a hash this plugin stores).
pub fn parse_display(plugin: &str, text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    let (hex, len) = match plugin {
        NATIVE_PASSWORD => (text.strip_prefix('*')?, 20),
        _ => (text, 32),
    };
    if hex.len() != len * 2 {
        return None;
    }
    (0..len)
        .map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

/// A random scramble of printable characters, new for every connection.
pub fn new_scramble() -> [u8; 20] {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut s = [0u8; 20];
    for b in &mut s {
        // Printable ASCII without '$' keeps every client's parser happy.
        *b = loop {
            let c = rng.random_range(0x21u8..0x7f);
            if c != b'$' {
                break c;
            }
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn native_response(password: &str, scramble: &[u8]) -> Vec<u8> {
        let stage1 = sha1(&[password.as_bytes()]);
        let stage2 = sha1(&[&stage1]);
        let mask = sha1(&[scramble, &stage2]);
        stage1.iter().zip(mask).map(|(a, b)| a ^ b).collect()
    }

    fn sha2_response(password: &str, scramble: &[u8]) -> Vec<u8> {
        let stage1 = sha256(&[password.as_bytes()]);
        let stage2 = sha256(&[&stage1]);
        let mask = sha256(&[&stage2, scramble]);
        stage1.iter().zip(mask).map(|(a, b)| a ^ b).collect()
    }

    #[test]
    fn native_password_round_trip() {
        let scramble = new_scramble();
        let stored = digest(NATIVE_PASSWORD, "secret");
        let ok = |r: &[u8]| verify(NATIVE_PASSWORD, &stored, &scramble, r);
        assert!(ok(&native_response("secret", &scramble)));
        assert!(!ok(&native_response("wrong", &scramble)));
        assert!(!ok(&[]));
        assert!(verify(NATIVE_PASSWORD, &[], &scramble, &[]));
        assert!(!verify(
            NATIVE_PASSWORD,
            &[],
            &scramble,
            &native_response("x", &scramble)
        ));
    }

    #[test]
    fn caching_sha2_fast_path() {
        let scramble = new_scramble();
        let stored = digest(CACHING_SHA2_PASSWORD, "secret");
        let ok = |r: &[u8]| verify(CACHING_SHA2_PASSWORD, &stored, &scramble, r);
        assert!(ok(&sha2_response("secret", &scramble)));
        assert!(!ok(&sha2_response("wrong", &scramble)));
        assert!(!ok(&native_response("secret", &scramble)));
    }

    #[test]
    fn displayed_digests_parse_back() {
        for plugin in [NATIVE_PASSWORD, CACHING_SHA2_PASSWORD] {
            let d = digest(plugin, "pw");
            assert_eq!(parse_display(plugin, &display(plugin, &d)), Some(d));
        }
        let native = display(NATIVE_PASSWORD, &digest(NATIVE_PASSWORD, "pw"));
        assert!(native.starts_with('*') && native.len() == 41);
        assert_eq!(parse_display(NATIVE_PASSWORD, "*12"), None);
    }
}
