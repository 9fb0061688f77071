//! Test harness shared by the integration tests: starts the real `moltdb` binary on an ephemeral
//! port with its own data directory, waits until it speaks the MySQL protocol, and kills it on drop.
//!
//! `MOLTDB_TEST_ADDR=host:port` makes [`TestServer::external_or_start`] target an already running
//! MySQL-compatible server instead (used to check the `.slt` expectations against MySQL/MariaDB).
//! `MOLTDB_TEST_USER` / `MOLTDB_TEST_PASSWORD` override the credentials for that server (default:
//! `root` with an empty password). `MOLTDB_TEST_LOG_LEVEL` sets the spawned server's `--log-level`.
#![allow(dead_code)]

pub mod ddl;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a freshly spawned server may take until it completes a MySQL handshake.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The storage engine spawned servers use: `MOLTDB_TEST_ENGINE` (fjall or sled), else the
/// server's default.
pub fn test_engine() -> Option<moltdb::kv::EngineKind> {
    let name = std::env::var("MOLTDB_TEST_ENGINE").ok()?;
    Some(name.parse().expect("MOLTDB_TEST_ENGINE is fjall or sled"))
}

/// A moltdb server spawned for one test, or an external server named by `MOLTDB_TEST_ADDR`.
pub struct TestServer {
    child: Option<Child>,
    /// Owns the temporary directory (data dir + server log); `None` for external servers.
    tempdir: Option<tempfile::TempDir>,
    host: String,
    port: u16,
    user: String,
    password: String,
    /// Environment variables the spawned binary gets (e.g. `MOLTDB_FAILPOINTS`).
    env: Vec<(String, String)>,
    /// Extra command-line arguments of the spawned binary (e.g. `--temp-dir`).
    args: Vec<String>,
}

impl TestServer {
    /// Spawns a moltdb server on a free port with a fresh data directory.
    pub fn start() -> TestServer {
        TestServer::start_with(&[], &[])
    }

    /// Like [`TestServer::start`], with environment variables and extra arguments for the
    /// binary (they stay for restarts; [`TestServer::set_env`] changes the variables).
    pub fn start_with(env: &[(&str, &str)], args: &[String]) -> TestServer {
        let tempdir = tempfile::Builder::new()
            .prefix("moltdb-test-")
            .tempdir()
            .expect("create temp dir");
        let mut server = TestServer {
            child: None,
            tempdir: Some(tempdir),
            host: "127.0.0.1".to_string(),
            port: 0,
            user: "root".to_string(),
            password: String::new(),
            env: Vec::new(),
            args: args.to_vec(),
        };
        server.set_env(env);
        server.spawn();
        server
    }

    /// The environment variables of the next spawn (restart); none of them is inherited
    /// from the test process.
    pub fn set_env(&mut self, env: &[(&str, &str)]) {
        self.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    }

    /// The external server from `MOLTDB_TEST_ADDR` if set, else a freshly spawned moltdb.
    pub fn external_or_start() -> TestServer {
        match external_addr() {
            Some((host, port)) => TestServer {
                child: None,
                tempdir: None,
                host,
                port,
                user: std::env::var("MOLTDB_TEST_USER").unwrap_or_else(|_| "root".to_string()),
                password: std::env::var("MOLTDB_TEST_PASSWORD").unwrap_or_default(),
                env: Vec::new(),
                args: Vec::new(),
            },
            None => TestServer::start(),
        }
    }

    pub fn is_external(&self) -> bool {
        self.tempdir.is_none()
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// `host:port` of the server.
    pub fn addr(&self) -> SocketAddr {
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .expect("resolve server address")
            .next()
            .expect("server address")
    }

    /// The data directory of a spawned server.
    pub fn data_dir(&self) -> PathBuf {
        self.tempdir
            .as_ref()
            .expect("external server has no data dir")
            .path()
            .join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.tempdir
            .as_ref()
            .expect("external server has no log")
            .path()
            .join("server.log")
    }

    /// A URL for URL-based clients (sqlx), optionally with a default database.
    pub fn url(&self, db: Option<&str>) -> String {
        let auth = if self.password.is_empty() {
            self.user.clone()
        } else {
            format!("{}:{}", self.user, self.password)
        };
        match db {
            Some(db) => format!("mysql://{auth}@{}:{}/{db}", self.host, self.port),
            None => format!("mysql://{auth}@{}:{}", self.host, self.port),
        }
    }

    /// mysql_async options for this server: TCP only, no default database.
    pub fn opts(&self) -> mysql_async::Opts {
        self.opts_builder().into()
    }

    pub fn opts_builder(&self) -> mysql_async::OptsBuilder {
        mysql_async::OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(Some(self.password.clone()))
            .prefer_socket(false)
    }

    /// Opens a new mysql_async connection (panics on failure).
    pub async fn conn(&self) -> mysql_async::Conn {
        mysql_async::Conn::new(self.opts())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "connect to {}:{}: {e}\n{}",
                    self.host,
                    self.port,
                    self.log_tail()
                )
            })
    }

    /// Kills the server with SIGKILL (`kill -9`) and waits for it to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to exit; returns its exit status,
    /// or `None` (after killing it) when it did not exit in time.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server (if still running) and starts it again on the same data directory.
    pub fn restart(&mut self) {
        assert!(!self.is_external(), "cannot restart an external server");
        self.kill9();
        self.spawn();
    }

    /// Stops the server with SIGTERM (a clean shutdown) and starts it again on the same
    /// data directory.
    pub fn restart_gracefully(&mut self) {
        assert!(!self.is_external(), "cannot restart an external server");
        assert!(
            self.terminate(Duration::from_secs(30)).is_some(),
            "the server did not stop on SIGTERM"
        );
        self.spawn();
    }

    /// The whole log of the spawned server (all its runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Last lines of the spawned server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        if self.is_external() {
            return String::new();
        }
        let mut text = String::new();
        if let Ok(mut f) = File::open(self.log_path()) {
            let _ = f.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(40);
        format!(
            "--- moltdb log (last lines) ---\n{}",
            lines[start..].join("\n")
        )
    }

    /// Starts the binary on a free port, retrying with another port when the first attempt dies
    /// early (for instance because another process grabbed the port meanwhile).
    fn spawn(&mut self) {
        let mut last_err = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            match self.try_spawn(port) {
                Ok(child) => {
                    self.child = Some(child);
                    self.port = port;
                    return;
                }
                Err(e) => last_err = e,
            }
        }
        panic!("could not start moltdb: {last_err}\n{}", self.log_tail());
    }

    fn try_spawn(&self, port: u16) -> Result<Child, String> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| format!("open log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("clone log: {e}"))?;
        let level = std::env::var("MOLTDB_TEST_LOG_LEVEL").unwrap_or_else(|_| "info".to_string());
        let mut child = Command::new(env!("CARGO_BIN_EXE_moltdb"))
            .arg("--host")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(port.to_string())
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(test_engine().map(|e| format!("--engine={e}")))
            .arg("--log-level")
            .arg(level)
            .args(&self.args)
            .env_remove("MOLTDB_FAILPOINTS")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", env!("CARGO_BIN_EXE_moltdb")))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let mut last = String::from("not tried");
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("moltdb exited during startup with {status}"));
            }
            match raw::RawConn::connect(addr, "root", Duration::from_secs(2)) {
                Ok(_) => return Ok(child),
                // Up, with a root password (`--initial-root-password`).
                Err(e) if e.to_string().contains("authentication failed: 1045") => {
                    return Ok(child)
                }
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "moltdb did not complete a MySQL handshake on {addr} within {STARTUP_TIMEOUT:?} (last error: {last})"
        ))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn external_addr() -> Option<(String, u16)> {
    let v = std::env::var("MOLTDB_TEST_ADDR").ok()?;
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let (host, port) = v
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("MOLTDB_TEST_ADDR must be host:port, got {v:?}"));
    let port = port
        .parse()
        .unwrap_or_else(|_| panic!("bad port in MOLTDB_TEST_ADDR={v:?}"));
    Some((host.to_string(), port))
}

/// A port that was free a moment ago (bind to port 0, read it, drop the listener).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

/// Extracts the MySQL error code from a mysql_async error, if it is a server error.
pub fn server_error_code(err: &mysql_async::Error) -> Option<u16> {
    match err {
        mysql_async::Error::Server(e) => Some(e.code),
        _ => None,
    }
}

/// Asserts that `res` failed with the given MySQL error code; returns the server's message.
#[track_caller]
pub fn expect_server_error<T: std::fmt::Debug>(
    res: Result<T, mysql_async::Error>,
    code: u16,
) -> String {
    match res {
        Err(mysql_async::Error::Server(e)) => {
            assert_eq!(e.code, code, "unexpected server error: {e}");
            e.message
        }
        other => panic!("expected MySQL error {code}, got {other:?}"),
    }
}

/// A minimal hand-written MySQL client: handshake (empty password) and COM_QUERY packets, so
/// tests can control exactly how bytes reach the server (e.g. pipelined commands in one write).
pub mod raw {
    use super::*;

    pub const CLIENT_LONG_PASSWORD: u32 = 0x0000_0001;
    pub const CLIENT_CONNECT_WITH_DB: u32 = 0x0000_0008;
    pub const CLIENT_MULTI_STATEMENTS: u32 = 0x0001_0000;
    pub const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
    pub const CLIENT_TRANSACTIONS: u32 = 0x0000_2000;
    pub const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
    pub const CLIENT_MULTI_RESULTS: u32 = 0x0002_0000;
    pub const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;
    pub const CLIENT_DEPRECATE_EOF: u32 = 0x0100_0000;

    pub const COM_QUIT: u8 = 0x01;
    pub const COM_QUERY: u8 = 0x03;
    pub const COM_CHANGE_USER: u8 = 0x11;
    pub const COM_STMT_PREPARE: u8 = 0x16;
    pub const COM_STMT_EXECUTE: u8 = 0x17;
    pub const COM_STMT_SEND_LONG_DATA: u8 = 0x18;
    pub const COM_STMT_RESET: u8 = 0x1a;

    /// One reply to a command.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Reply {
        Ok {
            affected_rows: u64,
        },
        Err {
            code: u16,
            message: String,
        },
        /// Text-protocol result set; `None` cells are SQL NULL.
        Rows(Vec<Vec<Option<Vec<u8>>>>),
    }

    pub struct RawConn {
        pub stream: TcpStream,
        pub connection_id: u32,
        pub server_version: String,
        pub capabilities: u32,
        /// The status flags of the server's greeting.
        pub greeting_status: u16,
    }

    fn io_err(msg: impl Into<String>) -> std::io::Error {
        std::io::Error::other(msg.into())
    }

    impl RawConn {
        /// Connects and authenticates as `user` with an EMPTY password
        /// (mysql_native_password: an empty auth response).
        pub fn connect(
            addr: SocketAddr,
            user: &str,
            timeout: Duration,
        ) -> std::io::Result<RawConn> {
            Self::connect_with(addr, user, timeout, 0, None)
        }

        /// Like [`RawConn::connect`], asking for `extra_caps` too and, when `db` is given,
        /// sending CLIENT_CONNECT_WITH_DB with that (possibly empty) name.
        pub fn connect_with(
            addr: SocketAddr,
            user: &str,
            timeout: Duration,
            extra_caps: u32,
            db: Option<&str>,
        ) -> std::io::Result<RawConn> {
            let stream = TcpStream::connect_timeout(&addr, timeout)?;
            stream.set_read_timeout(Some(timeout))?;
            stream.set_write_timeout(Some(timeout))?;
            stream.set_nodelay(true)?;
            let mut conn = RawConn {
                stream,
                connection_id: 0,
                server_version: String::new(),
                capabilities: 0,
                greeting_status: 0,
            };
            conn.handshake(user, extra_caps, db)?;
            Ok(conn)
        }

        fn handshake(
            &mut self,
            user: &str,
            extra_caps: u32,
            db: Option<&str>,
        ) -> std::io::Result<()> {
            let (_seq, hs) = self.read_packet()?;
            if hs.first() == Some(&0xff) {
                return Err(io_err(format!(
                    "server refused connection: {}",
                    parse_err(&hs).1
                )));
            }
            if hs.first() != Some(&10) {
                return Err(io_err(format!(
                    "unexpected handshake protocol {:?}",
                    hs.first()
                )));
            }
            let mut p = 1;
            let nul = hs[p..]
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| io_err("bad handshake: version"))?;
            self.server_version = String::from_utf8_lossy(&hs[p..p + nul]).into_owned();
            p += nul + 1;
            if hs.len() < p + 4 + 8 + 1 + 2 {
                return Err(io_err("short handshake"));
            }
            self.connection_id = u32::from_le_bytes(hs[p..p + 4].try_into().unwrap());
            p += 4 + 8 + 1; // connection id, auth-plugin-data part 1, filler
            let mut server_caps = u16::from_le_bytes([hs[p], hs[p + 1]]) as u32;
            p += 2;
            if hs.len() >= p + 1 + 2 + 2 {
                self.greeting_status = u16::from_le_bytes([hs[p + 1], hs[p + 2]]);
                p += 1 + 2; // charset, status flags
                server_caps |= (u16::from_le_bytes([hs[p], hs[p + 1]]) as u32) << 16;
            }

            let wanted = CLIENT_LONG_PASSWORD
                | CLIENT_PROTOCOL_41
                | CLIENT_TRANSACTIONS
                | CLIENT_SECURE_CONNECTION
                | CLIENT_MULTI_RESULTS
                | CLIENT_PLUGIN_AUTH
                | extra_caps
                | if db.is_some() {
                    CLIENT_CONNECT_WITH_DB
                } else {
                    0
                };
            let caps = (wanted & server_caps) | CLIENT_PROTOCOL_41;
            self.capabilities = caps;

            let mut resp = Vec::new();
            resp.extend_from_slice(&caps.to_le_bytes());
            resp.extend_from_slice(&(16u32 * 1024 * 1024).to_le_bytes());
            resp.push(45); // utf8mb4_general_ci
            resp.extend_from_slice(&[0u8; 23]);
            resp.extend_from_slice(user.as_bytes());
            resp.push(0);
            if caps & CLIENT_SECURE_CONNECTION != 0 {
                resp.push(0); // empty auth response (length-prefixed)
            } else {
                resp.push(0); // empty NUL-terminated auth response
            }
            if let Some(db) = db {
                resp.extend_from_slice(db.as_bytes());
                resp.push(0);
            }
            if caps & CLIENT_PLUGIN_AUTH != 0 {
                resp.extend_from_slice(b"mysql_native_password\0");
            }
            self.write_packet(1, &resp)?;

            for _ in 0..4 {
                let (seq, reply) = self.read_packet()?;
                match reply.first() {
                    Some(0x00) => return Ok(()),
                    Some(0xff) => {
                        let (code, msg) = parse_err(&reply);
                        return Err(io_err(format!("authentication failed: {code} {msg}")));
                    }
                    // Auth switch request (or old-style switch): answer with an empty password.
                    Some(0xfe) => self.write_packet(seq.wrapping_add(1), &[])?,
                    // caching_sha2 "fast auth success" and similar extra data: keep reading.
                    Some(0x01) => {}
                    other => return Err(io_err(format!("unexpected auth reply {other:?}"))),
                }
            }
            Err(io_err("authentication did not finish"))
        }

        pub fn read_packet(&mut self) -> std::io::Result<(u8, Vec<u8>)> {
            let mut payload = Vec::new();
            loop {
                let mut header = [0u8; 4];
                self.stream.read_exact(&mut header)?;
                let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
                let seq = header[3];
                let start = payload.len();
                payload.resize(start + len, 0);
                self.stream.read_exact(&mut payload[start..])?;
                if len < 0xff_ffff {
                    return Ok((seq, payload));
                }
            }
        }

        pub fn write_packet(&mut self, seq: u8, payload: &[u8]) -> std::io::Result<()> {
            self.stream.write_all(&packet(seq, payload))
        }

        /// Reads the complete reply to one COM_QUERY.
        pub fn read_reply(&mut self) -> std::io::Result<Reply> {
            let (_, first) = self.read_packet()?;
            match first.first() {
                Some(0x00) => {
                    let (affected_rows, _) = lenenc_int(&first[1..]);
                    return Ok(Reply::Ok { affected_rows });
                }
                Some(0xff) => {
                    let (code, message) = parse_err(&first);
                    return Ok(Reply::Err { code, message });
                }
                _ => {}
            }
            let (ncols, _) = lenenc_int(&first);
            for _ in 0..ncols {
                self.read_packet()?; // column definitions
            }
            if self.capabilities & CLIENT_DEPRECATE_EOF == 0 {
                let (_, eof) = self.read_packet()?;
                if eof.first() != Some(&0xfe) {
                    return Err(io_err("expected EOF after column definitions"));
                }
            }
            let mut rows = Vec::new();
            loop {
                let (_, pkt) = self.read_packet()?;
                match pkt.first() {
                    Some(0xfe) if pkt.len() < 9 => return Ok(Reply::Rows(rows)),
                    Some(0xff) => {
                        let (code, message) = parse_err(&pkt);
                        return Ok(Reply::Err { code, message });
                    }
                    _ => {
                        let mut row = Vec::with_capacity(ncols as usize);
                        let mut p = 0;
                        for _ in 0..ncols {
                            if pkt[p] == 0xfb {
                                row.push(None);
                                p += 1;
                            } else {
                                let (len, used) = lenenc_int(&pkt[p..]);
                                p += used;
                                row.push(Some(pkt[p..p + len as usize].to_vec()));
                                p += len as usize;
                            }
                        }
                        rows.push(row);
                    }
                }
            }
        }

        /// Sends one COM_QUERY and reads its reply.
        pub fn query(&mut self, sql: &str) -> std::io::Result<Reply> {
            self.write_packet(0, &com_query(sql))?;
            self.read_reply()
        }

        /// COM_STMT_PREPARE: (statement id, parameter count), definitions skipped; or the error.
        pub fn prepare(&mut self, sql: &str) -> std::io::Result<Result<(u32, u16), (u16, String)>> {
            let mut payload = vec![COM_STMT_PREPARE];
            payload.extend_from_slice(sql.as_bytes());
            self.write_packet(0, &payload)?;
            let (_, ok) = self.read_packet()?;
            if ok.first() == Some(&0xff) {
                return Ok(Err(parse_err(&ok)));
            }
            let id = u32::from_le_bytes(ok[1..5].try_into().unwrap());
            let columns = u16::from_le_bytes([ok[5], ok[6]]);
            let params = u16::from_le_bytes([ok[7], ok[8]]);
            let eof = u16::from(self.capabilities & CLIENT_DEPRECATE_EOF == 0);
            for n in [params, columns] {
                if n > 0 {
                    for _ in 0..n + eof {
                        self.read_packet()?;
                    }
                }
            }
            Ok(Ok((id, params)))
        }

        /// COM_STMT_EXECUTE with `params` (the bytes after the iteration count: NULL bitmap,
        /// new-params-bound flag, types, values). Returns the rows' raw binary payloads, or
        /// the OK / error.
        pub fn execute(&mut self, id: u32, params: &[u8]) -> std::io::Result<BinaryReply> {
            let mut payload = vec![COM_STMT_EXECUTE];
            payload.extend_from_slice(&id.to_le_bytes());
            payload.push(0); // no cursor
            payload.extend_from_slice(&1u32.to_le_bytes());
            payload.extend_from_slice(params);
            self.write_packet(0, &payload)?;
            let (_, first) = self.read_packet()?;
            match first.first() {
                Some(0x00) => return Ok(BinaryReply::Ok(lenenc_int(&first[1..]).0)),
                Some(0xff) => return Ok(BinaryReply::Err(parse_err(&first))),
                _ => {}
            }
            let (ncols, _) = lenenc_int(&first);
            let eof = u64::from(self.capabilities & CLIENT_DEPRECATE_EOF == 0);
            for _ in 0..ncols + eof {
                self.read_packet()?;
            }
            let mut rows = Vec::new();
            loop {
                let (_, pkt) = self.read_packet()?;
                match pkt.first() {
                    Some(0xfe) if pkt.len() < 9 => return Ok(BinaryReply::Rows(rows)),
                    Some(0xff) => return Ok(BinaryReply::Err(parse_err(&pkt))),
                    _ => rows.push(pkt),
                }
            }
        }

        pub fn quit(mut self) {
            let _ = self.write_packet(0, &[COM_QUIT]);
        }
    }

    /// The reply to COM_STMT_EXECUTE.
    #[derive(Debug, Clone, PartialEq)]
    pub enum BinaryReply {
        Ok(u64),
        Err((u16, String)),
        /// Each row's binary-protocol payload (0x00, NULL bitmap, values).
        Rows(Vec<Vec<u8>>),
    }

    /// The payload of a COM_QUERY packet.
    pub fn com_query(sql: &str) -> Vec<u8> {
        let mut v = Vec::with_capacity(sql.len() + 1);
        v.push(COM_QUERY);
        v.extend_from_slice(sql.as_bytes());
        v
    }

    /// Frames `payload` as MySQL packet(s) starting at sequence id `seq`.
    pub fn packet(mut seq: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 8);
        let mut chunks = payload.chunks(0xff_ffff).peekable();
        if payload.is_empty() {
            out.extend_from_slice(&[0, 0, 0, seq]);
            return out;
        }
        while let Some(chunk) = chunks.next() {
            let len = chunk.len() as u32;
            out.extend_from_slice(&len.to_le_bytes()[..3]);
            out.push(seq);
            out.extend_from_slice(chunk);
            seq = seq.wrapping_add(1);
            if chunks.peek().is_none() && chunk.len() == 0xff_ffff {
                out.extend_from_slice(&[0, 0, 0, seq]);
            }
        }
        out
    }

    /// Decodes a length-encoded integer; returns (value, bytes used).
    pub fn lenenc_int(b: &[u8]) -> (u64, usize) {
        match b[0] {
            0xfc => (u16::from_le_bytes([b[1], b[2]]) as u64, 3),
            0xfd => (u32::from_le_bytes([b[1], b[2], b[3], 0]) as u64, 4),
            0xfe => (u64::from_le_bytes(b[1..9].try_into().unwrap()), 9),
            v => (v as u64, 1),
        }
    }

    /// (code, message) of an ERR packet.
    pub fn parse_err(p: &[u8]) -> (u16, String) {
        if p.len() < 3 {
            return (0, String::from("malformed ERR packet"));
        }
        let code = u16::from_le_bytes([p[1], p[2]]);
        let mut rest = &p[3..];
        if rest.first() == Some(&b'#') && rest.len() >= 6 {
            rest = &rest[6..];
        }
        (code, String::from_utf8_lossy(rest).into_owned())
    }
}
