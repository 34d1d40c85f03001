//! Installs the tools the build and tests need, each only when missing:
//! the wasm32 target and the std sources (`lean_std`), wasm-bindgen-cli at exactly the version in Cargo.lock,
//! wasm-pack, the npm packages from package-lock.json (binaryen's wasm-opt,
//! esbuild, Playwright, axe-core), and Chromium.

use crate::{Result, root, run};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub esbuild: PathBuf,
    pub wasm_pack: PathBuf,
    pub chromium: PathBuf,
    /// The WebAssembly may build std from source (`lean_std`).
    pub lean_std: bool,
}

/// Enough to build the widget and inbox.
pub fn ensure_web_build() -> Result<Tools> {
    ensure_wasm_target()?;
    let wasm_bindgen = ensure_wasm_bindgen()?;
    ensure_npm_packages()?;
    Ok(Tools {
        wasm_bindgen,
        wasm_opt: root().join("node_modules/.bin/wasm-opt"),
        esbuild: root().join("node_modules/.bin/esbuild"),
        wasm_pack: PathBuf::from("wasm-pack"),
        chromium: PathBuf::new(),
        lean_std: crate::lean_std::available(),
    })
}

/// Everything `cargo xtask test` uses.
pub fn ensure_all() -> Result<Tools> {
    let mut tools = ensure_web_build()?;
    tools.wasm_pack = ensure_cargo_tool("wasm-pack", "wasm-pack", None)?;
    tools.chromium = ensure_chromium()?;
    Ok(tools)
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin").join(name)
}

fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The `wasm-bindgen` version Cargo.lock pins; the CLI must match it exactly.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = locked_version("wasm-bindgen")?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", Some(&version))
}

/// What `cargo xtask fuzz` needs: a nightly toolchain (libFuzzer's
/// coverage instrumentation is a nightly `-Z` flag) and cargo-fuzz.
pub fn ensure_fuzz_tools() -> Result {
    if output(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])).is_none() {
        println!("\nInstalling the nightly toolchain for libFuzzer (once)…");
        run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    ensure_cargo_tool("cargo-fuzz", "cargo-fuzz", None).map(drop)
}

/// Installs a crates.io binary unless the right version is already there.
fn ensure_cargo_tool(bin: &str, package: &str, version: Option<&str>) -> Result<PathBuf> {
    for candidate in [cargo_bin(bin), PathBuf::from(bin)] {
        if let Some(out) = output(Command::new(&candidate).arg("--version")) {
            if version.is_none_or(|v| out.split_whitespace().nth(1) == Some(v)) {
                return Ok(candidate);
            }
        }
    }
    println!(
        "\nInstalling {package}{} (a few minutes, once)…",
        version.map(|v| format!(" {v}")).unwrap_or_default()
    );
    let mut cmd = Command::new("cargo");
    cmd.args(["install", package]);
    if let Some(v) = version {
        cmd.args(["--version", v]);
    }
    // Not `--locked`: wasm-bindgen-cli 0.2.130's lockfile names a
    // webpki-roots release the registry no longer serves.
    run(&mut cmd)?;
    Ok(cargo_bin(bin))
}

fn ensure_npm_packages() -> Result {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let fresh = modified(&stamp)
        .zip(modified(&root.join("package-lock.json")))
        .is_some_and(|(have, want)| have >= want);
    // The tools' binaries, and axe-core (a script the accessibility spec
    // injects; it has no binary).
    let complete = [
        ".bin/wasm-opt",
        ".bin/esbuild",
        ".bin/playwright",
        "axe-core/axe.min.js",
    ]
    .iter()
    .all(|p| root.join("node_modules").join(p).exists());
    if fresh && complete {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn ensure_chromium() -> Result<PathBuf> {
    let path = std::env::var_os("BATON_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    if path.exists() {
        return Ok(path);
    }
    let root_user = output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
    if !root_user {
        return Err(format!(
            "Chromium is missing at {}. Install it with:\n    sudo apt-get update && sudo apt-get install -y chromium\n\
             (or point BATON_CHROMIUM at a Chromium binary)",
            path.display()
        ));
    }
    println!("\nInstalling Chromium from Debian's packages…");
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]))?;
    Ok(path)
}
