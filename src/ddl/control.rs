//! ADMIN CANCEL / PAUSE / RESUME DDL JOBS: which requests a job accepts in which state,
//! with TiDB's messages for the ones it refuses; ADMIN ALTER DDL JOBS: a reorg job's own
//! knobs. The runner (`runner`) then carries a
//! cancelling job back through its kind's rollback, and a pausing one to paused.

use super::job::{Action, Job, JobState, ReorgParams};
use super::queue;
use crate::domain::Domain;
use crate::error::{Error, Result};
use crate::kv;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What ADMIN asks of a job.
pub enum Control {
    Cancel,
    Pause,
    Resume,
}

/// Applies `action` to every job of `ids` in one transaction: for each, `Ok` or TiDB's
/// message saying why not. Wakes the owner.
pub fn apply(
    domain: &Domain,
    ids: &[i64],
    action: Control,
) -> Result<Vec<std::result::Result<(), String>>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut txn = domain.store.begin()?;
        let mut results = Vec::new();
        for &id in ids {
            results.push(match queue::get_job(txn.as_ref(), id)? {
                None => Err(format!("[ddl:8224]DDL Job:{id} not found")),
                Some(mut job) => decide(&mut job, action).map(|changed| {
                    if changed {
                        queue::put_job(txn.as_mut(), &job);
                    }
                }),
            });
        }
        match txn.commit() {
            Ok(_) => {
                domain.events.queue_changed();
                return Ok(results);
            }
            Err(kv::Error::WriteConflict) if attempt < 3 => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Applies one control request to a job; `Ok(true)` if the job changed.
fn decide(job: &mut Job, action: Control) -> std::result::Result<bool, String> {
    let id = job.id;
    let not_started = matches!(job.state, JobState::Queueing | JobState::None);
    match action {
        Control::Cancel => match job.state {
            JobState::Done | JobState::Synced => Err(format!("[ddl:8225]This job:{id} is finished, so can't be cancelled")),
            JobState::Cancelled | JobState::RollingBack | JobState::RollbackDone | JobState::Cancelling => Ok(false),
            _ if !not_started && !job.is_rollbackable() => {
                Err(format!("[ddl:8226]This job:{id} is almost finished, can't be cancelled now"))
            }
            _ => {
                job.state = JobState::Cancelling;
                Ok(true)
            }
        },
        Control::Pause => match job.state {
            JobState::Pausing | JobState::Paused => Err(format!("[ddl:8262]Job [{id}] has already been paused")),
            _ if not_started || (job.state == JobState::Running && job.is_rollbackable()) => {
                job.state = JobState::Pausing;
                Ok(true)
            }
            state => Err(format!(
                "[ddl:8260]Job [{id}] can't be paused: state [{}] or schema state [{}]",
                state.as_str(),
                job.schema_state.as_str()
            )),
        },
        Control::Resume => match job.state {
            JobState::Paused => {
                job.state = JobState::Queueing;
                Ok(true)
            }
            state => Err(format!(
                "[ddl:8261]Job [{id}] can't be resumed: job has not been paused, job state:{}, schema state:{}",
                state.as_str(),
                job.schema_state.as_str()
            )),
        },
    }
}

/// ADMIN ALTER DDL JOBS `id` THREAD = n, BATCH_SIZE = m: sets the job's own knobs (the
/// values are checked by the parser); a running backfill takes them at its next batch.
pub fn alter_params(domain: &Domain, id: i64, params: &ReorgParams) -> Result<()> {
    let mut txn = domain.store.begin()?;
    let Some(mut job) = queue::get_job(txn.as_ref(), id)? else {
        return Err(Error::new(
            1105,
            "HY000",
            format!("ddl job {id} is not running"),
        ));
    };
    if !matches!(
        job.action,
        Action::AddIndex | Action::AddPrimaryKey | Action::ModifyColumn
    ) {
        return Err(Error::new(
            1105,
            "HY000",
            format!(
                "unsupported DDL operation: {}. Supported DDL operations are: ADD INDEX, MODIFY COLUMN, and ALTER TABLE REORGANIZE PARTITION",
                job.action.as_str()
            ),
        ));
    }
    if params.thread.is_some() {
        job.reorg_params.thread = params.thread;
    }
    if params.batch_size.is_some() {
        job.reorg_params.batch_size = params.batch_size;
    }
    if params.max_write_speed.is_some() {
        job.reorg_params.max_write_speed = params.max_write_speed;
    }
    queue::put_job(txn.as_mut(), &job);
    txn.commit()?;
    domain.events.notify();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SchemaState;
    use crate::ddl::{Action, JobArgs};

    fn job(state: JobState, schema_state: SchemaState) -> Job {
        let mut j = Job::new(Action::AddIndex, 1, "d", "q", JobArgs::DropSchema);
        j.id = 7;
        j.state = state;
        j.schema_state = schema_state;
        j
    }

    #[test]
    fn cancel_rules() {
        let mut j = job(JobState::Synced, SchemaState::Public);
        assert_eq!(
            decide(&mut j, Control::Cancel),
            Err("[ddl:8225]This job:7 is finished, so can't be cancelled".into())
        );
        let mut j = job(JobState::Running, SchemaState::WriteReorganization);
        assert_eq!(decide(&mut j, Control::Cancel), Ok(true));
        assert_eq!(j.state, JobState::Cancelling);
        let mut j = job(JobState::Running, SchemaState::Public);
        assert!(decide(&mut j, Control::Cancel)
            .unwrap_err()
            .contains("8226"));
    }

    #[test]
    fn pause_and_resume_rules() {
        let mut j = job(JobState::Running, SchemaState::WriteOnly);
        assert_eq!(decide(&mut j, Control::Pause), Ok(true));
        assert_eq!(
            decide(&mut j, Control::Pause),
            Err("[ddl:8262]Job [7] has already been paused".into())
        );
        let mut j = job(JobState::Running, SchemaState::Public);
        assert_eq!(
            decide(&mut j, Control::Pause),
            Err(
                "[ddl:8260]Job [7] can't be paused: state [running] or schema state [public]"
                    .into()
            )
        );
        assert!(decide(&mut j, Control::Resume)
            .unwrap_err()
            .starts_with("[ddl:8261]"));
        let mut j = job(JobState::Paused, SchemaState::WriteReorganization);
        assert_eq!(decide(&mut j, Control::Resume), Ok(true));
        assert_eq!(j.state, JobState::Queueing);
    }
}
