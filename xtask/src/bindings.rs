//! Short names for the widget's WebAssembly imports and exports.
//!
//! wasm-bindgen names every import after what it calls plus a 64-bit hash
//! (`__wbg_setAttribute_f75317b2b5cabfb4`), under the module
//! `./baton_widget_bg.js`, and the glue's import object spells every name
//! again: about 120 hashes, in two files, that no compressor can shrink.
//! binaryen's `--minify-imports-and-exports-and-modules` renames them in the
//! WebAssembly (`A`, `Ba`, …; the one import module becomes `a`) and prints
//! what it renamed; [`minify`] then rewrites the glue to match. Measured on
//! the widget: 1.65 KB brotli off the WebAssembly, and about 1 KB off the
//! glue.
//!
//! The rewrite is checked, not hoped for: every import must be one key of
//! the glue's import object, and afterwards no old name may be left where
//! the glue reaches the WebAssembly (`wasm.name`), or the build fails.

use crate::Result;
use std::path::Path;
use std::process::Command;

/// What binaryen renamed: `(module, old, new)` imports, `(old, new)` exports.
#[derive(Debug, Default, PartialEq)]
struct Renames {
    imports: Vec<(String, String, String)>,
    exports: Vec<(String, String)>,
}

/// The import module's name after the pass: binaryen names the first (and
/// here only) module `a`.
const MODULE: &str = "a";

/// Renames `wasm`'s imports and exports in place and rewrites `glue` (the
/// wasm-bindgen JavaScript that loads it) to use the new names.
pub fn minify(wasm_opt: &Path, features: &[&str], wasm: &Path, glue: &Path) -> Result {
    let mut cmd = Command::new(wasm_opt);
    cmd.arg(wasm)
        .arg("--minify-imports-and-exports-and-modules")
        .args(features)
        .arg("-o")
        .arg(wasm);
    println!("\n$ {cmd:?}");
    let out = cmd
        .current_dir(crate::root())
        .output()
        .map_err(|e| format!("wasm-opt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "wasm-opt --minify-imports-and-exports-and-modules failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let renames = parse(&String::from_utf8_lossy(&out.stdout))?;
    let text = std::fs::read_to_string(glue).map_err(|e| format!("{}: {e}", glue.display()))?;
    let text = rewrite(&text, &renames).map_err(|e| format!("{}: {e}", glue.display()))?;
    std::fs::write(glue, text).map_err(|e| format!("{}: {e}", glue.display()))
}

/// Reads binaryen's report: JSON with one rename a line,
/// `["module", "old", "new"],` under `"imports"` and `["old", "new"],`
/// under `"exports"`.
fn parse(report: &str) -> Result<Renames> {
    let mut renames = Renames::default();
    let mut section = "";
    for line in report.lines().map(str::trim) {
        if line.starts_with("\"imports\"") {
            section = "imports";
        } else if line.starts_with("\"exports\"") {
            section = "exports";
        } else if line.starts_with('[') {
            // The quoted strings are the odd pieces between quotes; names
            // are identifiers and paths, never escaped.
            let strings: Vec<String> = line.split('"').skip(1).step_by(2).map(str::to_owned).collect();
            match (section, strings.as_slice()) {
                ("imports", [module, old, new]) => renames.imports.push((module.clone(), old.clone(), new.clone())),
                ("exports", [old, new]) => renames.exports.push((old.clone(), new.clone())),
                _ => return Err(format!("unexpected line in wasm-opt's renames: {line}")),
            }
        }
    }
    if renames.imports.is_empty() {
        return Err("wasm-opt reported no renamed imports".into());
    }
    Ok(renames)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Byte offsets of `name` in `text` as a whole identifier.
fn occurrences(text: &str, name: &str) -> Vec<usize> {
    text.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
        .collect()
}

/// Replaces `from` by `to` at the given offsets (ascending).
fn splice(text: &str, at: &[usize], from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for &i in at {
        out.push_str(&text[last..i]);
        out.push_str(to);
        last = i + from.len();
    }
    out.push_str(&text[last..]);
    out
}

fn rewrite(glue: &str, renames: &Renames) -> Result<String> {
    let mut text = glue.to_owned();
    let mut modules: Vec<&str> = renames.imports.iter().map(|(m, _, _)| m.as_str()).collect();
    modules.dedup();
    let [module] = modules.as_slice() else {
        return Err(format!("expected one import module, found {modules:?}"));
    };
    let key = format!("\"{module}\":");
    if text.matches(&key).count() != 1 {
        return Err(format!("the import module {key} is not one key of the import object"));
    }
    text = text.replacen(&key, &format!("{MODULE}:"), 1);
    for (_, old, new) in &renames.imports {
        let at = occurrences(&text, old);
        let [i] = at.as_slice() else {
            return Err(format!("import {old} is named {} times, not once", at.len()));
        };
        if !text[i + old.len()..].starts_with(':') {
            return Err(format!("import {old} is not a key of the import object"));
        }
        text = splice(&text, &at, old, new);
    }
    for (old, new) in &renames.exports {
        let at: Vec<usize> = occurrences(&text, old)
            .into_iter()
            .filter(|&i| text[..i].ends_with("wasm."))
            .collect();
        text = splice(&text, &at, old, new);
    }
    // An export the glue still reaches by its old name would fail only in
    // a browser.
    for (old, _) in &renames.exports {
        let by_string = [format!("\"{old}\""), format!("'{old}'")]
            .iter()
            .any(|quoted| text.contains(quoted));
        let by_name = occurrences(&text, old).iter().any(|&i| text[..i].ends_with("wasm."));
        if by_string || by_name {
            return Err(format!("the glue still reaches export {old} by its old name"));
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{
 "imports": [
  ["./w_bg.js", "__wbg_focus_d5e2fdbdb56416f0", "$"],
  ["./w_bg.js", "__wbg_setAttribute_f75317b2b5cabfb4", "A"]
 ],
"exports": [
  ["memory", "b"],
  ["mount", "c"]
 ]
}"#;

    const GLUE: &str = r#"function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_focus_d5e2fdbdb56416f0: function(arg0) { arg0.focus(); },
        __wbg_setAttribute_f75317b2b5cabfb4: function(arg0, arg1) { wasm.memory.buffer; },
    };
    return { __proto__: null, "./w_bg.js": import0 };
}
export function mount(root) { return wasm.mount(root); }
"#;

    #[test]
    fn glue_follows_the_renames() {
        let renames = parse(REPORT).unwrap();
        assert_eq!(renames.imports.len(), 2);
        assert_eq!(
            renames.exports,
            vec![("memory".into(), "b".into()), ("mount".into(), "c".into())]
        );
        let text = rewrite(GLUE, &renames).unwrap();
        assert!(text.contains("        $: function(arg0) { arg0.focus(); },"), "{text}");
        assert!(
            text.contains("        A: function(arg0, arg1) { wasm.b.buffer; },"),
            "{text}"
        );
        assert!(text.contains("{ __proto__: null, a: import0 }"), "{text}");
        // The page's API keeps its name; only the call into the wasm changes.
        assert!(
            text.contains("export function mount(root) { return wasm.c(root); }"),
            "{text}"
        );
        assert!(!text.contains("f75317b2b5cabfb4"));
    }

    #[test]
    fn an_import_the_glue_does_not_define_fails_the_build() {
        let renames = parse(REPORT).unwrap();
        let glue = GLUE.replace("__wbg_focus_d5e2fdbdb56416f0: ", "\"__wbg_focus_d5e2fdbdb56416f0\": ");
        assert!(rewrite(&glue, &renames).is_err());
        let glue = GLUE.replace("\"./w_bg.js\"", "\"./other.js\"");
        assert!(rewrite(&glue, &renames).is_err());
    }

    #[test]
    fn an_export_reached_by_a_string_fails_the_build() {
        let renames = parse(REPORT).unwrap();
        let glue = GLUE.replace("wasm.memory.buffer", "wasm[\"memory\"].buffer");
        assert!(rewrite(&glue, &renames).is_err());
    }

    #[test]
    fn a_report_of_another_shape_fails() {
        assert!(parse("{}").is_err());
        assert!(parse("\"imports\": [\n[\"a\", \"b\"]\n]").is_err());
    }
}
