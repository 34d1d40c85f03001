//! The bot engines against real HTTP over loopback: stub webhook and
//! OpenAI-compatible servers (axum on 127.0.0.1:0) inside each test.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use baton_protocol::{Author, ConversationEvent, EventBody, OperatorId, OperatorProfile, Seq, Timestamp};
use baton_server::bot::faq::{FaqBot, KnowledgeBase};
use baton_server::bot::openai::OpenAiBot;
use baton_server::bot::webhook::WebhookBot;
use baton_server::bot::{BotEngineConfig, BotError, BotReply, BotTurn, build};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo")
}

fn demo_kb() -> Arc<KnowledgeBase> {
    Arc::new(KnowledgeBase::load(&demo_dir().join("knowledge.toml")).expect("the demo knowledge file loads"))
}

fn event(seq: u64, author: Author, text: &str) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(1_700_000_000_000 + seq),
        body: EventBody::Message {
            author,
            text: text.into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    }
}

fn dana() -> Author {
    Author::Operator {
        operator: OperatorProfile {
            id: OperatorId("op-dana".into()),
            name: "Dana".into(),
            avatar_url: None,
            colour: None,
        },
    }
}

/// A turn whose history ends with the visitor's `text`.
fn turn_with(text: &str, human_available: bool, mut history: Vec<ConversationEvent>) -> BotTurn {
    let seq = history.len() as u64 + 1;
    history.push(event(seq, Author::Visitor, text));
    BotTurn {
        bot: "shop".into(),
        conversation: "c-1".into(),
        text: text.into(),
        history,
        human_available,
        handover_enabled: true,
    }
}

fn turn(text: &str, human_available: bool) -> BotTurn {
    turn_with(text, human_available, vec![])
}

fn ask_demo(text: &str, human_available: bool) -> BotReply {
    FaqBot::new(demo_kb()).answer(&turn(text, human_available))
}

/// Serves `router` on a fresh loopback port for the rest of the test.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("a bound listener has an address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("the stub serves");
    });
    addr
}

/// What a stub server saw.
#[derive(Default)]
struct Seen {
    attempts: AtomicUsize,
    bodies: Mutex<Vec<Value>>,
    headers: Mutex<Vec<HeaderMap>>,
}

impl Seen {
    fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }
}

/// A stub that records each request and answers the `n`th (0-based) with
/// `respond(n)`, after `delay(n)`.
async fn stub(
    path: &str,
    respond: impl Fn(usize) -> (StatusCode, String) + Send + Sync + 'static,
    delay: impl Fn(usize) -> Duration + Send + Sync + 'static,
) -> (SocketAddr, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let respond = Arc::new(respond);
    let delay = Arc::new(delay);
    let state = seen.clone();
    let router = Router::new().route(
        path,
        post(move |headers: HeaderMap, body: String| {
            let (seen, respond, delay) = (state.clone(), respond.clone(), delay.clone());
            async move {
                let n = seen.attempts.fetch_add(1, Ordering::SeqCst);
                seen.bodies
                    .lock()
                    .expect("no test panicked while holding the lock")
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                seen.headers
                    .lock()
                    .expect("no test panicked while holding the lock")
                    .push(headers);
                tokio::time::sleep(delay(n)).await;
                let (status, body) = respond(n);
                (status, [("content-type", "application/json")], body)
            }
        }),
    );
    (serve(router).await, seen)
}

fn no_delay(_: usize) -> Duration {
    Duration::ZERO
}

fn ok(body: Value) -> (StatusCode, String) {
    (StatusCode::OK, body.to_string())
}

fn webhook(addr: SocketAddr, timeout_ms: u64, retries: u32) -> WebhookBot {
    WebhookBot::new(
        &format!("http://{addr}/hook"),
        Duration::from_millis(timeout_ms),
        retries,
    )
    .expect("a valid stub URL")
    .with_backoff(Duration::from_millis(10))
}

fn is_unavailable_fallback(reply: &BotReply) -> bool {
    reply.text.contains("isn't available right now")
}

// ---------------------------------------------------------------- FAQ

#[test]
fn demo_knowledge_answers_the_e2e_questions() {
    let shipping = ask_demo("How long does shipping take?", false);
    assert!(shipping.text.contains("3–5 days"), "{shipping:?}");
    assert!(!shipping.offer_human);
    let refunds = ask_demo("Do you do refunds?", true);
    assert!(refunds.text.contains("30 days"), "{refunds:?}");
    assert!(!refunds.offer_human);
    let person = ask_demo("I would like to talk to a person please", true);
    assert!(person.offer_human, "{person:?}");
}

#[test]
fn demo_knowledge_routes_questions_to_the_right_topic() {
    let kb = demo_kb();
    for (question, topic) in [
        ("How long does shipping take?", "delivery"),
        ("when will my parcel arrive", "delivery"),
        ("Is delivery free?", "delivery"),
        ("Hi! Do you ship to Ireland?", "international delivery"),
        ("can you deliver to the USA", "international delivery"),
        ("Where is my order?", "order tracking"),
        ("I need my tracking number", "order tracking"),
        ("Can I change my delivery address?", "changing an order"),
        ("I want to cancel my order", "changing an order"),
        ("Do you do refunds?", "returns"),
        ("how do I send it back", "returns"),
        ("Can I exchange it for a different size?", "exchanges"),
        ("What size should I get? I'm usually a medium", "sizing"),
        ("do the jackets fit small", "sizing"),
        ("How do I wash my waxed jacket?", "jacket care"),
        ("can I put it in the washing machine", "jacket care"),
        ("how often should I re-wax it", "re-waxing"),
        ("the zip on my coat is broken", "repairs"),
        ("Do you take PayPal?", "payment"),
        ("Do you sell gift cards?", "gift cards"),
        ("Where is your shop?", "our shop"),
        ("can I visit in person?", "our shop"),
    ] {
        let found = kb.lookup(question).map(|m| m.entry.topic.clone().unwrap_or_default());
        assert_eq!(found.as_deref(), Some(topic), "{question:?}");
    }
}

#[test]
fn faq_offers_a_person_when_asked_only_if_one_is_available() {
    for request in [
        "I would like to talk to a person please",
        "can I speak to someone real?",
        "AGENT",
        "operator please",
    ] {
        assert!(ask_demo(request, true).offer_human, "{request}");
        let alone = ask_demo(request, false);
        assert!(!alone.offer_human, "{request}");
        assert!(alone.text.contains("Nobody from the team is online"), "{alone:?}");
    }
}

#[test]
fn faq_says_when_it_is_unsure() {
    let with_team = ask_demo("what is the meaning of life", true);
    assert!(with_team.offer_human);
    assert!(with_team.text.starts_with("I'm not sure"), "{with_team:?}");
    let alone = ask_demo("what is the meaning of life", false);
    assert!(!alone.offer_human);
    assert!(
        alone
            .text
            .contains("I can help with delivery, returns, sizing, jacket care or repairs"),
        "suggests what it can do: {alone:?}"
    );
}

#[test]
fn faq_greets_naturally_but_answers_questions_first() {
    let hello = ask_demo("Hello!", false);
    assert!(hello.text.starts_with("Hello, and welcome"), "{hello:?}");
    assert!(!hello.offer_human);
    assert!(ask_demo("hey there", true).text.starts_with("Hello"));
    assert!(ask_demo("thanks!", true).text.starts_with("You're welcome"));
    // A greeting with a question gets the answer.
    assert!(
        ask_demo("Hi, how long does delivery take?", true)
            .text
            .contains("3–5 days")
    );
    // Words, not substrings: "this" is not "hi".
    assert!(!ask_demo("is this thing on", false).text.starts_with("Hello"));
}

const SMALL_KB: &str = r#"
help_topics = ["boats"]

[[entry]]
topic = "boats"
question = "Do you rent boats?"
keywords = ["boat", "canoe", "kayak"]
answer = "We rent canoes by the hour."

[[entry]]
topic = "parking"
questions = ["Is there parking?", "Where can I park my car?"]
answer = "There is free parking behind the boathouse."
draft = "Yes, you can park for free right behind the boathouse."

[[entry]]
small_talk = true
keywords = ["hello"]
answer = "Ahoy!"
"#;

fn small_kb() -> KnowledgeBase {
    KnowledgeBase::from_toml_str(SMALL_KB).expect("the inline knowledge base parses")
}

#[test]
fn an_inline_knowledge_base_matches_on_stems_and_phrasings() {
    let kb = small_kb();
    let topic = |q: &str| kb.lookup(q).and_then(|m| m.entry.topic.clone());
    assert_eq!(topic("kayaking?").as_deref(), Some("boats"), "stemmed keyword");
    assert_eq!(topic("CANOES!!").as_deref(), Some("boats"));
    assert_eq!(topic("where do I park").as_deref(), Some("parking"), "phrasing overlap");
    assert_eq!(topic("hello"), None, "small talk has no topic");
    assert_eq!(kb.lookup("hello").map(|m| m.entry.answer.as_str()), Some("Ahoy!"));
    assert!(kb.lookup("what time is it").is_none());
    assert!(kb.lookup("   ").is_none());
    let exact = kb.lookup("Do you rent boats?").unwrap();
    assert!(
        exact.score >= 1.0,
        "worded like the question and a keyword: {}",
        exact.score
    );

    let bot = FaqBot::new(Arc::new(kb));
    let unsure = bot.answer(&turn("what time is it", false));
    assert_eq!(unsure.text, "I'm not sure about that one. I can help with boats.");
}

#[test]
fn invalid_knowledge_files_are_rejected() {
    for bad in [
        "",                                                                      // no entries
        "[[entry]]\nquestion = \"Hi?\"\n",                                       // no answer
        "[[entry]]\nanswer = \"x\"\n",                                           // nothing to match
        "[[entry]]\nquestion = \"the\"\nanswer = \"x\"\n",                       // only filler words
        "[[entry]]\nquestion = \"Boats?\"\nanswer = \" \"\n",                    // blank answer
        "[[entry]]\nquestion = \"Boats?\"\nanswer = \"x\"\nkeyword = [\"y\"]\n", // typo
        "min_score = 0\n[[entry]]\nquestion = \"Boats?\"\nanswer = \"x\"\n",
    ] {
        assert!(KnowledgeBase::from_toml_str(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn suggest_drafts_from_the_latest_visitor_messages() {
    let kb = demo_kb();
    // Uses the entry's draft: worded for a person typing live.
    let history = vec![event(1, Author::Visitor, "Do you do refunds?")];
    let draft = kb.suggest(&history).expect("a draft");
    assert!(draft.contains("30 days"), "{draft}");
    assert_ne!(draft, kb.lookup("Do you do refunds?").unwrap().entry.answer);

    // Without a draft: a friendly lead-in and the answer.
    let draft = kb.suggest(&[event(1, Author::Visitor, "My zip is broken")]).unwrap();
    assert!(
        draft.starts_with("Happy to help with that! Yes — our workshop repairs"),
        "{draft}"
    );

    // Several visitor messages in a row: the newest that matches, or all together.
    let history = vec![
        event(1, Author::Visitor, "hello"),
        event(2, Author::Visitor, "I bought a waxed jacket last year"),
        event(3, Author::Visitor, "how do I clean it?"),
    ];
    assert!(kb.suggest(&history).unwrap().contains("don't machine-wash"));

    // Handover events between messages are skipped.
    let mut history = vec![event(1, Author::Visitor, "Is there parking?")];
    history.push(ConversationEvent {
        seq: Seq(2),
        at: Timestamp(0),
        body: EventBody::help(Timestamp(1)),
    });
    assert_eq!(
        small_kb().suggest(&history).as_deref(),
        Some("Yes, you can park for free right behind the boathouse.")
    );
}

#[test]
fn suggest_stays_quiet_when_there_is_nothing_to_draft() {
    let kb = demo_kb();
    assert_eq!(kb.suggest(&[]), None);
    // The operator already answered the latest visitor message.
    let history = vec![
        event(1, Author::Visitor, "Do you do refunds?"),
        event(2, dana(), "Yes, within 30 days."),
    ];
    assert_eq!(kb.suggest(&history), None);
    // Nothing matches.
    assert_eq!(
        kb.suggest(&[event(1, Author::Visitor, "what is the meaning of life")]),
        None
    );
    // Small talk is not drafted: the operator greets in their own words.
    assert_eq!(kb.suggest(&[event(1, Author::Visitor, "hello")]), None);
}

// ---------------------------------------------------------------- webhook

#[tokio::test]
async fn webhook_answers_and_sees_the_documented_request() {
    let (addr, seen) = stub(
        "/hook",
        |_| ok(json!({ "text": "  We ship to Ireland.  ", "offer_human": true, "extra": 1 })),
        no_delay,
    )
    .await;
    let bot = webhook(addr, 500, 0);
    let history = vec![
        event(1, Author::Visitor, "Hi"),
        event(2, Author::Bot, "Hello!"),
        event(3, dana(), "Dana here."),
        event(4, Author::Unknown, "from the future"),
    ];
    let reply = bot
        .ask(&turn_with("Do you ship to Ireland?", true, history.clone()))
        .await;
    assert_eq!(
        reply,
        BotReply {
            text: "We ship to Ireland.".into(),
            offer_human: true,
            handover: None,
        }
    );
    // The offer only stands when a person is available.
    let reply = bot.ask(&turn_with("Do you ship to Ireland?", false, history)).await;
    assert!(!reply.offer_human);

    let bodies = seen.bodies.lock().unwrap();
    assert_eq!(
        bodies[0],
        json!({
            "bot": "shop",
            "conversation": "c-1",
            "text": "Do you ship to Ireland?",
            "human_available": true,
            "history": [
                { "role": "visitor", "text": "Hi" },
                { "role": "bot", "text": "Hello!" },
                { "role": "operator", "name": "Dana", "text": "Dana here." },
                { "role": "visitor", "text": "Do you ship to Ireland?" },
            ],
        })
    );
    assert_eq!(bodies[1]["human_available"], json!(false));
    let headers = seen.headers.lock().unwrap();
    assert_eq!(headers[0]["content-type"], "application/json");
}

#[tokio::test]
async fn webhook_retries_after_a_server_error() {
    let (addr, seen) = stub(
        "/hook",
        |n| match n {
            0 => (StatusCode::INTERNAL_SERVER_ERROR, "oops".into()),
            _ => ok(json!({ "text": "Second time lucky." })),
        },
        no_delay,
    )
    .await;
    let reply = webhook(addr, 500, 2).ask(&turn("hello?", true)).await;
    assert_eq!(reply.text, "Second time lucky.");
    assert!(!reply.offer_human, "offer_human defaults to false");
    assert_eq!(seen.attempts(), 2);
}

#[tokio::test]
async fn webhook_timeouts_are_retried_then_fall_back_to_a_person() {
    let (addr, seen) = stub(
        "/hook",
        |_| ok(json!({ "text": "Too late." })),
        |_| Duration::from_secs(5),
    )
    .await;
    let started = Instant::now();
    let reply = webhook(addr, 150, 1).ask(&turn("hello?", true)).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(is_unavailable_fallback(&reply), "{reply:?}");
    assert!(reply.offer_human);
    assert_eq!(seen.attempts(), 2, "one try and one retry");
}

#[tokio::test]
async fn webhook_client_errors_are_not_retried() {
    let (addr, seen) = stub("/hook", |_| (StatusCode::BAD_REQUEST, "{}".into()), no_delay).await;
    let reply = webhook(addr, 500, 3).ask(&turn("hello?", true)).await;
    assert!(is_unavailable_fallback(&reply) && reply.offer_human, "{reply:?}");
    assert_eq!(seen.attempts(), 1);
}

#[tokio::test]
async fn webhook_bad_bodies_fall_back() {
    for body in [
        "not json".to_owned(),
        json!({ "reply": "wrong field" }).to_string(),
        json!({ "text": "   " }).to_string(),
        json!({ "text": 42 }).to_string(),
    ] {
        let (addr, seen) = stub("/hook", move |_| (StatusCode::OK, body.clone()), no_delay).await;
        let reply = webhook(addr, 500, 2).ask(&turn("hello?", false)).await;
        assert!(is_unavailable_fallback(&reply), "{reply:?}");
        assert!(!reply.offer_human, "nobody to offer");
        assert!(reply.text.contains("nobody from the team is online"), "{reply:?}");
        assert_eq!(seen.attempts(), 1, "a bad body is not retried");
    }
}

#[tokio::test]
async fn webhook_unreachable_falls_back() {
    // A port that was just free: nothing listens on it.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let reply = webhook(addr, 300, 1).ask(&turn("hello?", true)).await;
    assert!(is_unavailable_fallback(&reply) && reply.offer_human, "{reply:?}");
}

#[tokio::test]
async fn webhook_replies_are_cut_to_the_message_limit() {
    let long = "é".repeat(baton_protocol::MAX_MESSAGE_CHARS + 10);
    let (addr, _) = stub("/hook", move |_| ok(json!({ "text": long })), no_delay).await;
    let reply = webhook(addr, 500, 0).ask(&turn("hello?", true)).await;
    assert_eq!(reply.text.chars().count(), baton_protocol::MAX_MESSAGE_CHARS);
}

// ---------------------------------------------------------------- OpenAI

fn completion(content: &str) -> (StatusCode, String) {
    ok(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2 },
    }))
}

fn openai(addr: SocketAddr) -> OpenAiBot {
    OpenAiBot::new(
        &format!("http://{addr}/v1/"),
        "test-model",
        "sk-test-123",
        Some("You are Fernwood's assistant."),
        Duration::from_millis(500),
    )
    .expect("a valid stub URL")
}

#[tokio::test]
async fn openai_request_has_the_model_key_prompt_and_history() {
    let (addr, seen) = stub(
        "/v1/chat/completions",
        |_| completion("Let me find someone for you. [[handover]]"),
        no_delay,
    )
    .await;
    let history = vec![
        event(1, Author::Visitor, "Hi"),
        event(2, Author::Bot, "Hello!"),
        event(3, dana(), "Dana here."),
    ];
    let reply = openai(addr)
        .ask(&turn_with("Can I talk to a person?", true, history))
        .await;
    assert_eq!(
        reply,
        BotReply {
            text: "Let me find someone for you.".into(),
            offer_human: true,
            handover: None,
        }
    );

    let headers = seen.headers.lock().unwrap();
    assert_eq!(headers[0]["authorization"], "Bearer sk-test-123");
    let body = &seen.bodies.lock().unwrap()[0];
    assert_eq!(body["model"], "test-model");
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().unwrap();
    assert!(system.starts_with("You are Fernwood's assistant."), "{system}");
    assert!(system.contains("[[handover]]"), "the handover rule is always added");
    assert!(system.contains("a person from the team is available"), "{system}");
    assert_eq!(
        messages[1..],
        [
            json!({ "role": "user", "content": "Hi" }),
            json!({ "role": "assistant", "content": "Hello!" }),
            json!({ "role": "assistant", "content": "[Team member Dana] Dana here." }),
            json!({ "role": "user", "content": "Can I talk to a person?" }),
        ]
    );
}

#[tokio::test]
async fn openai_plain_answers_do_not_offer_a_person() {
    let (addr, seen) = stub("/v1/chat/completions", |_| completion("We ship in 3–5 days."), no_delay).await;
    // No history at all (say the store could not be read): the latest
    // message is still sent.
    let mut bare = turn("How long is shipping?", true);
    bare.history.clear();
    let reply = openai(addr).ask(&bare).await;
    assert_eq!(reply.text, "We ship in 3–5 days.");
    assert!(!reply.offer_human);
    let body = &seen.bodies.lock().unwrap()[0];
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1],
        json!({ "role": "user", "content": "How long is shipping?" })
    );
}

#[tokio::test]
async fn openai_handover_without_anyone_available_offers_nothing() {
    let (addr, seen) = stub("/v1/chat/completions", |_| completion("[[HANDOVER]]"), no_delay).await;
    let reply = openai(addr).ask(&turn("a person please", false)).await;
    assert!(!reply.offer_human);
    assert!(reply.text.contains("Nobody from the team is online"), "{reply:?}");
    let body = &seen.bodies.lock().unwrap()[0];
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("nobody from the team is online"), "{system}");
}

#[tokio::test]
async fn openai_errors_fall_back() {
    for response in [
        (StatusCode::INTERNAL_SERVER_ERROR, "{}".to_owned()),
        (
            StatusCode::UNAUTHORIZED,
            json!({ "error": { "message": "bad key" } }).to_string(),
        ),
        ok(json!({ "choices": [] })),
        ok(json!({ "choices": [{ "message": { "role": "assistant", "content": null } }] })),
    ] {
        let (addr, seen) = stub("/v1/chat/completions", move |_| response.clone(), no_delay).await;
        let reply = openai(addr).ask(&turn("hello?", true)).await;
        assert!(is_unavailable_fallback(&reply) && reply.offer_human, "{reply:?}");
        assert_eq!(seen.attempts(), 1);
    }
    let (addr, _) = stub(
        "/v1/chat/completions",
        |_| completion("slow"),
        |_| Duration::from_secs(5),
    )
    .await;
    let started = Instant::now();
    let reply = openai(addr).ask(&turn("hello?", true)).await;
    assert!(is_unavailable_fallback(&reply), "{reply:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn openai_debug_never_shows_the_key() {
    let bot = OpenAiBot::new(
        "https://api.example.com/v1",
        "m",
        "sk-secret",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert!(!format!("{bot:?}").contains("sk-secret"));
}

// ---------------------------------------------------------------- config and build

fn engine(toml_text: &str) -> Result<BotEngineConfig, toml::de::Error> {
    #[derive(serde::Deserialize)]
    struct Wrapper {
        engine: BotEngineConfig,
    }
    toml::from_str::<Wrapper>(toml_text).map(|w| w.engine)
}

#[test]
fn engine_config_reads_every_kind_with_defaults() {
    assert_eq!(
        engine(r#"engine = { kind = "rules" }"#).unwrap(),
        BotEngineConfig::Rules
    );
    assert_eq!(engine(r#"engine = { kind = "none" }"#).unwrap(), BotEngineConfig::None);
    assert_eq!(
        engine(r#"engine = { kind = "faq", knowledge = "kb.toml" }"#).unwrap(),
        BotEngineConfig::Faq {
            knowledge: "kb.toml".into()
        }
    );
    assert_eq!(
        engine(r#"engine = { kind = "webhook", url = "https://x.test/bot" }"#).unwrap(),
        BotEngineConfig::Webhook {
            url: "https://x.test/bot".into(),
            timeout_ms: 5_000,
            retries: 2
        }
    );
    let open_ai = BotEngineConfig::OpenAi {
        base_url: "https://api.openai.com/v1".into(),
        model: "gpt-4o-mini".into(),
        api_key_env: "OPENAI_API_KEY".into(),
        system_prompt: None,
        timeout_ms: 20_000,
    };
    for kind in ["open_ai", "openai"] {
        let text = format!(
            r#"engine = {{ kind = "{kind}", base_url = "https://api.openai.com/v1", model = "gpt-4o-mini", api_key_env = "OPENAI_API_KEY" }}"#
        );
        assert_eq!(engine(&text).unwrap(), open_ai);
    }
    assert_eq!(BotEngineConfig::default(), BotEngineConfig::Rules);
    // Typos are errors, not silently ignored.
    assert!(engine(r#"engine = { kind = "webhook", url = "https://x.test", timeout = 5 }"#).is_err());
    assert!(engine(r#"engine = { kind = "gpt" }"#).is_err());
    assert!(engine(r#"engine = { kind = "faq" }"#).is_err());
}

#[test]
fn build_makes_each_engine() {
    let none = build(&BotEngineConfig::None, Path::new(".")).unwrap();
    assert!(none.engine.is_none() && none.knowledge.is_none(), "none: human-only");

    let rules = build(&BotEngineConfig::Rules, Path::new(".")).unwrap();
    assert!(rules.engine.is_some() && rules.knowledge.is_none());

    // Relative knowledge paths resolve against the base directory.
    let faq = build(
        &BotEngineConfig::Faq {
            knowledge: "knowledge.toml".into(),
        },
        &demo_dir(),
    )
    .unwrap();
    assert!(faq.engine.is_some());
    assert!(faq.knowledge.unwrap().entries().len() >= 10);

    let hook = build(
        &BotEngineConfig::Webhook {
            url: "http://127.0.0.1:9/bot".into(),
            timeout_ms: 100,
            retries: 0,
        },
        Path::new("."),
    )
    .unwrap();
    assert!(hook.engine.is_some());

    // PATH is set wherever tests run; it stands in for a real key variable.
    let open_ai = build(
        &BotEngineConfig::OpenAi {
            base_url: "https://api.example.com/v1".into(),
            model: "m".into(),
            api_key_env: "PATH".into(),
            system_prompt: None,
            timeout_ms: 1_000,
        },
        Path::new("."),
    )
    .unwrap();
    assert!(open_ai.engine.is_some());
}

#[test]
fn build_reports_configuration_errors() {
    let missing = build(
        &BotEngineConfig::OpenAi {
            base_url: "https://api.example.com/v1".into(),
            model: "m".into(),
            api_key_env: "BATON_TEST_SURELY_UNSET_API_KEY".into(),
            system_prompt: None,
            timeout_ms: 1_000,
        },
        Path::new("."),
    )
    .unwrap_err();
    assert!(matches!(&missing, BotError::MissingApiKey { var } if var == "BATON_TEST_SURELY_UNSET_API_KEY"));
    assert!(
        missing.to_string().contains("BATON_TEST_SURELY_UNSET_API_KEY"),
        "{missing}"
    );

    let no_file = build(
        &BotEngineConfig::Faq {
            knowledge: "no-such-knowledge.toml".into(),
        },
        &demo_dir(),
    )
    .unwrap_err();
    assert!(matches!(no_file, BotError::Knowledge { .. }), "{no_file}");
    assert!(no_file.to_string().contains("no-such-knowledge.toml"), "{no_file}");

    for url in ["not a url", "ftp://x.test/bot", "/relative"] {
        let bad = build(
            &BotEngineConfig::Webhook {
                url: url.into(),
                timeout_ms: 100,
                retries: 0,
            },
            Path::new("."),
        )
        .unwrap_err();
        assert!(matches!(bad, BotError::InvalidUrl { .. }), "{url}: {bad}");
    }
}

// ------------------------------------------------- issue 14: a bot asks for a person

#[tokio::test]
async fn webhook_asks_for_a_person_with_a_reason_and_priority() {
    let (addr, _) = stub(
        "/hook",
        |_| {
            ok(json!({ "text": "Let me get a person.",
                "handover": { "reason": "Billing: charged twice", "priority": "urgent" } }))
        },
        no_delay,
    )
    .await;
    // Asked even while nobody is online: the request is queued, never lost.
    let reply = webhook(addr, 500, 0).ask(&turn("I was charged twice", false)).await;
    let handover = reply.handover.expect("the bot asks for a person");
    assert_eq!(handover.reason.as_deref(), Some("Billing: charged twice"));
    assert_eq!(handover.priority, baton_protocol::queue::Priority::Urgent);
}

#[tokio::test]
async fn openai_person_marker_becomes_a_request_with_its_reason() {
    let (addr, seen) = stub(
        "/v1/chat/completions",
        |_| completion("A colleague will look at this. [[urgent person: refund for a double charge]]"),
        no_delay,
    )
    .await;
    let reply = openai(addr).ask(&turn("You charged me twice!", true)).await;
    assert_eq!(reply.text, "A colleague will look at this.");
    assert!(!reply.offer_human, "a request, not an inline offer");
    let handover = reply.handover.expect("a request");
    assert_eq!(handover.reason.as_deref(), Some("refund for a double charge"));
    assert_eq!(handover.priority, baton_protocol::queue::Priority::Urgent);
    let body = &seen.bodies.lock().unwrap()[0];
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("[[person: REASON]]"), "the model is told how: {system}");
}

#[test]
fn faq_unsure_twice_in_a_row_asks_for_a_person_with_the_question() {
    let first = ask_demo("what is the meaning of life", true);
    assert!(first.handover.is_none(), "once: an inline offer only");
    let history = vec![
        event(1, Author::Visitor, "what is the meaning of life"),
        event(2, Author::Bot, &first.text),
    ];
    let second = FaqBot::new(demo_kb()).answer(&turn_with("and of the universe?", false, history));
    let handover = second.handover.clone().expect("twice: the bot asks for a person");
    assert_eq!(
        handover.reason.as_deref(),
        Some("The assistant could not answer: “and of the universe?”")
    );
    assert!(second.text.contains("asked a person"), "{second:?}");
    // A bot whose settings hand nothing to people never says it asked one.
    let history = vec![
        event(1, Author::Visitor, "what is the meaning of life"),
        event(2, Author::Bot, &first.text),
    ];
    let mut off = turn_with("and of the universe?", false, history);
    off.handover_enabled = false;
    let third = FaqBot::new(demo_kb()).answer(&off);
    assert!(third.handover.is_none(), "{third:?}");
    assert!(!third.text.contains("asked a person"), "{third:?}");
}
