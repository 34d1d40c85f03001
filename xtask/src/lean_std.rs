//! The WebAssembly's standard library rebuilt without the panic machinery.
//!
//! Rust's prebuilt `std` for wasm32 formats a panic's message (`core::fmt`,
//! the location, the payload) before it traps, though nobody reads it in a
//! visitor's browser: the widget installs no panic hook. Built from source
//! with `-Cpanic=immediate-abort`, a panic is a trap at once and that code
//! is gone: the widget's optimised WebAssembly went from 246,936 to
//! 225,528 bytes (-21 KB; about -8 KB brotli), measured with the same
//! wasm-bindgen and wasm-opt passes.
//!
//! Both flags are unstable. rustc takes them on the stable toolchain with
//! `RUSTC_BOOTSTRAP=1` — as the Linux kernel builds its Rust — and the std
//! sources are the toolchain's own (`rust-src`, which [`available`]
//! installs with rustup, as `tools` does the wasm32 target), so compiler
//! and library always match. They are set on the WebAssembly builds only,
//! never on the server. Where rust-src cannot be had, or a toolchain
//! refuses the flags, the build falls back to the prebuilt std and says so:
//! the widget is then about 8 KB (brotli) larger and works the same.

use crate::run;
use std::process::Command;

/// What `cargo build` needs on top, after `--target wasm32-unknown-unknown`.
const BUILD_STD: &[&str] = &["-Z", "build-std=std,panic_abort"];

/// The flags for the WebAssembly's crates (not build scripts or macros,
/// which run on the host: cargo applies `RUSTFLAGS` to the target only
/// when `--target` is given).
const RUSTFLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort";

/// Whether the std sources are installed, installing them if not.
pub fn available() -> bool {
    let installed = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("rust-src"))
        })
        .unwrap_or(false);
    if installed {
        return true;
    }
    match run(Command::new("rustup").args(["component", "add", "rust-src"])) {
        Ok(()) => true,
        Err(err) => {
            eprintln!("xtask: no rust-src ({err}): the WebAssembly uses the prebuilt std, about 8 KB larger");
            false
        }
    }
}

/// Makes `cmd` — a cargo build for wasm32, or wasm-pack after its `--` —
/// build std lean.
pub fn apply(cmd: &mut Command) {
    let flags = match std::env::var("RUSTFLAGS") {
        Ok(own) if !own.trim().is_empty() => format!("{own} {RUSTFLAGS}"),
        _ => RUSTFLAGS.to_owned(),
    };
    cmd.env("RUSTC_BOOTSTRAP", "1").env("RUSTFLAGS", flags).args(BUILD_STD);
}

/// Runs `build` with the lean std when it is available; without it, or if
/// that build fails, runs `plain` (the same build with the prebuilt std).
pub fn build(lean: bool, build: impl Fn(bool) -> Command) -> crate::Result {
    if lean {
        match run(&mut build(true)) {
            Ok(()) => return Ok(()),
            Err(err) => eprintln!(
                "xtask: the lean-std WebAssembly build failed ({err}); building with the prebuilt std (about 8 KB larger)"
            ),
        }
    }
    run(&mut build(false))
}
