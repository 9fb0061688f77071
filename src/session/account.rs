//! Account statements: CREATE / ALTER / DROP / RENAME USER, SET PASSWORD, GRANT, REVOKE,
//! SHOW GRANTS, FLUSH PRIVILEGES. Each change is one transaction over the stored records
//! (`privilege::records`) that bumps their version; this node reloads at once, the others
//! when their loader sees the version move. Like MySQL, they commit an open transaction
//! first.

use super::Session;
use crate::error::{Error, Result};
use crate::privilege::records::{self, Stored, CACHING_SHA2_PASSWORD, NATIVE_PASSWORD};
use crate::privilege::{password, Account, AccountName, DbGrant, Level, Priv, PrivSet, TableGrant};
use crate::sql::account::{AccountStatement, Auth, GrantOn, PrivList, UserRef, UserSpec};
use crate::sql::{self, QueryResult};
use crate::types::Value;

/// How often a change is tried again after losing a write conflict to another one.
const RETRIES: usize = 10;

impl Session {
    pub(super) fn account_statement(&mut self, statement: AccountStatement) -> Result<QueryResult> {
        match &statement {
            AccountStatement::ShowGrants { user } => return self.show_grants(user),
            AccountStatement::ShowCreateUser { user } => return self.show_create_user(user),
            _ => {}
        }
        self.commit()?;
        self.authorize_account_statement(&statement)?;
        if statement == AccountStatement::FlushPrivileges {
            self.state.domain.reload_privileges()?;
            return Ok(QueryResult::ok());
        }
        let mut notes = Vec::new();
        for attempt in 0.. {
            notes.clear();
            let mut txn = self.state.domain.store.begin()?;
            let stored = records::load(txn.as_ref())?;
            self.apply(txn.as_mut(), &stored, &statement, &mut notes)?;
            records::bump_version(txn.as_mut())?;
            match txn.commit() {
                Ok(_) => break,
                Err(crate::kv::Error::WriteConflict) if attempt < RETRIES => continue,
                Err(e) => return Err(e.into()),
            }
        }
        for note in notes {
            self.note(note);
        }
        self.state.domain.reload_privileges()?;
        Ok(QueryResult::ok())
    }

    fn resolve(&self, user: &UserRef) -> AccountName {
        match user {
            UserRef::Named(name) => name.clone(),
            UserRef::Current => self.state.account.clone(),
        }
    }

    /// Who may run it: CREATE USER for others' accounts, GRANT OPTION plus the privileges
    /// for GRANT / REVOKE, RELOAD for FLUSH PRIVILEGES; anyone may change their own password.
    fn authorize_account_statement(&self, statement: &AccountStatement) -> Result<()> {
        let privileges = self.state.domain.privileges();
        let me = &self.state.account;
        let global = privileges.global(me);
        let need_global = |p: Priv| {
            if global.contains(p) {
                Ok(())
            } else {
                Err(Error::specific_access_denied(p.name()))
            }
        };
        match statement {
            AccountStatement::CreateUser { .. }
            | AccountStatement::DropUser { .. }
            | AccountStatement::RenameUser(_) => need_global(Priv::CreateUser),
            AccountStatement::AlterUser { users, options, .. } => {
                let only_me = *options == Default::default()
                    && users.iter().all(|u| self.resolve(&u.user) == *me);
                if only_me {
                    Ok(())
                } else {
                    need_global(Priv::CreateUser)
                }
            }
            AccountStatement::SetPassword { user, .. } => {
                if self.resolve(user) == *me {
                    Ok(())
                } else {
                    need_global(Priv::CreateUser)
                }
            }
            AccountStatement::Grant { privs, on, .. }
            | AccountStatement::Revoke { privs, on, .. } => {
                let (level, db, table) = self.grant_level(on)?;
                let held = match (&db, &table) {
                    (Some(db), Some(t)) => privileges.on_table(me, db, t),
                    (Some(db), None) => privileges.on_db(me, db),
                    _ => global,
                };
                let wanted = self.priv_set(privs, level)?;
                if held.contains(Priv::GrantOption) && held.covers(wanted) {
                    return Ok(());
                }
                Err(match (db, table) {
                    (Some(_), Some(t)) => Error::table_access_denied("GRANT", me, &t),
                    (Some(db), None) => Error::db_access_denied(me, &db),
                    _ => Error::specific_access_denied(Priv::GrantOption.name()),
                })
            }
            AccountStatement::RevokeAll { .. } => need_global(Priv::CreateUser),
            AccountStatement::ShowGrants { .. } | AccountStatement::ShowCreateUser { .. } => Ok(()),
            AccountStatement::FlushPrivileges => need_global(Priv::Reload),
        }
    }

    fn show_grants(&self, user: &UserRef) -> Result<QueryResult> {
        let who = self.resolve(user);
        let privileges = self.state.domain.privileges();
        let me = &self.state.account;
        if who != *me && !privileges.on_db(me, "mysql").contains(Priv::Select) {
            return Err(Error::db_access_denied(me, "mysql"));
        }
        let lines = crate::privilege::show_grants(&privileges, &who).ok_or_else(|| {
            Error::new(
                1141,
                "42000",
                format!(
                    "There is no such grant defined for user '{}' on host '{}'",
                    who.user, who.host
                ),
            )
        })?;
        Ok(QueryResult::Rows(sql::ResultSet {
            columns: vec![sql::ResultColumn::text(format!(
                "Grants for {}@{}",
                who.user, who.host
            ))],
            rows: lines.into_iter().map(|l| vec![Value::str(&l)]).collect(),
        }))
    }

    /// SHOW CREATE USER in TiDB's words: how the account logs in, whether it needs TLS and
    /// is locked, the password policies TiDB prints at their defaults (moltdb has none).
    /// Another account's takes SELECT on `mysql.user` (1142).
    fn show_create_user(&self, user: &UserRef) -> Result<QueryResult> {
        let who = self.resolve(user);
        let privileges = self.state.domain.privileges();
        let me = &self.state.account;
        if who != *me
            && !privileges
                .on_table(me, "mysql", "user")
                .contains(Priv::Select)
        {
            return Err(Error::table_access_denied("SELECT", me, "user"));
        }
        let account = privileges
            .account(&who)
            .ok_or_else(|| Error::account_operation_failed("SHOW CREATE USER", &who.to_string()))?;
        let statement = format!(
            "CREATE USER {who} IDENTIFIED WITH '{}' AS '{}' REQUIRE {} PASSWORD EXPIRE DEFAULT ACCOUNT {} PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT",
            account.plugin,
            password::display(&account.plugin, &account.auth),
            if account.require_ssl { "SSL" } else { "NONE" },
            if account.locked { "LOCK" } else { "UNLOCK" },
        );
        Ok(QueryResult::Rows(sql::ResultSet {
            columns: vec![sql::ResultColumn::text(format!(
                "CREATE USER for {}@{}",
                who.user, who.host
            ))],
            rows: vec![vec![Value::str(&statement)]],
        }))
    }

    /// The level, database and table a GRANT / REVOKE is on (the current database where it
    /// names none).
    fn grant_level(&self, on: &GrantOn) -> Result<(Level, Option<String>, Option<String>)> {
        let db = |d: &Option<String>| match d {
            Some(d) => Ok(d.clone()),
            None => self.state.current_db.clone().ok_or_else(Error::no_database),
        };
        Ok(match on {
            GrantOn::Global => (Level::Global, None, None),
            GrantOn::Database(d) => (Level::Database, Some(db(d)?), None),
            GrantOn::Table(d, t) => (Level::Table, Some(db(d)?), Some(t.clone())),
        })
    }

    /// The privileges named, checked against the level (MySQL's 1221 and 1144).
    fn priv_set(&self, privs: &PrivList, level: Level) -> Result<PrivSet> {
        match privs {
            PrivList::All => Ok(PrivSet::all_at(level)),
            PrivList::Named(list) => {
                if list.iter().any(|p| !p.grantable_at(level)) {
                    return Err(match level {
                        Level::Database => Error::new(
                            1221,
                            "HY000",
                            "Incorrect usage of DB GRANT and GLOBAL PRIVILEGES",
                        ),
                        _ => Error::new(
                            1144,
                            "42000",
                            "Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used",
                        ),
                    });
                }
                Ok(list.iter().copied().collect())
            }
        }
    }

    fn apply(
        &self,
        txn: &mut dyn crate::kv::Transaction,
        stored: &Stored,
        statement: &AccountStatement,
        notes: &mut Vec<Error>,
    ) -> Result<()> {
        let find = |name: &AccountName| {
            stored
                .accounts
                .iter()
                .find(|a| a.user == name.user && a.host.eq_ignore_ascii_case(&name.host))
        };
        let failed = |op: &str, names: &[AccountName]| {
            let list: Vec<String> = names.iter().map(ToString::to_string).collect();
            Error::account_operation_failed(op, &list.join(","))
        };
        match statement {
            AccountStatement::CreateUser {
                if_not_exists,
                users,
                options,
            } => {
                let mut exist = Vec::new();
                for spec in users {
                    let name = self.resolve(&spec.user);
                    check_name(&name)?;
                    if find(&name).is_some() {
                        if *if_not_exists {
                            notes.push(Error::new(
                                3163,
                                "HY000",
                                format!("Authorization ID {name} already exists."),
                            ));
                        } else {
                            exist.push(name);
                        }
                        continue;
                    }
                    let (plugin, auth) = credentials(spec, None)?;
                    records::put_account(
                        txn,
                        &Account {
                            user: name.user,
                            host: name.host,
                            plugin,
                            auth,
                            privs: PrivSet::EMPTY,
                            locked: options.lock.unwrap_or(false),
                            require_ssl: options.require_ssl.unwrap_or(false),
                        },
                    );
                }
                if !exist.is_empty() {
                    return Err(failed("CREATE USER", &exist));
                }
            }
            AccountStatement::AlterUser {
                if_exists,
                users,
                options,
            } => {
                let mut missing = Vec::new();
                for spec in users {
                    let name = self.resolve(&spec.user);
                    let Some(old) = find(&name) else {
                        if *if_exists {
                            notes.push(Error::new(
                                3162,
                                "HY000",
                                format!("Authorization ID {name} does not exist."),
                            ));
                        } else {
                            missing.push(name);
                        }
                        continue;
                    };
                    let mut account = old.clone();
                    if spec.auth.is_some() {
                        (account.plugin, account.auth) = credentials(spec, Some(old))?;
                    }
                    if let Some(lock) = options.lock {
                        account.locked = lock;
                    }
                    if let Some(require) = options.require_ssl {
                        account.require_ssl = require;
                    }
                    records::put_account(txn, &account);
                }
                if !missing.is_empty() {
                    return Err(failed("ALTER USER", &missing));
                }
            }
            AccountStatement::DropUser { if_exists, users } => {
                let mut missing = Vec::new();
                for user in users {
                    let name = self.resolve(user);
                    match find(&name) {
                        Some(a) => records::delete_account(txn, stored, &a.user, &a.host),
                        None if *if_exists => notes.push(Error::new(
                            3162,
                            "HY000",
                            format!("Authorization ID {name} does not exist."),
                        )),
                        None => missing.push(name),
                    }
                }
                if !missing.is_empty() {
                    return Err(failed("DROP USER", &missing));
                }
            }
            AccountStatement::RenameUser(pairs) => {
                for (from, to) in pairs {
                    let (from, to) = (self.resolve(from), self.resolve(to));
                    check_name(&to)?;
                    let Some(old) = find(&from) else {
                        return Err(failed("RENAME USER", &[from]));
                    };
                    if find(&to).is_some() {
                        return Err(failed("RENAME USER", &[from]));
                    }
                    records::delete_account(txn, stored, &old.user, &old.host);
                    let moved = |user: &str, host: &str| {
                        user == old.user && host.eq_ignore_ascii_case(&old.host)
                    };
                    records::put_account(
                        txn,
                        &Account {
                            user: to.user.clone(),
                            host: to.host.clone(),
                            ..old.clone()
                        },
                    );
                    for g in stored.dbs.iter().filter(|g| moved(&g.user, &g.host)) {
                        records::put_db_grant(
                            txn,
                            &DbGrant {
                                user: to.user.clone(),
                                host: to.host.clone(),
                                ..g.clone()
                            },
                        );
                    }
                    for g in stored.tables.iter().filter(|g| moved(&g.user, &g.host)) {
                        records::put_table_grant(
                            txn,
                            &TableGrant {
                                user: to.user.clone(),
                                host: to.host.clone(),
                                ..g.clone()
                            },
                        );
                    }
                }
            }
            AccountStatement::SetPassword { user, password } => {
                let name = self.resolve(user);
                let Some(old) = find(&name) else {
                    return Err(Error::new(
                        1133,
                        "28000",
                        "Can't find any matching row in the user table",
                    ));
                };
                let mut account = old.clone();
                account.auth = password::digest(&account.plugin, password);
                records::put_account(txn, &account);
            }
            AccountStatement::Grant {
                privs,
                on,
                to,
                grant_option,
            } => {
                let (level, db, table) = self.grant_level(on)?;
                let mut wanted = self.priv_set(privs, level)?;
                if *grant_option {
                    wanted = wanted.with(Priv::GrantOption);
                }
                if let (Some(db), Some(t)) = (&db, &table) {
                    self.check_table_exists(db, t)?;
                }
                for user in to {
                    let name = self.resolve(user);
                    let Some(account) = find(&name) else {
                        return Err(Error::new(
                            1410,
                            "42000",
                            "You are not allowed to create a user with GRANT",
                        ));
                    };
                    self.change_grant(txn, stored, account, (&db, &table), |held| {
                        held.union(wanted)
                    });
                }
            }
            AccountStatement::Revoke { privs, on, from } => {
                let (level, db, table) = self.grant_level(on)?;
                let mut removed = self.priv_set(privs, level)?;
                if *privs == PrivList::All {
                    removed = removed.with(Priv::GrantOption);
                }
                for user in from {
                    let name = self.resolve(user);
                    let no_grant = || {
                        match (&db, &table) {
                        (Some(_), Some(t)) => Error::new(
                            1147,
                            "42000",
                            format!(
                                "There is no such grant defined for user '{}' on host '{}' on table {t}",
                                name.user, name.host
                            ),
                        ),
                        _ => Error::new(
                            1141,
                            "42000",
                            format!(
                                "There is no such grant defined for user '{}' on host '{}'",
                                name.user, name.host
                            ),
                        ),
                    }
                    };
                    let Some(account) = find(&name) else {
                        return Err(no_grant());
                    };
                    let exists = match (&db, &table) {
                        (Some(db), Some(t)) => stored.tables.iter().any(|g| {
                            name_is(&g.user, &g.host, account)
                                && g.db.eq_ignore_ascii_case(db)
                                && g.table.eq_ignore_ascii_case(t)
                        }),
                        (Some(db), None) => stored.dbs.iter().any(|g| {
                            name_is(&g.user, &g.host, account) && g.db.eq_ignore_ascii_case(db)
                        }),
                        _ => true,
                    };
                    if !exists {
                        return Err(no_grant());
                    }
                    self.change_grant(txn, stored, account, (&db, &table), |held| {
                        held.minus(removed)
                    });
                }
            }
            AccountStatement::RevokeAll { from } => {
                for user in from {
                    let name = self.resolve(user);
                    let Some(account) = find(&name) else {
                        return Err(failed("REVOKE", &[name]));
                    };
                    // Removing the account removes its grants; it then comes back with none.
                    records::delete_account(txn, stored, &account.user, &account.host);
                    records::put_account(
                        txn,
                        &Account {
                            privs: PrivSet::EMPTY,
                            ..account.clone()
                        },
                    );
                }
            }
            AccountStatement::ShowGrants { .. }
            | AccountStatement::ShowCreateUser { .. }
            | AccountStatement::FlushPrivileges => {}
        }
        Ok(())
    }

    /// Rewrites one account's privileges at one level with `change`.
    fn change_grant(
        &self,
        txn: &mut dyn crate::kv::Transaction,
        stored: &Stored,
        account: &Account,
        (db, table): (&Option<String>, &Option<String>),
        change: impl Fn(PrivSet) -> PrivSet,
    ) {
        match (db, table) {
            (Some(db), Some(table)) => {
                let held = stored
                    .tables
                    .iter()
                    .find(|g| {
                        name_is(&g.user, &g.host, account)
                            && g.db.eq_ignore_ascii_case(db)
                            && g.table.eq_ignore_ascii_case(table)
                    })
                    .map_or(PrivSet::EMPTY, |g| g.privs);
                records::put_table_grant(
                    txn,
                    &TableGrant {
                        user: account.user.clone(),
                        host: account.host.clone(),
                        db: db.clone(),
                        table: table.clone(),
                        privs: change(held),
                    },
                );
            }
            (Some(db), None) => {
                let held = stored
                    .dbs
                    .iter()
                    .find(|g| name_is(&g.user, &g.host, account) && g.db.eq_ignore_ascii_case(db))
                    .map_or(PrivSet::EMPTY, |g| g.privs);
                records::put_db_grant(
                    txn,
                    &DbGrant {
                        user: account.user.clone(),
                        host: account.host.clone(),
                        db: db.clone(),
                        privs: change(held),
                    },
                );
            }
            _ => records::put_account(
                txn,
                &Account {
                    privs: change(account.privs),
                    ..account.clone()
                },
            ),
        }
    }

    fn check_table_exists(&self, db: &str, table: &str) -> Result<()> {
        let schema = self.schema();
        if schema.table(db, table).is_some() {
            Ok(())
        } else {
            Err(Error::new(
                1146,
                "42S02",
                format!("Table '{db}.{table}' doesn't exist"),
            ))
        }
    }
}

fn name_is(user: &str, host: &str, account: &Account) -> bool {
    user == account.user && host.eq_ignore_ascii_case(&account.host)
}

/// MySQL's limits on account names: 32 characters of user, 255 of host.
fn check_name(name: &AccountName) -> Result<()> {
    if name.user.chars().count() > 32 {
        return Err(Error::new(
            1470,
            "HY000",
            format!(
                "String '{}' is too long for user name (should be no longer than 32)",
                name.user
            ),
        ));
    }
    if name.host.chars().count() > 255 {
        return Err(Error::new(
            1470,
            "HY000",
            format!(
                "String '{}' is too long for host name (should be no longer than 255)",
                name.host
            ),
        ));
    }
    Ok(())
}

/// The plugin and stored digest an IDENTIFIED clause gives (the account's own plugin, or
/// mysql_native_password, where it names none).
fn credentials(spec: &UserSpec, old: Option<&Account>) -> Result<(String, Vec<u8>)> {
    let default_plugin = old.map_or(NATIVE_PASSWORD, |a| a.plugin.as_str());
    let checked = |plugin: &str| -> Result<String> {
        match plugin {
            NATIVE_PASSWORD | CACHING_SHA2_PASSWORD => Ok(plugin.to_string()),
            other => Err(Error::new(
                1524,
                "HY000",
                format!("Plugin '{other}' is not loaded"),
            )),
        }
    };
    match &spec.auth {
        None => Ok((default_plugin.to_string(), Vec::new())),
        Some(Auth::Password { plugin, password }) => {
            let plugin = checked(plugin.as_deref().unwrap_or(default_plugin))?;
            let digest = password::digest(&plugin, password);
            Ok((plugin, digest))
        }
        Some(Auth::Plugin(plugin)) => Ok((checked(plugin)?, Vec::new())),
        Some(Auth::Digest { plugin, digest }) => {
            let plugin = checked(plugin)?;
            let stored = password::parse_display(&plugin, digest).ok_or_else(|| {
                Error::new(
                    1827,
                    "HY000",
                    "The password hash doesn't have the expected format.",
                )
            })?;
            Ok((plugin, stored))
        }
    }
}
