//! System variables: the defaults, the global values and a session's overrides.

use std::collections::HashMap;

use crate::types::Value;

/// Whether a variable exists per session, globally, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Session,
    Both,
}

pub const DEFAULT_SQL_MODE: &str = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

/// Every system variable moltdb knows, with its scope and default.
fn defaults() -> Vec<(&'static str, Scope, Value)> {
    use Scope::*;
    let s = Value::str;
    let i = Value::Int;
    vec![
        ("autocommit", Both, i(1)),
        ("auto_increment_increment", Both, i(1)),
        ("auto_increment_offset", Both, i(1)),
        ("character_set_client", Both, s("utf8mb4")),
        ("character_set_connection", Both, s("utf8mb4")),
        ("character_set_database", Both, s("utf8mb4")),
        ("character_set_results", Both, s("utf8mb4")),
        ("character_set_server", Both, s("utf8mb4")),
        ("character_set_system", Global, s("utf8mb3")),
        ("collation_connection", Both, s("utf8mb4_bin")),
        ("collation_database", Both, s("utf8mb4_bin")),
        ("collation_server", Both, s("utf8mb4_bin")),
        ("default_storage_engine", Both, s("InnoDB")),
        ("div_precision_increment", Both, i(4)),
        ("foreign_key_checks", Both, i(1)),
        ("group_concat_max_len", Both, i(1024)),
        ("init_connect", Global, s("")),
        ("interactive_timeout", Both, i(28800)),
        ("license", Global, s("Apache-2.0")),
        ("lower_case_table_names", Global, i(2)),
        ("max_allowed_packet", Both, i(67_108_864)),
        ("max_execution_time", Both, i(0)),
        ("net_buffer_length", Both, i(16384)),
        ("net_read_timeout", Both, i(30)),
        ("net_write_timeout", Both, i(60)),
        ("performance_schema", Global, i(0)),
        ("query_cache_size", Global, i(0)),
        ("query_cache_type", Both, s("OFF")),
        ("sql_auto_is_null", Both, i(0)),
        ("sql_mode", Both, s(DEFAULT_SQL_MODE)),
        ("sql_notes", Both, i(1)),
        ("sql_safe_updates", Both, i(0)),
        ("sql_select_limit", Both, Value::UInt(u64::MAX)),
        ("system_time_zone", Global, s("UTC")),
        ("time_zone", Both, s("SYSTEM")),
        ("transaction_isolation", Both, s("REPEATABLE-READ")),
        ("transaction_read_only", Both, i(0)),
        ("tx_isolation", Both, s("REPEATABLE-READ")),
        ("tx_read_only", Both, i(0)),
        ("unique_checks", Both, i(1)),
        ("version", Global, s(&crate::server_version())),
        (
            "version_comment",
            Global,
            s("moltdb, a MySQL-compatible server with online schema change"),
        ),
        ("wait_timeout", Both, i(28800)),
    ]
}

/// The server-wide values, which new sessions copy.
#[derive(Debug, Clone)]
pub struct GlobalVariables {
    values: HashMap<&'static str, (Scope, Value)>,
}

impl Default for GlobalVariables {
    fn default() -> Self {
        GlobalVariables {
            values: defaults()
                .into_iter()
                .map(|(n, s, v)| (n, (s, v)))
                .collect(),
        }
    }
}

impl GlobalVariables {
    pub fn get(&self, name: &str) -> Option<(Scope, &Value)> {
        self.values
            .get(name.to_ascii_lowercase().as_str())
            .map(|(s, v)| (*s, v))
    }

    /// Sets a known variable; returns false if there is no such variable.
    pub fn set(&mut self, name: &str, value: Value) -> bool {
        match self.values.get_mut(name.to_ascii_lowercase().as_str()) {
            Some(slot) => {
                slot.1 = value;
                true
            }
            None => false,
        }
    }

    /// All variables sorted by name.
    pub fn all(&self) -> Vec<(&'static str, Scope, &Value)> {
        let mut v: Vec<_> = self.values.iter().map(|(n, (s, v))| (*n, *s, v)).collect();
        v.sort_by_key(|(n, _, _)| *n);
        v
    }
}

/// A session's own values of session-scoped variables.
#[derive(Debug, Clone, Default)]
pub struct SessionVariables {
    overrides: HashMap<String, Value>,
}

impl SessionVariables {
    pub fn get(&self, name: &str, globals: &GlobalVariables) -> Option<Value> {
        let lower = name.to_ascii_lowercase();
        if let Some(v) = self.overrides.get(&lower) {
            return Some(v.clone());
        }
        globals.get(&lower).map(|(_, v)| v.clone())
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.overrides.insert(name.to_ascii_lowercase(), value);
    }

    /// True if the current sql_mode makes conversion problems errors rather than warnings.
    pub fn strict(&self, globals: &GlobalVariables) -> bool {
        self.get("sql_mode", globals)
            .map(|m| {
                let m = m.to_string_lossy().to_ascii_uppercase();
                m.contains("STRICT_TRANS_TABLES") || m.contains("STRICT_ALL_TABLES")
            })
            .unwrap_or(true)
    }
}
