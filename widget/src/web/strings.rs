//! Every string the visitor sees, per language. English and Arabic ship;
//! a language is one more [`Strings`] value. The table is chosen once, at
//! mount, from `data-locale` or the browser's language.

use std::sync::OnceLock;

#[derive(Debug)]
pub struct Strings {
    /// BCP 47 language tag and writing direction of this table.
    pub lang: &'static str,
    pub rtl: bool,
    pub title: &'static str,
    pub open_chat: &'static str,
    pub close_chat: &'static str,
    pub you: &'static str,
    pub assistant: &'static str,
    pub greeting: &'static str,
    pub message_label: &'static str,
    pub message_placeholder: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub sent: &'static str,
    pub delivered: &'static str,
    pub read: &'static str,
    pub not_sent: &'static str,
    pub retry: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub waiting: &'static str,
    pub cancel: &'static str,
    pub end_chat: &'static str,
    pub new_chat: &'static str,
    pub dismiss: &'static str,
    pub chat_closed: &'static str,
    pub help_requested: &'static str,
    pub request_cancelled: &'static str,
    pub request_lapsed: &'static str,
    pub resolved: &'static str,
    pub conversation: &'static str,
    pub unread: &'static str,
    /// Phrases with a name or number: `{}` is replaced.
    pub waiting_detail_one: &'static str,
    pub waiting_detail_many: &'static str,
    pub chatting_with: &'static str,
    pub joined: &'static str,
    pub left: &'static str,
    pub took_over: &'static str,
    pub you_ended: &'static str,
    pub owner_gone: &'static str,
    pub is_typing: &'static str,
}

pub const EN: Strings = Strings {
    lang: "en",
    rtl: false,
    title: "Chat with us",
    open_chat: "Open chat",
    close_chat: "Close chat",
    you: "You",
    assistant: "Assistant",
    greeting: "Hi! Ask us anything — the assistant answers right away.",
    message_label: "Message",
    message_placeholder: "Write a message…",
    send: "Send",
    sending: "Sending…",
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    not_sent: "Not sent",
    retry: "Retry",
    connecting: "Connecting…",
    reconnecting: "Connection lost — reconnecting…",
    waiting: "Connecting you to a person…",
    cancel: "Cancel",
    end_chat: "End chat with person",
    new_chat: "Start a new chat",
    dismiss: "Dismiss",
    chat_closed: "This chat is closed.",
    help_requested: "You asked to talk to a person.",
    request_cancelled: "Request cancelled — the assistant is back.",
    request_lapsed: "Sorry, nobody could join in time. The assistant is back — you can ask again later.",
    resolved: "This chat has been closed.",
    conversation: "Conversation",
    unread: "unread",
    waiting_detail_one: "If nobody joins within a minute, the assistant will carry on.",
    waiting_detail_many: "If nobody joins within {} minutes, the assistant will carry on.",
    chatting_with: "You're chatting with {}",
    joined: "{} joined the chat",
    left: "{} left the chat — the assistant is back",
    took_over: "{} took over the chat",
    you_ended: "You ended the chat with {} — the assistant is back",
    owner_gone: "{} had to leave — we're asking the rest of the team to join you",
    is_typing: "{} is typing…",
};

pub const AR: Strings = Strings {
    lang: "ar",
    rtl: true,
    title: "تحدث معنا",
    open_chat: "افتح المحادثة",
    close_chat: "أغلق المحادثة",
    you: "أنت",
    assistant: "المساعد",
    greeting: "مرحبًا! اسألنا عن أي شيء — يجيب المساعد فورًا.",
    message_label: "الرسالة",
    message_placeholder: "اكتب رسالة…",
    send: "إرسال",
    sending: "جارٍ الإرسال…",
    sent: "أُرسلت",
    delivered: "وصلت",
    read: "قُرئت",
    not_sent: "لم تُرسل",
    retry: "أعد المحاولة",
    connecting: "جارٍ الاتصال…",
    reconnecting: "انقطع الاتصال — جارٍ إعادة الاتصال…",
    waiting: "نوصلك بأحد أعضاء الفريق…",
    cancel: "إلغاء",
    end_chat: "إنهاء المحادثة مع الموظف",
    new_chat: "ابدأ محادثة جديدة",
    dismiss: "إخفاء",
    chat_closed: "أُغلقت هذه المحادثة.",
    help_requested: "طلبت التحدث إلى شخص.",
    request_cancelled: "أُلغي الطلب — عاد المساعد.",
    request_lapsed: "عذرًا، لم يتمكن أحد من الانضمام في الوقت المحدد. عاد المساعد — يمكنك الطلب مرة أخرى لاحقًا.",
    resolved: "أُغلقت هذه المحادثة.",
    conversation: "المحادثة",
    unread: "غير مقروءة",
    waiting_detail_one: "إن لم ينضم أحد خلال دقيقة، سيتابع المساعد.",
    waiting_detail_many: "إن لم ينضم أحد خلال {} دقائق، سيتابع المساعد.",
    chatting_with: "أنت تتحدث مع {}",
    joined: "انضم {} إلى المحادثة",
    left: "غادر {} المحادثة — عاد المساعد",
    took_over: "تولى {} المحادثة",
    you_ended: "أنهيت المحادثة مع {} — عاد المساعد",
    owner_gone: "اضطر {} إلى المغادرة — نطلب من بقية الفريق الانضمام إليك",
    is_typing: "{} يكتب…",
};

static CHOSEN: OnceLock<&'static Strings> = OnceLock::new();

/// Picks the table for a locale such as `ar`, `ar-EG` or `en-GB`; English
/// when the language is not shipped.
pub fn choose(locale: Option<&str>) -> &'static Strings {
    let lang = locale
        .unwrap_or("en")
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    let table: &'static Strings = match lang.as_str() {
        "ar" => &AR,
        _ => &EN,
    };
    CHOSEN.get_or_init(|| table)
}

/// The table chosen at mount.
pub fn s() -> &'static Strings {
    CHOSEN.get().copied().unwrap_or(&EN)
}

/// Fills `{}` in a phrase.
pub fn fill(phrase: &str, value: &str) -> String {
    // A plain byte scan: `str::replacen` or `split_once` bring in the
    // general substring searcher (about 2 KB of WebAssembly) for this.
    match phrase.as_bytes().windows(2).position(|w| w == b"{}") {
        Some(at) => [&phrase[..at], value, &phrase[at + 2..]].concat(),
        None => phrase.to_owned(),
    }
}

pub fn waiting_detail(minutes_left: u64) -> String {
    match minutes_left {
        0 | 1 => s().waiting_detail_one.to_owned(),
        n => fill(s().waiting_detail_many, &n.to_string()),
    }
}
