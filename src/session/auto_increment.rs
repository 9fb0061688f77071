//! `ALTER TABLE t [FORCE] AUTO_INCREMENT = n`: a `rebase auto_increment ID` job (TiDB's
//! `ActionRebaseAutoID`) that makes `n` the next id handed out. Without FORCE the id never
//! goes back: below the ids already reserved by any node, TiDB's warning says which id is
//! used instead. FORCE sets it whatever ids the table holds (a duplicate then fails the
//! insert that meets it).

use super::alter_table::Change;
use super::Session;
use crate::catalog::TableInfo;
use crate::ddl::{Action, JobArgs};
use crate::error::{Error, Result};

impl Session {
    pub(super) fn rebase_change(
        &mut self,
        table: &TableInfo,
        value: &str,
        force: bool,
    ) -> Result<Change> {
        let asked: u64 = value
            .parse()
            .map_err(|_| Error::syntax(&format!("AUTO_INCREMENT = {value}")))?;
        // Ids end at the largest BIGINT (then 1467, as MySQL).
        let mut base = i64::try_from(asked).unwrap_or(i64::MAX);
        if !force {
            let next = self.state.domain.autoid.next_global(table.id)?;
            if next > base {
                self.warn(Error::new(
                    1105,
                    "HY000",
                    format!(
                        "Can't reset AUTO_INCREMENT to {asked} without FORCE option, using {next} instead"
                    ),
                ));
                base = next;
            }
        }
        Ok((Action::RebaseAutoId, JobArgs::RebaseAutoId { base, force }))
    }
}
