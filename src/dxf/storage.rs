//! Where tasks, subtasks and nodes live in the store, under the meta prefix:
//!
//! - `mDXFTask:{id:020}` -> Task (not finished), `mDXFTaskHistory:{id:020}` -> Task (finished)
//! - `mDXFTaskKey:{key}` -> id, for the task of a key, finished or not
//! - `mDXFSubtask:{task:020}:{id:020}` -> Subtask, `mDXFSubtaskHistory:...` once its task ended
//! - `mDXFNode:{address}` -> NodeMeta, a node's heartbeat
//!
//! Every change is a transaction, so two nodes that update one subtask at once see a write
//! conflict, and the one that loses reads again.

use serde::{Deserialize, Serialize};

use super::proto::{NodeMeta, Subtask, Task};
use crate::catalog::meta;
use crate::error::{Error, Result};
use crate::kv::{self, KeyRange, Store, Transaction};

fn task_key(id: i64) -> Vec<u8> {
    format!("mDXFTask:{id:020}").into_bytes()
}

fn history_key(id: i64) -> Vec<u8> {
    format!("mDXFTaskHistory:{id:020}").into_bytes()
}

fn key_index(key: &str) -> Vec<u8> {
    format!("mDXFTaskKey:{key}").into_bytes()
}

fn subtask_prefix(task_id: i64) -> Vec<u8> {
    format!("mDXFSubtask:{task_id:020}:").into_bytes()
}

fn subtask_key(task_id: i64, id: i64) -> Vec<u8> {
    format!("mDXFSubtask:{task_id:020}:{id:020}").into_bytes()
}

fn subtask_history_key(task_id: i64, id: i64) -> Vec<u8> {
    format!("mDXFSubtaskHistory:{task_id:020}:{id:020}").into_bytes()
}

fn node_key(host: &str) -> Vec<u8> {
    format!("mDXFNode:{host}").into_bytes()
}

fn decode<T: for<'de> Deserialize<'de>>(key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::internal(format!(
            "corrupt task record {}: {e}",
            String::from_utf8_lossy(key)
        ))
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn scan<T: for<'de> Deserialize<'de>>(txn: &dyn Transaction, prefix: &[u8]) -> Result<Vec<T>> {
    let mut range = KeyRange::prefix(prefix);
    let mut out = Vec::new();
    loop {
        let batch = txn.scan(&range, 256, false)?;
        for (k, v) in &batch {
            out.push(decode(k, v)?);
        }
        match batch.last() {
            Some((last, _)) if batch.len() == 256 => {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
            _ => return Ok(out),
        }
    }
}

/// Runs `f` in a transaction until it commits without a conflict.
pub fn retry<T>(
    store: &dyn Store,
    mut f: impl FnMut(&mut dyn Transaction) -> Result<T>,
) -> Result<T> {
    loop {
        let mut txn = store.begin()?;
        let value = f(txn.as_mut())?;
        match txn.commit() {
            Ok(_) => return Ok(value),
            Err(kv::Error::WriteConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Persists a new task (its id allocated here); fails with 1105 if a task of the same key
/// exists, finished or not.
pub fn submit(txn: &mut dyn Transaction, task: &mut Task) -> Result<()> {
    if txn.get(&key_index(&task.key))?.is_some() {
        return Err(Error::internal(format!("task {} exists", task.key)));
    }
    task.id = meta::allocate_ids(txn, 1)?;
    txn.put(key_index(&task.key), task.id.to_string().into_bytes());
    put_task(txn, task);
    Ok(())
}

pub fn put_task(txn: &mut dyn Transaction, task: &Task) {
    txn.put(task_key(task.id), encode(task));
}

pub fn get_task(txn: &dyn Transaction, id: i64) -> Result<Option<Task>> {
    let key = task_key(id);
    txn.get(&key)?.map(|b| decode(&key, &b)).transpose()
}

/// The task of `key`, from the running ones or the history.
pub fn task_by_key(txn: &dyn Transaction, key: &str) -> Result<Option<Task>> {
    let Some(id) = txn.get(&key_index(key))? else {
        return Ok(None);
    };
    let id: i64 = String::from_utf8_lossy(&id)
        .parse()
        .map_err(|_| Error::internal(format!("corrupt id of task {key}")))?;
    if let Some(task) = get_task(txn, id)? {
        return Ok(Some(task));
    }
    let key = history_key(id);
    txn.get(&key)?.map(|b| decode(&key, &b)).transpose()
}

/// Every task not finished, in id order.
pub fn tasks(txn: &dyn Transaction) -> Result<Vec<Task>> {
    scan(txn, b"mDXFTask:")
}

pub fn history(txn: &dyn Transaction) -> Result<Vec<Task>> {
    scan(txn, b"mDXFTaskHistory:")
}

pub fn put_subtask(txn: &mut dyn Transaction, subtask: &Subtask) {
    txn.put(subtask_key(subtask.task_id, subtask.id), encode(subtask));
}

pub fn get_subtask(txn: &dyn Transaction, task_id: i64, id: i64) -> Result<Option<Subtask>> {
    let key = subtask_key(task_id, id);
    txn.get(&key)?.map(|b| decode(&key, &b)).transpose()
}

/// The subtasks of a task not finished, every step, in id order.
pub fn subtasks(txn: &dyn Transaction, task_id: i64) -> Result<Vec<Subtask>> {
    scan(txn, &subtask_prefix(task_id))
}

/// Every subtask of every task not finished.
pub fn all_subtasks(txn: &dyn Transaction) -> Result<Vec<Subtask>> {
    scan(txn, b"mDXFSubtask:")
}

pub fn subtask_history(txn: &dyn Transaction) -> Result<Vec<Subtask>> {
    scan(txn, b"mDXFSubtaskHistory:")
}

/// The subtasks of a finished task.
pub fn subtask_history_of(txn: &dyn Transaction, task_id: i64) -> Result<Vec<Subtask>> {
    scan(txn, format!("mDXFSubtaskHistory:{task_id:020}:").as_bytes())
}

/// Moves a finished task and its subtasks to the history.
pub fn finish(txn: &mut dyn Transaction, task: &Task) -> Result<()> {
    for subtask in subtasks(txn, task.id)? {
        txn.delete(subtask_key(task.id, subtask.id));
        txn.put(subtask_history_key(task.id, subtask.id), encode(&subtask));
    }
    txn.delete(task_key(task.id));
    txn.put(history_key(task.id), encode(task));
    Ok(())
}

pub fn put_node(txn: &mut dyn Transaction, node: &NodeMeta) {
    txn.put(node_key(&node.host), encode(node));
}

pub fn remove_node(txn: &mut dyn Transaction, host: &str) {
    txn.delete(node_key(host));
}

/// Every node that reported itself, alive or not.
pub fn nodes(txn: &dyn Transaction) -> Result<Vec<NodeMeta>> {
    scan(txn, b"mDXFNode:")
}
