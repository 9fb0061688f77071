//! The MySQL wire protocol front end: accepts connections and runs each one
//! (`connection`) from the handshake to its last command.
//!
//! moltdb speaks the protocol itself, in small parts that each do one thing:
//! `codec` frames packets (and enforces `max_allowed_packet`), `tls` secures a connection
//! whose client asks (`--tls-cert` / `--tls-key`), `charset` converts text from
//! and to the client's character sets, `handshake` is the connection
//! phase (passwords are checked by `crate::privilege`), `params` decodes prepared-statement parameters, `packets`
//! encodes every response, and `connection` answers each command through the session.

mod binary_literals;
mod charset;
mod codec;
mod connection;
mod handshake;
mod local_file;
pub mod packets;
mod params;
pub mod tls;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};

use crate::domain::Domain;

/// Accepts connections until the listener fails or the task is dropped. Past
/// `max_connections` open ones, a new client gets 1040 instead of the greeting.
pub async fn serve(
    listener: TcpListener,
    domain: Arc<Domain>,
    tls: Option<tls::Tls>,
) -> std::io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = listener.accept().await?;
        let domain = domain.clone();
        let limit = max_connections(&domain);
        if limit > 0 && open.load(Ordering::Acquire) >= limit {
            tokio::spawn(refuse(stream));
            continue;
        }
        let counted = Counted::new(&open);
        let tls = tls.clone();
        let stream = stream.into_std()?;
        let spawned = std::thread::Builder::new()
            .name("connection".into())
            .stack_size(CONNECTION_STACK_BYTES)
            .spawn(move || {
                crate::background::short_slices();
                let _counted = counted;
                if let Err(e) = serve_on_this_thread(stream, peer, domain, tls) {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(%peer, error = %e, "cannot start a connection thread");
        }
    }
}

/// Each connection's thread stack: room for deeply nested expressions within the parser's
/// nesting limit. Untouched stack costs no memory.
const CONNECTION_STACK_BYTES: usize = 64 << 20;

/// Runs one connection on the calling thread, its own: the socket is polled by a runtime
/// of this thread alone, so a statement runs where its packet was read and its result is
/// written from, with no hand-over between threads (a statement that waits, for a DDL job
/// or a lock, holds only its own connection).
fn serve_on_this_thread(
    stream: std::net::TcpStream,
    peer: std::net::SocketAddr,
    domain: Arc<Domain>,
    tls: Option<tls::Tls>,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let stream = TcpStream::from_std(stream)?;
        connection::run(stream, peer, domain, tls).await
    })
}

fn max_connections(domain: &Domain) -> usize {
    domain
        .globals
        .read()
        .get("max_connections")
        .and_then(|(_, v)| usize::try_from(v.to_f64() as u64).ok())
        .unwrap_or(0)
}

/// One open connection, counted while it lives.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(open: &Arc<AtomicUsize>) -> Counted {
        open.fetch_add(1, Ordering::AcqRel);
        Counted(open.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Tells a client over the limit so, in place of the greeting, as MySQL does: before the
/// handshake no capabilities are agreed, so the error has no SQLSTATE.
async fn refuse(mut stream: TcpStream) {
    let mut payload = vec![0xff];
    payload.extend_from_slice(&1040u16.to_le_bytes());
    payload.extend_from_slice(b"Too many connections");
    let mut out = Vec::new();
    codec::frame(&mut out, 0, &payload);
    let _ = codec::send(&mut stream, &out).await;
}
