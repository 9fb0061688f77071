//! The schema objects as they are persisted: databases, tables, columns and indexes, each with
//! an id and a schema state.

use serde::{Deserialize, Serialize};

use super::foreign_key::ForeignKeyInfo;
use crate::types::collation::Collation;
use crate::types::DataType;

/// Where an object is in its online schema change. DML consults the state of every index and
/// column on each write (see `table/`), so nodes one schema version apart stay consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SchemaState {
    None,
    DeleteOnly,
    WriteOnly,
    WriteReorganization,
    DeleteReorganization,
    Public,
}

impl SchemaState {
    /// TiDB's spelling, as ADMIN SHOW DDL JOBS prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaState::None => "none",
            SchemaState::DeleteOnly => "delete only",
            SchemaState::WriteOnly => "write only",
            SchemaState::WriteReorganization => "write reorganization",
            SchemaState::DeleteReorganization => "delete reorganization",
            SchemaState::Public => "public",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseInfo {
    pub id: i64,
    pub name: String,
    pub charset: String,
    pub collation: String,
    pub state: SchemaState,
}

/// A column's default as declared; turned into a value of the column's type on insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefaultValue {
    Null,
    /// A literal in its SQL text form, already validated against the column type.
    Literal(String),
    CurrentTimestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Stable id; row values are keyed by it, so renames and reorders never rewrite rows.
    pub id: u64,
    pub name: String,
    pub ty: DataType,
    pub nullable: bool,
    /// `None` when the column has no DEFAULT clause.
    pub default: Option<DefaultValue>,
    pub auto_increment: bool,
    pub on_update_current_timestamp: bool,
    pub comment: String,
    pub state: SchemaState,
    /// What rows written before the column existed hold (text form; `None` is NULL).
    #[serde(default)]
    pub origin_default: Option<String>,
    /// `GENERATED ALWAYS AS (expr) [VIRTUAL | STORED]`: the value is computed from the
    /// row's other columns whenever the row is written.
    #[serde(default)]
    pub generated: Option<GeneratedInfo>,
    /// Set on the hidden column a MODIFY COLUMN that rewrites data adds (TiDB's
    /// `ChangeStateInfo`): every row written gets it computed from another column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ColumnChange>,
    /// Set by `ALTER COLUMN ... DROP DEFAULT` (TiDB's `NoDefaultValueFlag`): the column has
    /// no default even when it is nullable, so an INSERT must name it (1364 in strict
    /// mode) and SHOW CREATE TABLE shows no DEFAULT.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_default: bool,
}

/// Where a changing column's value comes from: column `from`'s value converted to the
/// changing column's type. Before the swap the hidden column is the new one, converted
/// strictly (a value that does not fit fails the write, as it would fail the job); after
/// it the hidden column is the old one, kept written for the nodes a version behind that
/// still read it, converted leniently (clamped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChange {
    pub from: u64,
    pub strict: bool,
}

/// A generated column's expression (SQL text) and whether MySQL would store it. moltdb
/// stores both kinds: a VIRTUAL column reads the same, it only takes room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedInfo {
    pub expr: String,
    pub stored: bool,
}

impl ColumnInfo {
    /// A public, nullable column of `ty` without DEFAULT or other attributes, which a
    /// definition then adjusts.
    pub fn new(id: u64, name: impl Into<String>, ty: DataType) -> ColumnInfo {
        ColumnInfo {
            id,
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            auto_increment: false,
            on_update_current_timestamp: false,
            comment: String::new(),
            state: SchemaState::Public,
            origin_default: None,
            generated: None,
            change: None,
            no_default: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    pub id: i64,
    pub name: String,
    /// Offsets into the table's `columns`.
    pub columns: Vec<usize>,
    pub unique: bool,
    pub primary: bool,
    pub state: SchemaState,
    pub comment: String,
    /// Where DML writes this index's entries while an ingest ADD INDEX builds it.
    #[serde(default)]
    pub backfill: BackfillState,
    /// ALTER INDEX ... INVISIBLE: maintained by DML, never chosen by the planner.
    #[serde(default)]
    pub invisible: bool,
    /// Each column's prefix length (`KEY k (name(10))`): the entry holds the column's first
    /// that many characters (bytes of a binary string); `None` for the whole column. Empty
    /// when no column has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<Option<u32>>,
}

impl IndexInfo {
    /// Whether the planner may read through this index. (Through an index on column
    /// prefixes a read finds every row whose prefix matches; the WHERE clause, applied to
    /// every row read, keeps the ones that match whole.)
    pub fn usable(&self) -> bool {
        self.state == SchemaState::Public && !self.invisible
    }

    /// The prefix length of the index's column at `pos`, if it indexes a prefix.
    pub fn prefix(&self, pos: usize) -> Option<u32> {
        self.prefixes.get(pos).copied().flatten()
    }

    pub fn has_prefix(&self) -> bool {
        self.prefixes.iter().any(Option::is_some)
    }

    /// The index with its columns' prefix lengths (kept only when some column has one).
    pub fn with_prefixes(mut self, prefixes: Vec<Option<u32>>) -> IndexInfo {
        self.prefixes = match prefixes.iter().any(Option::is_some) {
            true => prefixes,
            false => Vec::new(),
        };
        self
    }
}

/// TiDB's `BackfillState` of an index being added with a temporary index (ingest): while the
/// backfill reads a snapshot and ingests its entries, DML writes into the temporary index
/// only; once the backfill is done every node writes both indexes, and the temporary
/// index's entries are merged into the real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BackfillState {
    /// No temporary index: DML writes the index itself (txn backfill, or a public index).
    #[default]
    Inapplicable,
    /// The backfill runs: DML writes the temporary index only.
    Running,
    /// The backfill is done: DML writes both indexes, so the merge misses nothing.
    ReadyToMerge,
    /// The temporary index is being merged into the real one; DML writes both.
    Merging,
}

impl BackfillState {
    /// TiDB's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BackfillState::Inapplicable => "inapplicable",
            BackfillState::Running => "running",
            BackfillState::ReadyToMerge => "ready to merge",
            BackfillState::Merging => "merging",
        }
    }

    /// Whether DML writes the real index.
    pub fn writes_index(self) -> bool {
        self != BackfillState::Running
    }

    /// Whether DML writes the temporary index.
    pub fn writes_temp_index(self) -> bool {
        self != BackfillState::Inapplicable
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    pub id: i64,
    pub db_id: i64,
    pub name: String,
    /// All columns, public and not, in definition order.
    pub columns: Vec<ColumnInfo>,
    /// Secondary and unique indexes, and the primary key unless it is the row handle.
    pub indexes: Vec<IndexInfo>,
    /// The single integer primary key column whose value is the row's handle (TiDB's
    /// clustered integer key). `None`: rows get a hidden `_tidb_rowid` handle.
    pub handle_column: Option<usize>,
    pub next_column_id: u64,
    pub next_index_id: i64,
    pub comment: String,
    pub charset: String,
    pub collation: String,
    pub state: SchemaState,
    /// The table's FOREIGN KEY constraints (this table is the child). DML enforces them
    /// while `foreign_key_checks` is on (`table::foreign_key`); the tables referencing this
    /// one are found through [`crate::catalog::InfoSchema::referencing`].
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKeyInfo>,
    /// A session's temporary table (never in the shared catalog).
    #[serde(default)]
    pub temporary: bool,
    /// A view: its query (the columns above are what it returns); it has no rows.
    #[serde(default)]
    pub view: Option<ViewInfo>,
    /// CHECK constraints (created while `tidb_enable_check_constraint` is on, as in TiDB).
    #[serde(default)]
    pub checks: Vec<CheckInfo>,
    /// How many times `ALTER TABLE ... AUTO_INCREMENT = n` moved the id allocator's base.
    /// A node drops its cached range of ids when it sees the count grow, as TiDB gives a
    /// table new allocators when it loads such a change.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub auto_id_rebases: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A CHECK constraint: INSERT and UPDATE refuse a row for which an enforced one is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    pub name: String,
    /// The condition's SQL text.
    pub expr: String,
    pub enforced: bool,
    /// Write only while ALTER TABLE ... ADD CONSTRAINT checks the rows already there: DML
    /// enforces it, SHOW CREATE TABLE does not list it yet.
    #[serde(default = "public")]
    pub state: SchemaState,
}

fn public() -> SchemaState {
    SchemaState::Public
}

/// What CREATE VIEW recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewInfo {
    /// The SELECT, with every table name qualified by its database (a view reads the
    /// tables it was created over, whatever database its reader is in).
    pub query: String,
    pub algorithm: String,
    pub definer: String,
    pub security: String,
    /// `CASCADED`, `LOCAL` or `NONE` (WITH CHECK OPTION is recorded, not enforced).
    pub check_option: String,
}

impl TableInfo {
    /// The table's default collation (columns added without one take it).
    pub fn collation(&self) -> Collation {
        Collation::by_name(&self.collation).unwrap_or_default()
    }

    pub fn column_by_name(&self, name: &str) -> Option<(usize, &ColumnInfo)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(name))
    }

    pub fn index_by_id(&self, id: i64) -> Option<&IndexInfo> {
        self.indexes.iter().find(|i| i.id == id)
    }

    pub fn index_by_name(&self, name: &str) -> Option<&IndexInfo> {
        self.indexes
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }

    /// Columns a query can see.
    pub fn public_columns(&self) -> impl Iterator<Item = (usize, &ColumnInfo)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.state == SchemaState::Public)
    }

    /// The handle column is an unsigned integer. Its values are stored under handles cast
    /// to i64 (TiDB's rule), so values from 2^63 up sit under negative handles, before the
    /// others in key order: a handle range or scan in value order must take that into
    /// account.
    pub fn unsigned_handle(&self) -> bool {
        self.handle_column
            .and_then(|h| self.columns.get(h))
            .is_some_and(|c| matches!(c.ty, DataType::Int { unsigned: true, .. }))
    }

    pub fn auto_increment_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.auto_increment)
    }

    /// Offsets of the columns `names` (`None` if one is missing).
    pub fn column_offsets(&self, names: &[String]) -> Option<Vec<usize>> {
        names
            .iter()
            .map(|n| self.column_by_name(n).map(|(i, _)| i))
            .collect()
    }

    /// Whether lookups by `columns` can go through a key: the handle column, or a public
    /// index whose leading columns are `columns` in that order. What a foreign key needs
    /// on both of its sides (MySQL's 1822 when the parent lacks one; the child gets one).
    pub fn has_index_on(&self, columns: &[usize]) -> bool {
        self.handle_column.is_some_and(|h| columns == [h]) || self.index_on(columns).is_some()
    }

    /// The public index whose leading columns are `columns` (unique ones first).
    pub fn index_on(&self, columns: &[usize]) -> Option<&IndexInfo> {
        let mut covering: Vec<&IndexInfo> = self
            .indexes
            .iter()
            .filter(|ix| ix.state == SchemaState::Public && ix.columns.starts_with(columns))
            // Its entries must hold the key's values whole: lookups take what they find.
            .filter(|ix| (0..columns.len()).all(|pos| ix.prefix(pos).is_none()))
            .collect();
        covering.sort_by_key(|ix| !(ix.unique && ix.columns.len() == columns.len()));
        covering.first().copied()
    }

    /// The primary key: the handle column or the index marked primary.
    pub fn primary_key_columns(&self) -> Option<Vec<usize>> {
        if let Some(h) = self.handle_column {
            return Some(vec![h]);
        }
        self.indexes
            .iter()
            .find(|i| i.primary)
            .map(|i| i.columns.clone())
    }
}
