//! One client connection: the handshake, then one command after another until COM_QUIT, a
//! closed socket, KILL, or the node stopping.
//!
//! Every command is answered here in MySQL's exact form (sequence numbers, status flags,
//! error codes); the work itself is the session's. A connection has a thread of its own (see
//! `server::serve`), so session calls run right there, however long a statement waits; a
//! panic inside one becomes error 1105 for that statement instead of a dead connection or
//! process.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::charset;
use super::codec::{self, PacketReader, ReadError};
use super::handshake::{
    self, Cursor, Login, CLIENT_FOUND_ROWS, CLIENT_LOCAL_FILES, CLIENT_MULTI_STATEMENTS,
    CLIENT_SSL, SERVER_CAPABILITIES,
};
use super::local_file::{self, IncomingFile};
use super::packets::{
    ResponseBuilder, SERVER_MORE_RESULTS_EXISTS, SERVER_STATUS_AUTOCOMMIT, SERVER_STATUS_IN_TRANS,
};
use super::params::StatementWire;
use super::tls::Tls;
use crate::domain::Domain;
use crate::error::Error;
use crate::privilege::{password, AccountName};
use crate::session::{Session, TlsInfo};
use crate::sql::QueryResult;
use crate::types::collation::Collation;

const COM_QUIT: u8 = 0x01;
const COM_INIT_DB: u8 = 0x02;
const COM_QUERY: u8 = 0x03;
const COM_FIELD_LIST: u8 = 0x04;
const COM_STATISTICS: u8 = 0x09;
const COM_PROCESS_KILL: u8 = 0x0c;
const COM_PING: u8 = 0x0e;
const COM_CHANGE_USER: u8 = 0x11;
const COM_STMT_PREPARE: u8 = 0x16;
const COM_STMT_EXECUTE: u8 = 0x17;
const COM_STMT_SEND_LONG_DATA: u8 = 0x18;
const COM_STMT_CLOSE: u8 = 0x19;
const COM_STMT_RESET: u8 = 0x1a;
const COM_SET_OPTION: u8 = 0x1b;
const COM_STMT_FETCH: u8 = 0x1c;
const COM_RESET_CONNECTION: u8 = 0x1f;

/// Results larger than this are sent in pieces while they are encoded.
const SEND_CHUNK: usize = 64 * 1024;
/// The handshake response is small; anything larger is not a MySQL client.
const MAX_LOGIN_PACKET: usize = 1 << 20;
/// MySQL's limit on placeholders in one statement (the count is a 16-bit field).
const MAX_PLACEHOLDERS: usize = u16::MAX as usize;

/// The client's side of the connection, plain or TLS.
type ClientRead = Box<dyn AsyncRead + Unpin + Send>;
type ClientWrite = Box<dyn AsyncWrite + Unpin + Send>;

/// Runs one connection to its end.
pub async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    domain: Arc<Domain>,
    tls: Option<Tls>,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let Some(mut conn) = Connection::accept(stream, peer, domain, tls).await? else {
        return Ok(());
    };
    conn.serve().await
}

/// Who is logging in, from where, and over what.
struct Peer<'a> {
    host: &'a str,
    scramble: &'a [u8; 20],
    /// Whether the connection is TLS.
    secure: bool,
}

struct Connection {
    domain: Arc<Domain>,
    reader: PacketReader<ClientRead>,
    writer: ClientWrite,
    scramble: [u8; 20],
    peer_host: String,
    /// What TLS negotiated, on a secured connection.
    tls: Option<TlsInfo>,
    /// The capabilities both sides have.
    capabilities: u32,
    /// CLIENT_MULTI_STATEMENTS, switched by COM_SET_OPTION.
    multi_statements: bool,
    max_packet: usize,
    /// Away only while a LOAD DATA LOCAL runs on a thread of its own, which the connection
    /// waits for (`load_local_file`).
    session: Option<Session>,
    statements: HashMap<u32, StatementWire>,
    packet: Vec<u8>,
}

impl Connection {
    /// The connection phase: greeting, an optional SSLRequest and TLS handshake, login,
    /// optional auth switch, OK. `None` when the client was refused (it has been told why).
    async fn accept(
        mut stream: TcpStream,
        peer: SocketAddr,
        domain: Arc<Domain>,
        tls: Option<Tls>,
    ) -> io::Result<Option<Connection>> {
        let connection_id = domain.next_connection_id();
        let scramble = password::new_scramble();
        let peer_host = peer.ip().to_string();
        let server_caps = SERVER_CAPABILITIES | if tls.is_some() { CLIENT_SSL } else { 0 };
        let mut out = Vec::new();
        codec::frame(
            &mut out,
            0,
            &handshake::greeting(
                &crate::domain::variables::server_version(),
                connection_id,
                &scramble,
                server_caps,
            ),
        );
        codec::send(&mut stream, &out).await?;

        // Read unbuffered: after an SSLRequest the next bytes are the TLS handshake's.
        let Ok((seq, first)) = codec::read_one(&mut stream, MAX_LOGIN_PACKET).await else {
            return Ok(None);
        };
        let (mut reader, mut writer, packet, negotiated) = match &tls {
            Some(tls) if handshake::is_ssl_request(&first) => {
                let (secured, negotiated) = tls.accept(stream).await?;
                let (read, write) = tokio::io::split(secured);
                let mut reader = PacketReader::new(Box::new(read) as ClientRead);
                let mut packet = Vec::new();
                if reader
                    .read_into(&mut packet, MAX_LOGIN_PACKET)
                    .await
                    .is_err()
                {
                    return Ok(None);
                }
                (
                    reader,
                    Box::new(write) as ClientWrite,
                    packet,
                    Some(negotiated),
                )
            }
            _ => {
                let (read, write) = stream.into_split();
                let mut reader = PacketReader::new(Box::new(read) as ClientRead);
                reader.last_seq = seq;
                (reader, Box::new(write) as ClientWrite, first, None)
            }
        };
        let mut login = match handshake::parse_response(&packet) {
            Ok(login) => login,
            Err(bad) => {
                tracing::debug!(%peer, reason = bad.0, "bad handshake");
                let mut b = ResponseBuilder::with_seq(0, reader.last_seq.wrapping_add(1));
                b.error(&Error::new(1043, "08S01", "Bad handshake"));
                codec::send(&mut writer, &b.take()).await?;
                return Ok(None);
            }
        };
        let capabilities = login.capabilities & server_caps;
        let seq = reader.last_seq.wrapping_add(1);
        let from = Peer {
            host: &peer_host,
            scramble: &scramble,
            secure: negotiated.is_some(),
        };
        let checked = authenticate(
            &mut reader,
            &mut writer,
            capabilities,
            &domain,
            &from,
            &mut login,
            seq,
        )
        .await?;
        let Some((account, seq)) = checked.ready() else {
            return Ok(None);
        };
        let mut b = ResponseBuilder::with_seq(capabilities, seq);
        let session = match account.and_then(|account| {
            let tls = negotiated.clone();
            login_session(&domain, connection_id, &peer_host, account, tls, &login)
        }) {
            Ok(session) => session,
            Err(e) => {
                b.error(&e);
                codec::send(&mut writer, &b.take()).await?;
                return Ok(None);
            }
        };
        let max_packet = session.max_allowed_packet();
        let mut conn = Connection {
            domain,
            reader,
            writer,
            scramble,
            peer_host,
            tls: negotiated,
            capabilities,
            multi_statements: capabilities & CLIENT_MULTI_STATEMENTS != 0,
            max_packet,
            session: Some(session),
            statements: HashMap::new(),
            packet,
        };
        b.ok(0, 0, conn.status(), 0);
        conn.send(b.take()).await?;
        tracing::debug!(%peer, connection_id, "connection opened");
        Ok(Some(conn))
    }

    async fn serve(&mut self) -> io::Result<()> {
        loop {
            let mut packet = std::mem::take(&mut self.packet);
            let read = self.reader.read_into(&mut packet, self.max_packet).await;
            let result = match read {
                Ok(()) => self.command(&packet).await,
                Err(ReadError::Closed) => return Ok(()),
                Err(ReadError::TooLarge) => {
                    // The rest of the packet is still on the wire: answer, then hang up.
                    let mut b = self.response();
                    b.error(&Error::new(
                        1153,
                        "08S01",
                        "Got a packet bigger than 'max_allowed_packet' bytes",
                    ));
                    return self.send(b.take()).await;
                }
                Err(ReadError::Io(e)) => return Err(e),
            };
            self.packet = packet;
            match result? {
                Flow::Continue => {}
                Flow::Close => return Ok(()),
            }
        }
    }

    /// A response builder numbered after the command just read, sending text in the
    /// session's `character_set_results`.
    fn response(&self) -> ResponseBuilder {
        ResponseBuilder::with_seq(self.capabilities, self.reader.last_seq.wrapping_add(1))
            .with_results_encoding(self.encoding("character_set_results"))
    }

    /// The conversion the session's character set variable `name` asks for.
    fn encoding(&self, name: &str) -> Option<&'static encoding_rs::Encoding> {
        let globals = self.domain.globals.read();
        let value = self.session().state.vars.get(name, &globals)?;
        charset::encoding(&value.to_string_lossy())
    }

    async fn send(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        codec::send(&mut self.writer, &bytes).await
    }

    fn session(&self) -> &Session {
        self.session
            .as_ref()
            .expect("the session is back before the connection reads its next command")
    }

    fn session_mut(&mut self) -> &mut Session {
        self.session
            .as_mut()
            .expect("the session is back before the connection reads its next command")
    }

    fn status(&self) -> u16 {
        let mut status = 0;
        if self.session().autocommit() {
            status |= SERVER_STATUS_AUTOCOMMIT;
        }
        if self.session().in_transaction() {
            status |= SERVER_STATUS_IN_TRANS;
        }
        status
    }

    fn warning_count(&self) -> u16 {
        let n = self
            .session()
            .warnings
            .iter()
            .filter(|w| w.level != "Error")
            .count();
        u16::try_from(n).unwrap_or(u16::MAX)
    }

    /// Runs `f` on the session; a panic becomes error 1105 and rolls back the open
    /// transaction.
    fn run<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T, Error>) -> Result<T, Error> {
        let session = self.session_mut();
        match catch_unwind(AssertUnwindSafe(|| f(session))) {
            Ok(result) => result,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                tracing::error!(panic = %what, "statement panicked; transaction rolled back");
                let _ = catch_unwind(AssertUnwindSafe(|| session.rollback()));
                Err(Error::new(1105, "HY000", format!("internal error: {what}")))
            }
        }
    }

    async fn command(&mut self, packet: &[u8]) -> io::Result<Flow> {
        if self.domain.is_stopped() || self.session().is_disconnected() {
            // The node left the cluster, or KILL [CONNECTION] from another session.
            return Ok(Flow::Close);
        }
        let Some((&cmd, body)) = packet.split_first() else {
            return self.unknown_command().await;
        };
        match cmd {
            COM_QUIT => return Ok(Flow::Close),
            COM_QUERY => self.query(body).await?,
            COM_INIT_DB => {
                let db = String::from_utf8_lossy(body).into_owned();
                let result = self.run(|s| s.use_database(&db).map(|()| QueryResult::ok()));
                self.reply(result).await?;
            }
            COM_PING => self.reply(Ok(QueryResult::ok())).await?,
            COM_FIELD_LIST => self.field_list(body).await?,
            COM_STATISTICS => {
                let processes = self.domain.processes.list().len();
                let text = format!(
                    "Uptime: {}  Threads: {processes}  Questions: 0  Slow queries: 0  Opens: 0  \
                     Open tables: 0  Queries per second avg: 0.000",
                    self.domain.processes.uptime_secs()
                );
                let mut b = self.response();
                b.raw(text.as_bytes());
                self.send(b.take()).await?;
            }
            COM_PROCESS_KILL => {
                let result = match Cursor(body).u32() {
                    Some(id) if self.domain.processes.kill(id, false) => Ok(QueryResult::ok()),
                    Some(id) => Err(Error::new(
                        1094,
                        "HY000",
                        format!("Unknown thread id: {id}"),
                    )),
                    None => Err(malformed()),
                };
                self.reply(result).await?;
            }
            COM_CHANGE_USER => return self.change_user(body).await,
            COM_RESET_CONNECTION => {
                self.session_mut().reset();
                self.statements.clear();
                self.reply(Ok(QueryResult::ok())).await?;
            }
            COM_SET_OPTION => match Cursor(body).u16() {
                Some(option @ (0 | 1)) => {
                    self.multi_statements = option == 0;
                    let mut b = self.response();
                    b.end_rows(self.status(), 0);
                    self.send(b.take()).await?;
                }
                _ => return self.unknown_command().await,
            },
            COM_STMT_PREPARE => self.prepare(body).await?,
            COM_STMT_EXECUTE => self.execute(body).await?,
            COM_STMT_SEND_LONG_DATA => {
                // No response, even for an unknown statement (MySQL reports it at execute).
                let mut r = Cursor(body);
                if let (Some(id), Some(param)) = (r.u32(), r.u16()) {
                    if let Some(stmt) = self.statements.get_mut(&id) {
                        stmt.append_long_data(usize::from(param), r.rest());
                    }
                }
            }
            COM_STMT_CLOSE => {
                // No response.
                if let Some(id) = Cursor(body).u32() {
                    self.statements.remove(&id);
                    self.session_mut().close_prepared(id);
                }
            }
            COM_STMT_RESET => {
                let result = match Cursor(body).u32() {
                    Some(id) => match self.statements.get_mut(&id) {
                        Some(stmt) => {
                            stmt.reset();
                            Ok(QueryResult::ok())
                        }
                        None => Err(unknown_statement(id, "mysqld_stmt_reset")),
                    },
                    None => Err(malformed()),
                };
                self.reply(result).await?;
            }
            COM_STMT_FETCH => {
                // moltdb never opens a cursor: results come whole with the execution.
                let id = Cursor(body).u32().unwrap_or(0);
                let e = Error::new(
                    1421,
                    "HY000",
                    format!("The statement ({id}) has no open cursor."),
                );
                self.reply(Err(e)).await?;
            }
            _ => return self.unknown_command().await,
        }
        Ok(Flow::Continue)
    }

    async fn unknown_command(&mut self) -> io::Result<Flow> {
        self.reply(Err(Error::new(1047, "08S01", "Unknown command")))
            .await?;
        Ok(Flow::Continue)
    }

    /// Answers a command with one result.
    async fn reply(&mut self, result: Result<QueryResult, Error>) -> io::Result<()> {
        let mut b = self.response();
        self.write_result(&mut b, result, false, false).await?;
        self.send(b.take()).await
    }

    /// Appends one statement's result to `b`, sending full chunks of a large result as they
    /// are encoded. `more` marks a result that another follows (multi-statements).
    async fn write_result(
        &mut self,
        b: &mut ResponseBuilder,
        result: Result<QueryResult, Error>,
        binary: bool,
        more: bool,
    ) -> io::Result<()> {
        let mut status = self.status();
        if more {
            status |= SERVER_MORE_RESULTS_EXISTS;
        }
        let warnings = self.warning_count();
        match result {
            Err(e) => b.error(&e),
            Ok(QueryResult::Done(o)) => {
                let rows = match o.matched_rows {
                    Some(matched) if self.capabilities & CLIENT_FOUND_ROWS != 0 => matched,
                    _ => o.affected_rows,
                };
                b.ok_with_info(
                    rows,
                    o.last_insert_id,
                    status,
                    warnings,
                    o.info.as_deref().unwrap_or(""),
                )
            }
            Ok(QueryResult::Rows(rs)) => {
                b.columns(&rs.columns, status);
                for row in &rs.rows {
                    if binary {
                        b.binary_row(&rs.columns, row);
                    } else {
                        b.text_row(&rs.columns, row);
                    }
                    if b.buffered() >= SEND_CHUNK {
                        let chunk = b.take();
                        self.send(chunk).await?;
                    }
                }
                b.end_rows(status, warnings);
            }
        }
        Ok(())
    }

    /// COM_QUERY: one statement, or several when the client enabled multi-statements (each
    /// result flagged "more results" but the last; the first error ends the batch).
    async fn query(&mut self, body: &[u8]) -> io::Result<()> {
        let sql = match charset::decode(body, self.encoding("character_set_client")) {
            Ok(sql) => sql.into_owned(),
            Err(e) => return self.reply(Err(e)).await,
        };
        let sql = sql.as_str();
        let statements = if self.multi_statements {
            crate::sql::parser::split_statements(sql)
        } else {
            vec![sql]
        };
        let mut b = self.response();
        let last = statements.len().saturating_sub(1);
        for (i, stmt) in statements.into_iter().enumerate() {
            let result = match crate::sql::import::local_infile(stmt) {
                Some(name) => {
                    // The client sends the file now; the answer follows its packets.
                    let (result, next) = self.load_local_file(&mut b, stmt, &name).await?;
                    b = next;
                    result
                }
                None => self.run(|s| s.execute(stmt)),
            };
            let failed = result.is_err();
            self.write_result(&mut b, result, false, i < last && !failed)
                .await?;
            if failed {
                break;
            }
        }
        self.send(b.take()).await
    }

    /// LOAD DATA LOCAL `sql`: asks the client for file `name` (a 0xFB packet after what `b`
    /// holds) and runs the statement on a thread of its own, which reads the file as this
    /// task receives it, up to the client's empty packet: parsing and inserting overlap with
    /// the transfer, and memory holds a few packets, not the file. A statement that ends
    /// early (an error) stops reading, and the rest of the file is received and dropped.
    /// Returns the statement's result and the builder for the answer, numbered after the
    /// client's last packet.
    async fn load_local_file(
        &mut self,
        b: &mut ResponseBuilder,
        sql: &str,
        name: &str,
    ) -> io::Result<(Result<QueryResult, Error>, ResponseBuilder)> {
        if self.capabilities & CLIENT_LOCAL_FILES == 0 {
            let refused = Error::new(
                3948,
                "42000",
                "Loading local data is disabled; this must be enabled on both the client and server sides",
            );
            return Ok((Err(refused), std::mem::replace(b, self.response())));
        }
        let mut request = vec![0xfb];
        request.extend_from_slice(name.as_bytes());
        b.raw(&request);
        let bytes = b.take();
        self.send(bytes).await?;
        let Some(mut session) = self.session.take() else {
            return Err(io::Error::other("the session is away"));
        };
        let (packets, incoming) = tokio::sync::mpsc::channel(local_file::PACKETS_AHEAD);
        let (done, finished) = tokio::sync::oneshot::channel();
        let sql = sql.to_string();
        let spawned = std::thread::Builder::new()
            .name("load-data-local".into())
            .spawn(move || {
                let file = Box::new(IncomingFile::new(incoming));
                let result = catch_unwind(AssertUnwindSafe(|| {
                    session.execute_with_local_file(&sql, file)
                }))
                .unwrap_or_else(|_| {
                    let _ = catch_unwind(AssertUnwindSafe(|| session.rollback()));
                    Err(Error::new(
                        1105,
                        "HY000",
                        "internal error: LOAD DATA LOCAL panicked",
                    ))
                });
                let _ = done.send((session, result));
            });
        // Not started, the closure took the session with it: the connection cannot go on.
        spawned?;
        // Whatever happens to the statement, the client's packets are read to the end.
        let mut statement_reads = true;
        let received = loop {
            let mut packet = Vec::new();
            match self.reader.read_into(&mut packet, self.max_packet).await {
                Ok(()) => {}
                Err(ReadError::Io(e)) => break Err(e),
                Err(ReadError::Closed) => {
                    break Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"))
                }
                Err(ReadError::TooLarge) => {
                    break Err(io::Error::other(
                        "a LOCAL INFILE packet over max_allowed_packet",
                    ))
                }
            }
            let end = packet.is_empty();
            if statement_reads {
                // `None` marks the end of the file: a channel closed without it is a
                // transfer cut short, which fails the statement.
                let item = if end { None } else { Some(packet) };
                statement_reads = packets.send(item).await.is_ok();
            }
            if end {
                break Ok(());
            }
        };
        drop(packets);
        let (session, result) = finished.await.map_err(|_| {
            io::Error::other("the LOAD DATA LOCAL thread ended without its session")
        })?;
        self.session = Some(session);
        received?;
        Ok((result, self.response()))
    }

    /// COM_FIELD_LIST (deprecated, still sent by the mysql CLI's name completion): the
    /// definitions of a table's columns.
    async fn field_list(&mut self, body: &[u8]) -> io::Result<()> {
        let table = String::from_utf8_lossy(Cursor(body).nul_bytes().unwrap_or_default());
        let sql = format!("SELECT * FROM `{}` LIMIT 0", table.replace('`', "``"));
        match self.run(|s| s.execute(&sql)) {
            Ok(QueryResult::Rows(rs)) => {
                let mut b = self.response();
                b.field_list(&rs.columns, self.status());
                self.send(b.take()).await
            }
            Ok(QueryResult::Done(_)) => self.reply(Err(malformed())).await,
            Err(e) => self.reply(Err(e)).await,
        }
    }

    async fn prepare(&mut self, body: &[u8]) -> io::Result<()> {
        let sql = match charset::decode(body, self.encoding("character_set_client")) {
            Ok(sql) => sql.into_owned(),
            Err(e) => return self.reply(Err(e)).await,
        };
        let sql = sql.as_str();
        let prepared = self.run(|s| s.prepare(sql));
        match prepared {
            Ok((id, params, _)) if params > MAX_PLACEHOLDERS => {
                self.session_mut().close_prepared(id);
                let e = Error::new(
                    1390,
                    "HY000",
                    "Prepared statement contains too many placeholders",
                );
                self.reply(Err(e)).await
            }
            Ok((id, params, columns)) => {
                self.statements.insert(id, StatementWire::new(params));
                let mut b = self.response();
                b.prepare_ok(id, params, &columns, self.warning_count());
                self.send(b.take()).await
            }
            Err(e) => self.reply(Err(e)).await,
        }
    }

    /// COM_STMT_EXECUTE: statement id, cursor flags (ignored: results always come whole),
    /// iteration count, then the parameters.
    async fn execute(&mut self, body: &[u8]) -> io::Result<()> {
        let mut r = Cursor(body);
        let (Some(id), Some(_flags), Some(_iterations)) = (r.u32(), r.u8(), r.u32()) else {
            return self.reply(Err(malformed())).await;
        };
        let client = self.encoding("character_set_client");
        let params = match self.statements.get_mut(&id) {
            Some(stmt) => stmt.decode_in(r.rest(), client),
            None => Err(unknown_statement(id, "mysqld_stmt_execute")),
        };
        let result = match params {
            Ok(values) => self.run(|s| s.execute_prepared(id, &values)),
            Err(e) => Err(e),
        };
        let mut b = self.response();
        self.write_result(&mut b, result, true, false).await?;
        self.send(b.take()).await
    }

    /// COM_CHANGE_USER: a new login on this connection. A refused login ends the connection.
    async fn change_user(&mut self, body: &[u8]) -> io::Result<Flow> {
        let mut login = match handshake::parse_change_user(body, self.capabilities) {
            Ok(login) => login,
            Err(_) => {
                self.reply(Err(malformed())).await?;
                return Ok(Flow::Close);
            }
        };
        let seq = self.reader.last_seq.wrapping_add(1);
        let id = self.session().state.connection_id;
        let domain = self.domain.clone();
        let (host, scramble) = (self.peer_host.clone(), self.scramble);
        let from = Peer {
            host: &host,
            scramble: &scramble,
            secure: self.tls.is_some(),
        };
        let checked = authenticate(
            &mut self.reader,
            &mut self.writer,
            self.capabilities,
            &domain,
            &from,
            &mut login,
            seq,
        )
        .await?;
        let Some((account, seq)) = checked.ready() else {
            return Ok(Flow::Close);
        };
        let mut b = ResponseBuilder::with_seq(self.capabilities, seq);
        let tls = self.tls.clone();
        let session =
            account.and_then(|account| login_session(&domain, id, &host, account, tls, &login));
        match session {
            Ok(session) => {
                self.session_mut().rollback();
                self.session = Some(session);
                self.statements.clear();
                b.ok(0, 0, self.status(), 0);
                self.send(b.take()).await?;
                Ok(Flow::Continue)
            }
            Err(e) => {
                b.error(&e);
                self.send(b.take()).await?;
                Ok(Flow::Close)
            }
        }
    }
}

enum Flow {
    Continue,
    Close,
}

/// What [`authenticate`] found: the account (or why the login is refused) and the sequence
/// number of the next packet, or a client that went away mid-login.
enum Checked {
    Done(Result<AccountName, Error>, u8),
    Gone,
}

impl Checked {
    fn ready(self) -> Option<(Result<AccountName, Error>, u8)> {
        match self {
            Checked::Done(account, seq) => Some((account, seq)),
            Checked::Gone => None,
        }
    }
}

/// Checks a login's password against the account it picks (MySQL's order: the most
/// specific host first), asking the client to answer with the account's auth plugin first
/// if it used another one. caching_sha2_password's fast path is confirmed before the OK.
async fn authenticate(
    reader: &mut PacketReader<ClientRead>,
    writer: &mut ClientWrite,
    capabilities: u32,
    domain: &Domain,
    from: &Peer<'_>,
    login: &mut Login,
    mut seq: u8,
) -> io::Result<Checked> {
    let (peer_host, scramble) = (from.host, from.scramble);
    if !from.secure && domain.require_secure_transport() {
        let e = Error::new(
            3159,
            "HY000",
            "Connections using insecure transport are prohibited while --require_secure_transport=ON.",
        );
        return Ok(Checked::Done(Err(e), seq));
    }
    let privileges = domain.privileges();
    let account = privileges.login_account(&login.user, peer_host);
    let plugin = account.map_or(handshake::NATIVE_PASSWORD, |a| a.plugin.as_str());
    if login.needs_switch(plugin) {
        let mut b = ResponseBuilder::with_seq(capabilities, seq);
        b.raw(&handshake::auth_switch(plugin, scramble));
        codec::send(writer, &b.take()).await?;
        let mut packet = Vec::new();
        if reader
            .read_into(&mut packet, MAX_LOGIN_PACKET)
            .await
            .is_err()
        {
            return Ok(Checked::Gone);
        }
        login.auth_response = packet;
        seq = reader.last_seq.wrapping_add(1);
    }
    let denied = || Error::access_denied(&login.user, peer_host, !login.auth_response.is_empty());
    let Some(account) = account else {
        return Ok(Checked::Done(Err(denied()), seq));
    };
    // REQUIRE SSL: refused like a wrong password, as MySQL does.
    let insecure = account.require_ssl && !from.secure;
    if insecure || !password::verify(plugin, &account.auth, scramble, &login.auth_response) {
        return Ok(Checked::Done(Err(denied()), seq));
    }
    if account.locked {
        let e = Error::new(
            3118,
            "HY000",
            format!(
                "Access denied for user '{}'@'{}'. Account is locked.",
                login.user, peer_host
            ),
        );
        return Ok(Checked::Done(Err(e), seq));
    }
    if plugin == handshake::CACHING_SHA2_PASSWORD && !account.auth.is_empty() {
        let mut b = ResponseBuilder::with_seq(capabilities, seq);
        b.raw(&handshake::FAST_AUTH_SUCCESS);
        codec::send(writer, &b.take()).await?;
        seq = seq.wrapping_add(1);
    }
    let name = AccountName::new(account.user.clone(), account.host.clone());
    Ok(Checked::Done(Ok(name), seq))
}

/// Opens an authenticated login's session (over TLS if `tls` says so) in the database it
/// names.
fn login_session(
    domain: &Arc<Domain>,
    connection_id: u32,
    peer_host: &str,
    account: AccountName,
    tls: Option<TlsInfo>,
    login: &Login,
) -> Result<Session, Error> {
    let mut session = Session::new(
        domain.clone(),
        connection_id,
        login.user.clone(),
        peer_host.to_string(),
        account,
    );
    session.state.tls = tls;
    // The character set the client logged in with is the session's, as SET NAMES makes it,
    // and so is its collation, the way the session's literals compare (as TiDB takes it).
    if let Some(c) = Collation::by_id(u16::from(login.collation)) {
        if c != Collation::UTF8MB4_BIN {
            session.execute(&format!("SET NAMES {} COLLATE {}", c.charset(), c.name()))?;
        }
    } else if let Some(charset) = charset::of_collation(login.collation) {
        session.execute(&format!("SET NAMES {charset}"))?;
    }
    if let Some(db) = &login.database {
        session.use_database(db)?;
    }
    Ok(session)
}

fn malformed() -> Error {
    Error::new(1835, "HY000", "Malformed communication packet.")
}

fn unknown_statement(id: u32, command: &str) -> Error {
    Error::new(
        1243,
        "HY000",
        format!("Unknown prepared statement handler ({id}) given to {command}"),
    )
}
