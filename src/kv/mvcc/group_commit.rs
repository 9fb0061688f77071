//! Group commit: many committers share one `fsync`.
//!
//! A sled flush costs a disk sync, which dwarfs applying a batch in memory. Committers therefore
//! apply their batch under the commit mutex, release it, and only then wait for durability here,
//! so that while one flush is running the next commits can already be applied and will all be
//! covered by the following flush.

use parking_lot::{Condvar, Mutex};

use crate::kv::Result;

/// Tracks which write sequence numbers are durable. The sequence number of a commit is its
/// commit timestamp: both are assigned in order under the commit mutex.
pub(super) struct GroupCommit {
    state: Mutex<State>,
    flushed: Condvar,
}

struct State {
    /// Every write with a sequence number at or below this is on disk.
    durable_seq: u64,
    /// A leader is flushing right now; others wait for it instead of flushing too.
    flushing: bool,
}

impl GroupCommit {
    /// `durable_seq` is what is already on disk (the last commit found at open).
    pub(super) fn new(durable_seq: u64) -> Self {
        GroupCommit {
            state: Mutex::new(State {
                durable_seq,
                flushing: false,
            }),
            flushed: Condvar::new(),
        }
    }

    /// Returns once write `seq` is durable.
    ///
    /// `written` reports the highest sequence number whose write has been fully applied; it is
    /// read before a flush starts, so that flush covers every write up to it. `flush` makes
    /// everything applied so far durable. If nobody is flushing, the caller becomes the leader
    /// and flushes on behalf of everyone who has applied a write by then; otherwise it waits for
    /// the running flush and, if that did not cover it, leads the next one.
    pub(super) fn wait_durable(
        &self,
        seq: u64,
        written: impl Fn() -> u64,
        flush: impl Fn() -> Result<()>,
    ) -> Result<()> {
        let mut state = self.state.lock();
        loop {
            if state.durable_seq >= seq {
                return Ok(());
            }
            if state.flushing {
                self.flushed.wait(&mut state);
                continue;
            }
            state.flushing = true;
            let target = written();
            let result = parking_lot::MutexGuard::unlocked(&mut state, &flush);
            state.flushing = false;
            if result.is_ok() {
                state.durable_seq = state.durable_seq.max(target);
            }
            // Wake followers either way: on failure one of them retries as the next leader.
            self.flushed.notify_all();
            result?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn concurrent_waiters_share_flushes() {
        let group = Arc::new(GroupCommit::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let flushes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (group, written, flushes) = (group.clone(), written.clone(), flushes.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let seq = written.fetch_add(1, Ordering::SeqCst) + 1;
                        group
                            .wait_durable(
                                seq,
                                || written.load(Ordering::SeqCst),
                                || {
                                    flushes.fetch_add(1, Ordering::SeqCst);
                                    std::thread::sleep(std::time::Duration::from_micros(200));
                                    Ok(())
                                },
                            )
                            .expect("flush");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("join");
        }
        assert!(flushes.load(Ordering::SeqCst) <= 400);
        assert_eq!(group.state.lock().durable_seq, 400);
    }
}
