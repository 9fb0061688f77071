//! User-level locks: GET_LOCK, RELEASE_LOCK, RELEASE_ALL_LOCKS, IS_FREE_LOCK and
//! IS_USED_LOCK, as TiDB runs them. A session holds a named advisory lock until it
//! releases it (as many times as it took it) or disconnects; a COMMIT or ROLLBACK leaves
//! it held. Locks hold across every node of a cluster. The session keeps them
//! ([`UserLocks`]); this module checks the arguments and shapes the results:
//!
//! - a name is 1 to 64 characters, compared without regard to case (3057 otherwise);
//! - GET_LOCK waits from 1 second to 1 hour, TiDB's bounds (a negative timeout, MySQL's
//!   "forever", is the hour), and returns 1 once it holds the lock, 0 when the time ran
//!   out; KILL QUERY ends the wait with 1317. There is no deadlock detection (as TiDB);
//! - RELEASE_LOCK returns 1 when it released the session's lock, 0 when another
//!   connection holds it, NULL when nobody does;
//! - IS_USED_LOCK returns the holder's connection id, IS_FREE_LOCK whether there is none.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::types::Value;

/// The longest lock name, in characters.
const MAX_NAME_CHARS: usize = 64;
/// TiDB's shortest and longest wait.
const MIN_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// A session's user-level locks, shared across the cluster.
pub trait UserLocks: Send + Sync {
    /// Takes `name` (again, if this session holds it), waiting up to `timeout` while
    /// another connection holds it and `interrupted` says go on. False when time ran out.
    fn get(&self, name: &str, timeout: Duration, interrupted: &dyn Fn() -> bool) -> Result<bool>;
    /// Gives back one hold of `name`: `Some(true)` if this session held it, `Some(false)`
    /// if another connection does, `None` if nobody does.
    fn release(&self, name: &str) -> Result<Option<bool>>;
    /// Gives back every hold: how many there were.
    fn release_all(&self) -> Result<u64>;
    /// The connection holding `name`, if any.
    fn holder(&self, name: &str) -> Result<Option<u32>>;
}

/// The functions, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserLockOp {
    Get,
    Release,
    ReleaseAll,
    IsFree,
    IsUsed,
}

impl UserLockOp {
    const ALL: [UserLockOp; 5] = [
        UserLockOp::Get,
        UserLockOp::Release,
        UserLockOp::ReleaseAll,
        UserLockOp::IsFree,
        UserLockOp::IsUsed,
    ];

    /// The function called `name` (lower-cased), if it is one of these.
    pub fn lookup(name: &str) -> Option<UserLockOp> {
        UserLockOp::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            UserLockOp::Get => "get_lock",
            UserLockOp::Release => "release_lock",
            UserLockOp::ReleaseAll => "release_all_locks",
            UserLockOp::IsFree => "is_free_lock",
            UserLockOp::IsUsed => "is_used_lock",
        }
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            UserLockOp::Get => 2,
            UserLockOp::ReleaseAll => 0,
            _ => 1,
        }
    }

    /// Runs the function over its evaluated arguments.
    pub fn run(self, locks: &dyn UserLocks, args: &[Value]) -> Result<Value> {
        let name = || lock_name(args.first().unwrap_or(&Value::Null));
        Ok(match self {
            UserLockOp::Get => {
                let name = name()?;
                let timeout = wait(args.get(1).unwrap_or(&Value::Null));
                let interrupted = super::functions::interrupted;
                let got = locks.get(&name, timeout, &interrupted)?;
                if !got && interrupted() {
                    return Err(Error::Interrupted);
                }
                Value::Int(i64::from(got))
            }
            UserLockOp::Release => match locks.release(&name()?)? {
                Some(released) => Value::Int(i64::from(released)),
                None => Value::Null,
            },
            UserLockOp::ReleaseAll => Value::UInt(locks.release_all()?),
            UserLockOp::IsFree => Value::Int(i64::from(locks.holder(&name()?)?.is_none())),
            UserLockOp::IsUsed => locks
                .holder(&name()?)?
                .map_or(Value::Null, |id| Value::UInt(u64::from(id))),
        })
    }
}

/// A lock name as the functions compare it, or 3057.
fn lock_name(v: &Value) -> Result<String> {
    let name = if v.is_null() {
        "NULL".to_string()
    } else {
        v.to_string_lossy()
    };
    let chars = name.chars().count();
    if v.is_null() || chars == 0 || chars > MAX_NAME_CHARS {
        return Err(Error::new(
            3057,
            "42000",
            format!("Incorrect user-level lock name '{name}'."),
        ));
    }
    Ok(name.to_lowercase())
}

/// GET_LOCK's timeout within TiDB's bounds (NULL waits the least).
fn wait(v: &Value) -> Duration {
    if v.is_null() {
        return MIN_WAIT;
    }
    let secs = v.to_f64();
    if secs < 0.0 || !secs.is_finite() {
        return MAX_WAIT;
    }
    Duration::from_secs_f64(secs).clamp(MIN_WAIT, MAX_WAIT)
}

/// The session's locks as an expression carries them: equal only to themselves.
#[derive(Clone)]
pub struct UserLockHandle(pub Arc<dyn UserLocks>);

impl std::fmt::Debug for UserLockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserLocks")
    }
}

impl PartialEq for UserLockHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
