//! `SET`: session, global and user variables, `SET NAMES`, `SET TRANSACTION`.

use sqlparser::ast;

use super::Session;
use crate::domain::variables::{self, Scope};
use crate::error::{Error, Result};
use crate::sql::{self, QueryResult, Warning};
use crate::types::Value;

impl Session {
    pub(super) fn set(&mut self, set: &ast::Set) -> Result<QueryResult> {
        match set {
            ast::Set::SingleAssignment {
                scope,
                variable,
                values,
                ..
            } => {
                let name = variable.to_string();
                let value = values.first().ok_or_else(|| Error::syntax("SET"))?;
                self.assign(scope.as_ref(), &name, value)?;
            }
            ast::Set::MultipleAssignments { assignments } => {
                for a in assignments {
                    let name = a.name.to_string();
                    self.assign(a.scope.as_ref(), &name, &a.value)?;
                }
            }
            // The three variables follow (1115 for a set moltdb does not know); the bytes
            // of queries and results stay utf8mb4. collation_connection (how literals
            // compare) is the one named, else the character set's default.
            ast::Set::SetNames {
                charset_name,
                collation_name,
            } => {
                let charset = ast::Expr::Identifier(charset_name.clone());
                for name in [
                    "character_set_client",
                    "character_set_connection",
                    "character_set_results",
                ] {
                    self.assign(None, name, &charset)?;
                }
                let collation = sql::collation::resolve(
                    Some(&charset_name.value),
                    collation_name
                        .as_deref()
                        .map(|c| c.trim_matches(['\'', '"', '`'])),
                    Default::default(),
                )?;
                let value =
                    ast::Expr::value(ast::Value::SingleQuotedString(collation.name().into()));
                self.assign(None, "collation_connection", &value)?;
            }
            ast::Set::SetNamesDefault { .. } => {}
            other => return Err(Error::unsupported(other)),
        }
        Ok(QueryResult::ok())
    }

    /// `SET [SESSION | GLOBAL] TRANSACTION {READ ONLY | READ WRITE}`: that scope's
    /// `transaction_read_only`, or without one the next transaction's alone (MySQL's 1568
    /// inside one). Isolation levels are left as they are: every transaction reads one
    /// snapshot (REPEATABLE READ).
    pub(super) fn set_transaction(
        &mut self,
        modes: &[ast::TransactionMode],
        scope: Option<ast::ContextModifier>,
    ) -> Result<()> {
        let Some(read_only) = modes.iter().rev().find_map(|m| match m {
            ast::TransactionMode::AccessMode(a) => Some(*a == ast::TransactionAccessMode::ReadOnly),
            ast::TransactionMode::IsolationLevel(_) => None,
        }) else {
            return Ok(());
        };
        if let Some(scope) = scope {
            let value = ast::Expr::value(ast::Value::Number(
                if read_only { "1" } else { "0" }.into(),
                false,
            ));
            for name in ["transaction_read_only", "tx_read_only"] {
                self.assign(Some(&scope), name, &value)?;
            }
            return Ok(());
        }
        if self.txn.is_some() && self.explicit {
            return Err(Error::new(
                1568,
                "25001",
                "Transaction characteristics can't be changed while a transaction is in progress",
            ));
        }
        self.next_read_only = Some(read_only);
        Ok(())
    }

    fn assign(
        &mut self,
        scope: Option<&ast::ContextModifier>,
        name: &str,
        value: &ast::Expr,
    ) -> Result<()> {
        let v = sql::planner::binder::Binder::new(&Default::default(), &self.state, "field list")
            .bind(value)
            .or_else(|e| match value {
                // SET x = ON / OFF / SYSTEM: bare words are strings.
                ast::Expr::Identifier(id) => Ok(sql::expr::Expr::Literal(Value::str(&id.value))),
                _ => Err(e),
            })?
            .eval(&[])?;
        let mut global = matches!(scope, Some(ast::ContextModifier::Global));
        let mut name = name.trim_matches('`').to_string();
        if let Some(user) = name.strip_prefix('@').filter(|n| !n.starts_with('@')) {
            self.state.user_vars.insert(user.to_ascii_lowercase(), v);
            return Ok(());
        }
        if let Some(rest) = name.strip_prefix("@@") {
            let lower = rest.to_ascii_lowercase();
            name = if let Some(n) = lower.strip_prefix("global.") {
                global = true;
                n.to_string()
            } else if let Some(n) = lower
                .strip_prefix("session.")
                .or(lower.strip_prefix("local."))
            {
                n.to_string()
            } else {
                lower
            };
        }
        let def = variables::lookup(&name).ok_or_else(|| Error::unknown_system_variable(&name))?;
        let name = def.name;
        if variables::READ_ONLY.contains(&name) {
            return Err(Error::new(
                1238,
                "HY000",
                format!("Variable '{name}' is a read only variable"),
            ));
        }
        if global && !self.has_global(crate::privilege::Priv::Super) {
            return Err(Error::specific_access_denied(
                "SUPER or SYSTEM_VARIABLES_ADMIN",
            ));
        }
        // SET x = DEFAULT: the global value for the session, the compiled default globally.
        let default = matches!(value, ast::Expr::Identifier(id)
            if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
        let v = match (default, global) {
            (false, _) => v,
            (true, true) => def.default.clone(),
            (true, false) => self
                .state
                .domain
                .globals
                .read()
                .get(name)
                .map_or_else(|| def.default.clone(), |(_, v)| v.clone()),
        };
        let (v, warning) = variables::normalize(def, &v)?;
        if let Some(w) = warning {
            self.warnings.push(Warning::of(&w));
        }
        if global {
            match def.scope {
                Scope::Session => {
                    return Err(Error::new(
                        1228,
                        "HY000",
                        format!(
                        "Variable '{name}' is a SESSION variable and can't be used with SET GLOBAL"
                    ),
                    ))
                }
                // An instance variable belongs to this node alone.
                Scope::Instance => {}
                Scope::Global | Scope::Both => {
                    variables::GlobalVariables::persist(
                        self.state.domain.store.as_ref(),
                        name,
                        &v,
                    )?;
                    self.state.domain.events.notify();
                }
            }
            self.state.domain.globals.write().set(name, v);
        } else {
            match def.scope {
                Scope::Global => {
                    return Err(Error::new(
                        1229,
                        "HY000",
                        format!(
                        "Variable '{name}' is a GLOBAL variable and should be set with SET GLOBAL"
                    ),
                    ))
                }
                Scope::Instance => {
                    self.state.domain.globals.write().set(name, v);
                    return Ok(());
                }
                _ => {}
            }
            if name == "autocommit" && v.truth() == Some(true) {
                self.commit()?;
            }
            self.state.vars.set(name, v);
        }
        Ok(())
    }
}

/// The scope word of `SET {SESSION | LOCAL | GLOBAL} TRANSACTION ...` (`None`: the next
/// transaction only).
pub(super) fn transaction_scope(sql: &str) -> Option<ast::ContextModifier> {
    let mut words = sql.split_whitespace().skip(1);
    let scope = match words.next()?.to_ascii_lowercase().as_str() {
        "session" | "local" => ast::ContextModifier::Session,
        "global" => ast::ContextModifier::Global,
        _ => return None,
    };
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("transaction"))
        .then_some(scope)
}
