//! The MySQL wire protocol front end: accepts connections and runs each one
//! ([`connection`]) from the handshake to its last command.
//!
//! moltdb speaks the protocol itself, in small parts that each do one thing:
//! `codec` frames packets (and enforces `max_allowed_packet`), `handshake` is the connection
//! phase, `auth` checks passwords, `params` decodes prepared-statement parameters, `packets`
//! encodes every response, and `connection` answers each command through the session.

mod auth;
mod codec;
mod connection;
mod handshake;
pub mod packets;
mod params;

pub use auth::hash_password;

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::domain::Domain;

/// Accepts connections until the listener fails or the task is dropped.
pub async fn serve(listener: TcpListener, domain: Arc<Domain>) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let domain = domain.clone();
        tokio::spawn(async move {
            if let Err(e) = connection::run(stream, peer, domain).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}
