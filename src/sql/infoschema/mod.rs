//! `information_schema`: virtual tables materialized from the statement's schema snapshot
//! when a query names them, with MySQL 8.0's column names and order. The FROM planner
//! (`from.rs`) binds them as any other table source, so WHERE, ORDER BY, joins and
//! subqueries work on them unchanged.

mod privileges;
mod routines;

use super::admin::jobs;
use super::context::Context;
use super::result::{ResultColumn, ResultSet};
use crate::catalog::{DefaultValue, SchemaState, TableInfo};
use crate::types::collation::Collation;
use crate::types::{DataType, IntKind, Value};

pub const DB: &str = "information_schema";

/// The tables this module serves, in SHOW TABLES order.
pub const TABLES: &[&str] = &[
    "CHARACTER_SETS",
    "CHECK_CONSTRAINTS",
    "COLLATIONS",
    "COLUMNS",
    "COLUMN_PRIVILEGES",
    "DDL_JOBS",
    "ENGINES",
    "FILES",
    "KEY_COLUMN_USAGE",
    "PARAMETERS",
    "PARTITIONS",
    "PROCESSLIST",
    "REFERENTIAL_CONSTRAINTS",
    "ROUTINES",
    "SCHEMATA",
    "SCHEMA_PRIVILEGES",
    "STATISTICS",
    "TABLES",
    "TABLE_CONSTRAINTS",
    "TABLE_PRIVILEGES",
    "TRIGGERS",
    "USER_PRIVILEGES",
    "VIEWS",
];

pub fn is_infoschema(db: &str) -> bool {
    db.eq_ignore_ascii_case(DB)
}

/// Character sets moltdb accepts, with their default collation, description and max length.
pub const CHARSETS: &[(&str, &str, &str, i64)] = &[
    ("ascii", "ascii_bin", "US ASCII", 1),
    ("binary", "binary", "binary", 1),
    ("latin1", "latin1_bin", "Latin1", 1),
    ("utf8", "utf8_bin", "UTF-8 Unicode", 3),
    ("utf8mb4", "utf8mb4_bin", "UTF-8 Unicode", 4),
];

/// A row of information_schema.COLLATIONS and SHOW COLLATION.
pub fn collation_row(c: Collation) -> Vec<Value> {
    vec![
        Value::str(c.name()),
        Value::str(c.charset()),
        Value::Int(i64::from(c.id())),
        Value::str(if c.is_default() { "Yes" } else { "" }),
        Value::str("Yes"),
        Value::Int(1),
        Value::str(if c.pads() { "PAD SPACE" } else { "NO PAD" }),
    ]
}

pub const ENGINES: &[[&str; 6]] = &[[
    "InnoDB",
    "DEFAULT",
    "Supports transactions, row-level locking, and foreign keys",
    "YES",
    "YES",
    "YES",
]];

enum Kind {
    Text(u32),
    Int,
    Time,
    Double,
}
use Kind::{Double, Int, Text, Time};

/// The size and time columns PARTITIONS and FILES share, in MySQL's order.
fn space_columns() -> [(&'static str, Kind); 10] {
    [
        ("TABLE_ROWS", Int),
        ("AVG_ROW_LENGTH", Int),
        ("DATA_LENGTH", Int),
        ("MAX_DATA_LENGTH", Int),
        ("INDEX_LENGTH", Int),
        ("DATA_FREE", Int),
        ("CREATE_TIME", Time),
        ("UPDATE_TIME", Time),
        ("CHECK_TIME", Time),
        ("CHECKSUM", Int),
    ]
}

/// How COLUMNS, ROUTINES and PARAMETERS describe a type, in MySQL's order.
fn type_columns() -> [(&'static str, Kind); 8] {
    [
        ("DATA_TYPE", Text(64)),
        ("CHARACTER_MAXIMUM_LENGTH", Int),
        ("CHARACTER_OCTET_LENGTH", Int),
        ("NUMERIC_PRECISION", Int),
        ("NUMERIC_SCALE", Int),
        ("DATETIME_PRECISION", Int),
        ("CHARACTER_SET_NAME", Text(64)),
        ("COLLATION_NAME", Text(64)),
    ]
}

fn columns(table: &str) -> Option<Vec<(&'static str, Kind)>> {
    let t64 = || Text(64);
    Some(match table {
        "SCHEMATA" => vec![
            ("CATALOG_NAME", t64()),
            ("SCHEMA_NAME", t64()),
            ("DEFAULT_CHARACTER_SET_NAME", t64()),
            ("DEFAULT_COLLATION_NAME", t64()),
            ("SQL_PATH", Text(512)),
            ("DEFAULT_ENCRYPTION", Text(3)),
        ],
        "TABLES" => vec![
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("TABLE_TYPE", t64()),
            ("ENGINE", t64()),
            ("VERSION", Int),
            ("ROW_FORMAT", Text(10)),
            ("TABLE_ROWS", Int),
            ("AVG_ROW_LENGTH", Int),
            ("DATA_LENGTH", Int),
            ("MAX_DATA_LENGTH", Int),
            ("INDEX_LENGTH", Int),
            ("DATA_FREE", Int),
            ("AUTO_INCREMENT", Int),
            ("CREATE_TIME", Text(19)),
            ("UPDATE_TIME", Text(19)),
            ("CHECK_TIME", Text(19)),
            ("TABLE_COLLATION", t64()),
            ("CHECKSUM", Int),
            ("CREATE_OPTIONS", Text(256)),
            ("TABLE_COMMENT", Text(2048)),
            ("TIDB_TABLE_ID", Int),
            ("TIDB_ROW_ID_SHARDING_INFO", Text(255)),
            ("TIDB_PK_TYPE", t64()),
        ],
        "COLUMNS" => vec![
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("COLUMN_NAME", t64()),
            ("ORDINAL_POSITION", Int),
            ("COLUMN_DEFAULT", Text(1024)),
            ("IS_NULLABLE", Text(3)),
        ]
        .into_iter()
        .chain(type_columns())
        .chain([
            ("COLUMN_TYPE", Text(1024)),
            ("COLUMN_KEY", Text(3)),
            ("EXTRA", Text(256)),
            ("PRIVILEGES", Text(154)),
            ("COLUMN_COMMENT", Text(1024)),
            ("GENERATION_EXPRESSION", Text(1024)),
            ("SRS_ID", Int),
        ])
        .collect(),
        "STATISTICS" => vec![
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("NON_UNIQUE", Int),
            ("INDEX_SCHEMA", t64()),
            ("INDEX_NAME", t64()),
            ("SEQ_IN_INDEX", Int),
            ("COLUMN_NAME", t64()),
            ("COLLATION", Text(1)),
            ("CARDINALITY", Int),
            ("SUB_PART", Int),
            ("PACKED", Text(10)),
            ("NULLABLE", Text(3)),
            ("INDEX_TYPE", Text(16)),
            ("COMMENT", Text(16)),
            ("INDEX_COMMENT", Text(1024)),
            ("IS_VISIBLE", Text(3)),
            ("EXPRESSION", Text(1024)),
        ],
        "KEY_COLUMN_USAGE" => vec![
            ("CONSTRAINT_CATALOG", t64()),
            ("CONSTRAINT_SCHEMA", t64()),
            ("CONSTRAINT_NAME", t64()),
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("COLUMN_NAME", t64()),
            ("ORDINAL_POSITION", Int),
            ("POSITION_IN_UNIQUE_CONSTRAINT", Int),
            ("REFERENCED_TABLE_SCHEMA", t64()),
            ("REFERENCED_TABLE_NAME", t64()),
            ("REFERENCED_COLUMN_NAME", t64()),
        ],
        "TABLE_CONSTRAINTS" => vec![
            ("CONSTRAINT_CATALOG", t64()),
            ("CONSTRAINT_SCHEMA", t64()),
            ("CONSTRAINT_NAME", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("CONSTRAINT_TYPE", Text(11)),
            ("ENFORCED", Text(3)),
        ],
        "REFERENTIAL_CONSTRAINTS" => vec![
            ("CONSTRAINT_CATALOG", t64()),
            ("CONSTRAINT_SCHEMA", t64()),
            ("CONSTRAINT_NAME", t64()),
            ("UNIQUE_CONSTRAINT_CATALOG", t64()),
            ("UNIQUE_CONSTRAINT_SCHEMA", t64()),
            ("UNIQUE_CONSTRAINT_NAME", t64()),
            ("MATCH_OPTION", Text(7)),
            ("UPDATE_RULE", Text(11)),
            ("DELETE_RULE", Text(11)),
            ("TABLE_NAME", t64()),
            ("REFERENCED_TABLE_NAME", t64()),
        ],
        "CHECK_CONSTRAINTS" => vec![
            ("CONSTRAINT_CATALOG", t64()),
            ("CONSTRAINT_SCHEMA", t64()),
            ("CONSTRAINT_NAME", t64()),
            ("CHECK_CLAUSE", Text(65_535)),
        ],
        "VIEWS" => vec![
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("VIEW_DEFINITION", Text(65535)),
            ("CHECK_OPTION", Text(8)),
            ("IS_UPDATABLE", Text(3)),
            ("DEFINER", Text(288)),
            ("SECURITY_TYPE", Text(7)),
            ("CHARACTER_SET_CLIENT", t64()),
            ("COLLATION_CONNECTION", t64()),
        ],
        "ENGINES" => vec![
            ("ENGINE", t64()),
            ("SUPPORT", Text(8)),
            ("COMMENT", Text(80)),
            ("TRANSACTIONS", Text(3)),
            ("XA", Text(3)),
            ("SAVEPOINTS", Text(3)),
        ],
        "COLLATIONS" => vec![
            ("COLLATION_NAME", t64()),
            ("CHARACTER_SET_NAME", t64()),
            ("ID", Int),
            ("IS_DEFAULT", Text(3)),
            ("IS_COMPILED", Text(3)),
            ("SORTLEN", Int),
            ("PAD_ATTRIBUTE", Text(9)),
        ],
        "CHARACTER_SETS" => vec![
            ("CHARACTER_SET_NAME", t64()),
            ("DEFAULT_COLLATE_NAME", t64()),
            ("DESCRIPTION", Text(2048)),
            ("MAXLEN", Int),
        ],
        // TiDB's columns, then moltdb's progress of a running reorg job (COMMENTS of ADMIN
        // SHOW DDL JOBS, as columns).
        "DDL_JOBS" => vec![
            ("JOB_ID", Int),
            ("DB_NAME", t64()),
            ("TABLE_NAME", t64()),
            ("JOB_TYPE", t64()),
            ("SCHEMA_STATE", t64()),
            ("SCHEMA_ID", Int),
            ("TABLE_ID", Int),
            ("ROW_COUNT", Int),
            ("CREATE_TIME", Time),
            ("START_TIME", Time),
            ("END_TIME", Time),
            ("STATE", t64()),
            ("QUERY", Text(65535)),
            ("COMMENTS", Text(256)),
            ("PHASE", t64()),
            ("PROGRESS", Double),
            ("ETA_SECONDS", Int),
        ],
        "PARTITIONS" => vec![
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("PARTITION_NAME", t64()),
            ("SUBPARTITION_NAME", t64()),
            ("PARTITION_ORDINAL_POSITION", Int),
            ("SUBPARTITION_ORDINAL_POSITION", Int),
            ("PARTITION_METHOD", Text(13)),
            ("SUBPARTITION_METHOD", Text(13)),
            ("PARTITION_EXPRESSION", Text(2048)),
            ("SUBPARTITION_EXPRESSION", Text(2048)),
            ("PARTITION_DESCRIPTION", Text(2048)),
        ]
        .into_iter()
        .chain(space_columns())
        .chain([
            ("PARTITION_COMMENT", Text(2048)),
            ("NODEGROUP", t64()),
            ("TABLESPACE_NAME", t64()),
        ])
        .collect(),
        "FILES" => vec![
            ("FILE_ID", Int),
            ("FILE_NAME", Text(4000)),
            ("FILE_TYPE", Text(20)),
            ("TABLESPACE_NAME", Text(268)),
            ("TABLE_CATALOG", t64()),
            ("TABLE_SCHEMA", t64()),
            ("TABLE_NAME", t64()),
            ("LOGFILE_GROUP_NAME", Text(256)),
            ("LOGFILE_GROUP_NUMBER", Int),
            ("ENGINE", t64()),
            ("FULLTEXT_KEYS", t64()),
            ("DELETED_ROWS", Int),
            ("UPDATE_COUNT", Int),
            ("FREE_EXTENTS", Int),
            ("TOTAL_EXTENTS", Int),
            ("EXTENT_SIZE", Int),
            ("INITIAL_SIZE", Int),
            ("MAXIMUM_SIZE", Int),
            ("AUTOEXTEND_SIZE", Int),
            ("CREATION_TIME", Time),
            ("LAST_UPDATE_TIME", Time),
            ("LAST_ACCESS_TIME", Time),
            ("RECOVER_TIME", Int),
            ("TRANSACTION_COUNTER", Int),
            ("VERSION", Int),
            ("ROW_FORMAT", Text(10)),
        ]
        .into_iter()
        .chain(space_columns())
        .chain([("STATUS", Text(256)), ("EXTRA", Text(256))])
        .collect(),
        "TRIGGERS" => vec![
            ("TRIGGER_CATALOG", t64()),
            ("TRIGGER_SCHEMA", t64()),
            ("TRIGGER_NAME", t64()),
            ("EVENT_MANIPULATION", Text(6)),
            ("EVENT_OBJECT_CATALOG", t64()),
            ("EVENT_OBJECT_SCHEMA", t64()),
            ("EVENT_OBJECT_TABLE", t64()),
            ("ACTION_ORDER", Int),
            ("ACTION_CONDITION", Text(65_535)),
            ("ACTION_STATEMENT", Text(65_535)),
            ("ACTION_ORIENTATION", Text(3)),
            ("ACTION_TIMING", Text(6)),
            ("ACTION_REFERENCE_OLD_TABLE", t64()),
            ("ACTION_REFERENCE_NEW_TABLE", t64()),
            ("ACTION_REFERENCE_OLD_ROW", Text(3)),
            ("ACTION_REFERENCE_NEW_ROW", Text(3)),
            ("CREATED", Time),
            ("SQL_MODE", Text(8192)),
            ("DEFINER", Text(288)),
            ("CHARACTER_SET_CLIENT", t64()),
            ("COLLATION_CONNECTION", t64()),
            ("DATABASE_COLLATION", t64()),
        ],
        "PROCESSLIST" => vec![
            ("ID", Int),
            ("USER", Text(32)),
            ("HOST", Text(261)),
            ("DB", t64()),
            ("COMMAND", Text(16)),
            ("TIME", Int),
            ("STATE", t64()),
            ("INFO", Text(65535)),
        ],
        other => return privileges::columns(other).or_else(|| routines::columns(other)),
    })
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn opt(v: Option<&str>) -> Value {
    v.map(Value::str).unwrap_or(Value::Null)
}

fn int(v: i64) -> Value {
    Value::Int(v)
}

/// Materializes `information_schema.<name>`; `None` if there is no such table.
pub fn table(ctx: &Context, name: &str) -> Option<ResultSet> {
    let columns = result_columns(name)?;
    let rows = rows(ctx, &name.to_ascii_uppercase());
    Some(ResultSet { columns, rows })
}

/// The columns of `information_schema.<name>` (without reading its rows); `None` if there
/// is no such table.
pub fn result_columns(name: &str) -> Option<Vec<ResultColumn>> {
    let upper = name.to_ascii_uppercase();
    let cols = columns(&upper)?;
    Some(
        cols.into_iter()
            .map(|(n, k)| {
                let ty = match k {
                    Text(len) => DataType::varchar(len),
                    Int => DataType::Int {
                        kind: IntKind::Big,
                        unsigned: false,
                    },
                    Time => DataType::DateTime { fsp: 6 },
                    Double => DataType::Double,
                };
                ResultColumn {
                    org_name: n.to_string(),
                    table: upper.clone(),
                    org_table: upper.clone(),
                    db: DB.to_string(),
                    ..ResultColumn::computed(n, Some(ty))
                }
            })
            .collect(),
    )
}

/// Every public table of every database, information_schema's own excluded.
fn all_tables<'a>(ctx: &'a Context) -> Vec<(String, &'a std::sync::Arc<TableInfo>)> {
    let mut out = Vec::new();
    for db in ctx.schema.databases() {
        for t in ctx.schema.tables(&db.name) {
            if ctx.can_see_table(&db.name, &t.name) {
                out.push((db.name.clone(), t));
            }
        }
    }
    out
}

/// Public indexes as (name, unique, primary, column offsets), the handle primary key first.
/// A public index (or the handle as PRIMARY) as SHOW INDEX and the statistics tables list it.
pub struct IndexRow {
    pub name: String,
    pub unique: bool,
    pub primary: bool,
    pub columns: Vec<usize>,
    pub comment: String,
    pub visible: bool,
    /// `IndexInfo::prefixes`: each column's prefix length, if any.
    pub prefixes: Vec<Option<u32>>,
}

impl IndexRow {
    /// SUB_PART of the index's column at `seq`: its prefix length, NULL for a whole column.
    pub fn sub_part(&self, seq: usize) -> Value {
        match self.prefixes.get(seq).copied().flatten() {
            Some(n) => Value::Int(i64::from(n)),
            None => Value::Null,
        }
    }
}

pub fn indexes(t: &TableInfo) -> Vec<IndexRow> {
    let mut out = Vec::new();
    if let Some(h) = t.handle_column {
        out.push(IndexRow {
            name: "PRIMARY".to_string(),
            unique: true,
            primary: true,
            columns: vec![h],
            comment: String::new(),
            visible: true,
            prefixes: Vec::new(),
        });
    }
    for ix in t.indexes.iter().filter(|i| i.state == SchemaState::Public) {
        out.push(IndexRow {
            name: if ix.primary {
                "PRIMARY".to_string()
            } else {
                ix.name.clone()
            },
            unique: ix.unique,
            primary: ix.primary,
            columns: ix.columns.clone(),
            comment: ix.comment.clone(),
            visible: !ix.invisible,
            prefixes: ix.prefixes.clone(),
        });
    }
    out
}

pub fn column_key(t: &TableInfo, col: usize) -> &'static str {
    let ixs = indexes(t);
    let first = |unique: bool, primary: bool| {
        ixs.iter().any(|ix| {
            ix.columns.first() == Some(&col) && ix.unique == unique && ix.primary == primary
        })
    };
    if first(true, true) {
        "PRI"
    } else if first(true, false) {
        "UNI"
    } else if first(false, false) {
        "MUL"
    } else {
        ""
    }
}

pub fn default_text(d: &Option<DefaultValue>) -> Option<String> {
    match d {
        Some(DefaultValue::Literal(s)) => Some(s.clone()),
        Some(DefaultValue::CurrentTimestamp) => Some("CURRENT_TIMESTAMP".into()),
        _ => None,
    }
}

pub fn extra(c: &crate::catalog::ColumnInfo) -> String {
    let mut parts = Vec::new();
    if c.auto_increment {
        parts.push("auto_increment");
    }
    match &c.generated {
        Some(g) if g.stored => parts.push("STORED GENERATED"),
        Some(_) => parts.push("VIRTUAL GENERATED"),
        None => {}
    }
    if matches!(c.default, Some(DefaultValue::CurrentTimestamp)) {
        parts.push("DEFAULT_GENERATED");
    }
    let on_update = c
        .on_update_current_timestamp
        .then(|| format!("on update {}", super::show::current_timestamp(&c.ty)));
    parts.extend(on_update.as_deref());
    parts.join(" ")
}

/// The bare type name (`varchar`, `int`), as DATA_TYPE shows it.
pub fn data_type_name(ty: &DataType) -> String {
    let full = ty.sql_name();
    full.split(['(', ' ']).next().unwrap_or("").to_string()
}

fn type_facts(ty: &DataType) -> [Value; 5] {
    // CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE,
    // DATETIME_PRECISION
    let n = Value::Null;
    match ty {
        DataType::Int { kind, unsigned } => {
            let p = match kind {
                IntKind::Tiny => 3,
                IntKind::Small => 5,
                IntKind::Medium => 7,
                IntKind::Int => 10,
                IntKind::Big if *unsigned => 20,
                IntKind::Big => 19,
            };
            [n.clone(), n, int(p), int(0), Value::Null]
        }
        DataType::Decimal { precision, scale } => [
            n.clone(),
            n,
            int(i64::from(*precision)),
            int(i64::from(*scale)),
            Value::Null,
        ],
        DataType::Float => [n.clone(), n, int(12), Value::Null, Value::Null],
        DataType::Bit { width } => [
            n.clone(),
            n,
            int(i64::from(*width)),
            Value::Null,
            Value::Null,
        ],
        DataType::Double => [n.clone(), n, int(22), Value::Null, Value::Null],
        DataType::Char { len, .. } => [
            int(i64::from(*len)),
            int(i64::from(*len) * 4),
            n.clone(),
            n.clone(),
            n,
        ],
        DataType::Binary { len, .. } => [
            int(i64::from(*len)),
            int(i64::from(*len)),
            n.clone(),
            n.clone(),
            n,
        ],
        DataType::Json => [n.clone(), n.clone(), n.clone(), n.clone(), n],
        DataType::Enum { members } | DataType::Set { members } => {
            // The longest value: a member, or (SET) all of them.
            let longest = match ty {
                DataType::Enum { .. } => members.iter().map(|m| m.chars().count()).max(),
                _ => Some(
                    members
                        .iter()
                        .map(|m| m.chars().count() + 1)
                        .sum::<usize>()
                        .saturating_sub(1),
                ),
            }
            .unwrap_or(0) as i64;
            [int(longest), int(longest * 4), n.clone(), n.clone(), n]
        }
        DataType::Text { max_len, .. } | DataType::Blob { max_len } => [
            int(i64::from(*max_len)),
            int(i64::from(*max_len)),
            n.clone(),
            n.clone(),
            n,
        ],
        DataType::Date | DataType::Year => [n.clone(), n.clone(), n.clone(), n.clone(), n],
        DataType::DateTime { fsp } | DataType::Timestamp { fsp } | DataType::Time { fsp } => {
            [n.clone(), n.clone(), n.clone(), n, int(i64::from(*fsp))]
        }
    }
}

fn is_text(ty: &DataType) -> bool {
    matches!(ty, DataType::Char { .. } | DataType::Text { .. })
}

fn rows(ctx: &Context, table: &str) -> Vec<Vec<Value>> {
    let def = s("def");
    match table {
        "SCHEMATA" => {
            let mut rows = vec![vec![
                def.clone(),
                s(DB),
                s("utf8mb4"),
                s("utf8mb4_bin"),
                Value::Null,
                s("NO"),
            ]];
            for db in ctx.schema.databases() {
                if !ctx.can_see_db(&db.name) {
                    continue;
                }
                rows.push(vec![
                    def.clone(),
                    s(&db.name),
                    s(&db.charset),
                    s(&db.collation),
                    Value::Null,
                    s("NO"),
                ]);
            }
            rows
        }
        "TABLES" => {
            let mut rows: Vec<Vec<Value>> = TABLES
                .iter()
                .map(|t| {
                    let mut r = vec![def.clone(), s(DB), s(t), s("SYSTEM VIEW")];
                    r.extend(std::iter::repeat_n(Value::Null, 13));
                    r.extend([s("utf8mb4_bin"), Value::Null, s(""), s("")]);
                    r.extend([Value::Null, Value::Null, s("NONCLUSTERED")]);
                    r
                })
                .collect();
            for (db, t) in all_tables(ctx) {
                rows.push(vec![
                    def.clone(),
                    s(&db),
                    s(&t.name),
                    s(if t.view.is_some() {
                        "VIEW"
                    } else {
                        "BASE TABLE"
                    }),
                    s("InnoDB"),
                    int(10),
                    s("Dynamic"),
                    match t.view {
                        Some(_) => Value::Null,
                        None => int(ctx.estimated_rows(t.id)),
                    },
                    int(0),
                    int(0),
                    int(0),
                    int(0),
                    int(0),
                    // As SHOW TABLE STATUS: the id after every range reserved (NULL if the
                    // store cannot say, as for a table without AUTO_INCREMENT).
                    match t.auto_increment_column() {
                        Some(_) => ctx.domain.autoid.next_global(t.id).map_or(Value::Null, int),
                        None => Value::Null,
                    },
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    s(&t.collation),
                    Value::Null,
                    s(""),
                    s(&t.comment),
                    int(t.id),
                    match (&t.view, t.handle_column) {
                        (Some(_), _) => Value::Null,
                        (None, Some(_)) => s("NOT_SHARDED(PK_IS_HANDLE)"),
                        (None, None) => s("NOT_SHARDED"),
                    },
                    s(if t.handle_column.is_some() {
                        "CLUSTERED"
                    } else {
                        "NONCLUSTERED"
                    }),
                ]);
            }
            rows
        }
        "COLUMNS" => {
            let mut rows = Vec::new();
            for (db, t) in all_tables(ctx) {
                for (pos, (i, c)) in t.public_columns().enumerate() {
                    let [cml, col, np, ns, dp] = type_facts(&c.ty);
                    let collation =
                        c.ty.collation()
                            .or_else(|| is_text(&c.ty).then(|| t.collation()));
                    rows.push(vec![
                        def.clone(),
                        s(&db),
                        s(&t.name),
                        s(&c.name),
                        int(pos as i64 + 1),
                        opt(default_text(&c.default).as_deref()),
                        s(if c.nullable { "YES" } else { "NO" }),
                        s(&data_type_name(&c.ty)),
                        cml,
                        col,
                        np,
                        ns,
                        dp,
                        collation.map_or(Value::Null, |c| s(c.charset())),
                        collation.map_or(Value::Null, |c| s(c.name())),
                        s(&c.ty.sql_name()),
                        s(column_key(t, i)),
                        s(&extra(c)),
                        s("select,insert,update,references"),
                        s(&c.comment),
                        s(c.generated.as_ref().map_or("", |g| g.expr.as_str())),
                        Value::Null,
                    ]);
                }
            }
            rows
        }
        "STATISTICS" => {
            let mut rows = Vec::new();
            for (db, t) in all_tables(ctx) {
                for ix in indexes(t) {
                    for (seq, &c) in ix.columns.iter().enumerate() {
                        let col = &t.columns[c];
                        rows.push(vec![
                            def.clone(),
                            s(&db),
                            s(&t.name),
                            int(i64::from(!ix.unique)),
                            s(&db),
                            s(&ix.name),
                            int(seq as i64 + 1),
                            s(&col.name),
                            s("A"),
                            int(0),
                            ix.sub_part(seq),
                            Value::Null,
                            s(if col.nullable { "YES" } else { "" }),
                            s("BTREE"),
                            s(""),
                            s(&ix.comment),
                            s(if ix.visible { "YES" } else { "NO" }),
                            Value::Null,
                        ]);
                    }
                }
            }
            rows
        }
        "KEY_COLUMN_USAGE" => {
            let mut rows = Vec::new();
            for (db, t) in all_tables(ctx) {
                for ix in indexes(t) {
                    let (name, cols) = (&ix.name, &ix.columns);
                    if !ix.unique {
                        continue;
                    }
                    for (seq, &c) in cols.iter().enumerate() {
                        rows.push(vec![
                            def.clone(),
                            s(&db),
                            s(name),
                            def.clone(),
                            s(&db),
                            s(&t.name),
                            s(&t.columns[c].name),
                            int(seq as i64 + 1),
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            Value::Null,
                        ]);
                    }
                }
                for fk in &t.foreign_keys {
                    for (seq, (c, rc)) in fk.columns.iter().zip(&fk.ref_columns).enumerate() {
                        rows.push(vec![
                            def.clone(),
                            s(&db),
                            s(&fk.name),
                            def.clone(),
                            s(&db),
                            s(&t.name),
                            s(c),
                            int(seq as i64 + 1),
                            int(seq as i64 + 1),
                            s(fk.ref_db.as_deref().unwrap_or(&db)),
                            s(&fk.ref_table),
                            s(rc),
                        ]);
                    }
                }
            }
            rows
        }
        "TABLE_CONSTRAINTS" => {
            let mut rows = Vec::new();
            for (db, t) in all_tables(ctx) {
                for ix in indexes(t) {
                    let (name, primary) = (&ix.name, ix.primary);
                    if !ix.unique {
                        continue;
                    }
                    rows.push(vec![
                        def.clone(),
                        s(&db),
                        s(name),
                        s(&db),
                        s(&t.name),
                        s(if primary { "PRIMARY KEY" } else { "UNIQUE" }),
                        s("YES"),
                    ]);
                }
                for fk in &t.foreign_keys {
                    rows.push(vec![
                        def.clone(),
                        s(&db),
                        s(&fk.name),
                        s(&db),
                        s(&t.name),
                        s("FOREIGN KEY"),
                        s("YES"),
                    ]);
                }
            }
            rows
        }
        "REFERENTIAL_CONSTRAINTS" => {
            let mut rows = Vec::new();
            for (db, t) in all_tables(ctx) {
                for fk in &t.foreign_keys {
                    rows.push(vec![
                        def.clone(),
                        s(&db),
                        s(&fk.name),
                        def.clone(),
                        s(fk.ref_db.as_deref().unwrap_or(&db)),
                        s("PRIMARY"),
                        s("NONE"),
                        s(&fk.on_update),
                        s(&fk.on_delete),
                        s(&t.name),
                        s(&fk.ref_table),
                    ]);
                }
            }
            rows
        }
        "CHECK_CONSTRAINTS" => all_tables(ctx)
            .into_iter()
            .flat_map(|(db, t)| {
                t.checks
                    .iter()
                    .filter(|c| c.state == SchemaState::Public)
                    .map(|c| vec![def.clone(), s(&db), s(&c.name), s(&format!("({})", c.expr))])
                    .collect::<Vec<_>>()
            })
            .collect(),
        "VIEWS" => all_tables(ctx)
            .into_iter()
            .filter_map(|(db, t)| {
                let v = t.view.as_ref()?;
                Some(vec![
                    def.clone(),
                    s(&db),
                    s(&t.name),
                    s(&v.query),
                    s(&v.check_option),
                    // Writing through a view is not supported.
                    s("NO"),
                    s(&v.definer.replace('`', "")),
                    s(&v.security),
                    s("utf8mb4"),
                    s("utf8mb4_bin"),
                ])
            })
            .collect(),
        "ENGINES" => ENGINES
            .iter()
            .map(|e| e.iter().map(|v| s(v)).collect())
            .collect(),
        "COLLATIONS" => Collation::all().map(collation_row).collect(),
        "CHARACTER_SETS" => CHARSETS
            .iter()
            .map(|(name, coll, desc, max)| vec![s(name), s(coll), s(desc), int(*max)])
            .collect(),
        "DDL_JOBS" => ddl_jobs(ctx),
        // A table that is not partitioned is one partition without a name (MySQL's rows).
        "PARTITIONS" => all_tables(ctx)
            .into_iter()
            .filter(|(_, t)| t.view.is_none())
            .map(|(db, t)| {
                let mut r = vec![def.clone(), s(&db), s(&t.name)];
                r.extend(std::iter::repeat_n(Value::Null, 9));
                r.push(int(ctx.estimated_rows(t.id)));
                r.extend(std::iter::repeat_n(int(0), 5));
                r.extend(std::iter::repeat_n(Value::Null, 4));
                r.extend([s(""), Value::Null, Value::Null]);
                r
            })
            .collect(),
        // moltdb has no triggers, and no tablespace files (one store holds every table).
        "TRIGGERS" | "FILES" => Vec::new(),
        "PROCESSLIST" => ctx
            .domain
            .processes
            .list()
            .into_iter()
            .filter(|p| ctx.can_see_process(&p.user))
            .map(|p| {
                vec![
                    int(i64::from(p.id)),
                    s(&p.user),
                    s(&p.host),
                    opt(p.db.as_deref()),
                    s(&p.command),
                    int(p.time),
                    s(&p.state),
                    opt(p.info.as_deref()),
                ]
            })
            .collect(),
        "USER_PRIVILEGES" | "SCHEMA_PRIVILEGES" | "TABLE_PRIVILEGES" | "COLUMN_PRIVILEGES" => {
            privileges::rows(ctx, table)
        }
        _ => Vec::new(),
    }
}

/// Every DDL job: queued and running ones first, then the whole history, newest first.
fn ddl_jobs(ctx: &Context) -> Vec<Vec<Value>> {
    let listed = match jobs::listed_jobs(ctx, usize::MAX) {
        Ok(listed) => listed,
        Err(e) => {
            tracing::warn!(error = %e, "information_schema.DDL_JOBS: reading the jobs failed");
            return Vec::new();
        }
    };
    listed
        .iter()
        // A job shows to whoever may see its table (or database, for database jobs).
        .filter(|l| match l.job.table_name.as_str() {
            "" => ctx.can_see_db(&l.job.db_name),
            t => ctx.can_see_table(&l.job.db_name, t),
        })
        .flat_map(|l| {
            let (job, progress) = (&l.job, l.progress.as_ref());
            let parent = vec![
                int(job.id),
                s(&job.db_name),
                s(&job.table_name),
                s(job.action.as_str()),
                s(job.schema_state.as_str()),
                int(job.db_id),
                int(job.table_id),
                int(job.row_count as i64),
                jobs::time(Some(job.create_time)),
                jobs::time(job.start_time),
                jobs::time(job.end_time),
                s(job.state.as_str()),
                s(&job.query),
                s(&jobs::comments(ctx, l)),
                opt(progress.map(|p| p.phase.as_str())),
                progress
                    .and_then(|p| p.percent)
                    .map_or(Value::Null, Value::Float),
                progress
                    .and_then(|p| p.eta_secs)
                    .map_or(Value::Null, |e| int(e as i64)),
            ];
            // A multi-schema change's sub-jobs follow it, as in ADMIN SHOW DDL JOBS.
            let mut rows = vec![parent.clone()];
            if let crate::ddl::JobArgs::MultiSchemaChange(info) = &job.args {
                for sub in &info.subs {
                    let mut row = parent.clone();
                    row[3] = Value::str(&format!("{} /* subjob */", sub.action.as_str()));
                    row[4] = s(sub.schema_state.as_str());
                    row[7] = int(sub.row_count as i64);
                    row[11] = s(sub.state.as_str());
                    row[13] = s("");
                    row[14..].fill(Value::Null);
                    rows.push(row);
                }
            }
            rows
        })
        .collect()
}
