//! Configuration: a TOML file (`--config`), overridden by environment
//! variables, overridden by command-line flags. Every setting has a default
//! that runs the demo, so the file is optional.
//!
//! ```toml
//! listen = "0.0.0.0:8080"
//! data_dir = "/var/lib/baton"
//! store = "postgres://baton@db.internal/baton"  # omit (or "sqlite"): SQLite in data_dir
//! bus = "nats://nats.internal:4222"  # omit (or "in-process"): one process, no bus to run
//! bus_cluster = "shop"              # processes sharing a bus and store [default: default]
//! timer_poll_ms = 500               # how often to look for due timers other processes armed
//! public_url = "https://chat.example.com"
//! country_header = "CF-IPCountry"   # only behind a proxy that sets it
//! trusted_proxies = ["10.0.0.5"]     # their X-Forwarded-For names the client
//! auto_away_minutes = 15            # omit: status never changes by itself
//!
//! [[bot]]
//! id = "shop"
//! allowed_origins = ["https://shop.example.com"]
//! button_label = "Talk to a human"
//! offline_message = "Our team is offline — the assistant can still help."
//! response_window_secs = 120
//! mode = "assisted"                 # or "human_only"
//! engine = { kind = "faq", knowledge = "knowledge.toml" }
//! operator_colour = "#0b7a75"
//! owner_gone_secs = 180             # an owner with no inbox open this long: back to Waiting
//!
//! [limits.per_ip]                   # what one client address may hold
//! connections = 64                  # open at once (HTTP and WebSocket)
//! new_conversations_per_minute = 20
//! [limits.http]
//! header_secs = 10                  # a request's headers must arrive within
//! body_secs = 10                    # and its body within
//!
//! [retention]
//! resolved_days = 365               # delete resolved chats quiet this long; omit: keep for ever
//! ```
//!
//! A bot's editable settings (name, button, messages, windows, mode,
//! operator defaults) only seed its row in the database; after that the
//! inbox's settings page wins (see `crate::settings`).

use baton_protocol::{BotId, BotMode, Millis};
use clap::Parser;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod backends;
pub use backends::{BusConfig, StoreConfig};

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "baton-server",
    version,
    about = "Baton reference server: AI chat with human handover"
)]
pub struct Cli {
    /// A TOML config file (see the module docs for its shape).
    #[arg(long, env = "BATON_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "BATON_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database [default: data].
    #[arg(long, env = "BATON_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Where the data lives: `sqlite` (a file in the data directory) or a
    /// PostgreSQL URL, `postgres://user[:password]@host[:port]/database`
    /// [default: sqlite].
    #[arg(long, env = "BATON_STORE", global = true)]
    pub store: Option<String>,
    /// How processes tell each other what changed: `in-process` (one
    /// process) or a NATS URL, `nats://host[:port]` [default: in-process].
    #[arg(long, env = "BATON_BUS")]
    pub bus: Option<String>,
    /// The name that keeps this deployment's hints apart from others on
    /// the same NATS server (letters, digits, `-`, `_`) [default: default].
    #[arg(long, env = "BATON_BUS_CLUSTER")]
    pub bus_cluster: Option<String>,
    /// Built widget and inbox assets (`<dir>/widget`, `<dir>/inbox`)
    /// [default: target/web].
    #[arg(long, env = "BATON_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// The demo site served at `/` [default: demo/site].
    #[arg(long, env = "BATON_SITE_DIR")]
    pub site_dir: Option<PathBuf>,
    /// The server's public URL, for links in notifications.
    #[arg(long, env = "BATON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Origins allowed to open the visitor socket of the default bot
    /// (comma-separated) [default: this server's own origin].
    #[arg(long, env = "BATON_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Response window of the default bot, in seconds [default: 120].
    #[arg(long, env = "BATON_RESPONSE_WINDOW_SECS")]
    pub response_window_secs: Option<u64>,
    /// Make the default bot human-only: every visitor message asks for a
    /// person.
    #[arg(long, env = "BATON_HUMAN_ONLY")]
    pub human_only: bool,
    /// Header a trusted reverse proxy sets to the visitor's country.
    #[arg(long, env = "BATON_COUNTRY_HEADER")]
    pub country_header: Option<String>,
    /// A LibreTranslate-compatible endpoint for the inbox's Translate
    /// (overrides `[notify.translate] url`).
    #[arg(long, env = "BATON_TRANSLATE_URL")]
    pub translate_url: Option<String>,
    /// A plain-SMTP relay, `host:port`, for the emails (overrides
    /// `[notify.email]`'s host and port; without that section, sends from
    /// `baton@localhost`). For local relays and test sinks.
    #[arg(long, env = "BATON_SMTP")]
    pub smtp: Option<String>,
    /// Create the demo team's accounts (printed at start-up).
    #[arg(long)]
    pub demo: bool,
    /// Instead of serving: manage operator accounts (`operator --help`).
    #[command(subcommand)]
    pub command: Option<crate::cli::Command>,
}

/// The config file. Every field is optional.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    /// `"sqlite"` or `"postgres://…"` (see [`StoreConfig`]).
    pub store: Option<String>,
    /// `"in-process"` or `"nats://…"` (see [`BusConfig`]).
    pub bus: Option<String>,
    pub bus_cluster: Option<String>,
    /// How often a process looks for due timers armed by others, which it
    /// fires if they are overdue (`hub/timers.rs`) [default: 500].
    pub timer_poll_ms: Option<u64>,
    pub web_dir: Option<PathBuf>,
    pub site_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    pub country_header: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see
    /// `crate::conn::client_ip`).
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub auto_away_minutes: Option<u64>,
    #[serde(default, rename = "bot")]
    pub bots: Vec<BotFile>,
    /// Outbound webhooks, email and translation (see `notify`).
    pub notify: Option<toml::Value>,
    /// Frames per second per socket: `[limits.operator]` and
    /// `[limits.visitor]`, each `burst` and `per_sec`; per client address:
    /// `[limits.per_ip]`; HTTP read timeouts: `[limits.http]`.
    pub limits: Option<crate::socket::FrameLimits>,
    /// `[retention] resolved_days`: resolved chats quiet this long are
    /// deleted (omitted: kept for ever).
    pub retention: Option<RetentionFile>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionFile {
    pub resolved_days: Option<u64>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct BotFile {
    pub id: String,
    /// How the inbox names the bot [default: its id].
    pub name: Option<String>,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default = "yes")]
    pub handover: bool,
    #[serde(default = "yes")]
    pub show_button: bool,
    pub button_label: Option<String>,
    pub offline_message: Option<String>,
    pub response_window_secs: Option<u64>,
    #[serde(default)]
    pub mode: BotMode,
    /// Who answers: `{ kind = "rules" | "faq" | "webhook" | "open_ai" | "none", … }`.
    pub engine: Option<toml::Value>,
    pub operator_avatar_url: Option<String>,
    pub operator_colour: Option<String>,
    /// How long an owner may have no inbox connected while the visitor
    /// waits before the chat goes back to Waiting [default: 180].
    pub owner_gone_secs: Option<u64>,
    /// `{keep_waiting, leave_message, back_to_bot}` [default: all true].
    pub after_lapse: Option<baton_protocol::followup::AfterLapse>,
    /// Ask for a rating after a person resolves [default: true].
    pub rating: Option<bool>,
}

fn yes() -> bool {
    true
}

/// Everything resolved: file, then environment and flags on top.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub store: StoreConfig,
    pub bus: BusConfig,
    /// See [`FileConfig::timer_poll_ms`].
    pub timer_poll: std::time::Duration,
    pub web_dir: PathBuf,
    pub site_dir: PathBuf,
    pub public_url: String,
    pub country_header: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub auto_away: Option<Millis>,
    /// How long resolved chats are kept (`None`: for ever).
    pub retention: Option<Millis>,
    pub bots: Vec<BotSettings>,
    pub notify: Option<toml::Value>,
    /// `--translate-url`: the translation endpoint, over the file's.
    pub translate_url: Option<String>,
    /// `--smtp host:port`: the email relay, over the file's.
    pub smtp: Option<String>,
    pub limits: crate::socket::FrameLimits,
    /// Where relative paths in the file (knowledge files) are resolved.
    pub base_dir: PathBuf,
    pub demo: bool,
}

/// Per-bot settings.
#[derive(Clone, Debug)]
pub struct BotSettings {
    pub id: BotId,
    /// How the inbox names the bot.
    pub name: String,
    /// Origins (scheme://host[:port]) whose pages may embed this bot's widget.
    pub allowed_origins: Vec<String>,
    /// Whether visitors may ask for a person at all.
    pub handover_enabled: bool,
    /// Whether the widget shows the "Talk to a human" button (the bot can
    /// still offer a person inline).
    pub show_button: bool,
    pub button_label: String,
    pub offline_message: String,
    pub response_window: Millis,
    /// Assisted (the bot answers) or human-only (every chat goes to people).
    pub mode: BotMode,
    /// Who answers, as written in the config (`None`: the rule-based demo bot).
    pub engine: Option<toml::Value>,
    /// Shown for operators who have not set their own.
    pub operator_avatar_url: Option<String>,
    pub operator_colour: Option<String>,
    /// How long an owner may have no inbox connected while the visitor
    /// waits before the chat goes back to Waiting.
    pub owner_gone: Millis,
    /// The choices a lapse offers (PROTOCOL.md §7.15; editable).
    pub after_lapse: baton_protocol::followup::AfterLapse,
    /// Whether visitors are asked for a rating after a person resolves.
    pub rating: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("{0}")]
    Invalid(String),
}

const DEFAULT_BUTTON: &str = "Talk to a human";
/// How long an owner may be gone before the chat waits again, by default
/// (PROTOCOL.md §7.12): long enough for a page reload or a short network
/// drop, short enough that a visitor is not left writing to nobody.
pub const DEFAULT_OWNER_GONE_SECS: u64 = 180;
const DEFAULT_OFFLINE: &str = "Our team is offline right now — the assistant is still here to help.";

impl Config {
    /// Reads the file named by `--config` (if any) and applies the flags.
    pub fn load(cli: Cli) -> Result<Config, ConfigError> {
        let (file, base_dir) = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                let file: FileConfig = toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.clone(),
                    source,
                })?;
                (file, path.parent().unwrap_or(Path::new(".")).to_path_buf())
            }
            None => (FileConfig::default(), PathBuf::from(".")),
        };
        Config::resolve(cli, file, base_dir)
    }

    pub fn resolve(cli: Cli, file: FileConfig, base_dir: PathBuf) -> Result<Config, ConfigError> {
        let listen = cli
            .listen
            .or(file.listen)
            .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into());
        let mut bots: Vec<BotSettings> = file.bots.into_iter().map(BotSettings::from_file).collect();
        if bots.is_empty() {
            bots.push(BotSettings::from_file(BotFile {
                id: "demo".into(),
                name: None,
                allowed_origins: Vec::new(),
                handover: true,
                show_button: true,
                button_label: None,
                offline_message: None,
                response_window_secs: None,
                mode: BotMode::Assisted,
                engine: None,
                operator_avatar_url: None,
                operator_colour: None,
                owner_gone_secs: None,
                after_lapse: None,
                rating: None,
            }));
        }
        // Flags about "the bot" apply to the first one.
        let first = &mut bots[0];
        if !cli.allowed_origins.is_empty() {
            first.allowed_origins = cli.allowed_origins.clone();
        }
        if let Some(secs) = cli.response_window_secs {
            first.response_window = Millis::from_secs(secs);
        }
        if cli.human_only {
            first.mode = BotMode::HumanOnly;
        }
        for bot in &mut bots {
            if bot.allowed_origins.is_empty() {
                bot.allowed_origins = vec![
                    format!("http://127.0.0.1:{}", listen.port()),
                    format!("http://localhost:{}", listen.port()),
                ];
            }
            if bot.mode == BotMode::HumanOnly && !bot.handover_enabled {
                return Err(ConfigError::Invalid(format!(
                    "bot {}: human_only mode needs handover enabled (nobody could answer)",
                    bot.id
                )));
            }
        }
        let mut ids: Vec<_> = bots.iter().map(|b| b.id.clone()).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != bots.len() {
            return Err(ConfigError::Invalid("two bots share an id".into()));
        }
        let data_dir = cli.data_dir.or(file.data_dir).unwrap_or_else(|| "data".into());
        Ok(Config {
            listen,
            store: StoreConfig::parse(cli.store.or(file.store), &data_dir)?,
            bus: BusConfig::parse(cli.bus.or(file.bus), cli.bus_cluster.or(file.bus_cluster))?,
            timer_poll: match file.timer_poll_ms {
                None => crate::hub::TIMER_POLL,
                Some(0) => return Err(ConfigError::Invalid("timer_poll_ms must be above 0".into())),
                Some(ms) => std::time::Duration::from_millis(ms),
            },
            data_dir,
            web_dir: cli.web_dir.or(file.web_dir).unwrap_or_else(|| "target/web".into()),
            site_dir: cli.site_dir.or(file.site_dir).unwrap_or_else(|| "demo/site".into()),
            public_url: cli
                .public_url
                .or(file.public_url)
                .unwrap_or_else(|| format!("http://{listen}")),
            country_header: cli.country_header.or(file.country_header),
            trusted_proxies: file.trusted_proxies,
            auto_away: file.auto_away_minutes.map(|m| Millis(m * 60_000)),
            retention: file
                .retention
                .and_then(|r| r.resolved_days)
                .map(baton_protocol::retention::days),
            bots,
            notify: file.notify,
            translate_url: cli.translate_url,
            smtp: cli.smtp,
            limits: {
                let limits = file.limits.unwrap_or_default();
                limits.check().map_err(ConfigError::Invalid)?;
                limits
            },
            base_dir,
            demo: cli.demo,
        })
    }
}

impl BotSettings {
    fn from_file(file: BotFile) -> BotSettings {
        BotSettings {
            name: file.name.unwrap_or_else(|| file.id.clone()),
            id: BotId(file.id),
            allowed_origins: file.allowed_origins,
            handover_enabled: file.handover,
            show_button: file.show_button,
            button_label: file.button_label.unwrap_or_else(|| DEFAULT_BUTTON.into()),
            offline_message: file.offline_message.unwrap_or_else(|| DEFAULT_OFFLINE.into()),
            response_window: Millis::from_secs(file.response_window_secs.unwrap_or(120)),
            mode: file.mode,
            engine: file.engine,
            operator_avatar_url: file.operator_avatar_url,
            operator_colour: file.operator_colour,
            owner_gone: Millis::from_secs(file.owner_gone_secs.unwrap_or(DEFAULT_OWNER_GONE_SECS)),
            after_lapse: file.after_lapse.unwrap_or_default(),
            rating: file.rating.unwrap_or(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> FileConfig {
        toml::from_str(text).expect("valid config")
    }

    #[test]
    fn no_file_runs_the_demo_bot_on_its_own_origin() {
        let config = Config::resolve(Cli::default(), FileConfig::default(), ".".into()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.bots.len(), 1);
        assert_eq!(config.bots[0].allowed_origins[0], "http://127.0.0.1:8080");
    }

    #[test]
    fn flags_override_the_file() {
        let file = parse(
            r#"
            listen = "127.0.0.1:9000"
            [[bot]]
            id = "shop"
            response_window_secs = 30
            button_label = "Chat with us"
            engine = { kind = "faq", knowledge = "kb.toml" }
            "#,
        );
        let cli = Cli {
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            response_window_secs: Some(5),
            ..Cli::default()
        };
        let config = Config::resolve(cli, file, "/etc/baton".into()).unwrap();
        assert_eq!(config.listen.port(), 9100);
        let bot = &config.bots[0];
        assert_eq!((bot.id.as_str(), bot.button_label.as_str()), ("shop", "Chat with us"));
        assert_eq!(bot.response_window, Millis::from_secs(5));
        assert!(bot.engine.is_some());
        assert_eq!((bot.name.as_str(), bot.owner_gone), ("shop", Millis::from_secs(180)));
        let file = parse("[[bot]]\nid = \"a\"\nname = \"Shop\"\nowner_gone_secs = 45\n");
        let config = Config::resolve(Cli::default(), file, ".".into()).unwrap();
        assert_eq!(
            (config.bots[0].name.as_str(), config.bots[0].owner_gone),
            ("Shop", Millis::from_secs(45))
        );
    }

    #[test]
    fn frame_limits_default_and_may_be_set_per_kind_of_client() {
        let config = Config::resolve(Cli::default(), FileConfig::default(), ".".into()).unwrap();
        assert_eq!(config.limits, crate::socket::FrameLimits::default());
        let file = parse("[limits.operator]\nburst = 500\nper_sec = 120\n");
        let config = Config::resolve(Cli::default(), file, ".".into()).unwrap();
        assert_eq!(
            (config.limits.operator.burst, config.limits.operator.per_sec),
            (500, 120)
        );
        assert_eq!(config.limits.visitor, crate::socket::FrameLimits::default().visitor);
        let file = parse("[limits.visitor]\nburst = 0\nper_sec = 5\n");
        assert!(Config::resolve(Cli::default(), file, ".".into()).is_err());
        let file = parse(
            "trusted_proxies = [\"10.0.0.5\"]\n[limits.per_ip]\nconnections = 8\n[limits.http]\nheader_secs = 3\n",
        );
        let config = Config::resolve(Cli::default(), file, ".".into()).unwrap();
        assert_eq!(config.limits.per_ip.connections, 8);
        assert_eq!(config.limits.per_ip.new_conversations_per_minute, 20, "the default");
        assert_eq!((config.limits.http.header_secs, config.limits.http.body_secs), (3, 10));
        assert_eq!(
            config.trusted_proxies,
            ["10.0.0.5".parse::<std::net::IpAddr>().unwrap()]
        );
        let file = parse("[limits.per_ip]\nconnections = 0\n");
        assert!(Config::resolve(Cli::default(), file, ".".into()).is_err());
    }

    #[test]
    fn unknown_keys_and_contradictions_are_errors() {
        assert!(
            toml::from_str::<FileConfig>("listn = \"x\"").is_err(),
            "a typo is reported, not ignored"
        );
        let file = parse("[[bot]]\nid = \"a\"\nmode = \"human_only\"\nhandover = false\n");
        assert!(Config::resolve(Cli::default(), file, ".".into()).is_err());
        let file = parse("[[bot]]\nid = \"a\"\n[[bot]]\nid = \"a\"\n");
        assert!(Config::resolve(Cli::default(), file, ".".into()).is_err());
    }
}
