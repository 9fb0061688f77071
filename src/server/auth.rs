//! mysql_native_password: the server stores SHA1(SHA1(password)); the client proves it knows
//! the password by sending SHA1(password) XOR SHA1(scramble ++ SHA1(SHA1(password))).

use sha1::{Digest, Sha1};

fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The stored form of a password (empty for no password).
pub fn hash_password(password: &str) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    sha1(&[&sha1(&[password.as_bytes()])]).to_vec()
}

/// Checks a client's auth response against the stored hash and this connection's scramble.
pub fn verify(stored: &[u8], scramble: &[u8], response: &[u8]) -> bool {
    if stored.is_empty() {
        return response.is_empty();
    }
    if response.len() != 20 || stored.len() != 20 {
        return false;
    }
    let mask = sha1(&[scramble, stored]);
    let candidate: Vec<u8> = response.iter().zip(mask).map(|(r, m)| r ^ m).collect();
    sha1(&[&candidate]) == stored
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

    fn client_response(password: &str, scramble: &[u8]) -> Vec<u8> {
        let stage1 = sha1(&[password.as_bytes()]);
        let stage2 = sha1(&[&stage1]);
        let mask = sha1(&[scramble, &stage2]);
        stage1.iter().zip(mask).map(|(a, b)| a ^ b).collect()
    }

    #[test]
    fn native_password_round_trip() {
        let scramble = new_scramble();
        let stored = hash_password("secret");
        assert!(verify(
            &stored,
            &scramble,
            &client_response("secret", &scramble)
        ));
        assert!(!verify(
            &stored,
            &scramble,
            &client_response("wrong", &scramble)
        ));
        assert!(verify(&[], &scramble, &[]));
        assert!(!verify(&[], &scramble, &client_response("x", &scramble)));
    }
}
