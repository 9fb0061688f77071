//! The moltdb server binary.

use std::path::PathBuf;

use clap::Parser;
use tokio::net::TcpListener;

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
    /// Log filter: error, warn, info, debug, trace (or a tracing directive).
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log_level))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
    let store = moltdb::kv::open_sled(&args.data_dir)?;
    let node = moltdb::node::Node::open(store)?;
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    tracing::info!(
        version = %moltdb::server_version(),
        addr = %listener.local_addr()?,
        data_dir = %args.data_dir.display(),
        "moltdb is ready for connections"
    );
    tokio::select! {
        r = moltdb::server::serve(listener, node.clone()) => r?,
        _ = shutdown_signal() => tracing::info!("shutting down"),
    }
    // Dropping the node closes the store; sled flushes on drop.
    drop(node);
    Ok(())
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
