//! Services the tests need beside the code: PostgreSQL, for the store
//! conformance suite on `PgStore`, NATS, for the bus (`nats`), and HAProxy,
//! for the load-balancer test (`haproxy`). `BATON_TEST_POSTGRES` names a server to
//! use; without it, `cargo xtask test` starts a private cluster under the
//! target directory (installing Debian's `postgresql` package when its
//! programs are missing) and stops it when the run ends, failed or not.
//! The embedded default (SQLite) never needs any of this.

use crate::{Result, cargo, free_port, run, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

mod haproxy;
mod nats;
pub use haproxy::{haproxy, test_lb};
pub use nats::{NatsServer, nats, nats_bin, test_nats};

/// A PostgreSQL server for the tests; a private one stops when dropped.
pub struct Postgres {
    pub url: String,
    /// Held only to be dropped (stopped) with this.
    _cluster: Option<Cluster>,
}

impl Postgres {
    /// What the test steps get: where the server is, and that the suite
    /// must fail rather than skip without it.
    pub fn env(&self) -> [(&'static str, &str); 2] {
        [("BATON_TEST_POSTGRES", &self.url), ("BATON_REQUIRE_POSTGRES", "1")]
    }
}

/// `cargo xtask test-postgres`: the store conformance suite and the
/// server's PostgreSQL test, on the server `test` would use.
pub fn test_postgres() -> Result {
    let postgres = postgres()?;
    run(cargo()
        .args(["test", "-p", "baton-server", "--lib", "store"])
        .envs(postgres.env()))?;
    run(cargo()
        .args(["test", "-p", "baton-server", "--test", "postgres"])
        .envs(postgres.env()))
}

/// A cluster this run started.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// Run its programs as the `postgres` user (root may not run them).
    as_postgres: bool,
}

/// The server of `BATON_TEST_POSTGRES`, or a private cluster started now.
pub fn postgres() -> Result<Postgres> {
    if let Some(url) = std::env::var("BATON_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) {
        println!(
            "\nPostgreSQL for the tests: BATON_TEST_POSTGRES ({})",
            without_password(&url)
        );
        return Ok(Postgres { url, _cluster: None });
    }
    private_postgres()
}

/// A private cluster started now, whatever `BATON_TEST_POSTGRES` says: its
/// `postgres` database is empty (the fault drill's cluster run).
pub fn private_postgres() -> Result<Postgres> {
    let bin = match find_bin() {
        Some(bin) => bin,
        None => {
            install()?;
            find_bin().ok_or("PostgreSQL was installed but no initdb/pg_ctl is in /usr/lib/postgresql/*/bin")?
        }
    };
    let as_postgres = is_root();
    let dir = cluster_dir(as_postgres)?;
    let cluster = Cluster { dir, bin, as_postgres };
    cluster.init()?;
    let port = free_port()?;
    cluster.start(port)?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    println!(
        "PostgreSQL for the tests: a private cluster in {} on {url}",
        cluster.dir.display()
    );
    Ok(Postgres {
        url,
        _cluster: Some(cluster),
    })
}

impl Cluster {
    /// A program of the cluster's PostgreSQL, as the user that owns it.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    /// A new, empty cluster (a previous run's is stopped and removed).
    fn init(&self) -> Result {
        if self.dir.join("postmaster.pid").exists() {
            // Left running by a run that was killed; its port is unknown.
            let _ = self
                .command("pg_ctl")
                .arg("-D")
                .arg(&self.dir)
                .args(["-m", "immediate", "-w", "stop"])
                .status();
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| format!("remove {}: {e}", self.dir.display()))?;
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("create {}: {e}", self.dir.display()))?;
        if self.as_postgres {
            // initdb refuses to run as root: the postgres user owns the cluster.
            run(Command::new("chown").args(["postgres:postgres"]).arg(&self.dir))?;
        }
        run(self.command("initdb").arg("-D").arg(&self.dir).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]))
    }

    /// Starts it on 127.0.0.1:`port`, its socket in its own directory (no
    /// clash with a system server), and waits until it accepts connections.
    fn start(&self, port: u16) -> Result {
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
            self.dir.display()
        );
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]))
        .map_err(|e| format!("{e} (see {})", self.dir.join("server.log").display()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        println!("\nStopping the tests' PostgreSQL ({})", self.dir.display());
        let stopped = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "fast", "-w", "stop"])
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!("xtask: could not stop PostgreSQL in {}", self.dir.display());
        }
    }
}

/// `initdb`'s directory, newest version first: Debian's layout.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").exists() && bin.join("pg_ctl").exists()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Debian's `postgresql` package (its server programs; the tests start
/// their own cluster, not the one the package may start).
fn install() -> Result {
    if !is_root() {
        return Err(
            "PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb). Install it with:\n    \
                    sudo apt-get update && sudo apt-get install -y postgresql\n\
                    (or point BATON_TEST_POSTGRES at a server: postgres://user@host:port/database)"
                .into(),
        );
    }
    println!("\nInstalling PostgreSQL from Debian's packages…");
    install_package("postgresql")
}

/// `name` on PATH, else where Debian puts programs.
fn find_program(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/sbin".into(), "/usr/bin".into()])
        .map(|dir: PathBuf| dir.join(name))
        .find(|bin| bin.is_file())
}

/// `apt-get install` of one Debian package (as root).
fn install_package(package: &str) -> Result {
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", package])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// `target/pg`, or a directory under /tmp when the postgres user cannot
/// reach the target directory (a checkout under a private home) or the
/// path is too long for a Unix socket's name.
fn cluster_dir(as_postgres: bool) -> Result<PathBuf> {
    let preferred = target_dir().join("pg");
    let short_enough = preferred.as_os_str().len() < 80;
    if short_enough && (!as_postgres || reachable_by_postgres(preferred.parent().unwrap_or(Path::new("/")))) {
        return Ok(preferred);
    }
    Ok(std::env::temp_dir().join(format!("baton-pg-{}", std::process::id())))
}

/// Whether the postgres user can enter every directory down to `dir`.
fn reachable_by_postgres(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).is_ok()
        && Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
}

fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// What several Baton processes share, started privately for one run (the
/// fault drill's and the benchmark's cluster runs): a PostgreSQL cluster
/// whose `postgres` database is empty, whatever `BATON_TEST_POSTGRES`
/// names, and a nats-server the run may stop and start again.
pub struct Services {
    pub postgres: Postgres,
    nats_bin: String,
    nats_port: u16,
    /// Its files' directory under the target directory.
    nats_dir: &'static str,
    nats: Option<NatsServer>,
}

impl Services {
    pub fn start(nats_dir: &'static str) -> Result<Services> {
        let postgres = private_postgres()?;
        let nats_bin = nats_bin()?;
        let nats_port = free_port()?;
        let nats = Some(NatsServer::start_in(&nats_bin, nats_port, nats_dir)?);
        Ok(Services {
            postgres,
            nats_bin,
            nats_port,
            nats_dir,
            nats,
        })
    }

    /// The `baton-server` arguments that put a process on them.
    pub fn args(&self) -> Vec<String> {
        let bus = format!("nats://127.0.0.1:{}", self.nats_port);
        ["--store", &self.postgres.url, "--bus", &bus].map(String::from).into()
    }

    /// Stops the bus and starts it again on the same port.
    pub fn restart_bus(&mut self) -> Result {
        drop(self.nats.take());
        self.nats = Some(NatsServer::start_in(&self.nats_bin, self.nats_port, self.nats_dir)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            super::without_password("postgres://baton:s3cret@db:5432/baton"),
            "postgres://baton@db:5432/baton"
        );
        assert_eq!(
            super::without_password("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
    }
}
