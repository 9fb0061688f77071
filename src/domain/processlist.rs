//! The node's session registry: what SHOW PROCESSLIST and information_schema.PROCESSLIST
//! list, and what KILL finds a session by.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

/// One registered session. The session updates it as statements start and end.
pub struct Process {
    pub id: u32,
    pub user: String,
    pub host: String,
    /// Set by KILL \[QUERY\]: the running statement (a DDL wait) stops; shared with the session.
    pub interrupted: Arc<AtomicBool>,
    /// Set by KILL \[CONNECTION\]: the connection closes before its next command.
    pub disconnect: AtomicBool,
    status: Mutex<Status>,
}

struct Status {
    db: Option<String>,
    command: &'static str,
    info: Option<String>,
    since: Instant,
}

/// A row of the process list.
#[derive(Debug, Clone)]
pub struct ProcessRow {
    pub id: u32,
    pub user: String,
    pub host: String,
    pub db: Option<String>,
    pub command: String,
    pub time: i64,
    pub state: String,
    pub info: Option<String>,
}

impl Process {
    /// A statement starts (`Some(text)`) or the session goes idle (`None`).
    pub fn set_query(&self, db: Option<String>, info: Option<&str>) {
        let mut st = self.status.lock();
        st.db = db;
        st.command = if info.is_some() { "Query" } else { "Sleep" };
        st.info = info.map(str::to_string);
        st.since = Instant::now();
    }
}

pub struct ProcessList {
    map: Mutex<BTreeMap<u32, Arc<Process>>>,
    started: Instant,
}

impl Default for ProcessList {
    fn default() -> Self {
        ProcessList {
            map: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
        }
    }
}

impl ProcessList {
    /// Seconds since the node started (SHOW STATUS `Uptime`).
    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Registers a session; it stays listed while the returned handle lives.
    pub fn register(
        self: &Arc<Self>,
        id: u32,
        user: &str,
        host: &str,
        interrupted: Arc<AtomicBool>,
    ) -> Registration {
        let p = Arc::new(Process {
            id,
            user: user.to_string(),
            host: host.to_string(),
            interrupted,
            disconnect: AtomicBool::new(false),
            status: Mutex::new(Status {
                db: None,
                command: "Sleep",
                info: None,
                since: Instant::now(),
            }),
        });
        self.map.lock().insert(id, p.clone());
        Registration {
            list: self.clone(),
            process: p,
        }
    }

    pub fn get(&self, id: u32) -> Option<Arc<Process>> {
        self.map.lock().get(&id).cloned()
    }

    /// KILL: `query_only` interrupts the running statement, otherwise the connection too.
    /// Returns false if there is no such session.
    pub fn kill(&self, id: u32, query_only: bool) -> bool {
        let Some(p) = self.get(id) else {
            return false;
        };
        if !query_only {
            p.disconnect.store(true, Ordering::SeqCst);
        }
        p.interrupted.store(true, Ordering::SeqCst);
        true
    }

    pub fn list(&self) -> Vec<ProcessRow> {
        self.map
            .lock()
            .values()
            .map(|p| {
                let st = p.status.lock();
                ProcessRow {
                    id: p.id,
                    user: p.user.clone(),
                    host: p.host.clone(),
                    db: st.db.clone(),
                    command: st.command.to_string(),
                    time: st.since.elapsed().as_secs() as i64,
                    state: if st.info.is_some() {
                        "autocommit".into()
                    } else {
                        String::new()
                    },
                    info: st.info.clone(),
                }
            })
            .collect()
    }
}

/// A session's entry in the list; dropping it unregisters the session (unless a newer
/// registration under the same id replaced it, as COM_RESET_CONNECTION does).
pub struct Registration {
    list: Arc<ProcessList>,
    pub process: Arc<Process>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut map = self.list.map.lock();
        if map
            .get(&self.process.id)
            .is_some_and(|p| Arc::ptr_eq(p, &self.process))
        {
            map.remove(&self.process.id);
        }
    }
}
