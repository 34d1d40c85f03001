//! Shared by tests/artifacts.rs and tests/vectors.rs: the four frame
//! directions, and the JSON Schema generated for each.

#![allow(dead_code)] // each test crate uses a different part

use std::path::PathBuf;

/// The four frame enums, by the name used for their schema file and vector
/// directory.
pub const DIRECTIONS: [&str; 4] = [
    "visitor-to-server",
    "server-to-visitor",
    "operator-to-server",
    "server-to-operator",
];

/// The command that regenerates every committed artifact.
pub const BLESS_COMMAND: &str = "BATON_BLESS=1 cargo test -p baton-protocol --all-features --test artifacts";

/// `protocol/` itself.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The JSON Schema of one direction's frame enum: self-contained (every
/// referenced type under `$defs`), draft 2020-12, describing what a receiver
/// accepts (schemars' deserialize contract: fields with a default may be
/// absent).
#[cfg(feature = "schema")]
pub fn frame_schema(direction: &str) -> serde_json::Value {
    use baton_protocol::operator::{OperatorToServer, ServerToOperator};
    use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
    let mut schema = match direction {
        "visitor-to-server" => root_schema::<VisitorToServer>(),
        "server-to-visitor" => root_schema::<ServerToVisitor>(),
        "operator-to-server" => root_schema::<OperatorToServer>(),
        "server-to-operator" => root_schema::<ServerToOperator>(),
        other => panic!("unknown direction {other}"),
    };
    schema.insert(
        "$comment".to_owned(),
        format!(
            "Generated from baton-protocol (protocol v{}) by `cargo test -p baton-protocol --all-features` \
             with BATON_BLESS=1; do not edit. \
             Describes the v1 vocabulary: receivers must still tolerate unknown fields, unknown \
             `type`s and unknown enum values from newer peers (they decode to `unknown`).",
            baton_protocol::PROTOCOL_VERSION
        )
        .into(),
    );
    sorted(schema.to_value())
}

/// The same JSON with every object's keys in sorted order, whatever
/// serde_json's `preserve_order` feature (which another workspace member may
/// switch on) does to maps.
pub fn sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let entries: std::collections::BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(feature = "schema")]
fn root_schema<T: schemars::JsonSchema>() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}
