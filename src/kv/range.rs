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

/// A key about halfway between `low` and `high` (`low <= high`), reading keys as binary
/// fractions (`0.low`, `0.high`): where to cut a range in two for two scans side by side.
/// The result is never below `low` nor above `high`.
pub fn midpoint(low: &[u8], high: &[u8]) -> Vec<u8> {
    let len = low.len().max(high.len());
    let byte = |k: &[u8], i: usize| u16::from(k.get(i).copied().unwrap_or(0));
    // The digits of low + high, base 256, with the carry out of the first one.
    let mut sum = vec![0u16; len];
    let mut carry = 0u16;
    for i in (0..len).rev() {
        let s = byte(low, i) + byte(high, i) + carry;
        sum[i] = s & 0xff;
        carry = s >> 8;
    }
    // Halved from the front: each digit takes the remainder of the one before.
    let mut out = Vec::with_capacity(len + 1);
    let mut remainder = carry;
    for s in sum {
        let d = (remainder << 8) | s;
        out.push((d >> 1) as u8);
        remainder = d & 1;
    }
    if remainder == 1 {
        out.push(0x80);
    }
    out
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

    #[test]
    fn midpoints_fall_between_their_ends() {
        assert_eq!(midpoint(b"\x00", b"\x02"), b"\x01".to_vec());
        assert_eq!(midpoint(b"\x01", b"\x02"), b"\x01\x80".to_vec());
        assert_eq!(midpoint(b"\xff", b"\xff"), b"\xff".to_vec());
        assert_eq!(midpoint(b"", b""), Vec::<u8>::new());
        let cases: [(&[u8], &[u8]); 5] = [
            (
                b"t\x80\x00\x01_r\x80",
                b"t\x80\x00\x01_r\x80\x00\x00\x00\x00\x0f\x42\x40",
            ),
            (b"a", b"b"),
            (b"a", b"a\x00\x01"),
            (b"\xfe\xff", b"\xff"),
            (b"same", b"same"),
        ];
        for (low, high) in cases {
            let mid = midpoint(low, high);
            assert!(
                low <= mid.as_slice() && mid.as_slice() <= high,
                "{low:?} {mid:?} {high:?}"
            );
        }
    }
}
