//! A node's resource pool: `slots` (its CPU cores unless the server's `--dxf-slots` says
//! otherwise) that subtasks hold while they run. A subtask takes as many slots as its task's
//! concurrency and runs that many threads; a subtask that finds too few free slots waits.
//! The pool starts every subtask's thread, so backend work never runs beyond the slots, and
//! at a background priority.

use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;

use crate::error::{Error, Result};

pub struct Pool {
    capacity: usize,
    used: Mutex<usize>,
}

/// Slots held; given back when dropped.
pub struct Slots {
    pool: Arc<Pool>,
    n: usize,
}

impl Slots {
    pub fn count(&self) -> usize {
        self.n
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        let mut used = self.pool.used.lock();
        *used = used.saturating_sub(self.n);
    }
}

impl Pool {
    pub fn new(capacity: usize) -> Arc<Pool> {
        Arc::new(Pool {
            capacity: capacity.max(1),
            used: Mutex::new(0),
        })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn free(&self) -> usize {
        self.capacity.saturating_sub(*self.used.lock())
    }

    /// Takes `n` slots (at most the capacity) if that many are free.
    pub fn try_take(self: &Arc<Self>, n: usize) -> Option<Slots> {
        let n = n.clamp(1, self.capacity);
        let mut used = self.used.lock();
        if *used + n > self.capacity {
            return None;
        }
        *used += n;
        Some(Slots {
            pool: self.clone(),
            n,
        })
    }

    /// Runs `work` on a thread of its own that holds `slots` until it ends.
    pub fn spawn(
        &self,
        name: String,
        slots: Slots,
        work: impl FnOnce(&Slots) + Send + 'static,
    ) -> Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                crate::background::lower_priority();
                work(&slots)
            })
            .map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let pool = Pool::new(4);
        let a = pool.try_take(3).expect("3 of 4");
        assert!(pool.try_take(2).is_none());
        let b = pool.try_take(1).expect("the last one");
        assert_eq!(pool.free(), 0);
        drop(a);
        assert_eq!(pool.free(), 3);
        // Asking for more than the capacity takes all of it.
        drop(b);
        assert_eq!(pool.try_take(100).expect("all").count(), 4);
    }
}
