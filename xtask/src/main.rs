//! Project automation, in Rust so it runs wherever cargo does.
//!
//!   cargo xtask demo [--port N]   install what is missing, build, run the demo
//!   cargo xtask test              every check CI runs
//!   cargo xtask test-postgres     only the store suite and server test on PostgreSQL
//!   cargo xtask test-nats         only the bus's tests on NATS
//!   cargo xtask build-web         build the widget and inbox into target/web
//!   cargo xtask setup             only install the tools
//!   cargo xtask size              gzip sizes of what a visitor downloads
//!   cargo xtask bench [--quick]   Baton vs a raw echo server, and the widget
//!   cargo xtask bench-conns       only the server RSS per idle visitor
//!   cargo xtask chaos             the fault drill: SIGKILLs under load, then a reconnect storm
//!   cargo xtask fuzz [--secs N] [--target NAME]
//!                                 libFuzzer on every decoder of untrusted bytes
//!
//! Every tool is installed here on first use, so a fresh machine needs only
//! Rust, Node.js and npm (and, for the tests, PostgreSQL and nats-server
//! are installed and started privately unless `BATON_TEST_POSTGRES` and
//! `BATON_TEST_NATS` name servers).

mod assets;
mod bench;
mod bindings;
mod chaos;
mod fuzz;
mod lean_std;
mod services;
mod tools;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("test-postgres") => services::test_postgres(),
        Some("test-nats") => services::test_nats(),
        Some("test-lb") => services::test_lb(),
        Some("build-web") => tools::ensure_web_build().and_then(|t| web::build(&t)),
        Some("setup") => tools::ensure_all().map(drop),
        Some("size") => web::size_report(),
        Some("bench") => bench::bench(&args[1..]),
        Some("bench-conns") => bench::conns(&args[1..]),
        Some("bench-compare") => bench::compare(&args[1..]),
        Some("chaos") => chaos::chaos(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo [--port N] | test | test-postgres | test-nats | test-lb | build-web | setup | size | bench [--quick] | bench-conns [--count N] | bench-compare <commit> [--rounds N] [--rate R] | chaos [--visitors N] [--messages M] [--kills K] [--storm S] [--seed X] [--cluster P] | fuzz [--secs N] [--target NAME]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` or `build.target-dir` when
/// set (many developers set one globally), else `target/` in the checkout.
/// Asked of `cargo metadata`, which applies every rule cargo itself uses.
pub fn target_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(root())
            .stderr(std::process::Stdio::inherit())
            .output();
        out.ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|json| json_string_field(&json, "target_directory"))
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"))
    })
    .clone()
}

/// The value of `"field":"…"` in cargo's JSON (paths: only `\\` and `\"`
/// escapes occur).
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let start = json.find(&format!("\"{field}\":\""))? + field.len() + 4;
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

/// Runs a command from the workspace root, streaming its output.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    println!("\n$ {shown}");
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("failed ({status}): {shown}"))
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn demo(args: &[String]) -> Result {
    let mut port = 8080u16;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--port" => {
                port = iter
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port needs a number")?;
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let tools = tools::ensure_web_build()?;
    web::build(&tools)?;
    run(cargo().args(["build", "-p", "baton-server"]))?;
    let data = root().join("data");
    println!(
        "\nStarting the demo (Ctrl-C stops it; data is kept in {}).",
        data.display()
    );
    run(Command::new(target_dir().join("debug/baton-server"))
        .args([
            "--demo",
            "--config",
            "demo/baton.toml",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data-dir")
        .arg(&data)
        .arg("--web-dir")
        .arg(target_dir().join("web")))
}

/// A loopback port nothing listens on right now, for the e2e server.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// One check of the test command, for the closing summary.
struct Step {
    name: &'static str,
    ok: bool,
    secs: f64,
}

fn test() -> Result {
    let started = Instant::now();
    let tools = tools::ensure_all()?;
    // PostgreSQL for the store suite on PgStore; a private cluster stops
    // when this returns, whichever way.
    let postgres = services::postgres()?;
    // NATS for the bus tests, the same way.
    let nats = services::nats()?;
    // HAProxy for the load-balancer test, which starts its own from
    // deploy/haproxy.cfg (checked here).
    let haproxy = services::haproxy()?;
    let mut steps = Vec::new();
    let mut counts = Counts::default();
    let mut step = |name: &'static str, f: &mut dyn FnMut(&mut Counts) -> Result| {
        let t = Instant::now();
        let result = f(&mut counts);
        if let Err(err) = &result {
            eprintln!("xtask: step `{name}` failed: {err}");
        }
        steps.push(Step {
            name,
            ok: result.is_ok(),
            secs: t.elapsed().as_secs_f64(),
        });
    };
    step("format", &mut |_| run(cargo().args(["fmt", "--all", "--check"])));
    step("clippy (native)", &mut |_| {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    });
    step("clippy (wasm)", &mut |_| {
        run(cargo().args([
            "clippy",
            "-p",
            "baton-widget",
            "-p",
            "baton-inbox",
            "-p",
            "baton-protocol",
            "-p",
            "baton-rich-text",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    });
    // --all-features: the protocol's schema/TS drift test and the golden
    // vector validation need its `schema` and `ts` features.
    step("unit and integration tests", &mut |c| {
        c.run_counted(
            cargo()
                .args(["test", "--workspace", "--all-features"])
                .envs(postgres.env())
                .envs(nats.env())
                .envs(haproxy.env()),
        )
    });
    step("wasm builds", &mut |_| web::build(&tools));
    step("npm package (wasm-pack)", &mut |_| web::npm_package(&tools));
    step("end-to-end (Playwright, Chromium)", &mut |c| {
        run(cargo().args(["build", "-p", "baton-server"]))?;
        let mut cmd = Command::new(root().join("node_modules/.bin/playwright"));
        // One retry: a test that fails twice fails the run, and one that
        // passes only on its retry is named in the summary as flaky.
        cmd.args(["test", "--config", "tests/playwright.config.ts", "--retries=1"])
            .env("BATON_CHROMIUM", &tools.chromium)
            .env("BATON_TARGET_DIR", target_dir())
            .env("BATON_E2E_PORT", free_port()?.to_string());
        c.run_counted(&mut cmd)
    });
    // Fails over the hard limits: the full widget 120 KB gzip, the loader 3 KB.
    step("widget size", &mut |_| web::size_report());

    println!("\n==== cargo xtask test: summary ====");
    for s in &steps {
        println!(
            "  {:<4} {:<36} {:>6.1}s",
            if s.ok { "ok" } else { "FAIL" },
            s.name,
            s.secs
        );
    }
    println!("  took {:.0}s in all", started.elapsed().as_secs_f64());
    println!(
        "tests: {} passed, {} failed, {} flaky (passed on retry)",
        counts.passed, counts.failed, counts.flaky
    );
    // A CI log is often read from its end: the failures' own words again.
    if !counts.failures.is_empty() {
        println!("\n==== failures and flaky tests, as the runner reported them ====");
        for line in &counts.failures {
            println!("{line}");
        }
    }
    let failed: Vec<_> = steps.iter().filter(|s| !s.ok).map(|s| s.name).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

/// Test counts read from the runners' own summary lines.
#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    flaky: u64,
    /// Playwright's report of each failed or flaky test (from its
    /// `  1) [chromium] › …` line), capped.
    failures: Vec<String>,
    in_failure: bool,
}

/// How many lines of failure reports the summary repeats.
const FAILURE_LINES: usize = 160;

impl Counts {
    /// Runs a test runner, echoing its output and adding up its summary
    /// lines (`test result: ok. N passed; M failed` from cargo, `N passed`
    /// / `M failed` from Playwright).
    fn run_counted(&mut self, cmd: &mut Command) -> Result {
        use std::io::{BufRead, BufReader};
        let shown = format!("{cmd:?}");
        println!("\n$ {shown}");
        let mut child = cmd
            .current_dir(root())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {shown}: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("{line}");
            self.read_summary(&line);
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("failed ({status}): {shown}"))
        }
    }

    fn read_summary(&mut self, line: &str) {
        let number_before = |word: &str| -> Option<u64> {
            let words: Vec<&str> = line.split_whitespace().collect();
            let i = words.iter().position(|w| w.trim_end_matches([';', ',']) == word)?;
            words.get(i.checked_sub(1)?)?.parse().ok()
        };
        let trimmed = line.trim_start();
        // Playwright's failure reports: "  1) [chromium] › e2e/x.spec.ts:3:1 › …",
        // its error and call log, until its closing counts.
        let starts_report = trimmed
            .split_once(") [")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        // The closing counts: "  1 failed", "  1 flaky", "  24 passed (3.1m)".
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let count_of =
            |what: &str| words.len() >= 2 && words[1] == what && words[0].bytes().all(|b| b.is_ascii_digit());
        let is_count = count_of("failed") || count_of("flaky") || count_of("passed");
        if starts_report {
            self.in_failure = true;
        } else if is_count {
            self.in_failure = false;
        }
        if (self.in_failure || count_of("flaky") || trimmed.starts_with("[chromium] ›"))
            && self.failures.len() < FAILURE_LINES
        {
            self.failures.push(line.to_owned());
        }
        if trimmed.starts_with("test result:") {
            self.passed += number_before("passed").unwrap_or(0);
            self.failed += number_before("failed").unwrap_or(0);
        } else if let Some(rest) = trimmed
            .strip_suffix(')')
            .and_then(|l| l.split_once(" ("))
            .map(|(l, _)| l)
        {
            // Playwright: "  12 passed (34.5s)"
            if let [n, "passed"] = rest.split_whitespace().collect::<Vec<_>>()[..] {
                self.passed += n.parse::<u64>().unwrap_or(0);
            }
        } else if let [n, "failed"] = trimmed.split_whitespace().collect::<Vec<_>>()[..] {
            self.failed += n.parse::<u64>().unwrap_or(0);
        } else if let [n, "flaky"] = trimmed.split_whitespace().collect::<Vec<_>>()[..] {
            self.flaky += n.parse::<u64>().unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Counts, json_string_field};

    #[test]
    fn reads_the_target_directory_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/home/a \"b\"\\t","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some(r#"/home/a "b"\t"#)
        );
        assert_eq!(json_string_field(json, "workspace_root"), None);
        assert_eq!(
            json_string_field(r#"{"target_directory":"/cut"#, "target_directory"),
            None
        );
    }

    #[test]
    fn reads_cargo_and_playwright_summaries() {
        let mut c = Counts::default();
        c.read_summary(
            "test result: ok. 18 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        );
        c.read_summary("test result: FAILED. 3 passed; 2 failed; 0 ignored");
        c.read_summary("  4 passed (12.3s)");
        c.read_summary("  1 failed");
        c.read_summary("running 7 tests");
        assert_eq!((c.passed, c.failed, c.flaky), (25, 3, 0));
        assert!(c.failures.is_empty());
    }

    #[test]
    fn keeps_playwright_failure_reports_for_the_summary() {
        let mut c = Counts::default();
        for line in [
            "  ✓  3 [chromium] › e2e/a.spec.ts:5:1 › fine (2.0s)",
            "  1) [chromium] › e2e/b.spec.ts:9:1 › breaks ─────",
            "    Error: expect(locator).toHaveValue(expected) failed",
            "  1 failed",
            "    [chromium] › e2e/b.spec.ts:9:1 › breaks",
            "  1 flaky",
            "    [chromium] › e2e/c.spec.ts:4:1 › wobbles",
            "  24 passed (3.1m)",
        ] {
            c.read_summary(line);
        }
        assert_eq!((c.passed, c.failed, c.flaky), (24, 1, 1));
        assert_eq!(c.failures.len(), 5, "{:#?}", c.failures);
        assert!(c.failures[1].contains("toHaveValue"));
        assert!(c.failures.iter().all(|l| !l.contains("fine")));
    }
}
