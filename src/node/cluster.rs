//! A cluster of nodes in one process over one store: what `--nodes N` runs, standing in for
//! TiDB nodes over TiKV. Each node listens on its own port (port, port+1, ...).

use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::{Node, NodeConfig};
use crate::domain::events::Events;
use crate::domain::Domain;
use crate::kv::Store;

struct Member {
    node: Arc<Node>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

pub struct Cluster {
    store: Arc<dyn Store>,
    config: NodeConfig,
    events: Arc<Events>,
    members: Mutex<Vec<Option<Member>>>,
}

impl Cluster {
    /// Starts `nodes` nodes on `host`, the first on `port` (0 = ephemeral ports), each
    /// with `config`.
    pub async fn start(
        store: Arc<dyn Store>,
        host: &str,
        port: u16,
        nodes: usize,
        config: NodeConfig,
    ) -> std::io::Result<Arc<Cluster>> {
        // No session of this process exists yet: registered temporary tables are a
        // previous process's.
        match crate::ddl::delete_range::release_temporary_tables(store.as_ref()) {
            Ok(0) => {}
            Ok(n) => tracing::info!(tables = n, "temporary tables of a previous run released"),
            Err(e) => tracing::warn!(error = %e, "temporary tables of a previous run not released"),
        }
        let cluster = Arc::new(Cluster {
            store,
            config,
            events: Arc::new(Events::default()),
            members: Mutex::new(Vec::new()),
        });
        for i in 0..nodes {
            let p = if port == 0 { 0 } else { port + i as u16 };
            let member = cluster.start_member(i, host, p).await?;
            cluster.members.lock().push(Some(member));
        }
        Ok(cluster)
    }

    async fn start_member(&self, index: usize, host: &str, port: u16) -> std::io::Result<Member> {
        let listener = TcpListener::bind((host, port)).await?;
        let addr = listener.local_addr()?;
        let node = Node::start(
            self.store.clone(),
            index as u32,
            addr.to_string(),
            self.events.clone(),
            &self.config,
        )
        .map_err(std::io::Error::other)?;
        let node = Arc::new(node);
        let serving = node.domain.clone();
        let tls = self.config.tls.clone();
        let server = tokio::spawn(async move {
            if let Err(e) = crate::server::serve(listener, serving, tls).await {
                tracing::error!(error = %e, "listener failed");
            }
        });
        tracing::info!(node = %node.domain.id, %addr, "node started");
        Ok(Member { node, addr, server })
    }

    /// The MySQL address of each running node (`None` for a stopped one).
    pub fn addresses(&self) -> Vec<Option<SocketAddr>> {
        self.members
            .lock()
            .iter()
            .map(|m| m.as_ref().map(|m| m.addr))
            .collect()
    }

    /// The state of node `index`, while it runs.
    pub fn domain(&self, index: usize) -> Option<Arc<Domain>> {
        self.members
            .lock()
            .get(index)?
            .as_ref()
            .map(|m| m.node.domain.clone())
    }

    /// Stops one node: its listener, its connections' sessions and its background work.
    pub fn stop_node(&self, index: usize) {
        let member = self.members.lock().get_mut(index).and_then(Option::take);
        if let Some(m) = member {
            m.server.abort();
            let node = m.node.clone();
            // Joining the node's threads blocks: keep it off the async workers.
            let _ = std::thread::spawn(move || node.stop()).join();
            tracing::info!(node = %m.node.domain.id, "node stopped");
        }
    }

    /// Restarts a stopped node on the address it had.
    pub async fn restart_node(
        &self,
        index: usize,
        host: &str,
        port: u16,
    ) -> std::io::Result<SocketAddr> {
        let member = self.start_member(index, host, port).await?;
        let addr = member.addr;
        if let Some(slot) = self.members.lock().get_mut(index) {
            *slot = Some(member);
        }
        Ok(addr)
    }

    pub fn stop(&self) {
        let n = self.members.lock().len();
        for i in 0..n {
            self.stop_node(i);
        }
    }
}
