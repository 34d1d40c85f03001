//! After a web build: content-named files and precompressed copies.
//!
//! Every file but an app's entry points (the widget's `baton.js`, the
//! inbox's `index.html`) is renamed `stem.<hash>.ext` after its content, and
//! the names are rewritten in the files that refer to them, so browsers may
//! cache them for ever (the server sends `immutable`). Then every text and
//! WebAssembly file gets `.br` (quality 11) and `.gz` (level 9) copies that
//! the server sends by `Accept-Encoding` (node's zlib does the compressing:
//! node is already required, and it has both).
//!
//! `assets.txt` in each app's directory maps the build's names to the
//! shipped ones (`baton_widget_bg.wasm baton_widget_bg.0123456789.wasm`).

use crate::{Result, run};
use std::path::Path;
use std::process::Command;

/// 64-bit FNV-1a: a cache-busting name, not a security property.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")[..10].to_owned()
}

/// `stem.ext` → `stem.<hash>.ext`.
pub fn hashed_name(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => name.ends_with(suffix),
        None => name == pattern,
    }
}

fn is_text(name: &str) -> bool {
    [".js", ".css", ".html", ".svg", ".json"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// Renames the files `order` names (exact names or `*.ext`), in that order —
/// a file's references are rewritten before it is hashed, so list a file
/// after the files it names — and rewrites references in the files not yet
/// renamed. Returns `(build name, shipped name)` pairs.
pub fn fingerprint(dir: &Path, order: &[&str]) -> Result<Vec<(String, String)>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut renamed: Vec<(String, String)> = Vec::new();
    for pattern in order {
        let due: Vec<String> = names
            .iter()
            .filter(|n| matches(pattern, n) && !renamed.iter().any(|(_, to)| to == *n))
            .cloned()
            .collect();
        for name in due {
            let bytes = std::fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
            let to = hashed_name(&name, &content_hash(&bytes));
            std::fs::rename(dir.join(&name), dir.join(&to)).map_err(|e| format!("{name}: {e}"))?;
            // Point the files still to be named (and the entry points) at it.
            for other in names.iter_mut() {
                if *other == name {
                    other.clone_from(&to);
                } else if is_text(other) && !renamed.iter().any(|(_, done)| done == other) {
                    let path = dir.join(&*other);
                    let text = std::fs::read_to_string(&path).map_err(|e| format!("{other}: {e}"))?;
                    if let Some(text) = replace_name(&text, &name, &to) {
                        std::fs::write(&path, text).map_err(|e| format!("{other}: {e}"))?;
                    }
                }
            }
            renamed.push((name, to));
        }
    }
    let manifest: String = renamed.iter().map(|(from, to)| format!("{from} {to}\n")).collect();
    std::fs::write(dir.join("assets.txt"), manifest).map_err(|e| e.to_string())?;
    Ok(renamed)
}

/// `text` with every mention of the file `name` (not a longer name ending
/// in it: `inbox.css` is not in `xinbox.css`) replaced by `to`; `None` if
/// there is none.
fn replace_name(text: &str, name: &str, to: &str) -> Option<String> {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = false;
    while let Some(at) = rest.find(name) {
        let whole = !rest[..at].chars().next_back().is_some_and(part_of_name);
        out.push_str(&rest[..at]);
        out.push_str(if whole { to } else { name });
        found |= whole;
        rest = &rest[at + name.len()..];
    }
    out.push_str(rest);
    found.then_some(out)
}

/// The shipped name of `name` in an app's directory (itself if not renamed).
pub fn shipped(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("assets.txt"))
        .ok()
        .and_then(|m| {
            m.lines()
                .filter_map(|l| l.split_once(' '))
                .find(|(from, _)| *from == name)
                .map(|(_, to)| to.to_owned())
        })
        .unwrap_or_else(|| name.to_owned())
}

/// Writes `.br` and `.gz` beside every text and WebAssembly file in `dir`.
pub fn precompress(dir: &Path) -> Result {
    run(Command::new("node")
        .arg(crate::root().join("xtask/compress.mjs"))
        .arg(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_content() {
        let a = content_hash(b"one");
        assert_eq!(a.len(), 10);
        assert_eq!(a, content_hash(b"one"));
        assert_ne!(a, content_hash(b"two"));
        assert_eq!(
            hashed_name("baton_widget_bg.wasm", "0123456789"),
            "baton_widget_bg.0123456789.wasm"
        );
    }

    #[test]
    fn only_whole_names_are_replaced() {
        let text = "<link href=/inbox/inbox.css><link href=xinbox.css>inbox.css";
        assert_eq!(
            replace_name(text, "inbox.css", "inbox.0123456789.css").as_deref(),
            Some("<link href=/inbox/inbox.0123456789.css><link href=xinbox.css>inbox.0123456789.css")
        );
        assert_eq!(replace_name("my-inbox.css", "inbox.css", "x"), None);
    }

    #[test]
    fn references_are_rewritten_before_the_referrer_is_named() {
        let dir = std::env::temp_dir().join(format!("xtask-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let put = |n: &str, t: &str| std::fs::write(dir.join(n), t).expect("write");
        put("app_bg.wasm", "\0asm");
        put("app.js", "fetch('app_bg.wasm')");
        put("a.css", "body{}");
        put("b.css", "p{}");
        put("boot.js", "import './app.js'");
        put("index.html", "<link href=a.css><link href=b.css><script src=boot.js>");
        let renamed = fingerprint(&dir, &["app_bg.wasm", "app.js", "*.css", "boot.js"]).expect("fingerprint");
        assert_eq!(renamed.len(), 5);
        let read = |n: &str| std::fs::read_to_string(dir.join(shipped(&dir, n))).expect("read");
        assert_eq!(read("app.js"), format!("fetch('{}')", shipped(&dir, "app_bg.wasm")));
        assert_eq!(read("boot.js"), format!("import './{}'", shipped(&dir, "app.js")));
        let index = read("index.html");
        for n in ["a.css", "b.css", "boot.js"] {
            assert!(index.contains(&shipped(&dir, n)), "{index} names {n}");
        }
        // The entry point keeps its name; its referrer's hash covers the
        // rewritten text, so a new wasm means a new app.js name.
        assert_eq!(shipped(&dir, "index.html"), "index.html");
        let hash_of_app = shipped(&dir, "app.js");
        assert_eq!(
            hash_of_app,
            hashed_name("app.js", &content_hash(read("app.js").as_bytes()))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
