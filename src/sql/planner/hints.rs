//! Index hints: `USE INDEX (a, b)`, `FORCE INDEX (a)`, `IGNORE INDEX (c)` after a table
//! name restrict the indexes the access path and index joins may read, as in MySQL. `USE
//! INDEX ()` allows none; `PRIMARY` names the primary key (the row handle or its index).
//! A name the table does not have, or an invisible index, is MySQL's 1176.

use std::collections::BTreeSet;

use sqlparser::ast::{TableIndexHintType, TableIndexHints};

use crate::catalog::{IndexInfo, TableInfo};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexHints {
    /// USE / FORCE: the only indexes allowed (lower-cased); `None` without such a hint.
    only: Option<BTreeSet<String>>,
    /// IGNORE: indexes not allowed.
    ignored: BTreeSet<String>,
}

const PRIMARY: &str = "primary";

impl IndexHints {
    /// The hints given for `table`, checked against its indexes.
    pub fn new(table: &TableInfo, hints: &[TableIndexHints]) -> Result<IndexHints> {
        let mut out = IndexHints::default();
        for hint in hints {
            let mut names = BTreeSet::new();
            for ident in &hint.index_names {
                let name = ident.value.to_ascii_lowercase();
                let exists = if name == PRIMARY {
                    table.handle_column.is_some()
                        || table.indexes.iter().any(|i| i.primary && i.usable())
                } else {
                    table
                        .indexes
                        .iter()
                        .any(|i| i.usable() && i.name.eq_ignore_ascii_case(&name))
                };
                if !exists {
                    return Err(Error::new(
                        1176,
                        "42000",
                        format!(
                            "Key '{}' doesn't exist in table '{}'",
                            ident.value, table.name
                        ),
                    ));
                }
                names.insert(name);
            }
            match hint.hint_type {
                TableIndexHintType::Use | TableIndexHintType::Force => {
                    out.only.get_or_insert_with(BTreeSet::new).extend(names);
                }
                TableIndexHintType::Ignore => out.ignored.extend(names),
            }
        }
        Ok(out)
    }

    fn allows(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        !self.ignored.contains(&name) && self.only.as_ref().is_none_or(|o| o.contains(&name))
    }

    /// Whether the row handle (an integer primary key) may be used for point gets and ranges.
    pub fn allows_handle(&self) -> bool {
        self.allows(PRIMARY)
    }

    pub fn allows_index(&self, index: &IndexInfo) -> bool {
        let name = if index.primary { PRIMARY } else { &index.name };
        self.allows(name)
    }
}
