//! The columns an expression can name: a SELECT block's, with the enclosing blocks' behind
//! them for correlated subqueries.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::types::DataType;

/// One column visible to an expression.
#[derive(Debug, Clone)]
pub struct ScopeColumn {
    /// The table's alias, or its name.
    pub table: String,
    pub name: String,
    pub ty: DataType,
}

/// The columns an expression may reference, in input row order, and (inside a subquery)
/// the scope of the enclosing query, searched when a name is not found here.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub columns: Vec<ScopeColumn>,
    pub outer: Option<Arc<Scope>>,
    /// Columns only a qualified name reaches: the second copy of each column a USING or
    /// NATURAL join merges (MySQL coalesces the two; the other copy stands for both).
    pub qualified_only: Vec<usize>,
}

/// Where a name was found: a column of this scope's row, or of the enclosing rows
/// (flattened: the enclosing scope's own columns first, then its enclosing ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Local(usize),
    Outer(usize),
}

impl Scope {
    /// A scope of `columns` inside the enclosing scope `outer`.
    pub fn nested(columns: Vec<ScopeColumn>, outer: Option<&Scope>) -> Scope {
        Scope {
            columns,
            outer: outer.map(|o| Arc::new(o.clone())),
            qualified_only: Vec::new(),
        }
    }

    /// Resolves a name here, then in the enclosing scopes.
    pub fn lookup(&self, table: Option<&str>, name: &str, place: &str) -> Result<Resolved> {
        match self.resolve(table, name, place) {
            Ok(i) => Ok(Resolved::Local(i)),
            Err(e @ Error::UnknownColumn { .. }) => match &self.outer {
                Some(o) => Ok(Resolved::Outer(match o.lookup(table, name, place)? {
                    Resolved::Local(i) => i,
                    Resolved::Outer(j) => o.columns.len() + j,
                })),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The type of an enclosing column, by its flattened offset.
    pub(super) fn outer_type(&self, j: usize) -> Option<DataType> {
        let o = self.outer.as_ref()?;
        match o.columns.get(j) {
            Some(c) => Some(c.ty.clone()),
            None => o.outer_type(j - o.columns.len()),
        }
    }

    pub fn resolve(&self, table: Option<&str>, name: &str, place: &str) -> Result<usize> {
        let mut found = None;
        for (i, c) in self.columns.iter().enumerate() {
            if table.is_none() && self.qualified_only.contains(&i) {
                continue;
            }
            if c.name.eq_ignore_ascii_case(name)
                && table.is_none_or(|t| c.table.eq_ignore_ascii_case(t))
            {
                if found.is_some() {
                    return Err(Error::ambiguous_column(name, place));
                }
                found = Some(i);
            }
        }
        found.ok_or_else(|| {
            let full = match table {
                Some(t) => format!("{t}.{name}"),
                None => name.to_string(),
            };
            Error::unknown_column(&full, place)
        })
    }
}
