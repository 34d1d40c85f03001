use baton_protocol::BotId;
use baton_server::bot::{self, BotEngineConfig};
use baton_server::config::StoreConfig;
use baton_server::config::{Cli, Config};
use baton_server::hub::Hub;
use baton_server::notify::NotifyConfig;
use baton_server::store::{PgStore, SqliteStore, Store};
use baton_server::{AppState, cli, serve};
use clap::Parser;
use std::collections::HashMap;
use std::sync::Arc;

/// mimalloc rather than glibc's malloc: every frame, event and job is a few
/// short-lived allocations made on one thread and freed on another (a
/// socket's task, the store writer, the publisher), where glibc's arenas
/// contend on a lock. See `cargo xtask bench` for what it changes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,baton_server=info".into()),
        )
        .init();
    let mut args = Cli::parse();
    let command = args.command.take();
    let config = Config::load(args)?;
    match config.store.clone() {
        StoreConfig::Sqlite(db) => {
            std::fs::create_dir_all(&config.data_dir)?;
            run(SqliteStore::open(&db)?, db.display().to_string(), config, command).await
        }
        StoreConfig::Postgres(url) => {
            let store = PgStore::connect(&url)?;
            let shown = store.database().to_owned();
            run(store, shown, config, command).await
        }
    }
}

/// Serves (or runs the operator `command`) on `store`; `shown` says where
/// its data is, without secrets.
async fn run(
    store: impl Store + 'static,
    shown: String,
    config: Config,
    command: Option<cli::Command>,
) -> Result<(), Box<dyn std::error::Error>> {
    let backend = store.backend();
    let bot_ids: Vec<BotId> = config.bots.iter().map(|b| b.id.clone()).collect();
    if let Some(command) = command {
        if let Err(refused) = cli::run(command, &store, &bot_ids, &mut std::io::stdout()) {
            eprintln!("error: {refused}");
            std::process::exit(1);
        }
        return Ok(());
    }
    // A real deployment creates its accounts with `baton-server operator add`.
    let demo_accounts = if config.demo {
        cli::seed_demo(&store, &bot_ids)?
    } else {
        Vec::new()
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let mut bots = Vec::new();
    let mut knowledge = HashMap::new();
    for settings in &config.bots {
        let engine: BotEngineConfig = match &settings.engine {
            Some(value) => value
                .clone()
                .try_into()
                .map_err(|e| format!("bot {}: engine: {e}", settings.id))?,
            None => BotEngineConfig::Rules,
        };
        let built = bot::build(&engine, &config.base_dir).map_err(|e| format!("bot {}: {e}", settings.id))?;
        if let Some(kb) = built.knowledge {
            knowledge.insert(settings.id.clone(), kb);
        }
        bots.push((settings.clone(), built.engine));
    }
    let mut notify: NotifyConfig = match &config.notify {
        Some(value) => value.clone().try_into().map_err(|e| format!("notify: {e}"))?,
        None => NotifyConfig::default(),
    };
    if let Some(relay) = &config.smtp {
        notify.email = Some(baton_server::notify::EmailConfig::relay(relay, notify.email.take())?);
    }
    notify.validate()?;
    let bus = baton_server::bus::connect(config.bus.nats.as_deref(), &config.bus.cluster).await?;
    let bus_shown = match &config.bus.nats {
        Some(_) => format!("NATS, cluster {} (process {})", config.bus.cluster, bus.process()),
        None => "in-process".to_owned(),
    };
    let hub = Hub::start_with_bus(store, bots, bus)?;
    hub.set_timer_poll(config.timer_poll);
    // Other processes may share this database: the team is shared with them.
    if backend == "postgres" || config.bus.nats.is_some() {
        hub.share_team(baton_server::hub::BEAT);
    }
    let center = Arc::new(baton_server::notify::Center::new(&notify, &config.public_url));
    let _notifications = baton_server::notify::spawn_with(hub.clone(), &notify, center.clone());
    baton_server::settings::start_team_settings(&hub, config.auto_away)?;
    if let Some(keep) = config.retention {
        hub.start_retention(keep, baton_server::hub::SWEEP_EVERY);
    }
    let mut state = AppState::new(hub, config.web_dir.clone(), config.site_dir.clone());
    state.country_header = config.country_header.as_deref().map(str::parse).transpose()?;
    state.knowledge = Arc::new(knowledge);
    // `--translate-url` replaces the file's URL and keeps its other keys.
    state.translate = match (&config.translate_url, &notify.translate) {
        (Some(url), Some(file)) => Some(baton_server::notify::TranslateConfig {
            url: url.clone(),
            ..file.clone()
        }),
        (Some(url), None) => Some(baton_server::notify::TranslateConfig::new(url.clone())),
        (None, file) => file.clone(),
    }
    .map(Arc::new);
    state.notify = Some(center);
    state.limits = config.limits;
    state.trusted_proxies = config.trusted_proxies.clone().into();
    state.public_url = config.public_url.clone();
    tracing::info!(%addr, "listening");
    println!();
    println!("  Baton is running.");
    println!("  Demo shop (visitor):  http://{addr}/");
    println!("  Operator inbox:       http://{addr}/inbox/");
    if config.demo && bot_ids.iter().any(|b| b.as_str() == "help") {
        println!("  Help centre (bot 2):  http://{addr}/help.html");
    }
    for account in &demo_accounts {
        let label = format!("Demo sign-in ({}):", cli::role_text(account.role));
        println!("  {label:<21} {} / {}", account.email, account.password);
    }
    println!("  Data:                 {shown} ({backend})");
    println!("  Bus:                  {bus_shown}");
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
