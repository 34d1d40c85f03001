//! Keeps `PROTOCOL.md` honest.
//!
//! Every fenced ` ```json ` block in the spec must sit on the line right after
//! a marker `<!-- example: DIRECTION -->`. Each such example is decoded into
//! the Rust type of its direction, encoded again, and compared with the
//! example as a JSON value: an example is exactly what a Rust peer sends, no
//! field more or less. (Non-canonical snippets use ` ```jsonc ` or
//! ` ```text `.)
//!
//! Coverage: every frame type of every direction, every event body, every
//! handover state and every author role needs at least one example, so a
//! variant added to the crate without documentation fails here. The variant
//! counts come from serde itself (see [`known_variants`]), not from a list
//! kept by hand. The error-code table, the constants table and the enum
//! values the spec lists are checked against the crate the same way.

use baton_protocol::handover::BotMode;
use baton_protocol::operator::{OperatorStatus, OperatorToServer, Role, ServerToOperator};
use baton_protocol::presence::{self, VisitorPresence};
use baton_protocol::receipts::DeliveryStatus;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{Author, ConversationEvent, ErrorCode, EventBody, HandoverState};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, MapDeserializer, U32Deserializer};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const SPEC: &str = include_str!("../PROTOCOL.md");

const MARKER_OPEN: &str = "<!-- example: ";
const MARKER_CLOSE: &str = " -->";

/// The directions an example may declare, and the tag each is covered by.
const DIRECTIONS: [&str; 6] = [
    "visitor-to-server",
    "server-to-visitor",
    "operator-to-server",
    "server-to-operator",
    "event",
    "handover-state",
];

#[derive(Debug)]
struct Example {
    /// 1-based line of the opening fence, for error messages.
    line: usize,
    direction: &'static str,
    json: Value,
}

/// Every marked example, in document order. Panics (naming the line) on a
/// ` ```json ` block without a marker, a marker without a ` ```json ` block,
/// an unknown direction, invalid JSON or an unclosed fence.
fn examples() -> Vec<Example> {
    let lines: Vec<&str> = SPEC.lines().collect();
    let mut examples = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if let Some(rest) = line.strip_prefix(MARKER_OPEN) {
            let name = rest
                .strip_suffix(MARKER_CLOSE)
                .unwrap_or_else(|| panic!("PROTOCOL.md:{}: malformed example marker `{line}`", i + 1));
            assert!(
                lines.get(i + 1).map(|l| l.trim_end()) == Some("```json"),
                "PROTOCOL.md:{}: an example marker must be followed directly by a ```json fence",
                i + 1
            );
            let direction = DIRECTIONS
                .iter()
                .copied()
                .find(|d| *d == name)
                .unwrap_or_else(|| panic!("PROTOCOL.md:{}: unknown example direction `{name}`", i + 1));
            let start = i + 1;
            let end = (start + 1..lines.len())
                .find(|&j| lines[j].trim_end() == "```")
                .unwrap_or_else(|| panic!("PROTOCOL.md:{}: unclosed code fence", start + 1));
            let text = lines[start + 1..end].join("\n");
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("PROTOCOL.md:{}: the example is not valid JSON: {e}", start + 1));
            examples.push(Example {
                line: start + 1,
                direction,
                json,
            });
            i = end + 1;
            continue;
        }
        if let Some(info) = line.strip_prefix("```") {
            assert!(
                info != "json",
                "PROTOCOL.md:{}: a ```json block needs an `<!-- example: DIRECTION -->` marker on the line \
                 before it (use ```jsonc or ```text for snippets that are not canonical frames)",
                i + 1
            );
            // Skip to the closing fence so fences inside are not misread.
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim_end() == "```")
                .unwrap_or_else(|| panic!("PROTOCOL.md:{}: unclosed code fence", i + 1));
            i = end + 1;
            continue;
        }
        i += 1;
    }
    examples
}

/// Decodes the example as `T`, encodes it again, and compares.
fn check_canonical<T: Serialize + DeserializeOwned>(example: &Example) -> Result<(), String> {
    let decoded: T = serde_json::from_value(example.json.clone()).map_err(|e| format!("does not decode: {e}"))?;
    let encoded = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
    if encoded == example.json {
        Ok(())
    } else {
        Err(format!(
            "is not canonical; a Rust peer sends\n{}",
            serde_json::to_string_pretty(&encoded).expect("a JSON value always prints")
        ))
    }
}

/// The tag an example is counted under for coverage.
fn tag_of(example: &Example) -> Option<&str> {
    let tag = match example.direction {
        "event" => example.json.get("body").and_then(|b| b.get("type")),
        "handover-state" => example.json.get("state"),
        _ => example.json.get("type"),
    };
    tag.and_then(Value::as_str)
}

/// How many known variants an internally tagged enum has, asked of serde
/// itself: serde's derived tag decoder also accepts a variant *index*, and
/// maps every index past the known variants to the `#[serde(other)]` variant
/// (or, without one, to an "expected variant index 0 <= i < N" error). So
/// the first index that decodes to `Unknown` — or to that error — is the
/// number of known variants. Adding a variant to the crate raises the
/// count, and the coverage test fails until the spec has an example for it.
fn known_variants<T: DeserializeOwned>(tag: &'static str, is_unknown: fn(&T) -> bool) -> usize {
    (0..1_000u64)
        .find(|&index| {
            let content = MapDeserializer::<_, ValueError>::new(std::iter::once((tag, index)));
            match T::deserialize(content) {
                Ok(value) => is_unknown(&value),
                Err(err) => err.to_string().contains("expected variant index"),
            }
        })
        .expect("an enum has fewer than 1000 variants") as usize
}

/// The wire values of a plain (unit-only) enum, in declaration order,
/// without its `Unknown`: decoded by index, as in [`known_variants`].
fn unit_values<T: DeserializeOwned + Serialize>(is_unknown: fn(&T) -> bool) -> Vec<String> {
    let mut values = Vec::new();
    for index in 0..1_000u32 {
        match T::deserialize(U32Deserializer::<ValueError>::new(index)) {
            Ok(value) if !is_unknown(&value) => {
                let json = serde_json::to_value(&value).expect("a unit variant encodes");
                values.push(json.as_str().expect("a unit variant encodes as a string").to_owned());
            }
            _ => break,
        }
    }
    values
}

/// Every `author.role` used anywhere in the examples.
fn collect_roles(value: &Value, roles: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let role = inner.get("role").and_then(Value::as_str).filter(|_| key == "author");
                if let Some(role) = role {
                    roles.insert(role.to_owned());
                }
                collect_roles(inner, roles);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_roles(item, roles)),
        _ => {}
    }
}

/// The second cell of every table row whose first cell is `` `name` ``.
fn table_values(name: &str) -> Vec<&'static str> {
    let prefix = format!("| `{name}` |");
    SPEC.lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .map(|rest| rest.split('|').next().unwrap_or_default().trim())
        .collect()
}

#[test]
fn every_example_is_a_canonical_frame() {
    let examples = examples();
    assert!(examples.len() > 50, "PROTOCOL.md has only {} examples", examples.len());
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|example| {
            let result = match example.direction {
                "visitor-to-server" => check_canonical::<VisitorToServer>(example),
                "server-to-visitor" => check_canonical::<ServerToVisitor>(example),
                "operator-to-server" => check_canonical::<OperatorToServer>(example),
                "server-to-operator" => check_canonical::<ServerToOperator>(example),
                "event" => check_canonical::<ConversationEvent>(example),
                "handover-state" => check_canonical::<HandoverState>(example),
                other => unreachable!("direction {other} was checked when parsing"),
            };
            let result = result.and_then(|()| match tag_of(example) {
                Some("unknown") => Err("uses the `unknown` tag, which no peer sends".to_owned()),
                Some(_) => Ok(()),
                None => Err("has no tag".to_owned()),
            });
            result
                .err()
                .map(|e| format!("PROTOCOL.md:{} ({}): {e}", example.line, example.direction))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

#[test]
fn every_frame_type_event_state_and_role_has_an_example() {
    let mut tags: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut roles = BTreeSet::new();
    for example in examples() {
        if let Some(tag) = tag_of(&example) {
            tags.entry(example.direction).or_default().insert(tag.to_owned());
        }
        collect_roles(&example.json, &mut roles);
    }
    let expected = [
        (
            "visitor-to-server",
            known_variants::<VisitorToServer>("type", |v| *v == VisitorToServer::Unknown),
        ),
        (
            "server-to-visitor",
            known_variants::<ServerToVisitor>("type", |v| *v == ServerToVisitor::Unknown),
        ),
        (
            "operator-to-server",
            known_variants::<OperatorToServer>("type", |v| *v == OperatorToServer::Unknown),
        ),
        (
            "server-to-operator",
            known_variants::<ServerToOperator>("type", |v| *v == ServerToOperator::Unknown),
        ),
        (
            "event",
            known_variants::<EventBody>("type", |v| *v == EventBody::Unknown),
        ),
        (
            "handover-state",
            known_variants::<HandoverState>("state", |v| *v == HandoverState::Unknown),
        ),
    ];
    let mut failures = Vec::new();
    for (direction, count) in expected {
        let seen = tags.remove(direction).unwrap_or_default();
        // Every seen tag decoded to a known variant (the canonical test), so
        // equal counts mean every variant is covered.
        if seen.len() != count {
            failures.push(format!(
                "{direction}: the crate has {count} variants, the examples cover {}: {seen:?}",
                seen.len()
            ));
        }
    }
    let role_count = known_variants::<Author>("role", |a| *a == Author::Unknown);
    if roles.len() != role_count {
        failures.push(format!(
            "author roles: the crate has {role_count}, the examples use {roles:?}"
        ));
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn the_error_code_table_lists_every_code() {
    let codes = unit_values::<ErrorCode>(|c| *c == ErrorCode::Unknown);
    assert!(codes.len() >= 12, "found only {codes:?}");
    let missing: Vec<&String> = codes.iter().filter(|code| table_values(code).is_empty()).collect();
    assert!(
        missing.is_empty(),
        "error codes without a row `| `code` | … |` in PROTOCOL.md: {missing:?}"
    );
}

#[test]
fn every_enum_value_is_named_in_the_spec() {
    let values = [
        unit_values::<OperatorStatus>(|s| *s == OperatorStatus::Unknown),
        unit_values::<Role>(|r| *r == Role::Unknown),
        unit_values::<VisitorPresence>(|p| *p == VisitorPresence::Unknown),
        unit_values::<DeliveryStatus>(|_| false),
        unit_values::<BotMode>(|_| false),
    ];
    let missing: Vec<&String> = values
        .iter()
        .flatten()
        .filter(|value| !SPEC.contains(&format!("`{value}`")))
        .collect();
    assert!(missing.is_empty(), "enum values PROTOCOL.md never names: {missing:?}");
}

#[test]
fn the_constants_table_matches_the_crate() {
    let quoted = |v: &dyn std::fmt::Display| format!("`{v}`");
    let features = baton_protocol::FEATURES
        .iter()
        .map(|f| quoted(f))
        .collect::<Vec<_>>()
        .join(", ");
    let versions = format!("`{:?}`", baton_protocol::SUPPORTED_VERSIONS);
    let expected: Vec<(&str, String)> = vec![
        ("PROTOCOL_VERSION", quoted(&baton_protocol::PROTOCOL_VERSION)),
        ("SUBPROTOCOL", quoted(&baton_protocol::SUBPROTOCOL)),
        ("SUPPORTED_VERSIONS", versions),
        ("FEATURES", features),
        ("MAX_MESSAGE_CHARS", quoted(&baton_protocol::MAX_MESSAGE_CHARS)),
        ("MAX_FRAME_BYTES", quoted(&baton_protocol::MAX_FRAME_BYTES)),
        (
            "MAX_CLIENT_MSG_ID_BYTES",
            quoted(&baton_protocol::MAX_CLIENT_MSG_ID_BYTES),
        ),
        ("MAX_REPLAY", quoted(&baton_protocol::MAX_REPLAY)),
        ("MAX_HISTORY_PAGE", quoted(&baton_protocol::MAX_HISTORY_PAGE)),
        ("TYPING_TTL", quoted(&baton_protocol::TYPING_TTL.0)),
        ("HEARTBEAT_INTERVAL", quoted(&presence::HEARTBEAT_INTERVAL.0)),
        ("HEARTBEAT_TIMEOUT", quoted(&presence::HEARTBEAT_TIMEOUT.0)),
        ("SERVER_IDLE_LIMIT", quoted(&presence::SERVER_IDLE_LIMIT.0)),
        ("RECONNECT_GRACE", quoted(&presence::RECONNECT_GRACE.0)),
        ("LOST_AFTER", quoted(&presence::LOST_AFTER.0)),
        ("CLOSE_IDLE", quoted(&presence::CLOSE_IDLE)),
    ];
    let mut failures = Vec::new();
    for (name, value) in expected {
        let cells = table_values(name);
        if cells.is_empty() {
            failures.push(format!("no table row for `{name}`"));
        }
        for cell in cells {
            if !cell.starts_with(&value) {
                failures.push(format!(
                    "`{name}` is {value} in the crate, but a row of PROTOCOL.md says `{cell}`"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}
