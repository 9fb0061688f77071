//! Failpoints: named test hooks that make a node misbehave on purpose (TiDB's failpoints),
//! so tests can reach states that are otherwise hard to produce — a full disk, a
//! corrupted index entry, a slow phase to kill the process in.
//!
//! A node starts with the ones in the `MOLTDB_FAILPOINTS` environment variable
//! (`name[=value],...`); in-process tests set them on a domain. Code asks for a failpoint
//! only at phase boundaries, never per row, so an empty set costs nothing measurable.
//!
//! | name | effect |
//! | --- | --- |
//! | `ingest-disk-full` | the ingest precheck finds no free space (8256) |
//! | `ingest-apart-from=<entries>` | an ingest of at least `<entries>` entries gets a range of the store set apart (instead of 256k) |
//! | `ingest-disk-quota=<bytes>` | ingest flushes when its sorted data reaches `<bytes>` instead of `tidb_ddl_disk_quota` (each reader then also spills beyond `<bytes>` in memory) |
//! | `ingest-corrupt-entry` | an ingest drops the first entry it would write |
//! | `verify-rows-again` | the verification before public reads the rows again even when none changed since the build read them |
//! | `reorg-slow=<ms>` | reorg work sleeps `<ms>` at every checkpoint (a txn backfill checkpoints after every range) |
//! | `import-slow=<ms>` | an import subtask sleeps `<ms>` every 64 rows |

use std::collections::HashMap;

use parking_lot::RwLock;

#[derive(Default)]
pub struct Failpoints {
    active: RwLock<HashMap<String, String>>,
}

impl Failpoints {
    /// The failpoints named in `MOLTDB_FAILPOINTS`.
    pub fn from_env() -> Failpoints {
        let failpoints = Failpoints::default();
        if let Ok(spec) = std::env::var("MOLTDB_FAILPOINTS") {
            for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (name, value) = item.split_once('=').unwrap_or((item, ""));
                failpoints.set(name, value);
            }
        }
        failpoints
    }

    pub fn set(&self, name: &str, value: &str) {
        self.active
            .write()
            .insert(name.to_string(), value.to_string());
    }

    pub fn clear(&self, name: &str) {
        self.active.write().remove(name);
    }

    /// The failpoint's value when it is set (`""` when set without one).
    pub fn get(&self, name: &str) -> Option<String> {
        self.active.read().get(name).cloned()
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.active.read().contains_key(name)
    }

    /// The failpoint's value as a number, when it is set to one.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| v.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_read_and_clear() {
        let f = Failpoints::default();
        assert!(!f.is_set("reorg-slow"));
        f.set("reorg-slow", "250");
        assert_eq!(f.number("reorg-slow"), Some(250));
        f.set("ingest-disk-full", "");
        assert!(f.is_set("ingest-disk-full"));
        assert_eq!(f.number("ingest-disk-full"), None);
        f.clear("reorg-slow");
        assert_eq!(f.get("reorg-slow"), None);
    }
}
