//! A DDL job as it is persisted in the queue and the history: TiDB's job model.

use serde::{Deserialize, Serialize};

use crate::catalog::{
    CheckInfo, ColumnInfo, DefaultValue, ForeignKeyInfo, IndexInfo, SchemaState, TableInfo,
};
use crate::error::{Error, SavedError};

/// TiDB's `JobState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    None,
    Running,
    RollingBack,
    RollbackDone,
    Done,
    Cancelled,
    Synced,
    Cancelling,
    Queueing,
    Paused,
    Pausing,
}

impl JobState {
    /// TiDB's spelling, as ADMIN SHOW DDL JOBS prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::None => "none",
            JobState::Running => "running",
            JobState::RollingBack => "rollingback",
            JobState::RollbackDone => "rollback done",
            JobState::Done => "done",
            JobState::Cancelled => "cancelled",
            JobState::Synced => "synced",
            JobState::Cancelling => "cancelling",
            JobState::Queueing => "queueing",
            JobState::Paused => "paused",
            JobState::Pausing => "pausing",
        }
    }

    /// Finished on the owner: what is left is moving the job to the history.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::RollbackDone | JobState::Cancelled
        )
    }
}

/// The kinds of DDL moltdb runs as jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    CreateSchema,
    DropSchema,
    CreateTable,
    DropTable,
    TruncateTable,
    RenameTable,
    AddIndex,
    DropIndex,
    AddPrimaryKey,
    DropPrimaryKey,
    AddColumn,
    DropColumn,
    ModifyColumn,
    ModifyTableComment,
    ModifyTableCharsetAndCollate,
    AddForeignKey,
    DropForeignKey,
    RenameIndex,
    AlterIndexVisibility,
    MultiSchemaChange,
    CreateView,
    DropView,
    AddCheckConstraint,
    DropCheckConstraint,
    AlterCheckConstraint,
    RebaseAutoId,
    SetDefaultValue,
}

impl Action {
    /// TiDB's `ActionType.String()`: the JOB_TYPE column.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateSchema => "create schema",
            Action::DropSchema => "drop schema",
            Action::CreateTable => "create table",
            Action::DropTable => "drop table",
            Action::TruncateTable => "truncate table",
            Action::RenameTable => "rename table",
            Action::AddIndex => "add index",
            Action::DropIndex => "drop index",
            Action::AddPrimaryKey => "add primary key",
            Action::DropPrimaryKey => "drop primary key",
            Action::AddColumn => "add column",
            Action::DropColumn => "drop column",
            Action::ModifyColumn => "modify column",
            Action::ModifyTableComment => "modify table comment",
            Action::ModifyTableCharsetAndCollate => "modify table charset and collate",
            Action::AddForeignKey => "add foreign key",
            Action::DropForeignKey => "drop foreign key",
            Action::RenameIndex => "rename index",
            Action::AlterIndexVisibility => "alter index visibility",
            Action::MultiSchemaChange => "alter table multi-schema change",
            Action::CreateView => "create view",
            Action::DropView => "drop view",
            Action::AddCheckConstraint => "add check constraint",
            Action::DropCheckConstraint => "drop check constraint",
            Action::AlterCheckConstraint => "alter check constraint",
            Action::RebaseAutoId => "rebase auto_increment ID",
            Action::SetDefaultValue => "set default value",
        }
    }

    /// Jobs that reorganize data (see `kinds::JobKind::is_reorg`).
    pub fn is_reorg(self) -> bool {
        super::kinds::of(self).is_reorg()
    }
}

/// What each kind of job needs to know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum JobArgs {
    CreateSchema {
        name: String,
        /// The database's default collation (its character set follows from it).
        #[serde(default)]
        collation: crate::types::collation::Collation,
    },
    DropSchema,
    CreateTable {
        table: Box<TableInfo>,
        /// The table option `AUTO_INCREMENT = n`: the first id handed out.
        #[serde(default)]
        auto_increment: Option<i64>,
    },
    /// CREATE [OR REPLACE] VIEW: the view as a table whose `view` holds its query.
    CreateView {
        view: Box<TableInfo>,
        or_replace: bool,
    },
    DropTable,
    TruncateTable,
    RenameTable {
        new_name: String,
    },
    /// The index's columns are named, and resolved to offsets when the job starts: an
    /// earlier job on the table may still change its columns.
    AddIndex {
        index: IndexInfo,
        columns: Vec<String>,
        /// ADD PRIMARY KEY: the ids of the columns it made NOT NULL (made nullable again if
        /// the job rolls back).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        made_not_null: Vec<u64>,
    },
    DropIndex {
        name: String,
    },
    AddColumn {
        column: Box<ColumnInfo>,
        position: ColumnPosition,
    },
    DropColumn {
        name: String,
    },
    /// MODIFY / CHANGE COLUMN: the column `old_name` becomes `column`, moved to `position`
    /// if one is given. A change the stored values already satisfy keeps the column (and
    /// its id); any other rewrites the rows into a new column (`reorg`).
    ModifyColumn {
        old_name: String,
        column: Box<ColumnInfo>,
        position: Option<ColumnPosition>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reorg: Option<ModifyReorg>,
    },
    ModifyTableComment {
        comment: String,
    },
    /// The table's default collation, which columns added later take; with
    /// `convert_columns` (CONVERT TO), every character column's as well.
    ModifyTableCharsetAndCollate {
        charset: String,
        collation: String,
        #[serde(default)]
        convert_columns: bool,
    },
    /// ADD FOREIGN KEY: `checks` is the session's `foreign_key_checks` (off, neither the
    /// parent nor the rows are checked, as in MySQL).
    AddForeignKey {
        fk: Box<ForeignKeyInfo>,
        #[serde(default = "checks_on")]
        checks: bool,
    },
    DropForeignKey {
        name: String,
    },
    RenameIndex {
        from: String,
        to: String,
    },
    AlterIndexVisibility {
        name: String,
        invisible: bool,
    },
    AddCheckConstraint {
        check: CheckInfo,
    },
    DropCheckConstraint {
        name: String,
    },
    /// ALTER CHECK name \[NOT\] ENFORCED.
    AlterCheckConstraint {
        name: String,
        enforced: bool,
    },
    /// `ALTER TABLE t [FORCE] AUTO_INCREMENT = n`: the next id handed out is `base`; without
    /// FORCE the allocator only moves forward.
    RebaseAutoId {
        base: i64,
        force: bool,
    },
    /// `ALTER COLUMN c SET DEFAULT v` (`Some`) or `DROP DEFAULT` (`None`).
    SetDefaultValue {
        column: String,
        default: Option<DefaultValue>,
    },
    /// One ALTER TABLE with several changes: one job, all or nothing.
    MultiSchemaChange(MultiSchemaInfo),
}

/// The hidden objects a MODIFY COLUMN that rewrites data works with (TiDB's changing
/// column and changing indexes), set when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyReorg {
    /// The column as it was.
    pub old_column: u64,
    /// The hidden column of the new type that takes the old one's place.
    pub changing_column: u64,
    /// Each index over the column, with the hidden index that replaces it.
    pub indexes: Vec<(i64, i64)>,
    /// Whether the new column and indexes have taken the old ones' places (from then on
    /// the job can only go forward: it removes the old ones).
    pub swapped: bool,
}

fn checks_on() -> bool {
    true
}

/// The sub-jobs of a multi-schema change (TiDB's `MultiSchemaInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiSchemaInfo {
    pub subs: Vec<SubJob>,
    /// Every change can still be rolled back: some sub-job has not reached the last state
    /// from which it can go back.
    pub revertible: bool,
}

/// One change of a multi-schema change: a job of its own kind, walked by the parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubJob {
    pub action: Action,
    pub args: JobArgs,
    pub state: JobState,
    pub schema_state: SchemaState,
    pub row_count: u64,
    /// Reached its last revertible state: it waits there until every sub-job has.
    pub held: bool,
    /// The reorg record of an index build held before it turns public: the next sub-job's
    /// build reuses the job's record meanwhile.
    pub reorg: Option<super::queue::Reorg>,
    /// What its reorg work warned about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<JobWarning>,
}

impl SubJob {
    pub fn new(action: Action, args: JobArgs) -> SubJob {
        SubJob {
            action,
            args,
            state: JobState::Queueing,
            schema_state: SchemaState::None,
            row_count: 0,
            held: false,
            reorg: None,
            warnings: Vec::new(),
        }
    }
}

/// Where ADD COLUMN puts the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnPosition {
    Last,
    First,
    After(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    pub action: Action,
    pub db_id: i64,
    pub db_name: String,
    pub table_id: i64,
    pub table_name: String,
    pub state: JobState,
    pub schema_state: SchemaState,
    pub row_count: u64,
    /// Microseconds since the Unix epoch.
    pub create_time: i64,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub query: String,
    pub args: JobArgs,
    pub error: Option<SavedError>,
    /// Errors retried so far (tidb_ddl_error_count_limit bounds them).
    pub error_count: u64,
    /// The schema version the job's last step produced: every node must load it before the
    /// next step.
    pub schema_version: u64,
    /// Backfill type for reorg jobs: `txn`, `ingest` or `txn-merge`.
    pub reorg_type: Option<String>,
    /// An ingest that runs as a task of the distributed execution framework
    /// (`tidb_enable_dist_task` when the job was submitted).
    #[serde(default)]
    pub dist_reorg: bool,
    /// ADMIN ALTER DDL JOBS: this job's own backfill knobs (else the global variables).
    #[serde(default)]
    pub reorg_params: ReorgParams,
    /// Whether the submitting session's sql_mode was strict (TiDB keeps the SQL mode in
    /// `ReorgMeta`): a MODIFY COLUMN that rewrites rows then fails on a value that does
    /// not fit the new type; otherwise it stores the nearest value and warns.
    #[serde(default = "strict_by_default")]
    pub strict_sql_mode: bool,
    /// What the reorg work warned about, one entry per code: the statement that ran the job
    /// shows them (TiDB's `ReorgMeta.Warnings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<JobWarning>,
}

fn strict_by_default() -> bool {
    true
}

/// The first warning of one code a job raised, and how many of that code it raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobWarning {
    pub first: SavedError,
    pub count: u64,
}

impl JobWarning {
    /// Adds `count` warnings like `w` to `list`.
    pub fn add(list: &mut Vec<JobWarning>, w: &SavedError, count: u64) {
        match list.iter_mut().find(|x| x.first.code == w.code) {
            Some(x) => x.count = x.count.saturating_add(count),
            None => list.push(JobWarning {
                first: w.clone(),
                count,
            }),
        }
    }

    /// The warning the statement shows: the first one, or TiDB's summary of many.
    pub fn to_error(&self) -> Error {
        let mut first = self.first.clone();
        if self.count > 1 {
            first.message = format!(
                "{} warnings with this error code, first warning: {}",
                self.count, first.message
            );
        }
        first.to_error()
    }
}

/// A reorg job's own knobs, set by ADMIN ALTER DDL JOBS (TiDB's `ReorgMeta` concurrency,
/// batch size and max write speed): they override `tidb_ddl_reorg_worker_cnt`,
/// `tidb_ddl_reorg_batch_size` and `tidb_ddl_reorg_max_write_speed` for this job, also
/// while it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorgParams {
    pub thread: Option<u32>,
    pub batch_size: Option<u32>,
    /// Bytes per second an ingest writes at most (0: unlimited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_write_speed: Option<u64>,
}

impl Job {
    pub fn new(action: Action, db_id: i64, db_name: &str, query: &str, args: JobArgs) -> Job {
        Job {
            id: 0,
            action,
            db_id,
            db_name: db_name.to_string(),
            table_id: 0,
            table_name: String::new(),
            state: JobState::Queueing,
            schema_state: SchemaState::None,
            row_count: 0,
            create_time: now_micros(),
            start_time: None,
            end_time: None,
            query: query.to_string(),
            args,
            error: None,
            error_count: 0,
            schema_version: 0,
            reorg_type: None,
            dist_reorg: false,
            reorg_params: ReorgParams::default(),
            strict_sql_mode: true,
            warnings: Vec::new(),
        }
    }

    pub fn on_table(mut self, table_id: i64, table_name: &str) -> Job {
        self.table_id = table_id;
        self.table_name = table_name.to_string();
        self
    }

    /// Can ADMIN CANCEL still roll it back? (TiDB's rollbackable rules, per kind.)
    pub fn is_rollbackable(&self) -> bool {
        super::kinds::of(self.action).is_rollbackable(self)
    }
}

pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
