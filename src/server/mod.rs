//! The MySQL wire protocol front end: accepts connections and runs each through
//! opensrv-mysql with a [`handler::Handler`] that drives a session.

mod auth;
mod handler;
pub mod packets;
mod wire;

pub use auth::hash_password;

use std::net::SocketAddr;
use std::sync::Arc;

use opensrv_mysql::{AsyncMysqlIntermediary, IntermediaryOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::node::Node;
use handler::Handler;
use wire::{ConnShared, ConnWriter, PacketGate};

/// Accepts connections until the listener fails or the task is dropped.
pub async fn serve(listener: TcpListener, node: Arc<Node>) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let node = node.clone();
        tokio::spawn(async move {
            if let Err(e) = handle_connection(stream, peer, node).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}

async fn handle_connection(
    stream: TcpStream,
    peer: SocketAddr,
    node: Arc<Node>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let shared = Arc::new(ConnShared::default());
    let (tx, rx) = mpsc::channel(64);
    let writer_task = tokio::spawn(wire::socket_writer(write, rx));
    let handler = Handler::new(node, shared.clone(), tx.clone(), peer.ip().to_string());
    tracing::debug!(%peer, "connection opened");
    let options = IntermediaryOptions {
        process_use_statement_on_query: true,
        reject_connection_on_dbname_absence: false,
    };
    let result = AsyncMysqlIntermediary::run_with_options(
        handler,
        PacketGate::new(read, shared.clone()),
        ConnWriter::new(tx, shared),
        &options,
    )
    .await;
    // The writer ends once every sender is gone; wait so queued bytes reach the client.
    let _ = writer_task.await;
    result
}
