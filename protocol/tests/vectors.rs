//! The golden vectors under `vectors/messages/` (format: vectors/README.md).
//!
//! - Every message vector decodes into the frame enum of its direction and
//!   re-encodes to exactly the same JSON.
//! - Every tolerance vector decodes to what it documents (or fails to, for
//!   malformed frames).
//! - With the `schema` feature: every message vector is valid against the
//!   generated JSON Schema of its direction, each tolerance vector gets the
//!   verdict it documents, and every frame type the schema lists (and every
//!   event type and handover state) has at least one vector.

mod support;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{DIRECTIONS, crate_dir};

const TOLERANCE: &str = "tolerance";

fn messages_dir() -> PathBuf {
    crate_dir().join("vectors").join("messages")
}

/// The `.json` files of one directory, sorted by name.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.expect("a directory entry").path()).collect();
    files.sort();
    for file in &files {
        assert!(
            file.extension().is_some_and(|ext| ext == "json"),
            "{} is not a .json file; vectors/messages/<direction>/ holds only vectors",
            file.display()
        );
    }
    files
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `vectors/messages/<direction>/<name>.json` relative to `protocol/`, for
/// messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(crate_dir()).unwrap_or(path).display().to_string()
}

fn decode_as<T: Serialize + DeserializeOwned>(frame: &Value) -> Result<Value, String> {
    let decoded: T = serde_json::from_value(frame.clone()).map_err(|e| e.to_string())?;
    Ok(serde_json::to_value(&decoded).expect("a decoded frame re-encodes"))
}

/// Decodes a frame as the enum of `direction` and re-encodes it.
fn decode_and_reencode(direction: &str, frame: &Value) -> Result<Value, String> {
    match direction {
        "visitor-to-server" => decode_as::<VisitorToServer>(frame),
        "server-to-visitor" => decode_as::<ServerToVisitor>(frame),
        "operator-to-server" => decode_as::<OperatorToServer>(frame),
        "server-to-operator" => decode_as::<ServerToOperator>(frame),
        other => panic!("unknown direction {other:?}"),
    }
}

/// Every message vector: (direction, path, frame).
fn message_vectors() -> Vec<(&'static str, PathBuf, Value)> {
    let mut vectors = Vec::new();
    for direction in DIRECTIONS {
        for path in json_files(&messages_dir().join(direction)) {
            let frame = read_json(&path);
            vectors.push((direction, path, frame));
        }
    }
    vectors
}

/// A tolerance vector: `{direction, description, frame, decodes_to, schema_valid}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ToleranceVector {
    direction: String,
    description: String,
    frame: Value,
    /// The decoded frame, re-encoded; `null`: must not decode.
    decodes_to: Value,
    /// Whether the frame is valid against the direction's JSON Schema.
    #[cfg_attr(not(feature = "schema"), allow(dead_code))]
    schema_valid: bool,
}

fn tolerance_vectors() -> Vec<(PathBuf, ToleranceVector)> {
    json_files(&messages_dir().join(TOLERANCE))
        .into_iter()
        .map(|path| {
            let vector = serde_json::from_value(read_json(&path))
                .unwrap_or_else(|e| panic!("{} is not a tolerance vector: {e}", shown(&path)));
            (path, vector)
        })
        .collect()
}

fn type_tag(frame: &Value) -> Option<&str> {
    frame.get("type").and_then(Value::as_str)
}

#[test]
fn the_vector_directories_are_the_four_directions_and_tolerance() {
    let mut found: Vec<String> = std::fs::read_dir(messages_dir())
        .expect("vectors/messages exists")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    found.sort();
    let mut expected: Vec<String> = DIRECTIONS.iter().chain([&TOLERANCE]).map(|d| d.to_string()).collect();
    expected.sort();
    assert_eq!(
        found, expected,
        "vectors/messages/ holds one directory per direction plus tolerance/"
    );
}

#[test]
fn every_message_vector_round_trips_exactly() {
    let vectors = message_vectors();
    assert!(vectors.len() >= DIRECTIONS.len(), "no message vectors found");
    let mut failures = Vec::new();
    for (direction, path, frame) in &vectors {
        match decode_and_reencode(direction, frame) {
            Ok(reencoded) if &reencoded == frame => {}
            Ok(reencoded) => failures.push(format!(
                "{}: re-encodes differently (not canonical, or an unknown type/value)\n  vector:     {frame}\n  re-encoded: {reencoded}",
                shown(path)
            )),
            Err(e) => failures.push(format!("{}: does not decode as {direction}: {e}", shown(path))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn message_vectors_are_named_after_their_type() {
    let mut failures = Vec::new();
    for (_, path, frame) in message_vectors() {
        let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let tag = type_tag(&frame).unwrap_or("<no type>");
        if name != tag && !name.starts_with(&format!("{tag}-")) {
            failures.push(format!(
                "{}: a `{tag}` frame belongs in {tag}.json or {tag}-<detail>.json",
                shown(&path)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tolerance_vectors_decode_as_documented() {
    let vectors = tolerance_vectors();
    assert!(!vectors.is_empty(), "no tolerance vectors found");
    let mut failures = Vec::new();
    for (path, vector) in &vectors {
        assert!(
            !vector.description.is_empty(),
            "{}: describe what the vector shows",
            shown(path)
        );
        assert!(
            DIRECTIONS.contains(&vector.direction.as_str()),
            "{}: unknown direction {:?}",
            shown(path),
            vector.direction
        );
        match (
            decode_and_reencode(&vector.direction, &vector.frame),
            &vector.decodes_to,
        ) {
            (Err(_), Value::Null) => {}
            (Ok(decoded), Value::Null) => {
                failures.push(format!("{}: should not decode, but decodes to {decoded}", shown(path)))
            }
            (Ok(decoded), expected) if &decoded == expected => {}
            (Ok(decoded), expected) => failures.push(format!(
                "{}: decodes to\n  {decoded}\nbut the vector says\n  {expected}",
                shown(path)
            )),
            (Err(e), _) => failures.push(format!("{}: does not decode: {e}", shown(path))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[cfg(feature = "schema")]
mod schema {
    use super::*;
    use std::collections::BTreeSet;

    fn validator(direction: &str) -> jsonschema::Validator {
        jsonschema::validator_for(&support::frame_schema(direction))
            .unwrap_or_else(|e| panic!("the {direction} schema is not a valid JSON Schema: {e}"))
    }

    /// The values of `properties.<tag>.const` over a `oneOf` — the tags a
    /// tagged enum's schema lists.
    fn one_of_tags(schema: &Value, tag: &str) -> BTreeSet<String> {
        let variants = schema["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("no oneOf in {schema}"));
        variants
            .iter()
            .map(|variant| {
                variant["properties"][tag]["const"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a oneOf branch without a `{tag}` const: {variant}"))
                    .to_owned()
            })
            .collect()
    }

    /// Every object anywhere inside `value`, with the key it is found under
    /// (array items count as under their array's key).
    fn collect(value: &Value, parent_key: Option<&str>, found: &mut Vec<(Option<String>, Value)>) {
        match value {
            Value::Object(map) => {
                found.push((parent_key.map(str::to_owned), value.clone()));
                for (key, child) in map {
                    collect(child, Some(key), found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, parent_key, found)),
            _ => {}
        }
    }

    #[test]
    fn every_message_vector_matches_its_schema() {
        let mut failures = Vec::new();
        for direction in DIRECTIONS {
            let validator = validator(direction);
            for (_, path, frame) in message_vectors().into_iter().filter(|(d, ..)| *d == direction) {
                let errors: Vec<String> = validator
                    .iter_errors(&frame)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                if !errors.is_empty() {
                    failures.push(format!("{}:\n  {}", shown(&path), errors.join("\n  ")));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "message vectors that break the schema:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn tolerance_vectors_get_the_documented_schema_verdict() {
        let mut failures = Vec::new();
        for (path, vector) in tolerance_vectors() {
            let valid = validator(&vector.direction).is_valid(&vector.frame);
            if valid != vector.schema_valid {
                failures.push(format!(
                    "{}: the schema {} the frame, but the vector says schema_valid: {}",
                    shown(&path),
                    if valid { "accepts" } else { "rejects" },
                    vector.schema_valid
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_frame_type_has_a_vector() {
        let vectors = message_vectors();
        let mut failures = Vec::new();
        for direction in DIRECTIONS {
            let listed = one_of_tags(&support::frame_schema(direction), "type");
            let covered: BTreeSet<String> = vectors
                .iter()
                .filter(|(d, ..)| *d == direction)
                .filter_map(|(_, _, frame)| type_tag(frame).map(str::to_owned))
                .collect();
            for missing in listed.difference(&covered) {
                failures.push(format!(
                    "no vector for `{missing}`: add vectors/messages/{direction}/{missing}.json"
                ));
            }
            for extra in covered.difference(&listed) {
                failures.push(format!(
                    "vectors/messages/{direction}/ has `{extra}` frames, which the schema does not list"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Frames nest shared types; each of these tagged enums must appear in
    /// some message vector with every tag its schema lists.
    #[test]
    fn every_event_type_and_handover_state_has_a_vector() {
        let schema = support::frame_schema("server-to-operator");
        let mut objects = Vec::new();
        for (_, _, frame) in message_vectors() {
            collect(&frame, None, &mut objects);
        }
        // (definition, tag field, the keys under which it appears on the wire)
        let cases: [(&str, &str, &[&str]); 2] =
            [("EventBody", "type", &["body"]), ("HandoverState", "state", &["state"])];
        let mut failures = Vec::new();
        for (definition, tag, keys) in cases {
            let listed = one_of_tags(&schema["$defs"][definition], tag);
            let covered: BTreeSet<String> = objects
                .iter()
                .filter(|(key, _)| key.as_deref().is_some_and(|k| keys.contains(&k)))
                .filter_map(|(_, object)| object.get(tag).and_then(Value::as_str).map(str::to_owned))
                .collect();
            for missing in listed.difference(&covered) {
                failures.push(format!("no message vector contains a {definition} `{missing}`"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
