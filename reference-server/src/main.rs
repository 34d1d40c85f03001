use baton_protocol::OperatorId;
use baton_server::bot::{Bot, RuleBot};
use baton_server::config::Config;
use baton_server::hub::Hub;
use baton_server::store::{OperatorRow, Store};
use baton_server::{AppState, auth, serve};
use clap::Parser;
use std::sync::Arc;

/// The demo operator `--demo` creates. Printed at start-up; a real
/// deployment creates its accounts without this flag.
const DEMO_EMAIL: &str = "dana@demo.baton";
const DEMO_PASSWORD: &str = "handover-demo";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,baton_server=info".into()),
        )
        .init();
    let config = Config::parse();
    std::fs::create_dir_all(&config.data_dir)?;
    let store = Store::open(&config.data_dir.join("baton.sqlite3"))?;
    if config.demo {
        store.upsert_operator(&OperatorRow {
            id: OperatorId("op-dana".into()),
            email: DEMO_EMAIL.into(),
            name: "Dana".into(),
            password_hash: auth::hash_password(DEMO_PASSWORD),
            role: baton_protocol::operator::Role::Admin,
            status: Default::default(),
        })?;
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let bots = config
        .bots(addr.port())
        .into_iter()
        .map(|b| (b, Arc::new(RuleBot) as Arc<dyn Bot>))
        .collect();
    let hub = Hub::start(store, bots)?;
    let state = AppState::new(hub, config.web_dir.clone(), config.site_dir.clone());
    tracing::info!(%addr, "listening");
    println!();
    println!("  Baton is running.");
    println!("  Demo shop (visitor):  http://{addr}/");
    println!("  Operator inbox:       http://{addr}/inbox/");
    if config.demo {
        println!("  Demo sign-in:         {DEMO_EMAIL} / {DEMO_PASSWORD}");
    }
    println!(
        "  Data:                 {}",
        config.data_dir.join("baton.sqlite3").display()
    );
    println!();
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut sig) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
