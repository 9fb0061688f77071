//! System variables: what exists (scope, type, default, range), the cluster-wide global
//! values persisted in the store, and a session's own values.
//!
//! SET GLOBAL writes `mGlobalVar:{name}` and bumps `mGlobalVarVersion` in one transaction;
//! every node's schema loader notices the version move and reloads, so all nodes agree and
//! the values survive restarts. Instance-scoped variables (tidb_service_scope) stay with
//! their node.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::kv::{KeyRange, Store, Transaction};
use crate::types::time_zone::TimeZone;
use crate::types::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Session,
    Both,
    /// Per node, never persisted cluster-wide.
    Instance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Enum(&'static [&'static str]),
    Str,
    /// tidb_service_scope: up to 64 characters of [0-9a-zA-Z_-].
    ServiceScope,
    /// sql_mode: a comma-separated set of `SQL_MODES`, combination modes expanded.
    SqlMode,
    /// A character set name ([`CHARSETS`]); 1115 for another.
    Charset,
    /// time_zone: SYSTEM, an offset or a named zone ([`TimeZone::parse`]); 1298 otherwise.
    TimeZone,
    /// A size in bytes, as a number or with a unit (`'10MiB'`), up to `max`.
    Size {
        max: u64,
    },
}

/// MySQL 8's sql_mode names in its order (how @@sql_mode lists them), then the names MySQL
/// 5.7 had that TiDB still accepts (old clients set them).
const SQL_MODES: &[&str] = &[
    "REAL_AS_FLOAT",
    "PIPES_AS_CONCAT",
    "ANSI_QUOTES",
    "IGNORE_SPACE",
    "ONLY_FULL_GROUP_BY",
    "NO_UNSIGNED_SUBTRACTION",
    "NO_DIR_IN_CREATE",
    "POSTGRESQL",
    "ORACLE",
    "MSSQL",
    "DB2",
    "MAXDB",
    "NO_KEY_OPTIONS",
    "NO_TABLE_OPTIONS",
    "NO_FIELD_OPTIONS",
    "MYSQL323",
    "MYSQL40",
    "ANSI",
    "NO_AUTO_VALUE_ON_ZERO",
    "NO_BACKSLASH_ESCAPES",
    "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ALLOW_INVALID_DATES",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "TRADITIONAL",
    "NO_AUTO_CREATE_USER",
    "HIGH_NOT_PRECEDENCE",
    "NO_ENGINE_SUBSTITUTION",
    "PAD_CHAR_TO_FULL_LENGTH",
    "TIME_TRUNCATE_FRACTIONAL",
];

/// What a combination mode sets besides itself (MySQL 8).
fn sql_mode_expansion(mode: &str) -> &'static [&'static str] {
    match mode {
        "ANSI" => &[
            "REAL_AS_FLOAT",
            "PIPES_AS_CONCAT",
            "ANSI_QUOTES",
            "IGNORE_SPACE",
            "ONLY_FULL_GROUP_BY",
        ],
        "TRADITIONAL" => &[
            "STRICT_TRANS_TABLES",
            "STRICT_ALL_TABLES",
            "NO_ZERO_IN_DATE",
            "NO_ZERO_DATE",
            "ERROR_FOR_DIVISION_BY_ZERO",
            "NO_ENGINE_SUBSTITUTION",
        ],
        _ => &[],
    }
}

/// The character sets moltdb knows (SHOW CHARACTER SET lists the same).
pub const CHARSETS: &[&str] = &[
    "utf8mb4", "utf8mb3", "utf8", "ascii", "latin1", "binary", "gbk", "gb18030",
];

/// 1115 for a character set moltdb does not know.
pub fn unknown_charset(name: &str) -> Error {
    Error::new(1115, "42000", format!("Unknown character set: '{name}'"))
}

/// sql_mode's value as MySQL stores it: known modes only, combinations expanded, in
/// MySQL's order, each once. `None` for an unknown mode.
fn normalize_sql_mode(text: &str) -> Option<String> {
    if text.trim() == "0" {
        return Some(String::new());
    }
    let mut set: Vec<&'static str> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mode = SQL_MODES.iter().find(|m| m.eq_ignore_ascii_case(part))?;
        set.push(mode);
        set.extend(sql_mode_expansion(mode));
    }
    Some(
        SQL_MODES
            .iter()
            .filter(|m| set.contains(m))
            .copied()
            .collect::<Vec<_>>()
            .join(","),
    )
}

pub struct Def {
    pub name: &'static str,
    pub scope: Scope,
    pub kind: Kind,
    pub default: Value,
}

pub const DEFAULT_SQL_MODE: &str = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

const PRIORITIES: &[&str] = &["PRIORITY_LOW", "PRIORITY_NORMAL", "PRIORITY_HIGH"];

fn defs() -> &'static [Def] {
    static DEFS: OnceLock<Vec<Def>> = OnceLock::new();
    DEFS.get_or_init(|| {
        use Kind::*;
        use Scope::*;
        let d = |name, scope, kind, default| Def {
            name,
            scope,
            kind,
            default,
        };
        let s = Value::str;
        let i = Value::Int;
        let int = |min, max| Int { min, max };
        vec![
            d("autocommit", Both, Bool, i(1)),
            d("auto_increment_increment", Both, int(1, 65535), i(1)),
            d("auto_increment_offset", Both, int(1, 65535), i(1)),
            d("character_set_client", Both, Charset, s("utf8mb4")),
            d("character_set_connection", Both, Charset, s("utf8mb4")),
            d("character_set_database", Both, Charset, s("utf8mb4")),
            d("character_set_results", Both, Charset, s("utf8mb4")),
            d("character_set_server", Both, Charset, s("utf8mb4")),
            d("character_set_system", Global, Str, s("utf8mb3")),
            d("collation_connection", Both, Str, s("utf8mb4_bin")),
            d("collation_database", Both, Str, s("utf8mb4_bin")),
            d("collation_server", Both, Str, s("utf8mb4_bin")),
            d(
                "cte_max_recursion_depth",
                Both,
                int(0, 4_294_967_295),
                i(1000),
            ),
            // The node's data directory (read only; set when the node starts).
            d("datadir", Instance, Str, s("")),
            d("default_storage_engine", Both, Str, s("InnoDB")),
            d("div_precision_increment", Both, int(0, 30), i(4)),
            d("foreign_key_checks", Both, Bool, i(1)),
            d("group_concat_max_len", Both, int(4, i64::MAX), i(1024)),
            d("init_connect", Global, Str, s("")),
            d("interactive_timeout", Both, int(1, 31_536_000), i(28800)),
            // TiDB's: whether the previous statement ran a cached plan (read only).
            d("last_plan_from_cache", Session, Bool, i(0)),
            d("license", Global, Str, s("Apache-2.0")),
            d("lower_case_table_names", Global, int(0, 2), i(2)),
            // MySQL's default; 0 means no limit, as in TiDB.
            d("max_connections", Global, int(0, 100_000), i(151)),
            d(
                "max_allowed_packet",
                Both,
                int(1024, 1_073_741_824),
                i(67_108_864),
            ),
            d("max_execution_time", Both, int(0, i64::MAX), i(0)),
            // A statement's intermediate results past this many bytes fail with 8175
            // (0 or less: no limit); TiDB's default, 1 GiB.
            d("tidb_mem_quota_query", Both, int(-1, i64::MAX), i(1 << 30)),
            // Logins over plain TCP are refused (3159) while ON (TLS needs --tls-cert).
            d("require_secure_transport", Global, Bool, i(0)),
            // moltdb's own: an index build backs off while clients' statements are slower
            // than before it began (see `ddl::throttle`).
            d("moltdb_ddl_adaptive_throttle", Global, Bool, i(1)),
            d("net_buffer_length", Both, int(1024, 1_048_576), i(16384)),
            d("net_read_timeout", Both, int(1, i64::MAX), i(30)),
            d("net_write_timeout", Both, int(1, i64::MAX), i(60)),
            d("performance_schema", Global, Bool, i(0)),
            d("query_cache_size", Global, int(0, i64::MAX), i(0)),
            d(
                "query_cache_type",
                Both,
                Enum(&["OFF", "ON", "DEMAND"]),
                s("OFF"),
            ),
            d("sql_auto_is_null", Both, Bool, i(0)),
            d("sql_mode", Both, SqlMode, s(DEFAULT_SQL_MODE)),
            d("sql_notes", Both, Bool, i(1)),
            // Whether SHOW CREATE quotes every name, or only those that need it.
            d("sql_quote_show_create", Both, Bool, i(1)),
            d("sql_safe_updates", Both, Bool, i(0)),
            d("sql_select_limit", Both, int(0, i64::MAX), i(i64::MAX)),
            // No Unix socket: NULL tells clients not to try one.
            d("socket", Global, Str, Value::Null),
            d("system_time_zone", Global, Str, s("UTC")),
            d(
                "tidb_ddl_disk_quota",
                Global,
                int(107_374_182_400, 1_125_899_906_842_624),
                i(107_374_182_400),
            ),
            d("tidb_ddl_enable_fast_reorg", Global, Bool, i(1)),
            d(
                "tidb_ddl_error_count_limit",
                Global,
                int(0, i64::MAX),
                i(512),
            ),
            d("tidb_ddl_reorg_batch_size", Both, int(32, 10240), i(256)),
            d(
                "tidb_ddl_reorg_max_write_speed",
                Global,
                Size { max: 1 << 50 },
                s("0"),
            ),
            d(
                "tidb_ddl_reorg_priority",
                Session,
                Enum(PRIORITIES),
                s("PRIORITY_LOW"),
            ),
            d("tidb_ddl_reorg_worker_cnt", Both, int(1, 256), i(4)),
            d("tidb_enable_dist_task", Global, Bool, i(1)),
            d("tidb_enable_fast_table_check", Both, Bool, i(1)),
            d("tidb_enable_metadata_lock", Global, Bool, i(1)),
            d("tidb_enable_check_constraint", Global, Bool, i(0)),
            d(
                "tidb_max_delta_schema_count",
                Global,
                int(100, 16384),
                i(1024),
            ),
            d("tidb_service_scope", Instance, ServiceScope, s("")),
            d("time_zone", Both, Kind::TimeZone, s("SYSTEM")),
            d(
                "transaction_isolation",
                Both,
                Enum(&[
                    "READ-UNCOMMITTED",
                    "READ-COMMITTED",
                    "REPEATABLE-READ",
                    "SERIALIZABLE",
                ]),
                s("REPEATABLE-READ"),
            ),
            d("transaction_read_only", Both, Bool, i(0)),
            d(
                "tx_isolation",
                Both,
                Enum(&[
                    "READ-UNCOMMITTED",
                    "READ-COMMITTED",
                    "REPEATABLE-READ",
                    "SERIALIZABLE",
                ]),
                s("REPEATABLE-READ"),
            ),
            d("tx_read_only", Both, Bool, i(0)),
            d("unique_checks", Both, Bool, i(1)),
            d("version", Global, Str, s(&server_version())),
            d(
                "version_comment",
                Global,
                Str,
                s("moltdb, a MySQL-compatible server with online schema change"),
            ),
            d("wait_timeout", Both, int(1, 31_536_000), i(28800)),
        ]
    })
}

/// The version string clients see: MySQL 8.0.11 compatibility, then moltdb's own version.
pub fn server_version() -> String {
    format!("8.0.11-moltdb-{}", env!("CARGO_PKG_VERSION"))
}

pub fn lookup(name: &str) -> Option<&'static Def> {
    defs().iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Checks a value for SET the way TiDB does: integers out of range are clamped with warning
/// 1292, a non-number for an integer is 1232, a bad boolean or enum value is 1231.
pub fn normalize(def: &Def, v: &Value) -> Result<(Value, Option<Error>)> {
    let name = def.name;
    let text = v.to_string_lossy();
    let bad_value = || {
        Error::new(
            1231,
            "42000",
            format!("Variable '{name}' can't be set to the value of '{text}'"),
        )
    };
    match def.kind {
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "1" | "on" | "true" => Ok((Value::Int(1), None)),
            "0" | "off" | "false" => Ok((Value::Int(0), None)),
            _ => Err(bad_value()),
        },
        Kind::Int { min, max } => {
            let n: i128 = match v {
                Value::Int(i) => i128::from(*i),
                Value::UInt(u) => i128::from(*u),
                Value::Decimal(_) | Value::Float(_) => {
                    return Err(Error::new(
                        1232,
                        "42000",
                        format!("Incorrect argument type to variable '{name}'"),
                    ));
                }
                _ => text.trim().parse::<i128>().map_err(|_| {
                    Error::new(
                        1232,
                        "42000",
                        format!("Incorrect argument type to variable '{name}'"),
                    )
                })?,
            };
            let clamped = n.clamp(i128::from(min), i128::from(max));
            let warning = (clamped != n).then(|| {
                Error::new(
                    1292,
                    "22007",
                    format!("Truncated incorrect {name} value: '{text}'"),
                )
            });
            Ok((Value::Int(clamped as i64), warning))
        }
        Kind::Enum(values) => values
            .iter()
            .find(|e| e.eq_ignore_ascii_case(&text))
            .map(|e| (Value::str(e), None))
            .ok_or_else(bad_value),
        Kind::Str => Ok((Value::str(&text), None)),
        Kind::Size { max } => match crate::types::byte_size::parse(&text) {
            Some(n) if n <= max => Ok((Value::str(text.trim()), None)),
            _ => Err(bad_value()),
        },
        Kind::TimeZone => match TimeZone::parse(&text) {
            Some(_) => Ok((Value::str(&text), None)),
            None => Err(Error::new(
                1298,
                "HY000",
                format!("Unknown or incorrect time zone: '{text}'"),
            )),
        },
        Kind::SqlMode => normalize_sql_mode(&text)
            .map(|m| (Value::str(&m), None))
            .ok_or_else(bad_value),
        Kind::Charset => CHARSETS
            .iter()
            .find(|c| c.eq_ignore_ascii_case(&text))
            .map(|c| (Value::str(c), None))
            .ok_or_else(|| unknown_charset(&text)),
        Kind::ServiceScope => {
            let ok = text.len() <= 64
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if ok {
                Ok((Value::str(&text), None))
            } else {
                Err(bad_value())
            }
        }
    }
}

/// How SHOW VARIABLES prints a value: booleans as ON/OFF.
pub fn display(name: &str, v: &Value) -> String {
    match lookup(name).map(|d| d.kind) {
        Some(Kind::Bool) => if v.truth() == Some(true) { "ON" } else { "OFF" }.to_string(),
        _ => v.to_string_lossy(),
    }
}

/// Variables a statement shows but SET may not change (1238): MySQL's and TiDB's
/// server-wide facts (TiDB's `ScopeNone`) and TiDB's statement feedback.
pub const READ_ONLY: &[&str] = &[
    "character_set_system",
    "datadir",
    "last_plan_from_cache",
    "license",
    "lower_case_table_names",
    "performance_schema",
    "socket",
    "system_time_zone",
    "version",
    "version_comment",
];

const VERSION_KEY: &[u8] = b"mGlobalVarVersion";

fn var_key(name: &str) -> Vec<u8> {
    format!("mGlobalVar:{name}").into_bytes()
}

/// The global values one node uses.
#[derive(Debug, Clone)]
pub struct GlobalVariables {
    values: HashMap<&'static str, Value>,
    /// The persisted version these values were loaded at.
    pub loaded_version: u64,
    /// Counts the changes made to these values in memory (cached plans depend on them).
    changes: u64,
}

impl Default for GlobalVariables {
    fn default() -> Self {
        GlobalVariables {
            values: defs().iter().map(|d| (d.name, d.default.clone())).collect(),
            loaded_version: 0,
            changes: 0,
        }
    }
}

impl GlobalVariables {
    pub fn get(&self, name: &str) -> Option<(Scope, &Value)> {
        let def = lookup(name)?;
        self.values.get(def.name).map(|v| (def.scope, v))
    }

    /// Sets a known variable in memory; returns false if there is no such variable.
    pub fn set(&mut self, name: &str, value: Value) -> bool {
        match lookup(name) {
            Some(def) => {
                self.values.insert(def.name, value);
                self.changes += 1;
                true
            }
            None => false,
        }
    }

    /// How many times the values changed in memory.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// All variables sorted by name.
    pub fn all(&self) -> Vec<(&'static str, Scope, &Value)> {
        let mut v: Vec<_> = defs()
            .iter()
            .filter_map(|d| self.values.get(d.name).map(|v| (d.name, d.scope, v)))
            .collect();
        v.sort_by_key(|(n, _, _)| *n);
        v
    }

    /// The persisted version, to compare with [`GlobalVariables::loaded_version`].
    pub fn stored_version(txn: &dyn Transaction) -> Result<u64> {
        Ok(txn
            .get(VERSION_KEY)?
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(0))
    }

    /// Replaces the cluster-wide values with the persisted ones (instance values stay).
    pub fn load(&mut self, txn: &dyn Transaction) -> Result<()> {
        let version = Self::stored_version(txn)?;
        let pairs = txn.scan(&KeyRange::prefix(b"mGlobalVar:"), usize::MAX, false)?;
        for (k, v) in pairs {
            let name = String::from_utf8_lossy(&k["mGlobalVar:".len()..]).into_owned();
            let text: String = serde_json::from_slice(&v).unwrap_or_default();
            if let Some(def) = lookup(&name).filter(|d| d.scope != Scope::Instance) {
                if let Ok((value, _)) = normalize(def, &Value::str(&text)) {
                    self.values.insert(def.name, value);
                }
            }
        }
        self.loaded_version = version;
        self.changes += 1;
        Ok(())
    }

    /// Persists a global value for every node.
    pub fn persist(store: &dyn Store, name: &str, value: &Value) -> Result<()> {
        loop {
            let mut txn = store.begin()?;
            let version = Self::stored_version(txn.as_ref())? + 1;
            txn.put(
                var_key(name),
                serde_json::to_vec(&value.to_string_lossy()).unwrap_or_default(),
            );
            txn.put(
                VERSION_KEY.to_vec(),
                serde_json::to_vec(&version).unwrap_or_default(),
            );
            match txn.commit() {
                Ok(_) => return Ok(()),
                Err(crate::kv::Error::WriteConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A session's own values of session-scoped variables.
#[derive(Debug, Clone, Default)]
pub struct SessionVariables {
    overrides: HashMap<String, Value>,
    /// Counts the values set (cached plans depend on them).
    changes: u64,
}

impl SessionVariables {
    /// How many values were set in this session.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub fn get(&self, name: &str, globals: &GlobalVariables) -> Option<Value> {
        let lower = name.to_ascii_lowercase();
        if let Some(v) = self.overrides.get(&lower) {
            return Some(v.clone());
        }
        globals.get(&lower).map(|(_, v)| v.clone())
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.overrides.insert(name.to_ascii_lowercase(), value);
        self.changes += 1;
    }

    /// True if the current sql_mode makes conversion problems errors rather than warnings.
    pub fn strict(&self, globals: &GlobalVariables) -> bool {
        self.sql_mode_has_any(globals, &["STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"])
    }

    /// True if the current sql_mode includes `mode` (an upper-case mode name).
    pub fn sql_mode_has(&self, globals: &GlobalVariables, mode: &str) -> bool {
        self.sql_mode_has_any(globals, &[mode])
    }

    /// Read several times per statement, so without copying or allocating.
    fn sql_mode_has_any(&self, globals: &GlobalVariables, modes: &[&str]) -> bool {
        let has = |value: &Value| match value {
            Value::Bytes(b) => b.split(|&c| c == b',').any(|m| {
                let m = m.trim_ascii();
                modes
                    .iter()
                    .any(|mode| m.eq_ignore_ascii_case(mode.as_bytes()))
            }),
            other => other.to_string_lossy().split(',').any(|m| {
                let m = m.trim();
                modes.iter().any(|mode| m.eq_ignore_ascii_case(mode))
            }),
        };
        match self.overrides.get("sql_mode") {
            Some(value) => has(value),
            None => globals.get("sql_mode").is_none_or(|(_, value)| has(value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_clamp_with_a_warning() {
        let def = lookup("tidb_ddl_reorg_worker_cnt").unwrap();
        let (v, w) = normalize(def, &Value::Int(257)).unwrap();
        assert_eq!(v, Value::Int(256));
        assert_eq!(
            w.unwrap().message(),
            "Truncated incorrect tidb_ddl_reorg_worker_cnt value: '257'"
        );
        let (v, _) = normalize(def, &Value::Int(-1)).unwrap();
        assert_eq!(v, Value::Int(1));
        assert_eq!(normalize(def, &Value::str("abc")).unwrap_err().code(), 1232);
        let batch = lookup("tidb_ddl_reorg_batch_size").unwrap();
        assert_eq!(normalize(batch, &Value::Int(1)).unwrap().0, Value::Int(32));
    }

    #[test]
    fn booleans_and_enums_reject_bad_values() {
        let dist = lookup("tidb_enable_dist_task").unwrap();
        assert_eq!(
            normalize(dist, &Value::str("off")).unwrap().0,
            Value::Int(0)
        );
        assert_eq!(
            normalize(dist, &Value::str("maybe")).unwrap_err().code(),
            1231
        );
        let prio = lookup("tidb_ddl_reorg_priority").unwrap();
        assert_eq!(
            normalize(prio, &Value::str("priority_high")).unwrap().0,
            Value::str("PRIORITY_HIGH")
        );
        assert_eq!(
            normalize(prio, &Value::str("urgent")).unwrap_err().code(),
            1231
        );
        let scope = lookup("tidb_service_scope").unwrap();
        assert!(normalize(scope, &Value::str("background")).is_ok());
        assert_eq!(
            normalize(scope, &Value::str("no spaces"))
                .unwrap_err()
                .code(),
            1231
        );
    }
}
