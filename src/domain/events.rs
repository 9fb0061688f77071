//! Wake-ups between the nodes of one process: a job was submitted, a schema version was
//! published, a job finished. Everything is also polled from the store, so this only makes
//! things fast; a node in another process would simply notice on its next poll.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

#[derive(Default)]
pub struct Events {
    /// Schema versions, DDL jobs, metadata locks: what the DDL worker, the schema loader and
    /// sessions waiting for a job wait on.
    schema: Signal,
    /// Distributed tasks and subtasks changed state, or a node of the framework joined or
    /// left: what the DXF dispatcher and schedulers, and whoever follows a task, wait on.
    /// Kept apart so that a DDL step does not wake the framework's loops to rescan their
    /// tables, nor a subtask's progress every DDL waiter.
    pub tasks: Signal,
    /// The schema version the DDL owner is waiting for every node to sync to (0: none).
    /// While it is set, nodes report the end of blocking transactions at once.
    sync_target: AtomicU64,
    /// Bumped when a job is submitted, finishes, or is paused, resumed or cancelled: the
    /// DDL worker rescans the queue only then (and once a second), and a session waiting
    /// for its job looks for it in the history only then, not at every step of every job.
    pub queue: Signal,
}

impl Events {
    pub fn set_sync_target(&self, version: u64) {
        self.sync_target.store(version, Ordering::SeqCst);
        self.notify();
    }

    pub fn sync_target(&self) -> u64 {
        self.sync_target.load(Ordering::SeqCst)
    }

    /// A job was submitted or finished, or ADMIN changed one: wakes the DDL worker (which
    /// waits on the schema signal) and the sessions waiting for their jobs.
    pub fn queue_changed(&self) {
        self.queue.notify();
        self.notify();
    }

    /// Something of the schema or the DDL queue changed.
    pub fn notify(&self) {
        self.schema.notify();
    }

    /// The current schema generation, to wait for a change after it.
    pub fn generation(&self) -> u64 {
        self.schema.generation()
    }

    /// Waits until the schema or the DDL queue changes after `seen`, or `timeout` passes.
    pub fn wait(&self, seen: u64, timeout: Duration) {
        self.schema.wait(seen, timeout);
    }

    /// Wakes every waiter of every signal (the process is stopping).
    pub fn notify_all(&self) {
        self.schema.notify();
        self.tasks.notify();
    }
}

/// A generation counter threads wait on for a change.
#[derive(Default)]
pub struct Signal {
    generation: Mutex<u64>,
    changed: Condvar,
}

impl Signal {
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
