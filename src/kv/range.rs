/// A half-open range of keys `[start, end)`; an empty `end` means "to the end of the keyspace".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyRange {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
}

impl KeyRange {
    pub fn new(start: Vec<u8>, end: Vec<u8>) -> Self {
        KeyRange { start, end }
    }

    /// Every key that begins with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        KeyRange {
            start: prefix.to_vec(),
            end: prefix_end(prefix),
        }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && (self.end.is_empty() || key < self.end.as_slice())
    }

    /// Whether some key lies in both ranges.
    pub fn overlaps(&self, other: &KeyRange) -> bool {
        let before = |a: &KeyRange, b: &KeyRange| !a.end.is_empty() && a.end <= b.start;
        !before(self, other) && !before(other, self)
    }
}

/// The smallest key greater than every key that starts with `prefix` (empty if none exists).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        let r = KeyRange::prefix(b"t\x01");
        assert!(r.contains(b"t\x01"));
        assert!(r.contains(b"t\x01\xff\xff"));
        assert!(!r.contains(b"t\x02"));
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert!(prefix_end(b"\xff\xff").is_empty());
    }

    #[test]
    fn ranges_overlap_when_a_key_lies_in_both() {
        let r = |s: &[u8], e: &[u8]| KeyRange::new(s.to_vec(), e.to_vec());
        assert!(r(b"a", b"c").overlaps(&r(b"b", b"d")));
        assert!(r(b"b", b"d").overlaps(&r(b"a", b"c")));
        // Half-open: touching ends share no key.
        assert!(!r(b"a", b"b").overlaps(&r(b"b", b"c")));
        assert!(!r(b"b", b"c").overlaps(&r(b"a", b"b")));
        // An empty end runs to the end of the keyspace.
        assert!(r(b"x", b"").overlaps(&r(b"a", b"y")));
        assert!(!r(b"x", b"").overlaps(&r(b"a", b"x")));
        assert!(r(b"", b"").overlaps(&r(b"q", b"")));
    }
}
