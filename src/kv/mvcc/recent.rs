//! The keys of recent commits, for the commit-time conflict check (and for asking which
//! keys of a range changed since a snapshot an index build still holds).
//!
//! A transaction conflicts if another one committed a write to one of its keys after it
//! started. Probing the engine for a newer version of each key costs a lookup per key:
//! seconds for a LOAD DATA of a million rows. Commits happen under one lock, so the store
//! can instead remember which keys each commit wrote, as long as an open transaction might
//! still need them; a transaction then checks the (usually few) keys committed since its
//! start against its own. A transaction older than what is remembered (the memory bound
//! dropped commits it needs, or an ingest wrote versions past its start) probes the engine
//! as before.

use std::collections::{BTreeSet, VecDeque};

use crate::kv::KeyRange;

/// At most this many keys are remembered; the oldest commits go first.
const MAX_KEYS: usize = 1 << 20;

pub struct Recent {
    /// The commits an open transaction may need, oldest first.
    commits: VecDeque<Commit>,
    keys: usize,
    /// Commits at or below this timestamp may be missing here.
    horizon: u64,
    /// The newest timestamp an ingest wrote versions at.
    ingested_at: u64,
    /// Ranges whose versions were written or removed outside commits (an ingest, a delete
    /// range): a snapshot at or below the timestamp may not see what was done there
    /// (`u64::MAX` while the work runs).
    outside: Vec<(u64, KeyRange)>,
}

/// One commit's keys.
struct Commit {
    ts: u64,
    keys: Vec<Vec<u8>>,
    /// A replay of earlier commits' changes ([`crate::kv::Transaction::mark_replay`]).
    replay: bool,
}

/// What is known here about the keys a range's commits wrote since a timestamp.
#[derive(Debug, PartialEq, Eq)]
pub enum Changes {
    /// The keys, sorted, each once.
    Keys(Vec<Vec<u8>>),
    /// More keys than asked for.
    TooMany,
    /// Not known from here: read the versions.
    Unknown,
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
            ingested_at: 0,
            outside: Vec::new(),
        }
    }

    /// Whether a commit after `start_ts` wrote a key `mine` says the transaction wrote or
    /// locked; with `skip_replays`, replays' commits do not count.
    pub fn check(&self, start_ts: u64, mine: &dyn Fn(&[u8]) -> bool, skip_replays: bool) -> Check {
        if start_ts < self.horizon.max(self.ingested_at) {
            return Check::Unknown;
        }
        let later = self.commits.iter().rev().take_while(|c| c.ts > start_ts);
        for commit in later {
            if !(skip_replays && commit.replay) && commit.keys.iter().any(|k| mine(k)) {
                return Check::Conflict;
            }
        }
        Check::Clear
    }

    /// Records commit `ts`'s keys, forgetting what no transaction at or after `min_active`
    /// can need.
    pub fn record(&mut self, ts: u64, keys: Vec<Vec<u8>>, min_active: u64, replay: bool) {
        self.keys += keys.len();
        self.commits.push_back(Commit { ts, keys, replay });
        self.forget(min_active);
    }

    /// Forgets commits at or below `min_active` (every open transaction started at or after
    /// it), then the oldest ones while over the bound.
    pub fn forget(&mut self, min_active: u64) {
        while let Some(Commit { ts, keys, .. }) = self.commits.front() {
            let unneeded = *ts <= min_active;
            if !unneeded && self.keys <= MAX_KEYS {
                break;
            }
            // Unneeded by any open transaction, but no longer known here either.
            self.horizon = self.horizon.max(*ts);
            self.keys -= keys.len();
            self.commits.pop_front();
        }
        // What no snapshot predates is forgotten; a snapshot opened later at an older
        // timestamp finds it unknown.
        let horizon = &mut self.horizon;
        self.outside.retain(|(until, _)| {
            let keep = *until > min_active;
            if !keep {
                *horizon = (*horizon).max(until.saturating_add(1));
            }
            keep
        });
    }

    /// An ingest is about to write versions at `ts`: transactions that started before it
    /// probe the engine, and until [`Recent::outside_ended`] no range's changes are known.
    pub fn ingest_started(&mut self, ts: u64) {
        self.ingested_at = self.ingested_at.max(ts);
        self.outside_started(&KeyRange::default());
    }

    /// Versions in `range` are about to be written or removed outside commits (an ingest,
    /// a delete range): until [`Recent::outside_ended`], whether a snapshot's view of
    /// `range` changed is not known from here.
    pub fn outside_started(&mut self, range: &KeyRange) {
        self.outside.push((u64::MAX, range.clone()));
    }

    /// The work begun with [`Recent::outside_started`] for `range` ended: snapshots at or
    /// below `until` may not see what it did within `done` (nothing, if `None`).
    pub fn outside_ended(&mut self, range: &KeyRange, until: u64, done: Option<KeyRange>) {
        let running = self
            .outside
            .iter()
            .position(|(u, r)| *u == u64::MAX && r == range);
        match (running, done) {
            (Some(i), Some(done)) => self.outside[i] = (until, done),
            (Some(i), None) => {
                self.outside.swap_remove(i);
            }
            (None, _) => {}
        }
    }

    /// The keys in `range` that commits after `since` wrote, unless more than `limit` or
    /// not known from here (commits after `since` were forgotten, or versions were written
    /// or removed there outside commits since).
    pub fn changes_since(&self, since: u64, range: &KeyRange, limit: usize) -> Changes {
        let outside = |(until, r): &(u64, KeyRange)| since <= *until && r.overlaps(range);
        if since < self.horizon || self.outside.iter().any(outside) {
            return Changes::Unknown;
        }
        let later = self.commits.iter().rev().take_while(|c| c.ts > since);
        let mut changed = BTreeSet::new();
        for key in later.flat_map(|c| &c.keys) {
            if range.contains(key) && changed.insert(key.as_slice()) && changed.len() > limit {
                return Changes::TooMany;
            }
        }
        Changes::Keys(changed.into_iter().map(<[u8]>::to_vec).collect())
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
        r.record(11, vec![b"a".to_vec()], 10, false);
        r.record(12, vec![b"b".to_vec()], 10, false);
        assert_eq!(r.check(10, &mine(&[b"a"], &[]), true), Check::Conflict);
        assert_eq!(r.check(11, &mine(&[b"a"], &[]), true), Check::Clear);
        assert_eq!(r.check(11, &mine(&[b"b"], &[]), true), Check::Conflict);
        assert_eq!(r.check(11, &mine(&[], &[b"b"]), true), Check::Conflict);
        // Older than the store's opening: unknown.
        assert_eq!(r.check(9, &mine(&[b"z"], &[]), true), Check::Unknown);
        // Commits no open transaction needs are forgotten.
        r.forget(11);
        assert_eq!(r.commits.len(), 1);
        r.ingest_started(12);
        assert_eq!(r.check(11, &mine(&[b"z"], &[]), true), Check::Unknown);
        assert_eq!(r.check(12, &mine(&[b"z"], &[]), true), Check::Clear);
    }

    #[test]
    fn writes_over_a_replay_do_not_lose_to_it() {
        let mut r = Recent::new(10);
        r.record(11, vec![b"entry".to_vec()], 10, true);
        // A transaction that wrote the entry the replay then wrote: its write is newer.
        assert_eq!(r.check(10, &mine(&[b"entry"], &[]), true), Check::Clear);
        // The replay itself (or another one) still loses to any later write.
        assert_eq!(r.check(10, &mine(&[b"entry"], &[]), false), Check::Conflict);
        r.record(12, vec![b"entry".to_vec()], 10, false);
        assert_eq!(r.check(10, &mine(&[b"entry"], &[]), true), Check::Conflict);
        // What changed is what changed, replays included.
        let all = KeyRange::default();
        assert_eq!(
            r.changes_since(10, &all, 10),
            Changes::Keys(vec![b"entry".to_vec()])
        );
    }

    /// The keys `r` knows changed in `range` after `since`, as text.
    fn changed(r: &Recent, since: u64, range: &KeyRange) -> Option<Vec<String>> {
        let Changes::Keys(keys) = r.changes_since(since, range, 10) else {
            return None;
        };
        Some(
            keys.iter()
                .map(|k| String::from_utf8_lossy(k).into())
                .collect(),
        )
    }

    #[test]
    fn changes_are_known_while_the_commits_are() {
        let mut r = Recent::new(10);
        let b = KeyRange::prefix(b"b");
        let none: Option<Vec<String>> = Some(vec![]);
        assert_eq!(changed(&r, 10, &b), none);
        r.record(11, vec![b"a1".to_vec()], 10, false);
        r.record(12, vec![b"b3".to_vec(), b"c1".to_vec()], 10, false);
        r.record(13, vec![b"b1".to_vec(), b"b3".to_vec()], 10, false);
        assert_eq!(changed(&r, 10, &b), Some(vec!["b1".into(), "b3".into()]));
        assert_eq!(changed(&r, 12, &b), Some(vec!["b1".into(), "b3".into()]));
        assert_eq!(changed(&r, 13, &b), none);
        // More keys than the limit: not listed.
        assert_eq!(r.changes_since(10, &b, 1), Changes::TooMany);
        // Before the store opened: unknown.
        assert_eq!(r.changes_since(9, &b, 10), Changes::Unknown);
        // Commits no open transaction needs are forgotten: what they wrote is unknown.
        r.forget(11);
        assert_eq!(changed(&r, 10, &b), None);
        assert_eq!(changed(&r, 11, &b), Some(vec!["b1".into(), "b3".into()]));
        // Versions being removed in the range, or removed there since the snapshot.
        let c = KeyRange::prefix(b"c");
        r.outside_started(&b);
        assert_eq!(changed(&r, 13, &b), None);
        assert_eq!(changed(&r, 13, &c), none);
        r.outside_ended(&b, 13, Some(b.clone()));
        assert_eq!(changed(&r, 13, &b), None);
        assert_eq!(changed(&r, 14, &b), none);
        // An ingest: nothing known while it runs, then what it wrote is a change for older
        // snapshots (not for one at its own timestamp).
        r.record(14, vec![b"a2".to_vec()], 11, false);
        r.ingest_started(15);
        assert_eq!(changed(&r, 14, &c), None);
        r.outside_ended(
            &KeyRange::default(),
            14,
            Some(KeyRange::new(b"b5".to_vec(), b"b7".to_vec())),
        );
        assert_eq!(changed(&r, 14, &c), none);
        assert_eq!(changed(&r, 14, &b), None);
        assert_eq!(changed(&r, 15, &b), none);
        // What no snapshot predates is forgotten, and older snapshots find it unknown.
        r.forget(15);
        assert!(r.outside.is_empty());
        assert_eq!(changed(&r, 14, &c), None);
        assert_eq!(changed(&r, 15, &c), none);
    }

    #[test]
    fn the_memory_bound_moves_the_horizon() {
        let mut r = Recent::new(0);
        let many: Vec<Vec<u8>> = (0..MAX_KEYS as u32)
            .map(|i| i.to_be_bytes().to_vec())
            .collect();
        r.record(1, many, 0, false);
        r.record(2, vec![b"x".to_vec()], 0, false);
        assert_eq!(r.keys, 1);
        assert_eq!(r.check(0, &mine(&[b"x"], &[]), true), Check::Unknown);
        assert_eq!(r.check(1, &mine(&[b"x"], &[]), true), Check::Conflict);
    }
}
