//! Every string the visitor sees, in one place so it can be translated.

pub const TITLE: &str = "Chat with us";
pub const OPEN_CHAT: &str = "Open chat";
pub const CLOSE_CHAT: &str = "Close chat";
pub const YOU: &str = "You";
pub const GREETING: &str = "Hi! Ask us anything — the assistant answers right away.";
pub const ASSISTANT: &str = "Assistant";
pub const MESSAGE_LABEL: &str = "Message";
pub const MESSAGE_PLACEHOLDER: &str = "Write a message…";
pub const SEND: &str = "Send";
pub const SENDING: &str = "Sending…";
pub const SENT: &str = "Sent";
pub const CONNECTING: &str = "Connecting…";
pub const RECONNECTING: &str = "Connection lost — reconnecting…";
pub const WAITING: &str = "Connecting you to a person…";
pub const NEW_CHAT: &str = "Start a new chat";
pub const DISMISS: &str = "Dismiss";
pub const CHAT_CLOSED: &str = "This chat is closed.";

pub fn waiting_detail(minutes_left: u64) -> String {
    match minutes_left {
        0 | 1 => "If nobody joins within a minute, the assistant will carry on.".into(),
        n => format!("If nobody joins within {n} minutes, the assistant will carry on."),
    }
}

pub fn chatting_with(name: &str) -> String {
    format!("You're chatting with {name}")
}

pub fn joined(name: &str) -> String {
    format!("{name} joined the chat")
}

pub fn left(name: &str) -> String {
    format!("{name} left the chat — the assistant is back")
}

pub fn took_over(name: &str) -> String {
    format!("{name} took over the chat")
}

pub fn you_ended(name: &str) -> String {
    format!("You ended the chat with {name} — the assistant is back")
}

pub const HELP_REQUESTED: &str = "You asked to talk to a person.";
pub const REQUEST_CANCELLED: &str = "Request cancelled — the assistant is back.";
pub const REQUEST_LAPSED: &str = "Sorry, nobody could join in time. The assistant is back — you can ask again later.";
pub const RESOLVED: &str = "This chat has been closed.";
