//! The moltdb server binary.

use std::path::PathBuf;

use clap::Parser;
use moltdb::kv::engine::{Durability, Options};
use moltdb::kv::EngineKind;
use moltdb::node::cluster::Cluster;
use moltdb::node::NodeConfig;

/// A MySQL-compatible SQL server with TiDB-style online schema change.
#[derive(Debug, Parser)]
#[command(name = "moltdb", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// MySQL protocol port.
    #[arg(long, default_value_t = 4000)]
    port: u16,
    /// Where the embedded store keeps its files.
    #[arg(long, default_value = "./moltdb-data")]
    data_dir: PathBuf,
    /// Storage engine: fjall (the default for a new data directory) or sled. An existing data
    /// directory keeps the engine it was created with; naming another one is an error.
    #[arg(long)]
    engine: Option<EngineKind>,
    /// The storage engine's cache, in MiB.
    #[arg(long, default_value_t = 256)]
    cache_size: u64,
    /// What an acknowledged COMMIT survives: `full` fsyncs the commit log at every commit
    /// (concurrent commits share one fsync); `os` hands it to the operating system, which
    /// survives a crash of moltdb but not of the machine (for bulk loads and tests).
    #[arg(long, default_value = "full")]
    durability: Durability,
    /// Where long work spills to disk: the local sort of an ingest ADD INDEX goes under
    /// `<temp-dir>/tmp_ddl-<port>/<job id>` (TiDB's `temp-dir`). Default: `<data-dir>/tmp`.
    #[arg(long)]
    temp_dir: Option<PathBuf>,
    /// Nodes to run over the one store, each on its own port (port, port+1, ...).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Slots of each node's resource pool for backend tasks (the distributed execution
    /// framework): a subtask holds as many as its task's concurrency. Default: CPU cores.
    #[arg(long)]
    dxf_slots: Option<usize>,
    /// root's password when the data directory is new (root@'%' has every privilege). An
    /// existing directory keeps its accounts: change a password with ALTER USER.
    #[arg(long, env = "MOLTDB_ROOT_PASSWORD", hide_env_values = true)]
    initial_root_password: Option<String>,
    /// A PEM certificate chain: clients may then connect over TLS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Listen on a non-loopback address although an account has no password (anyone
    /// who reaches the port could log in as it).
    #[arg(long)]
    allow_empty_passwords: bool,
    /// Log filter: error, warn, info, debug, trace (or a tracing directive).
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() -> std::process::ExitCode {
    disable_transparent_huge_pages();
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log_level))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Connections run on threads of their own (`server::serve`); these accept them and
        // serve the cluster's own tasks. Untouched stack costs no memory.
        .thread_stack_size(64 << 20)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("moltdb: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("moltdb: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.data_dir)?;
    let options = Options {
        cache_bytes: args.cache_size.saturating_mul(1 << 20),
        durability: args.durability,
    };
    let store = moltdb::kv::open(&args.data_dir, args.engine, &options)?;
    let temp_dir = args
        .temp_dir
        .clone()
        .unwrap_or_else(|| args.data_dir.join("tmp"));
    let mut config = NodeConfig::new(temp_dir);
    // As MySQL shows it: the absolute path, with a trailing slash.
    let data_dir = std::fs::canonicalize(&args.data_dir).unwrap_or_else(|_| args.data_dir.clone());
    config.data_dir = format!("{}/", data_dir.display().to_string().trim_end_matches('/'));
    if let Some(slots) = args.dxf_slots {
        config.dxf_slots = slots.max(1);
    }
    config.initial_root_password = args.initial_root_password.clone().unwrap_or_default();
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls = Some(moltdb::server::tls::Tls::from_pem_files(cert, key)?);
    }
    moltdb::domain::bootstrap(store.as_ref(), &config.initial_root_password)?;
    if !is_loopback(&args.host) && !args.allow_empty_passwords {
        let txn = store.begin()?;
        let stored = moltdb::privilege::records::load(txn.as_ref())?;
        if let Some(a) = stored.accounts.iter().find(|a| a.auth.is_empty()) {
            return Err(format!(
                "refusing to listen on {}: account '{}'@'{}' has no password (set one with \
                 --initial-root-password on a new data directory or ALTER USER, or pass \
                 --allow-empty-passwords)",
                args.host, a.user, a.host
            )
            .into());
        }
    }
    let cluster = Cluster::start(store, &args.host, args.port, args.nodes.max(1), config).await?;
    let addrs: Vec<String> = cluster
        .addresses()
        .into_iter()
        .flatten()
        .map(|a| a.to_string())
        .collect();
    tracing::info!(
        version = %moltdb::server_version(),
        addr = %addrs.join(","),
        data_dir = %args.data_dir.display(),
        "moltdb is ready for connections"
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    // Stopping joins the nodes' threads: keep that off the async workers.
    tokio::task::spawn_blocking(move || cluster.stop()).await?;
    Ok(())
}

/// Whether only this machine can reach the address.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for the process. The allocator asks for them, and then
/// every fresh page it hands out costs the kernel zeroing 2 MiB: a fifth of an IMPORT INTO
/// went there, under the threads that sort, ingest and checksum. Measured on a 2-vCPU
/// machine: IMPORT INTO of 1M rows 2.81-2.85 s -> 2.29-2.34 s, ADD INDEX (k, c) on 1.24M
/// rows 3.30-3.96 s -> 2.93-3.45 s, 2-thread point selects 64-70k -> 79-81k qps,
/// oltp_read_write unchanged.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of
    // ours; a failure (an old kernel) leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
