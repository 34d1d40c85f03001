//! Replays the scenario scripts under `vectors/scenarios/` against the pure
//! [`ConversationCore`]: timed inputs in, expected outcomes out. The format
//! is documented in vectors/README.md; a mismatch names the file and step.

mod support;

use baton_protocol::conversation::{ConversationCore, Input, Outcome, Reply};
use baton_protocol::followup::{AfterLapse, BotHandover};
use baton_protocol::handover::{BotMode, Facts, Intent};
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{ClientMsgId, Millis, OperatorId, OperatorProfile, Seq, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// ---- the script format -------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    /// Facts for every step, over the defaults; a step may override fields.
    #[serde(default)]
    facts: FactsSpec,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// `Facts::now`, in ms.
    at: u64,
    /// What the step shows, for people reading the script.
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    facts: FactsSpec,
    input: InputSpec,
    expect: Expect,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsSpec {
    human_available: Option<bool>,
    handover_enabled: Option<bool>,
    mode: Option<BotMode>,
    /// In ms.
    response_window: Option<u64>,
    after_lapse: Option<AfterLapse>,
    rating: Option<bool>,
}

impl FactsSpec {
    fn over(self, base: FactsSpec) -> FactsSpec {
        FactsSpec {
            human_available: self.human_available.or(base.human_available),
            handover_enabled: self.handover_enabled.or(base.handover_enabled),
            mode: self.mode.or(base.mode),
            response_window: self.response_window.or(base.response_window),
            after_lapse: self.after_lapse.or(base.after_lapse),
            rating: self.rating.or(base.rating),
        }
    }

    /// The documented defaults: a person available, handover on, assisted
    /// mode, a three-minute response window, every lapse choice offered,
    /// ratings asked for.
    fn at(self, now: u64) -> Facts {
        Facts {
            now: Timestamp(now),
            human_available: self.human_available.unwrap_or(true),
            handover_enabled: self.handover_enabled.unwrap_or(true),
            mode: self.mode.unwrap_or(BotMode::Assisted),
            response_window: Millis(self.response_window.unwrap_or(180_000)),
            after_lapse: self.after_lapse.unwrap_or_default(),
            rating: self.rating.unwrap_or(true),
        }
    }
}

/// Mirrors [`Input`] (externally tagged, snake_case).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum InputSpec {
    VisitorMessage {
        id: ClientMsgId,
        text: String,
    },
    VisitorIntent {
        id: ClientMsgId,
        intent: IntentSpec,
    },
    OperatorMessage {
        operator: OperatorId,
        id: ClientMsgId,
        text: String,
    },
    OperatorIntent {
        id: ClientMsgId,
        intent: IntentSpec,
    },
    BotReply {
        text: String,
        #[serde(default)]
        offer_human: bool,
        #[serde(default)]
        handover: Option<BotHandover>,
    },
    LeaveMessage {
        id: ClientMsgId,
        email: String,
        text: String,
    },
    ReplyByEmail {
        operator: OperatorProfile,
        id: ClientMsgId,
        text: String,
    },
    Rate {
        id: ClientMsgId,
        score: u8,
        #[serde(default)]
        comment: Option<String>,
    },
    Transcript {
        id: ClientMsgId,
        email: String,
    },
    Timeout,
    OwnerGone {
        operator: OperatorId,
        reason: baton_protocol::OwnerGoneReason,
    },
    VisitorReceipt {
        #[serde(default)]
        delivered: Option<Seq>,
        #[serde(default)]
        read: Option<Seq>,
    },
    TeamReceipt {
        #[serde(default)]
        delivered: Option<Seq>,
        #[serde(default)]
        read: Option<Seq>,
    },
}

/// Mirrors [`Intent`] (externally tagged, snake_case).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum IntentSpec {
    RequestHuman,
    CancelRequest,
    EndHuman,
    KeepWaiting,
    Join {
        operator: OperatorProfile,
    },
    TakeOver {
        operator: OperatorProfile,
        replacing: OperatorId,
    },
    Transfer {
        from: OperatorId,
        to: OperatorProfile,
        to_available: bool,
    },
    Leave {
        operator: OperatorId,
    },
    Resolve {
        operator: OperatorProfile,
    },
}

impl From<IntentSpec> for Intent {
    fn from(spec: IntentSpec) -> Intent {
        match spec {
            IntentSpec::RequestHuman => Intent::RequestHuman,
            IntentSpec::CancelRequest => Intent::CancelRequest,
            IntentSpec::EndHuman => Intent::EndHuman,
            IntentSpec::KeepWaiting => Intent::KeepWaiting,
            IntentSpec::Join { operator } => Intent::Join { operator },
            IntentSpec::TakeOver { operator, replacing } => Intent::TakeOver { operator, replacing },
            IntentSpec::Transfer { from, to, to_available } => Intent::Transfer { from, to, to_available },
            IntentSpec::Leave { operator } => Intent::Leave { operator },
            IntentSpec::Resolve { operator } => Intent::Resolve { operator },
        }
    }
}

impl From<InputSpec> for Input {
    fn from(spec: InputSpec) -> Input {
        match spec {
            InputSpec::VisitorMessage { id, text } => Input::VisitorMessage { id, text },
            InputSpec::VisitorIntent { id, intent } => Input::VisitorIntent {
                id,
                intent: intent.into(),
            },
            InputSpec::OperatorMessage { operator, id, text } => Input::OperatorMessage {
                operator,
                id,
                text,
                original: None,
            },
            InputSpec::OperatorIntent { id, intent } => Input::OperatorIntent {
                id,
                intent: intent.into(),
            },
            InputSpec::BotReply {
                text,
                offer_human,
                handover,
            } => Input::BotReply {
                text,
                offer_human,
                handover,
            },
            InputSpec::LeaveMessage { id, email, text } => Input::LeaveMessage { id, email, text },
            InputSpec::ReplyByEmail { operator, id, text } => Input::ReplyByEmail { operator, id, text },
            InputSpec::Rate { id, score, comment } => Input::Rate { id, score, comment },
            InputSpec::Transcript { id, email } => Input::Transcript { id, email },
            InputSpec::Timeout => Input::Timeout,
            InputSpec::OwnerGone { operator, reason } => Input::OwnerGone { operator, reason },
            InputSpec::VisitorReceipt { delivered, read } => Input::VisitorReceipt { delivered, read },
            InputSpec::TeamReceipt { delivered, read } => Input::TeamReceipt { delivered, read },
        }
    }
}

impl InputSpec {
    /// The client message id the input carries, if any.
    fn client_msg_id(&self) -> Option<&ClientMsgId> {
        match self {
            InputSpec::VisitorMessage { id, .. }
            | InputSpec::VisitorIntent { id, .. }
            | InputSpec::OperatorMessage { id, .. }
            | InputSpec::OperatorIntent { id, .. }
            | InputSpec::LeaveMessage { id, .. }
            | InputSpec::ReplyByEmail { id, .. }
            | InputSpec::Rate { id, .. }
            | InputSpec::Transcript { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// The expected [`Outcome`]. Omitted fields expect nothing: no events, no
/// reply, no bot, no deadline, no marks. `state` is checked only if given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    events: Vec<ExpectedEvent>,
    #[serde(default)]
    reply: Option<ExpectedReply>,
    #[serde(default)]
    ask_bot: bool,
    #[serde(default)]
    deadline: Option<u64>,
    #[serde(default)]
    visitor_marks: Option<ReceiptMarks>,
    #[serde(default)]
    team_marks: Option<ReceiptMarks>,
    /// The handover state after the step, in its wire form.
    #[serde(default)]
    state: Option<Value>,
}

/// An event as on the wire, without `at` (always the step's `at`). The body
/// is compared as JSON, so a misspelt type cannot pass as `unknown`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedEvent {
    seq: u64,
    body: Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ExpectedReply {
    /// As the `ack` frame.
    Ack { client_msg_id: String, seq: u64 },
    /// The error's `code`, and the conversation `state` it carries (absent:
    /// none). Its `client_msg_id` is always the input's; `message` is prose.
    Error {
        code: String,
        #[serde(default)]
        state: Option<Value>,
    },
}

// ---- loading -----------------------------------------------------------

fn scenarios_dir() -> PathBuf {
    support::crate_dir().join("vectors").join("scenarios")
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = scenarios_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.expect("a directory entry").path()).collect();
    files.sort();
    for file in &files {
        assert!(
            file.extension().is_some_and(|ext| ext == "json"),
            "{} is not a .json scenario",
            file.display()
        );
    }
    files
}

fn shown(path: &Path) -> String {
    path.strip_prefix(support::crate_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Expands `{"$repeat": "ab", "times": 3}` to `"ababab"`, anywhere.
fn expand_repeats(value: Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$repeat") => {
            let unit = map
                .get("$repeat")
                .and_then(Value::as_str)
                .expect("`$repeat` takes a string");
            let times = map
                .get("times")
                .and_then(Value::as_u64)
                .expect("`$repeat` needs `times`, a count");
            assert_eq!(map.len(), 2, "`$repeat` objects have exactly `$repeat` and `times`");
            Value::String(unit.repeat(usize::try_from(times).expect("a sane count")))
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, expand_repeats(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(expand_repeats).collect()),
        other => other,
    }
}

/// The raw JSON (for coverage) and the parsed scenario of every file.
fn load(path: &Path) -> (Value, Scenario) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let raw: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", shown(path)));
    let scenario = serde_json::from_value(expand_repeats(raw.clone()))
        .unwrap_or_else(|e| panic!("{} is not a scenario: {e}", shown(path)));
    (raw, scenario)
}

// ---- comparing ---------------------------------------------------------

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("protocol types serialise")
}

/// The outcome in the script's terms, for comparison and messages.
fn actual_json(outcome: &Outcome) -> Value {
    let reply = outcome.reply.as_ref().map(|reply| match reply {
        Reply::Ack { id, seq } => json!({"ack": {"client_msg_id": id, "seq": seq}}),
        Reply::Error(error) => {
            let mut body = json!({"code": error.code});
            if let Some(state) = &error.state {
                body["state"] = to_json(state);
            }
            json!({ "error": body })
        }
    });
    json!({
        "events": outcome.events.iter().map(|e| json!({"seq": e.seq, "body": e.body})).collect::<Vec<_>>(),
        "reply": reply,
        "ask_bot": outcome.ask_bot,
        "deadline": outcome.deadline,
        "visitor_marks": outcome.visitor_marks,
        "team_marks": outcome.team_marks,
    })
}

fn expected_json(expect: &Expect) -> Value {
    let reply = expect.reply.as_ref().map(|reply| match reply {
        ExpectedReply::Ack { client_msg_id, seq } => json!({"ack": {"client_msg_id": client_msg_id, "seq": seq}}),
        ExpectedReply::Error { code, state } => {
            let mut body = json!({ "code": code });
            if let Some(state) = state {
                body["state"] = state.clone();
            }
            json!({ "error": body })
        }
    });
    json!({
        "events": expect.events.iter().map(|e| json!({"seq": e.seq, "body": e.body})).collect::<Vec<_>>(),
        "reply": reply,
        "ask_bot": expect.ask_bot,
        "deadline": expect.deadline,
        "visitor_marks": expect.visitor_marks,
        "team_marks": expect.team_marks,
    })
}

/// Checks one step's outcome; `Err` describes every difference.
fn check(
    at: u64,
    expect: &Expect,
    input_id: Option<&ClientMsgId>,
    core: &ConversationCore,
    outcome: &Outcome,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let (actual, expected) = (actual_json(outcome), expected_json(expect));
    for field in ["events", "reply", "ask_bot", "deadline", "visitor_marks", "team_marks"] {
        if actual[field] != expected[field] {
            problems.push(format!(
                "{field}:\n    expected {}\n    actual   {}",
                expected[field], actual[field]
            ));
        }
    }
    // Invariants every outcome keeps, whatever the script says.
    if let Some(event) = outcome.events.iter().find(|e| e.at != Timestamp(at)) {
        problems.push(format!(
            "event {} is stamped {} instead of the step's `at`",
            event.seq.0, event.at.0
        ));
    }
    let stored_id = if outcome.events.is_empty() { None } else { input_id };
    if outcome.client_msg_id.as_ref() != stored_id {
        problems.push(format!(
            "client_msg_id stored with the events: expected {stored_id:?}, actual {:?}",
            outcome.client_msg_id
        ));
    }
    if let Some(Reply::Error(error)) = &outcome.reply
        && error.client_msg_id.as_ref() != input_id
    {
        problems.push(format!(
            "the error answers {:?} instead of {input_id:?}",
            error.client_msg_id
        ));
    }
    if let Some(state) = &expect.state {
        let actual_state = to_json(core.handover().state());
        if &actual_state != state {
            problems.push(format!(
                "state after the step:\n    expected {state}\n    actual   {actual_state}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n  "))
    }
}

/// Replays one scenario; `Err` names the first failing step.
fn replay(path: &Path, scenario: Scenario) -> Result<usize, String> {
    let mut core = ConversationCore::default();
    let mut last_at = 0;
    let steps = scenario.steps.len();
    for (index, step) in scenario.steps.into_iter().enumerate() {
        let Step {
            at,
            note,
            facts,
            input,
            expect,
        } = step;
        let place = match note {
            Some(note) => format!("{}: step {index} ({note})", shown(path)),
            None => format!("{}: step {index}", shown(path)),
        };
        if at < last_at {
            return Err(format!("{place}: `at` goes back in time ({at} after {last_at})"));
        }
        last_at = at;
        let input_id = input.client_msg_id().cloned();
        let outcome = core.handle(input.into(), facts.over(scenario.facts).at(at));
        check(at, &expect, input_id.as_ref(), &core, &outcome).map_err(|problems| format!("{place}:\n  {problems}"))?;
    }
    Ok(steps)
}

// ---- tests -------------------------------------------------------------

#[test]
fn every_scenario_replays_as_scripted() {
    let files = scenario_files();
    assert!(!files.is_empty(), "no scenarios under vectors/scenarios/");
    let mut failures = Vec::new();
    let mut steps = 0;
    for path in &files {
        let (_, scenario) = load(path);
        assert!(
            !scenario.description.trim().is_empty(),
            "{}: describe the scenario",
            shown(path)
        );
        assert!(!scenario.steps.is_empty(), "{}: a scenario needs steps", shown(path));
        match replay(path, scenario) {
            Ok(n) => steps += n,
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!("{} scenarios, {steps} steps replayed", files.len());
}

/// The tags used for `input` and `intent` across every script.
fn tags_used(raw: &Value, inputs: &mut BTreeSet<String>, intents: &mut BTreeSet<String>) {
    fn tag(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => map.keys().next().cloned(),
            _ => None,
        }
    }
    for step in raw["steps"].as_array().into_iter().flatten() {
        inputs.extend(tag(&step["input"]));
        if let Some(body) = step["input"].as_object().and_then(|m| m.values().next()) {
            intents.extend(tag(&body["intent"]));
        }
    }
}

#[test]
fn the_scenarios_use_every_input_and_intent() {
    let (mut inputs, mut intents) = (BTreeSet::new(), BTreeSet::new());
    for path in scenario_files() {
        tags_used(&load(&path).0, &mut inputs, &mut intents);
    }
    // The mirrors above convert exhaustively into `Input` and `Intent`, so a
    // new variant cannot be added without extending them and this list.
    let all_inputs = [
        "visitor_message",
        "visitor_intent",
        "operator_message",
        "operator_intent",
        "bot_reply",
        "timeout",
        "owner_gone",
        "visitor_receipt",
        "team_receipt",
        "leave_message",
        "reply_by_email",
        "rate",
        "transcript",
    ];
    let all_intents = [
        "request_human",
        "cancel_request",
        "end_human",
        "keep_waiting",
        "join",
        "take_over",
        "transfer",
        "leave",
        "resolve",
    ];
    let missing: Vec<&str> = all_inputs
        .iter()
        .filter(|tag| !inputs.contains(**tag))
        .chain(all_intents.iter().filter(|tag| !intents.contains(**tag)))
        .copied()
        .collect();
    assert!(missing.is_empty(), "no scenario uses {missing:?}");
}
