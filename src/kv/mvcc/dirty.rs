//! The keys commits wrote since the last GC pass, so that a pass visits only their versions.
//!
//! A version becomes obsolete only when a newer version of its key is committed, so a pass at
//! safe point `sp` that visits every key committed at or below `sp` since the previous pass
//! removes all that a scan of the whole store would, at a cost that follows the write rate
//! instead of the data size. That is what lets GC run every few seconds: old versions of hot
//! rows are then gone while they are still in the engine's memtable, instead of piling up in
//! front of every range scan over those rows (sysbench's hot rows: several times the cost of
//! a 100-row range). Where the engine's compactions drop shadowed versions ([`super::gc`]),
//! only the keys a commit deleted are named: the rest is not a pass's business.
//!
//! Versions written any other way (an ingest, a commit applied as an ingest), the keys of
//! commits beyond the memory bound, and everything written before the store opened are not
//! named here: the first pass whose safe point reaches past them scans the whole store.
//! Except after a clean close: its last pass left nothing for the next run to find.

use std::collections::{BTreeSet, VecDeque};

/// At most this many keys are remembered; a commit that would exceed it is left to a pass
/// over everything.
const MAX_KEYS: usize = 1 << 18;

pub struct Dirty {
    /// (commit ts, the keys it wrote), oldest first.
    commits: VecDeque<(u64, Vec<Vec<u8>>)>,
    keys: usize,
    /// Versions at or below this timestamp may have been written without being named here.
    unnamed_until: Option<u64>,
}

/// What a GC pass has to visit.
#[derive(Debug, PartialEq, Eq)]
pub enum Pass {
    /// Every version in the store.
    Everything,
    /// The versions of these keys (possibly none).
    Keys(BTreeSet<Vec<u8>>),
}

impl Dirty {
    /// Nothing is known about the versions at or below `last_ts`, the newest commit when the
    /// store opens.
    pub fn new(last_ts: u64) -> Dirty {
        Dirty {
            commits: VecDeque::new(),
            keys: 0,
            unnamed_until: Some(last_ts),
        }
    }

    /// Nothing written before the store opened is left for GC: it closed cleanly after a
    /// last pass up to its newest commit.
    pub fn after_clean_close() -> Dirty {
        Dirty {
            commits: VecDeque::new(),
            keys: 0,
            unnamed_until: None,
        }
    }

    /// Whether every version written since the last pass is named here.
    pub fn all_named(&self) -> bool {
        self.unnamed_until.is_none()
    }

    /// Records the keys of the commit at `ts`.
    pub fn record(&mut self, ts: u64, keys: Vec<Vec<u8>>) {
        if keys.is_empty() {
            return;
        }
        if self.keys + keys.len() > MAX_KEYS {
            self.unnamed(ts);
            return;
        }
        self.keys += keys.len();
        self.commits.push_back((ts, keys));
    }

    /// Versions were written at `ts` without their keys being recorded.
    pub fn unnamed(&mut self, ts: u64) {
        self.unnamed_until = Some(self.unnamed_until.map_or(ts, |u| u.max(ts)));
    }

    /// What a pass at `safe_point` must visit; forgets what it hands out. A pass that fails
    /// must call [`Dirty::unnamed`] with its safe point, since the keys it was given are gone.
    pub fn take(&mut self, safe_point: u64) -> Pass {
        let mut keys = BTreeSet::new();
        while self
            .commits
            .front()
            .is_some_and(|(ts, _)| *ts <= safe_point)
        {
            if let Some((_, written)) = self.commits.pop_front() {
                self.keys -= written.len();
                keys.extend(written);
            }
        }
        match self.unnamed_until {
            // Unnamed versions above the safe point wait for a later pass over everything.
            Some(until) if until <= safe_point => {
                self.unnamed_until = None;
                Pass::Everything
            }
            _ => Pass::Keys(keys),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Pass {
        Pass::Keys(names.iter().map(|n| n.as_bytes().to_vec()).collect())
    }

    #[test]
    fn a_pass_visits_the_keys_committed_up_to_its_safe_point() {
        let mut d = Dirty::new(10);
        assert_eq!(d.take(10), Pass::Everything, "what came before opening");
        d.record(11, vec![b"a".to_vec(), b"b".to_vec()]);
        d.record(12, vec![b"b".to_vec()]);
        d.record(13, vec![b"c".to_vec()]);
        assert_eq!(d.take(12), keys(&["a", "b"]));
        assert_eq!(d.take(12), keys(&[]));
        assert_eq!(d.take(13), keys(&["c"]));
        assert_eq!(d.keys, 0);
    }

    #[test]
    fn unnamed_versions_wait_for_a_safe_point_past_them() {
        let mut d = Dirty::new(0);
        assert_eq!(d.take(0), Pass::Everything);
        d.record(1, vec![b"a".to_vec()]);
        d.unnamed(3);
        assert_eq!(
            d.take(2),
            keys(&["a"]),
            "the ingest at 3 is not collectable yet"
        );
        assert_eq!(d.take(3), Pass::Everything);
        assert_eq!(d.take(4), keys(&[]));
    }

    #[test]
    fn the_memory_bound_turns_a_commit_unnamed() {
        let mut d = Dirty::new(0);
        d.take(0);
        let many: Vec<Vec<u8>> = (0..=MAX_KEYS as u32)
            .map(|i| i.to_be_bytes().to_vec())
            .collect();
        d.record(1, many);
        d.record(2, vec![b"x".to_vec()]);
        assert_eq!(d.take(1), Pass::Everything);
        assert_eq!(d.take(2), keys(&["x"]));
    }
}
