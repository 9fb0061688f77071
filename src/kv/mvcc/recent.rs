//! The keys of recent commits, for the commit-time conflict check.
//!
//! A transaction conflicts if another one committed a write to one of its keys after it
//! started. Probing the engine for a newer version of each key costs a lookup per key:
//! seconds for a LOAD DATA of a million rows. Commits happen under one lock, so the store
//! can instead remember which keys each commit wrote, as long as an open transaction might
//! still need them; a transaction then checks the (usually few) keys committed since its
//! start against its own. A transaction older than what is remembered (the memory bound
//! dropped commits it needs, or an ingest wrote versions past its start) probes the engine
//! as before.

use std::collections::VecDeque;

/// At most this many keys are remembered; the oldest commits go first.
const MAX_KEYS: usize = 1 << 20;

pub struct Recent {
    /// (commit ts, the keys it wrote), oldest first.
    commits: VecDeque<(u64, Vec<Vec<u8>>)>,
    keys: usize,
    /// Versions at or below this timestamp may be missing here.
    horizon: u64,
}

/// What the check found out about a transaction's keys.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    Clear,
    Conflict,
    /// Not known from here: probe the engine.
    Unknown,
}

impl Recent {
    /// Remembers nothing older than `last_ts` (the newest commit when the store opens).
    pub fn new(last_ts: u64) -> Recent {
        Recent {
            commits: VecDeque::new(),
            keys: 0,
            horizon: last_ts,
        }
    }

    /// Whether a commit after `start_ts` wrote a key `mine` says the transaction wrote or
    /// locked.
    pub fn check(&self, start_ts: u64, mine: &dyn Fn(&[u8]) -> bool) -> Check {
        if start_ts < self.horizon {
            return Check::Unknown;
        }
        let later = self
            .commits
            .iter()
            .rev()
            .take_while(|(ts, _)| *ts > start_ts);
        for (_, keys) in later {
            if keys.iter().any(|k| mine(k)) {
                return Check::Conflict;
            }
        }
        Check::Clear
    }

    /// Records commit `ts`'s keys, forgetting what no transaction at or after `min_active`
    /// can need.
    pub fn record(&mut self, ts: u64, keys: Vec<Vec<u8>>, min_active: u64) {
        self.keys += keys.len();
        self.commits.push_back((ts, keys));
        self.forget(min_active);
    }

    /// Forgets commits at or below `min_active` (every open transaction started at or after
    /// it), then the oldest ones while over the bound.
    pub fn forget(&mut self, min_active: u64) {
        while let Some((ts, keys)) = self.commits.front() {
            let unneeded = *ts <= min_active;
            if !unneeded && self.keys <= MAX_KEYS {
                break;
            }
            if !unneeded {
                self.horizon = self.horizon.max(*ts);
            }
            self.keys -= keys.len();
            self.commits.pop_front();
        }
    }

    /// Versions were written at `ts` outside a commit (an ingest): transactions that
    /// started before it probe the engine.
    pub fn written_outside(&mut self, ts: u64) {
        self.horizon = self.horizon.max(ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transaction that wrote `keys` and locked `locked`.
    fn mine<'a>(keys: &'a [&[u8]], locked: &'a [&[u8]]) -> impl Fn(&[u8]) -> bool + 'a {
        move |k| keys.contains(&k) || locked.contains(&k)
    }

    #[test]
    fn later_commits_of_the_same_key_conflict() {
        let mut r = Recent::new(10);
        r.record(11, vec![b"a".to_vec()], 10);
        r.record(12, vec![b"b".to_vec()], 10);
        assert_eq!(r.check(10, &mine(&[b"a"], &[])), Check::Conflict);
        assert_eq!(r.check(11, &mine(&[b"a"], &[])), Check::Clear);
        assert_eq!(r.check(11, &mine(&[b"b"], &[])), Check::Conflict);
        assert_eq!(r.check(11, &mine(&[], &[b"b"])), Check::Conflict);
        // Older than the store's opening: unknown.
        assert_eq!(r.check(9, &mine(&[b"z"], &[])), Check::Unknown);
        // Commits no open transaction needs are forgotten.
        r.forget(11);
        assert_eq!(r.commits.len(), 1);
        r.written_outside(12);
        assert_eq!(r.check(11, &mine(&[b"z"], &[])), Check::Unknown);
        assert_eq!(r.check(12, &mine(&[b"z"], &[])), Check::Clear);
    }

    #[test]
    fn the_memory_bound_moves_the_horizon() {
        let mut r = Recent::new(0);
        let many: Vec<Vec<u8>> = (0..MAX_KEYS as u32)
            .map(|i| i.to_be_bytes().to_vec())
            .collect();
        r.record(1, many, 0);
        r.record(2, vec![b"x".to_vec()], 0);
        assert_eq!(r.keys, 1);
        assert_eq!(r.check(0, &mine(&[b"x"], &[])), Check::Unknown);
        assert_eq!(r.check(1, &mine(&[b"x"], &[])), Check::Conflict);
    }
}
