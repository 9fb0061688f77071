//! The opensrv-mysql shim: one per connection, turning commands into session calls and
//! session results into packets.

use std::io;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use opensrv_mysql::{
    AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, InitWriter, ParamParser,
    QueryResultWriter, StatementMetaWriter, ValueInner,
};
use tokio::sync::mpsc;

use super::auth;
use super::packets::{self, ResponseBuilder, SERVER_STATUS_AUTOCOMMIT, SERVER_STATUS_IN_TRANS};
use super::wire::{ConnShared, ConnWriter, Reset};
use crate::node::Node;
use crate::session::Session;
use crate::sql::{Error, QueryResult};
use crate::types::Value;

/// Results larger than this are sent in pieces while they are encoded.
const SEND_CHUNK: usize = 64 * 1024;

pub struct Handler {
    node: Arc<Node>,
    shared: Arc<ConnShared>,
    out: mpsc::Sender<Bytes>,
    scramble: [u8; 20],
    connection_id: u32,
    peer_host: String,
    /// The account the handshake authenticated (authenticate() only gets `&self`).
    user: parking_lot::Mutex<String>,
    session: Option<Session>,
}

impl Handler {
    pub fn new(
        node: Arc<Node>,
        shared: Arc<ConnShared>,
        out: mpsc::Sender<Bytes>,
        peer_host: String,
    ) -> Self {
        let connection_id = node.next_connection_id();
        Handler {
            node,
            shared,
            out,
            scramble: auth::new_scramble(),
            connection_id,
            peer_host,
            user: parking_lot::Mutex::new(String::new()),
            session: None,
        }
    }

    async fn send(&self, bytes: Vec<u8>) -> io::Result<()> {
        self.out
            .send(Bytes::from(bytes))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "connection closed"))
    }

    fn session(&mut self) -> io::Result<&mut Session> {
        self.session
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::PermissionDenied, "not authenticated"))
    }

    fn status(&self) -> u16 {
        match &self.session {
            Some(s) => {
                let mut st = 0;
                if s.autocommit() {
                    st |= SERVER_STATUS_AUTOCOMMIT;
                }
                if s.in_transaction() {
                    st |= SERVER_STATUS_IN_TRANS;
                }
                st
            }
            None => SERVER_STATUS_AUTOCOMMIT,
        }
    }

    /// Applies COM_RESET_CONNECTION / COM_CHANGE_USER that opensrv acknowledged on its own.
    fn apply_resets(&mut self) -> io::Result<()> {
        for reset in self.shared.take_resets() {
            match reset {
                Reset::Connection => {
                    if let Some(s) = self.session.as_mut() {
                        s.reset();
                    }
                }
                Reset::ChangeUser(payload) => self.change_user(&payload)?,
            }
        }
        Ok(())
    }

    /// COM_CHANGE_USER: re-authenticates against the connection's scramble; a failure closes
    /// the connection (opensrv has already answered OK, so refusing is all that is left).
    fn change_user(&mut self, payload: &[u8]) -> io::Result<()> {
        let denied = || io::Error::new(io::ErrorKind::PermissionDenied, "COM_CHANGE_USER refused");
        let body = payload.get(1..).ok_or_else(denied)?;
        let nul = body.iter().position(|&b| b == 0).ok_or_else(denied)?;
        let user = String::from_utf8_lossy(&body[..nul]).into_owned();
        let rest = &body[nul + 1..];
        let len = *rest.first().ok_or_else(denied)? as usize;
        let response = rest.get(1..1 + len).ok_or_else(denied)?;
        let after = &rest[1 + len..];
        let db_end = after.iter().position(|&b| b == 0).unwrap_or(after.len());
        let db = String::from_utf8_lossy(&after[..db_end]).into_owned();
        let record = self
            .node
            .user(&user)
            .map_err(|_| denied())?
            .ok_or_else(denied)?;
        if !auth::verify(&record.auth_hash, &self.scramble, response) {
            return Err(denied());
        }
        let mut session = Session::new(
            self.node.clone(),
            self.connection_id,
            user,
            self.peer_host.clone(),
        );
        if !db.is_empty() {
            session.use_database(&db).map_err(|_| denied())?;
        }
        self.session = Some(session);
        Ok(())
    }

    async fn write_result(
        &mut self,
        result: Result<QueryResult, Error>,
        binary: bool,
    ) -> io::Result<()> {
        let caps = self.shared.client_capabilities();
        let mut b = ResponseBuilder::new(caps);
        let status = self.status();
        let warnings = self.session.as_ref().map_or(0, |s| {
            s.warnings.iter().filter(|w| w.level != "Error").count() as u16
        });
        match result {
            Err(e) => b.error(e.code, e.state, &e.message),
            Ok(QueryResult::Done(o)) => b.ok(o.affected_rows, o.last_insert_id, status, warnings),
            Ok(QueryResult::Rows(rs)) => {
                b.columns(&rs.columns, status);
                for row in &rs.rows {
                    if binary {
                        b.binary_row(&rs.columns, row);
                    } else {
                        b.text_row(&rs.columns, row);
                    }
                    if b.len() >= SEND_CHUNK {
                        let chunk = b.take();
                        self.send(chunk).await?;
                    }
                }
                b.end_rows(status, warnings);
            }
        }
        self.send(b.take()).await
    }

    async fn run_blocking<T>(&mut self, f: impl FnOnce(&mut Session) -> T) -> io::Result<T> {
        if self.node.is_stopped() {
            // The node left the cluster: its connections end with it.
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "node stopped",
            ));
        }
        let session = self.session()?;
        if session.is_disconnected() {
            // KILL [CONNECTION] from another session.
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection killed",
            ));
        }
        Ok(tokio::task::block_in_place(|| f(session)))
    }
}

#[async_trait]
impl AsyncMysqlShim<ConnWriter> for Handler {
    type Error = io::Error;

    fn version(&self) -> String {
        crate::server_version()
    }

    fn connect_id(&self) -> u32 {
        self.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.scramble
    }

    async fn authenticate(
        &self,
        _plugin: &str,
        username: &[u8],
        salt: &[u8],
        auth_data: &[u8],
    ) -> bool {
        let user = String::from_utf8_lossy(username).into_owned();
        let ok = match tokio::task::block_in_place(|| self.node.user(&user)) {
            Ok(Some(record)) => auth::verify(&record.auth_hash, salt, auth_data),
            _ => false,
        };
        if ok {
            *self.user.lock() = user;
        } else {
            // opensrv can only send 1698; MySQL sends 1045.
            let e = Error::access_denied(&user, &self.peer_host, !auth_data.is_empty());
            self.shared
                .override_next_error(packets::error_payload(e.code, e.state, &e.message));
        }
        ok
    }

    async fn on_init<'a>(
        &'a mut self,
        db: &'a str,
        w: InitWriter<'a, ConnWriter>,
    ) -> io::Result<()> {
        // Called for the database named in the handshake (the session starts here) and for
        // COM_INIT_DB. During the handshake the reply's sequence number depends on the auth
        // exchange, which only opensrv knows: reply through its writer.
        self.ensure_session();
        let db = db.to_string();
        match self.run_blocking(move |s| s.use_database(&db)).await? {
            Ok(()) => w.ok().await,
            Err(e) => {
                self.shared
                    .override_next_error(packets::error_payload(e.code, e.state, &e.message));
                w.error(ErrorKind::ER_BAD_DB_ERROR, e.message.as_bytes())
                    .await
            }
        }
    }

    async fn on_prepare<'a>(
        &'a mut self,
        query: &'a str,
        info: StatementMetaWriter<'a, ConnWriter>,
    ) -> io::Result<()> {
        self.ensure_session();
        self.apply_resets()?;
        let sql = query.to_string();
        match self.run_blocking(move |s| s.prepare(&sql)).await? {
            Ok((id, nparams, result_columns)) => {
                let columns: Vec<Column> = result_columns.iter().map(opensrv_column).collect();
                let params: Vec<Column> = (0..nparams)
                    .map(|_| Column {
                        table: String::new(),
                        column: "?".into(),
                        coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                info.reply(id, &params, &columns).await
            }
            Err(e) => {
                drop(info);
                self.write_result(Err(e), false).await
            }
        }
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        params: ParamParser<'a>,
        results: QueryResultWriter<'a, ConnWriter>,
    ) -> io::Result<()> {
        self.apply_resets()?;
        let values: Vec<Value> = params
            .into_iter()
            .map(|p| param_value(p.value.into_inner(), p.coltype))
            .collect();
        drop(results);
        let result = self
            .run_blocking(move |s| s.execute_prepared(id, &values))
            .await?;
        self.write_result(result, true).await
    }

    async fn on_close<'a>(&'a mut self, stmt: u32)
    where
        ConnWriter: 'async_trait,
    {
        if let Some(s) = self.session.as_mut() {
            s.close_prepared(stmt);
        }
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        results: QueryResultWriter<'a, ConnWriter>,
    ) -> io::Result<()> {
        drop(results);
        self.ensure_session();
        self.apply_resets()?;
        let sql = query.to_string();
        let result = self.run_blocking(move |s| s.execute(&sql)).await?;
        self.write_result(result, false).await
    }
}

impl Handler {
    fn start_session(&mut self) {
        let user = self.user.lock().clone();
        self.session = Some(Session::new(
            self.node.clone(),
            self.connection_id,
            user,
            self.peer_host.clone(),
        ));
    }

    /// opensrv only calls on_init when the handshake names a database; otherwise the
    /// session starts with the first command (authentication has passed by then).
    fn ensure_session(&mut self) {
        if self.session.is_none() {
            self.start_session();
        }
    }
}

/// A result column as opensrv describes it in a prepare response (the execute response
/// carries moltdb's own, fuller definitions).
fn opensrv_column(c: &crate::sql::ResultColumn) -> Column {
    use crate::types::{DataType, IntKind};
    let coltype = match &c.ty {
        None => ColumnType::MYSQL_TYPE_NULL,
        Some(DataType::Int { kind, .. }) => match kind {
            IntKind::Tiny => ColumnType::MYSQL_TYPE_TINY,
            IntKind::Small => ColumnType::MYSQL_TYPE_SHORT,
            IntKind::Medium => ColumnType::MYSQL_TYPE_INT24,
            IntKind::Int => ColumnType::MYSQL_TYPE_LONG,
            IntKind::Big => ColumnType::MYSQL_TYPE_LONGLONG,
        },
        Some(DataType::Decimal { .. }) => ColumnType::MYSQL_TYPE_NEWDECIMAL,
        Some(DataType::Float) => ColumnType::MYSQL_TYPE_FLOAT,
        Some(DataType::Double) => ColumnType::MYSQL_TYPE_DOUBLE,
        Some(DataType::Date) => ColumnType::MYSQL_TYPE_DATE,
        Some(DataType::DateTime { .. }) => ColumnType::MYSQL_TYPE_DATETIME,
        Some(DataType::Timestamp { .. }) => ColumnType::MYSQL_TYPE_TIMESTAMP,
        Some(DataType::Text { .. } | DataType::Blob { .. }) => ColumnType::MYSQL_TYPE_BLOB,
        Some(_) => ColumnType::MYSQL_TYPE_VAR_STRING,
    };
    let mut colflags = ColumnFlags::empty();
    if matches!(c.ty, Some(DataType::Int { unsigned: true, .. })) {
        colflags |= ColumnFlags::UNSIGNED_FLAG;
    }
    Column {
        table: c.table.clone(),
        column: c.name.clone(),
        coltype,
        colflags,
    }
}

/// A binary-protocol parameter as a value.
fn param_value(v: ValueInner<'_>, coltype: ColumnType) -> Value {
    use chrono::{NaiveDate, NaiveDateTime};
    match v {
        ValueInner::NULL => Value::Null,
        ValueInner::Bytes(b) => Value::Bytes(b.to_vec()),
        ValueInner::Int(i) => Value::Int(i),
        ValueInner::UInt(u) => Value::UInt(u),
        ValueInner::Double(f) => {
            if coltype == ColumnType::MYSQL_TYPE_FLOAT {
                Value::Float(f64::from(f as f32))
            } else {
                Value::Float(f)
            }
        }
        ValueInner::Date(b) | ValueInner::Datetime(b) => {
            let get = |i: usize| b.get(i).copied().unwrap_or(0);
            let year = u16::from_le_bytes([get(0), get(1)]);
            let date =
                NaiveDate::from_ymd_opt(i32::from(year), u32::from(get(2)), u32::from(get(3)));
            let micros = if b.len() >= 11 {
                u32::from_le_bytes([b[7], b[8], b[9], b[10]])
            } else {
                0
            };
            let time = chrono::NaiveTime::from_hms_micro_opt(
                u32::from(get(4)),
                u32::from(get(5)),
                u32::from(get(6)),
                micros,
            );
            match (date, time) {
                (Some(d), _) if b.len() <= 4 => Value::Date(d),
                (Some(d), Some(t)) => Value::DateTime(NaiveDateTime::new(d, t)),
                _ => Value::Null,
            }
        }
        ValueInner::Time(b) => Value::Bytes(format!("{b:?}").into_bytes()),
    }
}
