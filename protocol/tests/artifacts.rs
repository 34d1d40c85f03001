//! The committed spec artifacts — `schema/*.json` (JSON Schema, via
//! schemars) and `ts/baton-protocol.ts` (TypeScript, via ts-rs) — are exactly
//! what the Rust types generate. When they drift, this test names the file
//! and the command that regenerates them; with `BATON_BLESS=1` it writes them
//! instead.

#![cfg(all(feature = "schema", feature = "ts"))]

mod support;

use baton_protocol::handover::BotMode;
use baton_protocol::markup::Block;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::receipts::DeliveryStatus;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use support::{BLESS_COMMAND, DIRECTIONS, crate_dir};
use ts_rs::{Config, TS, TypeVisitor};

const TS_FILE: &str = "ts/baton-protocol.ts";

const TS_HEADER: &str = "\
// Generated from baton-protocol by `cargo test -p baton-protocol --all-features` with BATON_BLESS=1; do not edit.
//
// The Baton wire protocol, v1: one JSON object per WebSocket text frame,
// tagged by `type`. The frame unions below list the shapes a v1 peer sends.
// A receiver must also tolerate what a newer peer may add within v1:
// - unknown fields: ignore them;
// - an unknown frame `type`: ignore the frame;
// - an unknown event `type` inside an `event`: keep it in the log (its `seq`
//   still counts, so the log stays gapless) but do not render it;
// - an unknown enum value (error `code`, `state`, `status`, `presence`,
//   `role`): treat it as \"unknown\".
// Numbers (`seq`, timestamps in ms since the Unix epoch, durations in ms)
// are plain JSON numbers and stay below 2^53.
";

fn blessing() -> bool {
    std::env::var("BATON_BLESS").is_ok_and(|v| v == "1")
}

/// Every generated artifact: path relative to `protocol/`, and contents.
fn artifacts() -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = DIRECTIONS
        .iter()
        .map(|direction| {
            let schema = support::frame_schema(direction);
            let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
            text.push('\n');
            (Path::new("schema").join(format!("{direction}.json")), text)
        })
        .collect();
    files.push((PathBuf::from(TS_FILE), typescript()));
    files
}

/// Collects the declaration of every type reachable from the roots, keyed by
/// TypeScript name so the file's order is stable.
struct Declarations<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and wrappers (`Vec`, `Option`, `Box`) have no
        // declaration of their own; their type arguments are visited as
        // generics.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(self.cfg));
        let name = T::ident(self.cfg);
        if let Some(previous) = self.decls.insert(name.clone(), decl) {
            panic!("two types are exported as `{name}`:\n{previous}");
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

fn typescript() -> String {
    // `u64` (seq, timestamps, durations) travels as a JSON number.
    let cfg = Config::new().with_large_int("number");
    let mut all = Declarations {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: BTreeMap::new(),
    };
    // The four frame enums reach every wire type; the others are shared
    // vocabulary a client needs (message status, bot settings, the markup
    // tree of a message's text, PROTOCOL.md §11).
    all.visit::<VisitorToServer>();
    all.visit::<ServerToVisitor>();
    all.visit::<OperatorToServer>();
    all.visit::<ServerToOperator>();
    all.visit::<DeliveryStatus>();
    all.visit::<BotMode>();
    all.visit::<Block>();
    let mut out = String::from(TS_HEADER);
    for decl in all.decls.values() {
        out.push('\n');
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}

/// The first line where two texts differ, for the failure message.
fn first_difference(committed: &str, generated: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut generated_lines = generated.lines();
    for line in 1.. {
        match (committed_lines.next(), generated_lines.next()) {
            (None, None) => break,
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "first difference at line {line}:\n  committed: {}\n  generated: {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                );
            }
        }
    }
    "they differ only in line endings or a trailing newline".to_owned()
}

#[test]
fn committed_artifacts_match_the_rust_types() {
    let root = crate_dir();
    let mut stale = Vec::new();
    for (relative, generated) in artifacts() {
        let path = root.join(&relative);
        if blessing() {
            std::fs::create_dir_all(path.parent().expect("artifact paths have a directory")).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == generated => {}
            Ok(committed) => stale.push(format!(
                "protocol/{} differs from what the Rust types generate; {}",
                relative.display(),
                first_difference(&committed, &generated)
            )),
            Err(e) => stale.push(format!("protocol/{} cannot be read: {e}", relative.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n\nIf the change to the protocol types is intended, regenerate the artifacts with\n    {BLESS_COMMAND}\nand commit them.",
        stale.join("\n\n")
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(artifacts(), artifacts());
}

#[test]
fn unknown_variants_are_left_out_of_the_typescript_unions() {
    let ts = typescript();
    let declarations = ts.strip_prefix(TS_HEADER).expect("the header comes first");
    assert!(
        !declarations.contains("\"unknown\""),
        "an `Unknown` variant leaked into the TypeScript:\n{ts}"
    );
    for direction in DIRECTIONS {
        let schema = support::frame_schema(direction).to_string();
        assert!(
            !schema.contains("\"unknown\""),
            "an `Unknown` variant leaked into the {direction} schema"
        );
    }
}

#[test]
fn large_integers_are_numbers_not_bigints() {
    let ts = typescript();
    assert!(!ts.contains("bigint"), "{ts}");
    assert!(ts.contains("export type Seq = number;"), "{ts}");
}
