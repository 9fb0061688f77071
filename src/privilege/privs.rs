//! The privileges MySQL 8.0 names (its static ones), and sets of them.

/// Declares [`Priv`], [`ALL_PRIVS`] and each privilege's names from one table.
macro_rules! privileges {
    ($($variant:ident => $name:literal, $column:literal;)*) => {
        /// One privilege. The order is MySQL's: SHOW GRANTS lists privileges in it, and it
        /// is the order of the `*_priv` columns of `mysql.user`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Priv {
            $($variant,)*
        }

        pub const ALL_PRIVS: &[Priv] = &[$(Priv::$variant,)*];

        impl Priv {
            /// The name GRANT takes and SHOW GRANTS prints.
            pub fn name(self) -> &'static str {
                match self {
                    $(Priv::$variant => $name,)*
                }
            }

            /// Its column in `mysql.user` / `mysql.db` (`Select_priv`, ...).
            pub fn column(self) -> &'static str {
                match self {
                    $(Priv::$variant => $column,)*
                }
            }
        }
    };
}

privileges! {
    Select => "SELECT", "Select_priv";
    Insert => "INSERT", "Insert_priv";
    Update => "UPDATE", "Update_priv";
    Delete => "DELETE", "Delete_priv";
    Create => "CREATE", "Create_priv";
    Drop => "DROP", "Drop_priv";
    Reload => "RELOAD", "Reload_priv";
    Shutdown => "SHUTDOWN", "Shutdown_priv";
    Process => "PROCESS", "Process_priv";
    File => "FILE", "File_priv";
    GrantOption => "GRANT OPTION", "Grant_priv";
    References => "REFERENCES", "References_priv";
    Index => "INDEX", "Index_priv";
    Alter => "ALTER", "Alter_priv";
    ShowDatabases => "SHOW DATABASES", "Show_db_priv";
    Super => "SUPER", "Super_priv";
    CreateTemporaryTables => "CREATE TEMPORARY TABLES", "Create_tmp_table_priv";
    LockTables => "LOCK TABLES", "Lock_tables_priv";
    Execute => "EXECUTE", "Execute_priv";
    ReplicationSlave => "REPLICATION SLAVE", "Repl_slave_priv";
    ReplicationClient => "REPLICATION CLIENT", "Repl_client_priv";
    CreateView => "CREATE VIEW", "Create_view_priv";
    ShowView => "SHOW VIEW", "Show_view_priv";
    CreateRoutine => "CREATE ROUTINE", "Create_routine_priv";
    AlterRoutine => "ALTER ROUTINE", "Alter_routine_priv";
    CreateUser => "CREATE USER", "Create_user_priv";
    Event => "EVENT", "Event_priv";
    Trigger => "TRIGGER", "Trigger_priv";
    CreateTablespace => "CREATE TABLESPACE", "Create_tablespace_priv";
    CreateRole => "CREATE ROLE", "Create_role_priv";
    DropRole => "DROP ROLE", "Drop_role_priv";
}

use Priv::*;

/// Where a privilege is granted: `*.*`, `db.*` or `db.table`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Global,
    Database,
    Table,
}

impl Priv {
    /// The privilege a GRANT / REVOKE list names (upper-case words joined by one space).
    pub fn from_name(name: &str) -> Option<Priv> {
        let name = match name {
            "SHOW SCHEMAS" => "SHOW DATABASES",
            "REPLICATION REPLICA" => "REPLICATION SLAVE",
            other => other,
        };
        ALL_PRIVS.iter().copied().find(|p| p.name() == name)
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

    /// ALL \[PRIVILEGES\] at a level: everything grantable there but GRANT OPTION.
    pub fn all_at(level: Level) -> PrivSet {
        ALL_PRIVS
            .iter()
            .copied()
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
        ALL_PRIVS.iter().copied().filter(move |p| self.contains(*p))
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
        for &p in ALL_PRIVS {
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
