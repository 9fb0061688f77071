//! CREATE [OR REPLACE] VIEW: none -> public in one step, as CREATE TABLE; OR REPLACE swaps
//! the definition of an existing view in place (same id), as TiDB does.

use super::{finish, JobKind, Step};
use crate::catalog::{meta, SchemaState};
use crate::ddl::job::{Job, JobArgs, JobState};
use crate::error::{Error, Result};
use crate::kv::Transaction;

pub struct CreateView;

impl JobKind for CreateView {
    fn forward(&self, txn: &mut dyn Transaction, job: &mut Job) -> Result<Step> {
        let JobArgs::CreateView { view, or_replace } = &job.args else {
            return Err(Error::internal("create view job without its view"));
        };
        let mut view = (**view).clone();
        let existing = meta::load_tables(txn, job.db_id)?
            .into_iter()
            .find(|t| t.name.eq_ignore_ascii_case(&view.name));
        view.id = match existing {
            Some(old) if *or_replace && old.view.is_some() => old.id,
            Some(old) if *or_replace => {
                return Err(Error::new(
                    1347,
                    "HY000",
                    format!("'{}.{}' is not VIEW", job.db_name, old.name),
                ))
            }
            Some(_) => return Err(Error::table_exists(&view.name)),
            None => meta::allocate_ids(txn, 1)?,
        };
        view.db_id = job.db_id;
        view.state = SchemaState::Public;
        meta::put_table(txn, &view);
        job.table_id = view.id;
        finish(job, JobState::Done, SchemaState::Public)
    }

    fn is_rollbackable(&self, job: &Job) -> bool {
        job.schema_state == SchemaState::None
    }
}
