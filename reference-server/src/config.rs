//! Configuration: CLI flags, each with an environment variable.

use baton_protocol::{BotId, BotMode, Millis};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "baton-server",
    version,
    about = "Baton reference server: AI chat with human handover"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BATON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Built widget and inbox assets (`<dir>/widget`, `<dir>/inbox`), as
    /// produced by `cargo xtask build-web`.
    #[arg(long, env = "BATON_WEB_DIR", default_value = "target/web")]
    pub web_dir: PathBuf,
    /// The demo site served at `/`.
    #[arg(long, env = "BATON_SITE_DIR", default_value = "demo/site")]
    pub site_dir: PathBuf,
    /// Origins allowed to open the visitor socket (comma-separated). Default:
    /// this server's own origin, as `http://127.0.0.1:PORT` and `http://localhost:PORT`.
    #[arg(long, env = "BATON_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// How long a help request waits for an operator before the bot takes the
    /// chat back.
    #[arg(long, env = "BATON_RESPONSE_WINDOW_SECS", default_value_t = 120)]
    pub response_window_secs: u64,
    /// Bypass the bot: every visitor message asks for a person.
    #[arg(long, env = "BATON_HUMAN_ONLY")]
    pub human_only: bool,
    /// Create the demo operator account (printed at start-up).
    #[arg(long)]
    pub demo: bool,
}

/// Per-bot settings.
#[derive(Clone, Debug)]
pub struct BotSettings {
    pub id: BotId,
    /// Origins (scheme://host[:port]) whose pages may embed this bot's widget.
    pub allowed_origins: Vec<String>,
    /// Whether visitors may ask for a person at all.
    pub handover_enabled: bool,
    pub button_label: String,
    pub offline_message: String,
    pub response_window: Millis,
    /// Assisted (the bot answers) or human-only (every chat goes to people).
    pub mode: BotMode,
}

impl Config {
    /// The single bot the reference server runs until bots come from a
    /// config file.
    pub fn bots(&self, port: u16) -> Vec<BotSettings> {
        let allowed_origins = if self.allowed_origins.is_empty() {
            vec![format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")]
        } else {
            self.allowed_origins.clone()
        };
        vec![BotSettings {
            id: BotId("demo".into()),
            allowed_origins,
            handover_enabled: true,
            button_label: "Talk to a human".into(),
            offline_message: "Our team is offline right now — the assistant is still here to help.".into(),
            response_window: Millis::from_secs(self.response_window_secs),
            mode: if self.human_only {
                BotMode::HumanOnly
            } else {
                BotMode::Assisted
            },
        }]
    }
}
