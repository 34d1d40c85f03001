//! HAProxy for the load-balancer test (`baton-server`'s `tests/lb.rs`),
//! which runs `deploy/haproxy.cfg` — the file a deployment uses — in front
//! of two server processes it starts. The ports are the test's, so the test
//! starts and stops HAProxy itself; this provides the program, installing
//! Debian's `haproxy` package when it is missing (as for PostgreSQL and
//! NATS), and checks the deployment's file is valid for it before any test
//! runs. `BATON_TEST_HAPROXY` names another program to use.

use super::{find_program, install_package, is_root};
use crate::{Result, cargo, free_port, root, run};
use std::process::Command;

/// The HAProxy program the tests run.
pub struct Haproxy {
    pub bin: String,
}

impl Haproxy {
    /// What the test steps get: the program, and that the test must fail
    /// rather than skip without it.
    pub fn env(&self) -> [(&'static str, &str); 2] {
        [("BATON_TEST_HAPROXY", &self.bin), ("BATON_REQUIRE_HAPROXY", "1")]
    }
}

/// `cargo xtask test-lb`: the drain test and the two-process test behind
/// HAProxy, with the PostgreSQL and NATS `test` would use.
pub fn test_lb() -> Result {
    let haproxy = haproxy()?;
    let postgres = super::postgres()?;
    let nats = super::nats()?;
    run(cargo()
        .args(["test", "-p", "baton-server", "--test", "drain", "--test", "lb"])
        .envs(haproxy.env())
        .envs(postgres.env())
        .envs(nats.env()))
}

/// The program of `BATON_TEST_HAPROXY`, or `haproxy` as installed (now, if
/// it was not), once `deploy/haproxy.cfg` passed its check.
pub fn haproxy() -> Result<Haproxy> {
    let bin = match std::env::var("BATON_TEST_HAPROXY").ok().filter(|b| !b.is_empty()) {
        Some(bin) => bin,
        None => match find_program("haproxy") {
            Some(bin) => bin.display().to_string(),
            None => {
                install()?;
                find_program("haproxy")
                    .ok_or("haproxy was installed but is not on PATH, /usr/sbin or /usr/bin")?
                    .display()
                    .to_string()
            }
        },
    };
    check_config(&bin)?;
    println!("\nHAProxy for the tests: {bin} (deploy/haproxy.cfg checked)");
    Ok(Haproxy { bin })
}

/// `haproxy -c` on the deployment's file, its addresses filled in.
fn check_config(bin: &str) -> Result {
    let config = root().join("deploy/haproxy.cfg");
    let port = free_port()?;
    run(Command::new(bin)
        .arg("-q")
        .arg("-c")
        .arg("-f")
        .arg(&config)
        .env("BATON_LB_BIND", format!("127.0.0.1:{port}"))
        .env("BATON_1", "127.0.0.1:1")
        .env("BATON_2", "127.0.0.1:2"))
    .map_err(|e| format!("{} does not pass `haproxy -c`: {e}", config.display()))
}

/// Debian's `haproxy` package (the tests start their own, not the service
/// the package may start).
fn install() -> Result {
    if !is_root() {
        return Err(
            "haproxy is missing (not on PATH, /usr/sbin or /usr/bin). Install it with:\n    \
                    sudo apt-get update && sudo apt-get install -y haproxy\n\
                    (or point BATON_TEST_HAPROXY at the program)"
                .into(),
        );
    }
    println!("\nInstalling HAProxy from Debian's packages…");
    install_package("haproxy")
}
