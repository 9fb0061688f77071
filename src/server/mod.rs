//! The MySQL wire protocol front end: accepts connections and runs each one
//! ([`connection`]) from the handshake to its last command.
//!
//! moltdb speaks the protocol itself, in small parts that each do one thing:
//! `codec` frames packets (and enforces `max_allowed_packet`), `tls` secures a connection
//! whose client asks (`--tls-cert` / `--tls-key`), `charset` converts text from
//! and to the client's character sets, `handshake` is the connection
//! phase (passwords are checked by `crate::privilege`), `params` decodes prepared-statement parameters, `packets`
//! encodes every response, and `connection` answers each command through the session.

mod charset;
mod codec;
mod connection;
mod handshake;
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
        tokio::spawn(async move {
            if let Err(e) = connection::run(stream, peer, domain, tls).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop(counted);
        });
    }
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
