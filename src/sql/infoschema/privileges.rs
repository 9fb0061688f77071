//! `USER_PRIVILEGES`, `SCHEMA_PRIVILEGES`, `TABLE_PRIVILEGES` and `COLUMN_PRIVILEGES`: the
//! grants of every account, one row per privilege, as MySQL 8 lists them (GRANT OPTION is
//! the `IS_GRANTABLE` column of the others; an account with no global privilege shows
//! `USAGE`). An account sees its own rows, or every row when it may read the `mysql`
//! schema. moltdb has no column grants, so `COLUMN_PRIVILEGES` is empty.

use super::{Kind, Text};
use crate::privilege::{AccountName, Priv, PrivSet};
use crate::sql::context::Context;
use crate::types::Value;

/// The tables, with their columns.
pub fn columns(table: &str) -> Option<Vec<(&'static str, Kind)>> {
    let mut columns = vec![("GRANTEE", Text(292)), ("TABLE_CATALOG", Text(512))];
    match table {
        "USER_PRIVILEGES" => {}
        "SCHEMA_PRIVILEGES" => columns.push(("TABLE_SCHEMA", Text(64))),
        "TABLE_PRIVILEGES" => {
            columns.extend([("TABLE_SCHEMA", Text(64)), ("TABLE_NAME", Text(64))]);
        }
        "COLUMN_PRIVILEGES" => columns.extend([
            ("TABLE_SCHEMA", Text(64)),
            ("TABLE_NAME", Text(64)),
            ("COLUMN_NAME", Text(64)),
        ]),
        _ => return None,
    }
    columns.extend([("PRIVILEGE_TYPE", Text(64)), ("IS_GRANTABLE", Text(3))]);
    Some(columns)
}

pub fn rows(ctx: &Context, table: &str) -> Vec<Vec<Value>> {
    let privileges = ctx.domain.privileges();
    let visible = |user: &str, host: &str| match &ctx.viewer {
        None => true,
        Some((p, who)) => {
            (who.user == user && who.host == host) || p.on_db(who, "mysql").contains(Priv::Select)
        }
    };
    let mut rows = Vec::new();
    match table {
        "USER_PRIVILEGES" => {
            for a in privileges.accounts() {
                if visible(&a.user, &a.host) {
                    rows.extend(grant_rows(&a.user, &a.host, &[], a.privs, true));
                }
            }
        }
        "SCHEMA_PRIVILEGES" => {
            for g in privileges.db_grants() {
                if visible(&g.user, &g.host) {
                    let at = [Value::str(&g.db)];
                    rows.extend(grant_rows(&g.user, &g.host, &at, g.privs, false));
                }
            }
        }
        "TABLE_PRIVILEGES" => {
            for g in privileges.table_grants() {
                if visible(&g.user, &g.host) {
                    let at = [Value::str(&g.db), Value::str(&g.table)];
                    rows.extend(grant_rows(&g.user, &g.host, &at, g.privs, false));
                }
            }
        }
        _ => {}
    }
    rows
}

/// One row per privilege in `privs` (`USAGE` for none, where `usage` asks for it).
fn grant_rows(
    user: &str,
    host: &str,
    at: &[Value],
    privs: PrivSet,
    usage: bool,
) -> Vec<Vec<Value>> {
    let grantee = Value::str(&AccountName::new(user, host).to_string());
    let grantable = Value::str(if privs.contains(Priv::GrantOption) {
        "YES"
    } else {
        "NO"
    });
    let mut names: Vec<&str> = privs
        .iter()
        .filter(|p| *p != Priv::GrantOption)
        .map(Priv::name)
        .collect();
    if names.is_empty() && usage {
        names.push("USAGE");
    }
    names
        .into_iter()
        .map(|name| {
            let mut row = vec![grantee.clone(), Value::str("def")];
            row.extend(at.iter().cloned());
            row.extend([Value::str(name), grantable.clone()]);
            row
        })
        .collect()
}
