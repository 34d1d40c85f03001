//! The lean codec (feature `lean`, used by the widget) must agree with serde
//! on every golden vector: decoding server → visitor frames to the same
//! values, encoding visitor → server frames to the same JSON, tolerating
//! and refusing the same things.
#![cfg(feature = "lean")]

use baton_protocol::lean;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/messages").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn every_server_to_visitor_vector_decodes_as_serde_decodes_it() {
    let files = files("server-to-visitor");
    assert!(files.len() > 10, "the vectors are there");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let by_serde: ServerToVisitor = serde_json::from_str(&text).expect("serde decodes");
        let by_lean = lean::decode_server_to_visitor(&text);
        assert_eq!(by_lean.as_ref(), Some(&by_serde), "{}", path.display());
    }
}

#[test]
fn every_visitor_to_server_vector_encodes_as_serde_encodes_it() {
    for path in files("visitor-to-server") {
        let frame: VisitorToServer = serde_json::from_value(read(&path)).expect("serde decodes");
        if frame == VisitorToServer::Unknown {
            continue;
        }
        let by_serde = serde_json::to_value(&frame).expect("serde encodes");
        let by_lean: Value = serde_json::from_str(&lean::encode_visitor_to_server(&frame)).expect("lean writes JSON");
        assert_eq!(by_lean, by_serde, "{}", path.display());
    }
}

#[test]
fn tolerance_vectors_are_tolerated_or_refused_alike() {
    for path in files("tolerance") {
        let vector = read(&path);
        if vector["direction"] != "server-to-visitor" {
            continue;
        }
        let text = vector["frame"].to_string();
        let by_serde = serde_json::from_str::<ServerToVisitor>(&text).ok();
        assert_eq!(lean::decode_server_to_visitor(&text), by_serde, "{}", path.display());
    }
}

#[test]
fn text_that_needs_escaping_survives_both_ways() {
    let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} emoji 😀 rtl مرحبا </script>";
    let frame = VisitorToServer::Send {
        client_msg_id: baton_protocol::ClientMsgId("m".into()),
        text: tricky.into(),
    };
    let back: VisitorToServer = serde_json::from_str(&lean::encode_visitor_to_server(&frame)).expect("valid JSON");
    assert_eq!(back, frame);
    let event = serde_json::json!({"type": "event", "seq": 1, "at": 2, "body": {"type": "message",
        "author": {"role": "bot"}, "text": tricky}});
    let decoded = lean::decode_server_to_visitor(&event.to_string()).expect("decodes");
    let by_serde: ServerToVisitor = serde_json::from_value(event).expect("serde decodes");
    assert_eq!(decoded, by_serde);
}

#[test]
fn malformed_frames_are_refused_not_panicked_on() {
    for bad in [
        "",
        "{",
        "[]",
        r#"{"type":"ack"}"#,
        r#"{"type":"ack","client_msg_id":"m","seq":"one"}"#,
        "null",
    ] {
        assert_eq!(lean::decode_server_to_visitor(bad), None, "{bad:?}");
    }
    assert_eq!(
        lean::decode_server_to_visitor(r#"{"type":"fireworks","x":1.5}"#),
        Some(ServerToVisitor::Unknown)
    );
}
