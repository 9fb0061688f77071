//! The privileges MySQL 8.0 names (its static ones), and sets of them.

/// One privilege. The order is MySQL's: SHOW GRANTS lists privileges in it, and it is the
/// order of the `*_priv` columns of `mysql.user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priv {
    Select,
    Insert,
    Update,
    Delete,
    Create,
    Drop,
    Reload,
    Shutdown,
    Process,
    File,
    GrantOption,
    References,
    Index,
    Alter,
    ShowDatabases,
    Super,
    CreateTemporaryTables,
    LockTables,
    Execute,
    ReplicationSlave,
    ReplicationClient,
    CreateView,
    ShowView,
    CreateRoutine,
    AlterRoutine,
    CreateUser,
    Event,
    Trigger,
    CreateTablespace,
    CreateRole,
    DropRole,
}

use Priv::*;

pub const ALL_PRIVS: [Priv; 31] = [
    Select,
    Insert,
    Update,
    Delete,
    Create,
    Drop,
    Reload,
    Shutdown,
    Process,
    File,
    GrantOption,
    References,
    Index,
    Alter,
    ShowDatabases,
    Super,
    CreateTemporaryTables,
    LockTables,
    Execute,
    ReplicationSlave,
    ReplicationClient,
    CreateView,
    ShowView,
    CreateRoutine,
    AlterRoutine,
    CreateUser,
    Event,
    Trigger,
    CreateTablespace,
    CreateRole,
    DropRole,
];

/// Where a privilege is granted: `*.*`, `db.*` or `db.table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Global,
    Database,
    Table,
}

impl Priv {
    /// The name GRANT takes and SHOW GRANTS prints.
    pub fn name(self) -> &'static str {
        match self {
            Select => "SELECT",
            Insert => "INSERT",
            Update => "UPDATE",
            Delete => "DELETE",
            Create => "CREATE",
            Drop => "DROP",
            Reload => "RELOAD",
            Shutdown => "SHUTDOWN",
            Process => "PROCESS",
            File => "FILE",
            GrantOption => "GRANT OPTION",
            References => "REFERENCES",
            Index => "INDEX",
            Alter => "ALTER",
            ShowDatabases => "SHOW DATABASES",
            Super => "SUPER",
            CreateTemporaryTables => "CREATE TEMPORARY TABLES",
            LockTables => "LOCK TABLES",
            Execute => "EXECUTE",
            ReplicationSlave => "REPLICATION SLAVE",
            ReplicationClient => "REPLICATION CLIENT",
            CreateView => "CREATE VIEW",
            ShowView => "SHOW VIEW",
            CreateRoutine => "CREATE ROUTINE",
            AlterRoutine => "ALTER ROUTINE",
            CreateUser => "CREATE USER",
            Event => "EVENT",
            Trigger => "TRIGGER",
            CreateTablespace => "CREATE TABLESPACE",
            CreateRole => "CREATE ROLE",
            DropRole => "DROP ROLE",
        }
    }

    /// Its column in `mysql.user` / `mysql.db` (`Select_priv`, ...).
    pub fn column(self) -> &'static str {
        match self {
            Select => "Select_priv",
            Insert => "Insert_priv",
            Update => "Update_priv",
            Delete => "Delete_priv",
            Create => "Create_priv",
            Drop => "Drop_priv",
            Reload => "Reload_priv",
            Shutdown => "Shutdown_priv",
            Process => "Process_priv",
            File => "File_priv",
            GrantOption => "Grant_priv",
            References => "References_priv",
            Index => "Index_priv",
            Alter => "Alter_priv",
            ShowDatabases => "Show_db_priv",
            Super => "Super_priv",
            CreateTemporaryTables => "Create_tmp_table_priv",
            LockTables => "Lock_tables_priv",
            Execute => "Execute_priv",
            ReplicationSlave => "Repl_slave_priv",
            ReplicationClient => "Repl_client_priv",
            CreateView => "Create_view_priv",
            ShowView => "Show_view_priv",
            CreateRoutine => "Create_routine_priv",
            AlterRoutine => "Alter_routine_priv",
            CreateUser => "Create_user_priv",
            Event => "Event_priv",
            Trigger => "Trigger_priv",
            CreateTablespace => "Create_tablespace_priv",
            CreateRole => "Create_role_priv",
            DropRole => "Drop_role_priv",
        }
    }

    /// The privilege a GRANT / REVOKE list names (upper-case words joined by one space).
    pub fn from_name(name: &str) -> Option<Priv> {
        let name = match name {
            "SHOW SCHEMAS" => "SHOW DATABASES",
            "REPLICATION REPLICA" => "REPLICATION SLAVE",
            other => other,
        };
        ALL_PRIVS.into_iter().find(|p| p.name() == name)
    }

    /// Whether the privilege can be granted at `level` (MySQL's 1221 / 1144 otherwise).
    pub fn grantable_at(self, level: Level) -> bool {
        match level {
            Level::Global => true,
            Level::Database => !matches!(
                self,
                Reload
                    | Shutdown
                    | Process
                    | File
                    | ShowDatabases
                    | Super
                    | ReplicationSlave
                    | ReplicationClient
                    | CreateUser
                    | CreateTablespace
                    | CreateRole
                    | DropRole
            ),
            Level::Table => matches!(
                self,
                Select
                    | Insert
                    | Update
                    | Delete
                    | Create
                    | Drop
                    | GrantOption
                    | References
                    | Index
                    | Alter
                    | CreateView
                    | ShowView
                    | Trigger
            ),
        }
    }

    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

/// A set of privileges, stored as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PrivSet(u64);

impl PrivSet {
    pub const EMPTY: PrivSet = PrivSet(0);

    /// ALL [PRIVILEGES] at a level: everything grantable there but GRANT OPTION.
    pub fn all_at(level: Level) -> PrivSet {
        ALL_PRIVS
            .into_iter()
            .filter(|p| *p != GrantOption && p.grantable_at(level))
            .collect()
    }

    pub fn contains(self, p: Priv) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn with(self, p: Priv) -> PrivSet {
        PrivSet(self.0 | p.bit())
    }

    pub fn union(self, other: PrivSet) -> PrivSet {
        PrivSet(self.0 | other.0)
    }

    pub fn intersect(self, other: PrivSet) -> PrivSet {
        PrivSet(self.0 & other.0)
    }

    pub fn minus(self, other: PrivSet) -> PrivSet {
        PrivSet(self.0 & !other.0)
    }

    pub fn covers(self, other: PrivSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn iter(self) -> impl Iterator<Item = Priv> {
        ALL_PRIVS.into_iter().filter(move |p| self.contains(*p))
    }
}

impl FromIterator<Priv> for PrivSet {
    fn from_iter<I: IntoIterator<Item = Priv>>(iter: I) -> Self {
        iter.into_iter().fold(PrivSet::EMPTY, PrivSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_levels() {
        for p in ALL_PRIVS {
            assert_eq!(Priv::from_name(p.name()), Some(p));
        }
        assert_eq!(Priv::from_name("SHOW SCHEMAS"), Some(ShowDatabases));
        assert!(!Super.grantable_at(Level::Database));
        assert!(!Execute.grantable_at(Level::Table));
        let all = PrivSet::all_at(Level::Table);
        assert!(all.contains(Select) && all.contains(Trigger));
        assert!(!all.contains(GrantOption) && !all.contains(Execute));
        let s: PrivSet = [Select, Insert].into_iter().collect();
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Select, Insert]);
        assert!(s
            .minus(PrivSet::EMPTY.with(Select))
            .covers(PrivSet::EMPTY.with(Insert)));
    }
}
