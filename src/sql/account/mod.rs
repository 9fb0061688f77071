//! Account management statements, as MySQL 8.0 writes them: CREATE / ALTER / DROP / RENAME
//! USER, SET PASSWORD, GRANT, REVOKE, SHOW GRANTS, SHOW CREATE USER and FLUSH PRIVILEGES.
//! sqlparser's forms of these follow other dialects, so moltdb reads them itself (`parse`);
//! the session runs them (`session::account`).

mod parse;
mod tokens;

pub use parse::parse;

use crate::privilege::{AccountName, Priv};

/// `'user'@'host'` (host `%` when left out) or CURRENT_USER[()].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Named(AccountName),
    Current,
}

/// How an account proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// IDENTIFIED [WITH plugin] BY 'password'
    Password {
        plugin: Option<String>,
        password: String,
    },
    /// IDENTIFIED WITH plugin AS 'stored digest'
    Digest { plugin: String, digest: String },
    /// IDENTIFIED WITH plugin (no password)
    Plugin(String),
}

/// One account of a CREATE / ALTER USER list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub user: UserRef,
    pub auth: Option<Auth>,
}

/// The privileges a GRANT / REVOKE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivList {
    /// ALL \[PRIVILEGES\]: everything the level can hold.
    All,
    /// The named privileges (empty for USAGE).
    Named(Vec<Priv>),
}

/// What a grant is on. A database left out is the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantOn {
    /// `*.*`
    Global,
    /// `db.*` or `*`
    Database(Option<String>),
    /// `db.table` or `table`
    Table(Option<String>, String),
}

/// What CREATE / ALTER USER set besides the password (`None`: left as is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountOptions {
    /// ACCOUNT LOCK (`Some(true)`) / UNLOCK.
    pub lock: Option<bool>,
    /// REQUIRE SSL (`Some(true)`) / NONE.
    pub require_ssl: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountStatement {
    CreateUser {
        if_not_exists: bool,
        users: Vec<UserSpec>,
        options: AccountOptions,
    },
    AlterUser {
        if_exists: bool,
        users: Vec<UserSpec>,
        options: AccountOptions,
    },
    DropUser {
        if_exists: bool,
        users: Vec<UserRef>,
    },
    RenameUser(Vec<(UserRef, UserRef)>),
    SetPassword {
        user: UserRef,
        password: String,
    },
    Grant {
        privs: PrivList,
        on: GrantOn,
        to: Vec<UserRef>,
        grant_option: bool,
    },
    Revoke {
        privs: PrivList,
        on: GrantOn,
        from: Vec<UserRef>,
    },
    /// REVOKE ALL \[PRIVILEGES\], GRANT OPTION FROM ...: everything, at every level.
    RevokeAll {
        from: Vec<UserRef>,
    },
    ShowGrants {
        user: UserRef,
    },
    ShowCreateUser {
        user: UserRef,
    },
    FlushPrivileges,
}
