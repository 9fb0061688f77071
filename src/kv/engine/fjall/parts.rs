//! Which keyspace each key lives in.
//!
//! Keys below [`META_BELOW`] live in the keyspace of small keys, table data in the data
//! keyspace, except for ranges **set apart**: each has a keyspace of its own, named after
//! its bounds (so a restart finds them again). A range is set apart before a large ingest
//! into it, the entries of an index being built: in a tree of its own the ingest is the only
//! run in level 0 and moves down whole, while in the data keyspace, under DML, it shares level
//! 0 with the flushed writes and a compaction rewrites it with them (1.4 s of a core for a
//! 1M-entry index, while the build's verification reads it).

use fjall::{Database, Keyspace};

use crate::kv::{Error, Result};

/// Keys below this one live in a keyspace of their own: the MVCC layer's bookkeeping
/// (`0x00...`) and the versions of user keys below `t` (the catalog, DDL jobs, statistics:
/// small, and written all the time), apart from table data (versions of `t...` keys). A
/// flushed memtable of data keys then spans no bookkeeping, and an ingest during an idle
/// index build meets an empty data memtable: its run is the only one in level 0 and moves
/// down whole, instead of being merged (with every table between the bookkeeping keys and
/// its own) into level 1 while the build's verification reads it.
pub(super) const META_BELOW: &[u8] = &[0x01, b't'];

/// Names of the keyspaces of ranges set apart: this, then the bounds in hex, `-` between.
const APART: &str = "apart-";

/// A keyspace and the part `[start, end)` of a range in it.
pub(super) type Side<'e> = (&'e Keyspace, &'e [u8], &'e [u8]);

/// The keyspaces and the ranges each holds.
#[derive(Clone)]
pub(super) struct Parts {
    pub meta: Keyspace,
    pub data: Keyspace,
    /// Ranges set apart: sorted, disjoint, at or above [`META_BELOW`].
    apart: Vec<Apart>,
}

/// Where a range stands against the ranges set apart.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// It is one of them.
    Apart,
    /// It may become one: it overlaps none and lies above [`META_BELOW`].
    Free,
    /// It cannot: it overlaps one, reaches below [`META_BELOW`], or is empty.
    Unfit,
}

#[derive(Clone)]
struct Apart {
    start: Vec<u8>,
    end: Vec<u8>,
    keyspace: Keyspace,
}

impl Parts {
    pub fn new(meta: Keyspace, data: Keyspace) -> Parts {
        Parts {
            meta,
            data,
            apart: Vec::new(),
        }
    }

    /// The keyspace `key` lives in.
    pub fn keyspace_of(&self, key: &[u8]) -> &Keyspace {
        if key < META_BELOW {
            return &self.meta;
        }
        let after = self.apart.partition_point(|a| a.start.as_slice() <= key);
        match after.checked_sub(1).and_then(|i| self.apart.get(i)) {
            Some(apart) if key < apart.end.as_slice() => &apart.keyspace,
            _ => &self.data,
        }
    }

    /// The keyspaces the range `[start, end)` reaches, each with its part of it, in key order.
    pub fn sides<'a>(&'a self, start: &'a [u8], end: &'a [u8]) -> Vec<Side<'a>> {
        let mut sides = Vec::new();
        if start >= end {
            return sides;
        }
        if start < META_BELOW {
            sides.push((&self.meta, start, end.min(META_BELOW)));
        }
        let mut at = start.max(META_BELOW);
        for apart in &self.apart {
            if at >= end {
                return sides;
            }
            if apart.end.as_slice() <= at {
                continue;
            }
            if apart.start.as_slice() >= end {
                break;
            }
            if at < apart.start.as_slice() {
                sides.push((&self.data, at, &apart.start));
            }
            sides.push((&apart.keyspace, at.max(&apart.start), end.min(&apart.end)));
            at = &apart.end;
        }
        if at < end {
            sides.push((&self.data, at, end));
        }
        sides
    }

    /// The keyspaces of the ranges set apart.
    pub fn apart(&self) -> impl Iterator<Item = &Keyspace> {
        self.apart.iter().map(|a| &a.keyspace)
    }

    /// Every keyspace of table data: the data keyspace, then those set apart.
    pub fn tables(&self) -> impl Iterator<Item = &Keyspace> {
        std::iter::once(&self.data).chain(self.apart())
    }

    /// Every keyspace.
    pub fn all(&self) -> impl Iterator<Item = &Keyspace> {
        std::iter::once(&self.meta).chain(self.tables())
    }

    /// Where `[start, end)` stands against the ranges set apart.
    pub fn place(&self, start: &[u8], end: &[u8]) -> Place {
        if start < META_BELOW || start >= end {
            return Place::Unfit;
        }
        let mut overlapping = self
            .apart
            .iter()
            .filter(|a| a.start.as_slice() < end && start < a.end.as_slice());
        match overlapping.next() {
            None => Place::Free,
            Some(a) if a.start == start && a.end == end => Place::Apart,
            Some(_) => Place::Unfit,
        }
    }

    /// Deletes the keyspaces set apart that hold nothing any more (their index was dropped
    /// and its range deleted): their ranges go back to the data keyspace, which holds none
    /// of their keys either. Only while nothing reads or writes.
    pub fn drop_empty(&mut self, db: &Database) -> Result<()> {
        for apart in std::mem::take(&mut self.apart) {
            if apart.keyspace.is_empty()? {
                tracing::info!(keyspace = %apart.keyspace.name(), "fjall: an empty range set apart dropped");
                db.delete_keyspace(apart.keyspace)?;
            } else {
                self.apart.push(apart);
            }
        }
        Ok(())
    }

    /// Adds a range set apart (one whose [`Parts::place`] is free).
    pub fn add(&mut self, start: &[u8], end: &[u8], keyspace: Keyspace) {
        let at = self.apart.partition_point(|a| a.start.as_slice() < start);
        self.apart.insert(
            at,
            Apart {
                start: start.to_vec(),
                end: end.to_vec(),
                keyspace,
            },
        );
    }
}

/// The name of the keyspace of `[start, end)` set apart; `None` if too long for fjall.
pub(super) fn apart_name(start: &[u8], end: &[u8]) -> Option<String> {
    let name = format!("{APART}{}-{}", hex(start), hex(end));
    (name.len() <= usize::from(u8::MAX)).then_some(name)
}

/// Whether `name` names a keyspace set apart.
pub(super) fn is_apart(name: &str) -> bool {
    name.starts_with(APART)
}

/// The bounds a keyspace set apart is named after.
pub(super) fn apart_bounds(name: &str) -> Result<(Vec<u8>, Vec<u8>)> {
    let malformed = || Error::Storage(format!("fjall: a malformed keyspace name {name}"));
    let (start, end) = name
        .strip_prefix(APART)
        .and_then(|bounds| bounds.split_once('-'))
        .ok_or_else(malformed)?;
    let (start, end) = (
        unhex(start).ok_or_else(malformed)?,
        unhex(end).ok_or_else(malformed)?,
    );
    if start.as_slice() < META_BELOW || start >= end {
        return Err(malformed());
    }
    Ok((start, end))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_back_their_bounds() -> Result<()> {
        let name = apart_name(b"\x01t\x00\x01", b"\x01t\x00\x02").unwrap_or_default();
        assert_eq!(name, "apart-01740001-01740002");
        assert!(is_apart(&name));
        assert_eq!(
            apart_bounds(&name)?,
            (b"\x01t\x00\x01".to_vec(), b"\x01t\x00\x02".to_vec())
        );
        for bad in [
            "apart-0174",
            "apart-017-0175",
            "apart-0175-0174",
            "apart-00-01",
        ] {
            assert!(apart_bounds(bad).is_err(), "{bad}");
        }
        assert_eq!(apart_name(&[0x01; 100], &[0x02; 100]), None);
        Ok(())
    }
}
