//! Accounts and privileges, as MySQL 8.0 has them: accounts (`user`@`host`) with a password
//! and global privileges, grants on databases and on tables, and the checks a statement
//! passes before it runs.
//!
//! The records are persisted beside the schema (`records`) and every node keeps them
//! loaded as one immutable [`Privileges`] snapshot (the domain reloads it when the stored
//! version moves, as it does global variables). A login picks the account as MySQL does
//! (the most specific host pattern first, then a named user before the anonymous one); the
//! session then holds that account's name, and every check asks the snapshot what the
//! account may do on `*.*`, on the database and on the table (`session::authorize` says
//! which privileges a statement needs).

pub mod password;
pub mod pattern;
pub mod privs;
pub mod records;
mod show_grants;

use std::fmt;

pub use privs::{Level, Priv, PrivSet, ALL_PRIVS};
pub use records::{Account, DbGrant, TableGrant};
pub use show_grants::show_grants;

/// An account's name: the user and the host pattern it was created with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountName {
    pub user: String,
    pub host: String,
}

impl AccountName {
    pub fn new(user: impl Into<String>, host: impl Into<String>) -> AccountName {
        AccountName {
            user: user.into(),
            host: host.into(),
        }
    }

    fn is(&self, user: &str, host: &str) -> bool {
        self.user == user && self.host.eq_ignore_ascii_case(host)
    }
}

/// `'user'@'host'`, as TiDB's messages and SHOW GRANTS quote an account.
impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'@'{}'", self.user, self.host)
    }
}

/// Every account and grant at one stored version.
#[derive(Debug, Default)]
pub struct Privileges {
    pub version: u64,
    /// In login order (see [`pattern::host_rank`]).
    accounts: Vec<Account>,
    dbs: Vec<DbGrant>,
    tables: Vec<TableGrant>,
}

impl Privileges {
    pub fn new(stored: records::Stored) -> Privileges {
        let mut accounts = stored.accounts;
        accounts.sort_by(|a, b| {
            (
                pattern::host_rank(&a.host),
                a.user.is_empty(),
                &a.host,
                &a.user,
            )
                .cmp(&(
                    pattern::host_rank(&b.host),
                    b.user.is_empty(),
                    &b.host,
                    &b.user,
                ))
        });
        Privileges {
            version: stored.version,
            accounts,
            dbs: stored.dbs,
            tables: stored.tables,
        }
    }

    /// The account a client logging in as `user` from `address` is checked against: the
    /// first, in login order, whose host pattern matches and whose user is `user` or
    /// anonymous.
    pub fn login_account(&self, user: &str, address: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| {
            (a.user == user || a.user.is_empty()) && pattern::host_matches(&a.host, address)
        })
    }

    pub fn account(&self, name: &AccountName) -> Option<&Account> {
        self.accounts.iter().find(|a| name.is(&a.user, &a.host))
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub fn db_grants(&self) -> &[DbGrant] {
        &self.dbs
    }

    pub fn table_grants(&self) -> &[TableGrant] {
        &self.tables
    }

    /// Privileges on `*.*`.
    pub fn global(&self, who: &AccountName) -> PrivSet {
        self.account(who).map(|a| a.privs).unwrap_or_default()
    }

    /// Whether the account holds every privilege on `*.*` (root): no check can fail.
    pub fn is_superuser(&self, who: &AccountName) -> bool {
        self.global(who)
            .covers(PrivSet::all_at(Level::Global).with(Priv::GrantOption))
    }

    /// Privileges granted on the database itself (not counting `*.*`).
    pub fn db_level(&self, who: &AccountName, db: &str) -> PrivSet {
        self.dbs
            .iter()
            .filter(|g| who.is(&g.user, &g.host) && pattern::matches(&g.db, db))
            .fold(PrivSet::EMPTY, |s, g| s.union(g.privs))
    }

    /// Privileges granted on the table itself.
    pub fn table_level(&self, who: &AccountName, db: &str, table: &str) -> PrivSet {
        self.tables
            .iter()
            .filter(|g| {
                who.is(&g.user, &g.host)
                    && g.db.eq_ignore_ascii_case(db)
                    && g.table.eq_ignore_ascii_case(table)
            })
            .fold(PrivSet::EMPTY, |s, g| s.union(g.privs))
    }

    /// What the account may do on a database (`*.*` and `db.*`).
    pub fn on_db(&self, who: &AccountName, db: &str) -> PrivSet {
        self.global(who).union(self.db_level(who, db))
    }

    /// What the account may do on a table (`*.*`, `db.*` and `db.table`).
    pub fn on_table(&self, who: &AccountName, db: &str, table: &str) -> PrivSet {
        self.on_db(who, db).union(self.table_level(who, db, table))
    }

    /// Whether the account has a privilege that applies in the database (on `*.*`, on it
    /// or on a table of it), or SHOW DATABASES: what USE, SHOW DATABASES and
    /// information_schema ask.
    pub fn can_see_db(&self, who: &AccountName, db: &str) -> bool {
        let data = PrivSet::all_at(Level::Database);
        let global = self.global(who);
        global.contains(Priv::ShowDatabases)
            || !global.intersect(data).is_empty()
            || !self.db_level(who, db).is_empty()
            || self.tables.iter().any(|g| {
                who.is(&g.user, &g.host) && g.db.eq_ignore_ascii_case(db) && !g.privs.is_empty()
            })
    }

    /// Whether the account has any privilege on the table.
    pub fn can_see_table(&self, who: &AccountName, db: &str, table: &str) -> bool {
        let data = PrivSet::all_at(Level::Database);
        !self.global(who).intersect(data).is_empty()
            || !self.db_level(who, db).is_empty()
            || !self.table_level(who, db, table).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(user: &str, host: &str, privs: PrivSet) -> Account {
        Account {
            user: user.into(),
            host: host.into(),
            plugin: records::NATIVE_PASSWORD.into(),
            auth: Vec::new(),
            privs,
            locked: false,
            require_ssl: false,
        }
    }

    fn set(p: &[Priv]) -> PrivSet {
        p.iter().copied().collect()
    }

    #[test]
    fn login_picks_the_most_specific_host_then_the_named_user() {
        let p = Privileges::new(records::Stored {
            version: 1,
            accounts: vec![
                account("app", "%", PrivSet::EMPTY),
                account("", "localhost", PrivSet::EMPTY),
                account("app", "localhost", PrivSet::EMPTY),
                account("app", "10.0.%", PrivSet::EMPTY),
            ],
            dbs: vec![],
            tables: vec![],
        });
        let host = |u: &str, a: &str| p.login_account(u, a).map(|a| a.host.clone());
        assert_eq!(host("app", "127.0.0.1").as_deref(), Some("localhost"));
        assert_eq!(host("app", "10.0.3.4").as_deref(), Some("10.0.%"));
        assert_eq!(host("app", "192.168.1.1").as_deref(), Some("%"));
        // The anonymous localhost account wins over a user's `%` account, as in MySQL.
        assert_eq!(
            p.login_account("bob", "127.0.0.1").map(|a| a.user.as_str()),
            Some("")
        );
        assert!(p.login_account("bob", "192.168.1.1").is_none());
    }

    #[test]
    fn privileges_add_up_over_levels() {
        let who = AccountName::new("u", "%");
        let p = Privileges::new(records::Stored {
            version: 1,
            accounts: vec![account("u", "%", set(&[Priv::Process]))],
            dbs: vec![DbGrant {
                user: "u".into(),
                host: "%".into(),
                db: "app\\_%".into(),
                privs: set(&[Priv::Select]),
            }],
            tables: vec![TableGrant {
                user: "u".into(),
                host: "%".into(),
                db: "Other".into(),
                table: "T".into(),
                privs: set(&[Priv::Insert]),
            }],
        });
        assert!(p.on_table(&who, "app_1", "x").contains(Priv::Select));
        assert!(!p.on_table(&who, "appx1", "x").contains(Priv::Select));
        assert!(p.on_table(&who, "other", "t").contains(Priv::Insert));
        assert!(!p.on_table(&who, "other", "u").contains(Priv::Insert));
        assert!(p.can_see_db(&who, "other") && p.can_see_db(&who, "app_2"));
        assert!(!p.can_see_db(&who, "secret"));
        assert!(p.can_see_table(&who, "other", "t") && !p.can_see_table(&who, "other", "u"));
        assert!(!p.is_superuser(&who));
    }
}
