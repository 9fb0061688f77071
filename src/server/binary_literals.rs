//! Binary string literals in a query that is otherwise UTF-8.
//!
//! mysqlclient (MySQLdb) sends a `bytes` parameter as a string literal with the raw bytes
//! between the quotes (`'\xff\0'`, or `_binary'...'` with `binary_prefix`), so the query
//! is not UTF-8 text and the parser (which reads `str`) cannot take it. MySQL reads such a
//! literal's bytes as they are (a BLOB stores them); so does moltdb, by spelling each
//! literal that is not UTF-8, and each `_binary` one, as the hex literal of the same bytes
//! (`X'ff00'`) before the text is decoded.

/// `body` with every string literal that is not UTF-8 (or is introduced by `_binary`) as a
/// hex literal; `None` when there is none (the query stays as it came).
pub fn as_hex(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() * 2);
    let mut rewrote = false;
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        match c {
            b'\'' | b'"' => {
                let (content, end) = literal(body, i);
                let introducer = binary_introducer(&out);
                let start = match introducer {
                    None if std::str::from_utf8(&content).is_err() => Some(out.len()),
                    other => other,
                };
                match start {
                    Some(at) => {
                        out.truncate(at);
                        out.extend_from_slice(b"X'");
                        for b in content {
                            out.extend_from_slice(format!("{b:02x}").as_bytes());
                        }
                        out.push(b'\'');
                        rewrote = true;
                    }
                    None => out.extend_from_slice(&body[i..end]),
                }
                i = end;
            }
            b'`' => {
                let end = body[i + 1..]
                    .iter()
                    .position(|&b| b == b'`')
                    .map_or(body.len(), |p| i + p + 2);
                out.extend_from_slice(&body[i..end]);
                i = end;
            }
            b'#' => i = copy_until(body, i, b"\n", &mut out),
            b'-' if body[i..].starts_with(b"-- ") => i = copy_until(body, i, b"\n", &mut out),
            b'/' if body[i..].starts_with(b"/*") => i = copy_until(body, i, b"*/", &mut out),
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    rewrote.then_some(out)
}

/// Copies from `start` through the first `end` after it (or to the end of `body`).
fn copy_until(body: &[u8], start: usize, end: &[u8], out: &mut Vec<u8>) -> usize {
    let stop = body[start + 1..]
        .windows(end.len())
        .position(|w| w == end)
        .map_or(body.len(), |p| start + 1 + p + end.len());
    out.extend_from_slice(&body[start..stop]);
    stop
}

/// The bytes of the string literal whose opening quote is at `start`, with MySQL's
/// backslash escapes and doubled quotes undone, and the offset just past its closing quote.
fn literal(body: &[u8], start: usize) -> (Vec<u8>, usize) {
    let quote = body[start];
    let mut content = Vec::new();
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' if i + 1 < body.len() => {
                let e = body[i + 1];
                match e {
                    b'0' => content.push(0),
                    b'b' => content.push(8),
                    b'n' => content.push(b'\n'),
                    b'r' => content.push(b'\r'),
                    b't' => content.push(b'\t'),
                    b'Z' => content.push(26),
                    // LIKE's escapes keep their backslash.
                    b'%' | b'_' => content.extend_from_slice(&[b'\\', e]),
                    other => content.push(other),
                }
                i += 2;
            }
            q if q == quote && body.get(i + 1) == Some(&quote) => {
                content.push(quote);
                i += 2;
            }
            q if q == quote => return (content, i + 1),
            other => {
                content.push(other);
                i += 1;
            }
        }
    }
    (content, body.len())
}

/// Where `_binary` (and the spaces after it) begins when `text` ends with it as a word.
fn binary_introducer(text: &[u8]) -> Option<usize> {
    let trimmed = text.len()
        - text
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let word = trimmed.checked_sub(b"_binary".len())?;
    if !text[word..trimmed].eq_ignore_ascii_case(b"_binary") {
        return None;
    }
    let joined = word > 0 && (text[word - 1].is_ascii_alphanumeric() || text[word - 1] == b'_');
    (!joined).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(q: &[u8]) -> String {
        String::from_utf8(as_hex(q).unwrap_or_else(|| q.to_vec())).unwrap()
    }

    #[test]
    fn binary_literals_become_hex() {
        assert_eq!(
            rewritten(b"INSERT INTO t VALUES (1, _binary'\xff\\0\\'a')"),
            "INSERT INTO t VALUES (1, X'ff002761')"
        );
        assert_eq!(rewritten(b"SELECT _BINARY  \"a\"\"b\""), "SELECT X'612262'");
        assert_eq!(rewritten(b"SELECT _binary'\\%'"), "SELECT X'5c25'");
        assert_eq!(
            rewritten(b"SELECT 'caf\xc3\xa9', '\x80\\n'"),
            "SELECT 'caf\u{e9}', X'800a'"
        );
    }

    #[test]
    fn other_text_is_left_alone() {
        assert!(as_hex(b"SELECT 'x', my_binary'a'").is_none());
        assert!(as_hex(b"SELECT `_binary'`, 'a' -- _binary'b'\n").is_none());
        assert!(as_hex(b"SELECT '_binary' /* _binary'x' */").is_none());
        assert_eq!(
            rewritten(b"SELECT '_binary''', _binary'\x80'"),
            "SELECT '_binary''', X'80'"
        );
    }
}
