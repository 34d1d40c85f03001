//! Builds the widget and inbox to `target/web/{widget,inbox}`: release wasm,
//! wasm-bindgen's JS glue, wasm-opt, plus each crate's static files;
//! JavaScript and CSS minified by esbuild; then content-named and
//! precompressed (`crate::assets`).

use crate::tools::Tools;
use crate::{Result, cargo, root, run};
use std::path::Path;
use std::process::Command;

struct App {
    package: &'static str,
    lib: &'static str,
    out: &'static str,
    static_dir: &'static str,
    wasm_opt: &'static [&'static str],
    /// Short import and export names in the WebAssembly and its glue
    /// (`crate::bindings`).
    minify_bindings: bool,
    /// The files named after their content, in order (see
    /// `assets::fingerprint`); the rest are entry points.
    hashed: &'static [&'static str],
}

/// The widget is size-budgeted, so it gets binaryen's slower, smaller
/// pipeline: restructured control flow (`--flatten --rereloop`), -Oz until
/// nothing changes, and `--low-memory-unused` — true of Rust's output, whose
/// stack sits below the data and grows down towards address 0, so the low
/// 1 KiB is touched only by a stack already out of room. Together about
/// 1.4 KB gzip under plain -Oz; `--gufa` (whole-program analysis of which
/// values reach where) then a second -Oz saves another ~0.5 KB brotli.
/// Then (issue 11, measured on the brotli bytes of the module as built):
/// - `--traps-never-happen`: 383 B. Binaryen may drop code whose only effect
///   would be a trap (an unused load, a check before an `unreachable`). Safe
///   Rust never traps by accident: a panic first calls the panic machinery
///   (a call, which binaryen keeps) and only then traps, so only a path that
///   already ends the widget (a bare abort) can differ.
/// - `--gufa-optimizing` rather than `--gufa`, and `--merge-similar-functions`
///   (one function for near-copies that differ in constants): 249 B.
/// - `--strip-target-features`: the custom section wasm-bindgen has read
///   by now.
///
/// Keep in step with the npm package's `wasm-opt` list in widget/Cargo.toml.
const WIDGET_WASM_OPT: &[&str] = &[
    "--low-memory-unused",
    "--traps-never-happen",
    "--flatten",
    "--rereloop",
    "-Oz",
    "--gufa-optimizing",
    "-Oz",
    "--merge-similar-functions",
    "-Oz",
    "--converge",
    "--strip-target-features",
];

const APPS: &[App] = &[
    App {
        package: "baton-widget",
        lib: "baton_widget",
        out: "widget",
        static_dir: "widget/static",
        wasm_opt: WIDGET_WASM_OPT,
        minify_bindings: true,
        hashed: &["baton_widget_bg.wasm", "widget.css", "baton_widget.js"],
    },
    App {
        package: "baton-inbox",
        lib: "baton_inbox",
        out: "inbox",
        static_dir: "reference-server/inbox/static",
        wasm_opt: &["-Oz"],
        minify_bindings: false,
        hashed: &["baton_inbox_bg.wasm", "*.css", "*.svg", "baton_inbox.js", "boot.js"],
    },
];

/// The WebAssembly features rustc emits by default for wasm32; wasm-opt must
/// be told to accept them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub fn build(tools: &Tools) -> Result {
    crate::lean_std::build(tools.lean_std, |lean| {
        let mut cmd = cargo();
        cmd.args(["build", "--release", "--target", "wasm32-unknown-unknown"]);
        for app in APPS {
            cmd.args(["-p", app.package]);
        }
        if lean {
            crate::lean_std::apply(&mut cmd);
        }
        cmd
    })?;
    let root = root();
    for app in APPS {
        let out = crate::target_dir().join("web").join(app.out);
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let wasm = crate::target_dir()
            .join("wasm32-unknown-unknown/release")
            .join(format!("{}.wasm", app.lib));
        run(Command::new(&tools.wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&out)
            .arg(&wasm))?;
        let bg = out.join(format!("{}_bg.wasm", app.lib));
        run(Command::new(&tools.wasm_opt)
            .args(app.wasm_opt)
            .args(["--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(&bg)
            .arg("-o")
            .arg(&bg))?;
        if app.minify_bindings {
            let glue = out.join(format!("{}.js", app.lib));
            crate::bindings::minify(&tools.wasm_opt, WASM_FEATURES, &bg, &glue)?;
        }
        copy_dir(&root.join(app.static_dir), &out)?;
        minify(tools, &out)?;
        crate::assets::fingerprint(&out, app.hashed)?;
        crate::assets::precompress(&out)?;
    }
    println!(
        "\nBuilt the widget and inbox into {}",
        crate::target_dir().join("web").display()
    );
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries.flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Minifies the JavaScript (wasm-bindgen's glue, the loader) and CSS in
/// `dir` in place. Syntax stays at ES2020, which every browser that runs the
/// widget's WebAssembly understands.
fn minify(tools: &Tools, dir: &Path) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for path in entries.flatten().map(|e| e.path()) {
        if matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "css")) {
            let mut outfile = std::ffi::OsString::from("--outfile=");
            outfile.push(&path);
            run(Command::new(&tools.esbuild)
                .arg(&path)
                .args([
                    "--minify",
                    "--target=es2020",
                    "--allow-overwrite",
                    "--log-level=warning",
                ])
                .arg(outfile))?;
        }
    }
    Ok(())
}

fn file_size(path: &Path) -> Result<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e} (run `cargo xtask build-web`)", path.display()))
}

fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

/// The full widget must stay within this many gzip bytes (target: 100 KB).
const WIDGET_LIMIT: u64 = 120 * 1024;
const LOADER_LIMIT: u64 = 3 * 1024;

pub fn size_report() -> Result {
    let web = crate::target_dir().join("web");
    let widget = web.join("widget");
    if !widget.join("assets.txt").exists() {
        return Err("no widget build: run `cargo xtask build-web` first".into());
    }
    let (mut total, mut total_br, mut loader_br) = (0, 0, 0);
    println!("\nWidget payload:            gzip -9     brotli (as served)");
    for file in ["baton.js", "baton_widget.js", "baton_widget_bg.wasm", "widget.css"] {
        let path = widget.join(crate::assets::shipped(&widget, file));
        let size = gzip_size(&path)?;
        let br = file_size(&path.with_extension(format!(
            "{}.br",
            path.extension().and_then(|e| e.to_str()).unwrap_or_default()
        )))?;
        total += size;
        total_br += br;
        if file == "baton.js" {
            loader_br = br;
        }
        println!(
            "  {file:<24} {:>7.1} KB {:>7.1} KB",
            size as f64 / 1024.0,
            br as f64 / 1024.0
        );
    }
    println!(
        "  {:<24} {:>7.1} KB {:>7.1} KB  (gzip budget 100 KB, hard limit 120 KB)",
        "full widget",
        total as f64 / 1024.0,
        total_br as f64 / 1024.0
    );
    // What a click fetches after the loader (issue 11: ≤ 85 KB brotli,
    // the loader ≤ 2 KB on its own).
    println!(
        "  {:<24} {:>7} {:>10.1} KB  (brotli target 85 KB; the loader {:.1} KB, target 2 KB)",
        "widget after the loader",
        "",
        (total_br - loader_br) as f64 / 1024.0,
        loader_br as f64 / 1024.0
    );
    let loader = gzip_size(&widget.join("baton.js"))?;
    let mut problems = Vec::new();
    if loader > LOADER_LIMIT {
        problems.push(format!("the loader is {loader} bytes gzip, over {LOADER_LIMIT}"));
    }
    if total > WIDGET_LIMIT {
        problems.push(format!("the widget is {total} bytes gzip, over {WIDGET_LIMIT}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The npm package (`target/npm/baton-widget`): wasm-pack with the same
/// wasm-bindgen and wasm-opt, plus the stylesheet. Fails if the TypeScript
/// types lose the public API.
pub fn npm_package(tools: &Tools) -> Result {
    let root = root();
    let out = crate::target_dir().join("npm/baton-widget");
    let path = format!(
        "{}:{}",
        root.join("node_modules/.bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    crate::lean_std::build(tools.lean_std, |lean| {
        let mut cmd = Command::new(&tools.wasm_pack);
        cmd.args([
            "build",
            "widget",
            "--target",
            "web",
            "--release",
            "--scope",
            "baton",
            "--out-name",
            "baton_widget",
        ])
        .arg("--out-dir")
        .arg(&out)
        .env("PATH", &path);
        if lean {
            // wasm-pack hands what follows `--` to cargo.
            cmd.arg("--");
            crate::lean_std::apply(&mut cmd);
        }
        cmd
    })?;
    std::fs::copy(root.join("widget/static/widget.css"), out.join("widget.css")).map_err(|e| e.to_string())?;
    let manifest = out.join("package.json");
    let text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("\"widget.css\"") {
        let text = text.replacen("\"files\": [", "\"files\": [\n    \"widget.css\",", 1);
        std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    }
    let types = std::fs::read_to_string(out.join("baton_widget.d.ts")).map_err(|e| e.to_string())?;
    for api in [
        "export function mount(",
        "export class WidgetHandle",
        "identify(",
        "toggle(",
    ] {
        if !types.contains(api) {
            return Err(format!("the npm package's TypeScript types lack `{api}`"));
        }
    }
    println!("\nnpm package: {}", out.display());
    Ok(())
}
