//! Reads an account statement; `None` when the text is not one (sqlparser takes it then).

use super::tokens::{tokenize, Token};
use super::{AccountOptions, AccountStatement, Auth, GrantOn, PrivList, UserRef, UserSpec};
use crate::error::{Error, Result};
use crate::privilege::{AccountName, Priv};

/// The statement, if `sql` starts like an account statement.
pub fn parse(sql: &str) -> Option<Result<AccountStatement>> {
    // Every statement passes here: its first two words decide, compared without copying.
    let mut words = sql.split_whitespace();
    let first = words.next()?;
    let second = words.next().unwrap_or("");
    let is = |word: &str, keyword: &str| word.eq_ignore_ascii_case(keyword);
    let known = match first {
        w if is(w, "CREATE") || is(w, "DROP") => is(second, "USER") || is(second, "ROLE"),
        w if is(w, "ALTER") || is(w, "RENAME") => is(second, "USER"),
        w if is(w, "SET") => {
            is(second, "PASSWORD")
                || second
                    .as_bytes()
                    .get(..9)
                    .is_some_and(|head| head.eq_ignore_ascii_case(b"PASSWORD="))
                || is(second, "ROLE")
                || is(second, "DEFAULT")
        }
        w if is(w, "GRANT") || is(w, "REVOKE") => true,
        w if is(w, "SHOW") => {
            is(second, "GRANTS")
                || (is(second, "CREATE") && words.next().is_some_and(|w| is(w, "USER")))
        }
        w if is(w, "FLUSH") => is(second, "PRIVILEGES"),
        _ => false,
    };
    if !known {
        return None;
    }
    Some(tokenize(sql).and_then(|tokens| {
        let mut p = Parser { tokens, at: 0 };
        let statement = p.statement()?;
        p.end()?;
        Ok(statement)
    }))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_is(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is(kw))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// An error quoting the text from the current token on, as MySQL's 1064 does.
    fn error(&self) -> Error {
        let rest: Vec<String> = self.tokens[self.at.min(self.tokens.len())..]
            .iter()
            .map(|t| match t {
                Token::Word(w) => w.clone(),
                Token::Text(s) => format!("'{s}'"),
                Token::Name(n) => format!("`{n}`"),
                Token::Symbol(c) => c.to_string(),
            })
            .collect();
        if rest.is_empty() {
            Error::syntax("")
        } else {
            Error::syntax(&rest.join(" "))
        }
    }

    fn accept(&mut self, kw: &str) -> bool {
        if self.peek_is(kw) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn accept_all(&mut self, kws: &[&str]) -> bool {
        let ok = kws
            .iter()
            .enumerate()
            .all(|(i, kw)| self.tokens.get(self.at + i).is_some_and(|t| t.is(kw)));
        if ok {
            self.at += kws.len();
        }
        ok
    }

    fn expect(&mut self, kw: &str) -> Result<()> {
        if self.accept(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn symbol(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Symbol(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn end(&mut self) -> Result<()> {
        while self.symbol(';') {}
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error()),
        }
    }

    fn text(&mut self) -> Result<String> {
        match self.next() {
            Some(Token::Text(s)) => Ok(s),
            _ => {
                self.at -= 1;
                Err(self.error())
            }
        }
    }

    /// A name: a word, a `quoted name` or a 'string' (user and host names may be either).
    fn name(&mut self) -> Result<String> {
        match self.next() {
            Some(Token::Word(w) | Token::Text(w) | Token::Name(w)) => Ok(w),
            _ => {
                self.at -= 1;
                Err(self.error())
            }
        }
    }

    fn statement(&mut self) -> Result<AccountStatement> {
        if self.accept_all(&["CREATE", "USER"]) {
            let if_not_exists = self.accept_all(&["IF", "NOT", "EXISTS"]);
            let users = self.user_specs()?;
            let options = self.account_options()?;
            return Ok(AccountStatement::CreateUser {
                if_not_exists,
                users,
                options,
            });
        }
        if self.accept_all(&["ALTER", "USER"]) {
            let if_exists = self.accept_all(&["IF", "EXISTS"]);
            let users = self.user_specs()?;
            let options = self.account_options()?;
            return Ok(AccountStatement::AlterUser {
                if_exists,
                users,
                options,
            });
        }
        if self.accept_all(&["DROP", "USER"]) {
            let if_exists = self.accept_all(&["IF", "EXISTS"]);
            return Ok(AccountStatement::DropUser {
                if_exists,
                users: self.user_list()?,
            });
        }
        if self.accept_all(&["RENAME", "USER"]) {
            let mut pairs = Vec::new();
            loop {
                let from = self.user()?;
                self.expect("TO")?;
                pairs.push((from, self.user()?));
                if !self.symbol(',') {
                    return Ok(AccountStatement::RenameUser(pairs));
                }
            }
        }
        if self.accept_all(&["SET", "PASSWORD"]) {
            let user = if self.accept("FOR") {
                self.user()?
            } else {
                UserRef::Current
            };
            if !self.symbol('=') {
                return Err(self.error());
            }
            // The old `= PASSWORD('...')` form.
            let password = if self.accept("PASSWORD") {
                if !self.symbol('(') {
                    return Err(self.error());
                }
                let p = self.text()?;
                if !self.symbol(')') {
                    return Err(self.error());
                }
                p
            } else {
                self.text()?
            };
            return Ok(AccountStatement::SetPassword { user, password });
        }
        if self.accept("GRANT") {
            let privs = self.priv_list()?;
            self.expect("ON")?;
            let on = self.grant_on()?;
            self.expect("TO")?;
            let to = self.user_list()?;
            let grant_option = self.accept_all(&["WITH", "GRANT", "OPTION"]);
            return Ok(AccountStatement::Grant {
                privs,
                on,
                to,
                grant_option,
            });
        }
        if self.accept("REVOKE") {
            let at = self.at;
            if self.accept("ALL") {
                self.accept("PRIVILEGES");
                if self.symbol(',') && self.accept_all(&["GRANT", "OPTION"]) {
                    self.expect("FROM")?;
                    return Ok(AccountStatement::RevokeAll {
                        from: self.user_list()?,
                    });
                }
                self.at = at;
            }
            let privs = self.priv_list()?;
            self.expect("ON")?;
            let on = self.grant_on()?;
            self.expect("FROM")?;
            return Ok(AccountStatement::Revoke {
                privs,
                on,
                from: self.user_list()?,
            });
        }
        if self.accept_all(&["SHOW", "GRANTS"]) {
            let user = if self.accept("FOR") {
                self.user()?
            } else {
                UserRef::Current
            };
            if self.peek_is("USING") {
                return Err(Error::unsupported("SHOW GRANTS ... USING (roles)"));
            }
            return Ok(AccountStatement::ShowGrants { user });
        }
        if self.accept_all(&["SHOW", "CREATE", "USER"]) {
            return Ok(AccountStatement::ShowCreateUser { user: self.user()? });
        }
        if self.accept_all(&["FLUSH", "PRIVILEGES"]) {
            return Ok(AccountStatement::FlushPrivileges);
        }
        if self.peek_is("SET") || self.tokens.get(1).is_some_and(|t| t.is("ROLE")) {
            return Err(Error::unsupported("roles"));
        }
        Err(self.error())
    }

    /// `user [@ host]` or CURRENT_USER[()].
    fn user(&mut self) -> Result<UserRef> {
        if self.accept("CURRENT_USER") {
            if self.symbol('(') && !self.symbol(')') {
                return Err(self.error());
            }
            return Ok(UserRef::Current);
        }
        let user = self.name()?;
        let host = if self.symbol('@') {
            self.name()?
        } else {
            "%".to_string()
        };
        Ok(UserRef::Named(AccountName::new(user, host)))
    }

    fn user_list(&mut self) -> Result<Vec<UserRef>> {
        let mut users = vec![self.user()?];
        while self.symbol(',') {
            users.push(self.user()?);
        }
        Ok(users)
    }

    fn user_specs(&mut self) -> Result<Vec<UserSpec>> {
        let mut specs = Vec::new();
        loop {
            // ALTER USER USER() IDENTIFIED BY ...: the current account.
            let user = if self.peek_is("USER")
                && self.tokens.get(self.at + 1) == Some(&Token::Symbol('('))
            {
                self.at += 1;
                self.symbol('(');
                if !self.symbol(')') {
                    return Err(self.error());
                }
                UserRef::Current
            } else {
                self.user()?
            };
            let auth = if self.accept("IDENTIFIED") {
                Some(self.auth()?)
            } else {
                None
            };
            specs.push(UserSpec { user, auth });
            if !self.symbol(',') {
                return Ok(specs);
            }
        }
    }

    /// After IDENTIFIED: `BY 'pw'`, `WITH plugin [BY 'pw' | AS 'digest']`.
    fn auth(&mut self) -> Result<Auth> {
        if self.accept("BY") {
            if self.accept("PASSWORD") {
                // IDENTIFIED BY PASSWORD 'digest' (MySQL 5.7's form).
                return Ok(Auth::Digest {
                    plugin: crate::privilege::records::NATIVE_PASSWORD.into(),
                    digest: self.text()?,
                });
            }
            return Ok(Auth::Password {
                plugin: None,
                password: self.text()?,
            });
        }
        self.expect("WITH")?;
        let plugin = self.name()?.to_ascii_lowercase();
        if self.accept("BY") {
            return Ok(Auth::Password {
                plugin: Some(plugin),
                password: self.text()?,
            });
        }
        if self.accept("AS") {
            return Ok(Auth::Digest {
                plugin,
                digest: self.text()?,
            });
        }
        Ok(Auth::Plugin(plugin))
    }

    /// Options after the account list: ACCOUNT LOCK / UNLOCK, REQUIRE SSL / NONE, and the
    /// password policies at what moltdb does anyway (PASSWORD EXPIRE DEFAULT / NEVER,
    /// PASSWORD HISTORY DEFAULT, PASSWORD REUSE INTERVAL DEFAULT: no policy; SHOW CREATE
    /// USER writes them, so its statement restores). Others are not built (certificate
    /// requirements, an expiry, a history, resource limits): refused, not ignored.
    fn account_options(&mut self) -> Result<AccountOptions> {
        let mut options = AccountOptions::default();
        while self.peek().is_some() {
            if self.accept_all(&["ACCOUNT", "LOCK"]) {
                options.lock = Some(true);
            } else if self.accept_all(&["ACCOUNT", "UNLOCK"]) {
                options.lock = Some(false);
            } else if self.accept_all(&["REQUIRE", "NONE"]) {
                options.require_ssl = Some(false);
            } else if self.accept_all(&["REQUIRE", "SSL"]) {
                options.require_ssl = Some(true);
            } else if self.accept_all(&["PASSWORD", "EXPIRE", "DEFAULT"])
                || self.accept_all(&["PASSWORD", "EXPIRE", "NEVER"])
                || self.accept_all(&["PASSWORD", "HISTORY", "DEFAULT"])
                || self.accept_all(&["PASSWORD", "REUSE", "INTERVAL", "DEFAULT"])
            {
                // No policy: what the account has already.
            } else if self.peek_is("REQUIRE") {
                return Err(Error::unsupported(
                    "REQUIRE X509 / ISSUER / SUBJECT / CIPHER",
                ));
            } else if self.peek_is("PASSWORD") || self.peek_is("WITH") {
                return Err(Error::unsupported(
                    "password expiry, history and resource limits",
                ));
            } else {
                break;
            }
        }
        Ok(options)
    }

    fn priv_list(&mut self) -> Result<PrivList> {
        if self.accept("ALL") {
            self.accept("PRIVILEGES");
            return Ok(PrivList::All);
        }
        let mut privs = Vec::new();
        let mut usage = false;
        loop {
            let mut words = Vec::new();
            while let Some(Token::Word(w)) = self.peek() {
                if w.eq_ignore_ascii_case("ON") {
                    break;
                }
                words.push(w.to_ascii_uppercase());
                self.at += 1;
            }
            if self.peek() == Some(&Token::Symbol('(')) {
                return Err(Error::unsupported("column privileges"));
            }
            let name = words.join(" ");
            if name == "USAGE" {
                usage = true;
            } else {
                match Priv::from_name(&name) {
                    Some(p) => privs.push(p),
                    None if name.is_empty() => return Err(self.error()),
                    None => {
                        return Err(Error::unsupported(format!("the {name} privilege")));
                    }
                }
            }
            if !self.symbol(',') {
                break;
            }
        }
        if usage && !privs.is_empty() {
            return Err(self.error());
        }
        Ok(PrivList::Named(privs))
    }

    /// `*.*`, `*`, `db.*`, `db.table`, `table` (after an optional TABLE).
    fn grant_on(&mut self) -> Result<GrantOn> {
        self.accept("TABLE");
        if self.symbol('*') {
            if self.symbol('.') {
                return if self.symbol('*') {
                    Ok(GrantOn::Global)
                } else {
                    Err(self.error())
                };
            }
            return Ok(GrantOn::Database(None));
        }
        let first = self.name()?;
        if !self.symbol('.') {
            return Ok(GrantOn::Table(None, first));
        }
        if self.symbol('*') {
            return Ok(GrantOn::Database(Some(first)));
        }
        Ok(GrantOn::Table(Some(first), self.name()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(sql: &str) -> AccountStatement {
        parse(sql).expect("account statement").expect(sql)
    }

    fn named(user: &str, host: &str) -> UserRef {
        UserRef::Named(AccountName::new(user, host))
    }

    #[test]
    fn users() {
        assert_eq!(
            ok("CREATE USER IF NOT EXISTS 'app'@'10.0.%' IDENTIFIED BY 'pw', bob ACCOUNT LOCK"),
            AccountStatement::CreateUser {
                if_not_exists: true,
                users: vec![
                    UserSpec {
                        user: named("app", "10.0.%"),
                        auth: Some(Auth::Password {
                            plugin: None,
                            password: "pw".into()
                        }),
                    },
                    UserSpec {
                        user: named("bob", "%"),
                        auth: None
                    },
                ],
                options: AccountOptions {
                    lock: Some(true),
                    require_ssl: None
                },
            }
        );
        assert_eq!(
            ok("alter user u@localhost identified with caching_sha2_password by 'x'"),
            AccountStatement::AlterUser {
                if_exists: false,
                users: vec![UserSpec {
                    user: named("u", "localhost"),
                    auth: Some(Auth::Password {
                        plugin: Some("caching_sha2_password".into()),
                        password: "x".into()
                    }),
                }],
                options: AccountOptions::default(),
            }
        );
        assert_eq!(
            ok("ALTER USER USER() IDENTIFIED BY 'n'"),
            AccountStatement::AlterUser {
                if_exists: false,
                users: vec![UserSpec {
                    user: UserRef::Current,
                    auth: Some(Auth::Password {
                        plugin: None,
                        password: "n".into()
                    }),
                }],
                options: AccountOptions::default(),
            }
        );
        assert_eq!(
            ok("DROP USER IF EXISTS a, 'b'@'h';"),
            AccountStatement::DropUser {
                if_exists: true,
                users: vec![named("a", "%"), named("b", "h")],
            }
        );
        assert_eq!(
            ok("RENAME USER a TO b@'%'"),
            AccountStatement::RenameUser(vec![(named("a", "%"), named("b", "%"))])
        );
        assert_eq!(
            ok("SET PASSWORD FOR 'a'@'%' = 'p'"),
            AccountStatement::SetPassword {
                user: named("a", "%"),
                password: "p".into()
            }
        );
        assert_eq!(
            ok("SET PASSWORD = PASSWORD('p')"),
            AccountStatement::SetPassword {
                user: UserRef::Current,
                password: "p".into()
            }
        );
        assert!(parse("SET NAMES utf8").is_none());
        assert!(parse("CREATE USER").unwrap().is_err());
        assert!(parse("CREATE USER a REQUIRE X509").unwrap().is_err());
        assert!(matches!(
            ok("CREATE USER a REQUIRE SSL"),
            AccountStatement::CreateUser {
                options: AccountOptions {
                    require_ssl: Some(true),
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn grants() {
        assert_eq!(
            ok("GRANT SELECT, INSERT, CREATE TEMPORARY TABLES ON shop.* TO app WITH GRANT OPTION"),
            AccountStatement::Grant {
                privs: PrivList::Named(vec![
                    Priv::Select,
                    Priv::Insert,
                    Priv::CreateTemporaryTables
                ]),
                on: GrantOn::Database(Some("shop".into())),
                to: vec![named("app", "%")],
                grant_option: true,
            }
        );
        assert_eq!(
            ok("grant all privileges on *.* to 'r'@'localhost'"),
            AccountStatement::Grant {
                privs: PrivList::All,
                on: GrantOn::Global,
                to: vec![named("r", "localhost")],
                grant_option: false,
            }
        );
        assert_eq!(
            ok("REVOKE UPDATE ON TABLE `s`.`t` FROM a, CURRENT_USER()"),
            AccountStatement::Revoke {
                privs: PrivList::Named(vec![Priv::Update]),
                on: GrantOn::Table(Some("s".into()), "t".into()),
                from: vec![named("a", "%"), UserRef::Current],
            }
        );
        assert_eq!(
            ok("REVOKE ALL PRIVILEGES, GRANT OPTION FROM a"),
            AccountStatement::RevokeAll {
                from: vec![named("a", "%")]
            }
        );
        assert_eq!(
            ok("REVOKE ALL ON * FROM a"),
            AccountStatement::Revoke {
                privs: PrivList::All,
                on: GrantOn::Database(None),
                from: vec![named("a", "%")],
            }
        );
        assert_eq!(
            ok("GRANT USAGE ON t TO a"),
            AccountStatement::Grant {
                privs: PrivList::Named(vec![]),
                on: GrantOn::Table(None, "t".into()),
                to: vec![named("a", "%")],
                grant_option: false,
            }
        );
        assert_eq!(
            ok("SHOW GRANTS FOR CURRENT_USER"),
            AccountStatement::ShowGrants {
                user: UserRef::Current
            }
        );
        assert_eq!(ok("flush privileges"), AccountStatement::FlushPrivileges);
        assert!(parse("GRANT SELECT (a) ON t TO u").unwrap().is_err());
        assert!(parse("GRANT FLY ON t TO u").unwrap().is_err());
        assert!(parse("GRANT SELECT ON t").unwrap().is_err());
    }
}
