//! SHOW GRANTS' lines, in TiDB's words: `*.*` first (USAGE when nothing is granted there),
//! then each database, then each table; ALL PRIVILEGES when a level holds everything it
//! can; `WITH GRANT OPTION` when the level holds that.

use super::{AccountName, Level, Priv, PrivSet, Privileges};

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn line(privs: PrivSet, level: Level, on: &str, who: &AccountName) -> Option<String> {
    let grant_option = privs.contains(Priv::GrantOption);
    let privs = privs.minus(PrivSet::EMPTY.with(Priv::GrantOption));
    let list = if privs.covers(PrivSet::all_at(level)) {
        "ALL PRIVILEGES".to_string()
    } else if privs.is_empty() {
        if level != Level::Global && !grant_option {
            return None;
        }
        "USAGE".to_string()
    } else {
        privs.iter().map(Priv::name).collect::<Vec<_>>().join(",")
    };
    let option = if grant_option {
        " WITH GRANT OPTION"
    } else {
        ""
    };
    Some(format!("GRANT {list} ON {on} TO {who}{option}"))
}

/// The account's grants (`None`: no such account, TiDB's 1141).
pub fn show_grants(p: &Privileges, who: &AccountName) -> Option<Vec<String>> {
    let account = p.account(who)?;
    let mut lines: Vec<String> = line(account.privs, Level::Global, "*.*", who)
        .into_iter()
        .collect();
    let mut dbs: Vec<_> = p
        .db_grants()
        .iter()
        .filter(|g| g.user == who.user && g.host.eq_ignore_ascii_case(&who.host))
        .collect();
    dbs.sort_by(|a, b| a.db.cmp(&b.db));
    lines.extend(dbs.iter().filter_map(|g| {
        line(
            g.privs,
            Level::Database,
            &format!("{}.*", quote(&g.db)),
            who,
        )
    }));
    let mut tables: Vec<_> = p
        .table_grants()
        .iter()
        .filter(|g| g.user == who.user && g.host.eq_ignore_ascii_case(&who.host))
        .collect();
    tables.sort_by(|a, b| (&a.db, &a.table).cmp(&(&b.db, &b.table)));
    lines.extend(tables.iter().filter_map(|g| {
        let on = format!("{}.{}", quote(&g.db), quote(&g.table));
        line(g.privs, Level::Table, &on, who)
    }));
    Some(lines)
}
