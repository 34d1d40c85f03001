//! The widget's figures (issue 11, item 2): a demo server and
//! tests/bench/widget.mjs (Playwright + Chrome DevTools Protocol, CPU
//! throttled 4×) against its shop page; medians of several cold runs.

use super::summary::Row;
use super::{Killed, wait_for_port};
use crate::{Result, free_port, json_string_field, root, target_dir};
use std::process::{Command, Stdio};

/// Medians of the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub runs: usize,
    pub load_ms: f64,
    pub load_js_ms: f64,
    pub usable_ms: f64,
    pub click_ms: f64,
    pub click_js_ms: f64,
    pub widget_bytes: f64,
    pub body_bytes: f64,
    pub loader_bytes: f64,
    pub encodings: String,
}

impl Figures {
    /// The script's last line: `widget {"runs":5,"load_ms":…}`.
    pub fn parse(line: &str) -> Option<Figures> {
        let json = line.strip_prefix("widget ")?;
        Some(Figures {
            runs: json_number(json, "runs")? as usize,
            load_ms: json_number(json, "load_ms")?,
            load_js_ms: json_number(json, "load_js_ms")?,
            usable_ms: json_number(json, "usable_ms")?,
            click_ms: json_number(json, "click_ms")?,
            click_js_ms: json_number(json, "click_js_ms")?,
            widget_bytes: json_number(json, "widget_bytes")?,
            body_bytes: json_number(json, "body_bytes")?,
            loader_bytes: json_number(json, "loader_bytes")?,
            encodings: json_string_field(json, "encodings").unwrap_or_default(),
        })
    }

    /// Rows of the summary (there is no raw baseline for these).
    pub fn rows(&self) -> Vec<Row> {
        let label = |what: &str| format!("widget, 4× CPU, median of {}: {what}", self.runs);
        vec![
            Row::new(label("main thread on load (ms)"), Some(self.load_ms), None, 0),
            Row::new(label("of which widget scripts (ms)"), Some(self.load_js_ms), None, 0),
            Row::new(label("click → usable (ms)"), Some(self.usable_ms), None, 0),
            Row::new(label("main thread on click (ms)"), Some(self.click_ms), None, 0),
            Row::new(label("of which widget scripts (ms)"), Some(self.click_js_ms), None, 0),
            Row::new(
                label(&format!("bytes on the wire, KB ({})", self.encodings)),
                Some(self.widget_bytes / 1000.0),
                None,
                1,
            ),
            Row::new(
                label("of which bodies (no headers), KB"),
                Some(self.body_bytes / 1000.0),
                None,
                1,
            ),
            Row::new(label("loader bytes"), Some(self.loader_bytes), None, 0),
        ]
    }
}

/// `"key":number` in a flat JSON object.
fn json_number(json: &str, key: &str) -> Option<f64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

pub fn measure(runs: usize) -> Result<Figures> {
    let web = target_dir().join("web");
    if !web.join("widget/baton.js").exists() {
        let tools = crate::tools::ensure_web_build()?;
        crate::web::build(&tools)?;
    }
    let port = free_port()?;
    let data = std::env::temp_dir().join(format!("baton-bench-widget-{port}"));
    let _ = std::fs::remove_dir_all(&data);
    println!("\nWidget ({runs} cold runs, CPU throttled 4×)…");
    let _server = Killed(
        Command::new(target_dir().join("server/baton-server"))
            .args(["--demo", "--config", "demo/baton.toml", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data)
            .arg("--web-dir")
            .arg(&web)
            .args(["--site-dir", "demo/site"])
            .current_dir(root())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    wait_for_port(port)?;
    let out = Command::new("node")
        .args(["tests/bench/widget.mjs", &port.to_string(), &runs.to_string()])
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        println!("  {line}");
    }
    let _ = std::fs::remove_dir_all(&data);
    stdout
        .lines()
        .rev()
        .find_map(Figures::parse)
        .ok_or_else(|| "tests/bench/widget.mjs printed no `widget {…}` line".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_medians_are_read() {
        let line = r#"widget {"runs":5,"load_ms":12.5,"load_js_ms":3,"usable_ms":140,"click_ms":310.25,"click_js_ms":90,"widget_bytes":84000,"body_bytes":83000,"loader_bytes":1900,"encodings":"br"}"#;
        let f = Figures::parse(line).expect("parsed");
        assert_eq!(
            f,
            Figures {
                runs: 5,
                load_ms: 12.5,
                load_js_ms: 3.0,
                usable_ms: 140.0,
                click_ms: 310.25,
                click_js_ms: 90.0,
                widget_bytes: 84_000.0,
                body_bytes: 83_000.0,
                loader_bytes: 1_900.0,
                encodings: "br".into(),
            }
        );
        assert_eq!(f.rows().len(), 8);
        assert_eq!(Figures::parse("run 1: {}"), None);
    }
}
