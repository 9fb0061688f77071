//! Golden tests of the online-schema-change write rules: for every state an ADD INDEX,
//! DROP INDEX, ADD COLUMN and DROP COLUMN walks through, the key-value writes an INSERT,
//! an UPDATE and a DELETE make on a node at that schema version (v) and on a node still at
//! the previous one (v-1), as TiDB's F1 rules allow two adjacent versions at once.
//!
//! The writes are recorded by `kv::recording::RecordingStore` over the in-memory engine
//! and printed decoded. A change to a write rule changes `tests/golden/*.txt`, and this
//! test fails until the new output is reviewed and accepted with
//! `UPDATE_GOLDENFILES=1 cargo test --test golden_writes`.

use std::io::Write as _;
use std::sync::Arc;

use goldenfile::Mint;
use moltdb::catalog::{BackfillState, ColumnInfo, IndexInfo, SchemaState, TableInfo};
use moltdb::codec::{keys, row as row_codec};
use moltdb::kv::recording::{RecordingStore, Write};
use moltdb::kv::Store;
use moltdb::table::Table;
use moltdb::types::{DataType, IntKind, Value};

const TABLE_ID: i64 = 100;

fn column(id: u64, name: &str, state: SchemaState) -> ColumnInfo {
    ColumnInfo {
        id,
        name: name.into(),
        ty: DataType::Int {
            kind: IntKind::Int,
            unsigned: false,
        },
        nullable: true,
        default: None,
        auto_increment: false,
        on_update_current_timestamp: false,
        comment: String::new(),
        state,
        origin_default: None,
        generated: None,
        change: None,
        no_default: false,
    }
}

fn index(id: i64, name: &str, columns: Vec<usize>, unique: bool, state: SchemaState) -> IndexInfo {
    IndexInfo {
        id,
        name: name.into(),
        columns,
        unique,
        primary: false,
        state,
        comment: String::new(),
        backfill: Default::default(),
        invisible: false,
        prefixes: Vec::new(),
    }
}

/// `t (id INT PRIMARY KEY /* the handle */, a INT, b INT, ...)`.
fn table(columns: Vec<ColumnInfo>, indexes: Vec<IndexInfo>) -> Arc<TableInfo> {
    Arc::new(TableInfo {
        temporary: false,
        view: None,
        checks: Vec::new(),
        auto_id_rebases: 0,
        id: TABLE_ID,
        db_id: 1,
        name: "t".into(),
        next_column_id: columns.len() as u64 + 1,
        next_index_id: 10,
        columns,
        indexes,
        handle_column: Some(0),
        comment: String::new(),
        charset: "utf8mb4".into(),
        collation: "utf8mb4_bin".into(),
        state: SchemaState::Public,
        foreign_keys: Vec::new(),
    })
}

/// One schema version of the table as a node sees it while a job is in `state`
/// (`None`: the object does not exist at this version).
struct Version {
    state: Option<SchemaState>,
    backfill: BackfillState,
    info: Arc<TableInfo>,
}

/// What a DDL job walks through, oldest version first.
struct Walk {
    title: &'static str,
    versions: Vec<Version>,
    /// Row values (id, a, b, ...) in the table's column order of a version.
    rows: fn(&TableInfo) -> [Vec<Value>; 3],
}

fn state_name(v: &Version) -> String {
    let state = v.state.map_or("absent", SchemaState::as_str);
    match v.backfill {
        BackfillState::Inapplicable => state.to_string(),
        b => format!("{state} ({})", b.as_str()),
    }
}

/// Values for every column of `info`: id, a = 10 * id, b = 100 * id, c = 7 (its default),
/// for the inserted row (id 2), the old row (id 1) and the row updated (a and b + 1).
fn sample_rows(info: &TableInfo) -> [Vec<Value>; 3] {
    let row = |id: i64, bump: i64| {
        info.columns
            .iter()
            .map(|c| match c.name.as_str() {
                "id" => Value::Int(id),
                "a" => Value::Int(10 * id + bump),
                "b" => Value::Int(100 * id + bump),
                _ => Value::Int(7),
            })
            .collect::<Vec<_>>()
    };
    [row(2, 0), row(1, 0), row(1, 1)]
}

fn describe(info: &TableInfo, w: &Write) -> String {
    let (verb, key, value) = match w {
        Write::Put(k, v) => ("put", k, Some(v)),
        Write::Delete(k) => ("delete", k, None),
        Write::Lock(k) => ("lock", k, None),
    };
    if let Ok((_, handle)) = keys::decode_record_key(key) {
        let cols = match value.map(|v| row_codec::decode_row(v)) {
            Some(Ok(cols)) => {
                let shown: Vec<String> = cols
                    .iter()
                    .map(|(id, v)| {
                        let name = info
                            .columns
                            .iter()
                            .find(|c| c.id == *id)
                            .map_or(format!("#{id}"), |c| c.name.clone());
                        format!("{name}={}", v.to_string_lossy())
                    })
                    .collect();
                format!(" = {{{}}}", shown.join(", "))
            }
            Some(Err(e)) => format!(" = <undecodable row: {e}>"),
            None => String::new(),
        };
        return format!("{verb} row {handle}{cols}");
    }
    for ix in &info.indexes {
        let temp_prefix = keys::index_prefix(TABLE_ID, keys::temp_index_id(ix.id));
        if key.starts_with(&temp_prefix) {
            let real = keys::with_index_id(key, ix.id).expect("temp key");
            let values = keys::decode_index_key(&real, ix.columns.len())
                .map(|(v, h)| {
                    let v: Vec<String> = v.iter().map(|v| v.to_string_lossy()).collect();
                    let h = h.map_or(String::new(), |h| format!(" handle {h}"));
                    format!("({}){h}", v.join(", "))
                })
                .unwrap_or_else(|e| format!("<undecodable key: {e}>"));
            let ops = match value.map(|v| moltdb::table::decode_ops(v)) {
                Some(Ok(ops)) => ops
                    .iter()
                    .map(|op| match op {
                        moltdb::table::TempOp::Put { handle, .. } => format!("put {handle}"),
                        moltdb::table::TempOp::Delete {
                            handle,
                            row_decides,
                            ..
                        } => {
                            let check = if *row_decides { " (row decides)" } else { "" };
                            format!("delete {handle}{check}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Some(Err(e)) => format!("<undecodable: {e}>"),
                None => String::new(),
            };
            return format!("{verb} {}#temp {values} = [{ops}]", ix.name);
        }
        if !key.starts_with(&keys::index_prefix(TABLE_ID, ix.id)) {
            continue;
        }
        return match keys::decode_index_key(key, ix.columns.len()) {
            Ok((values, handle)) => {
                let values: Vec<String> = values.iter().map(|v| v.to_string_lossy()).collect();
                let target = match (handle, value) {
                    (Some(h), _) => format!(" handle {h}"),
                    (None, Some(v)) => keys::decode_handle_value(v)
                        .map_or(" -> <bad handle>".into(), |h| format!(" -> {h}")),
                    (None, None) => String::new(),
                };
                format!("{verb} {} ({}){target}", ix.name, values.join(", "))
            }
            Err(e) => format!("{verb} {} <undecodable key: {e}>", ix.name),
        };
    }
    format!("{verb} <unknown key {key:02x?}>")
}

/// A statement's write through the table layer.
type Op<'a> = dyn Fn(&mut dyn moltdb::kv::Transaction) -> moltdb::table::Result<()> + 'a;

/// The writes of INSERT, UPDATE and DELETE through `info`, one line each.
fn writes_at(info: &Arc<TableInfo>, rows: &[Vec<Value>; 3]) -> Vec<String> {
    let store = RecordingStore::new(moltdb::kv::open_memory().expect("memory store"));
    let table = Table::new(info.clone());
    let [inserted, old, new] = rows;
    let ops: [(&str, &Op); 3] = [
        ("INSERT", &|txn| table.add_record(txn, inserted, 2)),
        ("UPDATE", &|txn| table.update_record(txn, 1, old, new)),
        ("DELETE", &|txn| table.remove_record(txn, 1, old)),
    ];
    let mut out = Vec::new();
    for (name, op) in ops {
        let mut txn = store.begin().expect("begin");
        op(txn.as_mut()).expect("write");
        txn.commit().expect("commit");
        let writes: Vec<String> = store.take().iter().map(|w| describe(info, w)).collect();
        out.push(format!("  {name:6} {}", writes.join("; ")));
    }
    out
}

fn render(walk: &Walk) -> String {
    let mut out = String::new();
    let path: Vec<String> = walk.versions.iter().map(state_name).collect();
    out.push_str(&format!("## {}\n## {}\n", walk.title, path.join(" -> ")));
    for pair in walk.versions.windows(2) {
        let (prev, cur) = (&pair[0], &pair[1]);
        out.push_str(&format!(
            "\nv = {}, v-1 = {}\n",
            state_name(cur),
            state_name(prev)
        ));
        for (label, v) in [("v", cur), ("v-1", prev)] {
            out.push_str(&format!("{label}:\n"));
            for line in writes_at(&v.info, &(walk.rows)(&v.info)) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out.push('\n');
    out
}

fn base_columns() -> Vec<ColumnInfo> {
    vec![
        column(1, "id", SchemaState::Public),
        column(2, "a", SchemaState::Public),
        column(3, "b", SchemaState::Public),
    ]
}

fn index_walk(
    title: &'static str,
    states: &[(Option<SchemaState>, BackfillState)],
    unique: bool,
) -> Walk {
    let (name, cols) = if unique {
        ("ub", vec![2])
    } else {
        ("ia", vec![1])
    };
    Walk {
        title,
        versions: states
            .iter()
            .map(|&(state, backfill)| Version {
                state,
                backfill,
                info: table(
                    base_columns(),
                    state
                        .map(|s| {
                            let mut ix = index(1, name, cols.clone(), unique, s);
                            ix.backfill = backfill;
                            ix
                        })
                        .into_iter()
                        .collect(),
                ),
            })
            .collect(),
        rows: sample_rows,
    }
}

/// The states of a txn-mode walk (no temporary index).
fn plain(states: &[Option<SchemaState>]) -> Vec<(Option<SchemaState>, BackfillState)> {
    states
        .iter()
        .map(|&s| (s, BackfillState::Inapplicable))
        .collect()
}

fn column_walk(title: &'static str, name: &str, states: &[Option<SchemaState>]) -> Walk {
    Walk {
        title,
        versions: states
            .iter()
            .map(|&state| {
                let mut cols = base_columns();
                cols.retain(|c| c.name != name);
                if let Some(s) = state {
                    cols.push(column(4, name, s));
                }
                Version {
                    state,
                    backfill: BackfillState::Inapplicable,
                    info: table(cols, Vec::new()),
                }
            })
            .collect(),
        rows: sample_rows,
    }
}

#[test]
fn writes_in_every_schema_state() {
    use BackfillState::{Inapplicable, Merging, ReadyToMerge, Running};
    use SchemaState::{DeleteOnly, DeleteReorganization, Public, WriteOnly, WriteReorganization};
    let add = [
        None,
        Some(DeleteOnly),
        Some(WriteOnly),
        Some(WriteReorganization),
        Some(Public),
    ];
    let drop = [
        Some(Public),
        Some(WriteOnly),
        Some(DeleteOnly),
        Some(DeleteReorganization),
        None,
    ];
    let ingest = [
        (None, Inapplicable),
        (Some(DeleteOnly), Running),
        (Some(WriteOnly), Running),
        (Some(WriteReorganization), Running),
        (Some(WriteReorganization), ReadyToMerge),
        (Some(WriteReorganization), Merging),
        (Some(WriteReorganization), Inapplicable),
        (Some(Public), Inapplicable),
    ];
    let walks = [
        index_walk("ADD INDEX ia (a)", &plain(&add), false),
        index_walk("ADD UNIQUE INDEX ub (b)", &plain(&add), true),
        index_walk("ADD INDEX ia (a), ingest", &ingest, false),
        index_walk("ADD UNIQUE INDEX ub (b), ingest", &ingest, true),
        index_walk("DROP INDEX ia", &plain(&drop), false),
        column_walk(
            "ADD COLUMN c INT DEFAULT 7",
            "c",
            &[None, Some(DeleteOnly), Some(WriteOnly), Some(Public)],
        ),
        column_walk("DROP COLUMN b", "b", &drop),
    ];
    let mut mint = Mint::new("tests/golden");
    let mut file = mint
        .new_goldenfile("schema_state_writes.txt")
        .expect("golden file");
    writeln!(
        file,
        "# Key-value writes of INSERT (id 2), UPDATE (id 1: a and b + 1) and DELETE (id 1) on\n\
         # t (id INT PRIMARY KEY, a INT, b INT), per DDL state; see tests/golden_writes.rs.\n"
    )
    .expect("write");
    for walk in &walks {
        file.write_all(render(walk).as_bytes()).expect("write");
    }
}
