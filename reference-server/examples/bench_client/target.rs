//! The two servers the benchmark drives with the same load code: Baton (the
//! wire protocol, signed-in operator) and the raw echo baseline
//! (`examples/raw_echo.rs`). Everything that differs between them is here.

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type Result<T> = std::result::Result<T, String>;

/// The demo admin (`baton-server --demo`).
const EMAIL: &str = "dana@demo.baton";
const PASSWORD: &str = "handover-demo";

#[derive(Debug, Clone)]
pub struct Target {
    pub baton: bool,
    pub addr: String,
    /// Where the operator connects: `addr`, or another process of the
    /// same cluster (the operator→visitor hop then crosses processes).
    pub operator_addr: String,
    pub origin: String,
    pub bot: String,
}

/// What a frame means to a client waiting for the answer to its send.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Ack,
    Refused,
    Other,
}

/// A visitor socket and whom it is to an operator.
#[derive(Debug)]
pub struct Visitor {
    pub ws: Ws,
    pub to: Addressee,
}

/// How an operator names a visitor: its socket id (raw) or its
/// conversation (Baton).
#[derive(Debug, Clone)]
pub struct Addressee {
    pub id: u64,
    pub conversation: String,
}

impl Target {
    /// Opens a visitor socket and, on Baton, says hello and waits for the
    /// welcome (which starts a conversation).
    pub async fn visitor(&self, id: u64) -> Result<Visitor> {
        let url = if self.baton {
            format!("ws://{}/ws/visitor?bot={}", self.addr, self.bot)
        } else {
            format!("ws://{}/ws?id={id}", self.addr)
        };
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        headers.insert("origin", self.origin.parse().map_err(|_| "origin")?);
        if self.baton {
            headers.insert("sec-websocket-protocol", "baton.v1".parse().map_err(|_| "header")?);
        }
        let (mut ws, _) = connect(request).await.map_err(|e| format!("visitor connect: {e}"))?;
        let mut conversation = String::new();
        if self.baton {
            let hello = format!(r#"{{"type":"hello","protocol":1,"bot":"{}"}}"#, self.bot);
            ws.send(Message::text(hello)).await.map_err(|e| e.to_string())?;
            let welcome = until(&mut ws, |t| t.contains(r#""type":"welcome""#)).await?;
            conversation = string_field(&welcome, "conversation").ok_or("welcome without conversation")?;
        }
        Ok(Visitor {
            ws,
            to: Addressee { id, conversation },
        })
    }

    /// Baton stores a conversation at its first message, not at `hello`:
    /// a visitor an operator will join says something first (and waits
    /// for its ack). Nothing to do on the raw echo.
    pub async fn first_message(&self, v: &mut Visitor) -> Result<()> {
        if !self.baton {
            return Ok(());
        }
        let id = format!("f-{}", v.to.id);
        let send = format!(r#"{{"type":"send","client_msg_id":"{id}","text":"a question"}}"#);
        v.ws.send(Message::text(send)).await.map_err(|e| e.to_string())?;
        until(&mut v.ws, |t| t.starts_with(r#"{"type":"ack""#) && t.contains(&id)).await?;
        Ok(())
    }

    /// A visitor's chat message (Baton) or a frame to echo (raw).
    pub fn visitor_send(&self, n: u64) -> String {
        if self.baton {
            format!(r#"{{"type":"send","client_msg_id":"b-{n}","text":"hello {n}"}}"#)
        } else {
            format!("hello {n}")
        }
    }

    pub fn answer(&self, frame: &str) -> Answer {
        if !self.baton {
            return Answer::Ack;
        }
        if frame.starts_with(r#"{"type":"ack""#) {
            Answer::Ack
        } else if frame.starts_with(r#"{"type":"error""#) {
            Answer::Refused
        } else {
            Answer::Other
        }
    }

    /// Signs in (Baton: `POST /api/login`, bearer token) and opens an
    /// operator socket that has said hello and is available.
    pub async fn operator(&self) -> Result<Ws> {
        if !self.baton {
            let url = format!("ws://{}/ws", self.addr);
            return Ok(connect(url).await.map_err(|e| e.to_string())?.0);
        }
        let login: serde_json::Value = reqwest::Client::new()
            .post(format!("http://{}/api/login", self.operator_addr))
            .json(&serde_json::json!({ "email": EMAIL, "password": PASSWORD }))
            .send()
            .await
            .map_err(|e| format!("login: {e}"))?
            .json()
            .await
            .map_err(|e| format!("login answer: {e}"))?;
        let token = login["token"].as_str().ok_or("login answer without token")?;
        let mut request = format!("ws://{}/ws/operator", self.operator_addr)
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            format!("Bearer {token}").parse().map_err(|_| "header")?,
        );
        headers.insert("sec-websocket-protocol", "baton.v1".parse().map_err(|_| "header")?);
        let (mut ws, _) = connect(request).await.map_err(|e| format!("operator connect: {e}"))?;
        ws.send(Message::text(r#"{"type":"hello","protocol":1}"#))
            .await
            .map_err(|e| e.to_string())?;
        until(&mut ws, |t| t.contains(r#""type":"welcome""#)).await?;
        ws.send(Message::text(r#"{"type":"set_status","status":"available"}"#))
            .await
            .map_err(|e| e.to_string())?;
        Ok(ws)
    }

    /// Baton: the operator claims these conversations (waits for each ack).
    pub async fn join(&self, op: &mut Ws, visitors: &[Addressee]) -> Result<()> {
        if !self.baton {
            return Ok(());
        }
        for v in visitors {
            let id = format!("j-{}", v.id);
            let join = format!(
                r#"{{"type":"join","conversation":"{}","client_msg_id":"{id}","display_name":"Bench"}}"#,
                v.conversation
            );
            op.send(Message::text(join)).await.map_err(|e| e.to_string())?;
            let answer = until(op, |t| {
                (t.starts_with(r#"{"type":"ack""#) || t.starts_with(r#"{"type":"error""#)) && t.contains(&id)
            })
            .await?;
            if answer.starts_with(r#"{"type":"error""#) {
                return Err(format!("join refused: {answer}"));
            }
        }
        Ok(())
    }

    /// The operator's message to one visitor, carrying `text`.
    pub fn operator_send(&self, to: &Addressee, n: u64, text: &str) -> String {
        if self.baton {
            format!(
                r#"{{"type":"send","conversation":"{}","client_msg_id":"o-{n}","text":"{text}"}}"#,
                to.conversation
            )
        } else {
            format!("to:{}:{text}", to.id)
        }
    }
}

/// Connects with TCP_NODELAY, as the servers do. Without it the client's
/// Nagle holds a small frame until the previous one is acknowledged, and a
/// server that never writes back on that socket (the raw operator's) only
/// acknowledges after the delayed-ACK timer: tens of milliseconds of latency
/// that belong to neither server.
async fn connect(request: impl IntoClientRequest + Unpin) -> std::result::Result<(Ws, Response), WsError> {
    tokio_tungstenite::connect_async_with_config(request, None, true).await
}

/// Reads frames until one satisfies `wanted`; its text.
async fn until(ws: &mut Ws, wanted: impl Fn(&str) -> bool) -> Result<String> {
    while let Some(msg) = ws.next().await {
        if let Message::Text(t) = msg.map_err(|e| e.to_string())?
            && wanted(t.as_str())
        {
            return Ok(t.to_string());
        }
    }
    Err("socket closed".into())
}

/// `"field":"value"` in a JSON frame (ids hold no escapes).
fn string_field(json: &str, field: &str) -> Option<String> {
    let start = json.find(&format!("\"{field}\":\""))? + field.len() + 4;
    let end = json[start..].find('"')?;
    Some(json[start..start + end].to_owned())
}

/// The send time a latency probe carries: `bench <micros>`.
pub fn probe(micros: u64) -> String {
    format!("bench {micros}")
}

/// The send time in a frame that carries a probe.
pub fn probe_time(frame: &str) -> Option<u64> {
    let at = frame.find("bench ")? + 6;
    let digits = frame[at..].bytes().take_while(u8::is_ascii_digit).count();
    frame[at..at + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_is_found_in_a_baton_event_and_a_raw_frame() {
        let event = format!(
            r#"{{"type":"event","seq":4,"at":1,"body":{{"type":"message","author":{{"kind":"operator"}},"text":"{}"}}}}"#,
            probe(123_456)
        );
        assert_eq!(probe_time(&event), Some(123_456));
        assert_eq!(probe_time(&probe(7)), Some(7));
        assert_eq!(probe_time(r#"{"type":"event","text":"hello 5"}"#), None);
    }

    #[test]
    fn welcome_fields_and_answers() {
        let welcome = r#"{"type":"welcome","protocol":1,"conversation":"c_8f14","token":"ab"}"#;
        assert_eq!(string_field(welcome, "conversation").as_deref(), Some("c_8f14"));
        assert_eq!(string_field(welcome, "missing"), None);
        let baton = Target {
            baton: true,
            addr: String::new(),
            operator_addr: String::new(),
            origin: String::new(),
            bot: "demo".into(),
        };
        assert_eq!(
            baton.answer(r#"{"type":"ack","client_msg_id":"b-1","seq":3}"#),
            Answer::Ack
        );
        assert_eq!(
            baton.answer(r#"{"type":"error","code":"rate_limited"}"#),
            Answer::Refused
        );
        assert_eq!(baton.answer(r#"{"type":"event","seq":3}"#), Answer::Other);
        let raw = Target { baton: false, ..baton };
        assert_eq!(raw.answer("hello 1"), Answer::Ack);
    }
}
