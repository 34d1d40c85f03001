//! Which store and which bus: `store = "sqlite" | "postgres://…"`,
//! `bus = "in-process" | "nats://…"` and `bus_cluster`.

use super::ConfigError;
use std::path::{Path, PathBuf};

/// Which store holds the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreConfig {
    /// `baton.sqlite3` in the data directory: the default, nothing to install.
    Sqlite(PathBuf),
    /// A PostgreSQL database that several processes may share.
    Postgres(String),
}

impl StoreConfig {
    pub(super) fn parse(value: Option<String>, data_dir: &Path) -> Result<StoreConfig, ConfigError> {
        match value.as_deref().map(str::trim) {
            None | Some("" | "sqlite") => Ok(StoreConfig::Sqlite(data_dir.join("baton.sqlite3"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreConfig::Postgres(url.to_owned()))
            }
            // Not echoed: a mistyped URL may carry a password.
            Some(_) => Err(ConfigError::Invalid(
                "store must be \"sqlite\" or a postgres://user@host/database URL".into(),
            )),
        }
    }
}

/// Which bus carries hints between processes (`crate::bus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusConfig {
    /// A NATS server's URL; `None`: the in-process bus.
    pub nats: Option<String>,
    /// The subject prefix's cluster name, `baton.<cluster>.…`.
    pub cluster: String,
}

impl BusConfig {
    pub(super) fn parse(value: Option<String>, cluster: Option<String>) -> Result<BusConfig, ConfigError> {
        let nats = match value.as_deref().map(str::trim) {
            None | Some("" | "in-process") => None,
            Some(url) if url.starts_with("nats://") => Some(url.to_owned()),
            // Not echoed: a mistyped URL may carry a password.
            Some(_) => {
                return Err(ConfigError::Invalid(
                    "bus must be \"in-process\" or a nats://host:port URL".into(),
                ));
            }
        };
        let cluster = cluster.unwrap_or_else(|| "default".into());
        crate::bus::check_cluster(&cluster)
            .map_err(|_| ConfigError::Invalid(format!("bus_cluster {cluster:?}: use letters, digits, - and _")))?;
        Ok(BusConfig { nats, cluster })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Config, FileConfig};
    use super::*;

    fn parse(text: &str) -> FileConfig {
        toml::from_str(text).expect("valid config")
    }

    #[test]
    fn the_store_is_sqlite_in_the_data_dir_unless_a_postgres_url_is_given() {
        let config = Config::resolve(Cli::default(), parse("data_dir = \"/d\""), ".".into()).unwrap();
        assert_eq!(config.store, StoreConfig::Sqlite("/d/baton.sqlite3".into()));
        let file = parse("store = \"postgres://baton@db/baton\"");
        let config = Config::resolve(Cli::default(), file.clone(), ".".into()).unwrap();
        assert_eq!(config.store, StoreConfig::Postgres("postgres://baton@db/baton".into()));
        // The flag wins over the file.
        let cli = Cli {
            store: Some("sqlite".into()),
            ..Cli::default()
        };
        let config = Config::resolve(cli, file, ".".into()).unwrap();
        assert_eq!(config.store, StoreConfig::Sqlite("data/baton.sqlite3".into()));
        let typo = Config::resolve(Cli::default(), parse("store = \"postgress://x:secret@db\""), ".".into());
        let err = typo.expect_err("not a store").to_string();
        assert!(err.contains("postgres://") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn timers_are_looked_for_every_half_second_unless_set() {
        let config = Config::resolve(Cli::default(), FileConfig::default(), ".".into()).unwrap();
        assert_eq!(config.timer_poll, crate::hub::TIMER_POLL);
        let config = Config::resolve(Cli::default(), parse("timer_poll_ms = 250"), ".".into()).unwrap();
        assert_eq!(config.timer_poll, std::time::Duration::from_millis(250));
        assert!(Config::resolve(Cli::default(), parse("timer_poll_ms = 0"), ".".into()).is_err());
    }

    #[test]
    fn the_bus_is_in_process_unless_a_nats_url_is_given() {
        let config = Config::resolve(Cli::default(), FileConfig::default(), ".".into()).unwrap();
        assert_eq!(
            config.bus,
            BusConfig {
                nats: None,
                cluster: "default".into()
            }
        );
        let file = parse("bus = \"nats://nats:4222\"\nbus_cluster = \"shop\"");
        let config = Config::resolve(Cli::default(), file.clone(), ".".into()).unwrap();
        assert_eq!(config.bus.nats.as_deref(), Some("nats://nats:4222"));
        assert_eq!(config.bus.cluster, "shop");
        // The flag wins over the file.
        let cli = Cli {
            bus: Some("in-process".into()),
            ..Cli::default()
        };
        assert_eq!(Config::resolve(cli, file, ".".into()).unwrap().bus.nats, None);
        let typo = Config::resolve(Cli::default(), parse("bus = \"natz://u:secret@n\""), ".".into());
        let err = typo.expect_err("not a bus").to_string();
        assert!(err.contains("nats://") && !err.contains("secret"), "{err}");
        let dotted = Config::resolve(Cli::default(), parse("bus_cluster = \"a.b\""), ".".into());
        assert!(dotted.expect_err("not a token").to_string().contains("bus_cluster"));
    }
}
