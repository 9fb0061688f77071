//! The connection phase: the server's greeting (Protocol::HandshakeV10), the client's
//! HandshakeResponse41, COM_CHANGE_USER's body, and the auth-switch request moltdb sends when
//! a client answered with a plugin other than its account's.

use super::packets::SERVER_STATUS_AUTOCOMMIT;

pub const CLIENT_LONG_PASSWORD: u32 = 1;
pub const CLIENT_FOUND_ROWS: u32 = 1 << 1;
pub const CLIENT_LONG_FLAG: u32 = 1 << 2;
pub const CLIENT_CONNECT_WITH_DB: u32 = 1 << 3;
pub const CLIENT_NO_SCHEMA: u32 = 1 << 4;
pub const CLIENT_LOCAL_FILES: u32 = 1 << 7;
pub const CLIENT_IGNORE_SPACE: u32 = 1 << 8;
pub const CLIENT_PROTOCOL_41: u32 = 1 << 9;
pub const CLIENT_INTERACTIVE: u32 = 1 << 10;
pub const CLIENT_SSL: u32 = 1 << 11;
pub const CLIENT_IGNORE_SIGPIPE: u32 = 1 << 12;
pub const CLIENT_TRANSACTIONS: u32 = 1 << 13;
pub const CLIENT_RESERVED: u32 = 1 << 14;
pub const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
pub const CLIENT_MULTI_STATEMENTS: u32 = 1 << 16;
pub const CLIENT_MULTI_RESULTS: u32 = 1 << 17;
pub const CLIENT_PS_MULTI_RESULTS: u32 = 1 << 18;
pub const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;
pub const CLIENT_CONNECT_ATTRS: u32 = 1 << 20;
pub const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
pub const CLIENT_DEPRECATE_EOF: u32 = 1 << 24;

/// What moltdb offers (and CLIENT_SSL when it has a certificate). Not offered:
/// SESSION_TRACK and QUERY_ATTRIBUTES (moltdb sends neither).
pub const SERVER_CAPABILITIES: u32 = CLIENT_LONG_PASSWORD
    | CLIENT_FOUND_ROWS
    | CLIENT_LONG_FLAG
    | CLIENT_CONNECT_WITH_DB
    | CLIENT_NO_SCHEMA
    | CLIENT_LOCAL_FILES
    | CLIENT_IGNORE_SPACE
    | CLIENT_PROTOCOL_41
    | CLIENT_INTERACTIVE
    | CLIENT_IGNORE_SIGPIPE
    | CLIENT_TRANSACTIONS
    | CLIENT_RESERVED
    | CLIENT_SECURE_CONNECTION
    | CLIENT_MULTI_STATEMENTS
    | CLIENT_MULTI_RESULTS
    | CLIENT_PS_MULTI_RESULTS
    | CLIENT_PLUGIN_AUTH
    | CLIENT_CONNECT_ATTRS
    | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT_DEPRECATE_EOF;

pub use crate::privilege::records::{CACHING_SHA2_PASSWORD, NATIVE_PASSWORD};

/// utf8mb4_bin, the collation moltdb compares strings with (TiDB's default too).
const SERVER_COLLATION: u8 = 46;

/// The server's greeting, sent as packet 0 of every connection.
pub fn greeting(
    version: &str,
    connection_id: u32,
    scramble: &[u8; 20],
    capabilities: u32,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(128);
    p.push(10);
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&connection_id.to_le_bytes());
    p.extend_from_slice(&scramble[..8]);
    p.push(0);
    p.extend_from_slice(&(capabilities as u16).to_le_bytes());
    p.push(SERVER_COLLATION);
    // A new session has autocommit on: drivers (PyMySQL, mysqlclient) read this flag to decide
    // whether they must send `SET autocommit=0` for a transaction.
    p.extend_from_slice(&SERVER_STATUS_AUTOCOMMIT.to_le_bytes());
    p.extend_from_slice(&((capabilities >> 16) as u16).to_le_bytes());
    p.push(21); // scramble length + 1
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&scramble[8..]);
    p.push(0);
    p.extend_from_slice(NATIVE_PASSWORD.as_bytes());
    p.push(0);
    p
}

/// The request to answer with a response of `plugin` to `scramble` instead.
pub fn auth_switch(plugin: &str, scramble: &[u8; 20]) -> Vec<u8> {
    let mut p = vec![0xfe];
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    p.extend_from_slice(scramble);
    p.push(0);
    p
}

/// Whether the client's first packet is an SSLRequest: the 32 bytes of a handshake
/// response's fixed part with CLIENT_SSL set, and nothing after.
pub fn is_ssl_request(packet: &[u8]) -> bool {
    packet.len() == 32
        && packet
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .is_some_and(|b: [u8; 4]| u32::from_le_bytes(b) & CLIENT_SSL != 0)
}

/// caching_sha2_password's "fast auth succeeded" (AuthMoreData 0x03), sent before the OK.
pub const FAST_AUTH_SUCCESS: [u8; 2] = [0x01, 0x03];

/// A client's login: HandshakeResponse41 or the body of COM_CHANGE_USER.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Login {
    pub capabilities: u32,
    /// The collation id the client connects with: its character set is the session's.
    pub collation: u8,
    pub user: String,
    pub auth_response: Vec<u8>,
    /// `None` when the client named no database (or an empty one, as mysql-connector does).
    pub database: Option<String>,
    /// The auth plugin the response was computed with (`None`: the client did not say).
    pub plugin: Option<String>,
}

impl Login {
    /// Whether the client's response must be redone with the account's `plugin` (a client
    /// that names none answered as mysql_native_password).
    pub fn needs_switch(&self, plugin: &str) -> bool {
        self.plugin.as_deref().unwrap_or(NATIVE_PASSWORD) != plugin
    }
}

/// A malformed or unsupported login packet.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLogin(pub &'static str);

/// Parses HandshakeResponse41.
pub fn parse_response(p: &[u8]) -> Result<Login, BadLogin> {
    let mut r = Cursor(p);
    let capabilities = r.u32().ok_or(BadLogin("short handshake response"))?;
    if capabilities & CLIENT_PROTOCOL_41 == 0 {
        return Err(BadLogin("the client does not speak protocol 4.1"));
    }
    if capabilities & CLIENT_SSL != 0 && p.len() <= 32 {
        return Err(BadLogin("TLS is not supported"));
    }
    r.skip(4).ok_or(BadLogin("short handshake response"))?;
    let collation = r.u8().ok_or(BadLogin("short handshake response"))?;
    r.skip(23).ok_or(BadLogin("short handshake response"))?;
    let user = r.nul_str().ok_or(BadLogin("no user name"))?;
    let auth_response = auth_response(&mut r, capabilities)?;
    let database = if capabilities & CLIENT_CONNECT_WITH_DB != 0 {
        r.nul_str().filter(|d| !d.is_empty())
    } else {
        None
    };
    let plugin = if capabilities & CLIENT_PLUGIN_AUTH != 0 {
        r.nul_str().filter(|p| !p.is_empty())
    } else {
        None
    };
    Ok(Login {
        capabilities,
        collation,
        user,
        auth_response,
        database,
        plugin,
    })
}

/// Parses the body of COM_CHANGE_USER (after the command byte), for a client with the
/// capabilities it logged in with.
pub fn parse_change_user(p: &[u8], capabilities: u32) -> Result<Login, BadLogin> {
    let mut r = Cursor(p);
    let user = r.nul_str().ok_or(BadLogin("no user name"))?;
    // COM_CHANGE_USER never uses the length-encoded form.
    let auth_response = auth_response(
        &mut r,
        capabilities & !CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
    )?;
    let database = r.nul_str().filter(|d| !d.is_empty());
    let mut collation = 0;
    let plugin = if r.0.len() >= 2 && capabilities & CLIENT_PLUGIN_AUTH != 0 {
        collation = r.u8().unwrap_or(0);
        r.skip(1);
        r.nul_str().filter(|p| !p.is_empty())
    } else {
        None
    };
    Ok(Login {
        capabilities,
        collation,
        user,
        auth_response,
        database,
        plugin,
    })
}

/// The auth response, in the form the capabilities say: length-encoded, one length byte,
/// or NUL-terminated.
fn auth_response(r: &mut Cursor<'_>, capabilities: u32) -> Result<Vec<u8>, BadLogin> {
    let bad = BadLogin("bad auth response");
    let bytes = if capabilities & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        let n = r.lenenc().ok_or(BadLogin("bad auth response"))?;
        r.bytes(n)
    } else if capabilities & CLIENT_SECURE_CONNECTION != 0 {
        let n = r.u8().ok_or(BadLogin("bad auth response"))?;
        r.bytes(usize::from(n))
    } else {
        r.nul_bytes()
    };
    bytes.map(<[u8]>::to_vec).ok_or(bad)
}

/// A forward-only reader over a packet payload; every read is bounds-checked.
pub struct Cursor<'a>(pub &'a [u8]);

impl<'a> Cursor<'a> {
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.bytes(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Option<u64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }

    /// A length-encoded integer, as a length (at most what fits in memory).
    pub fn lenenc(&mut self) -> Option<usize> {
        let v = match self.u8()? {
            n @ 0..=0xfa => u64::from(n),
            0xfc => u64::from(self.u16()?),
            0xfd => {
                let b = self.bytes(3)?;
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], 0]))
            }
            0xfe => self.u64()?,
            _ => return None,
        };
        usize::try_from(v).ok()
    }

    pub fn lenenc_bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.lenenc()?;
        self.bytes(n)
    }

    /// Bytes up to a NUL (consumed), or up to the end when there is none.
    pub fn nul_bytes(&mut self) -> Option<&'a [u8]> {
        let end = self.0.iter().position(|&b| b == 0);
        let s = &self.0[..end.unwrap_or(self.0.len())];
        self.0 = &self.0[end.map_or(self.0.len(), |e| e + 1)..];
        Some(s)
    }

    pub fn nul_str(&mut self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        self.nul_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn rest(&self) -> &'a [u8] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(caps: u32, user: &str, auth: &[u8], db: &str, plugin: &str) -> Vec<u8> {
        let mut p = caps.to_le_bytes().to_vec();
        p.extend_from_slice(&(1u32 << 24).to_le_bytes());
        p.push(45);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(user.as_bytes());
        p.push(0);
        p.push(auth.len() as u8);
        p.extend_from_slice(auth);
        p.extend_from_slice(db.as_bytes());
        p.push(0);
        p.extend_from_slice(plugin.as_bytes());
        p.push(0);
        p
    }

    #[test]
    fn greeting_says_autocommit_and_protocol_41() {
        let g = greeting("8.0.11-x", 7, &[b'a'; 20], SERVER_CAPABILITIES);
        assert_eq!(g[0], 10);
        let after_version = 1 + "8.0.11-x".len() + 1;
        let caps_low = u16::from_le_bytes([g[after_version + 13], g[after_version + 14]]);
        assert_ne!(u32::from(caps_low) & CLIENT_PROTOCOL_41, 0);
        let status = u16::from_le_bytes([g[after_version + 16], g[after_version + 17]]);
        assert_eq!(status, SERVER_STATUS_AUTOCOMMIT);
        assert!(g.ends_with(b"mysql_native_password\0"));
    }

    #[test]
    fn an_ssl_request_is_the_fixed_part_with_client_ssl() {
        let mut request = (CLIENT_PROTOCOL_41 | CLIENT_SSL).to_le_bytes().to_vec();
        request.resize(32, 0);
        assert!(is_ssl_request(&request));
        request[1] = 0;
        assert!(!is_ssl_request(&request));
        let login = response(
            CLIENT_PROTOCOL_41 | CLIENT_SSL,
            "u",
            b"",
            "",
            NATIVE_PASSWORD,
        );
        assert!(!is_ssl_request(&login));
    }

    #[test]
    fn empty_database_name_means_no_database() {
        let caps = CLIENT_PROTOCOL_41
            | CLIENT_SECURE_CONNECTION
            | CLIENT_CONNECT_WITH_DB
            | CLIENT_PLUGIN_AUTH;
        let login = parse_response(&response(caps, "root", b"", "", NATIVE_PASSWORD)).unwrap();
        assert_eq!(login.database, None);
        let login = parse_response(&response(caps, "u", &[1; 20], "shop", "x")).unwrap();
        assert_eq!(login.user, "u");
        assert_eq!(login.auth_response, vec![1; 20]);
        assert_eq!(login.database.as_deref(), Some("shop"));
        assert!(login.needs_switch(NATIVE_PASSWORD));
        assert!(
            !parse_response(&response(caps, "u", b"", "", NATIVE_PASSWORD))
                .unwrap()
                .needs_switch(NATIVE_PASSWORD)
        );
    }

    #[test]
    fn truncated_responses_are_refused_not_panicking() {
        let caps = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION;
        let full = response(caps, "root", &[9; 20], "", "");
        for n in 0..40 {
            assert!(parse_response(&full[..n]).is_err(), "prefix {n}");
        }
    }
}
