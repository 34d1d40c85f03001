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
    // The waiting line, the choices after a lapse, the email form, the
    // rating and the transcript (issue 14).
    /// "{} in line": filled with [`Strings::ordinal`] of the place.
    pub in_line: &'static str,
    pub ordinal: fn(u32) -> String,
    /// The estimate: [`Strings::about_minutes`], or this with no data yet.
    pub few_minutes: &'static str,
    pub about_minutes: fn(u32) -> String,
    pub lapse_question: &'static str,
    pub keep_waiting: &'static str,
    pub leave_message: &'static str,
    pub back_to_assistant: &'static str,
    pub form_lead: &'static str,
    pub email_label: &'static str,
    pub your_message: &'static str,
    pub send_message: &'static str,
    pub rating_needed: &'static str,
    pub assistant_asked: &'static str,
    pub email_invalid: &'static str,
    pub message_needed: &'static str,
    pub message_left: &'static str,
    pub email_reply: &'static str,
    pub rate_question: &'static str,
    pub of_five: &'static str,
    pub comment_label: &'static str,
    pub send_rating: &'static str,
    pub rated: &'static str,
    pub transcript_ask: &'static str,
    pub transcript_lead: &'static str,
    pub transcript_sent: &'static str,
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
    in_line: "{} in line",
    ordinal: ordinal_en,
    few_minutes: "a few minutes",
    about_minutes: minutes_en,
    lapse_question: "What would you like to do?",
    keep_waiting: "Keep waiting",
    leave_message: "Leave a message",
    back_to_assistant: "Back to the assistant",
    form_lead: "Leave your email and a message, and the team will answer by email.",
    email_label: "Your email",
    your_message: "Your message",
    send_message: "Send message",
    rating_needed: "Please choose from 1 to 5 stars.",
    assistant_asked: "The assistant asked a person to join you.",
    email_invalid: "Please enter an email address like name@example.com.",
    message_needed: "Please write a message.",
    message_left: "Message left. The team will reply to {} by email.",
    email_reply: "{} replied by email",
    rate_question: "How was your chat with {}?",
    of_five: "{} of 5",
    comment_label: "Anything to add? (optional)",
    send_rating: "Send rating",
    rated: "Thank you for your rating.",
    transcript_ask: "Email me this chat",
    transcript_lead: "Where should we send a copy of this chat?",
    transcript_sent: "A copy of this chat is on its way to {}.",
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
    in_line: "ترتيبك في الدور: {}",
    ordinal: ordinal_ar,
    few_minutes: "بضع دقائق",
    about_minutes: minutes_ar,
    lapse_question: "ماذا تود أن تفعل؟",
    keep_waiting: "واصل الانتظار",
    leave_message: "اترك رسالة",
    back_to_assistant: "العودة إلى المساعد",
    form_lead: "اترك بريدك الإلكتروني ورسالة، وسيرد عليك الفريق بالبريد.",
    email_label: "بريدك الإلكتروني",
    your_message: "رسالتك",
    send_message: "أرسل الرسالة",
    rating_needed: "يُرجى اختيار من نجمة إلى 5 نجوم.",
    assistant_asked: "طلب المساعد من أحد أعضاء الفريق الانضمام إليك.",
    email_invalid: "يُرجى إدخال عنوان بريد مثل name@example.com.",
    message_needed: "يُرجى كتابة رسالة.",
    message_left: "تُركت رسالتك. سيرد الفريق على {} بالبريد الإلكتروني.",
    email_reply: "ردّ {} بالبريد الإلكتروني",
    rate_question: "كيف كانت محادثتك مع {}؟",
    of_five: "{} من 5",
    comment_label: "هل تود إضافة شيء؟ (اختياري)",
    send_rating: "أرسل التقييم",
    rated: "شكرًا لتقييمك.",
    transcript_ask: "أرسل لي هذه المحادثة بالبريد",
    transcript_lead: "إلى أين نرسل نسخة من هذه المحادثة؟",
    transcript_sent: "نسخة من هذه المحادثة في طريقها إلى {}.",
};

/// "1st", "2nd", "3rd", "4th" … "11th", "12th", "13th", "21st".
fn ordinal_en(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    [n.to_string().as_str(), suffix].concat()
}

/// Arabic says "your place in line: 2": the plain number.
fn ordinal_ar(n: u32) -> String {
    n.to_string()
}

fn minutes_en(n: u32) -> String {
    match n {
        1 => "about 1 min".to_owned(),
        n => ["about ", n.to_string().as_str(), " min"].concat(),
    }
}

/// Arabic counts minutes in four forms: one, two, 3–10, 11 and up.
fn minutes_ar(n: u32) -> String {
    match n {
        1 => "نحو دقيقة".to_owned(),
        2 => "نحو دقيقتين".to_owned(),
        3..=10 => ["نحو ", n.to_string().as_str(), " دقائق"].concat(),
        n => ["نحو ", n.to_string().as_str(), " دقيقة"].concat(),
    }
}

/// "2nd in line · about 3 min", or "… · a few minutes" while the server has
/// no estimate.
pub fn place_in_line(place: u32, minutes: Option<u32>) -> String {
    let estimate = minutes.map_or_else(|| s().few_minutes.to_owned(), s().about_minutes);
    [
        fill(s().in_line, &(s().ordinal)(place)).as_str(),
        " · ",
        estimate.as_str(),
    ]
    .concat()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_english_ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal_en).into();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
            ]
        );
    }

    #[test]
    fn the_estimate_is_a_few_minutes_without_data() {
        // The English table (nothing chosen in this test binary).
        assert_eq!(place_in_line(2, Some(3)), "2nd in line · about 3 min");
        assert_eq!(place_in_line(1, Some(1)), "1st in line · about 1 min");
        assert_eq!(place_in_line(1, None), "1st in line · a few minutes");
    }

    #[test]
    fn arabic_minutes_take_their_four_forms() {
        let got: Vec<String> = [1, 2, 3, 10, 11, 40].map(minutes_ar).into();
        assert_eq!(
            got,
            [
                "نحو دقيقة",
                "نحو دقيقتين",
                "نحو 3 دقائق",
                "نحو 10 دقائق",
                "نحو 11 دقيقة",
                "نحو 40 دقيقة"
            ]
        );
    }
}
