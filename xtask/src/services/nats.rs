//! NATS for the bus tests (`baton-server`'s `tests/bus.rs`): the same
//! pattern as PostgreSQL. `BATON_TEST_NATS` names a server to use; without
//! it, `cargo xtask test` starts a private nats-server on a free
//! 127.0.0.1 port (installing Debian's `nats-server` package when the
//! program is missing) and stops it when the run ends, failed or not. The
//! restart test starts its own server from the same program
//! (`BATON_NATS_SERVER`). The in-process bus never needs any of this.

use super::{find_program, install_package, is_root};
use crate::{Result, cargo, free_port, run, target_dir};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A NATS server for the tests; a private one stops when dropped.
pub struct Nats {
    pub url: String,
    /// The nats-server program (for the test that restarts its own).
    pub bin: String,
    /// Held only to be dropped (stopped) with this.
    _server: Option<Server>,
}

impl Nats {
    /// What the test steps get: where the server is, the program, and that
    /// the suite must fail rather than skip without it.
    pub fn env(&self) -> [(&'static str, &str); 3] {
        [
            ("BATON_TEST_NATS", &self.url),
            ("BATON_REQUIRE_NATS", "1"),
            ("BATON_NATS_SERVER", &self.bin),
        ]
    }
}

/// `cargo xtask test-nats`: the bus's unit tests and its NATS tests, on the
/// server `test` would use.
pub fn test_nats() -> Result {
    let nats = nats()?;
    run(cargo()
        .args(["test", "-p", "baton-server", "--lib", "bus"])
        .envs(nats.env()))?;
    run(cargo()
        .args(["test", "-p", "baton-server", "--test", "bus"])
        .envs(nats.env()))
}

/// The server of `BATON_TEST_NATS`, or a private one started now.
pub fn nats() -> Result<Nats> {
    let bin = nats_bin()?;
    if let Some(url) = std::env::var("BATON_TEST_NATS").ok().filter(|u| !u.is_empty()) {
        println!("\nNATS for the tests: BATON_TEST_NATS ({url})");
        return Ok(Nats {
            url,
            bin,
            _server: None,
        });
    }
    let port = free_port()?;
    let server = Server::start(&bin, port)?;
    let url = format!("nats://127.0.0.1:{port}");
    println!(
        "NATS for the tests: a private nats-server in {} on {url}",
        server.dir.display()
    );
    Ok(Nats {
        url,
        bin,
        _server: Some(server),
    })
}

/// The nats-server program, installed first if it is missing.
pub fn nats_bin() -> Result<String> {
    let bin = match find_program("nats-server") {
        Some(bin) => bin,
        None => {
            install()?;
            find_program("nats-server").ok_or("nats-server was installed but is not on PATH, /usr/sbin or /usr/bin")?
        }
    };
    Ok(bin.display().to_string())
}

/// A nats-server this run started (the drill restarts its own).
pub type NatsServer = Server;

/// A nats-server this run started.
pub struct Server {
    child: Child,
    dir: PathBuf,
}

impl Server {
    /// Starts `bin` on 127.0.0.1:`port`, its store and log in its own
    /// directory, and waits until it accepts connections.
    pub fn start(bin: &str, port: u16) -> Result<Server> {
        Server::start_in(bin, port, "nats")
    }

    /// [`Server::start`] with its files in `target/<name>`.
    pub fn start_in(bin: &str, port: u16, name: &str) -> Result<Server> {
        let dir = target_dir().join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("remove {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let log = dir.join("server.log");
        let mut child = Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .arg("-sd")
            .arg(dir.join("store"))
            .arg("-l")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {bin}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "nats-server did not start on port {port} (see {})",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Server { child, dir })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        println!("\nStopping the tests' nats-server ({})", self.dir.display());
        if self.child.kill().is_err() || self.child.wait().is_err() {
            eprintln!("xtask: could not stop nats-server (pid {})", self.child.id());
        }
    }
}

/// Debian's `nats-server` package.
fn install() -> Result {
    if !is_root() {
        return Err(
            "nats-server is missing (not on PATH, /usr/sbin or /usr/bin). Install it with:\n    \
                    sudo apt-get update && sudo apt-get install -y nats-server\n\
                    (or point BATON_TEST_NATS at a server, nats://host:port, and BATON_NATS_SERVER at the program)"
                .into(),
        );
    }
    println!("\nInstalling nats-server from Debian's packages…");
    install_package("nats-server")
}
