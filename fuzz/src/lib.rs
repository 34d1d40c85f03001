//! The bodies of Baton's fuzz targets: one plain function per decoder of
//! untrusted bytes, each asserting what must hold for *any* input. A failed
//! assertion or a panic is a finding.
//!
//! The same functions run in two harnesses:
//! - `libfuzzer/` (cargo-fuzz, nightly): `cargo xtask fuzz [--secs N]`,
//!   coverage-guided, seeded from the golden vectors ([`seeds`]);
//! - `tests/smoke.rs` (stable, part of the normal test run): every seed plus
//!   a few thousand deterministic mutations ([`mutate`]), in seconds.
//!
//! What is decoded from outside, and by whom:
//! - visitor → server and operator → server frames, as the server decodes
//!   them ([`baton_server::socket::decode`]);
//! - server → visitor frames as the widget decodes them (the lean codec) and
//!   as serde does; server → operator frames as the inbox does (serde);
//! - message text, through the markup parser every client renders with;
//! - the server's config file and a bot's knowledge file (TOML).

mod seeds;

pub use seeds::{Mutator, seeds};

use baton_protocol::lean;
use baton_protocol::markup::{self, Block, Inline};
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_server::bot::faq::KnowledgeBase;
use baton_server::config::{Cli, Config, FileConfig};
use baton_server::socket;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::path::PathBuf;

/// A fuzz target: its name (the libFuzzer binary's, and its corpus
/// directory's) and its body.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub name: &'static str,
    pub body: fn(&[u8]),
}

/// Every target. `libfuzzer/fuzz_targets/<name>.rs` exists for each.
pub const TARGETS: &[Target] = &[
    Target {
        name: "visitor_frame",
        body: visitor_frame,
    },
    Target {
        name: "operator_frame",
        body: operator_frame,
    },
    Target {
        name: "server_to_visitor",
        body: server_to_visitor,
    },
    Target {
        name: "server_to_operator",
        body: server_to_operator,
    },
    Target {
        name: "markup",
        body: markup,
    },
    Target {
        name: "config_file",
        body: config_file,
    },
    Target {
        name: "knowledge_file",
        body: knowledge_file,
    },
];

/// Text as a WebSocket text frame or a file read as UTF-8 would give it:
/// invalid bytes never reach a decoder, so they become U+FFFD here rather
/// than wasting the input.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// What serde writes, serde reads back as the same value.
fn serde_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("every frame encodes");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not decode again: {e}"));
    assert_eq!(&back, value, "round trip through {json}");
}

/// A visitor's frame, decoded as the server decodes it. Whatever it
/// accepts encodes again (serde and the widget's lean encoder alike) to the
/// same frame.
pub fn visitor_frame(data: &[u8]) {
    let Ok(frame) = socket::decode::<VisitorToServer>(&text(data)) else {
        return;
    };
    serde_round_trip(&frame);
    if frame != VisitorToServer::Unknown {
        let json = lean::encode_visitor_to_server(&frame);
        let back: VisitorToServer =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("lean wrote {json}, serde refuses it: {e}"));
        assert_eq!(back, frame, "lean encoding {json}");
        let by_serde = serde_json::to_value(&frame).expect("encodes");
        let by_lean: serde_json::Value = serde_json::from_str(&json).expect("checked above");
        assert_eq!(by_lean, by_serde, "lean and serde write the same JSON");
    }
}

/// An operator's frame, decoded as the server decodes it.
pub fn operator_frame(data: &[u8]) {
    if let Ok(frame) = socket::decode::<OperatorToServer>(&text(data)) {
        serde_round_trip(&frame);
    }
}

/// A server frame as a visitor's client decodes it: the widget's lean codec
/// and serde must agree on every frame both accept.
pub fn server_to_visitor(data: &[u8]) {
    let text = text(data);
    let by_serde = serde_json::from_str::<ServerToVisitor>(&text).ok();
    let by_lean = lean::decode_server_to_visitor(&text);
    if let Some(frame) = &by_serde {
        serde_round_trip(frame);
    }
    if let (Some(lean), Some(serde)) = (&by_lean, &by_serde) {
        assert_eq!(lean, serde, "lean and serde decode {text:?} differently");
    }
}

/// A server frame as the inbox decodes it.
pub fn server_to_operator(data: &[u8]) {
    if let Ok(frame) = serde_json::from_str::<ServerToOperator>(&text(data)) {
        serde_round_trip(&frame);
    }
}

/// Message text through the markup parser: never a link the parser did not
/// allow, and the plain-text form never fails.
pub fn markup(data: &[u8]) {
    let text = text(data);
    for block in markup::parse(&text) {
        match block {
            Block::Paragraph { children } => inlines(&children),
            Block::Bullets { items } | Block::Numbered { items, .. } => items.iter().for_each(|i| inlines(i)),
        }
    }
    let _ = markup::plain_text(&text);
}

fn inlines(children: &[Inline]) {
    for inline in children {
        match inline {
            Inline::Link { href, children } => {
                assert!(markup::allowed_href(href), "a link to {href:?}");
                inlines(children);
            }
            Inline::Bold { children } | Inline::Italic { children } => inlines(children),
            Inline::Text { .. } | Inline::Code { .. } | Inline::Break => {}
        }
    }
}

/// The server's config file: parsed and resolved as `Config::load` does,
/// an error or a config, never a panic.
pub fn config_file(data: &[u8]) {
    if let Ok(file) = toml::from_str::<FileConfig>(&text(data)) {
        let _ = Config::resolve(Cli::default(), file, PathBuf::from("."));
    }
}

/// A bot's knowledge file: loaded as the FAQ engine loads it, then asked
/// each of its own questions and the file's text itself.
pub fn knowledge_file(data: &[u8]) {
    let text = text(data);
    let Ok(kb) = KnowledgeBase::from_toml_str(&text) else {
        return;
    };
    assert!(!kb.entries().is_empty(), "a knowledge base has entries");
    for entry in kb.entries() {
        for q in &entry.questions {
            let _ = kb.lookup(q);
        }
    }
    let _ = kb.lookup(&text);
    let _ = kb.help_topics();
}
