//! Wake-ups between the nodes of one process: a job was submitted, a schema version was
//! published, a job finished. Everything is also polled from the store, so this only makes
//! things fast; a node in another process would simply notice on its next poll.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

#[derive(Default)]
pub struct Events {
    generation: Mutex<u64>,
    changed: Condvar,
    /// The schema version the DDL owner is waiting for every node to sync to (0: none).
    /// While it is set, nodes report the end of blocking transactions at once.
    sync_target: AtomicU64,
    /// Bumped when a job is submitted, finishes, or is paused, resumed or cancelled: the
    /// DDL worker rescans the queue only then (and once a second).
    queue: AtomicU64,
}

impl Events {
    pub fn set_sync_target(&self, version: u64) {
        self.sync_target.store(version, Ordering::SeqCst);
        self.notify();
    }

    pub fn sync_target(&self) -> u64 {
        self.sync_target.load(Ordering::SeqCst)
    }

    /// A job was submitted or finished, or ADMIN changed one: wakes the DDL worker.
    pub fn queue_changed(&self) {
        self.queue.fetch_add(1, Ordering::SeqCst);
        self.notify();
    }

    pub fn queue_generation(&self) -> u64 {
        self.queue.load(Ordering::SeqCst)
    }

    pub fn notify(&self) {
        *self.generation.lock() += 1;
        self.changed.notify_all();
    }

    /// The current generation, to wait for a change after it.
    pub fn generation(&self) -> u64 {
        *self.generation.lock()
    }

    /// Waits until something happens after `seen`, or `timeout` passes.
    pub fn wait(&self, seen: u64, timeout: Duration) {
        let mut g = self.generation.lock();
        if *g == seen {
            self.changed.wait_for(&mut g, timeout);
        }
    }
}
