//! The wildcards of account hosts and database grants: `%` for any run of characters, `_`
//! for one, `\` to take either literally; compared without regard to case. A client's
//! host matches an account's host pattern by name or by address (a loopback client is
//! `localhost` and `127.0.0.1` / `::1`).

/// Whether `text` matches the pattern.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    matches_from(&p, &t)
}

fn matches_from(p: &[char], t: &[char]) -> bool {
    // Iterative with one backtrack point per `%`, so long patterns cannot recurse deeply.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('%') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('\\') if p.get(pi + 1) == Some(&t[ti]) => {
                pi += 2;
                ti += 1;
                continue;
            }
            Some('_') => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(c) if *c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

/// Whether the pattern has a wildcard (an unescaped `%` or `_`).
pub fn has_wildcard(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '%' | '_' => return true,
            _ => {}
        }
    }
    false
}

/// How specific a host pattern is, smaller first: a literal host, then patterns by how
/// much comes before their first wildcard, `%` (and the empty host) last. Accounts are
/// tried in this order at login, as MySQL sorts its `user` table.
pub fn host_rank(host: &str) -> (u8, usize) {
    if host.is_empty() || host == "%" {
        return (2, 0);
    }
    match host.find(['%', '_']) {
        Some(at) if has_wildcard(host) => (1, usize::MAX - at),
        _ => (0, 0),
    }
}

/// The names a client at `address` (an IP address) is known by: loopback clients are also
/// `localhost`.
pub fn client_names(address: &str) -> Vec<String> {
    let mut names = vec![address.to_string()];
    if matches!(address, "127.0.0.1" | "::1" | "localhost") {
        names.extend(["localhost", "127.0.0.1", "::1"].map(String::from));
    }
    names
}

/// Whether a client at `address` matches an account's host pattern.
pub fn host_matches(pattern: &str, address: &str) -> bool {
    pattern.is_empty() || client_names(address).iter().any(|n| matches(pattern, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("%", "anything"));
        assert!(matches("192.168.%", "192.168.1.20"));
        assert!(!matches("192.168.%", "10.0.0.1"));
        assert!(matches("db_1", "dbx1"));
        assert!(!matches("db\\_1", "dbx1"));
        assert!(matches("db\\_1", "db_1"));
        assert!(matches("App%", "apple"));
        assert!(matches("a%b%c", "aXXbYYc"));
        assert!(!matches("a%b%c", "aXXbYY"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn hosts() {
        assert!(host_matches("localhost", "127.0.0.1"));
        assert!(host_matches("127.0.0.1", "127.0.0.1"));
        assert!(host_matches("%", "10.1.2.3"));
        assert!(!host_matches("localhost", "10.1.2.3"));
        let mut hosts = vec!["%", "192.168.%", "localhost", "192.%"];
        hosts.sort_by_key(|h| host_rank(h));
        assert_eq!(hosts, vec!["localhost", "192.168.%", "192.%", "%"]);
    }
}
