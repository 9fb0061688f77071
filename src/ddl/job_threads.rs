//! The threads the DDL owner runs jobs on. A thread that finished a job waits a while for
//! the next one instead of ending: starting a thread (and lowering its priority) costs about
//! a tenth of a logical DDL statement like DROP TABLE, which is a few commits.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam::channel::{self, Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;

use super::runner;
use crate::domain::Domain;
use crate::error::{Error, Result};

/// How long a thread without a job waits for one before it ends.
const IDLE_KEEP: Duration = Duration::from_secs(60);

pub struct JobThreads {
    domain: Arc<Domain>,
    sender: Option<Sender<i64>>,
    receiver: Receiver<i64>,
    /// Threads waiting for a job and not yet promised one. `start` takes one by decrementing,
    /// a thread gives itself back by incrementing, and an idle thread ends only if it can
    /// take itself out the same way: a job sent is always received.
    idle: Arc<AtomicUsize>,
    /// The jobs being run.
    running: Arc<Mutex<HashSet<i64>>>,
    threads: Vec<JoinHandle<()>>,
}

impl JobThreads {
    pub fn new(domain: &Arc<Domain>) -> JobThreads {
        let (sender, receiver) = channel::unbounded();
        JobThreads {
            domain: domain.clone(),
            sender: Some(sender),
            receiver,
            idle: Arc::new(AtomicUsize::new(0)),
            running: Arc::default(),
            threads: Vec::new(),
        }
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.running.lock().contains(&id)
    }

    /// Runs job `id` through `runner::run_job` on an idle thread, or a new one.
    pub fn start(&mut self, id: i64) -> Result<()> {
        let Some(sender) = &self.sender else {
            return Err(Error::internal("the DDL job threads are stopped"));
        };
        if take_one(&self.idle).is_none() {
            self.threads.retain(|t| !t.is_finished());
            self.threads.push(self.spawn()?);
        }
        self.running.lock().insert(id);
        sender.send(id).map_err(Error::internal)
    }

    fn spawn(&self) -> Result<JoinHandle<()>> {
        let domain = self.domain.clone();
        let jobs = self.receiver.clone();
        let idle = self.idle.clone();
        let running = self.running.clone();
        std::thread::Builder::new()
            .name("ddl-job".into())
            .spawn(move || {
                crate::background::lower_priority();
                loop {
                    match jobs.recv_timeout(IDLE_KEEP) {
                        Ok(id) => {
                            // A job that ends says so itself (the queue changed); one that
                            // only left this thread (paused, an error, another owner) is
                            // taken up at the worker's next scan, not at once in a loop.
                            runner::run_job(&domain, id);
                            running.lock().remove(&id);
                            idle.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(RecvTimeoutError::Timeout) if take_one(&idle).is_some() => return,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .map_err(Error::internal)
    }

    /// Waits for the running jobs' threads (they stop with the domain) and ends the idle ones.
    pub fn stop(mut self) {
        self.sender = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn take_one(idle: &AtomicUsize) -> Option<usize> {
    idle.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .ok()
}
